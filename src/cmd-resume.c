/*
 * cmd-resume.c - resume: remove the maintenance flag that pause set.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"

static int
resume_exec(struct cmd_ctx *c, int argc, char **argv)
{
	struct audit *a;
	char *cause = NULL;
	int r, was = 0;

	if (argc > 0) {
		error(_("resume takes no arguments (\"%s\")"), argv[0]);
		return EXIT_USAGE;
	}
	if (c->opts.dry_run) {
		printf(_("would resume unattended changes (%s %s)\n"),
		    heal_paused(c->conf, NULL) ? "remove" : "there is no",
		    heal_flag_path(c->conf));
		return EXIT_HEALTHY;
	}
	if ((a = audit_open(conf_str(c->conf, "audit_log"), c->site->state_dir,
	    c->site->host, &cause)) == NULL) {
		warnx(_("%s: the resume is not recorded in the audit log"), cause);
		free(cause);
		cause = NULL;
	} else
		audit_set_syslog(a, conf_bool(c->conf, "audit.syslog"));
	r = heal_resume(c->site, a, &was, &cause);
	audit_close(a);
	if (r != 0) {
		error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (!c->opts.quiet)
		printf("%s\n", was ? _("unattended changes are resumed") :
		    _("unattended changes were not paused"));
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_resume = {
	"resume", "", N_("allow unattended changes again"),
	CMD_SITE | CMD_STATE | CMD_THIS_HOST, resume_exec,
};
