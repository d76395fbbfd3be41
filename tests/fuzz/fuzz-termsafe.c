/*
 * fuzz-termsafe.c - terminal_safe() on arbitrary bytes: whatever comes in
 * (invalid UTF-8, cut sequences, C1 and bidi controls), what comes out is
 * valid UTF-8 holding no byte or character a terminal acts on: no C0 but
 * newline and tab (none at all on one line), no DEL, no C1, no bidi
 * control.  In JSON mode no C1 or bidi control is left either.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
bad_char(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

static void
check(const char *in, unsigned flags)
{
	char *out = terminal_safe(in, flags);
	const unsigned char *p = (const unsigned char *)out;
	uint32_t c;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_decode(p, &c)) == 0) {
			if (!(flags & TSAFE_JSON))
				abort(); /* not UTF-8 out of text mode */
			p++; /* JSON mode passes what jansson never writes */
			continue;
		}
		if (bad_char(c) || c == 0x7f)
			abort();
		if (!(flags & TSAFE_JSON) && c < 0x20 && (flags & TSAFE_LINE ||
		    (c != '\n' && c != '\t')))
			abort();
		p += n;
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s;

	if (len > 1024 * 1024)
		return 0;
	s = xstrndup((const char *)data, len); /* up to the first NUL */
	check(s, 0);
	check(s, TSAFE_LINE);
	check(s, TSAFE_JSON);
	free(s);
	return 0;
}
