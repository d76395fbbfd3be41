/*
 * facts.c - a set of facts: a small array, searched linearly (a run has a
 * few hundred facts at most).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "i18n.h"

struct facts *
facts_new(void)
{
	return xcalloc(1, sizeof(struct facts));
}

static void
fact_clear(struct fact *f)
{
	free(f->name);
	if (f->flags & FACT_SECRET)
		free_secret(f->value);
	else
		free(f->value);
	free(f->evidence);
	free(f->evidence_text);
}

void
facts_free(struct facts *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->n; i++)
		fact_clear(&fs->v[i]);
	free(fs->v);
	free(fs);
}

static struct fact *
find(const struct facts *fs, const char *name)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0)
			return &fs->v[i];
	return NULL;
}

void
facts_setv(struct facts *fs, const char *name, const char *value, int flags,
    const char *evidence)
{
	facts_setv_text(fs, name, value, flags, evidence, NULL);
}

const char *
fact_evidence_text(const struct fact *f)
{
	return f->evidence_text != NULL ? f->evidence_text : f->evidence;
}

void
facts_setv_text(struct facts *fs, const char *name, const char *value,
    int flags, const char *evidence, const char *evidence_text)
{
	struct fact *f;
	char *n, *v, *e, *et;

	/* copy first: name or value may be the very fact being replaced */
	n = xstrdup(name);
	v = xstrdup(value ? value : "");
	e = xstrdup(evidence ? evidence : "");
	et = evidence_text != NULL && strcmp(evidence_text, e) != 0 ?
	    xstrdup(evidence_text) : NULL;
	if (flags & FACT_SECRET)
		secret_register(v);
	if ((f = find(fs, n)) != NULL)
		fact_clear(f);
	else {
		if (fs->n == fs->cap) {
			fs->cap = fs->cap ? fs->cap * 2 : 32;
			fs->v = xreallocarray(fs->v, fs->cap, sizeof *fs->v);
		}
		f = &fs->v[fs->n++];
	}
	f->name = n;
	f->value = v;
	f->evidence = e;
	f->evidence_text = et;
	f->flags = flags;
}

/* fmt in English, and in the user's language when it is translated */
static void
evidence_format(const char *fmt, va_list ap, char **en, char **text)
{
	const char *t = _(fmt);
	va_list aq;

	*text = NULL;
	if (t != fmt) {
		va_copy(aq, ap);
		*text = xvasprintf(t, aq);
		va_end(aq);
	}
	*en = xvasprintf(fmt, ap);
}

void
facts_set(struct facts *fs, const char *name, const char *value, int flags,
    const char *fmt, ...)
{
	va_list ap;
	char *ev, *et;

	va_start(ap, fmt);
	evidence_format(fmt, ap, &ev, &et);
	va_end(ap);
	facts_setv_text(fs, name, value, flags, ev, et);
	free(ev);
	free(et);
}

void
facts_set_long(struct facts *fs, const char *name, long value,
    const char *fmt, ...)
{
	va_list ap;
	char *ev, *et, num[32];

	va_start(ap, fmt);
	evidence_format(fmt, ap, &ev, &et);
	va_end(ap);
	snprintf(num, sizeof num, "%ld", value);
	facts_setv_text(fs, name, num, 0, ev, et);
	free(ev);
	free(et);
}

const struct fact *
facts_find(const struct facts *fs, const char *name)
{
	return find(fs, name);
}

const char *
facts_get(const struct facts *fs, const char *name)
{
	const struct fact *f = find(fs, name);

	return f ? f->value : NULL;
}

void
facts_drop_prefix(struct facts *fs, const char *prefix)
{
	size_t i, j = 0;

	for (i = 0; i < fs->n; i++) {
		if (str_startswith(fs->v[i].name, prefix))
			fact_clear(&fs->v[i]);
		else
			fs->v[j++] = fs->v[i];
	}
	fs->n = j;
}

void
facts_merge(struct facts *dst, const struct facts *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		facts_setv_text(dst, src->v[i].name, src->v[i].value,
		    src->v[i].flags, src->v[i].evidence,
		    src->v[i].evidence_text);
}

static int
cmp_fact(const void *a, const void *b)
{
	return strcmp(((const struct fact *)a)->name,
	    ((const struct fact *)b)->name);
}

void
facts_sort(struct facts *fs)
{
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof *fs->v, cmp_fact);
}
