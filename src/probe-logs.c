/*
 * probe-logs.c - what Job's logs say: counts of known error signatures in
 * job.log and error.log, the last line of each, whether job.log is fresh,
 * and the kind of script timeout (FAQ 6).
 *
 * The scanning is logscan.c's: incremental, so a run reads only what Job
 * wrote since the previous run; its state lives in the state directory
 * under logscan/.  Facts (log.<id>.count, .new, .last for every signature
 * of logscan_sigs()):
 *   log.<id>.count   matching lines in both files since scanning began
 *   log.<id>.new     matching lines in what this run read
 *   log.<id>.last    the latest matching line, trimmed, redacted, at most
 *                    LAST_MAX bytes; evidence FILE:LINE
 *   log.<id>.age     seconds since a scan last found the signature (only
 *                    once it has been seen): the fault rules ask "< 3600"
 *   log.job.exists, log.error.exists, log.job.fresh,
 *   log.script_timeout.class   script | agent | unclear
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "logscan.h"
#include "i18n.h"
#include "probe.h"

#define LAST_MAX 300
#define FRESH_DEFAULT 600
/* Leave this much of the probe's deadline for writing the state and the
 * facts; a scan cut short goes on in the next run. */
#define DEADLINE_MARGIN_MS 250
#define REMOTE_CHUNK ((size_t)1 << 20)

struct logfile {
	const char *name;  /* "job": facts log.job.* */
	const char *file;  /* "job.log" */
	char *path;
	struct logscan_result res;
	int ok;
};

/* The first line of s, trimmed, cut at LAST_MAX bytes on a character
 * boundary, and redacted. */
static char *
last_text(const char *s)
{
	size_t n = strcspn(s, "\n");
	char *t = xstrndup(s, n), *p, *r;

	p = str_trim(t);
	if (strlen(p) > LAST_MAX) {
		n = LAST_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;        /* not inside a UTF-8 sequence */
		p[n] = '\0';
	}
	r = redact(p);
	free(t);
	return r;
}

static void
file_facts(struct probe_ctx *ctx, struct logfile *lf, struct facts *out)
{
	char name[64];
	long fresh;
	int64_t age;

	snprintf(name, sizeof name, "log.%s.exists", lf->name);
	facts_set(out, name, lf->res.exists ? "yes" : "no", 0,
	    N_("stat \"%s\" on %s"), lf->path, ctx->site->host);
	if (!lf->res.exists) {
		if (strcmp(lf->name, "job") == 0)
			facts_set(out, "log.job.fresh", "no", 0,
			    N_("\"%s\" does not exist on %s"), lf->path,
			    ctx->site->host);
		return;
	}
	snprintf(name, sizeof name, "log.%s.size", lf->name);
	facts_set_long(out, name, (long)lf->res.size, N_("stat \"%s\" on %s"),
	    lf->path, ctx->site->host);
	if (lf->res.rotated || lf->res.truncated || lf->res.incomplete) {
		snprintf(name, sizeof name, "log.%s.scan", lf->name);
		facts_set(out, name, lf->res.incomplete ? "incomplete" :
		    lf->res.rotated ? "rotated" : "truncated", 0,
		    "\"%s\" read up to byte %llu of %lld", lf->path,
		    (unsigned long long)lf->res.offset,
		    (long long)lf->res.size);
	}
	if (strcmp(lf->name, "job") != 0)
		return;
	fresh = conf_int(ctx->site->conf, "logs.fresh_seconds");
	if (fresh <= 0)
		fresh = FRESH_DEFAULT;
	age = (int64_t)time(NULL) - lf->res.mtime_ns / 1000000000;
	facts_set(out, "log.job.fresh", age <= fresh ? "yes" : "no", 0,
	    N_("\"%s\" modified %lld s ago (logs.fresh_seconds = %ld)"),
	    lf->path, (long long)age, fresh);
}

static void
timeout_fact(struct probe_ctx *ctx, const struct logfile *lf,
    const struct logscan_hit *h, struct facts *out)
{
	const char *cls = NULL, *lre, *ere;
	double limit = 0, elapsed = 0;
	char *cause = NULL;
	int r;

	lre = conf_str(ctx->site->conf, "logs.timeout_limit_regex");
	ere = conf_str(ctx->site->conf, "logs.timeout_elapsed_regex");
	r = logscan_timeout_class(h->last, lre, ere, &cls, &limit, &elapsed,
	    &cause);
	if (r == 0)
		facts_set(out, "log.script_timeout.class", cls, 0,
		    "timeout %g s, ran %g s (%s:%llu)", limit, elapsed,
		    lf->path, (unsigned long long)h->last_line);
	else
		facts_set(out, "log.script_timeout.class", "unclear", 0,
		    "%s:%llu: %s", lf->path, (unsigned long long)h->last_line,
		    cause != NULL ? cause : "no numbers");
	free(cause);
}

static int
logs_run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct logfile files[] = {
		{ "job", "job.log", NULL, { 0 }, 0 },
		{ "error", "error.log", NULL, { 0 }, 0 },
	};
	const struct logscan_sig *sigs;
	const struct logscan_hit *h, *best;
	const struct logfile *bestf;
	struct logscan_opts opts;
	const char *dir;
	char *sdir = NULL, *state, *err, *text, name[96];
	uint64_t count, new_count;
	int64_t age;
	size_t nsigs, i, j;
	int r;

	if ((dir = site_path(ctx->site, "site.log_dir")) == NULL ||
	    *dir == '\0')
		return set_cause(cause, JF_ERR_USAGE, "site.log_dir is not set");
	/* the offsets are kept only by runs that may write jobfix's state;
	 * a diagnose or a dry run reads them and writes nothing */
	if (!ctx->site->keep_state)
		sdir = path_join(ctx->site->state_dir, "logscan");
	else if ((r = site_state_subdir(ctx->site, "logscan", &sdir,
	    cause)) != 0)
		return r;
	memset(&opts, 0, sizeof opts);
	opts.readonly = !ctx->site->keep_state;
	if (ctx->deadline > 0)
		opts.deadline = ctx->deadline - DEADLINE_MARGIN_MS;
	/* over SSH a piece takes longer: smaller pieces, so the deadline is
	 * looked at often enough */
	if (!ctx->site->local)
		opts.chunk = REMOTE_CHUNK;

	for (j = 0; j < nitems(files); j++) {
		files[j].path = path_join(dir, files[j].file);
		text = xasprintf("%s.state", files[j].file);
		state = path_join(sdir, text);
		free(text);
		err = NULL;
		r = logscan_run(ctx->tp, files[j].path, state, &opts,
		    &files[j].res, &err);
		free(state);
		if (r != 0) {
			/* one unreadable file must not hide the other */
			snprintf(name, sizeof name, "log.%s.error",
			    files[j].name);
			facts_set(out, name, err != NULL ? err : "scan failed",
			    0, "scanning \"%s\"", files[j].path);
			free(err);
			continue;
		}
		files[j].ok = 1;
		file_facts(ctx, &files[j], out);
	}

	sigs = logscan_sigs(&nsigs);
	for (i = 0; i < nsigs; i++) {
		count = new_count = 0;
		best = NULL;
		bestf = NULL;
		for (j = 0; j < nitems(files); j++) {
			if (!files[j].ok)
				continue;
			h = &files[j].res.hits[i];
			count += h->count;
			new_count += h->new_count;
			/* the latest seen; on a tie the later file (error.log) */
			if (h->last != NULL && (best == NULL ||
			    h->last_seen >= best->last_seen)) {
				best = h;
				bestf = &files[j];
			}
		}
		snprintf(name, sizeof name, "log.%s.count", sigs[i].id);
		text = xasprintf("%llu", (unsigned long long)count);
		facts_set(out, name, text, 0, N_("lines with \"%s\" in %s and %s "
		    "since scanning began"), sigs[i].texts[0], files[0].path,
		    files[1].path);
		free(text);
		snprintf(name, sizeof name, "log.%s.new", sigs[i].id);
		text = xasprintf("%llu", (unsigned long long)new_count);
		facts_set(out, name, text, 0, N_("lines with \"%s\" written since "
		    "the previous scan"), sigs[i].texts[0]);
		free(text);
		if (best == NULL)
			continue;
		snprintf(name, sizeof name, "log.%s.last", sigs[i].id);
		text = last_text(best->last);
		facts_set(out, name, text, 0, "%s:%llu", bestf->path,
		    (unsigned long long)best->last_line);
		free(text);
		snprintf(name, sizeof name, "log.%s.age", sigs[i].id);
		age = (int64_t)time(NULL) - best->last_seen;
		facts_set_long(out, name, age < 0 ? 0L : (long)age, N_("last found "
		    "by the scan of %s:%llu"), bestf->path,
		    (unsigned long long)best->last_line);
		if (strcmp(sigs[i].id, "script_timeout") == 0)
			timeout_fact(ctx, bestf, best, out);
	}

	for (j = 0; j < nitems(files); j++) {
		free(files[j].path);
		logscan_result_free(&files[j].res);
	}
	free(sdir);
	return 0;
}

const struct probe probe_logs = {
	"logs", "log.", 1, PROBE_HOST,
	"known error signatures in Job's job.log and error.log, read incrementally",
	logs_run,
};
