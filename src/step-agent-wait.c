/*
 * step-agent-wait.c - agent_wait: after `gsectl restart`, wait until the GSE
 * agent runs all its processes and its link to gse_task is ESTABLISHED.
 *
 *   { type = "agent_wait"; timeout_ms = 20000; interval_ms = 300; }
 *
 * It re-runs the agent probe every interval_ms (default 300) until
 * agent.healthy is "yes" or timeout_ms (default: the setting
 * agent.restart_wait_ms) passes.  A failure is reported with its evidence:
 * what the probe saw last, and the last agent.log_lines lines of the
 * agent's log in agent.log_dir (the newest *agent*.log by name), because
 * that is where the agent says why it cannot reach gse_task (a refused
 * connection, a certificate it rejects).  Like verify, a failure fails the
 * playbook.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "step-common.h"

/* Most of the log read to find its last lines. */
#define LOG_TAIL_BYTES ((size_t)16 << 10)

struct wait_data {
	long timeout_ms;
	long interval_ms;
};

/* The agent's log: agent.log or gse_agent.log, else the last by name of
 * the *agent*.log files (dated names sort by date). */
static char *
agent_log(struct transport *tp, const char *dir)
{
	char **names = NULL, *pick = NULL;
	size_t n = 0, i;

	if (tp->ops->list_dir(tp, dir, &names, &n, NULL) != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "agent.log") == 0 ||
		    strcmp(names[i], "gse_agent.log") == 0) {
			pick = names[i];
			break;
		}
		if (strstr(names[i], "agent") != NULL &&
		    str_endswith(names[i], ".log"))
			pick = names[i];
	}
	pick = pick != NULL ? path_join(dir, pick) : NULL;
	names_free(names, n);
	return pick;
}

/* Appends "last lines of LOG:\n..." to b, or why there are none. */
static void
log_tail(struct exec_ctx *ctx, struct buf *b)
{
	struct transport *tp = ctx->tp;
	const char *dir = conf_str(ctx->conf, "agent.log_dir");
	long want = conf_int(ctx->conf, "agent.log_lines");
	struct buf data = BUF_INIT;
	struct tstat st;
	uint64_t off;
	char *path, *p, *text;
	long lines = 0;

	if (dir == NULL || *dir == '\0' || want <= 0)
		return;
	if ((path = agent_log(tp, dir)) == NULL) {
		buf_printf(b, "; no agent log found in \"%s\"", dir);
		return;
	}
	if (tp_stat(tp, path, &st, NULL) != 0 || !st.exists) {
		buf_printf(b, "; cannot stat \"%s\"", path);
		free(path);
		return;
	}
	off = (uint64_t)st.size > LOG_TAIL_BYTES ? (uint64_t)st.size -
	    LOG_TAIL_BYTES : 0;
	data.secret = 1; /* a log may quote anything: redacted below */
	if (tp->ops->read_range(tp, path, off, LOG_TAIL_BYTES, &data, NULL) !=
	    0 || data.len == 0) {
		buf_printf(b, "; \"%s\" is empty or unreadable", path);
		goto out;
	}
	/* the start of the last `want` lines */
	p = data.data + data.len;
	if (p > data.data && p[-1] == '\n')
		p--;
	while (p > data.data) {
		if (p[-1] == '\n' && ++lines >= want)
			break;
		p--;
	}
	text = redact(p);
	buf_printf(b, "; last lines of \"%s\":\n%s", path, text);
	free(text);
out:
	buf_free(&data);
	free(path);
}

static int
check(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct wait_data *d = c->data;
	int64_t start = now_ms(), deadline = start + d->timeout_ms;
	const struct fact *f;
	const char *v;
	struct timespec ts;
	struct buf why = BUF_INIT;
	int r;

	(void)tp;
	for (;;) {
		v = exec_refresh_fact(ctx, "agent.healthy");
		if (v != NULL && strcmp(v, "yes") == 0) {
			c->message = xasprintf("the agent runs and reaches "
			    "gse_task after %lld ms", (long long)(now_ms() -
			    start));
			return 0;
		}
		if (now_ms() + d->interval_ms > deadline)
			break;
		ts.tv_sec = d->interval_ms / 1000;
		ts.tv_nsec = (d->interval_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	buf_printf(&why, "the agent is not healthy %ld ms after the restart",
	    d->timeout_ms);
	if ((f = facts_find(ctx->facts, "agent.healthy")) != NULL)
		buf_printf(&why, ": %s", f->evidence);
	else if ((f = facts_find(ctx->facts, "agent.probe")) != NULL)
		buf_printf(&why, ": probe %s: %s", f->value, f->evidence);
	log_tail(ctx, &why);
	r = set_cause(cause, JF_ERR_CHANGED, "%s", why.data);
	buf_free(&why);
	return r;
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	struct wait_data *d;
	struct change *c;
	const char *t;
	int w;

	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	d = xcalloc(1, sizeof *d);
	d->timeout_ms = conf_int(ctx->conf, "agent.restart_wait_ms");
	d->interval_ms = 300;
	if ((t = step_str(st, "timeout_ms")) != NULL)
		str_to_long(t, &d->timeout_ms);
	if ((t = step_str(st, "interval_ms")) != NULL)
		str_to_long(t, &d->interval_ms);
	if (d->timeout_ms < 0)
		d->timeout_ms = 0;
	if (d->interval_ms < 10)
		d->interval_ms = 10;
	c = change_new(CHANGE_CHECK, NULL);
	free(c->summary);
	c->summary = xasprintf("wait up to %ld ms for the agent's processes "
	    "and its link to gse_task", d->timeout_ms);
	c->display = xasprintf("agent.healthy == \"yes\" within %ld ms",
	    d->timeout_ms);
	c->apply = check;
	c->data = d;
	c->data_free = free;
	change_list_add(out, c);
	return 0;
}

static int
validate(const struct step *st, char **cause)
{
	static const char *const nums[] = { "timeout_ms", "interval_ms" };
	const char *t;
	long v;
	size_t i;

	for (i = 0; i < nitems(nums); i++) {
		if ((t = step_str(st, nums[i])) != NULL &&
		    (str_to_long(t, &v) != 0 || v < 0))
			return set_cause(cause, JF_ERR_PARSE, "%s must be a "
			    "number of milliseconds, not \"%s\"", nums[i], t);
	}
	return 0;
}

static const char *const params[] = { "timeout_ms", "interval_ms", "when",
	NULL };

const struct step_type step_agent_wait = {
	"agent_wait", STEP_CHECKS, params,
	"wait until the GSE agent runs and reaches gse_task; on failure quote "
	"its log",
	validate, prepare,
};
