/*
 * facts.c - a set of facts: a small array, searched linearly (a run has a
 * few hundred facts at most).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"

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
	struct fact *f;
	char *n, *v, *e;

	/* copy first: name or value may be the very fact being replaced */
	n = xstrdup(name);
	v = xstrdup(value ? value : "");
	e = xstrdup(evidence ? evidence : "");
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
	f->flags = flags;
}

void
facts_set(struct facts *fs, const char *name, const char *value, int flags,
    const char *fmt, ...)
{
	va_list ap;
	char *ev;

	va_start(ap, fmt);
	ev = xvasprintf(fmt, ap);
	va_end(ap);
	facts_setv(fs, name, value, flags, ev);
	free(ev);
}

void
facts_set_long(struct facts *fs, const char *name, long value,
    const char *fmt, ...)
{
	va_list ap;
	char *ev, num[32];

	va_start(ap, fmt);
	ev = xvasprintf(fmt, ap);
	va_end(ap);
	snprintf(num, sizeof num, "%ld", value);
	facts_setv(fs, name, num, 0, ev);
	free(ev);
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
		facts_setv(dst, src->v[i].name, src->v[i].value,
		    src->v[i].flags, src->v[i].evidence);
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
