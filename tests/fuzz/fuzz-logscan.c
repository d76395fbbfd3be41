/*
 * fuzz-logscan.c - the log scanner on arbitrary bytes.
 *
 * Three things per input: the scanning core must agree with a plain
 * per-line memmem reference (so the SIMD filter can never miss a line); the
 * state file parser must refuse or accept without harm, and what it accepts
 * must format and parse back to the same text; the timeout classifier must
 * cope with any text.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
reference(const char *d, size_t len, uint64_t *counts)
{
	const struct logscan_sig *s;
	const char *const *tx;
	size_t n, i, ls = 0, le, tl;
	const char *p, *q;
	int found;

	s = logscan_sigs(&n);
	memset(counts, 0, n * sizeof *counts);
	while (ls < len) {
		q = memchr(d + ls, '\n', len - ls);
		le = q ? (size_t)(q - d) : len;
		for (i = 0; i < n; i++) {
			found = 0;
			for (tx = s[i].texts; *tx != NULL && !found; tx++) {
				tl = strlen(*tx);
				p = d + ls;
				while (!found && (p = memmem(p, (size_t)(d + le - p),
				    *tx, tl)) != NULL) {
					if (!(s[i].flags & LOGSCAN_SIG_DIGITS) ||
					    ((p == d + ls || !is_digit(p[-1])) &&
					    (p + tl == d + le || !is_digit(p[tl]))))
						found = 1;
					p++;
				}
			}
			counts[i] += (uint64_t)found;
		}
		ls = le + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct logscan_hit hits[64];
	struct logscan_result r;
	uint64_t want[64];
	const char *cls;
	double lim, el;
	char *text, *again, *cause = NULL;
	size_t n, i;

	/* the scanner against the reference */
	logscan_sigs(&n);
	memset(hits, 0, sizeof hits);
	logscan_buffer((const char *)data, len, 0, 1, hits, 0);
	reference((const char *)data, len, want);
	for (i = 0; i < n; i++) {
		if (hits[i].count != want[i]) {
			fprintf(stderr, "signature %zu: %llu lines, want %llu\n",
			    i, (unsigned long long)hits[i].count,
			    (unsigned long long)want[i]);
			abort();
		}
		if (hits[i].last != NULL && strlen(hits[i].last) >
		    LOGSCAN_LINE_MAX)
			abort();
		free(hits[i].last);
	}

	/* the state parser */
	if (logscan_state_parse((const char *)data, len, "fuzz", &r,
	    &cause) == 0) {
		text = logscan_state_format(&r);
		logscan_result_free(&r);
		if (logscan_state_parse(text, strlen(text), "again", &r,
		    &cause) != 0)
			abort();
		again = logscan_state_format(&r);
		if (strcmp(text, again) != 0)
			abort();
		free(again);
		free(text);
		logscan_result_free(&r);
	}
	free(cause);
	cause = NULL;

	/* the timeout classifier, on text */
	if (len < 4096) {
		text = xstrndup((const char *)data, len);
		(void)logscan_timeout_class(text, NULL, NULL, &cls, &lim, &el,
		    &cause);
		free(cause);
		free(text);
	}
	return 0;
}
