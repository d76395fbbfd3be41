/*
 * test-strmap.c - the string map: put, add, get, replace, remove (with the runs
 * of slots behind the removed key shifted back), clear, growth, keys that
 * differ only at their end, and a lookup whose cost does not grow with the
 * map.  Every operation is checked against a plain array, the model.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "tap.h"
#include "util.h"

static void
test_basics(void)
{
	struct strmap *m = strmap_new();
	char k1[] = "mysql.event_scheduler", k1b[] = "mysql.event_scheduler";

	is_int(strmap_count(m), 0, "new map is empty");
	ok(strmap_get(m, "x") == STRMAP_NONE, "absent key on an empty map");
	ok(strmap_del(m, "x") == STRMAP_NONE, "removing from an empty map");
	ok(strmap_put(m, k1, 7) == STRMAP_NONE, "first put: no old position");
	is_int(strmap_get(m, "mysql.event_scheduler"), 7, "get");
	ok(strmap_get(m, "mysql") == STRMAP_NONE, "a prefix is not the key");
	ok(strmap_get(m, "mysql.event_scheduler.x") == STRMAP_NONE,
	    "a longer string is not the key");
	ok(strmap_get(m, "") == STRMAP_NONE, "the empty string is absent");
	is_int(strmap_put(m, k1b, 9), 7, "put again returns the old position");
	is_int(strmap_count(m), 1, "put again does not add");
	/* the key pointer is replaced too: the first copy may go */
	memset(k1, 'x', sizeof k1 - 1);
	is_int(strmap_get(m, "mysql.event_scheduler"), 9,
	    "found through the new key pointer");
	{
		char a1[] = "added", a2[] = "added";

		ok(strmap_add(m, a1, 3) == STRMAP_NONE, "add: absent, added");
		is_int(strmap_add(m, a2, 4), 3, "add: present, its position");
		memset(a1, 'x', sizeof a1 - 1);
		is_int(strmap_get(m, "added"), 3,
		    "add: position kept, new key pointer taken");
		is_int(strmap_del(m, "added"), 3, "add: removed");
	}
	strmap_put(m, "", 0);
	is_int(strmap_get(m, ""), 0, "the empty string is a key like any");
	is_int(strmap_del(m, "mysql.event_scheduler"), 9, "del returns pos");
	ok(strmap_get(m, "mysql.event_scheduler") == STRMAP_NONE, "deleted");
	is_int(strmap_count(m), 1, "one left");
	strmap_clear(m);
	is_int(strmap_count(m), 0, "cleared");
	ok(strmap_get(m, "") == STRMAP_NONE, "nothing after clear");
	strmap_put(m, "again", 1);
	is_int(strmap_get(m, "again"), 1, "usable after clear");
	strmap_free(m);
	strmap_free(NULL);
	ok(strmap_get(NULL, "x") == STRMAP_NONE, "get on NULL");
	is_int(strmap_count(NULL), 0, "count of NULL");
}

/*
 * Random puts, replacements and removals on 3000 keys, checked after every
 * step of a sample against an array that says where each key is; then every
 * key is looked up.  Removal shifts slots back, which is where an open
 * addressing table goes wrong: a key left behind a gap is never found again.
 */
static void
test_model(void)
{
	enum { N = 3000, OPS = 60000 };
	struct strmap *m = strmap_new();
	static char keys[N][24];
	static size_t model[N];
	size_t i, k, live = 0, bad = 0, got;
	unsigned long seed = 12345;

	for (i = 0; i < N; i++) {
		snprintf(keys[i], sizeof keys[i], "jobconf.key.%zu", i);
		model[i] = STRMAP_NONE;
	}
	for (i = 0; i < OPS; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		k = (seed >> 33) % N;
		if ((seed >> 20) % 3 == 0) {
			got = strmap_del(m, keys[k]);
			if (got != model[k])
				bad++;
			if (model[k] != STRMAP_NONE)
				live--;
			model[k] = STRMAP_NONE;
		} else {
			got = strmap_put(m, keys[k], i);
			if (got != model[k])
				bad++;
			if (model[k] == STRMAP_NONE)
				live++;
			model[k] = i;
		}
		if (strmap_count(m) != live)
			bad++;
	}
	is_int(bad, 0, "60000 random puts and removals return what the "
	    "model says");
	for (i = 0, bad = 0; i < N; i++)
		if (strmap_get(m, keys[i]) != model[i])
			bad++;
	is_int(bad, 0, "every key found where the model has it, or absent");
	/* remove everything: the table must end empty */
	for (i = 0; i < N; i++)
		strmap_del(m, keys[i]);
	is_int(strmap_count(m), 0, "all removed");
	for (i = 0, bad = 0; i < N; i++)
		if (strmap_get(m, keys[i]) != STRMAP_NONE)
			bad++;
	is_int(bad, 0, "none found after removing all");
	strmap_free(m);
}

/*
 * The cost of a lookup is constant: 200,000 keys that differ only in their
 * last digits (job.conf's "module.settingN"), then each looked up once; the
 * slots examined per lookup, on average, stay small and about the same as
 * for 2,000 keys.  A linear scan would examine half the map per lookup.
 */
static double
steps_per_lookup(size_t n, char **keys)
{
	struct strmap *m = strmap_new();
	unsigned long before;
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		strmap_put(m, keys[i], i);
	before = strmap_steps();
	for (i = 0; i < n; i++)
		if (strmap_get(m, keys[i]) != i)
			bad++;
	is_int(bad, 0, "%zu keys: each found at its position", n);
	strmap_free(m);
	return (double)(strmap_steps() - before) / (double)n;
}

static void
test_cost(void)
{
	enum { BIG = 200000 };
	char **keys = xcalloc(BIG, sizeof *keys);
	double small, big;
	size_t i;

	for (i = 0; i < BIG; i++)
		keys[i] = xasprintf("bench.module%zu.setting%zu", i % 13, i);
	small = steps_per_lookup(2000, keys);
	big = steps_per_lookup(BIG, keys);
	ok(big < 3.0, "200000 keys: %.2f slots examined per lookup (< 3)", big);
	ok(big < small * 2 + 0.5, "as for 2000 keys (%.2f)", small);
	for (i = 0; i < BIG; i++)
		free(keys[i]);
	free(keys);
}

int
main(void)
{
	test_basics();
	test_model();
	test_cost();
	return tap_done();
}
