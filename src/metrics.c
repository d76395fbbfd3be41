/*
 * metrics.c - the Prometheus textfile of a run (jobfix(8), METRICS).
 *
 * node_exporter's textfile collector reads every *.prom file of its
 * directory at each scrape, so the file must never be seen half written:
 * it is replaced through the local transport's write_file (temp file in the
 * same directory, fsync, rename), the one atomic writer of the project, in
 * its form that never follows a link planted at the path.
 *
 * The text format wants every sample of a family together under one HELP
 * and TYPE line, so samples are collected per family (a fleet adds hosts in
 * any order, from several threads) and the file is assembled at the end.
 *
 * Counters must only grow from run to run, or rate() and increase() read a
 * reset.  A run is a separate process, so the totals live in the host's
 * state dir (metrics.json, read and written under an flock of
 * metrics.lock); the file shows the sums.  Everything describing one run
 * (findings, durations, exit code) is a gauge of the last run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "heal.h"
#include "log.h"
#include "metrics.h"
#include "transport.h"
#include "transport-local.h"
#include "i18n.h"

enum family {
	F_RUNS, F_LAST_TIME, F_LAST_DURATION, F_LAST_EXIT, F_FINDINGS,
	F_FINDING_RUNS, F_PLAYBOOK_RUNS, F_HOLDS, F_HELD, F_MAINTENANCE,
	F_PROBE_DURATION, F_PROBE_RESULT, F_WRITE_FAILURES, F_COUNT
};

static const struct {
	const char *name, *type, *help;
} families[F_COUNT] = {
	{ "jobfix_runs_total", "counter",
	  "Runs of jobfix (diagnose, fix, run, dry runs too) on this host." },
	{ "jobfix_last_run_timestamp_seconds", "gauge",
	  "When the last run started, in seconds since the epoch." },
	{ "jobfix_last_run_duration_seconds", "gauge",
	  "How long the last run took." },
	{ "jobfix_last_run_exit_code", "gauge",
	  "Exit status of the last run (0 healthy, 1 findings remain, see jobfix(8))." },
	{ "jobfix_findings", "gauge",
	  "Faults found by the last run, by fault ID, error code and state (1 each)." },
	{ "jobfix_finding_consecutive_runs", "gauge",
	  "Runs in a row, up to the last one, that ended with this fault still present." },
	{ "jobfix_playbook_runs_total", "counter",
	  "Playbook runs that changed or would have changed the host, by result." },
	{ "jobfix_ratelimit_holds_total", "counter",
	  "Times a playbook was put on hold by the unattended rate limit." },
	{ "jobfix_ratelimit_held", "gauge",
	  "1 while a playbook is held by the unattended rate limit." },
	{ "jobfix_maintenance_paused", "gauge",
	  "1 while unattended changes are paused (jobfix pause)." },
	{ "jobfix_probe_duration_seconds", "gauge",
	  "How long each probe took in the last run." },
	{ "jobfix_probe_result", "gauge",
	  "How each probe ended in the last run: 1 for its result, 0 for the others." },
	{ "jobfix_metrics_write_failures_total", "counter",
	  "Runs whose metrics file could not be written (jobfix_runs_total counts them all the same)." },
};

static const char *const pb_results[] = { "fixed", "held", "undone", "failed",
	"partial" };
enum { R_FIXED, R_HELD, R_UNDONE, R_FAILED, R_PARTIAL, R_COUNT };

static const char *const probe_results[] = { "ok", "failed", "timed_out" };

struct metrics {
	pthread_mutex_t lock;
	struct buf fam[F_COUNT];
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	size_t i;

	pthread_mutex_init(&m->lock, NULL);
	for (i = 0; i < F_COUNT; i++)
		buf_init(&m->fam[i], 0);
	return m;
}

void
metrics_free(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < F_COUNT; i++)
		buf_free(&m->fam[i]);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
add_value(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			buf_addch(b, '\\');
		if (*v == '\n') {
			buf_addstr(b, "\\n");
			continue;
		}
		buf_addch(b, *v);
	}
}

/*
 * One sample: name{host="...",k1="v1",...} value.  The labels are pairs of
 * name and value ending with NULL; host is NULL for a local run.
 */
static void
sample(struct buf *b, enum family f, const char *host, const char *value,
    ...)
{
	va_list ap;
	const char *k, *v;
	int first = 1;

	buf_addstr(b, families[f].name);
	if (host != NULL) {
		buf_addstr(b, "{host=\"");
		add_value(b, host);
		buf_addch(b, '"');
		first = 0;
	}
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		buf_printf(b, "%s%s=\"", first ? "{" : ",", k);
		add_value(b, v);
		buf_addch(b, '"');
		first = 0;
	}
	va_end(ap);
	buf_printf(b, "%s %s\n", first ? "" : "}", value);
}

static const char *
num(char out[32], long long v)
{
	snprintf(out, 32, "%lld", v);
	return out;
}

static const char *
secs(char out[32], int64_t ms)
{
	snprintf(out, 32, "%lld.%03lld", (long long)(ms / 1000),
	    (long long)(ms % 1000));
	return out;
}

/* json["a"]["b"] as an object, made when missing. */
static json_t *
obj_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

static long long
int_at(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
add_int(json_t *o, const char *key, long long by)
{
	json_object_set_new(o, key, json_integer(int_at(o, key) + by));
}

/* What each playbook's run in this report counts as, one bit per result. */
static unsigned
pb_result_bits(const struct report *rep, const struct playbook *pb)
{
	const struct finding *f;
	unsigned bits = 0;
	size_t i;

	if (rep->dry_run)
		return 0;
	for (i = 0; i < rep->nruns; i++) {
		if (rep->runs[i].pb != pb)
			continue;
		f = rep->runs[i].finding < rep->nfindings ?
		    &rep->findings[rep->runs[i].finding] : NULL;
		switch (rep->runs[i].outcome) {
		case OUT_UNDONE:
			bits |= 1u << R_UNDONE;
			break;
		case OUT_FAILED:
			bits |= 1u << R_FAILED;
			break;
		case OUT_PARTIAL:
			bits |= 1u << R_PARTIAL;
			break;
		case OUT_SKIPPED:
			bits |= 1u << R_HELD;
			break;
		case OUT_CHANGED:
		case OUT_OK:
			/* fixed is checked on the running thing: the fault
			 * is gone when probed again */
			if (f == NULL) {
				if (rep->runs[i].outcome == OUT_CHANGED)
					bits |= 1u << R_FIXED;
			} else if (f->state == FINDING_FIXED)
				bits |= 1u << R_FIXED;
			else
				bits |= 1u << R_FAILED;
			break;
		}
	}
	if (bits == 0)
		for (i = 0; i < rep->nfindings; i++)
			if (rep->findings[i].pb == pb &&
			    rep->findings[i].state == FINDING_HELD)
				bits |= 1u << R_HELD;
	return bits;
}

/* Adds this run to the host's totals in state (metrics.json). */
static void
count_run(json_t *st, const struct report *rep,
    const struct playbook_set *pbs, json_t *ratelimit)
{
	json_t *runs = obj_at(st, "playbook_runs"), *holds, *seen, *found, *e;
	json_t *was, *now_found = json_object();
	const char *name;
	unsigned bits;
	size_t i, k;

	add_int(st, "runs", 1);
	for (i = 0; pbs != NULL && rep != NULL && i < pbs->n; i++) {
		bits = pb_result_bits(rep, pbs->v[i]);
		for (k = 0; k < R_COUNT; k++)
			if (bits & (1u << k))
				add_int(obj_at(runs, pbs->v[i]->name),
				    pb_results[k], 1);
	}
	/* a hold of the rate limit starts once: heal records its time */
	holds = obj_at(st, "ratelimit_holds");
	seen = obj_at(st, "ratelimit_seen");
	json_object_foreach(ratelimit, name, e) {
		long long at = int_at(e, "held_at");
		if (at > 0 && at > int_at(seen, name)) {
			add_int(holds, name, 1);
			json_object_set_new(seen, name, json_integer(at));
		}
	}
	if (rep == NULL) {
		json_decref(now_found);
		return;
	}
	found = obj_at(st, "findings");
	for (i = 0; i < rep->nfindings; i++) {
		const char *id = rep->findings[i].fault->id;
		if (rep->findings[i].state == FINDING_FIXED)
			continue;
		was = json_object_get(found, id);
		json_object_set_new(now_found, id, json_integer(
		    json_integer_value(was) + 1));
	}
	json_object_set_new(st, "findings", now_found);
}

/* Reads, updates and writes the host's totals under metrics.lock. */
static json_t *
update_state(struct site *site, const struct report *rep,
    const struct playbook_set *pbs, json_t *ratelimit, int write_failed)
{
	char *dir = NULL, *path, *cause = NULL;
	json_t *st = NULL;
	struct stat sb;
	int fd = -1;

	if (site_state_subdir(site, NULL, &dir, &cause) != 0)
		goto fail;
	path = path_join(dir, "metrics.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    0600);
	free(path);
	if (fd != -1 && (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))) {
		close(fd);
		fd = -1;
		errno = EINVAL; /* not a regular file */
	}
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		set_cause(&cause, JF_ERR_IO, "\"%s/metrics.lock\": %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (heal_state_read(site, "metrics.json", &st, &cause) != 0)
		goto fail;
	if (write_failed)
		add_int(st, "write_failures", 1);
	else
		count_run(st, rep, pbs, ratelimit);
	if (heal_state_write(site, "metrics.json", st, &cause) != 0)
		goto fail;
	close(fd);
	free(dir);
	return st;
fail:
	warnx(_("metrics: the counters are not kept: %s"), cause);
	free(cause);
	free(dir);
	if (fd != -1)
		close(fd);
	json_decref(st);
	return NULL;
}

static const char *
code_of(char out[32], const struct fault *f)
{
	if (f->code == 0)
		return "";
	return num(out, f->code);
}

void
metrics_add(struct metrics *m, const char *host, struct site *site,
    const struct report *rep, const struct playbook_set *pbs, int exit_code,
    int64_t duration_ms)
{
	struct buf *b = m->fam;
	json_t *st = NULL, *ratelimit = NULL, *e, *pr;
	char n1[32], n2[32];
	const struct fault *f;
	const char *name;
	size_t i, k;
	time_t now = time(NULL);

	if (site != NULL && heal_counters_load(site, &ratelimit, NULL) != 0)
		ratelimit = NULL;
	if (ratelimit == NULL)
		ratelimit = json_object();
	pthread_mutex_lock(&m->lock);
	if (site != NULL)
		st = update_state(site, rep, pbs, ratelimit, 0);

	if (st != NULL)
		sample(&b[F_RUNS], F_RUNS, host, num(n1, int_at(st, "runs")),
		    NULL);
	/* this host's own file (a fleet's is the controller's) */
	if (st != NULL && host == NULL)
		sample(&b[F_WRITE_FAILURES], F_WRITE_FAILURES, host, num(n1,
		    int_at(st, "write_failures")), NULL);
	{
		struct timespec ts;
		int64_t start;
		clock_gettime(CLOCK_REALTIME, &ts);
		start = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
		    duration_ms;
		sample(&b[F_LAST_TIME], F_LAST_TIME, host, secs(n1, start),
		    NULL);
	}
	sample(&b[F_LAST_DURATION], F_LAST_DURATION, host,
	    secs(n1, duration_ms), NULL);
	sample(&b[F_LAST_EXIT], F_LAST_EXIT, host, num(n1, exit_code), NULL);

	for (i = 0; rep != NULL && i < rep->nfindings; i++) {
		f = rep->findings[i].fault;
		sample(&b[F_FINDINGS], F_FINDINGS, host, "1", "fault", f->id,
		    "code", code_of(n1, f), "state",
		    finding_state_name(rep->findings[i].state), NULL);
	}
	if (st != NULL)
		json_object_foreach(json_object_get(st, "findings"), name, e) {
			if ((f = fault_find(name)) == NULL)
				continue;
			sample(&b[F_FINDING_RUNS], F_FINDING_RUNS, host,
			    num(n2, json_integer_value(e)), "fault", f->id,
			    "code", code_of(n1, f), NULL);
		}

	/* every playbook with every result, 0 too: increase() sees the
	 * first run only when the series was there before it */
	for (i = 0; st != NULL && pbs != NULL && i < pbs->n; i++) {
		pr = json_object_get(json_object_get(st, "playbook_runs"),
		    pbs->v[i]->name);
		for (k = 0; k < R_COUNT; k++)
			sample(&b[F_PLAYBOOK_RUNS], F_PLAYBOOK_RUNS, host,
			    num(n1, int_at(pr, pb_results[k])), "playbook",
			    pbs->v[i]->name, "result", pb_results[k], NULL);
		sample(&b[F_HOLDS], F_HOLDS, host, num(n1, int_at(
		    json_object_get(st, "ratelimit_holds"), pbs->v[i]->name)),
		    "playbook", pbs->v[i]->name, NULL);
		e = json_object_get(ratelimit, pbs->v[i]->name);
		sample(&b[F_HELD], F_HELD, host, int_at(e, "held_until") >
		    (long long)now ? "1" : "0", "playbook", pbs->v[i]->name,
		    NULL);
	}
	if (site != NULL)
		sample(&b[F_MAINTENANCE], F_MAINTENANCE, host,
		    heal_paused(site->conf, NULL) ? "1" : "0", NULL);

	for (i = 0; site != NULL && i < site->nprobe_stats; i++) {
		const struct probe_stat *p = &site->probe_stats[i];
		sample(&b[F_PROBE_DURATION], F_PROBE_DURATION, host,
		    secs(n1, p->ms), "probe", p->name, NULL);
		for (k = 0; k < 3; k++)
			sample(&b[F_PROBE_RESULT], F_PROBE_RESULT, host,
			    (size_t)p->result == k ? "1" : "0", "probe",
			    p->name, "result", probe_results[k], NULL);
	}
	pthread_mutex_unlock(&m->lock);
	json_decref(st);
	json_decref(ratelimit);
}

char *
metrics_text(struct metrics *m)
{
	struct buf out = BUF_INIT;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < F_COUNT; i++) {
		if (m->fam[i].len == 0)
			continue;
		buf_printf(&out, "# HELP %s %s\n# TYPE %s %s\n", families[i].name,
		    families[i].help, families[i].name, families[i].type);
		buf_add(&out, m->fam[i].data, m->fam[i].len);
	}
	pthread_mutex_unlock(&m->lock);
	return buf_detach(&out);
}

int
metrics_write(struct metrics *m, const char *path, char **cause)
{
	struct stat st;
	char *text;
	int r;

	if (path[0] != '/' || !str_endswith(path, ".prom"))
		return set_cause(cause, JF_ERR_USAGE, "metrics.textfile \"%s\": "
		    "an absolute path ending in .prom (node_exporter's textfile "
		    "collector reads only those)", path);
	/* The collector's directory may be writable by its own user: a link
	 * planted at path is refused, with a message that says so, and the
	 * write itself never follows one (so a link planted between the check
	 * and the write is not followed either). */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return set_cause(cause, JF_ERR_REFUSED, "metrics.textfile "
		    "\"%s\" is %s, not a regular file: refusing to write it",
		    path, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a file");
	text = metrics_text(m);
	r = tlocal_write_nofollow(path, text, strlen(text), 0644, cause);
	free(text);
	return r;
}

void
metrics_local_run(struct site *site, const struct report *rep,
    const struct playbook_set *pbs)
{
	const char *path = conf_str(site->conf, "metrics.textfile");
	struct metrics *m;
	char *cause = NULL;

	if (path == NULL || *path == '\0')
		return;
	m = metrics_new();
	metrics_add(m, NULL, site, rep, pbs, rep->exit_code,
	    now_ms() - rep->start_ms);
	if (metrics_write(m, path, &cause) != 0) {
		warnx(_("metrics: %s"), cause);
		free(cause);
		/* The run is in jobfix_runs_total all the same: it ran, and
		 * the next file written shows it, so increase() misses no
		 * run.  That this file was not written is counted too. */
		json_decref(update_state(site, rep, pbs, NULL, 1));
	}
	metrics_free(m);
}
