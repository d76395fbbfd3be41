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

#include <pthread.h>

#include "conf.h"
#include "facts.h"
#include "transport.h"

/* How one probe went in the site's last probing (probe.c), for the
 * metrics. */
enum probe_result { PROBE_OK, PROBE_FAILED, PROBE_TIMED_OUT };
struct probe_stat {
	const char *name;         /* the probe's name (static) */
	int64_t ms;
	enum probe_result result;
};

struct site {
	struct conf *conf;       /* not owned */
	/* The read-only view of the host (transport.h): what probes, steps
	 * planning and commands use.  Owned by the site. */
	struct transport *tp;
	/* The writable transport (not owned): the executor's alone (exec.c
	 * reads it when a change passes the gate; tests/integration/19-invariant.sh
	 * checks that no other file names it). */
	struct transport *writable;
	char *host;              /* "localhost" or the remote host name */
	char *state_dir;         /* local directory for this host's state */
	int local;               /* tp is the local transport */
	/* This run may write jobfix's own state (a command that changes
	 * things, not in a dry run): probes keep their incremental state
	 * (log offsets) then.  0 (the default): nothing is written. */
	int keep_state;
	/* Probe threads still running on this site, abandoned ones too
	 * (probe.c); site_drain() waits for them before anything they use
	 * is freed. */
	pthread_mutex_t probe_lock;
	pthread_cond_t probe_done;
	int probes_running;
	/* The last probe_run_all(): one entry per probe that ran. */
	struct probe_stat *probe_stats;
	size_t nprobe_stats;
};

struct site *site_new(struct conf *, struct transport *, const char *host);
void site_free(struct site *);
/* Waits up to timeout_ms for the site's probe threads to end; returns 0
 * when none runs, -JF_ERR_TIMEOUT otherwise (then the site, its conf and
 * its transport must not be freed: a thread still uses them). */
int site_drain(struct site *, int timeout_ms);
void site_probe_begin(struct site *);
void site_probe_end(struct site *);
/* Records how one probe went (the probe runner's thread only). */
void site_probe_stat(struct site *, const char *name, int64_t ms,
    enum probe_result);
/* A path setting of the site ("site.mycnf"), expanded. */
const char *site_path(struct site *, const char *name);
/* Puts the site's paths into facts as site.* facts. */
void site_facts(struct site *, struct facts *);
/* Makes (mode 0700) and returns a subdirectory of the state dir. */
/*
 * The install root (site.root) exists and holds an install: one of job.conf,
 * Job's start script, my.cnf (site.*) or the GSE agent's agent.conf exists.  0, or
 * -JF_ERR_USAGE with cause naming the path.
 */
int site_check_root(struct site *, char **cause);
int site_state_subdir(struct site *, const char *sub, char **out, char **cause);

#endif
