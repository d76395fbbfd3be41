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
	const char *only;        /* `run PLAYBOOK`: this one, findings or not */
	struct audit *audit;     /* or NULL */
	/* Unattended self-healing (heal.h).  may_run is asked before a
	 * playbook runs: nonzero holds its finding, *why saying why.  The
	 * executor's hooks (exec.h) are passed on; hook_arg goes to all three. */
	int (*may_run)(const struct playbook *, char **why, void *arg);
	void (*on_change)(struct exec_ctx *, const struct change *,
	    const char *event, void *arg);
	int (*may_change)(struct exec_ctx *, const struct change *, char **why,
	    void *arg);
	void *hook_arg;
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
