/*
 * fuzz-diff.c - libFuzzer harness for src/diff.c.  The input is split in
 * two at a point chosen by its first byte; the diff of the halves must not
 * crash, and, when no line was masked (a secret, a URL's userinfo),
 * applying it to the first half must give back the second exactly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"
#include "../unit/patch-apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Would any line of s be masked? */
static int
has_secret_line(const char *s, size_t n)
{
	size_t i = 0, e;
	char *l, *m;
	int hit = 0;

	while (i < n && !hit) {
		for (e = i; e < n && s[e] != '\n'; e++)
			;
		l = xstrndup(s + i, e - i);
		m = mask_secret_assignment(l);
		hit = strlen(l) != e - i || strcmp(l, m) != 0;
		free(m);
		/* redact() masks the userinfo of a URL too */
		m = redact(l);
		hit = hit || strcmp(l, m) != 0;
		free(l);
		free(m);
		i = e + 1;
	}
	return hit;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, back = BUF_INIT;
	const char *a, *b;
	size_t alen, blen, cut;
	int ctx;

	if (size < 1)
		return 0;
	cut = size > 1 ? (size_t)data[0] * (size - 1) / 255 : 0;
	ctx = data[0] % 5;
	a = (const char *)data + 1;
	alen = cut;
	b = a + cut;
	blen = size - 1 - cut;
	if (diff_unified(a, alen, b, blen, "a", "b", ctx, &out) != 0)
		abort();
	if (out.len == 0) {
		if (alen != blen || memcmp(a, b, alen) != 0)
			abort();
	} else if (!has_secret_line(a, alen) && !has_secret_line(b, blen)) {
		if (pa_apply(a, alen, out.data, out.len, &back) != 0 ||
		    back.len != blen || (blen > 0 && memcmp(back.data, b,
		    blen) != 0))
			abort();
	}
	buf_free(&out);
	buf_free(&back);
	return 0;
}
