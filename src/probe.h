/*
 * probe.h - a probe looks at one thing and fills facts.  It never changes
 * anything.
 *
 * Probes are listed in probe-table.c.  Stage 0 probes (the site's files) run
 * first, one after another, because the others need what they found (the
 * addresses in job.conf); stage 1 probes then run concurrently, each in its
 * own thread with its own deadline.  A probe that overruns is abandoned and
 * recorded as timed out; the run goes on.
 */
#ifndef JOBFIX_PROBE_H
#define JOBFIX_PROBE_H

#include "facts.h"
#include "site.h"

#define PROBE_NETWORK 0x1  /* talks to services; skipped with --offline */
#define PROBE_HOST 0x2     /* reads the host through the transport */

struct probe_ctx {
	struct site *site;
	struct transport *tp;
	const struct facts *in; /* facts of earlier stages, read-only */
	int64_t deadline;       /* absolute, now_ms() clock */
	int timeout_ms;         /* the configured deadline per probe */
};

struct probe {
	const char *name;   /* "mysql" */
	const char *prefix; /* facts it owns: "mysql." */
	int stage;          /* 0 or 1 */
	int flags;
	const char *doc;    /* one line for `jobfix facts --help` and explain */
	/* Fills out; returns 0, or negative when the probe itself broke (the
	 * runner records "<prefix>probe_error" with cause). */
	int (*run)(struct probe_ctx *, struct facts *out, char **cause);
};

const struct probe *const *probe_table(size_t *n);
const struct probe *probe_find(const char *name);
/* The probe that owns a fact name (longest prefix). */
const struct probe *probe_for_fact(const char *fact);

/* Runs every probe (or only those named in only, NULL-terminated) and merges
 * their facts into facts. */
int probe_run_all(struct site *, struct facts *, const char *const *only,
    char **cause);
/*
 * The pattern that finds Job's JVM in the process table: the setting
 * job.process_pattern when it is set; else the one derived from what Job's
 * start script launches (the fact jobsh.process_pattern, stage 0); else
 * JOB_PROCESS_FALLBACK.  *origin (caller frees) says which, in words, and
 * *origin_text the same in the user's language.
 */
const char *job_process_pattern(const struct probe_ctx *, char **origin,
    char **origin_text);

/* Whether pid, whose command line matches job_process_pattern(), is Job's
 * JVM by the checks of probe-job.c: its owner (root or the owner of Job's
 * install directory), its executable (java) and, with job.sh's jar, that
 * jar in its install: 1 when it is, 0 when it is not, -1 when it cannot be
 * checked (another user's process, jobfix not root). */
int job_process_verified(struct probe_ctx *, pid_t pid);

/* Milliseconds left before ctx->deadline, at least 1. */
int probe_time_left(const struct probe_ctx *);

#endif
