/*
 * test-util.c - buffers and their caps, redact() and the secret registry,
 * is_secret_key, path_join, str_to_long and the small string helpers.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "tap.h"

static void
test_buf(void)
{
	struct buf b = BUF_INIT;
	char big[100];
	char *s;
	int i;

	is_int(buf_addstr(&b, ""), 0, "add empty to a new buffer");
	ok(b.data != NULL && b.data[0] == '\0' && b.len == 0,
	    "empty add leaves a string");
	buf_free(&b);

	buf_init(&b, 8);
	is_int(buf_addstr(&b, "abcd"), 0, "add within cap");
	is_int(buf_addstr(&b, "efgh"), 0, "add up to cap exactly");
	is_int(b.len, 8, "len at cap");
	is_int(buf_addch(&b, 'x'), -JF_ERR_TOOBIG, "addch over cap");
	is_int(buf_addstr(&b, "x"), -JF_ERR_TOOBIG, "addstr over cap");
	is_int(buf_add(&b, "xyz", 3), -JF_ERR_TOOBIG, "add over cap");
	is_int(buf_printf(&b, "%d", 5), -JF_ERR_TOOBIG, "printf over cap");
	is_int(b.len, 8, "len unchanged after refusals");
	is_str(b.data, "abcdefgh", "data unchanged after refusals");
	is_int(buf_add(&b, NULL, 0), 0, "add nothing at cap");
	is_int(buf_add(&b, "x", SIZE_MAX), -JF_ERR_TOOBIG,
	    "SIZE_MAX refused without overflow");
	is_str(b.data, "abcdefgh", "data unchanged after SIZE_MAX");

	/* buf_set over the cap leaves the buffer unchanged too */
	is_int(buf_set(&b, "123456789", 9), -JF_ERR_TOOBIG, "set over cap");
	is_str(b.data, "abcdefgh", "set over cap leaves data");
	is_int(buf_set(&b, "12", 2), 0, "set within cap");
	is_str(b.data, "12", "set replaces");
	is_int(b.len, 2, "set len");

	buf_reset(&b);
	is_int(b.len, 0, "reset len");
	is_str(b.data, "", "reset data");
	is_int(buf_printf(&b, "%s-%d", "ab", 42), 0, "printf within cap");
	is_str(b.data, "ab-42", "printf");
	is_int(buf_printf(&b, "%s", "1234"), -JF_ERR_TOOBIG,
	    "printf over cap by one");
	is_str(b.data, "ab-42", "printf over cap leaves data");

	/* binary data with NULs */
	buf_reset(&b);
	is_int(buf_add(&b, "a\0b", 3), 0, "binary add");
	is_mem(b.data, b.len, "a\0b", (size_t)3, "binary kept");
	ok(b.data[3] == '\0', "terminated after binary");

	s = buf_detach(&b);
	is_mem(s, (size_t)3, "a\0b", (size_t)3, "detach");
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "detach resets");
	free(s);
	s = buf_detach(&b);
	is_str(s, "", "detach of an empty buffer is \"\"");
	free(s);
	is_int(buf_addstr(&b, "after"), 0, "add after detach");
	is_str(b.data, "after", "reuse after detach");
	buf_free(&b);
	buf_free(&b);
	ok(b.data == NULL, "double free is safe");

	/* growth keeps content; default cap */
	buf_init(&b, 0);
	memset(big, 'z', sizeof big);
	for (i = 0; i < 1000; i++)
		buf_add(&b, big, sizeof big);
	is_int(b.len, 100000, "grown to 100000");
	ok(b.data[99999] == 'z' && b.data[100000] == '\0', "grown content");
	buf_free(&b);

	/* a secret buffer grows and frees */
	buf_init(&b, 0);
	b.secret = 1;
	for (i = 0; i < 100; i++)
		buf_addstr(&b, "password");
	is_int(b.len, 800, "secret buffer grows");
	ok(strncmp(b.data + 792, "password", 8) == 0, "secret content kept");
	buf_reset(&b);
	is_int(b.len, 0, "secret reset");
	buf_free(&b);
}

static void
test_redact(void)
{
	char *s;

	/* a password in a URL: counted, and registered when asked */
	secret_clear_all();
	is_int(url_passwords("http://admin:Url-Pw-77@127.0.0.1:80/", 0), 1,
	    "url_passwords: user:password@ counts");
	is_int(url_passwords("x http://a:b@h/ y https://c:d@e:1@f/ z", 0), 2,
	    "url_passwords: two URLs, the last @ ends the userinfo");
	is_int(url_passwords("http://admin@h/ and http://h/a:b@c", 0), 0,
	    "url_passwords: no password (a user only; an @ past the host)");
	is_int(url_passwords("http://a:@h/", 0), 0,
	    "url_passwords: an empty password is none");
	/* passwords written unescaped: '/', '#', '?' and '@' in them */
	s = redact("mysql://job:pa/ss#w?rd@db1:3306/job");
	is_str(s, "mysql://" SECRET_MASK "@db1:3306/job",
	    "a password with / # ? is masked whole");
	free(s);
	s = redact("amqp://u:p@ss/w@rd@mq:5672/bk_job next");
	is_str(s, "amqp://" SECRET_MASK "@mq:5672/bk_job next",
	    "a password with @ and / is masked whole");
	free(s);
	s = redact("see http://h/a:b@c and http://admin@h/x");
	is_str(s, "see http://h/a:b@c and http://" SECRET_MASK "@h/x",
	    "an @ in a path is no userinfo; a user alone is masked");
	free(s);
	/* parameters with a secret name, in a query or JDBC's ;k=v */
	s = redact("jdbc:mysql://db:3306/job?user=job&password=Q-pw-1&useSSL=false");
	is_str(s, "jdbc:mysql://db:3306/job?user=job&password=" SECRET_MASK
	    "&useSSL=false", "a JDBC ?password= is masked");
	free(s);
	s = redact("jdbc:sqlserver://db:1433;databaseName=job;Password=Q-pw-2;x=1");
	is_str(s, "jdbc:sqlserver://db:1433;databaseName=job;Password="
	    SECRET_MASK ";x=1", "a JDBC ;Password= is masked");
	free(s);
	s = redact("http://h/x?access_token=T0k3n#frag \"q\" password=plain");
	is_str(s, "http://h/x?access_token=" SECRET_MASK " \"q\" "
	    "password=plain", "a token parameter, '#' and all; text outside a "
	    "URL is left");
	free(s);
	/* a password holding a blank or a quote */
	s = redact("url=http://admin:Pa'ss Q1x@127.0.0.1:80/api next");
	is_str(s, "url=http://" SECRET_MASK "@127.0.0.1:80/api next",
	    "a password with a quote and a blank is masked whole");
	free(s);
	s = redact("see http://127.0.0.1:15672 and mail admin@example.com");
	is_str(s, "see http://127.0.0.1:15672 and mail admin@example.com",
	    "a port before a blank is no password");
	free(s);
	is_int(url_passwords("http://u:Sp ace7x@h/", 0), 1,
	    "url_passwords: a password with a blank counts");
	s = redact("jdbc:mysql://db/job?password=Jd#bcTail9&x=1");
	is_str(s, "jdbc:mysql://db/job?password=" SECRET_MASK "&x=1",
	    "a ?password= with '#' is masked whole");
	free(s);
	is_int(url_passwords("jdbc:mysql://db/job?user=j&password=Q-pw-1", 0), 1,
	    "url_passwords: a ?password= counts");
	is_int(url_passwords("jdbc:mysql://db/job?password=&user=j", 0), 0,
	    "url_passwords: an empty ?password= is none");
	is_int(url_passwords("mysql://job:pa/ss@db/job", 0), 1,
	    "url_passwords: a password with / counts");
	/* the forms a peer echoes: JSON-escaped, and a Basic login */
	secret_register("Q\"uote\\Pw-77");
	s = redact("{\"password\":\"Q\\\"uote\\\\Pw-77\"}");
	is_str(s, "{\"password\":\"" SECRET_MASK "\"}",
	    "a registered secret is masked in its JSON-escaped form too");
	free(s);
	secret_register_login("jfadmin", "Mgmt-Admin-Pw-5e21");
	s = redact("auth=Basic amZhZG1pbjpNZ210LUFkbWluLVB3LTVlMjE=");
	is_str(s, "auth=Basic " SECRET_MASK, "a login in base64 is masked");
	free(s);
	secret_clear_all();
	s = redact("reason: Url-Pw-77");
	is_str(s, "reason: Url-Pw-77", "not registered: the bare password shows");
	free(s);
	is_int(url_passwords("http://admin:Url-Pw-77@127.0.0.1:80/", 1), 1,
	    "url_passwords: registered");
	s = redact("reason: Url-Pw-77");
	is_str(s, "reason: " SECRET_MASK, "registered: the bare password is masked");
	free(s);
	secret_clear_all();
	s = redact("nothing registered");
	is_str(s, "nothing registered", "no secrets: a copy");
	free(s);
	is_str(redact(NULL), NULL, "redact(NULL)");

	secret_register("hunter2");
	secret_register(NULL);
	secret_register("ab");
	secret_register("");
	s = redact("pw=hunter2, again hunter2!");
	is_str(s, "pw=" SECRET_MASK ", again " SECRET_MASK "!", "masked twice");
	free(s);
	s = redact("ab hunter");
	is_str(s, "ab hunter", "short and partial not masked");
	free(s);
	s = redact("");
	is_str(s, "", "empty string");
	free(s);
	s = redact("hunter2");
	is_str(s, SECRET_MASK, "whole string");
	free(s);
	s = redact("hunter2hunter2");
	is_str(s, SECRET_MASK, "adjacent occurrences, one mask");
	free(s);

	/* overlapping secrets: no part of either may show */
	secret_clear_all();
	secret_register("xyz123");
	secret_register("123abc");
	s = redact("[xyz123abc]");
	is_str(s, "[" SECRET_MASK "]", "overlap: both masked entirely");
	free(s);
	s = redact("123abc xyz123");
	is_str(s, SECRET_MASK " " SECRET_MASK, "each alone");
	free(s);
	/* one secret inside another */
	secret_clear_all();
	secret_register("pass");
	secret_register("mypassword");
	s = redact("a mypassword b pass c");
	is_str(s, "a " SECRET_MASK " b " SECRET_MASK " c", "nested secrets");
	free(s);
	/* a secret overlapping itself */
	secret_clear_all();
	secret_register("aba");
	s = redact("xababax");
	is_str(s, "x" SECRET_MASK "x", "self overlap masked entirely");
	free(s);
	/* registering twice is once */
	secret_register("aba");
	s = redact("aba");
	is_str(s, SECRET_MASK, "registered twice");
	free(s);
	secret_clear_all();
	s = redact("aba");
	is_str(s, "aba", "cleared");
	free(s);
}

static void
test_secret_key(void)
{
	struct buf b = BUF_INIT;
	int i;

	ok(is_secret_key("job.security.password"), "password");
	ok(is_secret_key("MYSQL_PASSWD"), "PASSWD upper case");
	ok(is_secret_key("app.secret"), "secret");
	ok(is_secret_key("gse.Token"), "Token");
	ok(is_secret_key("ssh.private_key"), "private_key");
	ok(is_secret_key("ssh.PrivateKey"), "PrivateKey");
	ok(is_secret_key("aws.credentials"), "credentials");
	ok(is_secret_key("db_pwd"), "pwd");
	ok(is_secret_key("auth_key"), "auth_key");
	ok(!is_secret_key("job.security.username"), "username is not");
	ok(!is_secret_key("mysql.host"), "host is not");
	ok(!is_secret_key(""), "empty is not");
	ok(!is_secret_key("pass"), "pass alone is not");
	ok(!is_secret_key("secre"), "a prefix of secret is not");
	/* a long name with the word at the end */
	for (i = 0; i < 300; i++)
		buf_addch(&b, 'a');
	ok(!is_secret_key(b.data), "300 bytes of a");
	buf_addstr(&b, ".password");
	ok(is_secret_key(b.data), "password after 300 bytes");
	buf_free(&b);
}

static void
test_path_join(void)
{
	struct { const char *a, *b, *want; } t[] = {
		{ "/etc", "jobfix", "/etc/jobfix" },
		{ "/etc/", "jobfix", "/etc/jobfix" },
		{ "/etc///", "jobfix", "/etc/jobfix" },
		{ "/", "etc", "/etc" },
		{ "//", "etc", "/etc" },
		{ "rel", "x/y", "rel/x/y" },
		{ "", "x", "x" },
		{ "/data", "/abs", "/abs" },
		{ "/data", "", "/data/" },
		{ "a", "b/", "a/b/" },
	};
	size_t i;
	char *s;

	for (i = 0; i < nitems(t); i++) {
		s = path_join(t[i].a, t[i].b);
		is_str(s, t[i].want, "path_join(\"%s\", \"%s\")", t[i].a, t[i].b);
		free(s);
	}
}

static void
test_str_to_long(void)
{
	struct { const char *s; int r; long v; } t[] = {
		{ "0", 0, 0 },
		{ "42", 0, 42 },
		{ "-42", 0, -42 },
		{ "+7", 0, 7 },
		{ "007", 0, 7 },
		{ "9223372036854775807", 0, LONG_MAX },
		{ "-9223372036854775808", 0, LONG_MIN },
		{ "9223372036854775808", -JF_ERR_PARSE, 0 },
		{ "-9223372036854775809", -JF_ERR_PARSE, 0 },
		{ "99999999999999999999999", -JF_ERR_PARSE, 0 },
		{ "", -JF_ERR_PARSE, 0 },
		{ "-", -JF_ERR_PARSE, 0 },
		{ "+", -JF_ERR_PARSE, 0 },
		{ " ", -JF_ERR_PARSE, 0 },
		{ " 5", -JF_ERR_PARSE, 0 },
		{ "\t5", -JF_ERR_PARSE, 0 },
		{ "5 ", -JF_ERR_PARSE, 0 },
		{ "5\n", -JF_ERR_PARSE, 0 },
		{ "5\r\n", -JF_ERR_PARSE, 0 },
		{ "12abc", -JF_ERR_PARSE, 0 },
		{ "abc", -JF_ERR_PARSE, 0 },
		{ "0x10", -JF_ERR_PARSE, 0 },
		{ "1.5", -JF_ERR_PARSE, 0 },
		{ "1e3", -JF_ERR_PARSE, 0 },
		{ "--1", -JF_ERR_PARSE, 0 },
	};
	size_t i;
	long v;

	for (i = 0; i < nitems(t); i++) {
		v = 12345;
		is_int(str_to_long(t[i].s, &v), t[i].r, "str_to_long(\"%s\")",
		    t[i].s);
		if (t[i].r == 0)
			is_int(v, t[i].v, "value of \"%s\"", t[i].s);
		else
			is_int(v, 12345, "\"%s\" leaves the output", t[i].s);
	}
	is_int(str_to_long(NULL, &v), -JF_ERR_PARSE, "NULL");
	/* a failure does not leave a stale errno that matters */
	errno = ERANGE;
	is_int(str_to_long("5", &v), 0, "stale ERANGE ignored");
}

static void
test_strings(void)
{
	char s[32];

	ok(str_startswith("mysql.x", "mysql."), "startswith");
	ok(!str_startswith("mysq", "mysql"), "startswith shorter");
	ok(str_startswith("x", ""), "startswith empty");
	ok(str_endswith("job.conf", ".conf"), "endswith");
	ok(!str_endswith("conf", ".conf"), "endswith shorter");
	ok(str_endswith("x", ""), "endswith empty");
	strcpy(s, " \t a b \r\n");
	is_str(str_trim(s), "a b", "trim");
	strcpy(s, "   ");
	is_str(str_trim(s), "", "trim blanks");
	strcpy(s, "");
	is_str(str_trim(s), "", "trim empty");
}

/* A vector joined back with '|', "(null)" for NULL. */
static char *
strv_text(char **v)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (v == NULL)
		return xstrdup("(null)");
	buf_addstr(&b, "[");
	for (i = 0; v[i] != NULL; i++)
		buf_printf(&b, "%s%s", i > 0 ? "|" : "", v[i]);
	buf_addstr(&b, "]");
	return buf_detach(&b);
}

static void
is_strv(char **v, const char *want, const char *what)
{
	char *t = strv_text(v);

	is_str(t, want, "%s", what);
	free(t);
}

static void
test_strv(void)
{
	char **v, **d;
	size_t n = 0;

	v = strv_split(NULL, ",");
	is_strv(v, "[]", "split NULL: empty");
	strv_free(v);
	v = strv_split("", ",");
	is_strv(v, "[]", "split \"\": empty");
	strv_free(v);
	v = strv_split("a", ",");
	is_strv(v, "[a]", "split one");
	strv_free(v);
	v = strv_split("a,,b,", ",");
	is_strv(v, "[a||b|]", "split keeps empty fields");
	strv_free(v);
	v = strv_split(" a b;c", " ;");
	is_strv(v, "[|a|b|c]", "split on any of sep");
	d = strv_dup(v);
	ok(d != v && d[0] != v[0], "dup copies");
	is_strv(d, "[|a|b|c]", "dup");
	strv_free(v);
	strv_free(d);
	v = NULL;
	d = strv_dup((char *[]){ NULL });
	is_strv(d, "[]", "dup empty");
	strv_free(d);
	strv_add(&v, &n, "x");
	strv_add(&v, &n, "");
	is_int(n, 2, "add counts");
	is_strv(v, "[x|]", "add to NULL");
	strv_free(v);
	strv_free(NULL); /* a crash fails the test */
}

static void
test_hex_value(void)
{
	is_int(hex_value('0'), 0, "hex 0");
	is_int(hex_value('9'), 9, "hex 9");
	is_int(hex_value('a'), 10, "hex a");
	is_int(hex_value('F'), 15, "hex F");
	is_int(hex_value('g'), -1, "hex g");
	is_int(hex_value('/'), -1, "hex /");
	is_int(hex_value('\0'), -1, "hex NUL");
	is_int(hex_value(0xe4), -1, "hex 0xe4");
	is_int(hex_value((char)0xb0), -1, "hex negative char");
}

static void
test_misc(void)
{
	struct buf b = BUF_INIT;
	char *cause = NULL, *s, t[32], path[] = "/tmp/test-util.XXXXXX";
	int fd;
	int64_t a, z;

	is_int(set_cause(&cause, JF_ERR_IO, "\"%s\": %s", "f", "bad"),
	    -JF_ERR_IO, "set_cause returns -err");
	is_str(cause, "\"f\": bad", "set_cause message");
	is_int(set_cause(&cause, JF_ERR_PARSE, "second"), -JF_ERR_PARSE,
	    "set_cause again");
	is_str(cause, "second", "set_cause replaces");
	free(cause);
	cause = NULL;
	is_int(set_cause(NULL, JF_ERR_USAGE, "x"), -JF_ERR_USAGE,
	    "set_cause(NULL)");

	a = now_ms();
	z = now_ms();
	ok(z >= a, "now_ms is monotonic");
	iso_time(t);
	ok(strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z', "iso_time %s", t);

	is_int(read_file_local("/nonexistent/x", &b, 0, &cause),
	    -JF_ERR_NOTFOUND, "read missing file");
	free(cause);
	cause = NULL;
	is_int(read_file_local("/", &b, 0, &cause), -JF_ERR_IO,
	    "read a directory");
	is_str(cause, "\"/\": is a directory", "directory message");
	free(cause);
	cause = NULL;
	if ((fd = mkstemp(path)) != -1) {
		ok(write(fd, "0123456789", 10) == 10, "temp file written");
		close(fd);
		is_int(read_file_local(path, &b, 0, NULL), 0, "read file");
		is_str(b.data, "0123456789", "read content");
		buf_reset(&b);
		is_int(read_file_local(path, &b, 9, &cause), -JF_ERR_TOOBIG,
		    "read over cap");
		ok(cause != NULL && strstr(cause, "limit of 9") != NULL,
		    "cap in message");
		free(cause);
		unlink(path);
	} else
		ok(0, "mkstemp");
	buf_free(&b);
	free_secret(NULL);
	wipe(NULL, 3);
	ok(1, "free_secret(NULL), wipe(NULL)");
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup");
	free(s);
}

/* terminal_safe(): each class of byte a terminal acts on, escaped; the
 * rest, Chinese included, untouched */
static void
test_terminal_safe(void)
{
	static const struct {
		const char *in, *want, *what;
		unsigned flags;
	} cases[] = {
		{ "plain text", "plain text", "ASCII kept", 0 },
		{ "a\tb\nc", "a\tb\nc", "tab and newline kept", 0 },
		{ "a\tb\nc", "a\\x09b\\x0ac", "on one line: escaped", TSAFE_LINE },
		{ "\x1b[2J\a\r\x7f", "\\x1b[2J\\x07\\x0d\\x7f", "C0 and DEL", 0 },
		{ "x\x9b" "31mred", "x\\x9b31mred", "a raw 0x9b (8-bit CSI)", 0 },
		{ "\x80\x9f", "\\x80\\x9f", "raw C1 bytes, one at a time", 0 },
		{ "\xc2\x9b" "31m", "\\u009b31m", "U+009B in UTF-8", 0 },
		{ "\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0",
		  "U+0080, U+009F escaped; U+00A0 kept", 0 },
		{ "gpj.\xe2\x80\xae" "exe", "gpj.\\u202eexe",
		  "right-to-left override U+202E", 0 },
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		  "\\u202a\\u202b\\u202c\\u202d", "U+202A-U+202D", 0 },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		  "\\u2066\\u2067\\u2068\\u2069", "isolates U+2066-U+2069", 0 },
		{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c",
		  "marks U+200E, U+200F, U+061C", 0 },
		{ "\xe2\x80\x8d\xe2\x80\xaf", "\xe2\x80\x8d\xe2\x80\xaf",
		  "U+200D, U+202F kept", 0 },
		{ "\xe4\xbd\x9c\xe4\xb8\x9a\xe5\xb9\xb3\xe5\x8f\xb0 Job",
		  "\xe4\xbd\x9c\xe4\xb8\x9a\xe5\xb9\xb3\xe5\x8f\xb0 Job",
		  "Chinese kept", 0 },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "4-byte UTF-8 kept", 0 },
		{ "\xc0\x9b", "\\xc0\\x9b", "overlong 0x9b: two bytes", 0 },
		{ "\xe0\x82\x9b", "\\xe0\\x82\\x9b", "overlong 3-byte form", 0 },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate", 0 },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "past U+10FFFF", 0 },
		{ "\xe4\xbd", "\\xe4\\xbd", "a sequence cut by the end", 0 },
		{ "\xe4\xbd" "a", "\\xe4\\xbda", "a sequence cut by ASCII", 0 },
		{ "\xe2\x80\xae\xe4\xbd\x9c", "\\u202e\xe4\xbd\x9c",
		  "bidi before Chinese", 0 },
		{ "{\"a\": \"\xc2\x9b\xe2\x80\xae\x7f\xe4\xbd\x9c\\u001b\"}",
		  "{\"a\": \"\\u009b\\u202e\\u007f\xe4\xbd\x9c\\u001b\"}",
		  "JSON: C1, bidi, DEL as JSON escapes, the rest kept",
		  TSAFE_JSON },
		{ "", "", "empty", 0 },
	};
	size_t i;
	char *s;
	uint32_t cp = 0;

	for (i = 0; i < nitems(cases); i++) {
		s = terminal_safe(cases[i].in, cases[i].flags);
		is_str(s, cases[i].want, "terminal_safe: %s", cases[i].what);
		free(s);
	}
	s = terminal_safe(NULL, 0);
	is_str(s, "", "terminal_safe(NULL)");
	free(s);
	is_int(utf8_decode((const unsigned char *)"\xe4\xbd\x9c", &cp), 3,
	    "utf8_decode: 3 bytes");
	is_int(cp, 0x4f5c, "utf8_decode: U+4F5C");
	is_int(utf8_decode((const unsigned char *)"\x9b", &cp), 0,
	    "utf8_decode: a lone continuation byte is invalid");
}

int
main(void)
{
	test_buf();
	test_redact();
	test_secret_key();
	test_path_join();
	test_str_to_long();
	test_strings();
	test_strv();
	test_hex_value();
	test_misc();
	test_terminal_safe();
	return tap_done();
}
