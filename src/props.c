/*
 * props.c - Java properties files, read as Java reads them and edited in
 * place.
 *
 * Design.  The object keeps the file itself, every byte, in one buffer: it is
 * the only copy of the text, and props_serialize() hands it back unchanged.
 * Parsing does not build a tree of the file; it runs over the bytes with
 * read_logical(), a transcription of the JDK's Properties.LineReader
 * (JDK 9 and later), and split_line()/decode(), transcriptions of load0()
 * and loadConvert().  For each distinct key it remembers the decoded value
 * that wins (the last entry) and where that entry lies in the buffer: the
 * offset of its first character and the offset just past the last character
 * the line reader took from it (an array in order of first appearance,
 * found by key through the string map, strmap.h).  Comments, blank lines,
 * line endings and earlier duplicates are never looked at again: they are
 * simply the bytes between entries.
 *
 * An edit splices the buffer: the winning entry's byte range is replaced by
 * the entry's logical prefix (key text, separator and whitespace, as the
 * line reader saw them, so a continued entry becomes one line) and the new
 * value escaped; a new key is appended at the end.  The new text is then
 * parsed again from scratch and accepted only if the key has the new value
 * and every other key its old one, so line numbers and offsets are always
 * those of a fresh parse and an edit can never silently change another key
 * (say, by joining a line that ended in a backslash at the end of the file).
 *
 * Java details followed on purpose: a '#' or '!' starts a comment only as
 * the first character of a logical line (after a continuation that left the
 * line empty too, as JDK 9+ do; JDK 8 read such a line as a key); comment
 * lines never continue; "\r\n" after a continuation backslash is one break,
 * elsewhere '\r' alone is a line break; a backslash at the very end of the
 * file is dropped.  Bytes >= 0x80 are never special and are kept as they are
 * (see props.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "strmap.h"
#include "util.h"

struct props_key {
	char *key;    /* decoded */
	char *value;  /* decoded value of the winning entry */
	size_t start; /* winning entry: offset of its first character */
	size_t end;   /* just past the last character the reader took */
	int line;     /* line of start, 1-based */
	int secret;
};

struct props {
	char *origin;
	struct buf text; /* the whole file, every byte */
	struct props_key *keys; /* in order of first appearance */
	size_t nkeys, capkeys;
	struct strmap *index;   /* key -> position in keys */
};

/* Properties.LineReader over a byte buffer, plus line counting. */
struct reader {
	const char *p;
	size_t len;
	size_t off;
	size_t line_off; /* line counting has reached this offset ... */
	int lineno;      /* ... which is on this line */
};

static void
reader_init(struct reader *r, const char *p, size_t len, size_t off)
{
	r->p = p;
	r->len = len;
	r->off = off;
	r->line_off = 0;
	r->lineno = 1;
}

/* The line of offset off; offsets must be asked in increasing order. */
static int
reader_line_at(struct reader *r, size_t off)
{
	char c;

	while (r->line_off < off) {
		c = r->p[r->line_off++];
		if (c == '\n' || (c == '\r' && (r->line_off >= r->len ||
		    r->p[r->line_off] != '\n')))
			r->lineno++;
	}
	return r->lineno;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/*
 * Reads the next logical line into lb (continuations joined, the leading
 * whitespace of each physical line dropped), as LineReader.readLine() does.
 * Returns 0 at the end of the input, else 1 with *start the offset of the
 * line's first character and *end the offset just past the last character
 * taken into it (a continuation backslash included).  lb may be empty on
 * return: Java reads a lone backslash at the end of the file as an entry
 * with an empty key.
 */
static int
read_logical(struct reader *r, struct buf *lb, size_t *start, size_t *end)
{
	const char *p = r->p;
	int skip = 1, appended = 0, bs = 0;
	char c;

	lb->len = 0;
	for (;;) {
		if (r->off >= r->len) {
			if (lb->len == 0)
				return 0;
			if (bs)
				lb->len--;
			return 1;
		}
		c = p[r->off++];
		if (skip) {
			if (is_ws(c))
				continue;
			if (!appended && (c == '\r' || c == '\n'))
				continue;
			skip = 0;
			appended = 0;
		}
		if (lb->len == 0 && (c == '#' || c == '!')) {
			/* a comment runs to the end of its line, never further */
			while (r->off < r->len) {
				c = p[r->off++];
				if (c == '\r' || c == '\n')
					break;
			}
			skip = 1;
			continue;
		}
		if (c != '\n' && c != '\r') {
			/* the rest of the physical line, in one piece; bs is 0
			 * here (a line starts, or a continuation reset it), so
			 * it ends as the parity of the trailing backslashes */
			size_t from = r->off - 1, to = r->off, k;

			while (to < r->len && p[to] != '\n' && p[to] != '\r')
				to++;
			if (lb->len == 0)
				*start = from;
			if (buf_add(lb, p + from, to - from) != 0)
				fatal("properties line buffer over its cap");
			for (k = to; k > from && p[k - 1] == '\\'; k--)
				bs = !bs;
			r->off = to;
			*end = to;
			continue;
		}
		if (lb->len == 0) {
			skip = 1;
			continue;
		}
		if (r->off >= r->len) {
			if (bs)
				lb->len--;
			return 1;
		}
		if (!bs)
			return 1;
		/* a continuation: the backslash goes, the next line joins */
		lb->len--;
		skip = 1;
		appended = 1;
		bs = 0;
		if (c == '\r' && p[r->off] == '\n')
			r->off++;
	}
}

/*
 * Splits a logical line as Properties.load0() does: the key ends at the first
 * unescaped '=', ':' or whitespace; then whitespace and at most one '=' or
 * ':' are skipped.
 */
static void
split_line(const char *s, size_t n, size_t *keylen, size_t *valstart,
    int *hassep)
{
	size_t k = 0, v = n;
	int bs = 0, sep = 0;
	char c;

	for (; k < n; k++) {
		c = s[k];
		if ((c == '=' || c == ':') && !bs) {
			v = k + 1;
			sep = 1;
			break;
		}
		if (is_ws(c) && !bs) {
			v = k + 1;
			break;
		}
		bs = c == '\\' ? !bs : 0;
	}
	for (; v < n; v++) {
		c = s[v];
		if (!is_ws(c)) {
			if (sep || (c != '=' && c != ':'))
				break;
			sep = 1;
		}
	}
	*keylen = k;
	*valstart = v;
	if (hassep != NULL)
		*hassep = sep;
}

static void
put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		/* surrogates too: a lone one is kept in its WTF-8 form */
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (buf_add(b, u, n) != 0)
		fatal("properties value buffer over its cap");
}

/*
 * Decodes escapes as Properties.loadConvert() does, into UTF-8.  Returns 0,
 * or -1 with *why set for a malformed \uxxxx escape or a \u0000.
 */
static int
decode(const char *s, size_t n, struct buf *out, const char **why)
{
	size_t i = 0;
	uint32_t high = 0, u;
	int j, h;
	char c;

	buf_reset(out);
	if (buf_add(out, "", 0) != 0) /* data is never NULL */
		fatal("properties value buffer over its cap");
	if (n == 0)
		return 0;
	if (memchr(s, '\\', n) == NULL) {
		/* nothing to decode, the common case */
		if (buf_add(out, s, n) != 0)
			fatal("properties value buffer over its cap");
		return 0;
	}
	while (i < n) {
		c = s[i++];
		if (c == '\\' && i < n && s[i] == 'u') {
			i++;
			if (n - i < 4) {
				*why = "malformed \\uxxxx encoding";
				return -1;
			}
			for (u = 0, j = 0; j < 4; j++) {
				if ((h = hex_value(s[i++])) < 0) {
					*why = "malformed \\uxxxx encoding";
					return -1;
				}
				u = u << 4 | (uint32_t)h;
			}
			if (high != 0 && u >= 0xdc00 && u <= 0xdfff) {
				put_utf8(out, 0x10000 + ((high - 0xd800) << 10) +
				    (u - 0xdc00));
				high = 0;
				continue;
			}
			if (high != 0)
				put_utf8(out, high);
			high = 0;
			if (u >= 0xd800 && u <= 0xdbff) {
				high = u;
				continue;
			}
			if (u == 0) {
				*why = "\\u0000 (a NUL character) is not supported";
				return -1;
			}
			put_utf8(out, u);
			continue;
		}
		if (high != 0)
			put_utf8(out, high);
		high = 0;
		if (c == '\\' && i < n) {
			switch ((c = s[i++])) {
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 'f':
				c = '\f';
				break;
			}
		}
		/* (a backslash cannot end a key or a value: see split_line) */
		if (buf_addch(out, c) != 0)
			fatal("properties value buffer over its cap");
	}
	if (high != 0)
		put_utf8(out, high);
	return 0;
}

/* --- the key table --------------------------------------------------------- */

static struct props_key *
lookup(const struct props *p, const char *key)
{
	size_t i;

	if (p == NULL || key == NULL)
		return NULL;
	i = strmap_get(p->index, key);
	return i == STRMAP_NONE ? NULL : &p->keys[i];
}

static void
key_clear(struct props_key *k)
{
	if (k->secret)
		wipe(k->value, strlen(k->value));
	free(k->key); /* key and value: one block */
}

/* Records an entry; a later one for the same key wins.  (An entry_fn.) */
static void
put_entry(void *arg, const char *key, const char *value, const char *raw,
    size_t rawlen, size_t start, size_t end, int line)
{
	struct props *p = arg;
	struct props_key *k;
	size_t lk = strlen(key) + 1, lv = strlen(value) + 1, i;
	char *rawcopy, *name = xmalloc(lk + lv);

	memcpy(name, key, lk);
	memcpy(name + lk, value, lv);
	if (p->nkeys == p->capkeys) {
		p->capkeys = p->capkeys ? p->capkeys * 2 : 64;
		p->keys = xreallocarray(p->keys, p->capkeys, sizeof *p->keys);
	}
	if ((i = strmap_add(p->index, name, p->nkeys)) != STRMAP_NONE) {
		/* a later entry of a key: it wins; the index holds name */
		k = &p->keys[i];
		key_clear(k);
	} else {
		k = &p->keys[p->nkeys++];
		k->secret = is_secret_key(key);
	}
	k->key = name;
	k->value = name + lk;
	k->start = start;
	k->end = end;
	k->line = line;
	if (k->secret) {
		/* the value, and its escaped spelling in the file */
		secret_register(value);
		rawcopy = xstrndup(raw, rawlen);
		secret_register(rawcopy);
		free_secret(rawcopy);
	}
}

/* --- parsing --------------------------------------------------------------- */

/* NUL bytes and size caps, checked before anything else. */
static int
check_limits(const char *data, size_t len, const char *origin, char **cause)
{
	size_t i, n = len > PROPS_MAX_SIZE ? PROPS_MAX_SIZE : len;
	size_t line_start = 0;
	int line = 1;
	char c;

	for (i = 0; i < n; i++) {
		c = data[i];
		if (c == '\n' || c == '\r') {
			if (c == '\r' && i + 1 < n && data[i + 1] == '\n')
				i++;
			line++;
			line_start = i + 1;
			continue;
		}
		if (c == '\0')
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: binary data (NUL byte)", origin, line);
		if (i - line_start >= PROPS_MAX_LINE)
			return set_cause(cause, JF_ERR_TOOBIG,
			    "%s:%d: line longer than %zu bytes", origin, line,
			    PROPS_MAX_LINE);
	}
	if (len > PROPS_MAX_SIZE)
		return set_cause(cause, JF_ERR_TOOBIG,
		    "%s:%d: file larger than %zu bytes (16 MiB)", origin, line,
		    PROPS_MAX_SIZE);
	return 0;
}

/*
 * Reads every entry of text, in order, and hands each to fn: put_entry()
 * records them, check_entry() compares them with an earlier parse.
 */
typedef void entry_fn(void *arg, const char *key, const char *value,
    const char *raw, size_t rawlen, size_t start, size_t end, int line);

static int
load(const char *text, size_t len, const char *origin, entry_fn *fn,
    void *arg, char **cause)
{
	struct reader rd;
	struct buf lb = BUF_INIT, kb = BUF_INIT, vb = BUF_INIT;
	size_t start = 0, end = 0, keylen, valstart;
	const char *why = NULL;
	int line, r = 0;

	lb.secret = kb.secret = vb.secret = 1;
	reader_init(&rd, text, len, 0);
	while (read_logical(&rd, &lb, &start, &end)) {
		line = reader_line_at(&rd, start);
		split_line(lb.data, lb.len, &keylen, &valstart, NULL);
		if (decode(lb.data, keylen, &kb, &why) != 0 ||
		    decode(lb.data + valstart, lb.len - valstart, &vb,
		    &why) != 0) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: %s",
			    origin, line, why);
			goto out;
		}
		fn(arg, kb.data, vb.data, lb.data + valstart,
		    lb.len - valstart, start, end, line);
	}
out:
	buf_free(&lb);
	buf_free(&kb);
	buf_free(&vb);
	return r;
}

/* Parses text, which it takes (leaving *text empty) and which passed
 * check_limits(), into a new object; returns 0 or a negative enum jf_err. */
static int
parse_owned(struct buf *text, const char *origin, struct props **out,
    char **cause)
{
	struct props *p;
	int r;

	p = xcalloc(1, sizeof *p);
	p->origin = xstrdup(origin);
	p->index = strmap_new();
	p->text = *text;
	p->text.secret = 1;
	buf_init(text, 0);
	if (p->text.data == NULL && buf_add(&p->text, "", 0) != 0)
		fatal("properties text over its cap");
	if ((r = load(p->text.data, p->text.len, p->origin, put_entry, p,
	    cause)) != 0) {
		props_free(p);
		return r;
	}
	*out = p;
	return 0;
}

struct props *
props_parse(const char *data, size_t len, const char *origin, char **cause)
{
	struct props *p = NULL;
	struct buf b = BUF_INIT;

	if (origin == NULL)
		origin = "(properties)";
	if (data == NULL && len != 0) {
		set_cause(cause, JF_ERR_USAGE, "%s: no data", origin);
		return NULL;
	}
	if (check_limits(data, len, origin, cause) != 0)
		return NULL;
	b.secret = 1;
	if (buf_add(&b, data ? data : "", len) != 0)
		fatal("properties text over its cap");
	parse_owned(&b, origin, &p, cause);
	return p;
}

struct props *
props_parse_buf(struct buf *text, const char *origin, char **cause)
{
	struct props *p = NULL;

	if (origin == NULL)
		origin = "(properties)";
	if (check_limits(text->data, text->len, origin, cause) != 0) {
		buf_free(text);
		return NULL;
	}
	parse_owned(text, origin, &p, cause);
	return p;
}

static void
props_clear(struct props *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		key_clear(&p->keys[i]);
	free(p->keys);
	strmap_free(p->index);
	buf_free(&p->text);
	free(p->origin);
}

void
props_free(struct props *p)
{
	if (p == NULL)
		return;
	props_clear(p);
	free(p);
}

const char *
props_get(const struct props *p, const char *key)
{
	const struct props_key *k = lookup(p, key);

	return k == NULL ? NULL : k->value;
}

int
props_line(const struct props *p, const char *key)
{
	const struct props_key *k = lookup(p, key);

	return k == NULL ? 0 : k->line;
}

size_t
props_count(const struct props *p)
{
	return p == NULL ? 0 : p->nkeys;
}

const char *
props_key_at(const struct props *p, size_t i)
{
	if (p == NULL || i >= p->nkeys)
		return NULL;
	return p->keys[i].key;
}

int
props_serialize(const struct props *p, struct buf *out)
{
	return buf_add(out, p->text.data, p->text.len);
}

/* --- editing --------------------------------------------------------------- */

/*
 * The code point of a valid UTF-8 sequence at s and its length; 0 if none.
 * A surrogate (WTF-8, as decode() makes of a lone \uD800) counts as valid.
 */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c = s[0], min;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/*
 * Escapes a key or a value so that Java reads it back exactly: backslashes,
 * line breaks, tabs and form feeds always; in a key every space, '=', ':',
 * '#' and '!' too; in a value only a leading space, '=' or ':' (which the
 * reader would skip as part of the separator).  Other control characters and
 * every valid UTF-8 character beyond ASCII become \uXXXX (a lone surrogate
 * too); bytes that are not UTF-8 are written as they are (the parser gives
 * them back unchanged), and so is a high surrogate followed by a low one in
 * their 3-byte forms, which \u escapes would turn into one character.
 */
static void
escape(struct buf *b, const char *s, int is_key)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp, low;
	size_t i, n;
	char c;

	for (i = 0; u[i] != '\0'; i += n) {
		n = 1;
		c = (char)u[i];
		switch (c) {
		case '\\':
			buf_addstr(b, "\\\\");
			continue;
		case '\t':
			buf_addstr(b, "\\t");
			continue;
		case '\n':
			buf_addstr(b, "\\n");
			continue;
		case '\r':
			buf_addstr(b, "\\r");
			continue;
		case '\f':
			buf_addstr(b, "\\f");
			continue;
		case ' ':
		case '=':
		case ':':
			if (is_key || i == 0)
				buf_addch(b, '\\');
			buf_addch(b, c);
			continue;
		case '#':
		case '!':
			if (is_key)
				buf_addch(b, '\\');
			buf_addch(b, c);
			continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			buf_printf(b, "\\u%04X", u[i]);
			continue;
		}
		if (u[i] < 0x80 || (n = utf8_next(u + i, &cp)) == 0) {
			n = 1;
			buf_addch(b, c);
			continue;
		}
		if (cp >= 0xd800 && cp <= 0xdbff && utf8_next(u + i + 3,
		    &low) == 3 && low >= 0xdc00 && low <= 0xdfff) {
			n = 6;
			buf_add(b, u + i, n);
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_printf(b, "\\u%04X\\u%04X", 0xd800 + (cp >> 10),
			    0xdc00 + (cp & 0x3ff));
		} else
			buf_printf(b, "\\u%04X", cp);
	}
}

/* The file's line ending: that of its first line, else "\n". */
static const char *
line_ending(const struct buf *t)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		if (t->data[i] == '\n')
			return "\n";
		if (t->data[i] == '\r')
			return i + 1 < t->len && t->data[i + 1] == '\n' ?
			    "\r\n" : "\r";
	}
	return "\n";
}

/* The text with the winning entry of k rewritten to hold value. */
static void
rewrite_entry(const struct props *p, const struct props_key *k,
    const char *value, struct buf *nt)
{
	struct reader rd;
	struct buf lb = BUF_INIT;
	size_t start = 0, end = 0, keylen, valstart;

	lb.secret = 1;
	reader_init(&rd, p->text.data, p->text.len, k->start);
	if (!read_logical(&rd, &lb, &start, &end) || start != k->start ||
	    end != k->end)
		fatal("properties entry of \"%s\" moved", k->key);
	split_line(lb.data, lb.len, &keylen, &valstart, NULL);
	buf_add(nt, p->text.data, k->start);
	buf_add(nt, lb.data, valstart);
	if (valstart == lb.len && keylen == lb.len)
		buf_addch(nt, '='); /* "key" alone had no separator */
	escape(nt, value, 0);
	buf_add(nt, p->text.data + k->end, p->text.len - k->end);
	buf_free(&lb);
}

/*
 * The text with "key=value" added.  Attempt 0 appends it at the end; 1 adds
 * one more line break first, to end a continuation that the file's last
 * line left open; 2 inserts it before the line where the last entry starts
 * (for a file that ends in a lone backslash: Java reads that as an entry
 * with an empty key, which any text after it would change).
 */
static void
add_entry(const struct props *p, const char *key, const char *value,
    int attempt, struct buf *nt)
{
	const char *eol = line_ending(&p->text), *t = p->text.data;
	size_t i, at = p->text.len;

	if (attempt == 2) {
		for (at = 0, i = 0; i < p->nkeys; i++)
			if (p->keys[i].start > at)
				at = p->keys[i].start;
		while (at > 0 && t[at - 1] != '\n' && t[at - 1] != '\r')
			at--;
	}
	buf_add(nt, t, at);
	if (at > 0 && t[at - 1] != '\n' && t[at - 1] != '\r')
		buf_addstr(nt, eol);
	if (attempt == 1)
		buf_addstr(nt, eol);
	escape(nt, key, 1);
	buf_addch(nt, '=');
	escape(nt, value, 0);
	buf_addstr(nt, eol);
	buf_add(nt, t + at, p->text.len - at);
}

/*
 * Did the edit set key to value and leave every other key as it was?  The
 * new text is read entry by entry against the old object, without building
 * a second one (job.conf may have 200,000 keys): for each old key, whether
 * its last entry so far keeps its value; the same for the edited key and
 * its new value; any other key fails.
 */
struct edit_check {
	const struct props *old;
	const char *key, *value;
	unsigned char *same; /* per old key: 0 unseen, 1 same value, 2 not */
	int edited;          /* the same for the edited key and value */
	int extra;           /* a key neither old nor edited appeared */
};

static void
check_entry(void *arg, const char *key, const char *value, const char *raw,
    size_t rawlen, size_t start, size_t end, int line)
{
	struct edit_check *c = arg;
	size_t i;

	(void)raw;
	(void)rawlen;
	(void)start;
	(void)end;
	(void)line;
	if (strcmp(key, c->key) == 0) {
		c->edited = strcmp(value, c->value) == 0 ? 1 : 2;
		return;
	}
	if ((i = strmap_get(c->old->index, key)) == STRMAP_NONE) {
		c->extra = 1;
		return;
	}
	c->same[i] = strcmp(value, c->old->keys[i].value) == 0 ? 1 : 2;
}

/* Returns 1 if the text is the exact edit, 0 if not, or a negative
 * enum jf_err if it does not parse. */
static int
edit_is_exact(const struct props *old, const struct buf *text,
    const char *key, const char *value, char **cause)
{
	struct edit_check c;
	size_t i, edited;
	int r;

	memset(&c, 0, sizeof c);
	c.old = old;
	c.key = key;
	c.value = value;
	c.same = xcalloc(old->nkeys + 1, 1);
	if ((r = load(text->data, text->len, old->origin, check_entry, &c,
	    cause)) != 0)
		goto out;
	edited = strmap_get(old->index, key); /* its same[] stays 0 */
	r = !c.extra && c.edited == 1;
	for (i = 0; r && i < old->nkeys; i++)
		if (c.same[i] != 1 && i != edited)
			r = 0;
out:
	free(c.same);
	return r;
}

int
props_set(struct props *p, const char *key, const char *value, char **cause)
{
	const struct props_key *k;
	struct props *np = NULL;
	struct buf nt;
	char *origin;
	int attempt, r, exact = 0;

	if (p == NULL || key == NULL || value == NULL)
		return set_cause(cause, JF_ERR_USAGE, "props_set: no %s",
		    p == NULL ? "object" : key == NULL ? "key" : "value");
	if (strlen(key) > PROPS_MAX_LINE || strlen(value) > PROPS_MAX_LINE)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: setting \"%.64s\": "
		    "key or value longer than %zu bytes", p->origin, key,
		    PROPS_MAX_LINE);
	k = lookup(p, key);
	if (k != NULL && strcmp(k->value, value) == 0)
		return 0;
	buf_init(&nt, 0);
	for (attempt = 0; attempt < 3 && !exact; attempt++) {
		if (k != NULL && attempt > 0)
			break;
		buf_free(&nt);
		nt.secret = 1;
		if (k != NULL)
			rewrite_entry(p, k, value, &nt);
		else
			add_entry(p, key, value, attempt, &nt);
		/* a cap or a parse error: the text was made to parse */
		if ((r = check_limits(nt.data, nt.len, p->origin, cause)) != 0 ||
		    (r = edit_is_exact(p, &nt, key, value, cause)) < 0) {
			buf_free(&nt);
			return r;
		}
		exact = r;
	}
	if (!exact) {
		buf_free(&nt);
		return set_cause(cause, JF_ERR_USAGE, "%s: setting \"%s\" would "
		    "change another key or not read back", p->origin, key);
	}
	/* the new text read as it was checked: its own fresh parse, built
	 * after the old one is gone, so two never live at once */
	origin = xstrdup(p->origin);
	props_clear(p);
	if (parse_owned(&nt, origin, &np, cause) != 0)
		fatal("properties: the edited text of %s no longer parses",
		    origin);
	free(origin);
	*p = *np;
	free(np);
	return 0;
}
