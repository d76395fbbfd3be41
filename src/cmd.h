/*
 * cmd.h - the commands: one file each (cmd-*.c), one const entry each,
 * listed in cmd-table.c.  An entry's flags say what it needs; main.c
 * provides it (configuration, site, facts, playbooks, the run lock), so no
 * command sets these up by itself.
 *
 * The flags also say what a command may change: a command with none of
 * CMD_CHANGES, CMD_STATE and CMD_SANDBOX changes nothing at all, and one
 * with them changes nothing under --dry-run.  tests/integration/
 * 19-invariant.sh enumerates the table (`jobfix --list-commands`) and holds
 * every command to it, so a new command falls under that test by its
 * entry.  A command that parses its own options (CMD_ARGS) takes the lock
 * itself once it knows it is no dry run; the executor refuses any change
 * whose host lock is not held, so forgetting it changes nothing.
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
#define CMD_CHANGES 0x4   /* changes the host: the run lock is taken (not in
			     a dry run), its changes pass the executor's
			     gate, and --dry-run changes nothing */
#define CMD_ARGS 0x8      /* parses the options after its name itself */
#define CMD_STATE 0x10    /* changes only jobfix's own state (the maintenance
			     flag, counters), audited, without the lock so it
			     works beside a run; --dry-run changes nothing */
#define CMD_SANDBOX 0x20  /* changes only a sandbox it makes itself (demo) */
#define CMD_HOST_FILTER 0x80 /* reads this machine's records: -H HOST (or
			     --host) selects those of HOST, no connection */
#define CMD_LOCK 0x40     /* takes the run lock though it changes only
			     jobfix's state (reset: the counters a run
			     updates); CMD_CHANGES implies it */
#define CMD_INSTALL 0x100 /* looks at the install: its root must hold one */
#define CMD_THIS_HOST 0x200 /* acts on this machine's own flag (pause,
			     resume): -H is refused, for the flag holds every
			     run from this machine, not one host's */

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
	int no_head;           /* audit verify --no-head */
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
/* What getopt_long() returned '?' or ':' for (optstring starting with ':'
 * after any '+'), on stderr in the user's language. */
void cmd_getopt_error(int ch, char *const *argv);

#endif
