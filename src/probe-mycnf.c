/*
 * probe-mycnf.c - what the MySQL option files say about the event
 * scheduler, after every include.
 *
 *   mycnf.status           ok | missing | invalid
 *   mycnf.event_scheduler  ON | OFF | DISABLED | unset (the value that wins
 *                          in the groups of mysql.groups), evidence FILE:LINE
 *   mycnf.unchecked        the option files could not be read as the
 *                          server reads them (an !include cycle, a NUL
 *                          byte, ...): what and where
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mycnf.h"
#include "i18n.h"
#include "probe.h"

static const char *
normalise(const char *v)
{
	if (v == NULL)
		return "unset";
	if (strcasecmp(v, "ON") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "TRUE") == 0 || *v == '\0')
		return "ON"; /* a bare option turns it on */
	if (strcasecmp(v, "OFF") == 0 || strcmp(v, "0") == 0 ||
	    strcasecmp(v, "FALSE") == 0)
		return "OFF";
	if (strcasecmp(v, "DISABLED") == 0)
		return "DISABLED";
	return "invalid";
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *path = site_path(ctx->site, "site.mycnf");
	const char *const *groups = conf_list(ctx->site->conf, "mysql.groups");
	struct mycnf *m = NULL;
	const char *v, *file = NULL;
	char *why = NULL;
	int r, line = 0;

	(void)cause;
	if ((r = mycnf_load(ctx->tp, path, &m, &why)) != 0) {
		facts_set(out, "mycnf.status", r == -JF_ERR_NOTFOUND ?
		    "missing" : "invalid", 0, "%s", why);
		if (r != -JF_ERR_NOTFOUND)
			facts_set(out, "mycnf.unchecked", why, 0, "reading %s "
			    "and its includes as the server does", path);
		free(why);
		return 0;
	}
	facts_set(out, "mycnf.status", "ok", 0, N_("%s and %zu included files"),
	    path, mycnf_nfiles(m) - 1);
	v = mycnf_get(m, (const char *const *)groups, "event_scheduler", &file,
	    &line);
	if (v == NULL)
		facts_set(out, "mycnf.event_scheduler", "unset", 0, N_("no "
		    "event_scheduler in the groups the server reads, in %s or "
		    "its includes"), path);
	else
		facts_set(out, "mycnf.event_scheduler", normalise(v), 0,
		    "%s:%d: event_scheduler=%s", file, line, v);
	mycnf_free(m);
	return 0;
}

const struct probe probe_mycnf = {
	"mycnf", "mycnf.", 0, PROBE_HOST,
	"MySQL option files: the event_scheduler value that wins",
	run,
};
