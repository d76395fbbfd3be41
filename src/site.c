/*
 * site.c - one BlueKing install seen from one host: its paths, and where
 * jobfix keeps state for it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
	s->writable = tp;
	s->tp = transport_readonly_new(tp);
	if (host == NULL || *host == '\0') {
		char name[256];
		if (gethostname(name, sizeof name) != 0)
			strcpy(name, "localhost");
		name[sizeof name - 1] = '\0';
		s->host = xstrdup(name);
	} else
		s->host = xstrdup(host);
	s->local = strcmp(tp->ops->name, "local") == 0;
	pthread_mutex_init(&s->probe_lock, NULL);
	pthread_cond_init(&s->probe_done, NULL);
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
	transport_free(s->tp);
	free(s->host);
	free(s->state_dir);
	free(s->probe_stats);
	pthread_mutex_destroy(&s->probe_lock);
	pthread_cond_destroy(&s->probe_done);
	free(s);
}

void
site_probe_stat(struct site *s, const char *name, int64_t ms,
    enum probe_result result)
{
	struct probe_stat *p;

	s->probe_stats = xreallocarray(s->probe_stats, s->nprobe_stats + 1,
	    sizeof *s->probe_stats);
	p = &s->probe_stats[s->nprobe_stats++];
	p->name = name;
	p->ms = ms < 0 ? 0 : ms;
	p->result = result;
}

void
site_probe_begin(struct site *s)
{
	pthread_mutex_lock(&s->probe_lock);
	s->probes_running++;
	pthread_mutex_unlock(&s->probe_lock);
}

void
site_probe_end(struct site *s)
{
	pthread_mutex_lock(&s->probe_lock);
	s->probes_running--;
	pthread_cond_broadcast(&s->probe_done);
	pthread_mutex_unlock(&s->probe_lock);
}

int
site_drain(struct site *s, int timeout_ms)
{
	struct timespec abs;
	int left;

	if (s == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += timeout_ms / 1000;
	abs.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->probe_lock);
	while (s->probes_running > 0 &&
	    pthread_cond_timedwait(&s->probe_done, &s->probe_lock, &abs) == 0)
		;
	left = s->probes_running;
	pthread_mutex_unlock(&s->probe_lock);
	return left > 0 ? -JF_ERR_TIMEOUT : 0;
}

const char *
site_path(struct site *s, const char *name)
{
	return conf_str(s->conf, name);
}

int
site_check_root(struct site *s, char **cause)
{
	static const char *const marks[] = {
		"site.job_conf", "site.job_sh", "site.job_sh_alt", "site.mycnf",
		"agent.conf", /* a host with only the GSE agent */
	};
	const char *root = conf_str(s->conf, "site.root");
	struct tstat st;
	char *why = NULL;
	size_t i;

	if (root == NULL || *root == '\0')
		return set_cause(cause, JF_ERR_USAGE, "the install root "
		    "(setting site.root, option -r) is empty");
	memset(&st, 0, sizeof st);
	if (s->tp->ops->stat(s->tp, root, &st, &why) != 0 || !st.exists) {
		free(why);
		return set_cause(cause, JF_ERR_USAGE, "install root %s%s%s "
		    "does not exist (option -r or setting site.root)", root,
		    s->local ? "" : " on ", s->local ? "" : s->host);
	}
	free(why);
	if (!S_ISDIR(st.mode))
		return set_cause(cause, JF_ERR_USAGE, "install root %s is not "
		    "a directory (option -r or setting site.root)", root);
	for (i = 0; i < nitems(marks); i++) {
		const char *p = conf_str(s->conf, marks[i]);
		memset(&st, 0, sizeof st);
		why = NULL;
		if (p != NULL && *p != '\0' && s->tp->ops->stat(s->tp, p, &st,
		    &why) == 0 && st.exists) {
			free(why);
			return 0;
		}
		free(why);
	}
	return set_cause(cause, JF_ERR_USAGE, "install root %s holds no "
	    "BlueKing install: none of %s, %s, %s, %s exists (option -r or "
	    "setting site.root)", root, conf_str(s->conf, "site.job_conf"),
	    conf_str(s->conf, "site.job_sh"), conf_str(s->conf, "site.mycnf"),
	    conf_str(s->conf, "agent.conf"));
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

/*
 * Each part of sub under the state directory, if it exists, is a real
 * directory (not a link planted there: backups -> elsewhere), owned by root
 * or by us, and writable by no one else.
 */
static int
state_parts_trusted(struct site *s, const char *sub, char **cause)
{
	char *p = xstrdup(sub), *q, *part, c;
	struct stat st;
	int r = 0;

	for (q = p; r == 0; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		c = *q;
		*q = '\0';
		part = path_join(s->state_dir, p);
		if (lstat(part, &st) != 0)
			; /* not made yet */
		else if (!S_ISDIR(st.st_mode))
			r = set_cause(cause, JF_ERR_REFUSED, "state directory: "
			    "\"%s\" is %s, not a directory: refusing to use it",
			    part, S_ISLNK(st.st_mode) ? "a symbolic link" :
			    "a file");
		else if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
		    (st.st_mode & 022) != 0)
			r = set_cause(cause, JF_ERR_REFUSED, "state directory: "
			    "\"%s\" is owned by uid %ld with mode %04o: it must "
			    "be owned by root or by uid %ld and writable by no "
			    "one else", part, (long)st.st_uid,
			    (unsigned)(st.st_mode & 07777), (long)geteuid());
		free(part);
		*q = c;
		if (c == '\0')
			break;
	}
	free(p);
	return r;
}

int
site_state_subdir(struct site *s, const char *sub, char **out, char **cause)
{
	char *dir = sub ? path_join(s->state_dir, sub) : xstrdup(s->state_dir);
	int r;

	/* checked before anything is made through a planted link, and again
	 * after, for what mkdirs made */
	if ((sub != NULL && (r = state_parts_trusted(s, sub, cause)) != 0) ||
	    (r = mkdirs(dir, cause)) != 0 ||
	    (sub != NULL && (r = state_parts_trusted(s, sub, cause)) != 0)) {
		free(dir);
		return r;
	}
	*out = dir;
	return 0;
}
