/*
 * cmd.h - the commands: one file each (cmd-*.c), one const entry each,
 * listed in cmd-table.c.  An entry's flags say what it needs; main.c
 * provides it (configuration, site, facts, playbooks, the run lock), so no
 * command sets these up by itself.
 */
#ifndef JOBFIX_CMD_H
#define JOBFIX_CMD_H

#include "conf.h"
#include "facts.h"
#include "playbook.h"
#include "report.h"
#include "site.h"

#define CMD_SITE 0x1      /* conf, transport, site */
#define CMD_PLAYBOOKS 0x2 /* playbooks loaded */
#define CMD_LOCK 0x4      /* may change the host: takes the run lock */
#define CMD_ARGS 0x8      /* parses the options after its name itself */
#define CMD_STATE 0x10    /* keeps state in the state directory (implied by
			     CMD_SITE): the directory must be trusted */

struct cmd_opts {
	const char *conf_file;
	const char *root;
	const char *host;      /* -H [USER@]HOST[:PORT] */
	const char *keep;      /* demo --keep DIR */
	int dry_run;
	int yes;
	int json;
	int quiet;
	int verbose;
	int colour;
	int allow_restart;
	int wait_seconds;
	int accept_new_hostkey;
	int offline;
	const char *known_hosts;
	const char *identity;
	const char *since;     /* audit show --since TIME */
	int unattended;        /* --auto: a run from cron or a timer */
};

struct cmd_ctx {
	struct cmd_opts opts;
	struct conf *conf;
	struct transport *tp;
	struct site *site;
	struct playbook_set playbooks;
	const char *argv0;
};

struct cmd_entry {
	const char *name;
	const char *args;    /* usage after the name */
	const char *summary;
	int flags;
	int (*exec)(struct cmd_ctx *, int argc, char **argv);
};

const struct cmd_entry *const *cmd_table(size_t *n);
const struct cmd_entry *cmd_find(const char *name);

/* Shared by diagnose, fix and run: prints the report, returns the exit code. */
int cmd_output(struct cmd_ctx *, struct report *);
void cmd_usage(FILE *);

#endif
