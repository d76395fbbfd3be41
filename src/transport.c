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
