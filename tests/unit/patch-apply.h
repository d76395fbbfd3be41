/*
 * patch-apply.h - the tiniest applier of a unified diff made by
 * diff_unified(), used by test-diff and fuzz-diff to check that a diff,
 * applied to its "a" text, gives back exactly its "b" text.
 *
 * Returns 0 and fills out, or -1 when the diff does not fit a.
 */
#ifndef JOBFIX_PATCH_APPLY_H
#define JOBFIX_PATCH_APPLY_H

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct pa_line {
	const char *p;
	size_t len; /* with its \n, if any */
};

static inline size_t
pa_split(const char *s, size_t n, struct pa_line **out)
{
	size_t i = 0, k = 0;
	const char *nl;

	*out = xcalloc(n + 1, sizeof **out);
	while (i < n) {
		nl = memchr(s + i, '\n', n - i);
		(*out)[k].p = s + i;
		(*out)[k].len = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
		i += (*out)[k++].len;
	}
	return k;
}

static inline int
pa_apply(const char *a, size_t alen, const char *d, size_t dlen,
    struct buf *out)
{
	struct pa_line *al, *dl;
	size_t na = pa_split(a, alen, &al), nd = pa_split(d, dlen, &dl);
	size_t ai = 0, k, start;
	long s, c;
	char *e, prev = 0;
	int r = -1;

	if (nd < 2 || strncmp(dl[0].p, "--- ", 4) != 0 ||
	    strncmp(dl[1].p, "+++ ", 4) != 0)
		goto out;
	for (k = 2; k < nd; k++) {
		const char *p = dl[k].p;
		size_t n = dl[k].len;

		if (n == 0 || p[n - 1] != '\n')
			goto out;
		if (n > 4 && strncmp(p, "@@ -", 4) == 0) {
			s = strtol(p + 4, &e, 10);
			c = *e == ',' ? strtol(e + 1, &e, 10) : 1;
			start = c == 0 ? (size_t)s : (size_t)s - 1;
			if (s < 0 || start < ai || start > na)
				goto out;
			for (; ai < start; ai++)
				buf_add(out, al[ai].p, al[ai].len);
			prev = '@';
			continue;
		}
		if (p[0] == ' ' || p[0] == '-') {
			if (ai >= na || al[ai].len - (al[ai].p[al[ai].len - 1]
			    == '\n') != n - 2 || memcmp(al[ai].p, p + 1, n - 2) != 0)
				goto out;
			if (p[0] == ' ')
				buf_add(out, al[ai].p, al[ai].len);
			ai++;
		} else if (p[0] == '+')
			buf_add(out, p + 1, n - 1);
		else if (p[0] == '\\') {
			if (prev == '+' && out->len > 0)
				out->data[--out->len] = '\0';
		} else
			goto out;
		prev = p[0];
	}
	for (; ai < na; ai++)
		buf_add(out, al[ai].p, al[ai].len);
	r = 0;
out:
	free(al);
	free(dl);
	return r;
}

#endif
