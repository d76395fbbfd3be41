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
