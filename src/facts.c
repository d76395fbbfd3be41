/*
 * facts.c - a set of facts: an array in the order the facts were set, and
 * a hash index from name to position (strmap.h), so setting or finding a
 * fact costs the same with 200,000 job.conf keys as with ten.
 *
 * The index borrows each fact's own name string: replacing a fact puts
 * the new string in the index.  Removing facts (facts_drop_prefix) and
 * sorting move them in the array, and then the index is rebuilt, once per
 * call.
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
	struct facts *fs = xcalloc(1, sizeof(struct facts));

	fs->index = strmap_new();
	return fs;
}

/*
 * A fact's three strings live in one allocation, "name\0value\0evidence\0",
 * owned through name: one malloc a fact instead of three (job.conf brings
 * 200,000 facts, and malloc's overhead is counted per block).
 */
static void
fact_fill(struct fact *f, const char *name, const char *value,
    const char *evidence, int flags)
{
	size_t ln = strlen(name) + 1, lv = strlen(value) + 1;
	size_t le = strlen(evidence) + 1;
	char *b = xmalloc(ln + lv + le);

	memcpy(b, name, ln);
	memcpy(b + ln, value, lv);
	memcpy(b + ln + lv, evidence, le);
	f->name = b;
	f->value = b + ln;
	f->evidence = b + ln + lv;
	f->evidence_text = NULL;
	f->flags = flags;
}

static void
fact_clear(struct fact *f)
{
	if (f->name == NULL)
		return;
	if (f->flags & FACT_SECRET)
		wipe(f->value, strlen(f->value));
	free(f->name);
	free(f->evidence_text);
	f->name = f->value = f->evidence = f->evidence_text = NULL;
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
	strmap_free(fs->index);
	free(fs);
}

static struct fact *
find(const struct facts *fs, const char *name)
{
	size_t i = strmap_get(fs->index, name);

	return i == STRMAP_NONE ? NULL : &fs->v[i];
}

static void
reindex(struct facts *fs)
{
	size_t i;

	strmap_clear(fs->index);
	for (i = 0; i < fs->n; i++)
		strmap_put(fs->index, fs->v[i].name, i);
}

/* Stores nf (its strings change hands), replacing the fact of that name;
 * one search of the index either way. */
static void
put(struct facts *fs, const struct fact *nf)
{
	size_t i = strmap_add(fs->index, nf->name, fs->n);

	if (i != STRMAP_NONE) {
		fact_clear(&fs->v[i]); /* the index holds nf's name now */
		fs->v[i] = *nf;
		return;
	}
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 32;
		fs->v = xreallocarray(fs->v, fs->cap, sizeof *fs->v);
	}
	fs->v[fs->n++] = *nf;
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
	struct fact nf;

	if (value == NULL)
		value = "";
	if (evidence == NULL)
		evidence = "";
	/* fill first: the arguments may be the very fact's strings */
	fact_fill(&nf, name, value, evidence, flags);
	/* its own block: most facts have none */
	if (evidence_text != NULL && strcmp(evidence_text, evidence) != 0)
		nf.evidence_text = xstrdup(evidence_text);
	if (flags & FACT_SECRET)
		secret_register(nf.value);
	else
		url_passwords(nf.value, 1);
	put(fs, &nf);
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
	if (j == fs->n)
		return;
	fs->n = j;
	reindex(fs);
}

void
facts_merge(struct facts *dst, const struct facts *src)
{
	size_t i;

	if (dst == src)
		return;
	for (i = 0; i < src->n; i++)
		facts_setv_text(dst, src->v[i].name, src->v[i].value,
		    src->v[i].flags, src->v[i].evidence,
		    src->v[i].evidence_text);
}

void
facts_move(struct facts *dst, struct facts *src)
{
	size_t i;

	if (dst == src)
		return;
	if (dst->n == 0) {
		facts_swap(dst, src);
		return;
	}
	for (i = 0; i < src->n; i++)
		put(dst, &src->v[i]);
	src->n = 0;
	strmap_clear(src->index);
}

void
facts_swap(struct facts *a, struct facts *b)
{
	struct facts t = *a;

	*a = *b;
	*b = t;
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
	if (fs->n < 2)
		return;
	qsort(fs->v, fs->n, sizeof *fs->v, cmp_fact);
	reindex(fs);
}
