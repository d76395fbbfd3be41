/*
 * test-diff.c - unit tests for src/diff.c: exact `diff -u` output for
 * hand-picked cases, final newlines, CR, context merging, secret masking,
 * and a diff applied back with a tiny patcher.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "patch-apply.h"
#include "tap.h"
#include "util.h"

static char *
udiff(const char *a, const char *b, int ctx)
{
	struct buf out = BUF_INIT;
	char *r;

	if (diff_unified(a, strlen(a), b, strlen(b), "A", "B", ctx, &out) != 0)
		return xstrdup("(error)");
	r = xstrdup(out.data ? out.data : "");
	buf_free(&out);
	return r;
}

static void
check(const char *a, const char *b, int ctx, const char *want, const char *msg)
{
	char *got = udiff(a, b, ctx);
	struct buf back = BUF_INIT;

	is_str(got, want, "%s", msg);
	if (*got != '\0') {
		ok(pa_apply(a, strlen(a), got, strlen(got), &back) == 0 &&
		    strcmp(back.data ? back.data : "", b) == 0,
		    "%s: applies back", msg);
	}
	buf_free(&back);
	free(got);
}

static void
test_shapes(void)
{
	check("a\n", "a\n", 3, "", "identical: nothing");
	check("", "", 3, "", "both empty: nothing");
	check("a\nb\nc\n", "a\nx\nc\n", 3,
	    "--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n", "one change");
	check("", "a\nb\n", 3, "--- A\n+++ B\n@@ -0,0 +1,2 @@\n+a\n+b\n",
	    "from empty");
	check("a\n", "", 3, "--- A\n+++ B\n@@ -1 +0,0 @@\n-a\n", "to empty");
	check("a\nb", "a\nb\n", 3,
	    "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of "
	    "file\n+b\n", "final newline added");
	check("a\nb\n", "a\nc", 3,
	    "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end "
	    "of file\n", "final newline removed");
	check("x\ny", "z\ny", 3,
	    "--- A\n+++ B\n@@ -1,2 +1,2 @@\n-x\n+z\n y\n\\ No newline at end "
	    "of file\n", "context without final newline");
	check("a\r\nb\r\n", "a\r\nc\r\n", 3,
	    "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n", "CR stays");
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n", 1,
	    "--- A\n+++ B\n@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n@@ -7,3 +7,3 @@\n"
	    " 7\n-8\n+Y\n 9\n", "two hunks with context 1");
	check("1\n2\n3\n4\n5\n6\n", "1\nX\n3\n4\nY\n6\n", 1,
	    "--- A\n+++ B\n@@ -1,6 +1,6 @@\n 1\n-2\n+X\n 3\n 4\n-5\n+Y\n 6\n",
	    "gap of 2 merges with context 1");
	check("1\n2\n3\n", "1\n3\n", 0, "--- A\n+++ B\n@@ -2 +1,0 @@\n-2\n",
	    "context 0 deletion");
	check("1\n3\n", "1\n2\n3\n", 0, "--- A\n+++ B\n@@ -1,0 +2 @@\n+2\n",
	    "context 0 insertion");
	check("a\nb\n", "a\nb\n\n", -5, "--- A\n+++ B\n@@ -2,0 +3 @@\n+\n",
	    "negative context is 0");
}

static void
test_secrets(void)
{
	char *m, *d;

	d = udiff("ijobs.amqp.password=hunter2\n", "ijobs.amqp.password=hunter3\n", 3);
	is_str(d, "--- A\n+++ B\n@@ -1 +1 @@\n-ijobs.amqp.password=******\n"
	    "+ijobs.amqp.password=******\n", "masked on - and + lines");
	free(d);
	m = mask_secret_assignment("export DB_PASSWORD=\"x y\" ");
	is_str(m, "export DB_PASSWORD=\"******\" ", "export with quotes");
	free(m);
	m = mask_secret_assignment("  app.secret: abc\r");
	is_str(m, "  app.secret: ******\r", "yaml style keeps CR");
	free(m);
	m = mask_secret_assignment("requirepass_token hunter2");
	is_str(m, "requirepass_token ******", "KEY VALUE");
	free(m);
	m = mask_secret_assignment("#password='a'");
	is_str(m, "#password='******'", "commented");
	free(m);
	m = mask_secret_assignment("\"token\": \"abc\",");
	is_str(m, "\"token\": \"******\",", "json");
	free(m);
	m = mask_secret_assignment("username=admin");
	is_str(m, "username=admin", "not a secret");
	free(m);
	m = mask_secret_assignment("password=");
	is_str(m, "password=", "empty value");
	free(m);
	m = mask_secret_assignment("password_file");
	is_str(m, "password_file", "no value");
	free(m);
	m = mask_secret_assignment("");
	is_str(m, "", "empty line");
	free(m);
	ok(mask_secret_assignment(NULL) == NULL, "NULL");

	secret_register("s3cr3tvalue");
	d = udiff("x = s3cr3tvalue\n", "x = other\n", 3);
	ok(strstr(d, "s3cr3tvalue") == NULL && strstr(d, "-x = ******\n"),
	    "registered secret redacted: %s", d);
	free(d);
	secret_clear_all();
}

static void
test_binary_and_big(void)
{
	struct buf out = BUF_INIT, back = BUF_INIT;
	const char a[] = "a\0b\nc\n", b[] = "a\0b\nd\n";
	char *x, *y;
	size_t i, n = 200000;

	ok(diff_unified(a, 6, b, 6, "A", "B", 3, &out) == 0 &&
	    out.len == 39 && memcmp(out.data, "--- A\n+++ B\n@@ -1,2 +1,2 @@\n"
	    " a\0b\n-c\n+d\n", 39) == 0, "NUL bytes pass through");
	buf_reset(&out);

	/* 200000 lines, nothing in common: whole replacement, in bounded time */
	x = xmalloc(n * 8 + 1);
	y = xmalloc(n * 8 + 1);
	for (i = 0; i < n; i++) {
		snprintf(x + i * 8, 9, "a%06zu\n", i);
		snprintf(y + i * 8, 9, "b%06zu\n", i);
	}
	ok(diff_unified(x, n * 8, y, n * 8, "A", "B", 3, &out) == 0,
	    "big unrelated files");
	ok(pa_apply(x, n * 8, out.data, out.len, &back) == 0 &&
	    back.len == n * 8 && memcmp(back.data, y, n * 8) == 0,
	    "big diff applies back");
	buf_reset(&out);
	buf_reset(&back);
	y[4000] = 'Z';
	memcpy(y, x, n * 8);
	y[800000] = 'Z';
	ok(diff_unified(x, n * 8, y, n * 8, "A", "B", 3, &out) == 0 &&
	    strstr(out.data, "@@ -99998,7 +99998,7 @@\n") != NULL,
	    "one change in a big file is one small hunk");
	buf_free(&out);
	buf_free(&back);

	buf_init(&out, 64);
	ok(diff_unified(x, n * 8, y, n * 8, "A", "B", 3, &out) ==
	    -JF_ERR_TOOBIG && out.len == 0, "full output buffer: TOOBIG");
	buf_free(&out);
	free(x);
	free(y);
}

int
main(void)
{
	test_shapes();
	test_secrets();
	test_binary_and_big();
	return tap_done();
}
