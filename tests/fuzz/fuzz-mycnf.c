/*
 * fuzz-mycnf.c - one option file in memory: it must parse or fail cleanly;
 * when it parses, its bytes serialize back unchanged, setting an option
 * makes it win, also after a fresh parse of the new bytes, and setting it
 * again changes nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mycnf.h"

static const char *fz_data;
static size_t fz_len;

static int
fz_read(struct transport *t, const char *path, struct buf *out, size_t max,
    char **cause)
{
	(void)t;
	if (strcmp(path, "/f.cnf") != 0)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: none", path);
	if (fz_len > max)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: big", path);
	return buf_add(out, fz_data, fz_len);
}

static int
fz_stat(struct transport *t, const char *path, struct tstat *st, char **cause)
{
	(void)t;
	(void)cause;
	memset(st, 0, sizeof *st);
	if (strcmp(path, "/f.cnf") == 0) {
		st->exists = 1;
		st->mode = S_IFREG | 0644;
	}
	return 0;
}

static int
fz_list(struct transport *t, const char *path, char ***names, size_t *n,
    char **cause)
{
	(void)t;
	(void)names;
	(void)n;
	return set_cause(cause, JF_ERR_NOTFOUND, "%s: no directory", path);
}

static const struct transport_ops fz_ops = {
	.name = "fuzz",
	.read_file = fz_read,
	.stat = fz_stat,
	.list_dir = fz_list,
};

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const groups[] = { "mysqld", "server", NULL };
	static const char *const values[] = { "ON", "", " a#b\"c'\\\n", "0" };
	struct transport t = { &fz_ops, (char *)"fuzz", NULL };
	struct mycnf *m = NULL, *m2 = NULL;
	struct buf b = BUF_INIT, b2 = BUF_INIT;
	const char *value = values[len % 4], *got;
	char *cause = NULL;
	int r;

	fz_data = (const char *)data;
	fz_len = len;
	if (mycnf_load(&t, "/f.cnf", &m, &cause) != 0) {
		if (cause == NULL)
			abort(); /* every failure says why */
		free(cause);
		return 0;
	}
	buf_init(&b, 0);
	if (mycnf_file_serialize(m, 0, &b) != 0 || b.len != len ||
	    (len > 0 && memcmp(b.data, data, len) != 0))
		abort();
	if (mycnf_file_changed(m, 0))
		abort();
	(void)mycnf_get(m, groups, "event_scheduler", NULL, NULL);
	if ((r = mycnf_set(m, groups, "event-scheduler", value, &cause)) != 0) {
		/* Only a too-long line may refuse; the file stays as it was. */
		if (r != -JF_ERR_TOOBIG)
			abort();
		buf_reset(&b);
		if (mycnf_file_serialize(m, 0, &b) != 0 || b.len != len ||
		    (len > 0 && memcmp(b.data, data, len) != 0))
			abort();
		free(cause);
		goto out;
	}
	got = mycnf_get(m, groups, "event_scheduler", NULL, NULL);
	if (got == NULL || strcmp(got, value) != 0)
		abort();
	buf_reset(&b);
	if (mycnf_file_serialize(m, 0, &b) != 0)
		abort();
	/* A fresh parse of the new bytes. */
	fz_data = b.data ? b.data : "";
	fz_len = b.len;
	if (mycnf_load(&t, "/f.cnf", &m2, &cause) != 0)
		abort();
	got = mycnf_get(m2, groups, "event_scheduler", NULL, NULL);
	if (got == NULL || strcmp(got, value) != 0)
		abort();
	/* Setting again changes nothing. */
	if (mycnf_set(m2, groups, "event_scheduler", value, &cause) != 0)
		abort();
	buf_init(&b2, 0);
	if (mycnf_file_serialize(m2, 0, &b2) != 0 || b2.len != b.len ||
	    memcmp(b2.data, b.data, b.len) != 0 || mycnf_file_changed(m2, 0))
		abort();
out:
	buf_free(&b);
	buf_free(&b2);
	mycnf_free(m);
	mycnf_free(m2);
	return 0;
}
