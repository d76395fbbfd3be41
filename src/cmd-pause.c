/*
 * cmd-pause.c - pause [REASON]: set the maintenance flag.  While it is set,
 * unattended runs change nothing; a run already under way sees it before
 * its next change (heal.h).  Takes no run lock: it must work while a run
 * holds it.
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
pause_exec(struct cmd_ctx *c, int argc, char **argv)
{
	struct audit *a;
	struct buf reason = BUF_INIT;
	char *cause = NULL;
	int i, r;

	for (i = 0; i < argc; i++)
		buf_printf(&reason, "%s%s", i ? " " : "", argv[i]);
	if (c->opts.dry_run) {
		printf(_("would pause unattended changes (%s)\n"),
		    heal_flag_path(c->conf));
		buf_free(&reason);
		return EXIT_HEALTHY;
	}
	if ((a = audit_open(conf_str(c->conf, "audit_log"), c->site->state_dir,
	    c->site->host, &cause)) == NULL) {
		warnx(_("%s: the pause is not recorded in the audit log"), cause);
		free(cause);
		cause = NULL;
	} else
		audit_set_syslog(a, conf_bool(c->conf, "audit.syslog"));
	r = heal_pause(c->site, a, reason.data, &cause);
	audit_close(a);
	buf_free(&reason);
	if (r != 0) {
		error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (!c->opts.quiet)
		printf(_("unattended changes are paused (%s); jobfix resume ends "
		    "it\n"), heal_flag_path(c->conf));
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_pause = {
	"pause", "[REASON]", N_("stop unattended changes (maintenance flag)"),
	CMD_SITE | CMD_STATE | CMD_THIS_HOST, pause_exec,
};
