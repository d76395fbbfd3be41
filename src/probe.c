/*
 * probe.c - runs the probes: stage 0 in order, stage 1 concurrently.
 *
 * Each stage-1 probe gets a thread and a deadline.  The runner waits until
 * every probe is done or the deadline (plus a little grace) has passed; a
 * probe still running then is abandoned: its thread frees its own job when
 * it finally returns, and its facts are dropped, replaced by
 * "<prefix>probe = timed out".  So a run with every service down takes
 * about one deadline, not their sum.
 *
 * The stage-1 probes read the facts found so far (job.conf's keys: up to
 * 200,000 of them) in place, all from one set, never copies.  For the time
 * of stage 1 that set is moved (swapped, in constant time) out of the
 * caller's into the pool the threads share, where nothing writes to it.
 * When every probe has finished it is swapped back; when one was
 * abandoned, the caller gets a copy instead and the original stays with
 * the pool, which the last thread out frees: an abandoned probe may read
 * it until it returns.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "probe.h"
#include "i18n.h"

#define GRACE_MS 250
#define RESERVE_MS 250 /* at most, of a probe's deadline: see below */

struct probe_job {
	const struct probe *probe;
	struct probe_ctx ctx;
	struct facts *out;
	char *cause;
	int r;
	int done;
	int abandoned;
	int64_t start_ms, end_ms;
	pthread_t thread;
	struct probe_pool *pool;
};

/* Shared by the runner and its threads; freed by whichever of them is
 * last: the runner, or an abandoned probe finishing after it returned. */
struct probe_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t pending;
	int runner_gone;
	struct facts *in; /* the facts of stage 0 and before: read-only */
};

static void
pool_free(struct probe_pool *pool)
{
	facts_free(pool->in);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->cond);
	free(pool);
}

static void
job_free(struct probe_job *j)
{
	facts_free(j->out);
	free(j->cause);
	free(j);
}

int
probe_time_left(const struct probe_ctx *ctx)
{
	int64_t left = ctx->deadline - now_ms();

	return left < 1 ? 1 : (int)left;
}

static void
record_failure(struct facts *out, const struct probe *p, int r,
    const char *cause)
{
	char *name = xasprintf("%sprobe", p->prefix);

	facts_set(out, name, r == -JF_ERR_TIMEOUT ? "timed out" : "failed", 0,
	    "probe \"%s\": %s", p->name, cause ? cause : "no reason given");
	free(name);
	/* the advice of the service's finding quotes <prefix>error */
	name = xasprintf("%serror", p->prefix);
	if (facts_find(out, name) == NULL)
		facts_set(out, name, r == -JF_ERR_TIMEOUT ? "no answer within "
		    "the probe's deadline" : "the probe failed", 0,
		    "probe \"%s\": %s", p->name, cause ? cause :
		    "no reason given");
	free(name);
}

static enum probe_result
stat_result(int r)
{
	return r == 0 ? PROBE_OK : r == -JF_ERR_TIMEOUT ? PROBE_TIMED_OUT :
	    PROBE_FAILED;
}

static void *
job_main(void *arg)
{
	struct probe_job *j = arg;
	struct probe_pool *pool = j->pool;
	struct site *site = j->ctx.site;
	int abandoned, last;

	j->r = j->probe->run(&j->ctx, j->out, &j->cause);
	j->end_ms = now_ms();
	pthread_mutex_lock(&pool->lock);
	j->done = 1;
	abandoned = j->abandoned;
	pool->pending--;
	last = pool->pending == 0 && pool->runner_gone;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (abandoned)
		job_free(j);
	if (last)
		pool_free(pool);
	site_probe_end(site); /* the last touch of anything the site owns */
	return NULL;
}

static int
wanted(const struct probe *p, const char *const *only,
    const char *const *disabled, int network)
{
	size_t i;

	if (!network && (p->flags & PROBE_NETWORK))
		return 0;
	for (i = 0; disabled != NULL && disabled[i] != NULL; i++)
		if (strcmp(disabled[i], p->name) == 0)
			return 0;
	if (only == NULL)
		return 1;
	for (i = 0; only[i] != NULL; i++)
		if (strcmp(only[i], p->name) == 0)
			return 1;
	return 0;
}

int
probe_run_all(struct site *site, struct facts *facts, const char *const *only,
    char **cause)
{
	const struct probe *const *table;
	struct probe_job **jobs;
	struct probe_pool *pool;
	const char *const *disabled = conf_list(site->conf, "probes.disable");
	const char *const *conf_only = conf_list(site->conf, "probes.only");
	long timeout = conf_int(site->conf, "probes.deadline_ms");
	int network = conf_bool(site->conf, "probes.network");
	size_t n, i, njobs = 0;
	int64_t deadline, start;
	const struct probe **late;
	size_t nlate = 0;
	int r, last;

	(void)cause;
	site->nprobe_stats = 0;
	if (timeout <= 0)
		timeout = 3000;
	table = probe_table(&n);
	/* stage 0: the site's files, in order */
	for (i = 0; i < n; i++) {
		struct probe_ctx ctx;
		struct facts *out;
		char *why = NULL;

		if (table[i]->stage != 0 || !wanted(table[i], only, disabled, network))
			continue;
		memset(&ctx, 0, sizeof ctx);
		ctx.site = site;
		ctx.tp = site->tp;
		ctx.in = facts;
		ctx.timeout_ms = (int)timeout;
		ctx.deadline = now_ms() + timeout;
		out = facts_new();
		start = now_ms();
		r = table[i]->run(&ctx, out, &why);
		site_probe_stat(site, table[i]->name, now_ms() - start,
		    stat_result(r));
		if (r != 0)
			record_failure(out, table[i], r, why);
		facts_move(facts, out);
		facts_free(out);
		free(why);
	}

	/* stage 1: concurrently */
	jobs = xcalloc(n, sizeof *jobs);
	late = xcalloc(n, sizeof *late);
	pool = xcalloc(1, sizeof *pool);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->in = facts_new();
	facts_swap(pool->in, facts); /* facts is empty until stage 1 ends */
	deadline = now_ms() + timeout;
	for (i = 0; i < n; i++) {
		struct probe_job *j;

		/* the site's files are always read (stage 0): the others
		 * need them; probes.only narrows what runs after that */
		if (table[i]->stage != 1 || !wanted(table[i], only, disabled,
		    network) || (only == NULL && conf_only[0] != NULL &&
		    !wanted(table[i], conf_only, NULL, network)))
			continue;
		j = xcalloc(1, sizeof *j);
		j->probe = table[i];
		j->pool = pool;
		j->out = facts_new();
		j->ctx.site = site;
		j->ctx.tp = site->tp;
		j->ctx.in = pool->in;
		j->ctx.timeout_ms = (int)timeout;
		/* the probe's own deadline comes a little before the
		 * runner's: its client library's timeouts end its waits by
		 * then, and it still has time to say what it found */
		j->ctx.deadline = deadline - (timeout / 10 < RESERVE_MS ?
		    timeout / 10 : RESERVE_MS);
		pthread_mutex_lock(&pool->lock);
		pool->pending++;
		pthread_mutex_unlock(&pool->lock);
		site_probe_begin(site);
		j->start_ms = now_ms();
		if ((errno = pthread_create(&j->thread, NULL, job_main, j)) != 0) {
			site_probe_end(site);
			pthread_mutex_lock(&pool->lock);
			pool->pending--;
			pthread_mutex_unlock(&pool->lock);
			j->done = 1;
			j->r = -JF_ERR_IO;
			j->end_ms = j->start_ms;
			j->cause = xasprintf("cannot start a thread: %s",
			    strerror(errno));
			jobs[njobs++] = j;
			continue;
		}
		jobs[njobs++] = j;
	}
	deadline += GRACE_MS;
	pthread_mutex_lock(&pool->lock);
	while (pool->pending > 0 && now_ms() < deadline) {
		struct timespec abs;
		int64_t left = deadline - now_ms();
		clock_gettime(CLOCK_REALTIME, &abs);
		abs.tv_sec += left / 1000;
		abs.tv_nsec += (left % 1000) * 1000000;
		if (abs.tv_nsec >= 1000000000) {
			abs.tv_sec++;
			abs.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&pool->cond, &pool->lock, &abs);
	}
	for (i = 0; i < njobs; i++) {
		if (jobs[i]->done)
			continue;
		/* from here on its thread frees it: only the lock keeps it */
		site_probe_stat(site, jobs[i]->probe->name, now_ms() -
		    jobs[i]->start_ms, PROBE_TIMED_OUT);
		jobs[i]->abandoned = 1;
		pthread_detach(jobs[i]->thread);
		late[nlate++] = jobs[i]->probe;
		jobs[i] = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	/* Give the caller its facts back.  Every probe that finished no
	 * longer reads them (it said so under the lock); one that was
	 * abandoned may, so the caller gets a copy, read alongside it, before
	 * runner_gone lets the last thread out free the pool. */
	if (nlate == 0)
		facts_swap(facts, pool->in);
	else
		facts_merge(facts, pool->in);
	for (i = 0; i < nlate; i++) {
		record_failure(facts, late[i], -JF_ERR_TIMEOUT,
		    "no answer within the deadline");
		warnx(_("probe \"%s\": no answer within %ld ms"),
		    late[i]->name, timeout);
	}
	pthread_mutex_lock(&pool->lock);
	pool->runner_gone = 1;
	last = pool->pending == 0;
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < njobs; i++) {
		struct probe_job *j = jobs[i];

		if (j == NULL)
			continue;
		if (j->thread)
			pthread_join(j->thread, NULL);
		site_probe_stat(site, j->probe->name, j->end_ms - j->start_ms,
		    stat_result(j->r));
		if (j->r != 0)
			record_failure(j->out, j->probe, j->r, j->cause);
		facts_move(facts, j->out);
		job_free(j);
	}
	free(jobs);
	free(late);
	if (last)
		pool_free(pool); /* after the joins: no thread touches it now */
	return 0;
}

const struct probe *
probe_find(const char *name)
{
	const struct probe *const *t;
	size_t n, i;

	t = probe_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(t[i]->name, name) == 0)
			return t[i];
	return NULL;
}

const struct probe *
probe_for_fact(const char *fact)
{
	const struct probe *const *t, *best = NULL;
	size_t n, i;

	t = probe_table(&n);
	for (i = 0; i < n; i++)
		if (str_startswith(fact, t[i]->prefix) && (best == NULL ||
		    strlen(t[i]->prefix) > strlen(best->prefix)))
			best = t[i];
	return best;
}
