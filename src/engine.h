/*
 * engine.h - one run on one site: gather facts, find faults, plan or fix,
 * verify.  The commands and the fleet runner are thin layers over this.
 */
#ifndef JOBFIX_ENGINE_H
#define JOBFIX_ENGINE_H

#include "exec.h"
#include "playbook.h"
#include "report.h"
#include "site.h"

struct engine_opts {
	int dry_run;
	int allow_restart;
	int unattended;          /* cron: "confirm" playbooks are held */
	int guarded;             /* maintenance flags and rate limits apply
				    (unattended and fleet runs; gate.h) */
	const char *only;        /* `run PLAYBOOK`: this one, findings or not */
};

/* site.* facts, then every probe. */
int engine_gather(struct site *, struct facts *, char **cause);
/* Evaluates every fault rule into report findings, upstream first. */
void engine_findings(const struct facts *, const struct playbook_set *,
    struct report *);
/* Runs (or plans) the playbooks of the findings, then probes again. */
void engine_fix(struct site *, struct facts *, const struct playbook_set *,
    struct report *, const struct engine_opts *);
/* The exit code of a finished run (exitcode.h). */
int engine_exit_code(const struct report *, int fixing);

#endif
