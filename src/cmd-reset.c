/*
 * cmd-reset.c - reset PLAYBOOK (or '*'): forget a playbook's rate-limit
 * attempts and release its hold.  Takes the run lock: the counters are a
 * run's state.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"

static int
reset_exec(struct cmd_ctx *c, int argc, char **argv)
{
	struct audit *a;
	const char *name;
	char *cause = NULL;
	int r, found = 0;

	if (argc != 1) {
		error(_("usage: jobfix reset PLAYBOOK (or '*' for every one)"));
		return EXIT_USAGE;
	}
	name = strcmp(argv[0], "*") == 0 ? NULL : argv[0];
	if (name != NULL && playbook_find(&c->playbooks, name) == NULL) {
		error(_("no playbook \"%s\" (see jobfix playbooks list)"), name);
		return EXIT_USAGE;
	}
	if (c->opts.dry_run) {
		printf(_("would forget the rate-limit attempts and hold of %s\n"),
		    name ? name : "every playbook");
		return EXIT_HEALTHY;
	}
	if ((a = audit_open(conf_str(c->conf, "audit_log"), c->site->state_dir,
	    c->site->host, &cause)) == NULL) {
		error(_("%s: nothing is reset without a record"), cause);
		free(cause);
		return EXIT_USAGE;
	}
	audit_set_syslog(a, conf_bool(c->conf, "audit.syslog"));
	r = heal_reset(c->site, a, name, &found, &cause);
	audit_close(a);
	if (r != 0) {
		error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (!c->opts.quiet)
		printf("%s: %s\n", name ? name : _("every playbook"), found ?
		    _("rate-limit attempts forgotten, hold released") :
		    _("had no attempts counted"));
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_reset = {
	"reset", "PLAYBOOK", N_("forget a playbook's rate-limit attempts and hold"),
	CMD_SITE | CMD_PLAYBOOKS | CMD_STATE | CMD_LOCK, reset_exec,
};
