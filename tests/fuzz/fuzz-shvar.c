/*
 * fuzz-shvar.c - libFuzzer harness for src/shvar.c: parse, check the
 * round trip is byte for byte, set a variable to a value taken from the
 * input, parse the result again and read the value back.
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shvar.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_set(struct shfile *f, const char *name, const char *value)
{
	struct buf out = BUF_INIT;
	struct shfile *g;
	char *cause = NULL;
	const char *v;
	int dyn;

	if (shvar_set(f, name, value, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (shvar_serialize(f, &out) != 0)
		abort();
	if ((g = shvar_parse(out.data ? out.data : "", out.len, "fuzz",
	    NULL)) == NULL)
		abort();
	v = shvar_get(g, name, NULL, &dyn);
	if (v == NULL || dyn || strcmp(v, value) != 0)
		abort();
	shvar_free(g);
	buf_free(&out);
}

static void
check_java(const struct shfile *f)
{
	char *re, *what, *dir;
	int jar, line;
	regex_t rx;

	if ((re = shvar_java_pattern(f, &what, &jar, &line)) == NULL) {
		if (what != NULL && line < 1)
			abort(); /* a word that cannot be read has its line */
		free(what);
		return;
	}
	if (what == NULL || line < 1 || regcomp(&rx, re, REG_EXTENDED |
	    REG_NOSUB) != 0)
		abort();
	regfree(&rx);
	/* the jar's directory: absolute, for a jar only */
	dir = shvar_java_jar_dir(f);
	if (dir != NULL && (dir[0] != '/' || !jar))
		abort();
	free(dir);
	free(re);
	free(what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shfile *f;
	struct buf out = BUF_INIT;
	char *cause = NULL, *value;
	const char *v;
	size_t vlen;
	int line, dyn;

	if ((f = shvar_parse((const char *)data, size, "fuzz", &cause)) ==
	    NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (shvar_serialize(f, &out) != 0 || out.len != size ||
	    (size > 0 && memcmp(out.data, data, size) != 0))
		abort();
	buf_free(&out);
	v = shvar_get(f, "NOHUPLOG", &line, &dyn);
	if (v != NULL && line < 1)
		abort();
	check_java(f);
	/* a value made of the last bytes of the input, up to a NUL */
	vlen = size < 12 ? size : 12;
	value = xstrndup((const char *)data + size - vlen, vlen);
	check_set(f, "NOHUPLOG", value);
	check_set(f, "NOHUPLOG", "job_jvm_console.log");
	check_set(f, "JF_NEW", "a b'c\"d$e\\f");
	free(value);
	shvar_free(f);
	return 0;
}
