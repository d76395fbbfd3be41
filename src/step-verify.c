/*
 * step-verify.c - verify and wait: probe again and compare a fact.
 *
 *   { type = "verify"; fact = "mysql.event_scheduler"; equals = "ON"; }
 *   { type = "wait"; fact = "agent.procs"; equals = "2"; timeout_ms = 20000; }
 *
 * `when` (as for command) skips the check when it does not hold: a verify
 * of the running server is skipped when the server was not reachable.
 *
 * verify checks once (with an optional timeout_ms it retries like wait);
 * wait polls every interval_ms until the fact matches or the deadline
 * passes.  A failed verify fails the playbook, and the executor undoes
 * what the playbook changed.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "step-common.h"

struct verify_data {
	char *fact;
	char *equals;     /* or NULL */
	char *not_equals; /* or NULL */
	char *matches;    /* or NULL */
	long timeout_ms;
	long interval_ms;
};

static void
verify_free(void *p)
{
	struct verify_data *d = p;

	if (d == NULL)
		return;
	free(d->fact);
	free(d->equals);
	free(d->not_equals);
	free(d->matches);
	free(d);
}

static int
holds(const struct verify_data *d, const char *v)
{
	regex_t re;
	int m;

	if (v == NULL)
		return 0;
	if (d->equals != NULL && strcmp(v, d->equals) != 0)
		return 0;
	if (d->not_equals != NULL && strcmp(v, d->not_equals) == 0)
		return 0;
	if (d->matches != NULL) {
		if (regcomp(&re, d->matches, REG_EXTENDED | REG_NOSUB) != 0)
			return 0;
		m = regexec(&re, v, 0, NULL, 0) == 0;
		regfree(&re);
		if (!m)
			return 0;
	}
	return 1;
}

static int
check(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct verify_data *d = c->data;
	int64_t deadline = now_ms() + d->timeout_ms;
	const char *v;
	struct timespec ts;

	(void)tp;
	for (;;) {
		v = exec_refresh_fact(ctx, d->fact);
		if (holds(d, v)) {
			c->message = xasprintf("%s is \"%s\"", d->fact, v);
			return 0;
		}
		if (now_ms() + d->interval_ms > deadline)
			break;
		ts.tv_sec = d->interval_ms / 1000;
		ts.tv_nsec = (d->interval_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	if (v == NULL)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: no value: the "
		    "probe that gives it did not run or found nothing",
		    d->fact);
	return set_cause(cause, JF_ERR_CHANGED, "%s is \"%s\"%s", d->fact, v,
	    d->timeout_ms ? " when the deadline passed" : "");
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	struct verify_data *d;
	struct change *c;
	struct buf what = BUF_INIT;
	const char *t;
	int w;

	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	d = xcalloc(1, sizeof *d);
	if ((d->fact = step_expand(st, ctx, "fact", NULL, cause)) == NULL) {
		verify_free(d);
		return -JF_ERR_NOTFOUND;
	}
	d->equals = step_expand(st, ctx, "equals", NULL, NULL);
	d->not_equals = step_expand(st, ctx, "not_equals", NULL, NULL);
	d->matches = step_expand(st, ctx, "matches", NULL, NULL);
	d->timeout_ms = 0;
	d->interval_ms = 500;
	if ((t = step_str(st, "timeout_ms")) != NULL)
		str_to_long(t, &d->timeout_ms);
	if ((t = step_str(st, "interval_ms")) != NULL)
		str_to_long(t, &d->interval_ms);
	buf_addstr(&what, d->fact);
	if (d->equals)
		buf_printf(&what, " == \"%s\"", d->equals);
	if (d->not_equals)
		buf_printf(&what, " != \"%s\"", d->not_equals);
	if (d->matches)
		buf_printf(&what, " ~ \"%s\"", d->matches);
	if (d->timeout_ms)
		buf_printf(&what, " within %ld ms", d->timeout_ms);
	c = change_new(CHANGE_CHECK, NULL);
	free(c->summary);
	c->summary = xasprintf("%s %s", st->type->name, what.data);
	c->display = xstrdup(what.data);
	c->apply = check;
	c->data = d;
	c->data_free = verify_free;
	change_list_add(out, c);
	buf_free(&what);
	return 0;
}

static int
validate(const struct step *st, char **cause)
{
	const char *m = step_str(st, "matches");
	regex_t re;

	if (step_str(st, "equals") == NULL && step_str(st, "not_equals") ==
	    NULL && m == NULL)
		return set_cause(cause, JF_ERR_PARSE, "say what to expect: "
		    "equals, not_equals or matches");
	if (m != NULL) {
		if (regcomp(&re, m, REG_EXTENDED | REG_NOSUB) != 0)
			return set_cause(cause, JF_ERR_PARSE, "matches: bad "
			    "regular expression \"%s\"", m);
		regfree(&re);
	}
	if (strcmp(st->type->name, "wait") == 0 &&
	    step_str(st, "timeout_ms") == NULL)
		return set_cause(cause, JF_ERR_PARSE, "wait needs timeout_ms");
	return 0;
}

static const char *const params[] = { "!fact", "equals", "not_equals",
	"matches", "timeout_ms", "interval_ms", "when", NULL };

const struct step_type step_verify = {
	"verify", STEP_CHECKS, params,
	"probe again and check a fact; a failure undoes the playbook",
	validate, prepare,
};

const struct step_type step_wait = {
	"wait", STEP_CHECKS, params,
	"probe again until a fact matches or the deadline passes",
	validate, prepare,
};
