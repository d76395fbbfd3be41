/*
 * test-facts.c - fact sets: set, get, replace, drop by prefix, merge, move,
 * swap, sort, the name index after each of them, the cost of a lookup at
 * 200,000 facts, and secret facts reaching redact().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "strmap.h"
#include "tap.h"

static void
test_set_get(void)
{
	struct facts *fs = facts_new();
	const struct fact *f;
	char name[32];
	int i;

	ok(fs != NULL && fs->n == 0, "new set is empty");
	is_str(facts_get(fs, "x"), NULL, "missing fact is NULL");
	ok(facts_find(fs, "x") == NULL, "missing fact not found");

	facts_set(fs, "mysql.event_scheduler", "OFF", 0,
	    "SELECT @@event_scheduler on %s:%d", "127.0.0.1", 3306);
	is_str(facts_get(fs, "mysql.event_scheduler"), "OFF", "get");
	f = facts_find(fs, "mysql.event_scheduler");
	ok(f != NULL, "find");
	if (f != NULL) {
		is_str(f->evidence, "SELECT @@event_scheduler on 127.0.0.1:3306",
		    "evidence formatted");
		is_int(f->flags, 0, "flags");
	}
	is_str(facts_get(fs, "mysql"), NULL, "a prefix is not a name");
	is_str(facts_get(fs, "mysql.event_scheduler.x"), NULL,
	    "a longer name is not the name");

	facts_setv(fs, "nullv", NULL, 0, NULL);
	is_str(facts_get(fs, "nullv"), "", "NULL value stored as empty");
	is_str(facts_find(fs, "nullv")->evidence, "", "NULL evidence empty");

	facts_set_long(fs, "log.partition.count", -42, "counted %s", "rows");
	is_str(facts_get(fs, "log.partition.count"), "-42", "set_long");
	is_str(facts_find(fs, "log.partition.count")->evidence, "counted rows",
	    "set_long evidence");
	facts_set_long(fs, "long.max", 9223372036854775807L, "max");
	is_str(facts_get(fs, "long.max"), "9223372036854775807", "LONG_MAX");

	/* replacing keeps one entry and takes the new flags */
	is_int(fs->n, 4, "four facts");
	facts_set(fs, "mysql.event_scheduler", "ON", 0, "again");
	is_int(fs->n, 4, "replace does not add");
	is_str(facts_get(fs, "mysql.event_scheduler"), "ON", "replaced value");
	is_str(facts_find(fs, "mysql.event_scheduler")->evidence, "again",
	    "replaced evidence");

	/* replace a fact with its own value and name (aliasing) */
	f = facts_find(fs, "mysql.event_scheduler");
	facts_setv(fs, f->name, f->value, 0, f->evidence);
	is_str(facts_get(fs, "mysql.event_scheduler"), "ON",
	    "set from its own value");
	is_str(facts_find(fs, "mysql.event_scheduler")->evidence, "again",
	    "set from its own evidence");

	/* many facts grow the array */
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "many.%03d", i);
		facts_set_long(fs, name, i, "loop");
	}
	is_int(fs->n, 204, "204 facts");
	is_str(facts_get(fs, "many.199"), "199", "last of many");
	is_str(facts_get(fs, "many.000"), "0", "first of many");

	/* odd bytes in names and values are kept as they are */
	facts_set(fs, "odd", "line1\r\nline2\xff", 0, "%s", "");
	is_str(facts_get(fs, "odd"), "line1\r\nline2\xff", "odd value");
	facts_free(fs);
	facts_free(NULL);
	ok(1, "facts_free(NULL)");
}

static void
test_drop_prefix(void)
{
	struct facts *fs = facts_new();

	facts_set(fs, "mysql.a", "1", 0, "e");
	facts_set(fs, "redis.a", "2", 0, "e");
	facts_set(fs, "mysql.b", "3", FACT_SECRET, "e");
	facts_set(fs, "mysqlx.c", "4", 0, "e");
	facts_set(fs, "log.d", "5", 0, "e");
	facts_drop_prefix(fs, "mysql.");
	is_int(fs->n, 3, "two dropped");
	is_str(facts_get(fs, "mysql.a"), NULL, "mysql.a dropped");
	is_str(facts_get(fs, "mysql.b"), NULL, "secret mysql.b dropped");
	is_str(facts_get(fs, "mysqlx.c"), "4", "mysqlx.c kept");
	is_str(fs->v[0].name, "redis.a", "order kept 0");
	is_str(fs->v[1].name, "mysqlx.c", "order kept 1");
	is_str(fs->v[2].name, "log.d", "order kept 2");
	facts_drop_prefix(fs, "nothing.");
	is_int(fs->n, 3, "no match drops nothing");
	facts_set(fs, "new", "6", 0, "e");
	is_str(facts_get(fs, "new"), "6", "set after drop");
	facts_drop_prefix(fs, "");
	is_int(fs->n, 0, "empty prefix drops all");
	facts_set(fs, "again", "7", 0, "e");
	is_str(facts_get(fs, "again"), "7", "set after dropping all");
	facts_free(fs);
}

static void
test_merge_sort(void)
{
	struct facts *a = facts_new(), *b = facts_new();
	size_t i;
	int sorted = 1;

	facts_set(a, "z", "1", 0, "a");
	facts_set(a, "m", "2", 0, "a");
	facts_set(b, "m", "20", 0, "b");
	facts_set(b, "b", "30", FACT_SECRET, "b");
	facts_set(b, "a.b", "40", 0, "b");
	facts_merge(a, b);
	is_int(a->n, 4, "merged count");
	is_str(facts_get(a, "m"), "20", "merge replaces");
	is_str(facts_find(a, "m")->evidence, "b", "merge takes evidence");
	is_int(facts_find(a, "b")->flags, FACT_SECRET, "merge keeps flags");
	is_int(b->n, 3, "source unchanged");
	is_str(facts_get(b, "m"), "20", "source value kept");

	/* merging a set into itself changes nothing */
	facts_merge(a, a);
	is_int(a->n, 4, "self merge count");
	is_str(facts_get(a, "z"), "1", "self merge value");

	facts_sort(a);
	for (i = 1; i < a->n; i++)
		if (strcmp(a->v[i - 1].name, a->v[i].name) >= 0)
			sorted = 0;
	ok(sorted, "sorted by name");
	is_str(a->v[0].name, "a.b", "first after sort");
	is_str(a->v[3].name, "z", "last after sort");
	is_str(facts_get(a, "z"), "1", "values follow their names");
	facts_sort(b);
	is_str(b->v[0].name, "a.b", "sort b");

	{
		struct facts *e = facts_new();
		facts_sort(e);
		is_int(e->n, 0, "sorting an empty set");
		facts_merge(e, b);
		is_int(e->n, 3, "merge into empty");
		facts_merge(b, e);
		is_int(b->n, 3, "merge of the same names adds nothing");
		facts_free(e);
	}
	facts_free(a);
	facts_free(b);
}

/* Every fact is found by its name at its own position, and no other name
 * is: the index agrees with the array. */
static int
index_agrees(const struct facts *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (facts_find(fs, fs->v[i].name) != &fs->v[i])
			return 0;
	return 1;
}

static void
test_move_swap(void)
{
	struct facts *a = facts_new(), *b = facts_new(), *e = facts_new();

	facts_set(a, "jobconf.app.code", "bk_job", 0, "a:1");
	facts_set(a, "jobconf.app.secret", "0ld-secret", FACT_SECRET, "a:2");
	facts_set(b, "jobconf.app.secret", "n3w-secret", FACT_SECRET, "b:9");
	facts_set(b, "mysql.event_scheduler", "ON", 0, "b:10");
	facts_move(a, b);
	is_int(a->n, 3, "move: replaced one, added one");
	is_int(b->n, 0, "move: the source is empty");
	ok(facts_find(b, "mysql.event_scheduler") == NULL,
	    "move: the source finds nothing");
	is_str(facts_get(a, "jobconf.app.secret"), "n3w-secret",
	    "move: the moved value replaces");
	is_str(facts_find(a, "jobconf.app.secret")->evidence, "b:9",
	    "move: with its evidence");
	is_str(a->v[1].name, "jobconf.app.secret",
	    "move: a replaced fact keeps its place");
	is_str(a->v[2].name, "mysql.event_scheduler", "move: new ones last");
	ok(index_agrees(a), "move: index agrees");
	facts_set(b, "again", "1", 0, "x");
	is_str(facts_get(b, "again"), "1", "move: the source is usable");

	/* into an empty set: the whole set changes hands */
	facts_move(e, a);
	is_int(e->n, 3, "move into empty: all there");
	is_int(a->n, 0, "move into empty: source empty");
	ok(index_agrees(e), "move into empty: index agrees");
	facts_move(e, e);
	is_int(e->n, 3, "move into itself changes nothing");

	facts_swap(a, e);
	is_int(a->n, 3, "swap: a has e's facts");
	is_int(e->n, 0, "swap: e has a's (none)");
	is_str(facts_get(a, "jobconf.app.code"), "bk_job", "swap: found in a");
	ok(facts_get(e, "jobconf.app.code") == NULL, "swap: not in e");
	facts_set(e, "jobconf.app.code", "other", 0, "e");
	is_str(facts_get(a, "jobconf.app.code"), "bk_job",
	    "swap: sets are apart afterwards");
	facts_free(a);
	facts_free(b);
	facts_free(e);
}

static void
test_index_after_reorder(void)
{
	struct facts *fs = facts_new();
	char name[32];
	size_t i;
	int found = 1;

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "k.%zu", 999 - i);
		facts_set_long(fs, name, (long)i, "e");
	}
	facts_sort(fs);
	ok(index_agrees(fs), "sort: index agrees with the new order");
	facts_drop_prefix(fs, "k.5");
	is_int(fs->n, 889, "drop: 111 names start with k.5");
	ok(index_agrees(fs), "drop: index agrees");
	ok(facts_get(fs, "k.500") == NULL && facts_get(fs, "k.5") == NULL,
	    "drop: the dropped are gone");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "k.%zu", i);
		if (name[2] != '5' && facts_get(fs, name) == NULL)
			found = 0;
	}
	ok(found, "drop: every other fact is found");
	facts_free(fs);
}

/*
 * job.conf can bring 200,000 facts: setting and finding one must not cost
 * more as the set grows.  The map counts the slots it examines; a linear
 * scan would examine 100,000 entries per lookup on average.
 */
static void
test_cost(void)
{
	enum { N = 200000 };
	struct facts *fs = facts_new();
	unsigned long before;
	char name[64];
	size_t i, bad = 0;

	before = strmap_steps();
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof name, "jobconf.bench.module%zu.setting%zu",
		    i % 13, i);
		facts_setv(fs, name, "v", 0, "job.conf:1");
	}
	for (i = 0; i < N; i += 7) {
		snprintf(name, sizeof name, "jobconf.bench.module%zu.setting%zu",
		    i % 13, i);
		if (facts_get(fs, name) == NULL)
			bad++;
		facts_setv(fs, name, "w", 0, "job.conf:2"); /* replace */
	}
	ok((double)(strmap_steps() - before) / (N + 2 * (N / 7)) < 4,
	    "200000 facts: under 4 slots examined per set or find (%.2f)",
	    (double)(strmap_steps() - before) / (N + 2 * (N / 7)));
	is_int(bad, 0, "each found");
	is_int(fs->n, N, "replacing adds nothing");
	is_str(facts_get(fs, "jobconf.bench.module0.setting0"), "w",
	    "a replaced value");
	is_str(facts_get(fs, "jobconf.bench.module1.setting1"), "v",
	    "a value set once");
	facts_free(fs);
}

static void
test_secret(void)
{
	struct facts *fs = facts_new();
	char *s;

	secret_clear_all();
	facts_set(fs, "jobconf.app.secret", "s3cr3t-value", FACT_SECRET,
	    "job.conf");
	is_str(facts_get(fs, "jobconf.app.secret"), "s3cr3t-value",
	    "a secret is returned for use");
	s = redact("app.secret=s3cr3t-value;");
	is_str(s, "app.secret=" SECRET_MASK ";", "secret value masked");
	free(s);
	facts_set(fs, "plain", "visible-value", 0, "x");
	s = redact("visible-value");
	is_str(s, "visible-value", "a plain value is not masked");
	free(s);
	/* a secret fact replaced by a new secret: both stay registered */
	facts_set(fs, "jobconf.app.secret", "n3w-secret", FACT_SECRET, "x");
	s = redact("n3w-secret s3cr3t-value");
	is_str(s, SECRET_MASK " " SECRET_MASK, "old and new secret masked");
	free(s);
	/* merged secrets are registered too */
	secret_clear_all();
	{
		struct facts *other = facts_new();
		facts_merge(other, fs);
		s = redact("n3w-secret");
		is_str(s, SECRET_MASK, "merge registers the secret");
		free(s);
		facts_free(other);
	}
	/* short secrets are not registered */
	secret_clear_all();
	facts_set(fs, "short", "ab", FACT_SECRET, "x");
	s = redact("ab cab");
	is_str(s, "ab cab", "two-byte secret not masked");
	free(s);
	secret_clear_all();
	facts_free(fs);
}

int
main(void)
{
	test_set_get();
	test_drop_prefix();
	test_merge_sort();
	test_move_swap();
	test_index_after_reorder();
	test_cost();
	test_secret();
	return tap_done();
}
