/*
 * fuzz-redact.c - libFuzzer harness for the URL secrets of src/util.c
 * (url_passwords(), redact()).  The input is text that may hold URLs.
 * Under AddressSanitizer nothing may read past a URL's end; counting the
 * passwords must not depend on registering them; and masking replaces,
 * so what redact() returns is at most a mask for every byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *m;
	int n;

	if (size > 4096)
		return 0;
	s = xstrndup((const char *)data, size);
	secret_clear_all();
	n = url_passwords(s, 0);
	if (url_passwords(s, 1) != n)
		abort();
	m = redact(s);
	if (m == NULL || strlen(m) > strlen(s) * (sizeof SECRET_MASK - 1))
		abort();
	free(m);
	free(s);
	secret_clear_all();
	return 0;
}
