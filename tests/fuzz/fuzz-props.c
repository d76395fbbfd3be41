/*
 * fuzz-props.c - props_parse on anything: an unedited object must serialize
 * to its input byte for byte; a props_set that succeeds must give a text
 * that parses again to the new value, with every other key unchanged.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct props *p, *q = NULL;
	struct buf out = BUF_INIT, again = BUF_INIT;
	char *cause = NULL, *key, *value, **oldk = NULL, **oldv = NULL;
	size_t i, n, vlen;
	const char *v;

	p = props_parse((const char *)data, len, "fuzz", &cause);
	if (p == NULL) {
		check(cause != NULL && strncmp(cause, "fuzz:", 5) == 0);
		free(cause);
		return 0;
	}
	check(props_serialize(p, &out) == 0);
	check(out.len == len && memcmp(out.data, data, len) == 0);
	n = props_count(p);
	oldk = xcalloc(n + 1, sizeof *oldk);
	oldv = xcalloc(n + 1, sizeof *oldv);
	for (i = 0; i < n; i++) {
		oldk[i] = xstrdup(props_key_at(p, i));
		check((v = props_get(p, oldk[i])) != NULL);
		oldv[i] = xstrdup(v);
		check(props_line(p, oldk[i]) >= 1);
	}

	/* set an existing key (chosen by the input) or a new one */
	if (n > 0 && len % 3 != 0)
		key = xstrdup(oldk[len % n]);
	else
		key = xstrdup(len % 2 ? "fuzz key=:#!\\" : "fuzz.new");
	vlen = len < 24 ? len : 24;
	value = xmalloc(vlen + 1);
	for (i = 0; i < vlen; i++)
		value[i] = data[len - vlen + i] ? (char)data[len - vlen + i] :
		    ' ';
	value[vlen] = '\0';
	if (props_set(p, key, value, &cause) != 0) {
		check(cause != NULL);
		free(cause);
		cause = NULL;
		/* a failed set leaves the object as it was */
		buf_reset(&out);
		check(props_serialize(p, &out) == 0);
		check(out.len == len && memcmp(out.data, data, len) == 0);
		goto out;
	}
	check(strcmp(props_get(p, key), value) == 0);
	buf_reset(&out);
	check(props_serialize(p, &out) == 0);
	q = props_parse(out.data, out.len, "fuzz-again", &cause);
	check(q != NULL);
	check((v = props_get(q, key)) != NULL && strcmp(v, value) == 0);
	for (i = 0; i < n; i++) {
		if (strcmp(oldk[i], key) == 0)
			continue;
		check((v = props_get(q, oldk[i])) != NULL &&
		    strcmp(v, oldv[i]) == 0);
	}
	check(props_serialize(q, &again) == 0);
	check(again.len == out.len && memcmp(again.data, out.data,
	    out.len) == 0);
	/* setting the same value again changes nothing */
	check(props_set(q, key, value, &cause) == 0);
	buf_reset(&again);
	check(props_serialize(q, &again) == 0);
	check(again.len == out.len && memcmp(again.data, out.data,
	    out.len) == 0);
out:
	for (i = 0; i < n; i++) {
		free(oldk[i]);
		free(oldv[i]);
	}
	free(oldk);
	free(oldv);
	free(key);
	free(value);
	buf_free(&out);
	buf_free(&again);
	props_free(p);
	props_free(q);
	free(cause);
	secret_clear_all(); /* keep the registry small while fuzzing */
	return 0;
}
