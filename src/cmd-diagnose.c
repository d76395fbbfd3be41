/*
 * cmd-diagnose.c - diagnose (findings, read-only) and facts (every fact
 * with how it was found; secrets masked).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "engine.h"
#include "exitcode.h"
#include "log.h"

static int
look(struct cmd_ctx *c, int argc, char **argv, const char *name,
    int show_facts)
{
	struct report *rep;
	struct facts *facts = facts_new();
	char *cause = NULL;
	int r;

	if (argc > 0) {
		error(_("%s takes no arguments (\"%s\")"), name, argv[0]);
		facts_free(facts);
		return EXIT_USAGE;
	}
	rep = report_new(name, c->site->host, conf_str(c->conf, "site.root"),
	    0);
	if (engine_gather(c->site, facts, &cause) != 0) {
		report_note(rep, _("probing failed: %s"), cause);
		free(cause);
	}
	engine_findings(facts, &c->playbooks, rep);
	rep->exit_code = engine_exit_code(rep, 0);
	if (show_facts) {
		facts_sort(facts);
		rep->facts = facts;
		rep->show_facts = 1;
	}
	r = cmd_output(c, rep);
	report_free(rep);
	facts_free(facts);
	return r;
}

static int
diagnose_exec(struct cmd_ctx *c, int argc, char **argv)
{
	return look(c, argc, argv, "diagnose", c->opts.verbose > 0);
}

static int
facts_exec(struct cmd_ctx *c, int argc, char **argv)
{
	return look(c, argc, argv, "facts", 1);
}

const struct cmd_entry cmd_diagnose = {
	"diagnose", "", N_("find faults; change nothing"),
	CMD_SITE | CMD_INSTALL | CMD_PLAYBOOKS, diagnose_exec,
};

const struct cmd_entry cmd_facts = {
	"facts", "", N_("show every fact and how it was found"),
	CMD_SITE | CMD_INSTALL | CMD_PLAYBOOKS, facts_exec,
};
