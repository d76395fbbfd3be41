/*
 * step.h - step types.  One file each (step-*.c), listed in step-table.c.
 *
 * validate() checks a step's parameters when the playbook is loaded, so
 * `jobfix playbooks check` finds mistakes before any run.  prepare() reads
 * the current state and appends the changes needed (none: already right).
 * Steps never act on a host themselves; see exec.h.
 */
#ifndef JOBFIX_STEP_H
#define JOBFIX_STEP_H

#include "exec.h"
#include "playbook.h"

#define STEP_MUTATES 0x1 /* changes the host */
#define STEP_CHECKS 0x2  /* verify / wait */
#define STEP_RESTARTS 0x4 /* restarts a service: needs --allow-restart when
			     the step says restart = "explicit" */

struct step_type {
	const char *name;
	int flags;
	/* Allowed parameters; a leading '!' marks a required one. */
	const char *const *params;
	const char *doc;
	int (*validate)(const struct step *, char **cause);
	int (*prepare)(const struct step *, struct exec_ctx *,
	    struct change_list *, char **cause);
};

const struct step_type *const *step_table(size_t *n);
const struct step_type *step_type_find(const char *name);

/* A parameter with ${...} expanded; NULL if absent (not an error). */
char *step_expand(const struct step *, struct exec_ctx *, const char *param,
    int *secret, char **cause);

#endif
