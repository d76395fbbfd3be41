/*
 * probe-job.c - is Job's JVM running?  Matched by its command line
 * (setting job.process_pattern), from the process table.
 *
 *   job.running  yes | no
 *   job.pid      the first matching pid
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *pattern = conf_str(ctx->site->conf, "job.process_pattern");
	struct tproc *procs = NULL;
	size_t n = 0, i;
	regex_t re;
	char err[128];
	int r;

	if ((r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &re, err, sizeof err);
		return set_cause(cause, JF_ERR_PARSE, "setting "
		    "job.process_pattern \"%s\": %s", pattern, err);
	}
	if ((r = ctx->tp->ops->list_procs(ctx->tp, &procs, &n, cause)) != 0) {
		regfree(&re);
		return r;
	}
	for (i = 0; i < n; i++)
		if (regexec(&re, procs[i].cmdline, 0, NULL, 0) == 0)
			break;
	if (i < n) {
		facts_set(out, "job.running", "yes", 0, "pid %ld: %.200s",
		    (long)procs[i].pid, procs[i].cmdline);
		facts_set_long(out, "job.pid", (long)procs[i].pid, "process "
		    "table");
	} else
		facts_set(out, "job.running", "no", 0, "no process matches "
		    "\"%s\" among %zu", pattern, n);
	tprocs_free(procs, n);
	regfree(&re);
	return 0;
}

const struct probe probe_job = {
	"job", "job.", 1, PROBE_HOST,
	"Job's JVM in the process table",
	run,
};
