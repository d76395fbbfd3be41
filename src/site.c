/*
 * site.c - one BlueKing install seen from one host: its paths, and where
 * jobfix keeps state for it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site.h"

/* Path settings that become site.* facts. */
static const char *const site_paths[] = {
	"site.root", "site.job_conf", "site.job_sh", "site.job_sh_alt",
	"site.mycnf", "site.log_dir", "site.cert_dir", "site.templates_dir",
	"site.agent_dir",
};

struct site *
site_new(struct conf *conf, struct transport *tp, const char *host)
{
	struct site *s;
	const char *state = conf_str(conf, "state_dir");
	char *safe, *p;

	s = xcalloc(1, sizeof *s);
	s->conf = conf;
	s->tp = tp;
	if (host == NULL || *host == '\0') {
		char name[256];
		if (gethostname(name, sizeof name) != 0)
			strcpy(name, "localhost");
		name[sizeof name - 1] = '\0';
		s->host = xstrdup(name);
	} else
		s->host = xstrdup(host);
	s->local = strcmp(tp->ops->name, "local") == 0;
	if (s->local)
		s->state_dir = xstrdup(state);
	else {
		/* one subdirectory per remote host; the name made safe */
		safe = xstrdup(s->host);
		for (p = safe; *p != '\0'; p++)
			if (*p == '/' || *p == '\0' || (p == safe && *p == '.'))
				*p = '_';
		s->state_dir = xasprintf("%s/hosts/%s", state, safe);
		free(safe);
	}
	return s;
}

void
site_free(struct site *s)
{
	if (s == NULL)
		return;
	free(s->host);
	free(s->state_dir);
	free(s);
}

const char *
site_path(struct site *s, const char *name)
{
	return conf_str(s->conf, name);
}

void
site_facts(struct site *s, struct facts *f)
{
	size_t i;
	const char *v;

	for (i = 0; i < nitems(site_paths); i++) {
		if ((v = conf_str(s->conf, site_paths[i])) != NULL)
			facts_set(f, site_paths[i], v, 0, "setting \"%s\" of %s",
			    site_paths[i], conf_path(s->conf));
	}
	facts_set(f, "site.host", s->host, 0, "the host this run looks at");
}

/* mkdir -p with mode 0700 for every directory it makes. */
static int
mkdirs(const char *path, char **cause)
{
	char *copy = xstrdup(path), *p;
	int r = 0;

	for (p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
				r = set_cause(cause, JF_ERR_IO,
				    "state directory \"%s\": %s", copy,
				    strerror(errno));
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(copy);
	return r;
}

int
site_state_subdir(struct site *s, const char *sub, char **out, char **cause)
{
	char *dir = sub ? path_join(s->state_dir, sub) : xstrdup(s->state_dir);
	int r;

	if ((r = mkdirs(dir, cause)) != 0) {
		free(dir);
		return r;
	}
	*out = dir;
	return 0;
}
