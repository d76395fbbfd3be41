/*
 * logscan.h - incremental scanning of Job's logs for known signatures.
 *
 * A log file is read through a transport in big pieces, from where the
 * previous run stopped, and every complete line is searched for all the
 * signatures of one const table at once.  What was found (per signature: a
 * cumulative count, the last matching line, its line number, when it was
 * seen) is kept between runs in a small local state file, so a rescan of a
 * 1 GiB log after a few new lines reads only the new bytes.
 *
 * Counts are of lines: a line with a signature twice counts once for it; a
 * line with two signatures counts for both.  This engine knows nothing of
 * facts, sites or configuration (probe-logs.c turns its results into facts).
 */
#ifndef JOBFIX_LOGSCAN_H
#define JOBFIX_LOGSCAN_H

#include <stdint.h>

#include "transport.h"

/* The longest text kept of a matching line (with, for LOGSCAN_SIG_CONTEXT,
 * the text after it). */
#define LOGSCAN_LINE_MAX 512
/* A line longer than this is cut here and its pieces scanned as lines; a
 * match split by the cut is missed. */
#define LOGSCAN_LONG_LINE ((size_t)64 << 20)
#define LOGSCAN_CHUNK_DEFAULT ((size_t)16 << 20)

/* A signature's text may only stand between non-digits (error codes). */
#define LOGSCAN_SIG_DIGITS 0x1
/* Keep the text after the matching line too, up to LOGSCAN_LINE_MAX bytes
 * (the script timeout line: its numbers may follow on the next line). */
#define LOGSCAN_SIG_CONTEXT 0x2

struct logscan_sig {
	const char *id;      /* fact name part: "partition", "code_1210001" */
	const char *doc;     /* one line for people */
	const char *const *texts; /* NULL-terminated; any of them matches */
	int flags;
};

/* The table of every signature, in a stable order. */
const struct logscan_sig *logscan_sigs(size_t *n);
/* Index of a signature id, or -1. */
int logscan_sig_index(const char *id);

struct logscan_hit {
	uint64_t count;      /* matching lines since scanning began */
	uint64_t new_count;  /* in the bytes read by this run */
	char *last;          /* the last matching line, NUL-free, capped;
	                        NULL if never seen */
	uint64_t last_line;  /* its line number in the file (1-based) */
	uint64_t last_offset;/* the byte offset of its start */
	int64_t last_seen;   /* wall clock (s) of the run that found it */
};

struct logscan_result {
	int exists;          /* the file exists */
	off_t size;
	int64_t mtime_ns;
	uint64_t offset;     /* consumed up to here (after the last full line) */
	uint64_t lines;      /* full lines consumed since the file began */
	uint64_t bytes_read; /* by this run */
	int rotated;         /* another inode or other first bytes: started at 0 */
	int truncated;       /* smaller than the offset: started at 0 */
	int state_reset;     /* the state file was unreadable: started over */
	int incomplete;      /* stopped at the deadline; the next run goes on */
	uint64_t ino;        /* the file's identity: inode, and a hash of its */
	uint64_t head_len;   /* first head_len bytes (FNV-1a 64) */
	uint64_t head_hash;
	size_t nhits;        /* = the number of signatures */
	struct logscan_hit *hits; /* indexed like logscan_sigs() */
};

struct logscan_opts {
	size_t chunk;        /* bytes per read_range (0: the default) */
	int64_t deadline;    /* now_ms() clock; 0: none */
	int readonly;        /* read the state file, never write it (a run
				that changes nothing: diagnose, a dry run);
				the next run reads the same bytes again */
};

/*
 * Scans path through t from the offset remembered in state_file (a local
 * path; written atomically) and fills out (free it with
 * logscan_result_free).  A missing file is no error: out->exists is 0 and
 * the counts are those remembered.  opts may be NULL.
 */
int logscan_run(struct transport *t, const char *path, const char *state_file,
    const struct logscan_opts *opts, struct logscan_result *out, char **cause);
void logscan_result_free(struct logscan_result *);

/*
 * The scanning core on memory, for tests and fuzzing: counts every
 * signature in the complete lines of data[0..len) (a last line without \n
 * counts too) into hits, numbering lines from first_line and offsets from
 * base.  Returns the number of lines.
 */
uint64_t logscan_buffer(const char *data, size_t len, uint64_t base,
    uint64_t first_line, struct logscan_hit *hits, int64_t now);

/* The state file's text for a result, and back (for tests and fuzzing). */
char *logscan_state_format(const struct logscan_result *);
/* Fills out (hits allocated for every signature; ids not in the table are
 * skipped); -JF_ERR_PARSE with the line in cause for anything else. */
int logscan_state_parse(const char *text, size_t len, const char *name,
    struct logscan_result *out, char **cause);

/*
 * Script timeout classification (FAQ 6): the configured timeout and the
 * elapsed time are pulled out of text with two POSIX extended regexes; the
 * number is the last capture group that took part in the match (with one
 * group, the first), in seconds, or in milliseconds when "ms" follows it.
 * elapsed <= limit * 1.10: "script" (the script is slow); >= limit * 1.20:
 * "agent" (the agent stopped answering); between: "unclear".  Returns 0 and
 * the class, -JF_ERR_NOTFOUND when a number is missing, -JF_ERR_PARSE for a
 * bad regex.  The defaults are those of jobfix.conf (conf.c).
 */
#define LOGSCAN_TIMEOUT_LIMIT_RE "[Tt]imeout[^0-9]{0,16}([0-9]+)"
#define LOGSCAN_TIMEOUT_ELAPSED_RE \
	"([Cc]ost|[Ee]lapsed|[Rr]un)[^0-9]{0,16}([0-9]+)"
int logscan_timeout_class(const char *text, const char *limit_re,
    const char *elapsed_re, const char **cls, double *limit, double *elapsed,
    char **cause);

#endif
