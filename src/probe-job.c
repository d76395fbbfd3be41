/*
 * probe-job.c - is Job's JVM running?  Matched by its command line, from
 * the process table, with the pattern of job_process_pattern(): the
 * setting job.process_pattern, else what Job's start script launches,
 * else a fallback that any java command line holding "job" matches.  The
 * evidence names the process that matched, so a wrong match shows.
 *
 *   job.pattern  the pattern used; its evidence says where from
 *   job.running  yes | no
 *   job.pid      the first matching pid
 *   job.health   ok | failed: a GET of the setting job.health_url
 *                (Job's /healthz) answered 2xx; absent when no URL is set
 *   job.health_error  why not ok
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "netcheck.h"
#include "i18n.h"
#include "probe.h"

static void
health_facts(struct probe_ctx *ctx, struct facts *out)
{
	const char *url = conf_str(ctx->site->conf, "job.health_url");
	struct http_answer ans;
	struct http_req req;
	char *why;

	if (url == NULL || *url == '\0')
		return;
	memset(&req, 0, sizeof req);
	req.url = url;
	req.timeout_ms = probe_time_left(ctx);
	if (http_request(&req, &ans) != 0)
		why = xasprintf("GET %s: %s", url, ans.error);
	else if (ans.status < 200 || ans.status > 299)
		why = xasprintf("GET %s: HTTP %ld", url, ans.status);
	else
		why = NULL;
	if (why != NULL) {
		facts_set(out, "job.health", "failed", 0, "GET %s (setting "
		    "job.health_url)", url);
		facts_setv(out, "job.health_error", why, 0, "libcurl");
	} else
		facts_set(out, "job.health", "ok", 0, "GET %s (setting "
		    "job.health_url): HTTP %ld", url, ans.status);
	free(why);
	http_answer_free(&ans);
}

const char *
job_process_pattern(const struct probe_ctx *ctx, char **origin,
    char **origin_text)
{
	const char *set = conf_str(ctx->site->conf, "job.process_pattern");
	const struct fact *d = facts_find(ctx->in, "jobsh.process_pattern");

	if (set != NULL && *set != '\0') {
		*origin = xstrdup("setting job.process_pattern");
		*origin_text = xstrdup(_("setting job.process_pattern"));
		return set;
	}
	if (d != NULL && d->value != NULL && *d->value != '\0') {
		*origin = xasprintf("derived from %s", d->evidence);
		*origin_text = xasprintf(_("derived from %s"),
		    fact_evidence_text(d));
		return d->value;
	}
	/* why nothing was derived: what job.sh's java command says */
	d = facts_find(ctx->in, "jobsh.java_main");
	if (d != NULL && d->evidence != NULL && *d->evidence != '\0') {
		*origin = xasprintf("fallback: the setting job.process_pattern is "
		    "empty and Job's start script names no jar or main class "
		    "that can be read (%s)", d->evidence);
		*origin_text = xasprintf(_("fallback: the setting "
		    "job.process_pattern is empty and Job's start script names "
		    "no jar or main class that can be read (%s)"),
		    fact_evidence_text(d));
	} else {
		*origin = xstrdup("fallback: the setting job.process_pattern is "
		    "empty and Job's start script names no jar or main class");
		*origin_text = xstrdup(_("fallback: the setting "
		    "job.process_pattern is empty and Job's start script names "
		    "no jar or main class"));
	}
	return JOB_PROCESS_FALLBACK;
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct tproc *procs = NULL;
	size_t n = 0, i;
	const char *pattern;
	char err[128], *origin, *otext, *en, *text;
	regex_t re;
	int r;

	pattern = job_process_pattern(ctx, &origin, &otext);
	if ((r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &re, err, sizeof err);
		r = set_cause(cause, JF_ERR_PARSE, "job.process_pattern "
		    "\"%s\" (%s): %s", pattern, origin, err);
		free(origin);
		free(otext);
		return r;
	}
	facts_setv_text(out, "job.pattern", pattern, 0, origin, otext);
	if ((r = ctx->tp->ops->list_procs(ctx->tp, &procs, &n, cause)) != 0) {
		regfree(&re);
		free(origin);
		free(otext);
		return r;
	}
	for (i = 0; i < n; i++)
		if (regexec(&re, procs[i].cmdline, 0, NULL, 0) == 0)
			break;
	if (i < n && strncmp(origin, "fallback", 8) == 0) {
		/* a guess: any java command line holding "job" matches it,
		 * so the process is named as possibly not Job at all */
		en = xasprintf("pid %ld matches \"%s\" (%s), which any java "
		    "command line holding \"job\" matches: it may not be Job "
		    "(set job.process_pattern): %.200s", (long)procs[i].pid,
		    pattern, origin, procs[i].cmdline);
		text = xasprintf(_("pid %ld matches \"%s\" (%s), which any java "
		    "command line holding \"job\" matches: it may not be Job "
		    "(set job.process_pattern): %.200s"), (long)procs[i].pid,
		    pattern, otext, procs[i].cmdline);
	} else if (i < n) {
		/* the evidence names the process: a wrong match shows */
		en = xasprintf("pid %ld matches \"%s\" (%s): %.200s",
		    (long)procs[i].pid, pattern, origin, procs[i].cmdline);
		text = xasprintf(_("pid %ld matches \"%s\" (%s): %.200s"),
		    (long)procs[i].pid, pattern, otext, procs[i].cmdline);
	} else {
		en = xasprintf("no process matches \"%s\" (%s) among %zu",
		    pattern, origin, n);
		text = xasprintf(_("no process matches \"%s\" (%s) among %zu"),
		    pattern, otext, n);
	}
	if (i < n) {
		facts_setv_text(out, "job.running", "yes", 0, en, text);
		facts_set_long(out, "job.pid", (long)procs[i].pid, N_("process "
		    "table: %.200s"), procs[i].cmdline);
	} else {
		facts_setv_text(out, "job.running", "no", 0, en, text);
	}
	free(en);
	free(text);
	free(origin);
	free(otext);
	tprocs_free(procs, n);
	regfree(&re);
	health_facts(ctx, out);
	return 0;
}

const struct probe probe_job = {
	"job", "job.", 1, PROBE_HOST,
	"Job's JVM in the process table, and its health URL when set",
	run,
};
