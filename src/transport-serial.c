/*
 * transport-serial.c - one call at a time through to another transport.
 *
 * Probes of stage 1 run in threads (probe.c), and several of them read the
 * host (process table, logs, agent).  A libssh2 session must not be used by
 * two threads at once, so the SSH transport is wrapped in this: every
 * operation takes one mutex for its whole length.  Operations on one host
 * are short next to the round trip that carries them, and a single SSH
 * session would carry them one after another anyway, so little is lost.
 * The local transport needs no wrapper.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "transport-serial.h"

struct serial {
	pthread_mutex_t lock;
	struct transport *inner;
	struct transport_ops ops; /* serial_ops, named as the inner one */
};

static const struct transport_ops serial_ops;

#define INNER(t) (((struct serial *)(t)->impl)->inner)
#define LOCK(t) pthread_mutex_lock(&((struct serial *)(t)->impl)->lock)
#define UNLOCK(t) pthread_mutex_unlock(&((struct serial *)(t)->impl)->lock)

static int
s_read_file(struct transport *t, const char *path, struct buf *out,
    size_t max, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->read_file(INNER(t), path, out, max, cause);
	UNLOCK(t);
	return r;
}

static int
s_read_range(struct transport *t, const char *path, uint64_t offset,
    size_t max, struct buf *out, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->read_range(INNER(t), path, offset, max, out, cause);
	UNLOCK(t);
	return r;
}

static int
s_write_file(struct transport *t, const char *path, const void *data,
    size_t len, mode_t mode, struct tcheck *check, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->write_file(INNER(t), path, data, len, mode, check,
	    cause);
	UNLOCK(t);
	return r;
}

static int
s_stat(struct transport *t, const char *path, struct tstat *st, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->stat(INNER(t), path, st, cause);
	UNLOCK(t);
	return r;
}

static int
s_realpath(struct transport *t, const char *path, char **out, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->realpath(INNER(t), path, out, cause);
	UNLOCK(t);
	return r;
}

static int
s_list_dir(struct transport *t, const char *path, char ***names, size_t *n,
    char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->list_dir(INNER(t), path, names, n, cause);
	UNLOCK(t);
	return r;
}

static int
s_list_procs(struct transport *t, struct tproc **p, size_t *n, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->list_procs(INNER(t), p, n, cause);
	UNLOCK(t);
	return r;
}

static int
s_list_tcp(struct transport *t, struct tsock **s, size_t *n, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->list_tcp(INNER(t), s, n, cause);
	UNLOCK(t);
	return r;
}

static int
s_run(struct transport *t, const char *const *argv, const char *const *env,
    const void *in, size_t inlen, int timeout_ms, struct trun_result *res,
    char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->run(INNER(t), argv, env, in, inlen, timeout_ms, res,
	    cause);
	UNLOCK(t);
	return r;
}

static int
s_unlink(struct transport *t, const char *path, char **cause)
{
	int r;

	LOCK(t);
	r = INNER(t)->ops->unlink(INNER(t), path, cause);
	UNLOCK(t);
	return r;
}

static int
s_read_batch(struct transport *t, struct tread *rd, size_t n, char **cause)
{
	int r;

	LOCK(t);
	r = transport_read_batch(INNER(t), rd, n, cause);
	UNLOCK(t);
	return r;
}

static void
s_close(struct transport *t)
{
	struct serial *s;

	if (t == NULL || (s = t->impl) == NULL)
		return;
	/* wait for a call still in flight (an abandoned probe's) */
	pthread_mutex_lock(&s->lock);
	transport_free(s->inner);
	s->inner = NULL;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_destroy(&s->lock);
	t->ops = &serial_ops; /* s->ops goes with s */
	free(s);
	t->impl = NULL;
}

static const struct transport_ops serial_ops = {
	.name = "serial",
	.read_file = s_read_file,
	.read_range = s_read_range,
	.write_file = s_write_file,
	.stat = s_stat,
	.realpath = s_realpath,
	.list_dir = s_list_dir,
	.list_procs = s_list_procs,
	.list_tcp = s_list_tcp,
	.run = s_run,
	.unlink = s_unlink,
	.close = s_close,
	.read_batch = s_read_batch,
};

struct transport *
transport_serial_new(struct transport *inner)
{
	struct transport *t;
	struct serial *s;

	s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	s->inner = inner;
	/* the name is the inner one's: site.c tells local from remote by it */
	s->ops = serial_ops;
	s->ops.name = inner->ops->name;
	t = xcalloc(1, sizeof *t);
	t->ops = &s->ops;
	t->host = xstrdup(inner->host);
	t->impl = s;
	return t;
}
