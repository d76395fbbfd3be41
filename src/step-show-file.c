/*
 * step-show-file.c - show_file: put the first lines of the first file that
 * exists among candidates into the report (Job's console log after a
 * restart with NOHUPLOG set).  Waits up to wait_ms for one to appear.
 *
 *   { type = "show_file"; files = [ "${site.log_dir}/job_jvm_console.log",
 *     "${site.root}/job/job/bin/job_jvm_console.log" ]; lines = 20;
 *     wait_ms = 5000; }
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "step-common.h"

struct show_data {
	char **files;
	long lines;
	long wait_ms;
};

static void
show_free(void *p)
{
	struct show_data *d = p;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; d->files[i] != NULL; i++)
		free(d->files[i]);
	free(d->files);
	free(d);
}

static int
show(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct show_data *d = c->data;
	struct buf b = BUF_INIT;
	int64_t deadline = now_ms() + d->wait_ms;
	struct timespec ts = { 0, 200 * 1000000 };
	size_t i, k;
	long n;
	char *head;

	(void)tp;
	(void)cause;
	b.secret = 1;
	for (;;) {
		for (i = 0; d->files[i] != NULL; i++) {
			buf_reset(&b);
			if (tp_read(ctx->tp, d->files[i], &b, 1 << 20, NULL) ==
			    0 && b.len > 0)
				goto found;
		}
		if (now_ms() >= deadline)
			break;
		nanosleep(&ts, NULL);
	}
	c->message = xasprintf("no console log appeared in %ld ms (looked at "
	    "%s%s)", d->wait_ms, d->files[0], d->files[1] ? " and others" : "");
	buf_free(&b);
	return 0;
found:
	for (k = 0, n = 0; k < b.len && n < d->lines; k++)
		if (b.data[k] == '\n')
			n++;
	head = xstrndup(b.data, k);
	c->message = xasprintf("%s, first %ld lines:\n%s", d->files[i], n, head);
	free_secret(head);
	buf_free(&b);
	{
		char *safe = redact(c->message);
		free(c->message);
		c->message = safe;
	}
	return 0;
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	const struct step_param *p = step_param(st, "files");
	struct show_data *d;
	struct change *c;
	char *t;
	size_t n = 0, i;

	while (p->values[n] != NULL)
		n++;
	d = xcalloc(1, sizeof *d);
	d->files = xcalloc(n + 1, sizeof *d->files);
	for (i = 0; i < n; i++)
		if ((d->files[i] = exec_expand(ctx, p->values[i], NULL,
		    cause)) == NULL) {
			show_free(d);
			return -JF_ERR_NOTFOUND;
		}
	d->lines = 20;
	if ((t = step_expand(st, ctx, "lines", NULL, NULL)) != NULL) {
		str_to_long(t, &d->lines);
		free(t);
	}
	if ((t = step_expand(st, ctx, "wait_ms", NULL, NULL)) != NULL) {
		str_to_long(t, &d->wait_ms);
		free(t);
	}
	c = change_new(CHANGE_CHECK, NULL);
	free(c->summary);
	c->summary = xasprintf("show the first %ld lines of %s%s", d->lines,
	    d->files[0], n > 1 ? " (or the next candidate that exists)" : "");
	c->display = xstrdup(d->files[0]);
	c->apply = show;
	c->data = d;
	c->data_free = show_free;
	change_list_add(out, c);
	return 0;
}

static const char *const params[] = { "!files", "lines", "wait_ms", NULL };

const struct step_type step_show_file = {
	"show_file", STEP_CHECKS, params,
	"show the first lines of the first file that exists",
	NULL, prepare,
};
