/*
 * test-props.c - Java properties: what props_get() reads (checked against
 * java.util.Properties by 05-props-java.sh as well), byte-exact round trips,
 * errors, and the exact text props_set() writes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "tap.h"
#include "util.h"

#define ORIGIN "job.conf"

static struct props *
parse_n(const char *s, size_t n)
{
	char *cause = NULL;
	struct props *p = props_parse(s, n, ORIGIN, &cause);

	if (p == NULL)
		printf("# parse failed: %s\n", cause);
	free(cause);
	return p;
}

static struct props *
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* s parses and serializes back to exactly s. */
static void
round_trip_n(const char *s, size_t n, const char *name)
{
	struct props *p = parse_n(s, n);
	struct buf b = BUF_INIT;

	if (!ok(p != NULL, "%s: parses", name))
		return;
	ok(props_serialize(p, &b) == 0 && b.len == n &&
	    memcmp(b.data, s, n) == 0, "%s: round trip is byte-exact", name);
	buf_free(&b);
	props_free(p);
}

static void
round_trip(const char *s, const char *name)
{
	round_trip_n(s, strlen(s), name);
}

/* in parses with key = value (NULL: absent). */
static void
get_is(const char *in, const char *key, const char *want, const char *name)
{
	struct props *p = parse(in);

	if (!ok(p != NULL, "%s: parses", name))
		return;
	is_str(props_get(p, key), want, "%s", name);
	props_free(p);
}

/* Setting key to value in in gives exactly want, which reads back. */
static void
set_is(const char *in, const char *key, const char *value, const char *want,
    const char *name)
{
	struct props *p = parse(in), *q;
	struct buf b = BUF_INIT;
	char *cause = NULL;
	int r;

	if (!ok(p != NULL, "%s: parses", name))
		return;
	r = props_set(p, key, value, &cause);
	if (!ok(r == 0, "%s: props_set", name))
		printf("#   %s\n", cause);
	props_serialize(p, &b);
	is_str(b.data, want, "%s: text", name);
	is_str(props_get(p, key), value, "%s: value in the object", name);
	q = parse_n(b.data, b.len);
	ok(q != NULL && props_get(q, key) != NULL &&
	    strcmp(props_get(q, key), value) == 0, "%s: reads back", name);
	props_free(q);
	props_free(p);
	buf_free(&b);
	free(cause);
}

static void
error_is(const char *s, size_t n, const char *want,
    const char *name)
{
	char *cause = NULL;
	struct props *p = props_parse(s, n, ORIGIN, &cause);

	ok(p == NULL, "%s: refused", name);
	is_str(cause, want, "%s: message", name);
	props_free(p);
	free(cause);
}

static void
test_separators(void)
{
	const char *in = "a=1\nb:2\nc 3\nd\t4\ne\f5\nf = 6\ng : 7\nh   8\n"
	    "i=\nj\nk =\n  l  =  9  \nm:=10\nn==11\no = = 12\np \t:\t 13\n"
	    "q=:14\n";
	struct props *p = parse(in);

	if (!ok(p != NULL, "separators parse"))
		return;
	is_str(props_get(p, "a"), "1", "'=' separates");
	is_str(props_get(p, "b"), "2", "':' separates");
	is_str(props_get(p, "c"), "3", "' ' separates");
	is_str(props_get(p, "d"), "4", "tab separates");
	is_str(props_get(p, "e"), "5", "form feed separates");
	is_str(props_get(p, "f"), "6", "' = ' separates");
	is_str(props_get(p, "g"), "7", "' : ' separates");
	is_str(props_get(p, "h"), "8", "several spaces separate");
	is_str(props_get(p, "i"), "", "'i=' is empty");
	is_str(props_get(p, "j"), "", "a key alone is empty");
	is_str(props_get(p, "k"), "", "'k =' is empty");
	is_str(props_get(p, "l"), "9  ", "leading whitespace skipped, "
	    "trailing kept");
	is_str(props_get(p, "m"), "=10", "':=' takes only ':'");
	is_str(props_get(p, "n"), "=11", "'==' takes only one '='");
	is_str(props_get(p, "o"), "= 12", "' = = ' takes only one '='");
	is_str(props_get(p, "p"), "13", "whitespace around ':'");
	is_str(props_get(p, "q"), ":14", "'=:' keeps ':'");
	is_int(props_count(p), 17, "17 keys");
	is_str(props_get(p, "x"), NULL, "absent key is NULL");
	is_int(props_line(p, "x"), 0, "absent key is on line 0");
	is_int(props_line(p, "a"), 1, "line of a");
	is_int(props_line(p, "q"), 17, "line of q");
	props_free(p);
	round_trip(in, "separators");
}

static void
test_escapes(void)
{
	get_is("t=\\t\\n\\r\\f\\\\\\a\\b\\=\\:\\ \\#\\!\\\"\n", "t",
	    "\t\n\r\f\\ab=: #!\"", "escapes \\t \\n \\r \\f \\\\ and \\x");
	get_is("u=\\u0041\\u00e9\\u4E2D\n", "u", "A\xc3\xa9\xe4\xb8\xad",
	    "\\uXXXX to UTF-8, either case");
	get_is("u=\\uD83D\\uDE00!\n", "u", "\xf0\x9f\x98\x80!",
	    "a surrogate pair is one character");
	get_is("u=\\ud800x\n", "u", "\xed\xa0\x80x",
	    "a lone surrogate is kept (WTF-8)");
	get_is("u=\\uD83D\\uD83D\\uDE00\n", "u",
	    "\xed\xa0\xbd\xf0\x9f\x98\x80", "high, then a pair");
	get_is("raw=\xc3\xa9\xe4\xb8\xad\xff\n", "raw",
	    "\xc3\xa9\xe4\xb8\xad\xff", "raw bytes kept as they are");
	get_is("\\u006b\\u0065y=v\n", "key", "v", "escapes in a key");
	get_is("s=\\ \\ lead\n", "s", "  lead", "escaped leading spaces");
	get_is("a=\\q\\\xc3\xa9\n", "a", "q\xc3\xa9", "unknown escapes drop "
	    "the backslash");
	get_is("\\u00e9=1\n", "\xc3\xa9", "1", "escaped non-ASCII key");
	get_is("# \\uZZZZ\na=1\n", "a", "1", "escapes in comments are not "
	    "read");
	error_is("a=1\nb=\\u12", 10,
	    ORIGIN ":2: malformed \\uxxxx encoding", "short \\u");
	error_is("a=\\uXYZW\n", 9,
	    ORIGIN ":1: malformed \\uxxxx encoding", "bad hex in \\u");
	error_is("\\u00g1=1\n", 9,
	    ORIGIN ":1: malformed \\uxxxx encoding", "bad \\u in a key");
	error_is("a=\\u0000\n", 9,
	    ORIGIN ":1: \\u0000 (a NUL character) is not supported",
	    "\\u0000");
	round_trip("t=\\t\\u0041\\uD83D\\uDE00\\\\\n", "escapes");
}

static void
test_continuation(void)
{
	const char *in = "a=one \\\n    two\\\n\tthree\nb=x\\\n\ny=z\n"
	    "c = \\\n  \\\n  end\nd\\\n  e=split key\nf \\\n  = next line\n";
	struct props *p = parse(in);

	if (!ok(p != NULL, "continuations parse"))
		return;
	is_str(props_get(p, "a"), "one twothree", "leading whitespace of "
	    "continued lines dropped");
	is_str(props_get(p, "b"), "x", "a blank continued line ends it");
	is_str(props_get(p, "y"), "z", "next entry after it");
	is_str(props_get(p, "c"), "end", "continued empty lines");
	is_str(props_get(p, "de"), "split key", "a continued key");
	is_str(props_get(p, "f"), "next line", "separator on the next line");
	is_int(props_line(p, "a"), 1, "continued entry starts on line 1");
	is_int(props_line(p, "y"), 6, "line after it counted");
	is_int(props_line(p, "f"), 12, "line of f");
	props_free(p);
	round_trip(in, "continuations");

	get_is("a=one \\  \nb=2\n", "a", "one   ",
	    "backslash then spaces is not a continuation");
	get_is("a=x\\\\\nb=2\n", "a", "x\\", "an escaped backslash at the end");
	get_is("a=x\\\\\\\n  y\n", "a", "x\\y", "three backslashes continue");
	get_is("a=1\nb=last\\", "b", "last", "backslash at EOF is dropped");
	get_is("a=1\nb=last\\\n", "b", "last", "continuation at EOF");
	get_is("a=1\n\\", "", "", "lone backslash at EOF: empty key");
	get_is("a=1\n\\\n", "", "", "lone backslash, newline at EOF");
	get_is("a=1\r\n\\\r\n", "", NULL, "... but not with CRLF (as Java)");
	get_is("\\\n\na=1\n", "", NULL, "lone backslash then a blank line");
	get_is("k=v\\\r\n", "k", "v", "CRLF continuation at EOF");
	get_is("a=1\\\n# not a comment\n", "a", "1# not a comment",
	    "'#' in a continued line is text");
	get_is("\\\n#c\nk=v\n", "k", "v", "'#' after an empty continuation "
	    "is a comment (JDK 9+)");
	get_is("\\\n#c\nk=v\n", "#c", NULL, "... not a key");
	round_trip("a=1\nb=last\\", "continuation at EOF");
	round_trip("a=one \\  \nb=2\n", "trailing spaces");
}

static void
test_comments(void)
{
	const char *in = "# c\n! c\n  # indented\n\t! tab\n#c \\\n"
	    "not.continued=1\na=b # not a comment\n!x=y\n#\n!\n";
	struct props *p = parse(in);

	if (!ok(p != NULL, "comments parse"))
		return;
	is_int(props_count(p), 2, "comments are not keys");
	is_str(props_get(p, "not.continued"), "1", "comments never continue");
	is_str(props_get(p, "a"), "b # not a comment", "'#' within a value");
	is_str(props_get(p, "!x"), NULL, "'!' starts a comment");
	is_int(props_line(p, "a"), 7, "line of a");
	props_free(p);
	round_trip(in, "comments");
	round_trip("a=1\n# end", "comment without final newline");
}

static void
test_keys(void)
{
	const char *in = "a\\:b=1\nc\\=d=2\ne\\ f=3\n\\#g=4\n\\!h=5\nx\\\\=6\n"
	    "y\\\\\\==7\n\\ lead=8\ntab\\tkey=9\nkey\nkey2   \n";
	struct props *p = parse(in);

	if (!ok(p != NULL, "escaped keys parse"))
		return;
	is_str(props_get(p, "a:b"), "1", "escaped ':' in a key");
	is_str(props_get(p, "c=d"), "2", "escaped '=' in a key");
	is_str(props_get(p, "e f"), "3", "escaped ' ' in a key");
	is_str(props_get(p, "#g"), "4", "escaped '#' starts a key");
	is_str(props_get(p, "!h"), "5", "escaped '!' starts a key");
	is_str(props_get(p, "x\\"), "6", "escaped backslash ends a key");
	is_str(props_get(p, "y\\="), "7", "backslash and '=' in a key");
	is_str(props_get(p, " lead"), "8", "escaped leading space");
	is_str(props_get(p, "tab\tkey"), "9", "\\t in a key");
	is_str(props_get(p, "key"), "", "key with no value");
	is_str(props_get(p, "key2"), "", "key and spaces, no value");
	props_free(p);
	round_trip(in, "escaped keys");
}

static void
test_endings(void)
{
	const char *crlf = "a=1\r\nb=2 \\\r\n  3\r\n\r\n# c\r\nc=\r\n";
	const char *cr = "a=1\rb=2\\\r  3\rc=4";
	const char *mixed = "a=1\r\nb=2\nc=3\rd=4\\\r\n e\n\r\nf=6";
	struct props *p;

	if ((p = parse(crlf)) != NULL) {
		is_str(props_get(p, "a"), "1", "CRLF: no CR in the value");
		is_str(props_get(p, "b"), "2 3", "CRLF continuation");
		is_str(props_get(p, "c"), "", "CRLF empty value");
		is_int(props_line(p, "c"), 6, "CRLF counted as one line break");
		props_free(p);
	}
	round_trip(crlf, "CRLF");
	if ((p = parse(cr)) != NULL) {
		is_str(props_get(p, "b"), "23", "CR alone ends a line");
		is_str(props_get(p, "c"), "4", "CR file, no final newline");
		is_int(props_line(p, "c"), 4, "CR counted as a line break");
		props_free(p);
	}
	round_trip(cr, "CR");
	if ((p = parse(mixed)) != NULL) {
		is_str(props_get(p, "d"), "4e", "mixed endings");
		is_int(props_line(p, "f"), 7, "mixed endings: line of f");
		props_free(p);
	}
	round_trip(mixed, "mixed endings");
	round_trip("a=1\nb=2", "no final newline");
	get_is("a=1\nb=2", "b", "2", "no final newline: last value");
	round_trip("\xef\xbb\xbfkey=v\n", "BOM");
	get_is("\xef\xbb\xbfkey=v\n", "\xef\xbb\xbfkey", "v",
	    "a BOM is part of the first key, as in Java");
	round_trip("\n\n  \n\t\f\n\r\n", "blank lines only");
	round_trip("a=\x01\x02\x7f\nb\x0b" "c=1\n", "control characters");
}

static void
test_duplicates(void)
{
	const char *in = "a=1\nb=2\na=3\nb\nc=x\nc=y\\\n z\n";
	struct props *p = parse(in);

	if (!ok(p != NULL, "duplicates parse"))
		return;
	is_str(props_get(p, "a"), "3", "the later a wins");
	is_str(props_get(p, "b"), "", "the later, empty b wins");
	is_str(props_get(p, "c"), "yz", "the later, continued c wins");
	is_int(props_line(p, "a"), 3, "line of the winning a");
	is_int(props_line(p, "c"), 6, "line of the winning c");
	is_int(props_count(p), 3, "three distinct keys");
	is_str(props_key_at(p, 0), "a", "first key");
	is_str(props_key_at(p, 1), "b", "second key");
	is_str(props_key_at(p, 2), "c", "third key");
	is_str(props_key_at(p, 3), NULL, "no fourth key");
	props_free(p);
	round_trip(in, "duplicates");
}

static void
test_empty_and_errors(void)
{
	struct props *p;
	struct buf b = BUF_INIT;
	char *big, *cause = NULL;
	size_t n, i;

	if ((p = parse("")) != NULL) {
		is_int(props_count(p), 0, "empty input: no keys");
		ok(props_serialize(p, &b) == 0 && b.len == 0,
		    "empty input serializes to nothing");
		props_free(p);
	}
	p = props_parse(NULL, 0, ORIGIN, NULL);
	ok(p != NULL && props_count(p) == 0, "NULL, 0 is empty input");
	props_free(p);
	props_free(NULL);
	is_str(props_get(NULL, "a"), NULL, "props_get(NULL)");
	is_int(props_count(NULL), 0, "props_count(NULL)");

	error_is("a=1\nb=\0c\n", 8,
	    ORIGIN ":2: binary data (NUL byte)", "NUL byte");
	error_is("a=1\r\n\r\n# x\0", 11,
	    ORIGIN ":3: binary data (NUL byte)", "NUL in a comment");

	/* one line of exactly 1 MiB is fine, one byte more is not */
	n = PROPS_MAX_LINE + 16;
	big = xmalloc(n);
	memset(big, 'x', n);
	memcpy(big, "a=1\nk=", 6);
	big[4 + PROPS_MAX_LINE] = '\n';
	p = props_parse(big, 4 + PROPS_MAX_LINE + 1, ORIGIN, &cause);
	ok(p != NULL && strlen(props_get(p, "k")) == PROPS_MAX_LINE - 2,
	    "a line of 1 MiB is read");
	props_free(p);
	big[4 + PROPS_MAX_LINE] = 'x';
	big[4 + PROPS_MAX_LINE + 1] = '\n';
	error_is(big, 4 + PROPS_MAX_LINE + 2,
	    ORIGIN ":2: line longer than 1048576 bytes", "huge line");
	error_is(big, n,
	    ORIGIN ":2: line longer than 1048576 bytes",
	    "huge line at EOF");
	free(big);

	/* more than 16 MiB of short lines */
	n = PROPS_MAX_SIZE + 10;
	big = xmalloc(n);
	for (i = 0; i < n; i++)
		big[i] = i % 8 == 7 ? '\n' : 'a';
	error_is(big, n,
	    ORIGIN ":2097153: file larger than 16777216 bytes (16 MiB)",
	    "more than 16 MiB");
	p = props_parse(big, PROPS_MAX_SIZE, ORIGIN, &cause);
	ok(p != NULL && props_count(p) == 1, "exactly 16 MiB is read");
	props_free(p);
	free(big);
	free(cause);
	buf_free(&b);
}

static void
test_secrets(void)
{
	struct props *p;
	char *cause = NULL, *s;

	secret_clear_all();
	p = parse("app.secret=abc\\=def\nijobs.amqp.password = pw\\u0041xyz\n"
	    "app.code=bk_job\n");
	s = redact("abc=def pwAxyz bk_job");
	is_str(s, "****** ****** bk_job", "secret values registered");
	free(s);
	s = redact("abc\\=def pw\\u0041xyz");
	is_str(s, "****** ******", "their escaped spelling too");
	free(s);
	ok(props_set(p, "app.secret", "n3w-s3cret", &cause) == 0,
	    "set a secret");
	s = redact("n3w-s3cret");
	is_str(s, "******", "the new secret is registered");
	free(s);
	props_free(p);
	free(cause);
	secret_clear_all();
}

static void
test_set_in_place(void)
{
	set_is("a=1\nb=2\n", "b", "3", "a=1\nb=3\n", "simple set");
	set_is("# head\n\n  key  :  old  \n# tail\n", "key", "new",
	    "# head\n\n  key  :  new\n# tail\n", "separator and whitespace kept");
	set_is("key\tvalue\n", "key", "v2", "key\tv2\n", "tab separator kept");
	set_is("a = one \\\n   two\nb=2\n", "a", "x", "a = x\nb=2\n",
	    "continued entry becomes one line");
	set_is("a = one \\\r\n   two\r\nb=2\r\n", "a", "x",
	    "a = x\r\nb=2\r\n", "continued CRLF entry");
	set_is("ke\\\n  y=v\n", "key", "n", "key=n\n", "continued key joined");
	set_is("f \\\n  = v\nz=1\n", "f", "w", "f = w\nz=1\n",
	    "separator on a continued line");
	set_is("a=1\r\nb=2\r\n", "b", "x", "a=1\r\nb=x\r\n", "CRLF kept");
	set_is("a=1", "a", "5", "a=5", "no final newline kept");
	set_is("a=1\na=2\n# c\n", "a", "3", "a=1\na=3\n# c\n",
	    "the winning duplicate is rewritten");
	set_is("key\n", "key", "v", "key=v\n", "key alone gets '='");
	set_is("key   \n", "key", "v", "key   v\n", "key and spaces");
	set_is("key=\n", "key", "v", "key=v\n", "empty value");
	set_is("key=v\n", "key", "", "key=\n", "set to empty");
	set_is("a=1\nb=last\\", "b", "x", "a=1\nb=x", "backslash at EOF");
	set_is("a=1\n\\\n", "", "x", "a=1\n=x\n", "the empty key");
	set_is("a=1\r\nb=x\\\r\n", "b", "y", "a=1\r\nb=y\r\n",
	    "CRLF continuation at EOF");
	set_is("k v\n", "k", "=x", "k \\=x\n", "leading '=' escaped");
	set_is("k=v\n", "k", ":x", "k=\\:x\n", "leading ':' escaped");
	set_is("k=v\n", "k", "  two", "k=\\  two\n", "leading spaces escaped");
	set_is("k=v\n", "k", "a b=c:d#e!f", "k=a b=c:d#e!f\n",
	    "inner specials left alone");
	set_is("k=v\n", "k", "C:\\dir\\", "k=C:\\\\dir\\\\\n",
	    "backslashes doubled");
	set_is("k=v\n", "k", "l1\nl2\r\tt\ff", "k=l1\\nl2\\r\\tt\\ff\n",
	    "line breaks, tabs and form feeds escaped");
	set_is("k=v\n", "k", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",
	    "k=\\u00E9\\u4E2D\\uD83D\\uDE00\n", "non-ASCII as \\uXXXX");
	set_is("k=v\n", "k", "\x01\x7f", "k=\\u0001\\u007F\n",
	    "control characters as \\uXXXX");
	set_is("k=v\n", "k", "\xff\xc3", "k=\xff\xc3\n",
	    "bytes that are not UTF-8 kept raw");
	set_is("k=v\n", "k", "#x", "k=#x\n", "leading '#' in a value");
	set_is("k=v\n", "k", "\xed\xa0\x80x\xed\xb0\x80",
	    "k=\\uD800x\\uDC00\n", "lone surrogates as \\uXXXX");
	set_is("k=v\n", "k", "\xed\xa0\xbd\xed\xb8\x80",
	    "k=\xed\xa0\xbd\xed\xb8\x80\n", "a 3-byte surrogate pair kept raw");
	set_is("k=v\n", "k", "x\\", "k=x\\\\\n", "trailing backslash");
	set_is("k=\\u00e9\n", "k", "\xc3\xa9!", "k=\\u00E9!\n",
	    "escaped old value replaced");
}

static void
test_set_append(void)
{
	set_is("", "a", "1", "a=1\n", "append to empty input");
	set_is("a=1\n", "b", "2", "a=1\nb=2\n", "append");
	set_is("a=1", "b", "2", "a=1\nb=2\n", "append, no final newline");
	set_is("a=1\r\nb=2\r\n", "c", "3", "a=1\r\nb=2\r\nc=3\r\n",
	    "append with CRLF");
	set_is("a=1\r\nb=2", "c", "3", "a=1\r\nb=2\r\nc=3\r\n",
	    "append with CRLF, no final newline");
	set_is("a=1\rb=2\r", "c", "3", "a=1\rb=2\rc=3\r", "append with CR");
	set_is("a=1\n# end", "b", "2", "a=1\n# end\nb=2\n",
	    "append after a final comment");
	set_is("a=1\nb=2\\\n", "c", "3", "a=1\nb=2\\\n\nc=3\n",
	    "append after an open continuation");
	set_is("a=1\nb=2\\", "c", "3", "a=1\nb=2\\\n\nc=3\n",
	    "append after a backslash at EOF");
	set_is("a=1\n", "new key=:#!\\", "v",
	    "a=1\nnew\\ key\\=\\:\\#\\!\\\\=v\n", "a key is escaped");
	set_is("a=1\n", "\xc3\xa9", " v", "a=1\n\\u00E9=\\ v\n",
	    "non-ASCII key");
	set_is("a=1\n", "", "v", "a=1\n=v\n", "the empty key");
}

static void
test_set_other(void)
{
	const char *conf = "# Job \xe4\xbd\x9c\xe4\xb8\x9a\r\n"
	    "job.web.url=http://job.example.com\r\n"
	    "ijobs.amqp.username=guest\r\n"
	    "ijobs.amqp.password=guest\r\n"
	    "\r\n"
	    "app.code=bk_job\r\n"
	    "app.secret=abc\r\n"
	    "api.ip.whitelist=10.0.0.1,\\\r\n    10.0.0.2\r\n"
	    "#job.disabled=true";
	struct props *p = parse(conf);
	struct buf b = BUF_INIT;
	char *cause = NULL;

	if (!ok(p != NULL, "job.conf parses"))
		return;
	ok(props_set(p, "ijobs.amqp.username", "bk_job", &cause) == 0 &&
	    props_set(p, "ijobs.amqp.password", "abc", &cause) == 0 &&
	    props_set(p, "api.ip.whitelist", "10.0.0.3", &cause) == 0 &&
	    props_set(p, "bk.paas.host", "paas", &cause) == 0,
	    "four edits");
	props_serialize(p, &b);
	is_str(b.data, "# Job \xe4\xbd\x9c\xe4\xb8\x9a\r\n"
	    "job.web.url=http://job.example.com\r\n"
	    "ijobs.amqp.username=bk_job\r\n"
	    "ijobs.amqp.password=abc\r\n"
	    "\r\n"
	    "app.code=bk_job\r\n"
	    "app.secret=abc\r\n"
	    "api.ip.whitelist=10.0.0.3\r\n"
	    "#job.disabled=true\r\n"
	    "bk.paas.host=paas\r\n", "job.conf: every other byte kept");
	is_int(props_line(p, "bk.paas.host"), 10, "line of the appended key");
	is_int(props_count(p), 7, "seven keys");
	is_str(props_key_at(p, 6), "bk.paas.host", "appended key is last");

	/* setting the value it has changes nothing, even a continued one */
	buf_reset(&b);
	props_free(p);
	p = parse("a = one \\\n  two\n");
	ok(props_set(p, "a", "one two", &cause) == 0, "same value");
	props_serialize(p, &b);
	is_str(b.data, "a = one \\\n  two\n", "same value: nothing changes");

	/* a file ending in a lone backslash: the new key goes before it */
	props_free(p);
	p = parse("a=1\n\\\n");
	ok(props_set(p, "b", "2", &cause) == 0, "append before a final '\\'");
	buf_reset(&b);
	props_serialize(p, &b);
	is_str(b.data, "a=1\nb=2\n\\\n", "... keeps the empty key");
	is_str(props_get(p, ""), "", "the empty key is still there");
	props_free(p);
	p = parse("\\\n\\");
	ok(props_set(p, "b", "2", &cause) == 0, "append before a final '\\' "
	    "after a continuation");
	buf_reset(&b);
	props_serialize(p, &b);
	is_str(b.data, "\\\nb=2\n\\", "... keeps the empty key");

	/* caps */
	{
		size_t n = PROPS_MAX_LINE + 1;
		char *v = xmalloc(n + 1);

		memset(v, 'v', n);
		v[n] = '\0';
		ok(props_set(p, "a", v, &cause) == -JF_ERR_TOOBIG,
		    "a value over 1 MiB is refused");
		v[n - 10] = '\0';
		ok(props_set(p, "a", v, &cause) == 0,
		    "a value just under 1 MiB is set");
		memset(v, 'v', n);
		v[n - 2] = '\0';
		ok(props_set(p, "a", v, &cause) == -JF_ERR_TOOBIG,
		    "... but not if the line gets longer than 1 MiB");
		free(v);
	}
	ok(props_set(p, NULL, "x", &cause) == -JF_ERR_USAGE, "NULL key");
	ok(props_set(NULL, "k", "x", &cause) == -JF_ERR_USAGE, "NULL object");
	props_free(p);
	buf_free(&b);
	free(cause);
}

int
main(void)
{
	test_separators();
	test_escapes();
	test_continuation();
	test_comments();
	test_keys();
	test_endings();
	test_duplicates();
	test_empty_and_errors();
	test_secrets();
	test_set_in_place();
	test_set_append();
	test_set_other();
	return tap_done();
}
