/*
 * test-transport-ssh.c - the parts of the SSH transport that need no server:
 * quoting (checked by handing the result to a real /bin/sh), the remote
 * shell (run by the local /bin/sh, fed requests), its answers' frames, the parsers of the fixed scripts' output, fingerprints.
 * The scenario tests/integration/20-ssh-transport.sh covers the rest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "transport-ssh.h"
#include "transport.h"
#include "util.h"

/* Run "/usr/bin/printf '%s\n' ARGS" through sh -c with our quoting. */
static void
test_quote_through_sh(struct transport *lt)
{
	static const char *const args[] = {
		"plain", "two words", "it's", "'", "''", "\"dq\"", "$(id)",
		"`id`", "a;b", "a|b&c", "new\nline", "tab\there", "\\", "*",
		"-n", "--", "~", "#c", "${HOME}", "!", "", "trailing\n",
		"\x01\x7f\xff", NULL,
	};
	const char *argv[4] = { "/bin/sh", "-c", NULL, NULL };
	struct buf cmd = BUF_INIT, want = BUF_INIT;
	struct trun_result res;
	char *cause = NULL;
	size_t i;
	int r;

	buf_addstr(&cmd, "/usr/bin/printf '%s\\n'");
	for (i = 0; args[i] != NULL; i++) {
		buf_addch(&cmd, ' ');
		tssh_quote(&cmd, args[i]);
		buf_printf(&want, "%s\n", args[i]);
	}
	argv[2] = cmd.data;
	trun_result_init(&res);
	r = lt->ops->run(lt, argv, NULL, NULL, 0, 5000, &res, &cause);
	is_int(r, 0, "sh runs the quoted command line (%s)",
	    cause ? cause : "");
	is_int(res.status, 0, "printf exits 0");
	is_mem(res.out.data, res.out.len, want.data, want.len,
	    "every argument arrives verbatim through sh");
	trun_result_free(&res);
	buf_free(&cmd);
	buf_free(&want);
	free(cause);
}

/* The frames of out[0..len), after the ready mark: status words, outputs
 * and errors as "STATUS|OUT|ERR\n" lines (a garbled stream gives "?"). */
static void
frames(const char *p, size_t len, const size_t *caps, struct buf *got)
{
	static const char ready[] = "\036jobfix-ready\037";
	struct tssh_frame f;
	size_t rl = strlen(ready), ol, el;

	if (len < rl || memcmp(p, ready, rl) != 0) {
		buf_addstr(got, "?no ready mark\n");
		return;
	}
	p += rl;
	len -= rl;
	for (; len > 0; caps++) {
		if (tssh_parse_frame(p, len, &f) != 0) {
			buf_addstr(got, "?\n");
			return;
		}
		ol = f.out_len < *caps ? f.out_len : *caps;
		el = f.err_len < *caps ? f.err_len : *caps;
		if (len < f.head_len + ol + el) {
			buf_addstr(got, "?short\n");
			return;
		}
		buf_printf(got, "%s|%.*s|%.*s\n", f.status, (int)ol,
		    p + f.head_len, (int)el, p + f.head_len + ol);
		p += f.head_len + ol + el;
		len -= f.head_len + ol + el;
	}
}

/* The remote shell, run by the local sh as sshd would, fed requests. */
static void
test_shell_through_sh(struct transport *lt)
{
	const char *run1[] = { "5", "/usr/bin/printf", "/usr/bin/printf",
	    "%s|", "a b", "it's", "$(echo no)", "new\nline", "", "-n", NULL };
	const char *run2[] = { "0", "/usr/bin/env", "JF_X=v a l'ue",
	    "/usr/bin/env", NULL };
	const char *run3[] = { "5", "/nonexistent/prog", "/nonexistent/prog",
	    NULL };
	const char *run4[] = { "5", "/bin/sh", "/bin/sh", "-c",
	    "head -c 2; echo; echo err >&2; exit 3", NULL };
	const char *bad[] = { "x", NULL };
	const char *shargv[4] = { "/bin/sh", "-c", NULL, NULL };
	struct buf in = BUF_INIT, got = BUF_INIT;
	struct trun_result res;
	char *cause = NULL;
	const char *want;
	int r;

	static const size_t caps[] = { 1000, 1000, 1000, 1000, 1000, 3 };

	tssh_request(&in, "run", run1, 10, 0, 1000);
	tssh_request(&in, "run", run2, 4, 0, 1000);
	tssh_request(&in, "run", run3, 3, 0, 1000);
	/* stdin the program leaves unread is drained: the next request
	 * is read in frame */
	tssh_request(&in, "run", run4, 5, 10, 1000);
	buf_addstr(&in, "abcdefghij");
	tssh_request(&in, "eval", bad, 1, 0, 1000);
	tssh_request(&in, "run", run1, 10, 0, 3); /* capped at 3 bytes */
	shargv[2] = tssh_shell_command();
	ok(strncmp(shargv[2], "exec /usr/bin/env -i ", 21) == 0,
	    "the shell starts under env -i");
	trun_result_init(&res);
	r = lt->ops->run(lt, shargv, NULL, in.data, in.len, 10000, &res,
	    &cause);
	is_int(r, 0, "the shell runs (%s)", cause ? cause : "");
	is_int(res.status, 0, "and ends at the end of its input");
	frames(res.out.data, res.out.len, caps, &got);
	want = "0|a b|it's|$(echo no)|new\nline||-n||\n"
	    "0|PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\nJF_X=v a l'ue\n|\n"
	    "noent||\n"
	    "3|ab\n|err\n\n"
	    "badop||\n"
	    "0|a b|\n";
	if (got.len != strlen(want) || memcmp(got.data, want, got.len) != 0)
		printf("# got:\n%s# stderr: %s\n", got.data ? got.data : "",
		    res.err.data ? res.err.data : "");
	is_mem(got.data, got.len, want, strlen(want),
	    "argv verbatim, env -i, a missing program, stdin drained, an "
	    "unknown operation refused, output capped");
	trun_result_free(&res);
	buf_free(&in);
	buf_free(&got);
	free(cause);
}

static void
test_frame_parse(void)
{
	struct tssh_frame f;

	is_int(tssh_parse_frame("\036R 0 12 3\037", 10, &f), 0, "a frame");
	ok(f.code == 0 && f.out_len == 12 && f.err_len == 3 &&
	    f.head_len == 10, "its fields");
	is_int(tssh_parse_frame("\036R noent 0 0\037", 14, &f), 0, "a word");
	is_int(f.code, -1, "is no number");
	is_int(tssh_parse_frame("\036R 1", 4, &f), 1, "a part: more needed");
	is_int(tssh_parse_frame("\036", 1, &f), 1, "a first byte too");
	is_int(tssh_parse_frame("noise", 5, &f), -1, "noise is garbled");
	is_int(tssh_parse_frame("\036R 0 -1 0\037", 11, &f), -1,
	    "a negative size is garbled");
	is_int(tssh_parse_frame("\036R 0 1\037", 8, &f), -1,
	    "a missing size is garbled");
	is_int(tssh_parse_frame("\036R  1 1\037", 9, &f), -1,
	    "an empty status is garbled");
	is_int(tssh_parse_frame("\036R 0 99999999999999999999999 0\037", 32,
	    &f), -1, "a huge size is garbled");
}

static void
test_command_line_refusals(void)
{
	const char *rel[] = { "printf", "x", NULL };
	const char *eq[] = { "/opt/a=b/prog", NULL };
	const char *ok_argv[] = { "/bin/true", NULL };
	const char *bad_env1[] = { "NOEQUALS", NULL };
	const char *bad_env2[] = { "=x", NULL };
	const char *bad_env3[] = { "-u=x", NULL };
	const char *bad_env4[] = { "A B=x", NULL };
	const char *empty[] = { NULL };
	char *cause = NULL;

	ok(tssh_check_argv(rel, NULL, &cause) == -JF_ERR_USAGE,
	    "a relative program is refused");
	ok(cause != NULL && strstr(cause, "not an absolute path") != NULL,
	    "and the cause says why (%s)", cause ? cause : "");
	ok(tssh_check_argv(eq, NULL, &cause) != 0,
	    "a program path with '=' is refused (env would take it)");
	ok(tssh_check_argv(empty, NULL, &cause) != 0,
	    "an empty argv is refused");
	ok(tssh_check_argv(NULL, NULL, &cause) != 0,
	    "a NULL argv is refused");
	ok(tssh_check_argv(ok_argv, bad_env1, &cause) != 0,
	    "env entry without '=' refused");
	ok(tssh_check_argv(ok_argv, bad_env2, &cause) != 0,
	    "env entry with an empty name refused");
	ok(tssh_check_argv(ok_argv, bad_env3, &cause) != 0,
	    "env entry that env(1) would take for an option refused");
	ok(tssh_check_argv(ok_argv, bad_env4, &cause) != 0,
	    "env entry with a space in its name refused");
	ok(tssh_check_argv(ok_argv, NULL, &cause) == 0, "a good argv passes");
	free(cause);
}

static void
test_parse_stat(void)
{
	struct tstat st;
	char *cause = NULL;
	const char *s;

	s = "81a4 0 27 12345 987654 1700000000 2023-11-14 22:13:20.123456789 "
	    "+0000\n";
	is_int(tssh_parse_stat(s, strlen(s), &st, &cause), 0, "stat parses");
	is_int(st.exists, 1, "exists");
	is_int(st.mode, 0100644, "mode from hex, with the type bits");
	is_int(st.uid, 0, "uid");
	is_int(st.gid, 27, "gid");
	is_int(st.size, 12345, "size");
	is_int(st.ino, 987654, "inode");
	is_int(st.mtime_ns, 1700000000123456789LL, "mtime with nanoseconds");

	s = "41ed 1000 1000 4096 2 1700000000 2023-11-14 22:13:20 +0000";
	is_int(tssh_parse_stat(s, strlen(s), &st, &cause), 0,
	    "stat without a fraction parses");
	is_int(st.mtime_ns, 1700000000000000000LL, "whole seconds");
	is_int(st.mode, 040755, "a directory");

	s = "81a4 0 0 1 2 1700000000 2023-11-14 22:13:20.5 +0000";
	tssh_parse_stat(s, strlen(s), &st, &cause);
	is_int(st.mtime_ns, 1700000000500000000LL, "short fraction scaled");

	s = "81a4 0 0 1 2 -5 1969-12-31 23:59:55.5 +0000";
	is_int(tssh_parse_stat(s, strlen(s), &st, &cause), 0,
	    "a time before 1970 parses");
	is_int(st.mtime_ns, -4500000000LL, "tv_sec * 1e9 + tv_nsec");
	s = "81a4 0 0 1 2 170000000000 x";
	is_int(tssh_parse_stat(s, strlen(s), &st, &cause), -JF_ERR_PARSE,
	    "an mtime that would overflow is refused (found by fuzzing)");

	s = "";
	ok(tssh_parse_stat(s, 0, &st, &cause) == -JF_ERR_PARSE,
	    "empty output refused");
	s = "zz 0 0 1 2 3 x";
	ok(tssh_parse_stat(s, strlen(s), &st, &cause) == -JF_ERR_PARSE,
	    "garbage refused");
	s = "81a4 0 0 1";
	ok(tssh_parse_stat(s, strlen(s), &st, &cause) == -JF_ERR_PARSE,
	    "truncated output refused");
	ok(cause != NULL && strstr(cause, "field 5") != NULL,
	    "the cause names the field (%s)", cause ? cause : "");
	s = "81a4\0 0 0 1 2 3 x";
	ok(tssh_parse_stat(s, 17, &st, &cause) == -JF_ERR_PARSE,
	    "a NUL in the output refused");
	free(cause);
}

static void
test_parse_procs(void)
{
	static const char text[] =
	    "1/cmdline:/sbin/init\0"
	    "10/cmdline:sh\0" "10/cmdline:-c\0" "10/cmdline:sleep 1\0"
	    "10/cmdline:new\nline\0"
	    "2/cmdline:nginx: master process\0"
	    "300/cmdline:a\0" "300/cmdline:\0" "300/cmdline:b\0"
	    "300/cmdline:\0" "300/cmdline:\0"
	    "45/cmdline:\0"
	    "46/cmdline:last";
	struct tproc *p = NULL;
	char *cause = NULL;
	size_t n = 0;
	int r;

	r = tssh_parse_procs(text, sizeof text - 1, &p, &n, &cause);
	is_int(r, 0, "process records parse");
	is_int(n, 5, "five processes (an empty command line is skipped)");
	if (n == 5) {
		is_int(p[0].pid, 1, "sorted by pid");
		is_str(p[0].cmdline, "/sbin/init", "one argument");
		is_int(p[1].pid, 2, "pid 2");
		is_str(p[1].cmdline, "nginx: master process",
		    "a rewritten command line");
		is_int(p[2].pid, 10, "pid 10");
		is_str(p[2].cmdline, "sh -c sleep 1 new\nline",
		    "arguments joined by spaces, a newline kept");
		is_int(p[3].pid, 46, "pid 46, unterminated last record");
		is_str(p[3].cmdline, "last", "its command line");
		is_str(p[4].cmdline, "a  b", "empty arguments inside kept, "
		    "trailing ones dropped (as locally)");
	}
	tprocs_free(p, n);

	r = tssh_parse_procs("", 0, &p, &n, &cause);
	ok(r == 0 && n == 0, "no output, no processes");
	tprocs_free(p, n);
	r = tssh_parse_procs("x/cmdline:a", 11, &p, &n, &cause);
	is_int(r, -JF_ERR_PARSE, "a non-numeric pid refused");
	r = tssh_parse_procs("12/cmdlin", 9, &p, &n, &cause);
	is_int(r, -JF_ERR_PARSE, "a truncated tag refused");
	r = tssh_parse_procs("0/cmdline:a", 11, &p, &n, &cause);
	is_int(r, -JF_ERR_PARSE, "pid 0 refused");
	r = tssh_parse_procs("99999999999999999999/cmdline:a", 30, &p, &n,
	    &cause);
	is_int(r, -JF_ERR_PARSE, "a huge pid refused");
	r = tssh_parse_procs("5/cmdline:a\0junk", 16, &p, &n, &cause);
	is_int(r, -JF_ERR_PARSE, "junk after a record refused");
	free(cause);
}

static void
test_parse_names(void)
{
	char **names = NULL, *cause = NULL;
	size_t n = 0;
	static const char text[] = "b/.hidden/a/new\nline/ sp/";

	is_int(tssh_parse_names(text, sizeof text - 1, &names, &n, &cause), 0,
	    "names parse");
	is_int(n, 5, "five names");
	if (n == 5) {
		is_str(names[0], " sp", "sorted bytewise");
		is_str(names[1], ".hidden", "dot file");
		is_str(names[2], "a", "a");
		is_str(names[3], "b", "b");
		is_str(names[4], "new\nline", "a newline in a name kept");
	}
	names_free(names, n);
	is_int(tssh_parse_names("a/b", 3, &names, &n, &cause), -JF_ERR_PARSE,
	    "an unterminated record refused");
	is_int(tssh_parse_names("a//", 3, &names, &n, &cause), -JF_ERR_PARSE,
	    "an empty name refused");
	is_int(tssh_parse_names("a\0b/", 4, &names, &n, &cause), -JF_ERR_PARSE,
	    "a NUL in a name refused");
	is_int(tssh_parse_names("", 0, &names, &n, &cause), 0,
	    "an empty directory");
	is_int(n, 0, "has no names");
	free(cause);
}

static void
test_fingerprint(void)
{
	unsigned char h[32];
	char *s;
	int i;

	for (i = 0; i < 32; i++)
		h[i] = (unsigned char)i;
	s = tssh_fingerprint(h);
	is_str(s, "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	    "base64 without padding, as OpenSSH prints it");
	free(s);
	memset(h, 0xff, sizeof h);
	s = tssh_fingerprint(h);
	is_str(s, "SHA256://////////////////////////////////////////8",
	    "all ones");
	free(s);
}

static void
test_bad_options(void)
{
	struct ssh_opts o;
	struct transport *t = NULL;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	is_int(transport_ssh_new(&o, &t, &cause), -JF_ERR_USAGE,
	    "no host is a usage error");
	o.host = "127.0.0.1";
	o.port = 70000;
	is_int(transport_ssh_new(&o, &t, &cause), -JF_ERR_USAGE,
	    "port out of range");
	ok(t == NULL, "no transport on failure");
	o.port = 1; /* nothing listens on port 1 */
	o.connect_timeout_ms = 2000;
	ok(transport_ssh_new(&o, &t, &cause) < 0, "connection refused fails");
	ok(cause != NULL && strstr(cause, "127.0.0.1") != NULL,
	    "the cause names the host (%s)", cause ? cause : "");
	free(cause);
}

int
main(void)
{
	struct transport *lt = transport_local_new();

	test_quote_through_sh(lt);
	test_shell_through_sh(lt);
	test_frame_parse();
	test_command_line_refusals();
	test_parse_stat();
	test_parse_procs();
	test_parse_names();
	test_fingerprint();
	test_bad_options();
	transport_free(lt);
	return tap_done();
}
