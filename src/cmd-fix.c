/*
 * cmd-fix.c - fix (the default command) and run PLAYBOOK.
 *
 * fix: diagnose, then run the playbooks of the findings.  With --dry-run it
 * only plans.  Without --yes it shows the plan and asks on a terminal; with
 * no terminal and no --yes it refuses to change anything, and says why.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "i18n.h"
#include "engine.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"
#include "metrics.h"

int
cmd_output(struct cmd_ctx *c, struct report *rep)
{
	struct report_style st;

	memset(&st, 0, sizeof st);
	st.colour = c->opts.colour && !c->opts.json;
	st.verbose = c->opts.verbose;
	st.quiet = c->opts.quiet;
	if (c->opts.json)
		report_json(rep, stdout);
	else
		report_text(rep, stdout, &st);
	fflush(stdout);
	if (strcmp(rep->command, "facts") != 0)
		metrics_local_run(c->site, rep, &c->playbooks);
	return rep->exit_code;
}

/* One pass: probe, find, plan or fix.  The report is the caller's. */
static struct report *
pass(struct cmd_ctx *c, const char *name, int dry_run, const char *only)
{
	struct engine_opts eo;
	struct report *rep;
	struct facts *facts = facts_new();
	char *cause = NULL;

	rep = report_new(name, c->site->host, conf_str(c->conf, "site.root"),
	    dry_run);
	if (engine_gather(c->site, facts, &cause) != 0) {
		report_note(rep, _("probing failed: %s"), cause);
		free(cause);
	}
	engine_findings(facts, &c->playbooks, rep);
	memset(&eo, 0, sizeof eo);
	eo.dry_run = dry_run;
	eo.allow_restart = c->opts.allow_restart;
	eo.only = only;
	eo.unattended = c->opts.unattended || (c->opts.yes &&
	    !isatty(STDIN_FILENO));
	eo.guarded = eo.unattended;
	/* the executor opens the gate (audit log, lock, limits) itself */
	engine_fix(c->site, facts, &c->playbooks, rep, &eo);
	rep->exit_code = engine_exit_code(rep, 1);
	if (!dry_run && heal_last_run_save(c->site, rep, eo.unattended,
	    &cause) != 0) {
		warnx("%s", cause);
		free(cause);
	}
	facts_free(facts);
	return rep;
}

static int
planned_changes(const struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->nruns; i++)
		if (rep->runs[i].outcome == OUT_CHANGED)
			return 1;
	return 0;
}

static int
ask(const char *question)
{
	char line[64];

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int
fix_or_run(struct cmd_ctx *c, const char *name, const char *only)
{
	struct report *rep;
	int r;

	if (c->opts.dry_run || c->opts.yes) {
		rep = pass(c, name, c->opts.dry_run, only);
		r = cmd_output(c, rep);
		report_free(rep);
		return r;
	}
	/* show the plan first, then ask */
	rep = pass(c, name, 1, only);
	if (!planned_changes(rep)) {
		r = cmd_output(c, rep);
		report_free(rep);
		return r;
	}
	if (!isatty(STDIN_FILENO) || c->opts.json) {
		cmd_output(c, rep);
		report_free(rep);
		error(_("nothing was changed: no terminal to confirm on; "
		    "run with --yes to apply the plan above, or --dry-run "
		    "to only see it"));
		return EXIT_USAGE;
	}
	cmd_output(c, rep);
	report_free(rep);
	if (!ask(_("Apply these changes?"))) {
		fprintf(stderr, _("jobfix: nothing was changed\n"));
		return EXIT_FINDINGS;
	}
	rep = pass(c, name, 0, only);
	r = cmd_output(c, rep);
	report_free(rep);
	return r;
}

static int
fix_exec(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc > 0) {
		error(_("fix takes no arguments (\"%s\"): to run one playbook, "
		    "use jobfix run PLAYBOOK"), argv[0]);
		return EXIT_USAGE;
	}
	return fix_or_run(c, "fix", NULL);
}

static int
run_exec(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc != 1) {
		error(_("usage: jobfix run PLAYBOOK (see jobfix playbooks list)"));
		return EXIT_USAGE;
	}
	if (playbook_find(&c->playbooks, argv[0]) == NULL) {
		error(_("no playbook \"%s\" (see jobfix playbooks list)"), argv[0]);
		return EXIT_USAGE;
	}
	return fix_or_run(c, "run", argv[0]);
}

const struct cmd_entry cmd_fix = {
	"fix", "", N_("diagnose, then run the playbooks of what was found"),
	CMD_SITE | CMD_INSTALL | CMD_PLAYBOOKS | CMD_CHANGES, fix_exec,
};

const struct cmd_entry cmd_run = {
	"run", "PLAYBOOK", N_("run one playbook, whatever was found"),
	CMD_SITE | CMD_INSTALL | CMD_PLAYBOOKS | CMD_CHANGES, run_exec,
};
