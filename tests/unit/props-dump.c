/*
 * props-dump.c - the C side of the comparison with java.util.Properties
 * (tests/integration/05-props-java.sh, PropsDump.java).
 *
 *   props-dump FILE...                 what props_get() sees in each file
 *   props-dump --generate SEED N DIR   writes N random properties files
 *   props-dump --edit SEED IN OUT      sets random keys of IN to random
 *                                      values, writes OUT and prints what
 *                                      Java must read from OUT
 *
 * Output, per file: "== FILE", then one line per key, sorted, of the key and
 * the value as UTF-16 code units in hex ("0061=00620063"), or "ERROR" if the
 * file does not parse.  Exit 0; 1 on a usage or I/O error; with --edit, 2
 * if IN does not parse and 3 if a props_set() fails.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "util.h"

struct kv {
	char *key;
	char *value;
};

/* --- output ---------------------------------------------------------------- */

/* Appends s, UTF-8 (or WTF-8), as UTF-16 code units in hex. */
static void
hex16(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t n, i;

	while (*u != '\0') {
		if (u[0] < 0x80) {
			cp = u[0];
			n = 1;
		} else if ((u[0] & 0xe0) == 0xc0) {
			cp = u[0] & 0x1f;
			n = 2;
		} else if ((u[0] & 0xf0) == 0xe0) {
			cp = u[0] & 0x0f;
			n = 3;
		} else if ((u[0] & 0xf8) == 0xf0) {
			cp = u[0] & 0x07;
			n = 4;
		} else {
			cp = 0xfffd;
			n = 0;
		}
		for (i = 1; i < n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				break;
			cp = cp << 6 | (u[i] & 0x3f);
		}
		if (n == 0 || i < n) {
			/* not UTF-8: what Java's decoder makes of a byte */
			cp = 0xfffd;
			n = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_printf(b, "%04x%04x", 0xd800 + (cp >> 10),
			    0xdc00 + (cp & 0x3ff));
		} else
			buf_printf(b, "%04x", cp);
		u += n;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
print_dump(const char *name, const struct kv *kv, size_t n)
{
	struct buf b = BUF_INIT;
	char **lines;
	size_t i;

	lines = xcalloc(n + 1, sizeof *lines);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		hex16(&b, kv[i].key);
		buf_addch(&b, '=');
		hex16(&b, kv[i].value);
		lines[i] = xstrdup(b.data);
	}
	qsort(lines, n, sizeof *lines, cmp_str);
	printf("== %s\n", name);
	for (i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	buf_free(&b);
}

static struct kv *
props_to_kv(const struct props *p, size_t *n)
{
	struct kv *kv;
	size_t i;

	*n = props_count(p);
	kv = xcalloc(*n + 1, sizeof *kv);
	for (i = 0; i < *n; i++) {
		kv[i].key = xstrdup(props_key_at(p, i));
		kv[i].value = xstrdup(props_get(p, kv[i].key));
	}
	return kv;
}

static void
free_kv(struct kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int
load_file(const char *path, struct props **p)
{
	struct buf b = BUF_INIT;
	char *cause = NULL;
	int r;

	*p = NULL;
	if ((r = read_file_local(path, &b, 0, &cause)) != 0) {
		fprintf(stderr, "props-dump: %s\n", cause);
		free(cause);
		return r;
	}
	*p = props_parse(b.data, b.len, path, &cause);
	if (*p == NULL) {
		fprintf(stderr, "props-dump: %s\n", cause);
		free(cause);
	}
	buf_free(&b);
	return 0;
}

static int
dump_files(int argc, char **argv)
{
	struct props *p;
	struct kv *kv;
	size_t n;
	int i;

	for (i = 0; i < argc; i++) {
		if (load_file(argv[i], &p) != 0)
			return 1;
		if (p == NULL) {
			printf("== %s\nERROR\n", argv[i]);
			continue;
		}
		kv = props_to_kv(p, &n);
		print_dump(argv[i], kv, n);
		free_kv(kv, n);
		props_free(p);
	}
	return 0;
}

/* --- random files ---------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return n == 0 ? 0 : (uint32_t)(z % n);
}

static const char *const raw_chars[] = {
	"a", "b", "k", "z", "Q", "0", "7", ".", "-", "_", "/", " ", " ", "\t",
	"\f", "=", ":", "#", "!", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
	"\x7f", "\x01", "\"", "'", "\xef\xbb\xbf", "\xc2\xa0",
};
static const char *const escapes[] = {
	"\\\\", "\\t", "\\n", "\\r", "\\f", "\\ ", "\\=", "\\:", "\\#", "\\!",
	"\\a", "\\z", "\\\xc3\xa9", "\\u0041", "\\u00e9", "\\u4E2D",
	"\\uD83D\\uDE00", "\\ud800", "\\uDC00", "\\uFFFF", "\\u000a",
};

/* A token of key or value text: a character or an escape. */
static void
gen_token(struct buf *b)
{
	char hex[8];
	uint32_t u;

	switch (rnd(10)) {
	case 0:
	case 1:
		buf_addstr(b, escapes[rnd(nitems(escapes))]);
		break;
	case 2:
		do
			u = rnd(0x10000);
		while (u == 0);
		snprintf(hex, sizeof hex, rnd(2) ? "\\u%04x" : "\\u%04X", u);
		buf_addstr(b, hex);
		break;
	case 3:
	case 4:
		buf_addstr(b, raw_chars[rnd(nitems(raw_chars))]);
		break;
	default:
		buf_addch(b, "abcdefghijklmnopqrstuvwxyz.0123456789"[rnd(37)]);
	}
}

static const char *
gen_eol(int style)
{
	static const char *const eols[] = {"\n", "\r\n", "\r"};

	if (style == 3)
		return eols[rnd(3)];
	return eols[style];
}

static void
gen_ws(struct buf *b, uint32_t max)
{
	uint32_t i, n = rnd(max + 1);

	for (i = 0; i < n; i++)
		buf_addch(b, " \t\f"[rnd(3)]);
}

/* Text of n tokens, now and then broken by a continuation. */
static void
gen_text(struct buf *b, uint32_t n, int style)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (rnd(12) == 0) {
			buf_addch(b, '\\');
			buf_addstr(b, gen_eol(style));
			gen_ws(b, 3);
		}
		gen_token(b);
	}
}

static void
gen_file(struct buf *b)
{
	static const char *const pool[] = {
		"a", "b.c", "app.code", "app.secret", "x\\ y", "k\\=v", "k\\:v",
		"\\#h", "\\u0041", "ijobs.amqp.password",
	};
	static const char *const seps[] = {
		"=", ":", " ", "\t", " = ", " : ", "=  ", "  ", " =", "\f:",
		"==", ": =", " :=", "= ", "",
	};
	int style = rnd(10) < 6 ? 0 : (int)rnd(4);
	uint32_t i, nlines = rnd(25), kind;

	for (i = 0; i < nlines; i++) {
		kind = rnd(20);
		if (kind < 3) {
			gen_ws(b, 2); /* blank */
		} else if (kind < 6) {
			gen_ws(b, 2);
			buf_addch(b, rnd(2) ? '#' : '!');
			gen_text(b, rnd(8), 0);
			if (rnd(4) == 0)
				buf_addch(b, '\\');
		} else if (kind == 6) {
			gen_ws(b, 2);
			buf_addch(b, '\\'); /* a line that is only a continuation */
			buf_addstr(b, gen_eol(style));
			gen_ws(b, 2);
			if (rnd(2))
				buf_addch(b, rnd(2) ? '#' : '!');
			gen_text(b, rnd(5), style);
		} else {
			gen_ws(b, 2);
			if (rnd(2))
				buf_addstr(b, pool[rnd(nitems(pool))]);
			else
				gen_text(b, 1 + rnd(6), style);
			buf_addstr(b, seps[rnd(nitems(seps))]);
			gen_text(b, rnd(10), style);
			if (rnd(6) == 0)
				gen_ws(b, 2); /* trailing whitespace */
			if (rnd(10) == 0)
				buf_addch(b, '\\');
		}
		if (i + 1 < nlines || rnd(5) != 0)
			buf_addstr(b, gen_eol(style));
	}
	if (rnd(50) == 0)
		buf_addstr(b, "bad=\\u12g4\n"); /* Java throws */
	if (rnd(30) == 0)
		buf_addstr(b, "\\");
}

static int
write_file(const char *path, const char *data, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "props-dump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int
generate(const char *seed, const char *count, const char *dir)
{
	struct buf b = BUF_INIT;
	char *path;
	long n, i;
	int r = 0;

	if (str_to_long(count, &n) != 0 || n < 0)
		return 1;
	rng_state = strtoull(seed, NULL, 10);
	for (i = 0; i < n && r == 0; i++) {
		buf_reset(&b);
		gen_file(&b);
		path = xasprintf("%s/gen-%s-%04ld.properties", dir, seed, i);
		r = write_file(path, b.data ? b.data : "", b.len);
		free(path);
	}
	buf_free(&b);
	return r;
}

/* --- random edits ---------------------------------------------------------- */

static const char *const edit_chars[] = {
	"a", "b", "z", "0", ".", " ", " ", "\t", "\n", "\r", "\f", "\\", "\\",
	"=", ":", "#", "!", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
	"\x01", "\x7f", "\\u0041", "\\\n",
};

static char *
gen_string(uint32_t max)
{
	struct buf b = BUF_INIT;
	uint32_t i, n = rnd(max + 1);

	buf_addstr(&b, "");
	if (rnd(4) == 0)
		buf_addstr(&b, rnd(2) ? "  " : " "); /* leading spaces */
	for (i = 0; i < n; i++)
		buf_addstr(&b, edit_chars[rnd(nitems(edit_chars))]);
	return buf_detach(&b);
}

static int
edit(const char *seed, const char *in, const char *out)
{
	struct props *p;
	struct buf b = BUF_INIT;
	struct kv *kv;
	char *key, *value, *cause = NULL;
	size_t n, i;
	uint32_t e, nedits;
	int r = 0;

	rng_state = strtoull(seed, NULL, 10);
	if (load_file(in, &p) != 0)
		return 1;
	if (p == NULL)
		return 2;
	kv = props_to_kv(p, &n);
	nedits = 1 + rnd(4);
	for (e = 0; e < nedits; e++) {
		if (n > 0 && rnd(10) < 6)
			key = xstrdup(kv[rnd((uint32_t)n)].key);
		else
			key = gen_string(6);
		value = rnd(8) == 0 ? xstrdup("") : gen_string(12);
		if (props_set(p, key, value, &cause) != 0) {
			fprintf(stderr, "props-dump: %s: %s\n", in, cause);
			free(cause);
			free(key);
			free(value);
			r = 3;
			break;
		}
		for (i = 0; i < n; i++)
			if (strcmp(kv[i].key, key) == 0)
				break;
		if (i == n) {
			kv = xreallocarray(kv, ++n, sizeof *kv);
			kv[i].key = key;
		} else {
			free(key);
			free(kv[i].value);
		}
		kv[i].value = value;
	}
	if (r == 0 && (r = props_serialize(p, &b)) == 0) {
		r = write_file(out, b.data, b.len);
		if (r == 0)
			print_dump(out, kv, n);
	}
	free_kv(kv, n);
	buf_free(&b);
	props_free(p);
	return r;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--generate") == 0)
		return generate(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "--edit") == 0)
		return edit(argv[2], argv[3], argv[4]);
	if (argc >= 2 && argv[1][0] != '-')
		return dump_files(argc - 1, argv + 1);
	fprintf(stderr, "usage: props-dump FILE...\n"
	    "       props-dump --generate SEED N DIR\n"
	    "       props-dump --edit SEED IN OUT\n");
	return 1;
}
