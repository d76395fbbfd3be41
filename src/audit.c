/*
 * audit.c - the hash-chained audit log (see audit.h).
 *
 * Appending, under an flock of the log:
 *   1. read the last complete line of the log and the head file;
 *   2. decide seq and prev: after the last line; after the head when the
 *      log is empty (a rotated log continues the chain, and says so); and
 *      when the log's end and the head disagree (records cut off or edited
 *      since the last write) first write a "chain-break" record saying so,
 *      so the damage stays visible after the head moves on;
 *   3. one write(2) of the line, fsync(2);
 *   4. the head file replaced atomically (temp, fsync, rename, fsync dir).
 * A run killed between 3 and 4 leaves the head one record behind: verify
 * accepts exactly that (the record it lacks links to it) and the next
 * append moves the head on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "transport-local.h"
#include "transport.h"

struct audit {
	char *path;
	char *real;       /* path resolved: what the head names */
	char *head_path;
	char *host;
	char *user;
	int fd;
	int syslog;
	struct transport *local;
};

/* What the end of the log says. */
struct tail {
	int empty;        /* no complete line */
	int torn;         /* the file does not end with a newline */
	int parsed;       /* the last line is a record */
	long seq;
	char hash[65];    /* of the last complete line */
	char prev[65];    /* its prev member */
};

struct head {
	int exists;
	long seq;
	char hash[65];
	char *log;
};

void
audit_sha256(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	static const char hex[] = "0123456789abcdef";

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		fatal("SHA-256 failed");
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

char *
audit_head_path(const char *state_dir)
{
	return path_join(state_dir, "audit.head");
}

/* mkdir -p of path's parent, 0700 for what it makes. */
static int
make_parent(const char *path, char **cause)
{
	char *copy = xstrdup(path), *p;
	int r = 0;

	for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
			r = set_cause(cause, JF_ERR_IO, "audit log directory "
			    "\"%s\": %s", copy, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(copy);
	return r;
}

struct audit *
audit_open(const char *path, const char *state_dir, const char *host,
    char **cause)
{
	struct audit *a;
	struct passwd pw, *pwp = NULL;
	struct stat st;
	char pwbuf[1024], *dir, *slash;
	int fd, r;

	if (path == NULL || *path == '\0') {
		set_cause(cause, JF_ERR_USAGE, "no audit log is set (audit_log "
		    "in jobfix.conf)");
		return NULL;
	}
	/* a directory another user may write: they could remove or swap the
	 * log (the chain would show it) or stop every fix (no record, no
	 * change): not used, as the state directory is not */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	else
		strcpy(dir, ".");
	r = dir_path_trusted(dir, "audit log directory", cause);
	free(dir);
	if (r != 0 || make_parent(path, cause) != 0)
		return NULL;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		set_cause(cause, JF_ERR_IO, "audit log \"%s\": %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		set_cause(cause, JF_ERR_IO, "audit log \"%s\": not a regular "
		    "file", path);
		close(fd);
		return NULL;
	}
	/* another user's log could say anything, and they could rewrite
	 * it: never append to it (jobfix(8), AUDIT LOG) */
	if (st.st_uid != geteuid()) {
		set_cause(cause, JF_ERR_REFUSED, "audit log \"%s\": owned by "
		    "uid %ld, not by the running user (uid %ld): refusing to "
		    "use it", path, (long)st.st_uid, (long)geteuid());
		close(fd);
		return NULL;
	}
	/* a second name elsewhere: records would go into that file too */
	if (st.st_nlink > 1) {
		set_cause(cause, JF_ERR_REFUSED, "audit log \"%s\": it has %ld "
		    "names (hard links): refusing to use it", path,
		    (long)st.st_nlink);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		set_cause(cause, JF_ERR_IO, "audit log \"%s\": chmod 0600: %s",
		    path, strerror(errno));
		close(fd);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->fd = fd;
	a->path = xstrdup(path);
	a->real = realpath(path, NULL);
	a->head_path = audit_head_path(state_dir);
	a->host = xstrdup(host ? host : "localhost");
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 &&
	    pwp != NULL)
		a->user = xstrdup(pw.pw_name);
	else
		a->user = xasprintf("uid %ld", (long)getuid());
	a->local = transport_local_new();
	return a;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	transport_free(a->local);
	free(a->path);
	free(a->real);
	free(a->head_path);
	free(a->host);
	free(a->user);
	free(a);
}

const char *
audit_path(const struct audit *a)
{
	return a->path;
}

void
audit_set_syslog(struct audit *a, int on)
{
	a->syslog = on;
}

/* seq and prev of a parsed line; 0 when it is a record. */
static int
record_fields(json_t *o, long *seq, const char **prev)
{
	json_t *s = json_object_get(o, "seq"), *p = json_object_get(o, "prev");

	if (!json_is_object(o) || !json_is_integer(s) || !json_is_string(p) ||
	    strlen(json_string_value(p)) != 64 || json_integer_value(s) < 1)
		return -1;
	*seq = (long)json_integer_value(s);
	*prev = json_string_value(p);
	return 0;
}

static int
read_tail(struct audit *a, struct tail *t, char **cause)
{
	struct stat st;
	size_t want, start, end;
	char *data;
	ssize_t n;
	json_t *o;
	const char *prev;

	memset(t, 0, sizeof *t);
	t->empty = 1;
	if (fstat(a->fd, &st) == -1)
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": %s",
		    a->path, strerror(errno));
	if (st.st_size == 0)
		return 0;
	want = (size_t)st.st_size < AUDIT_LINE_MAX + 2 ? (size_t)st.st_size :
	    AUDIT_LINE_MAX + 2;
	data = xmalloc(want + 1);
	n = pread(a->fd, data, want, st.st_size - (off_t)want);
	if (n != (ssize_t)want) {
		free(data);
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": read: %s",
		    a->path, n < 0 ? strerror(errno) : "short read");
	}
	data[want] = '\0';
	end = want;
	if (data[end - 1] != '\n') {
		t->torn = 1;
		while (end > 0 && data[end - 1] != '\n')
			end--;
		if (end == 0) {
			free(data);
			t->empty = (size_t)st.st_size == want;
			return 0;
		}
	}
	end--; /* the newline */
	start = end;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	t->empty = 0;
	audit_sha256(data + start, end - start, t->hash);
	data[end] = '\0';
	o = json_loadb(data + start, end - start, 0, NULL);
	if (o != NULL && record_fields(o, &t->seq, &prev) == 0) {
		t->parsed = 1;
		memcpy(t->prev, prev, 65);
	}
	json_decref(o);
	free(data);
	return 0;
}

/* A head file is small: a seq, a hash and a path. */
#define HEAD_MAX 8192

/*
 * Reads the head file: 0 when it was read, -JF_ERR_NOTFOUND when there is
 * none, else negative with *cause saying why it cannot be used (a FIFO, a
 * symbolic link, too big, not a head).  It is opened without blocking and
 * must be a regular file (read_file_local_nofollow).
 */
static int
read_head(const char *path, struct head *h, char **cause)
{
	struct buf b = BUF_INIT;
	json_t *o = NULL, *s, *hh, *l;
	const char *hash;
	int r;

	memset(h, 0, sizeof *h);
	if ((r = read_file_local_nofollow(path, &b, HEAD_MAX, cause)) != 0)
		goto out;
	o = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	s = json_object_get(o, "seq");
	hh = json_object_get(o, "hash");
	l = json_object_get(o, "log");
	hash = json_string_value(hh);
	if (!json_is_object(o) || !json_is_integer(s) ||
	    json_integer_value(s) < 1 || hash == NULL || strlen(hash) != 64 ||
	    strspn(hash, "0123456789abcdef") != 64 ||
	    (l != NULL && (!json_is_string(l) ||
	    *json_string_value(l) == '\0'))) {
		r = set_cause(cause, JF_ERR_PARSE, "\"%s\": not a head file "
		    "(a JSON object with seq, hash and log)", path);
		goto out;
	}
	h->exists = 1;
	h->seq = (long)json_integer_value(s);
	memcpy(h->hash, hash, 65);
	h->log = l != NULL ? xstrdup(json_string_value(l)) : NULL;
out:
	json_decref(o);
	buf_free(&b);
	return r;
}

/* path as a canonical string: its directory resolved, its name kept (for
 * a file that is not there to stat). */
static char *
canon_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *out;

	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	out = real != NULL ? path_join(real, slash ? slash + 1 : path) : NULL;
	free(dir);
	free(real);
	return out;
}

/*
 * Do the two paths name the same file, however spelled (a symbolic link,
 * "//", "./", relative)?  By device and inode when both are there, else by
 * their resolved directories and names.
 */
static int
same_file(const char *a, const struct stat *ast, const char *b)
{
	struct stat x, y;
	char *ca, *cb;
	int r;

	if (ast == NULL && stat(a, &x) == 0)
		ast = &x;
	if (ast != NULL && stat(b, &y) == 0)
		return ast->st_dev == y.st_dev && ast->st_ino == y.st_ino;
	if (ast != NULL)
		return 0; /* one is there, the other is not */
	if (stat(b, &y) == 0)
		return 0;
	ca = canon_path(a);
	cb = canon_path(b);
	r = ca != NULL && cb != NULL ? strcmp(ca, cb) == 0 : strcmp(a, b) == 0;
	free(ca);
	free(cb);
	return r;
}

static int
write_head(struct audit *a, long seq, const char *hash, char **cause)
{
	json_t *o = json_object();
	char *text;
	int r;

	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "hash", json_string(hash));
	json_object_set_new(o, "log", json_string(a->real ? a->real :
	    a->path));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return set_cause(cause, JF_ERR_IO, "audit head: cannot encode");
	r = tlocal_write_nofollow(a->head_path, text, strlen(text), 0600,
	    cause);
	free(text);
	return r;
}

static void
to_syslog(struct audit *a, long seq, json_t *rec, const char *hash)
{
	const char *keys[] = { "run_id", "event", "playbook", "summary",
		"result" };
	struct buf b = BUF_INIT;
	json_t *v;
	size_t i;

	buf_printf(&b, "audit seq=%ld", seq);
	for (i = 0; i < nitems(keys); i++)
		if ((v = json_object_get(rec, keys[i])) != NULL &&
		    json_is_string(v))
			buf_printf(&b, " %s=\"%.200s\"", keys[i],
			    json_string_value(v));
	buf_printf(&b, " hash=%s", hash);
	openlog("jobfix", LOG_PID, LOG_DAEMON);
	syslog(LOG_NOTICE, "%s", b.data);
	closelog();
	buf_free(&b);
}

/* Writes one line (seq and prev given); *hash gets its hash. */
static int
write_record(struct audit *a, long seq, const char *prev, json_t *rec,
    int newline_first, char hash[65], char **cause)
{
	json_t *o = json_object();
	char ts[32], *text, *safe;
	struct buf line = BUF_INIT;
	ssize_t n;
	int r = 0;

	iso_time(ts);
	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "prev", json_string(prev));
	json_object_set_new(o, "host", json_string(a->host));
	json_object_set_new(o, "user", json_string(a->user));
	json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
	json_object_update(o, rec);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return set_cause(cause, JF_ERR_IO, "audit record %ld: cannot "
		    "encode it as JSON", seq);
	/* a last guard: no registered secret leaves in a record */
	safe = redact(text);
	free(text);
	if (strlen(safe) > AUDIT_LINE_MAX) {
		r = set_cause(cause, JF_ERR_TOOBIG, "audit record %ld: %zu "
		    "bytes, over the cap of %zu", seq, strlen(safe),
		    AUDIT_LINE_MAX);
		free(safe);
		return r;
	}
	audit_sha256(safe, strlen(safe), hash);
	if (newline_first)
		buf_addch(&line, '\n');
	buf_addstr(&line, safe);
	buf_addch(&line, '\n');
	free(safe);
	n = write(a->fd, line.data, line.len);
	if (n != (ssize_t)line.len)
		r = set_cause(cause, JF_ERR_IO, "audit log \"%s\": write: %s",
		    a->path, n < 0 ? strerror(errno) : "short write");
	else if (fsync(a->fd) == -1)
		r = set_cause(cause, JF_ERR_IO, "audit log \"%s\": fsync: %s",
		    a->path, strerror(errno));
	buf_free(&line);
	return r;
}

int
audit_append(struct audit *a, json_t *rec, long *seqp, char **cause)
{
	struct tail t;
	struct head h;
	struct stat st;
	char hash[65], prev[65], *hcause = NULL;
	long seq;
	int r, hr, same, torn;
	json_t *brk;

	if (flock(a->fd, LOCK_EX) == -1)
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": flock: %s",
		    a->path, strerror(errno));
	memset(&h, 0, sizeof h);
	if ((r = read_tail(a, &t, cause)) != 0)
		goto out;
	hr = read_head(a->head_path, &h, &hcause);
	/* the head names the log resolved; an older one, as configured */
	same = h.exists && (h.log == NULL || same_file(a->path, fstat(a->fd,
	    &st) == 0 ? &st : NULL, h.log));
	torn = t.torn;
	brk = NULL;
	if (t.empty) {
		if (same && h.seq > 0) {
			/* a rotated log: the chain goes on from the head */
			seq = h.seq + 1;
			memcpy(prev, h.hash, 65);
			json_object_set_new(rec, "continues", json_integer(h.seq));
		} else {
			seq = 1;
			memcpy(prev, AUDIT_HASH_ZERO, 65);
		}
	} else {
		memcpy(prev, t.hash, 65);
		seq = t.parsed ? t.seq + 1 : (same ? h.seq : 0) + 1;
		/* a head that is missing or cannot be read could have hidden
		 * records cut off the end: the new head must not bless it */
		if (!t.parsed || torn || hr != 0 ||
		    (same && strcmp(h.hash, t.hash) != 0 &&
		    !(h.seq == t.seq - 1 && strcmp(h.hash, t.prev) == 0))) {
			char *why = !t.parsed ? xstrdup("the last line of the "
			    "log is not a record") : torn ? xstrdup("the log "
			    "ended in a line cut short") : hr ==
			    -JF_ERR_NOTFOUND ? xstrdup("the head file was "
			    "missing: records cut off the end before this one "
			    "would not show") : hr != 0 ? xasprintf(
			    "the head file could not be used (%s): records cut "
			    "off the end before this one would not show",
			    hcause) : xstrdup("the end of the log is not the "
			    "record the head names: records were cut off or "
			    "edited");
			brk = json_object();
			json_object_set_new(brk, "event",
			    json_string("chain-break"));
			json_object_set_new(brk, "why", json_string(why));
			free(why);
			if (same) {
				json_object_set_new(brk, "head_seq",
				    json_integer(h.seq));
				json_object_set_new(brk, "head_hash",
				    json_string(h.hash));
			}
		}
	}
	if (brk != NULL) {
		r = write_record(a, seq, prev, brk, torn, hash, cause);
		json_decref(brk);
		if (r != 0)
			goto out;
		memcpy(prev, hash, 65);
		seq++;
		torn = 0;
	}
	if ((r = write_record(a, seq, prev, rec, torn, hash, cause)) != 0)
		goto out;
	if ((r = write_head(a, seq, hash, cause)) != 0)
		goto out;
	if (a->syslog)
		to_syslog(a, seq, rec, hash);
	if (seqp != NULL)
		*seqp = seq;
out:
	free(h.log);
	free(hcause);
	flock(a->fd, LOCK_UN);
	return r;
}

void
audit_check_free(struct audit_check *c)
{
	if (c == NULL)
		return;
	free(c->why);
	free(c->note);
	memset(c, 0, sizeof *c);
}

static void
check_bad(struct audit_check *chk, long index, const char *file, long line,
    char *why)
{
	if (chk->bad_record != 0 || chk->head_bad) {
		free(why);
		return;
	}
	chk->bad_record = index;
	chk->bad_file = file;
	chk->bad_line = line;
	chk->why = why;
}

/* One line at a time, capped; *len excludes the newline, *nl says if
 * there was one.  Returns 0 at the end of the file. */
static int
next_line(FILE *fp, struct buf *b, int *nl, int *toolong)
{
	int ch;

	buf_reset(b);
	*nl = 0;
	*toolong = 0;
	while ((ch = getc(fp)) != EOF) {
		if (ch == '\n') {
			*nl = 1;
			return 1;
		}
		if (b->len < AUDIT_LINE_MAX)
			buf_addch(b, (char)ch);
		else
			*toolong = 1;
	}
	return b->len > 0 || *toolong;
}

static void
close_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/*
 * Opens an audit log to read it: without blocking (a FIFO planted at its
 * path would hang the reader), and only a regular file.  0, or
 * -JF_ERR_NOTFOUND, or negative with *cause naming the file.
 */
static int
open_log(const char *path, FILE **fpp, struct stat *st, char **cause)
{
	int fd, fl;

	*fpp = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1)
		return set_cause(cause, errno == ENOENT ? JF_ERR_NOTFOUND :
		    JF_ERR_IO, "audit log \"%s\": %s", path, strerror(errno));
	if (fstat(fd, st) == -1) {
		close_errno(fd);
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": %s",
		    path, strerror(errno));
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": %s, not "
		    "a regular file: refusing to read it", path,
		    file_kind(st->st_mode));
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((*fpp = fdopen(fd, "re")) == NULL) {
		close(fd);
		return set_cause(cause, JF_ERR_IO, "audit log \"%s\": %s",
		    path, strerror(errno));
	}
	return 0;
}

int
audit_verify(const char *const *files, size_t nfiles, const char *head_path,
    const char *log_path, struct audit_check *chk, char **cause)
{
	struct buf b = BUF_INIT;
	struct head h;
	struct stat st, last_st;
	int last_there = 0, hr, for_last, at_end;
	char *hcause = NULL;
	char last_hash[65] = "", last_prev[65] = "", hash[65];
	long last_seq = 0, seq, line, index = 0;
	/* the first gap in seq, and a record of it found further on: then
	 * the records were moved, not deleted */
	long gap_lo = 0, gap_hi = 0, gap_index = 0, gap_seq = 0, gap_after = 0;
	long moved_seq = 0, moved_line = 0;
	const char *prev, *ev, *moved_file = NULL;
	json_t *o;
	size_t fi;
	FILE *fp;
	int nl, toolong;

	memset(chk, 0, sizeof *chk);
	b.max = AUDIT_LINE_MAX + 1;
	for (fi = 0; fi < nfiles; fi++) {
		if ((hr = open_log(files[fi], &fp, &st, &hcause)) != 0) {
			if (hr == -JF_ERR_NOTFOUND && fi == nfiles - 1 &&
			    nfiles == 1) {
				free(hcause);
				hcause = NULL;
				break; /* no log yet: the head says if it should be */
			}
			buf_free(&b);
			audit_check_free(chk);
			if (cause != NULL)
				*cause = hcause;
			else
				free(hcause);
			return hr;
		}
		if (fi == nfiles - 1) {
			last_st = st;
			last_there = 1;
		}
		line = 0;
		while (next_line(fp, &b, &nl, &toolong)) {
			line++;
			index++;
			if (toolong) {
				check_bad(chk, index, files[fi], line, xasprintf(
				    "longer than %zu bytes", AUDIT_LINE_MAX));
				continue;
			}
			if (!nl) {
				check_bad(chk, index, files[fi], line, xstrdup(
				    "cut short: no newline at its end"));
				continue;
			}
			audit_sha256(b.data ? b.data : "", b.len, hash);
			o = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
			if (o == NULL || record_fields(o, &seq, &prev) != 0) {
				check_bad(chk, index, files[fi], line, xstrdup(
				    "not a record (not JSON, or no seq and "
				    "prev)"));
				json_decref(o);
				memcpy(last_hash, hash, 65);
				continue;
			}
			if (index == 1) {
				chk->first_seq = seq;
				if (seq == 1 && strcmp(prev, AUDIT_HASH_ZERO) != 0)
					check_bad(chk, index, files[fi], line,
					    xstrdup("record 1 does not start a "
					    "chain (its prev is not zero)"));
				else if (seq > 1 && json_object_get(o,
				    "continues") == NULL) {
					/* cut, unless those records turn up
					 * further on (a swap with record 1) */
					gap_lo = 1;
					gap_hi = seq - 1;
					gap_index = index;
					gap_seq = seq;
					gap_after = 0;
					check_bad(chk, index, files[fi], line,
					    xasprintf("the log starts at record "
					    "%ld: records before it were cut "
					    "from the start", seq));
				}
				else if (seq > 1)
					chk->note = xasprintf("the log starts "
					    "at record %ld, continuing a rotated "
					    "log: give the older file first to "
					    "check across both", seq);
			} else if (last_seq != 0 && seq != last_seq + 1) {
				if (seq > last_seq + 1 && gap_index == 0 &&
				    chk->bad_record == 0) {
					gap_lo = last_seq + 1;
					gap_hi = seq - 1;
					gap_index = index;
					gap_seq = seq;
					gap_after = last_seq;
				}
				check_bad(chk, index, files[fi], line, seq >
				    last_seq + 1 ? (seq == last_seq + 2 ?
				    xasprintf("record %ld is missing (deleted)",
				    last_seq + 1) : xasprintf("records %ld to "
				    "%ld are missing (deleted)", last_seq + 1,
				    seq - 1)) : seq == last_seq ? xasprintf(
				    "record %ld is there twice", seq) :
				    xasprintf("records out of order: record %ld "
				    "comes after record %ld", seq, last_seq));
			} else if (strcmp(prev, last_hash) != 0) {
				/* the one before was changed after it was
				 * written: that is the broken record */
				check_bad(chk, index - 1, files[fi], line - 1 >
				    0 ? line - 1 : line, xasprintf("record %ld "
				    "was changed after it was written: its hash "
				    "is not the prev that record %ld holds",
				    last_seq ? last_seq : seq - 1, seq));
			}
			if ((ev = json_string_value(json_object_get(o,
			    "event"))) != NULL && strcmp(ev, "chain-break") == 0)
				check_bad(chk, index, files[fi], line, xasprintf(
				    "record %ld was written when jobfix found "
				    "the log damaged: %s", seq,
				    json_string_value(json_object_get(o,
				    "why")) ? json_string_value(json_object_get(
				    o, "why")) : "?"));
			if (gap_index != 0 && index > gap_index &&
			    moved_seq == 0 && seq >= gap_lo && seq <= gap_hi) {
				moved_seq = seq;
				moved_file = files[fi];
				moved_line = line;
			}
			memcpy(last_prev, prev, 65);
			memcpy(last_hash, hash, 65);
			last_seq = seq;
			json_decref(o);
		}
		fclose(fp);
	}
	buf_free(&b);
	chk->records = index;
	if (moved_seq != 0 && chk->bad_record == gap_index) {
		free(chk->why);
		chk->why = gap_after == 0 ? xasprintf("records out of order: "
		    "the log starts at record %ld, and record %ld is further on "
		    "(%s line %ld): moved or swapped, not cut from the start",
		    gap_seq, moved_seq, moved_file, moved_line) : xasprintf(
		    "records out of order: record %ld comes right after record "
		    "%ld, and record %ld is further on (%s line %ld): moved or "
		    "swapped, not deleted", gap_seq, gap_after, moved_seq,
		    moved_file, moved_line);
	}
	if (head_path == NULL || nfiles == 0)
		return 0;
	hr = read_head(head_path, &h, &hcause);
	/* the head proves the end by its hash, whatever file it names */
	at_end = hr == 0 && index > 0 && ((h.seq == last_seq &&
	    strcmp(h.hash, last_hash) == 0) || (h.seq == last_seq - 1 &&
	    strcmp(h.hash, last_prev) == 0));
	for_last = hr == 0 && (h.log == NULL || same_file(files[nfiles - 1],
	    last_there ? &last_st : NULL, h.log));
	if (hr == 0 && !for_last && !at_end) {
		if (log_path != NULL && same_file(files[nfiles - 1],
		    last_there ? &last_st : NULL, log_path) && index > 0) {
			/* the configured log: its head must be its own */
			chk->head_missing = 1;
			if (chk->why == NULL)
				chk->why = xasprintf("the head file %s is for "
				    "\"%s\", not for this log: the end of the "
				    "log can no longer be checked (records cut "
				    "off the end would not show)", head_path,
				    h.log);
		} else if (index > 0) {
			/* a rotated log, or a copy, on its own */
			chk->tail_unchecked = 1;
			free(chk->note);
			chk->note = xasprintf("the head file is for \"%s\", "
			    "not for this file: give the files oldest first, "
			    "ending with that one, to check across them", h.log);
		}
	} else if (hr != 0 && hr != -JF_ERR_NOTFOUND) {
		/* a FIFO, a link, a directory, garbage: not a head */
		chk->head_missing = 1;
		if (chk->why == NULL)
			chk->why = xasprintf("the head file cannot be used: %s: "
			    "the end of the log can no longer be checked "
			    "(records cut off the end would not show)", hcause);
	} else if (hr != 0 && index > 0) {
		/* nothing to compare the end with: records cut off the end
		 * leave a chain that looks whole */
		chk->head_missing = 1;
		if (chk->why == NULL)
			chk->why = xasprintf("the head file %s is missing: the "
			    "end of the log can no longer be checked (records "
			    "cut off the end would not show)", head_path);
	} else if (h.exists && index == 0 && h.seq > 0) {
		chk->head_bad = 1;
		free(chk->why);
		chk->why = xasprintf("the log is empty, but the head says %ld "
		    "records were written: it was truncated (or rotated with "
		    "no record since: give the older file first)", h.seq);
	} else if (h.exists && index > 0 && chk->bad_record == 0) {
		if (h.seq == last_seq && strcmp(h.hash, last_hash) == 0)
			;
		else if (h.seq == last_seq - 1 && strcmp(h.hash, last_prev) == 0)
			chk->note = xasprintf("the head is one record behind "
			    "(a run stopped between writing record %ld and "
			    "the head); the next record moves it on",
			    last_seq);
		else {
			chk->head_bad = 1;
			chk->why = h.seq > last_seq ? xasprintf("records %ld "
			    "to %ld were cut off the end (the head says the "
			    "log ends at record %ld)", last_seq + 1, h.seq,
			    h.seq) : h.seq == last_seq ? xasprintf("the last "
			    "record (%ld) was changed after it was written: "
			    "its hash is not the one in the head", last_seq) :
			    xasprintf("the log ends at record %ld, the head "
			    "at record %ld: records were added without "
			    "jobfix or the head was replaced", last_seq,
			    h.seq);
		}
	}
	free(h.log);
	free(hcause);
	return 0;
}

int
audit_read(const char *path, json_t **records, size_t *bad, char **cause)
{
	struct buf b = BUF_INIT;
	json_t *arr = json_array(), *o;
	struct stat st;
	FILE *fp;
	int nl, toolong, r;

	*bad = 0;
	if ((r = open_log(path, &fp, &st, cause)) != 0) {
		if (r == -JF_ERR_NOTFOUND) {
			if (cause != NULL) {
				free(*cause);
				*cause = NULL;
			}
			*records = arr;
			return 0;
		}
		json_decref(arr);
		return r;
	}
	b.max = AUDIT_LINE_MAX + 1;
	while (next_line(fp, &b, &nl, &toolong)) {
		o = toolong ? NULL : json_loadb(b.data ? b.data : "", b.len, 0,
		    NULL);
		if (json_is_object(o))
			json_array_append_new(arr, o);
		else {
			json_decref(o);
			(*bad)++;
		}
	}
	fclose(fp);
	buf_free(&b);
	*records = arr;
	return 0;
}
