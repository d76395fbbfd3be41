/*
 * site.h - one BlueKing install as seen from one host.
 *
 * The site is the paths of the standard layout (resolved from jobfix.conf and
 * the install root) and the transport that reaches that host.  Loading it
 * turns every path into a fact ("site.job_conf", "site.mycnf", ...) so
 * playbooks can name them as ${site.mycnf}.
 */
#ifndef JOBFIX_SITE_H
#define JOBFIX_SITE_H

#include "conf.h"
#include "facts.h"
#include "transport.h"

struct site {
	struct conf *conf;       /* not owned */
	struct transport *tp;    /* not owned */
	char *host;              /* "localhost" or the remote host name */
	char *state_dir;         /* local directory for this host's state */
	int local;               /* tp is the local transport */
};

struct site *site_new(struct conf *, struct transport *, const char *host);
void site_free(struct site *);
/* A path setting of the site ("site.mycnf"), expanded. */
const char *site_path(struct site *, const char *name);
/* Puts the site's paths into facts as site.* facts. */
void site_facts(struct site *, struct facts *);
/* Makes (mode 0700) and returns a subdirectory of the state dir. */
int site_state_subdir(struct site *, const char *sub, char **out, char **cause);

#endif
