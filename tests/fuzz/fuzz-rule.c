/*
 * fuzz-rule.c - parses arbitrary bytes as a rule and evaluates what parses
 * against a small fixed fact set, collecting the facts read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct facts *
fixed_facts(void)
{
	static struct facts *fs;

	if (fs != NULL)
		return fs;
	fs = facts_new();
	facts_set(fs, "mysql.event_scheduler", "OFF", 0, "fuzz");
	facts_set(fs, "log.error", "Table has no partition for value 7", 0,
	    "fuzz");
	facts_set(fs, "log.code_1252001.count", "3", 0, "fuzz");
	facts_set(fs, "a", "10", 0, "fuzz");
	facts_set(fs, "b", "-9.50", 0, "fuzz");
	facts_set(fs, "c", "", 0, "fuzz");
	facts_set(fs, "d", "([a-z]+)*x", 0, "fuzz");
	facts_set(fs, "e", "[", 0, "fuzz");
	facts_set(fs, "x", "99999999999999999999999999.000001", 0, "fuzz");
	return fs;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf used;
	struct rule *r;
	char *text, *cause = NULL;
	int v, again;

	text = xstrndup((const char *)data, size);
	r = rule_parse(text, &cause);
	if (r == NULL) {
		if (cause == NULL || strncmp(cause, "column ", 7) != 0)
			abort();
	} else {
		if (cause != NULL || strcmp(rule_text(r), text) != 0)
			abort();
		buf_init(&used, 1024);
		v = rule_eval(r, fixed_facts(), &used);
		again = rule_eval(r, fixed_facts(), NULL);
		if ((v != 0 && v != 1) || v != again)
			abort();
		buf_free(&used);
	}
	rule_free(r);
	free(cause);
	free(text);
	return 0;
}
