/*
 * fleet.h - the same engine on many hosts at once, over SSH.
 */
#ifndef JOBFIX_FLEET_H
#define JOBFIX_FLEET_H

#include <stdio.h>

#include "conf.h"
#include "inventory.h"
#include "playbook.h"
#include "remote.h"

struct fleet_opts {
	const char *command;     /* "diagnose", "fix" or "run" */
	const char *playbook;    /* run: its name */
	int dry_run;
	int json;
	int quiet;
	int verbose;
	int progress;            /* a progress line on stderr */
	int allow_restart;
	int forks;               /* hosts in flight; 0: fleet.forks */
	int canary;              /* first N hosts first; 0: none */
	int max_fail;            /* percent; -1: none */
	int go_on;               /* repair host by host despite a shared cause */
	struct remote_cli cli;
};

/* Runs opts->command on every host of inv; prints the summary (or one JSON
 * document) on out.  Returns the exit code: 0 only when every host ended
 * healthy, else the worst of the hosts' codes (exitcode.h). */
int fleet_run(struct conf *, const struct playbook_set *,
    const struct inventory *, const struct fleet_opts *, FILE *out);

#endif
