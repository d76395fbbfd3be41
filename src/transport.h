/*
 * transport.h - the only way a probe or a step touches a host.
 *
 * Two implementations: transport-local.c (this host, system calls) and
 * transport-ssh.c (a remote host over one libssh2 session).  Code above this
 * interface never knows which one it has.  All functions return 0 or a
 * negative jf_err with a message in *cause naming the host and path.
 *
 * Two views of one host.  The writable transport is the executor's alone
 * (exec.c, the gate); everything else (probes, the planning half of every
 * step, the commands) gets the read-only view, transport_readonly_new():
 * reads, stat, realpath, listings, the process and socket tables pass
 * through; write_file, unlink and run refuse with -JF_ERR_PROGRAM, a
 * programming error a test catches.  A program that only reads (rabbitmqctl
 * list_*, a status query) is run through tp_query(), the explicit
 * read-only entry that works on either view.
 */
#ifndef JOBFIX_TRANSPORT_H
#define JOBFIX_TRANSPORT_H

#include <sys/types.h>

#include "util.h"

struct transport;

struct tstat {
	int exists;
	mode_t mode; /* including the file type bits */
	uid_t uid;
	gid_t gid;
	off_t size;
	int64_t mtime_ns;
	uint64_t ino;
};

/* A process: pid and its command line with NULs turned to spaces. */
struct tproc {
	pid_t pid;
	char *cmdline;
};

/* A TCP socket from /proc/net/tcp{,6}. */
struct tsock {
	char local[64]; /* address, printable */
	int lport;
	char remote[64];
	int rport;
	int state; /* TCP_ESTABLISHED = 1, TCP_LISTEN = 10, as in the kernel */
	uint64_t inode;
};

/*
 * What write_file must find at the path right before it replaces it, so a
 * person's edit made since jobfix read the file is never lost (STYLE.md 13).
 * The comparison is made as late as the platform allows: after the new
 * content is written and synced, right before the rename.  A mismatch is
 * -JF_ERR_CHANGED, the file untouched, and found says what is there.
 */
enum texpect {
	TEXPECT_ANY = 0,  /* no check: jobfix's own files */
	TEXPECT_ABSENT,   /* the path must not exist (a new file) */
	TEXPECT_SHA256,   /* the file must hold exactly the content hashed */
};

struct tcheck {
	enum texpect expect;
	char sha256[65];  /* TEXPECT_SHA256: lower-case hex */
	/* Set on -JF_ERR_CHANGED: the hex SHA-256 of what the file holds
	 * now, or "" when there is no file. */
	char found[65];
};

/* Expect content (exists = 1) or no file (exists = 0). */
void tcheck_expect(struct tcheck *, const void *content, size_t len,
    int exists);
/* Lower-case hex SHA-256 of data. */
void tsha256_hex(const void *data, size_t len, char out[65]);

/* What run() gives back. */
struct trun_result {
	int status;      /* exit status, or 128 + signal; -1 if it never ran */
	struct buf out;  /* stdout, capped */
	struct buf err;  /* stderr, capped */
	int timed_out;
};

/* One read of a batch (transport_read_batch): what it asks, what it got. */
enum tread_kind { TREAD_FILE, TREAD_PROCS, TREAD_TCP };
struct tread {
	enum tread_kind kind;
	const char *path;     /* TREAD_FILE: as read_file */
	size_t max;
	/* results: r is 0 or a negative jf_err with cause, as each op's */
	int r;
	char *cause;
	struct buf data;      /* TREAD_FILE */
	struct tproc *procs;  /* TREAD_PROCS */
	size_t nprocs;
	struct tsock *socks;  /* TREAD_TCP */
	size_t nsocks;
};

struct transport_ops {
	const char *name; /* "local", "ssh" */
	int (*read_file)(struct transport *, const char *path, struct buf *out,
	    size_t max, char **cause);
	/* Appends at most max bytes of path from offset to out (fewer at the
	 * end of the file); for reading big logs in pieces. */
	int (*read_range)(struct transport *, const char *path, uint64_t offset,
	    size_t max, struct buf *out, char **cause);
	/*
	 * Replace path with data atomically: temp file in the same directory,
	 * fsync, rename, fsync the directory.  Mode, owner and group of the old
	 * file are kept (mode is used for a new file).  A symlink is followed:
	 * its target is replaced and the link stays.  With check (NULL: no
	 * check), the file is replaced only if it still holds what check
	 * expects; otherwise -JF_ERR_CHANGED, nothing changed, check->found
	 * set.
	 */
	int (*write_file)(struct transport *, const char *path, const void *data,
	    size_t len, mode_t mode, struct tcheck *check, char **cause);
	int (*stat)(struct transport *, const char *path, struct tstat *,
	    char **cause);
	/* Resolve symlinks; the result is what write_file would replace. */
	int (*realpath)(struct transport *, const char *path, char **out,
	    char **cause);
	/* Names in a directory (not . or ..), sorted. */
	int (*list_dir)(struct transport *, const char *path, char ***names,
	    size_t *n, char **cause);
	int (*list_procs)(struct transport *, struct tproc **, size_t *n,
	    char **cause);
	int (*list_tcp)(struct transport *, struct tsock **, size_t *n,
	    char **cause);
	/*
	 * Run argv[0] (an absolute path) with argv, no shell, stdin from
	 * stdin_data (NULL: /dev/null), a minimal environment plus env (NULL or
	 * a NULL-terminated list of NAME=VALUE), and a timeout.  Returns 0 when
	 * the program ran (whatever its status), negative when it could not.
	 */
	int (*run)(struct transport *, const char *const *argv,
	    const char *const *env, const void *stdin_data, size_t stdin_len,
	    int timeout_ms, struct trun_result *, char **cause);
	int (*unlink)(struct transport *, const char *path, char **cause);
	void (*close)(struct transport *);
	/*
	 * Optional (NULL: transport_read_batch makes the reads one by one):
	 * the reads r[0..n) together, each with its own result, in one round
	 * trip.  Returns negative only when none could be made (the host is
	 * unreachable); the r[i].r then hold the same error.
	 */
	int (*read_batch)(struct transport *, struct tread *r, size_t n,
	    char **cause);
};

struct transport {
	const struct transport_ops *ops;
	char *host; /* "localhost" or the remote name, for messages */
	void *impl;
};

struct transport *transport_local_new(void);
void transport_free(struct transport *);

/* The reads r[0..n) (set kind, path, max; the rest zero): through
 * ops->read_batch when there is one, else one by one.  Returns 0, or the
 * error that kept every read from being made. */
int transport_read_batch(struct transport *, struct tread *r, size_t n,
    char **cause);
void tread_free(struct tread *r, size_t n);

/* The read-only view of inner (not owned: free the view first).  Its host
 * name is inner's; ops->name is inner's too, so messages read the same. */
struct transport *transport_readonly_new(struct transport *inner);
/* 1 when t is a read-only view. */
int transport_is_readonly(const struct transport *);
/*
 * Runs a program that only reads (a listing, a status): the same contract
 * as ops->run, allowed through the read-only view.  The caller promises the
 * program changes nothing; this is the one door for it, so every such
 * program is found by grepping for tp_query.
 */
int tp_query(struct transport *, const char *const *argv,
    const char *const *env, const void *stdin_data, size_t stdin_len,
    int timeout_ms, struct trun_result *, char **cause);

void trun_result_init(struct trun_result *);
void trun_result_free(struct trun_result *);
void tprocs_free(struct tproc *, size_t);
void names_free(char **, size_t);

/* Convenience wrappers calling through ops. */
#define tp_read(t, p, b, m, c) ((t)->ops->read_file((t), (p), (b), (m), (c)))
#define tp_write(t, p, d, l, m, c) ((t)->ops->write_file((t), (p), (d), (l), (m), NULL, (c)))
#define tp_write_checked(t, p, d, l, m, k, c) \
	((t)->ops->write_file((t), (p), (d), (l), (m), (k), (c)))
#define tp_stat(t, p, s, c) ((t)->ops->stat((t), (p), (s), (c)))

#endif
