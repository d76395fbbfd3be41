/*
 * test-logscan.c - the log scanning engine: signatures, line counting,
 * state files, incremental runs, rotation, truncation, partial lines, bad
 * bytes, long lines, script timeout classes.
 *
 * Files are read through a small transport of this test (stat and pread)
 * that counts the bytes it hands out, so "only new bytes are read" is
 * checked, not assumed.  The SIMD filter is checked against a plain
 * reference matcher on random data.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logscan.h"
#include "tap.h"

/* --- a transport reading local files ------------------------------------ */

static uint64_t bytes_served;

static int
t_stat(struct transport *t, const char *path, struct tstat *ts, char **cause)
{
	struct stat st;

	memset(ts, 0, sizeof *ts);
	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, JF_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	ts->exists = 1;
	ts->mode = st.st_mode;
	ts->size = st.st_size;
	ts->ino = st.st_ino;
	ts->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	return 0;
}

static int
t_read_range(struct transport *t, const char *path, uint64_t off, size_t max,
    struct buf *out, char **cause)
{
	char *tmp = xmalloc(max + 1);
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		free(tmp);
		return set_cause(cause, JF_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	n = pread(fd, tmp, max, (off_t)off);
	close(fd);
	if (n < 0 || buf_add(out, tmp, (size_t)n) != 0) {
		free(tmp);
		return set_cause(cause, JF_ERR_IO, "%s: read failed", path);
	}
	bytes_served += (uint64_t)n;
	free(tmp);
	return 0;
}

static const struct transport_ops test_ops = {
	.name = "test", .stat = t_stat, .read_range = t_read_range,
};
static struct transport test_tp = { &test_ops, (char *)"testhost", NULL };

/* --- helpers ---------------------------------------------------------------- */

static char dir[] = "/tmp/test-logscan-XXXXXX";
static char *log_path, *state_path;

static void
write_file(const char *path, const char *mode, const void *data, size_t len)
{
	FILE *f = fopen(path, mode);

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
put(const char *mode, const char *s)
{
	write_file(log_path, mode, s, strlen(s));
}

static int
idx(const char *id)
{
	int i = logscan_sig_index(id);

	if (i < 0) {
		printf("Bail out! no signature %s\n", id);
		exit(1);
	}
	return i;
}

static int
run(struct logscan_result *r, size_t chunk)
{
	struct logscan_opts o = { chunk, 0, 0 };
	char *cause = NULL;
	int rv;

	logscan_result_free(r);
	rv = logscan_run(&test_tp, log_path, state_path, &o, r, &cause);
	if (rv != 0)
		printf("# logscan_run: %s\n", cause);
	free(cause);
	return rv;
}

/* The reference: per line, every text of every signature with memmem. */
static void
reference(const char *d, size_t len, uint64_t *counts)
{
	const struct logscan_sig *s;
	const char *const *tx;
	size_t n, i, ls = 0, le, tl;
	const char *p, *q;
	int found;

	s = logscan_sigs(&n);
	memset(counts, 0, n * sizeof *counts);
	while (ls < len) {
		q = memchr(d + ls, '\n', len - ls);
		le = q ? (size_t)(q - d) : len;
		for (i = 0; i < n; i++) {
			found = 0;
			for (tx = s[i].texts; *tx != NULL && !found; tx++) {
				tl = strlen(*tx);
				p = d + ls;
				while (!found && (p = memmem(p, (size_t)(d + le - p),
				    *tx, tl)) != NULL) {
					if (!(s[i].flags & LOGSCAN_SIG_DIGITS) ||
					    ((p == d + ls || p[-1] < '0' || p[-1] > '9') &&
					    (p + tl == d + le || p[tl] < '0' || p[tl] > '9')))
						found = 1;
					p++;
				}
			}
			counts[i] += (uint64_t)found;
		}
		ls = le + 1;
	}
}

static uint64_t rs = 0x9e3779b97f4a7c15ULL;
static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static void
test_table(void)
{
	static const char *const ids[] = { "partition", "redis_not_string",
	    "result_log_always", "script_timeout", "amqp_access_refused",
	    "amqp_not_allowed", "redis_oom", "ssl", "code_1210001",
	    "code_1210101", "code_1250001", "code_1250002", "code_1259001",
	    "code_1252001", "code_1255001", "code_1211001", "code_1211002",
	    "code_1211121", "code_1213001", "code_1213002" };
	size_t n, i;

	logscan_sigs(&n);
	is_int(n, nitems(ids), "one signature per fault text and code");
	for (i = 0; i < nitems(ids); i++)
		ok(logscan_sig_index(ids[i]) >= 0, "signature %s", ids[i]);
	is_int(logscan_sig_index("nope"), -1, "unknown id");
}

static void
test_buffer(void)
{
	struct logscan_hit h[64];
	size_t n, i;
	uint64_t lines;
	static const char t[] =
	    "2024-01-01 INFO ok\n"
	    "x ACCESS_REFUSED and NOT_ALLOWED on one line\n"
	    "ACCESS_REFUSED ACCESS_REFUSED twice\n"
	    "code=1210001, then 12100012 and 91210001\n"
	    "12100012 only a longer number\n"
	    "SSLException\r\n"
	    "bad \0\0 bytes \xff\xfe certificate\n"
	    "1213002";

	logscan_sigs(&n);
	memset(h, 0, sizeof h);
	lines = logscan_buffer(t, sizeof t - 1, 100, 1, h, 42);
	is_int(lines, 7, "newlines counted");
	is_int(h[idx("amqp_access_refused")].count, 2, "a line counts once per signature");
	is_int(h[idx("amqp_not_allowed")].count, 1, "two signatures on one line");
	is_int(h[idx("amqp_not_allowed")].last_line, 2, "line number");
	is_int(h[idx("amqp_not_allowed")].last_offset, 119, "byte offset");
	is_int(h[idx("code_1210001")].count, 1, "codes only between non-digits");
	is_str(h[idx("ssl")].last, "bad    bytes \xff\xfe certificate",
	    "NUL and control bytes become spaces");
	is_int(h[idx("ssl")].count, 2, "SSLException and certificate are both ssl");
	is_int(h[idx("code_1213002")].count, 1, "a code at the very end");
	is_int(h[idx("code_1213002")].last_line, 8, "a last line without newline");
	is_int(h[idx("code_1213002")].last_seen, 42, "time seen");
	is_int(h[idx("partition")].count, 0, "absent signature");
	ok(h[idx("partition")].last == NULL, "no last line for it");
	for (i = 0; i < n; i++)
		free(h[i].last);

	/* CRLF: the line without its CR */
	memset(h, 0, sizeof h);
	logscan_buffer("a\r\nOOM command not allowed here\r\n", 33, 0, 1, h, 0);
	is_str(h[idx("redis_oom")].last, "OOM command not allowed here",
	    "CR stripped from a CRLF line");
	is_int(h[idx("redis_oom")].last_line, 2, "CRLF line number");
	for (i = 0; i < n; i++)
		free(h[i].last);
}

/* The SIMD path against the reference, on random lines full of near misses.
 * Returns the number of disagreements. */
static int
random_bad(void)
{
	static const char *const bits[] = { "Table has no partition for value",
	    "Table has no", "redis reply is not string", "ACCESS_REFUSED",
	    "ACCESS_REFUSE", "NOT_ALLOWED", "OT_ALLOWED", "OOM command not allowed",
	    "SSLHandshakeException", "SSLException", "SSLExceptio", "certificate",
	    "certificat", "1210001", "121000", "1213002", "1211121", "1259001",
	    "12", "121", "\n", "\n", "\r\n", " ", "x", "0", "9", "\0",
	    "Script log timed out", "Execution result log always", "\xff" };
	struct logscan_hit h[64];
	uint64_t want[64];
	size_t n, i, len, k;
	char *d;
	int round, bad = 0;

	logscan_sigs(&n);
	d = xmalloc(1 << 16);
	for (round = 0; round < 300; round++) {
		len = 0;
		while (len < (size_t)(rnd() % 4000)) {
			k = rnd() % nitems(bits);
			size_t bl = k == 27 ? 1 : strlen(bits[k]);
			memcpy(d + len, bits[k], bl);
			len += bl;
		}
		memset(h, 0, sizeof h);
		logscan_buffer(d, len, 0, 1, h, 0);
		reference(d, len, want);
		for (i = 0; i < n; i++) {
			if (h[i].count != want[i] && bad++ < 5)
				printf("# round %d sig %zu: got %llu want %llu\n",
				    round, i, (unsigned long long)h[i].count,
				    (unsigned long long)want[i]);
			free(h[i].last);
		}
	}
	free(d);
	return bad;
}

/* Each filter (AVX2, SSSE3, scalar) in a child of its own, because the
 * matcher picks one once per process. */
static void
test_random(void)
{
	static const char *const paths[] = { "avx2", "scalar" };
	static const char *const names[] = { "the SSSE3 filter",
	    "the scalar filter" };
	size_t i;
	pid_t pid;
	int st;

	for (i = 0; i < nitems(paths); i++) {
		fflush(stdout);
		if ((pid = fork()) == 0) {
			setenv("LOGSCAN_NO_SIMD", paths[i], 1);
			_exit(random_bad() == 0 ? 0 : 1);
		}
		ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0, "%s agrees with the reference on "
		    "random data", names[i]);
	}
	is_int(random_bad(), 0, "the best filter agrees with the reference "
	    "on random data");
}

static void
test_state_roundtrip(void)
{
	struct logscan_result a, b;
	char *t1, *t2, *cause = NULL;
	size_t n;

	memset(&a, 0, sizeof a);
	logscan_sigs(&n);
	a.nhits = n;
	a.hits = xcalloc(n, sizeof *a.hits);
	a.ino = 77;
	a.offset = 1234;
	a.lines = 55;
	a.head_len = 1024;
	a.head_hash = 0xffffffffffffffffULL;
	a.hits[3].count = 9;
	a.hits[3].last = xstrdup("a \\ b\nnext\tline \x01 \xe4\xb8\xad");
	a.hits[3].last_line = 50;
	a.hits[3].last_offset = 1000;
	a.hits[3].last_seen = 1700000000;
	t1 = logscan_state_format(&a);
	is_int(logscan_state_parse(t1, strlen(t1), "s", &b, &cause), 0,
	    "state parses");
	t2 = b.hits ? logscan_state_format(&b) : xstrdup("");
	is_str(t2, t1, "state round trip");
	is_str(b.hits ? b.hits[3].last : NULL, a.hits[3].last,
	    "escaped line round trip");
	free(t2);
	logscan_result_free(&b);

	/* garbage of every kind */
	{
		static const char *const bad[] = { "", "jobfix-logscan 2\n",
		    "jobfix-logscan 1", "jobfix-logscan 1\nino x\n",
		    "jobfix-logscan 1\noffset 99999999999999999999999\n",
		    "jobfix-logscan 1\nsig ssl\n",
		    "jobfix-logscan 1\nsig ssl 1 2 3\n",
		    "jobfix-logscan 1\nsig ssl 1 2 3 4 a\\q\n",
		    "jobfix-logscan 1\nsig ssl 1 2 3 4 a\\x00\n",
		    "jobfix-logscan 1\nhead 5000 1\n",
		    "jobfix-logscan 1\nwhat 1\n",
		    "\0\0\0\n" };
		size_t i;
		int all = 1;

		for (i = 0; i < nitems(bad); i++) {
			size_t bl = i == nitems(bad) - 1 ? 4 : strlen(bad[i]);
			free(cause);
			cause = NULL;
			if (logscan_state_parse(bad[i], bl, "s", &b, &cause) !=
			    -JF_ERR_PARSE || cause == NULL) {
				printf("# accepted bad state %zu\n", i);
				all = 0;
			}
		}
		ok(all, "every garbage state is refused with a cause");
		ok(cause != NULL && strstr(cause, "s:1") != NULL,
		    "cause names file and line: %s", cause ? cause : "");
	}
	/* an id that left the table is skipped */
	free(cause);
	cause = NULL;
	{
		const char *st = "jobfix-logscan 1\nsig gone 5\nsig ssl 3\n";
		is_int(logscan_state_parse(st, strlen(st), "s", &b, &cause), 0,
		    "unknown signature id skipped");
		is_int(b.hits ? b.hits[idx("ssl")].count : 0, 3,
		    "known one kept");
	}
	logscan_result_free(&b);
	free(cause);
	free(t1);
	logscan_result_free(&a);
}

static void
test_files(void)
{
	struct logscan_result r;
	int P = idx("partition"), S = idx("ssl"), T = idx("script_timeout");
	uint64_t before;
	char *big;
	size_t i;

	memset(&r, 0, sizeof r);

	/* missing file: no error */
	is_int(run(&r, 0), 0, "missing file is no error");
	is_int(r.exists, 0, "missing file: exists 0");
	is_int(r.nhits > 0, 1, "hits still there");
	ok(access(state_path, F_OK) != 0, "no state written for a missing file");

	/* empty file */
	put("w", "");
	is_int(run(&r, 0), 0, "empty file");
	is_int(r.exists, 1, "empty file exists");
	is_int(r.offset, 0, "empty file: offset 0");

	/* a partial line waits */
	put("a", "2024 ERROR Table has no partition for value 7");
	is_int(run(&r, 0), 0, "partial line");
	is_int(r.hits[P].count, 0, "partial line not counted");
	is_int(r.offset, 0, "partial line not consumed");
	put("a", "38001\n");
	bytes_served = 0;
	is_int(run(&r, 0), 0, "line completed");
	is_int(r.hits[P].count, 1, "completed line counted");
	is_int(r.hits[P].new_count, 1, "and is new");
	is_str(r.hits[P].last, "2024 ERROR Table has no partition for value 738001",
	    "last line");
	is_int(r.hits[P].last_line, 1, "line 1");
	is_int(r.offset, 51, "offset after the line");

	/* incremental: only new bytes read, counts cumulative */
	put("a", "ok\nok\nTable has no partition for value 2\r\nSSLException x\n");
	bytes_served = 0;
	is_int(run(&r, 0), 0, "incremental");
	is_int(r.bytes_read, 57, "only the new bytes read");
	ok(bytes_served <= 57 + 1024, "transport served %llu bytes",
	    (unsigned long long)bytes_served);
	is_int(r.hits[P].count, 2, "cumulative count");
	is_int(r.hits[P].new_count, 1, "new count");
	is_int(r.hits[P].last_line, 4, "line number across runs");
	is_str(r.hits[P].last, "Table has no partition for value 2", "CR dropped");
	is_int(r.hits[S].count, 1, "ssl");
	{
		struct stat s1, s2;
		stat(state_path, &s1);
		is_int(run(&r, 0), 0, "nothing new");
		stat(state_path, &s2);
		ok(s1.st_ino == s2.st_ino, "nothing new: the state is not rewritten");
	}
	is_int(r.bytes_read, 0, "nothing read");
	is_int(r.hits[P].new_count, 0, "nothing new counted");
	is_int(r.hits[P].count, 2, "count kept");

	/* truncation (copytruncate): start over, counts persist */
	put("w", "SSLException after truncation\n");
	is_int(run(&r, 0), 0, "truncated");
	is_int(r.truncated, 1, "truncation seen");
	is_int(r.hits[S].count, 2, "counted from 0 again");
	is_int(r.hits[S].last_line, 1, "line numbers restart");

	/* the same inode rewritten and grown past the offset */
	put("w", "DIFFERENT first line, longer than before....\n"
	    "SSLException again\n");
	is_int(run(&r, 0), 0, "rewritten");
	is_int(r.rotated, 1, "other first bytes: rotated");
	is_int(r.hits[S].count, 3, "rewritten file read from 0");
	is_int(r.hits[S].last_line, 2, "its line number");

	/* rotation: a new inode */
	{
		char *old = xasprintf("%s.1", log_path);
		rename(log_path, old);
		put("w", "Script log timed out: timeout 1000 s\nelapsed 1250 s\n");
		is_int(run(&r, 0), 0, "rotated");
		is_int(r.rotated, 1, "new inode: rotated");
		is_int(r.hits[S].count, 3, "counts persist across rotation");
		is_int(r.hits[T].count, 1, "new file scanned");
		ok(r.hits[T].last != NULL &&
		    strstr(r.hits[T].last, "elapsed 1250") != NULL,
		    "script timeout keeps the text after its line");
		unlink(old);
		free(old);
	}

	/* garbage state: start over with a warning */
	write_file(state_path, "w", "\x01garbage\0state", 14);
	is_int(run(&r, 0), 0, "garbage state is no error");
	is_int(r.state_reset, 1, "state reset reported");
	is_int(r.hits[T].count, 1, "counted afresh");
	is_int(r.hits[S].count, 0, "old counts gone");
	chmod(state_path, 0);
	if (geteuid() != 0) {
		is_int(run(&r, 0), 0, "unreadable state is no error");
		is_int(r.state_reset, 1, "unreadable state reset");
	}
	chmod(state_path, 0600);

	/* NUL bytes and binary garbage */
	unlink(state_path);
	{
		char junk[4096];
		for (i = 0; i < sizeof junk; i++)
			junk[i] = (char)(rnd() % 7 == 0 ? '\n' : rnd());
		write_file(log_path, "w", "\0\0\0\0", 4);
		write_file(log_path, "a", junk, sizeof junk);
		write_file(log_path, "a", "\nNUL\0before certificate\0after\n", 30);
		is_int(run(&r, 0), 0, "binary garbage");
		ok(r.hits[S].count >= 1, "a hit after garbage");
		ok(r.hits[S].last != NULL &&
		    strstr(r.hits[S].last, "before certificate after") != NULL,
		    "last line without NUL: %s", r.hits[S].last ? r.hits[S].last : "");
	}

	/* a 10 MB line, read in 1 MiB pieces: one hit, text capped */
	unlink(state_path);
	big = xmalloc(10 << 20);
	memset(big, 'a', 10 << 20);
	memcpy(big + (10 << 20) - 100, "SSLHandshakeException", 21);
	big[(10 << 20) - 1] = '\n';
	write_file(log_path, "w", "first\n", 6);
	write_file(log_path, "a", big, 10 << 20);
	write_file(log_path, "a", "certificate\n", 12);
	is_int(run(&r, 1 << 20), 0, "10 MB line");
	is_int(r.hits[S].count, 2, "hits in and after the long line");
	is_int(r.hits[S].last_line, 3, "line after the long one");
	is_int(r.lines, 3, "three lines");
	put("a", "x\n");
	is_int(run(&r, 1 << 20), 0, "after the long line");
	is_int(r.hits[S].count, 2, "no double counting");
	unlink(state_path);
	memcpy(big + (10 << 20) - 30, "certificate", 11);
	write_file(log_path, "w", big, 10 << 20);
	is_int(run(&r, 1 << 20), 0, "long matching line");
	ok(r.hits[S].last != NULL && strlen(r.hits[S].last) == LOGSCAN_LINE_MAX,
	    "last line capped at %d", LOGSCAN_LINE_MAX);
	free(big);

	/* chunk sizes never change the result */
	{
		struct buf b = BUF_INIT;
		uint64_t want[64];
		size_t chunks[] = { 1, 2, 3, 7, 16, 17, 100, 4096 }, c, n;
		int same = 1;

		for (i = 0; i < 3000; i++) {
			static const char *const ls[] = { "INFO fine\n",
			    "WARN NOT_ALLOWED here\n", "ERROR 1255001\n",
			    "x 12550011\n", "certificate SSLException\n", "\n" };
			buf_addstr(&b, ls[rnd() % nitems(ls)]);
		}
		write_file(log_path, "w", b.data, b.len);
		reference(b.data, b.len, want);
		logscan_sigs(&n);
		for (c = 0; c < nitems(chunks); c++) {
			unlink(state_path);
			run(&r, chunks[c]);
			for (i = 0; i < n; i++)
				if (r.hits[i].count != want[i])
					same = 0;
			if (r.offset != b.len)
				same = 0;
		}
		ok(same, "every chunk size gives the reference counts");
		buf_free(&b);
	}

	/* a deadline that has passed: stop, and go on next time */
	unlink(state_path);
	put("w", "SSLException\n");
	{
		struct logscan_opts o = { 0, 1, 0 };
		char *cause = NULL;
		logscan_result_free(&r);
		is_int(logscan_run(&test_tp, log_path, state_path, &o, &r, &cause), 0,
		    "deadline passed");
		is_int(r.incomplete, 1, "incomplete");
		is_int(r.offset, 0, "nothing consumed");
		free(cause);
	}
	is_int(run(&r, 0), 0, "next run");
	is_int(r.hits[S].count, 1, "goes on");

	/* the state dir unwritable: an error naming the state file */
	{
		char *cause = NULL, *bad = xasprintf("%s/nodir/state", dir);
		logscan_result_free(&r);
		before = bytes_served;
		is_int(logscan_run(&test_tp, log_path, bad, NULL, &r, &cause),
		    -JF_ERR_IO, "unwritable state: error");
		ok(cause != NULL && strstr(cause, "nodir") != NULL,
		    "cause names it: %s", cause ? cause : "");
		free(cause);
		free(bad);
		(void)before;
	}
	logscan_result_free(&r);
}

static void
test_timeout(void)
{
	const char *cls = NULL;
	double lim = 0, el = 0;
	char *cause = NULL;

	is_int(logscan_timeout_class("Script log timed out, timeout 1000 s, "
	    "elapsed 1100 s", NULL, NULL, &cls, &lim, &el, &cause), 0,
	    "default regexes");
	is_str(cls, "script", "110 percent: the script");
	ok(lim == 1000 && el == 1100, "numbers %g %g", lim, el);
	logscan_timeout_class("timeout=1000, cost 1150", NULL, NULL, &cls,
	    &lim, &el, NULL);
	is_str(cls, "unclear", "115 percent: unclear");
	logscan_timeout_class("timeout: 1000s\nrun 1200s", NULL, NULL, &cls,
	    &lim, &el, NULL);
	is_str(cls, "agent", "120 percent: the agent");
	logscan_timeout_class("timeout 1000000ms elapsed 1250000ms", NULL,
	    "[Ee]lapsed[^0-9]*([0-9]+)", &cls, &lim, &el, NULL);
	ok(lim == 1000 && el == 1250, "milliseconds: %g %g", lim, el);
	is_str(cls, "agent", "configured regex");
	is_int(logscan_timeout_class("Script log timed out", NULL, NULL, &cls,
	    &lim, &el, &cause), -JF_ERR_NOTFOUND, "no numbers");
	ok(cause != NULL, "cause: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	is_int(logscan_timeout_class("x", "([", NULL, &cls, &lim, &el, &cause),
	    -JF_ERR_PARSE, "bad regex");
	free(cause);
	cause = NULL;
	is_int(logscan_timeout_class("timeout 5", "timeout [0-9]+", NULL, &cls,
	    &lim, &el, &cause), -JF_ERR_PARSE, "regex without a group");
	free(cause);
	cause = NULL;
	is_int(logscan_timeout_class("timeout 0 elapsed 5", NULL, NULL, &cls,
	    &lim, &el, &cause), -JF_ERR_NOTFOUND, "a zero timeout");
	free(cause);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	log_path = xasprintf("%s/job.log", dir);
	state_path = xasprintf("%s/job.log.state", dir);
	test_table();
	test_random();  /* first: before this process picks its filter */
	test_buffer();
	test_state_roundtrip();
	test_files();
	test_timeout();
	unlink(log_path);
	unlink(state_path);
	rmdir(dir);
	free(log_path);
	free(state_path);
	return tap_done();
}
