/*
 * transport.c - what every transport shares: freeing a transport and the
 * result types its operations hand back.
 *
 * A transport's ops->close releases its implementation (impl: a session, a
 * socket); transport_free then frees the host name and the structure, so an
 * implementation never frees the struct transport itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "transport.h"

void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->ops != NULL && t->ops->close != NULL)
		t->ops->close(t);
	free(t->host);
	free(t);
}

void
tsha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(data != NULL ? data : "", len, md, &n, EVP_sha256(),
	    NULL) != 1 || n != 32)
		fatal("SHA-256 failed");
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

void
tcheck_expect(struct tcheck *k, const void *content, size_t len, int exists)
{
	memset(k, 0, sizeof *k);
	if (!exists) {
		k->expect = TEXPECT_ABSENT;
		return;
	}
	k->expect = TEXPECT_SHA256;
	tsha256_hex(content, len, k->sha256);
}

void
trun_result_init(struct trun_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = -1;
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
}

void
trun_result_free(struct trun_result *r)
{
	if (r == NULL)
		return;
	buf_free(&r->out);
	buf_free(&r->err);
	r->status = -1;
	r->timed_out = 0;
}

void
tprocs_free(struct tproc *p, size_t n)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++)
		free(p[i].cmdline);
	free(p);
}

void
names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
transport_read_batch(struct transport *t, struct tread *r, size_t n,
    char **cause)
{
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].r = 0;
		r[i].cause = NULL;
		buf_init(&r[i].data, 0);
		r[i].data.secret = 1; /* a file read may hold a secret */
		r[i].procs = NULL;
		r[i].socks = NULL;
		r[i].nprocs = r[i].nsocks = 0;
	}
	if (t->ops->read_batch != NULL)
		return t->ops->read_batch(t, r, n, cause);
	for (i = 0; i < n; i++) {
		switch (r[i].kind) {
		case TREAD_FILE:
			r[i].r = t->ops->read_file(t, r[i].path, &r[i].data,
			    r[i].max, &r[i].cause);
			break;
		case TREAD_PROCS:
			r[i].r = t->ops->list_procs(t, &r[i].procs,
			    &r[i].nprocs, &r[i].cause);
			break;
		case TREAD_TCP:
			r[i].r = t->ops->list_tcp(t, &r[i].socks, &r[i].nsocks,
			    &r[i].cause);
			break;
		}
	}
	(void)cause;
	return 0;
}

void
tread_free(struct tread *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].cause);
		r[i].cause = NULL;
		buf_free(&r[i].data);
		tprocs_free(r[i].procs, r[i].nprocs);
		r[i].procs = NULL;
		r[i].nprocs = 0;
		free(r[i].socks);
		r[i].socks = NULL;
		r[i].nsocks = 0;
	}
}

/*
 * The read-only view.  It keeps its own copy of the inner ops table with
 * the writing entries replaced, so the name stays the inner one's ("local",
 * "ssh") and the reads cost one indirect call more, nothing else.
 */
struct readonly {
	struct transport_ops ops;
	struct transport *inner;
};

#define RO_INNER(t) (((struct readonly *)(t)->impl)->inner)

static int
ro_refuse(struct transport *t, const char *what, const char *path,
    char **cause)
{
	return set_cause(cause, JF_ERR_PROGRAM, "%s: %s \"%s\" through the "
	    "read-only view: a probe or a step's planning changed the host "
	    "(a programming error: changes go through the executor)",
	    t->host, what, path ? path : "?");
}

static int
ro_read_file(struct transport *t, const char *path, struct buf *out,
    size_t max, char **cause)
{
	return RO_INNER(t)->ops->read_file(RO_INNER(t), path, out, max, cause);
}

static int
ro_read_range(struct transport *t, const char *path, uint64_t offset,
    size_t max, struct buf *out, char **cause)
{
	return RO_INNER(t)->ops->read_range(RO_INNER(t), path, offset, max,
	    out, cause);
}

static int
ro_write_file(struct transport *t, const char *path, const void *data,
    size_t len, mode_t mode, struct tcheck *check, char **cause)
{
	(void)data;
	(void)len;
	(void)mode;
	(void)check;
	return ro_refuse(t, "write", path, cause);
}

static int
ro_stat(struct transport *t, const char *path, struct tstat *st, char **cause)
{
	return RO_INNER(t)->ops->stat(RO_INNER(t), path, st, cause);
}

static int
ro_realpath(struct transport *t, const char *path, char **out, char **cause)
{
	return RO_INNER(t)->ops->realpath(RO_INNER(t), path, out, cause);
}

static int
ro_list_dir(struct transport *t, const char *path, char ***names, size_t *n,
    char **cause)
{
	return RO_INNER(t)->ops->list_dir(RO_INNER(t), path, names, n, cause);
}

static int
ro_list_procs(struct transport *t, struct tproc **p, size_t *n, char **cause)
{
	return RO_INNER(t)->ops->list_procs(RO_INNER(t), p, n, cause);
}

static int
ro_list_tcp(struct transport *t, struct tsock **s, size_t *n, char **cause)
{
	return RO_INNER(t)->ops->list_tcp(RO_INNER(t), s, n, cause);
}

static int
ro_run(struct transport *t, const char *const *argv, const char *const *env,
    const void *in, size_t inlen, int timeout_ms, struct trun_result *res,
    char **cause)
{
	(void)env;
	(void)in;
	(void)inlen;
	(void)timeout_ms;
	(void)res;
	return ro_refuse(t, "run", argv != NULL ? argv[0] : NULL, cause);
}

/* a batch of reads is a read: handed to the inner transport's batch */
static int
ro_read_batch(struct transport *t, struct tread *r, size_t n, char **cause)
{
	return RO_INNER(t)->ops->read_batch(RO_INNER(t), r, n, cause);
}

static int
ro_unlink(struct transport *t, const char *path, char **cause)
{
	return ro_refuse(t, "unlink", path, cause);
}

static void
ro_close(struct transport *t)
{
	free(t->impl);
	t->impl = NULL;
}

struct transport *
transport_readonly_new(struct transport *inner)
{
	struct transport *t = xcalloc(1, sizeof *t);
	struct readonly *ro = xcalloc(1, sizeof *ro);

	ro->inner = inner;
	ro->ops.name = inner->ops->name;
	ro->ops.read_file = ro_read_file;
	ro->ops.read_range = ro_read_range;
	ro->ops.write_file = ro_write_file;
	ro->ops.stat = ro_stat;
	ro->ops.realpath = ro_realpath;
	ro->ops.list_dir = ro_list_dir;
	ro->ops.list_procs = ro_list_procs;
	ro->ops.list_tcp = ro_list_tcp;
	ro->ops.run = ro_run;
	ro->ops.unlink = ro_unlink;
	if (inner->ops->read_batch != NULL)
		ro->ops.read_batch = ro_read_batch;
	ro->ops.close = ro_close;
	t->ops = &ro->ops;
	t->host = xstrdup(inner->host);
	t->impl = ro;
	return t;
}

int
transport_is_readonly(const struct transport *t)
{
	return t != NULL && t->ops->close == ro_close;
}

int
tp_query(struct transport *t, const char *const *argv,
    const char *const *env, const void *in, size_t inlen, int timeout_ms,
    struct trun_result *res, char **cause)
{
	while (transport_is_readonly(t))
		t = RO_INNER(t);
	return t->ops->run(t, argv, env, in, inlen, timeout_ms, res, cause);
}
