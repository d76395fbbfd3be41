/*
 * util.h - allocation, growable buffers, errors and small helpers.
 *
 * Allocators never return NULL: running out of memory is fatal.  Errors are
 * returned as negative codes (see enum jf_err) with an optional message in a
 * `char **cause` the caller frees.  Every *_free() accepts NULL.
 */
#ifndef JOBFIX_UTIL_H
#define JOBFIX_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define JF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define JF_NORETURN __attribute__((noreturn))
#else
#define JF_PRINTF(f, a)
#define JF_NORETURN
#endif

/* Error codes: 0 is success, these are negated when returned. */
enum jf_err {
	JF_OK = 0,
	JF_ERR_IO = 1,       /* a system call failed (errno in cause) */
	JF_ERR_PARSE = 2,    /* bad input: file and line in cause */
	JF_ERR_NOTFOUND = 3, /* file, key or object does not exist */
	JF_ERR_TOOBIG = 4,   /* over a size cap */
	JF_ERR_TIMEOUT = 5,  /* a deadline passed */
	JF_ERR_REFUSED = 6,  /* a peer refused (auth, host key, permission) */
	JF_ERR_USAGE = 7,    /* the caller asked for something impossible */
	JF_ERR_CHANGED = 8,  /* the thing changed under us */
	JF_ERR_PROGRAM = 9,  /* a programming error: a write through the
				read-only view (transport.h), a change
				outside the executor's gate */
};

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) JF_PRINTF(1, 2);
char *xvasprintf(const char *, va_list) JF_PRINTF(1, 0);
void fatal(const char *, ...) JF_PRINTF(1, 2) JF_NORETURN;

/* Set *cause (if cause is not NULL) to a new message; returns -err. */
int set_cause(char **cause, int err, const char *fmt, ...) JF_PRINTF(3, 4);
/* Frees a string that held a secret, wiping it first. */
void free_secret(char *);
void wipe(void *, size_t);

/*
 * One growable, size-capped buffer for all text and file building.  data is
 * always NUL-terminated (not counted in len) so it can be used as a string
 * when it holds text.  max 0 means the default cap (BUF_DEFAULT_MAX).
 */
#define BUF_DEFAULT_MAX ((size_t)64 << 20)
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int secret; /* wipe on free */
	size_t used; /* bytes of data ever written: all a wipe must cover */
};
#define BUF_INIT {NULL, 0, 0, 0, 0, 0}

void buf_init(struct buf *, size_t max);
/* Returns 0, or -JF_ERR_TOOBIG and leaves the buffer unchanged. */
int buf_add(struct buf *, const void *, size_t);
int buf_addstr(struct buf *, const char *);
int buf_addch(struct buf *, char);
int buf_printf(struct buf *, const char *, ...) JF_PRINTF(2, 3);
void buf_reset(struct buf *);
void buf_free(struct buf *);
char *buf_detach(struct buf *); /* caller owns the string; buffer reset */
int buf_set(struct buf *, const void *, size_t);

/* Strings. */
int str_startswith(const char *, const char *);
int str_endswith(const char *, const char *);
char *str_trim(char *); /* in place, returns start */
int str_to_long(const char *, long *);
int hex_value(int c); /* 0-15 for a hex digit (either case), else -1 */

/* NULL-terminated string vectors; strv_free accepts NULL. */
void strv_add(char ***, size_t *n, const char *); /* *n: entries so far */
char **strv_split(const char *, const char *sep); /* NULL or "": empty */
char **strv_dup(char *const *);
void strv_free(char **);

/* Monotonic milliseconds, for deadlines. */
int64_t now_ms(void);
/* Wall clock, ISO 8601 UTC with milliseconds, into buf of 32 bytes. */
void iso_time(char out[32]);

/* A file path joined from parts: xasprintf("%s/%s") without double slashes. */
char *path_join(const char *, const char *);

/* Read a whole local file with a size cap (0: BUF_DEFAULT_MAX). */
int read_file_local(const char *path, struct buf *out, size_t max, char **cause);
/* The same, for jobfix's own state: refusing a symbolic link (O_NOFOLLOW)
 * and anything but a regular file (a FIFO, a device, a directory), opened
 * without blocking so neither can hang the caller. */
int read_file_local_nofollow(const char *path, struct buf *out, size_t max,
    char **cause);
/* "a FIFO", "a directory", ... for messages about what a path is. */
const char *file_kind(mode_t mode);
/*
 * May jobfix keep state in dir?  As OpenSSH and sudo require of their files:
 * dir and every directory above it (as given and as resolved) owned by root
 * or the running user and writable by no one else; above dir, a root-owned
 * directory with the sticky bit (/tmp) is accepted too.  Missing trailing
 * components are fine (jobfix creates them 0700).  -JF_ERR_REFUSED with a
 * cause naming the directory, its owner and mode.
 */
int state_dir_trusted(const char *dir, char **cause);
/* The same test for any directory jobfix keeps its own files in (what
 * names it in the error: "audit log directory"). */
int dir_path_trusted(const char *dir, const char *what, char **cause);

/*
 * Text from a host (a file's lines, a command line, a server's error)
 * made safe to print on a terminal: every byte or character a terminal
 * could act on is shown escaped, and everything else, Chinese included,
 * is kept as it is.  Escaped:
 *   - C0 control bytes (but newline and tab, unless TSAFE_LINE) and DEL,
 *     as \x1b;
 *   - bytes that are not part of valid UTF-8 (a lone 0x9b is CSI on an
 *     8-bit terminal; overlong forms and surrogates are invalid too), one
 *     byte at a time, as \x9b;
 *   - the C1 controls U+0080-U+009F written in UTF-8, as \u009b;
 *   - the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
 *     U+2066-U+2069), which reorder what a person reads, as \u202e.
 * With TSAFE_JSON, s is JSON text from jansson (valid UTF-8, C0 already
 * escaped): only DEL, C1 and the bidi controls are rewritten, as JSON
 * \u escapes, so the document means the same.  Returns a new string.
 */
#define TSAFE_LINE 0x1 /* newline and tab escaped too: one line out */
#define TSAFE_JSON 0x2 /* s is JSON text (see above) */
char *terminal_safe(const char *s, unsigned flags);
/* The length (1-4) of the valid UTF-8 sequence at s, its code point in
 * *cp; 0 when s does not start one (an invalid byte; NUL is length 1). */
size_t utf8_decode(const unsigned char *s, uint32_t *cp);

/* Secret values: every output path passes text through redact(). */
void secret_register(const char *value);
/* How many URLs in s carry a password ("scheme://USER:PASSWORD@host");
 * with reg, each password is registered as a secret too, so it is masked
 * wherever it appears on its own (a pause reason, a message). */
int url_passwords(const char *s, int reg);
void secret_clear_all(void);
/* Returns a new string with every registered secret replaced by ******. */
char *redact(const char *);
/* Does a key name look like it holds a secret (password, secret, token)? */
int is_secret_key(const char *name);
/* Registers the forms of a login a peer may echo: "user:password" in
 * base64, as an HTTP Basic Authorization header carries it. */
void secret_register_login(const char *user, const char *password);
#define SECRET_MASK "******"

#endif
