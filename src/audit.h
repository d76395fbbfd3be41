/*
 * audit.h - the audit log: one JSON object a line, appended, hash-chained.
 *
 * Every record carries "seq" (1, 2, ...) and "prev", the SHA-256 (hex) of
 * the previous record's line as written, without its newline; the first
 * record of a chain has 64 zeros.  The newest seq and hash are also kept in
 * STATE/audit.head, so cutting records off the end is found too.  A record
 * is written with one write(2) and fsync(2), under an flock(2) of the log,
 * so two writers (a run, and `jobfix pause` beside it) never interleave.
 *
 * The chain finds accidents and naive edits; someone who can write both the
 * log and the state directory can forge a new chain.  The syslog copy (one
 * line a record, with the hash) is the witness kept elsewhere.
 */
#ifndef JOBFIX_AUDIT_H
#define JOBFIX_AUDIT_H

#include <jansson.h>
#include <stdio.h>

#include "exec.h"

#define AUDIT_HASH_ZERO \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_LINE_MAX ((size_t)256 << 10) /* a longer line is broken */

struct audit;

/* Opens the log for appending, creating it (mode 0600; missing parent
 * directories 0700).  state_dir holds audit.head; host names this host in
 * every record. */
struct audit *audit_open(const char *path, const char *state_dir,
    const char *host, char **cause);
void audit_close(struct audit *);
const char *audit_path(const struct audit *);
/* Send each record to syslog too (one line). */
void audit_set_syslog(struct audit *, int on);

/* Appends a record: seq, time, prev, host, user, pid, then the members of
 * rec (borrowed; every string in it must already be masked).  *seq (if not
 * NULL) gets the record's number. */
int audit_append(struct audit *, json_t *rec, long *seq, char **cause);

/* Lower-case hex SHA-256 (OpenSSL) of data. */
void audit_sha256(const void *data, size_t len, char out[65]);

/* The head file of a state directory (caller frees). */
char *audit_head_path(const char *state_dir);

/* What verify found. */
struct audit_check {
	long records;     /* records read */
	long first_seq;   /* seq of the first record (0: none) */
	long bad_record;  /* 1-based index of the first broken record; 0: whole */
	long bad_line;    /* its line in its file */
	const char *bad_file;
	char *why;        /* what is wrong, when bad_record or head_bad */
	int head_bad;     /* the head file disagrees with the end of the log */
	int head_missing; /* records, but no head file to check their end by:
			     records cut off the end would not show (why
			     says so) */
	int tail_unchecked; /* the head is for another file (the last file
			       given is a rotated log or a copy, not the
			       configured log): the chain was checked, its
			       end was not; note says so */
	char *note;       /* a remark that is not a failure (rotation) */
};
void audit_check_free(struct audit_check *);

/*
 * Checks files (oldest first) as one chain, then the last one against the
 * head file (head_path NULL: no head check).  The head names its log by
 * its resolved path; it is compared by device and inode, so any spelling
 * of the same file is checked.  A head for another file fails the check
 * (head_missing) when the last file is log_path, the configured log;
 * otherwise (a rotated log verified alone) it sets tail_unchecked.  A head
 * that is not a regular file, a symbolic link, too big or not a head sets
 * head_missing, why naming it; an audit log that is not a regular file is
 * an error.  Nothing is opened in a way that blocks.  Records that are all there
 * but not in seq order are named out of order, not missing.  Returns 0 when it could read
 * them (the verdict is in *chk), negative when a file cannot be read.
 */
int audit_verify(const char *const *files, size_t nfiles,
    const char *head_path, const char *log_path, struct audit_check *chk,
    char **cause);

/* Every record of a log that parses, in order, as a JSON array (a missing
 * file is empty).  Lines that do not parse are skipped and counted. */
int audit_read(const char *path, json_t **records, size_t *bad,
    char **cause);

#endif
