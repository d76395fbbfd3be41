/*
 * test-audit.c - the hash-chained audit log: appends, the head, and every
 * way verify must find damage (an edited, deleted or cut record, a cut
 * last line, garbage, an emptied log), rotation, and that no registered
 * secret is ever written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "fault.h"
#include "tap.h"

static char dir[64], logp[128], state[128], headp[160];

static void
append(struct audit *a, const char *event, const char *msg)
{
	json_t *o = json_object();
	char *cause = NULL;

	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "message", json_string(msg));
	if (audit_append(a, o, NULL, &cause) != 0) {
		printf("# append: %s\n", cause);
		free(cause);
	}
	json_decref(o);
}

static struct audit *
reopen(void)
{
	char *cause = NULL;
	struct audit *a = audit_open(logp, state, "testhost", &cause);

	if (a == NULL) {
		printf("# open: %s\n", cause);
		free(cause);
		exit(1);
	}
	return a;
}

static void
fresh(int n)
{
	struct audit *a;
	char buf[32];
	int i;

	unlink(logp);
	unlink(headp);
	a = reopen();
	for (i = 1; i <= n; i++) {
		snprintf(buf, sizeof buf, "record %d", i);
		append(a, "applied", buf);
	}
	audit_close(a);
}

static struct buf
slurp(const char *path)
{
	struct buf b = BUF_INIT;

	read_file_local(path, &b, 0, NULL);
	return b;
}

static void
spew(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	fwrite(data, 1, len, fp);
	fclose(fp);
}

/* The log with line n (1-based) replaced by repl (NULL: removed). */
static void
edit_line(int n, const char *repl)
{
	struct buf b = slurp(logp), out = BUF_INIT;
	char *p = b.data, *nl;
	int i = 0;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		i++;
		if (i == n) {
			if (repl != NULL)
				buf_printf(&out, "%s\n", repl);
		} else
			buf_add(&out, p, nl ? (size_t)(nl - p + 1) : strlen(p));
		p = nl ? nl + 1 : NULL;
	}
	spew(logp, out.data ? out.data : "", out.len);
	buf_free(&b);
	buf_free(&out);
}

static struct audit_check
verify(void)
{
	struct audit_check chk;
	const char *files[1] = { logp };
	char *cause = NULL;

	if (audit_verify(files, 1, headp, logp, &chk, &cause) != 0) {
		printf("# verify: %s\n", cause);
		free(cause);
	}
	return chk;
}

/* Does following upstream lists from f come back to start? */
static int
loops(const struct fault *start, const struct fault *f, int depth)
{
	char *copy, *p, *id;
	const struct fault *u;
	int r = 0;

	if (f->upstream == NULL || depth > 16)
		return depth > 16;
	copy = xstrdup(f->upstream);
	for (p = copy; r == 0 && (id = strsep(&p, ",")) != NULL;)
		if ((u = fault_find(id)) != NULL)
			r = u == start || loops(start, u, depth + 1);
	free(copy);
	return r;
}

/* Every upstream fault named exists, and no fault waits on itself. */
static void
upstream_lists(void)
{
	const struct fault *t = NULL;
	char *copy, *p, *id;
	size_t n, i;
	int missing = 0, cycles = 0;

	t = fault_table(&n);
	for (i = 0; i < n; i++) {
		if (t[i].upstream == NULL)
			continue;
		copy = xstrdup(t[i].upstream);
		for (p = copy; (id = strsep(&p, ",")) != NULL;)
			if (fault_find(id) == NULL) {
				printf("# %s: unknown upstream \"%s\"\n",
				    t[i].id, id);
				missing++;
			}
		free(copy);
		if (loops(&t[i], &t[i], 0)) {
			printf("# %s waits on itself\n", t[i].id);
			cycles++;
		}
	}
	is_int(missing, 0, "every upstream fault named exists");
	is_int(cycles, 0, "no fault is its own upstream, however far");
	ok(fault_find("wait.rabbitmq.creds")->upstream != NULL &&
	    strstr(fault_find("wait.rabbitmq.creds")->upstream,
	    "wait.rabbitmq.down") != NULL,
	    "no restarting Job for its credentials while RabbitMQ is down");
}

int
main(void)
{
	struct audit_check chk;
	struct audit *a;
	struct buf b;
	struct stat st;
	char sum[65], line2[4096], rotated[160], *cause = NULL;
	const char *files[2];
	json_t *recs = NULL;
	size_t bad;

	upstream_lists();
	snprintf(dir, sizeof dir, "/tmp/test-audit.%ld", (long)getpid());
	snprintf(logp, sizeof logp, "%s/log/sub/audit.log", dir);
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(headp, sizeof headp, "%s/audit.head", state);
	mkdir(dir, 0700);
	mkdir(state, 0700);

	audit_sha256("abc", 3, sum);
	is_str(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256 of abc (OpenSSL)");

	/* a whole chain */
	fresh(3);
	ok(stat(logp, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the log is created with mode 0600, parent directories made");
	chk = verify();
	is_int(chk.records, 3, "three records read");
	is_int(chk.bad_record, 0, "the chain is whole");
	is_int(chk.head_bad, 0, "the head matches the end");
	audit_check_free(&chk);
	b = slurp(logp);
	ok(strstr(b.data, "\"seq\":1,") != NULL && strstr(b.data,
	    "\"prev\":\"" AUDIT_HASH_ZERO "\"") != NULL,
	    "record 1 starts the chain with a zero prev");
	ok(strstr(b.data, "\"host\":\"testhost\"") != NULL &&
	    strstr(b.data, "\"user\":") != NULL, "records name host and user");
	buf_free(&b);

	/* an edited record in the middle */
	b = slurp(logp);
	{
		char *s = strstr(b.data, "record 2");
		s[7] = 'X';
	}
	spew(logp, b.data, b.len);
	buf_free(&b);
	chk = verify();
	is_int(chk.bad_record, 2, "an edited record 2 is named");
	ok(chk.why && strstr(chk.why, "changed") != NULL, "as changed: %s",
	    chk.why ? chk.why : "");
	audit_check_free(&chk);

	/* a deleted record */
	fresh(4);
	edit_line(2, NULL);
	chk = verify();
	is_int(chk.bad_record, 2, "the record after a deleted one is named");
	ok(chk.why && strstr(chk.why, "record 2 is missing") != NULL,
	    "and the missing one: %s", chk.why ? chk.why : "");
	audit_check_free(&chk);

	/* the first record deleted */
	fresh(3);
	edit_line(1, NULL);
	chk = verify();
	is_int(chk.bad_record, 1, "a log cut at its start is broken");
	audit_check_free(&chk);

	/* the last record cut off: only the head can tell */
	fresh(3);
	edit_line(3, NULL);
	chk = verify();
	is_int(chk.bad_record, 0, "a log cut at the end still chains");
	is_int(chk.head_bad, 1, "but the head finds the cut");
	ok(chk.why && strstr(chk.why, "cut off the end") != NULL, "%s",
	    chk.why ? chk.why : "");
	audit_check_free(&chk);

	/* appending after the cut leaves a chain-break record */
	a = reopen();
	append(a, "applied", "after the cut");
	audit_close(a);
	chk = verify();
	ok(chk.bad_record == 3, "an append after a cut writes a chain-break "
	    "record verify names (got %ld)", chk.bad_record);
	audit_check_free(&chk);

	/* the last record edited */
	fresh(3);
	b = slurp(logp);
	{
		char *s = strstr(b.data, "record 3");
		s[0] = 'R';
	}
	spew(logp, b.data, b.len);
	buf_free(&b);
	chk = verify();
	is_int(chk.head_bad, 1, "an edited last record is found by the head");
	audit_check_free(&chk);

	/* the whole log emptied */
	fresh(2);
	spew(logp, "", 0);
	chk = verify();
	is_int(chk.head_bad, 1, "an emptied log is found by the head");
	audit_check_free(&chk);

	/* a cut last line, garbage, NUL bytes, CRLF */
	fresh(2);
	b = slurp(logp);
	spew(logp, b.data, b.len - 5);
	buf_free(&b);
	chk = verify();
	is_int(chk.bad_record, 2, "a line cut short is broken");
	audit_check_free(&chk);
	a = reopen();
	append(a, "applied", "after a torn line");
	audit_close(a);
	chk = verify();
	is_int(chk.records, 4, "an append after a torn line starts a new line");
	ok(chk.bad_record != 0, "and the damage stays visible");
	audit_check_free(&chk);
	fresh(2);
	edit_line(2, "{\"seq\":2,\"prev\":\"x\"}");
	chk = verify();
	is_int(chk.bad_record, 2, "a record without a proper prev is broken");
	audit_check_free(&chk);
	fresh(1);
	spew(logp, "\0\0\0\n", 4);
	chk = verify();
	is_int(chk.bad_record, 1, "NUL bytes are broken");
	audit_check_free(&chk);
	fresh(2);
	b = slurp(logp);
	memcpy(line2, b.data, strcspn(b.data, "\n"));
	line2[strcspn(b.data, "\n")] = '\0';
	buf_free(&b);
	strcat(line2, "\r");
	edit_line(1, line2);
	chk = verify();
	ok(chk.bad_record != 0, "a CRLF line is not the line that was hashed");
	audit_check_free(&chk);

	/* the head one behind (killed between the write and the head) */
	fresh(2);
	b = slurp(headp);
	a = reopen();
	append(a, "applied", "three");
	audit_close(a);
	spew(headp, b.data, b.len);
	buf_free(&b);
	chk = verify();
	ok(chk.bad_record == 0 && !chk.head_bad && chk.note != NULL,
	    "a head one record behind is accepted, with a note");
	audit_check_free(&chk);
	a = reopen();
	append(a, "applied", "four");
	audit_close(a);
	chk = verify();
	ok(chk.bad_record == 0 && !chk.head_bad && chk.note == NULL,
	    "the next append moves the head on");
	is_int(chk.records, 4, "four records");
	audit_check_free(&chk);

	/* rotation: the chain goes on in the new file */
	snprintf(rotated, sizeof rotated, "%s.1", logp);
	rename(logp, rotated);
	a = reopen();
	append(a, "mark", "after rotation");
	audit_close(a);
	chk = verify();
	ok(chk.bad_record == 0 && !chk.head_bad && chk.first_seq == 5,
	    "a rotated log continues at record 5");
	ok(chk.note != NULL, "with a note about the older file");
	audit_check_free(&chk);
	files[0] = rotated;
	files[1] = logp;
	ok(audit_verify(files, 2, headp, logp, &chk, NULL) == 0 &&
	    chk.bad_record == 0 && !chk.head_bad && chk.records == 5,
	    "the old and new file verify as one chain");
	audit_check_free(&chk);
	unlink(rotated);

	/* no secret is written */
	fresh(0);
	secret_register("Sup3r-Secret-Value");
	a = reopen();
	append(a, "applied", "password=Sup3r-Secret-Value");
	audit_close(a);
	b = slurp(logp);
	ok(b.data && strstr(b.data, "Sup3r-Secret-Value") == NULL &&
	    strstr(b.data, SECRET_MASK) != NULL, "a secret is masked in the log");
	buf_free(&b);
	chk = verify();
	is_int(chk.bad_record, 0, "and the masked record chains");
	audit_check_free(&chk);
	secret_clear_all();

	/* audit_read */
	fresh(2);
	b = slurp(logp);
	buf_addstr(&b, "garbage\n");
	spew(logp, b.data, b.len);
	buf_free(&b);
	ok(audit_read(logp, &recs, &bad, &cause) == 0 &&
	    json_array_size(recs) == 2 && bad == 1,
	    "audit_read: two records, one bad line");
	json_decref(recs);
	unlink(logp);
	ok(audit_read(logp, &recs, &bad, &cause) == 0 &&
	    json_array_size(recs) == 0, "a missing log reads as empty");
	json_decref(recs);

	/* a missing log without a head is whole; with a head it is not */
	unlink(headp);
	chk = verify();
	ok(chk.records == 0 && chk.bad_record == 0 && !chk.head_bad,
	    "no log and no head: nothing to find");
	audit_check_free(&chk);

	/* bad paths */
	ok(audit_open("", state, "h", &cause) == NULL && cause != NULL,
	    "an empty path is refused");
	free(cause);
	cause = NULL;
	a = audit_open("/proc/nonexistent/x/audit.log", state, "h", &cause);
	ok(a == NULL && cause != NULL, "an unwritable path is refused: %s",
	    cause ? cause : "");
	free(cause);

	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# cleanup failed\n");
	}
	return tap_done();
}
