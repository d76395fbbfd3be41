/*
 * util.c - allocation, buffers, strings, time and the secret registry.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "i18n.h"
#include "util.h"

void
fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s", _("jobfix: fatal: "));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if ((p = malloc(n)) == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if (n == 0)
		n = 1;
	if ((p = realloc(p, n)) == NULL)
		fatal("out of memory reallocating %zu bytes", n);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("array of %zu x %zu bytes overflows", n, size);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) == -1)
		fatal("out of memory formatting \"%s\"", fmt);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int
set_cause(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		free(*cause);
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -err;
}

void
wipe(void *p, size_t n)
{
	if (p == NULL)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
#endif
}

void
free_secret(char *s)
{
	if (s != NULL) {
		wipe(s, strlen(s));
		free(s);
	}
}

/* --- buffers ------------------------------------------------------------- */

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

/* Wipes what was ever written: the rest of cap was never touched (wiping it
 * would only fault in pages, as much again as a large buffer holds). */
static void
buf_wipe_used(struct buf *b)
{
	size_t n = b->used > b->len + 1 ? b->used : b->len + 1;

	wipe(b->data, n < b->cap ? n : b->cap);
}

static int
buf_grow(struct buf *b, size_t more)
{
	size_t max = b->max ? b->max : BUF_DEFAULT_MAX, need, cap;
	char *p;

	if (more > max || b->len > max - more)
		return -JF_ERR_TOOBIG;
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->secret && b->data != NULL) {
		/* never leave a copy of a secret in freed memory */
		p = xmalloc(cap);
		memcpy(p, b->data, b->len + 1);
		buf_wipe_used(b);
		free(b->data);
	} else
		p = xrealloc(b->data, cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	int r;

	if ((r = buf_grow(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	if (b->used < b->len + 1)
		b->used = b->len + 1;
	return 0;
}

int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	r = buf_addstr(b, s);
	if (b->secret)
		wipe(s, strlen(s));
	free(s);
	return r;
}

int
buf_set(struct buf *b, const void *p, size_t n)
{
	/* check the cap first, so a failure leaves the buffer unchanged */
	if (n > (b->max ? b->max : BUF_DEFAULT_MAX))
		return -JF_ERR_TOOBIG;
	buf_reset(b);
	return buf_add(b, p, n);
}

void
buf_reset(struct buf *b)
{
	if (b->data != NULL) {
		if (b->secret)
			wipe(b->data, b->len);
		b->data[0] = '\0';
	}
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	if (b->data != NULL && b->secret)
		buf_wipe_used(b);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = b->used = 0;
}

char *
buf_detach(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = b->used = 0;
	return s;
}

/* --- strings ------------------------------------------------------------- */

int
str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_endswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

char *
str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
str_to_long(const char *s, long *out)
{
	char *end;
	long v;

	/* strtol() would skip leading blanks; trailing ones are refused */
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -JF_ERR_PARSE;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -JF_ERR_PARSE;
	*out = v;
	return 0;
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* Every field between separators, empty ones included ("a,,b": 3). */
char **
strv_split(const char *s, const char *sep)
{
	char **v, *copy, *p, *tok;
	size_t n = 0;

	v = xcalloc(1, sizeof *v);
	if (s == NULL || *s == '\0')
		return v;
	copy = xstrdup(s);
	for (p = copy; (tok = strsep(&p, sep)) != NULL;)
		strv_add(&v, &n, tok);
	free(copy);
	return v;
}

char **
strv_dup(char *const *v)
{
	char **d;
	size_t n = 0, i;

	while (v[n] != NULL)
		n++;
	d = xcalloc(n + 1, sizeof *d);
	for (i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

void
strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char *
path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (*b == '/' || la == 0)
		return xstrdup(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	return xasprintf("%.*s%s%s", (int)la, a, a[la - 1] == '/' ? "" : "/",
	    b);
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
iso_time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char tmp[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.20s.%03dZ", tmp, (int)(ts.tv_nsec / 1000000) % 1000);
}

static int read_local(const char *, struct buf *, size_t, int, char **);

int
read_file_local(const char *path, struct buf *out, size_t max, char **cause)
{
	return read_local(path, out, max, 0, cause);
}

int
read_file_local_nofollow(const char *path, struct buf *out, size_t max,
    char **cause)
{
	return read_local(path, out, max, O_NOFOLLOW, cause);
}

/* One directory of a trusted path: see dir_path_trusted(). */
static int
dir_trusted(const char *dir, const char *what, const char *whole, int final,
    char **cause)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return errno == ENOENT ? 1 : set_cause(cause, JF_ERR_REFUSED,
		    "%s \"%s\": \"%s\": %s", what, whole, dir,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return set_cause(cause, JF_ERR_REFUSED, "%s \"%s\": \"%s\" is "
		    "not a directory", what, whole, dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return set_cause(cause, JF_ERR_REFUSED, "%s \"%s\": \"%s\" is "
		    "owned by uid %ld, not by root or the running user (uid "
		    "%ld): refusing to use it", what, whole, dir,
		    (long)st.st_uid, (long)geteuid());
	if ((st.st_mode & 022) != 0 && (final || st.st_uid != 0 ||
	    !(st.st_mode & S_ISVTX)))
		return set_cause(cause, JF_ERR_REFUSED, "%s \"%s\": \"%s\" is "
		    "writable by %s (mode %04o): refusing to use it", what,
		    whole, dir, (st.st_mode & 002) ? "every user" : "its group",
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Every directory from / down to path, as written (no resolving). */
static int
walk_trusted(const char *path, const char *what, const char *whole,
    char **cause)
{
	char *copy = xstrdup(path), *p, c;
	int r, last;

	r = dir_trusted("/", what, whole, path[strspn(path, "/")] == '\0',
	    cause);
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') { /* a component ends here */
			c = *p;
			*p = '\0';
			last = c == '\0' || p[1 + strspn(p + 1, "/")] == '\0';
			r = dir_trusted(copy, what, whole, last, cause);
			*p = c;
		}
		if (r == 1) { /* missing: jobfix makes the rest, 0700 */
			r = 0;
			break;
		}
		if (*p == '\0')
			break;
	}
	free(copy);
	return r;
}

int
dir_path_trusted(const char *dir, const char *what, char **cause)
{
	char *abs, *real;
	int r;

	if (*dir != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL)
			return set_cause(cause, JF_ERR_IO, "%s \"%s\": getcwd: "
			    "%s", what, dir, strerror(errno));
		abs = path_join(cwd, dir);
	} else
		abs = xstrdup(dir);
	if ((r = walk_trusted(abs, what, dir, cause)) == 0 &&
	    (real = realpath(abs, NULL)) != NULL) {
		r = walk_trusted(real, what, dir, cause);
		free(real);
	}
	free(abs);
	return r;
}

int
state_dir_trusted(const char *dir, char **cause)
{
	if (dir == NULL || *dir == '\0')
		return set_cause(cause, JF_ERR_USAGE, "no state directory is set "
		    "(state_dir in jobfix.conf)");
	return dir_path_trusted(dir, "state directory", cause);
}

size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0; /* a continuation byte, 0xc0, 0xc1, 0xf5-0xff */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0; /* overlong, too big, a surrogate */
	*cp = c;
	return n;
}

/* A character a terminal acts on, or that reorders what is read. */
static int
terminal_control(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

char *
terminal_safe(const char *s, unsigned flags)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t n;

	if (s == NULL)
		return xstrdup("");
	while (*p != '\0') {
		if (*p < 0x80) {
			if ((flags & TSAFE_JSON) && *p == 0x7f)
				buf_printf(&b, "\\u007f");
			else if (!(flags & TSAFE_JSON) && ((*p < 0x20 &&
			    ((*p != '\n' && *p != '\t') ||
			    (flags & TSAFE_LINE))) || *p == 0x7f))
				buf_printf(&b, "\\x%02x", *p);
			else
				buf_addch(&b, (char)*p);
			p++;
			continue;
		}
		if ((n = utf8_decode(p, &c)) == 0) {
			/* not UTF-8: one byte, shown (JSON text is UTF-8) */
			if (flags & TSAFE_JSON)
				buf_addch(&b, (char)*p);
			else
				buf_printf(&b, "\\x%02x", *p);
			p++;
			continue;
		}
		if (terminal_control(c))
			buf_printf(&b, "\\u%04x", (unsigned)c);
		else
			buf_add(&b, p, n);
		p += n;
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_detach(&b);
}

const char *
file_kind(mode_t mode)
{
	return S_ISREG(mode) ? "a regular file" : S_ISDIR(mode) ?
	    "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) ?
	    "a character device" : S_ISBLK(mode) ? "a block device" :
	    S_ISSOCK(mode) ? "a socket" : S_ISLNK(mode) ? "a symbolic link" :
	    "a special file";
}

static int
read_local(const char *path, struct buf *out, size_t max, int flags,
    char **cause)
{
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int fd, r = 0;

	if (max == 0)
		max = BUF_DEFAULT_MAX;
	/* jobfix's own state (O_NOFOLLOW) is a regular file or nothing:
	 * opened without blocking, so a FIFO planted there cannot hang a
	 * run, and anything else is refused before a byte is read */
	if (flags & O_NOFOLLOW)
		flags |= O_NONBLOCK;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags)) == -1)
		return set_cause(cause, errno == ENOENT ? JF_ERR_NOTFOUND :
		    JF_ERR_IO, "\"%s\": %s%s", path, flags & O_NOFOLLOW &&
		    errno == ELOOP ? "a symbolic link, not followed in the "
		    "state directory: " : "", strerror(errno));
	if (fstat(fd, &st) == -1) {
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = set_cause(cause, JF_ERR_IO, "\"%s\": is a directory", path);
		goto out;
	}
	if ((flags & O_NOFOLLOW) && !S_ISREG(st.st_mode)) {
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s, not a regular "
		    "file: refusing to read it", path, file_kind(st.st_mode));
		goto out;
	}
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		r = set_cause(cause, JF_ERR_TOOBIG,
		    "\"%s\": %lld bytes, more than the limit of %zu", path,
		    (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max || buf_add(out, chunk, (size_t)n) != 0) {
			r = set_cause(cause, JF_ERR_TOOBIG,
			    "\"%s\": more than the limit of %zu bytes", path, max);
			goto out;
		}
	}
	buf_add(out, "", 0); /* data is a string even for an empty file */
out:
	close(fd);
	return r;
}

/* --- secrets ------------------------------------------------------------- */

/*
 * Every value jobfix knows to be secret (job.conf passwords, app.secret) is
 * registered here when it is read, and every renderer passes its text
 * through redact().  This is the net under the structural masking the steps
 * do: a secret that slips into an error message is masked all the same.
 * Values shorter than three bytes are not registered (masking every "a"
 * would destroy the output); structural masking covers them.
 */
static pthread_mutex_t secret_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets;

static void
secret_add(const char *value)
{
	size_t i;

	if (value == NULL || strlen(value) < 3)
		return;
	pthread_mutex_lock(&secret_lock);
	for (i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], value) == 0)
			goto out;
	secrets = xreallocarray(secrets, nsecrets + 1, sizeof *secrets);
	secrets[nsecrets++] = xstrdup(value);
out:
	pthread_mutex_unlock(&secret_lock);
}

/* The value and, where they differ, the forms a JSON or shell echo of it
 * takes: '"' and '\\' escaped with a backslash. */
void
secret_register(const char *value)
{
	struct buf b = BUF_INIT;
	const char *p;

	secret_add(value);
	if (value == NULL || strpbrk(value, "\"\\") == NULL)
		return;
	b.secret = 1;
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(&b, '\\');
		buf_addch(&b, *p);
	}
	secret_add(b.data);
	buf_free(&b);
}

void
secret_register_login(const char *user, const char *password)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	struct buf in = BUF_INIT, out = BUF_INIT;
	const unsigned char *p;
	size_t i, n;
	unsigned v;

	if (user == NULL || password == NULL)
		return;
	in.secret = out.secret = 1;
	buf_printf(&in, "%s:%s", user, password);
	p = (const unsigned char *)in.data;
	n = in.len;
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_addch(&out, tab[v >> 18 & 63]);
		buf_addch(&out, tab[v >> 12 & 63]);
		buf_addch(&out, tab[v >> 6 & 63]);
		buf_addch(&out, tab[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		buf_printf(&out, "%c%c==", tab[v >> 18 & 63], tab[v >> 12 & 63]);
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		buf_printf(&out, "%c%c%c=", tab[v >> 18 & 63],
		    tab[v >> 12 & 63], tab[v >> 6 & 63]);
	}
	secret_add(out.data);
	buf_free(&in);
	buf_free(&out);
}

void
secret_clear_all(void)
{
	size_t i;

	pthread_mutex_lock(&secret_lock);
	for (i = 0; i < nsecrets; i++)
		free_secret(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	pthread_mutex_unlock(&secret_lock);
}

/*
 * The secrets a URL carries, wherever one appears (a setting, a fact, an
 * error message): the userinfo of "scheme://USER:PASSWORD@host/..." and the
 * value of a parameter with a secret name, in a query ("?password=...&")
 * or in JDBC's ";password=...;".  Operators write passwords unescaped, so
 * a password may hold '@', '/', '?' or '#': where the userinfo has a ':'
 * it ends at the last '@' of the URL.  That masks too much of a URL that
 * has a port and an '@' in its path, never too little.
 */
#define URL_END " \t\r\n\"'<>"

/* The '@' that ends the userinfo of the URL whose authority starts at q
 * (just after "://") and that is tok bytes long, or NULL when it has
 * none. */
static const char *
url_userinfo_end(const char *q, size_t tok)
{
	size_t first = strcspn(q, "/?#@"), k;
	const char *at = NULL;

	if (first >= tok) {
		/* "user:pa ss@host", "user:pa'ss@host": a password holding a
		 * blank or a quote ends the word early; the first '@' on the
		 * line that a host name follows ends the userinfo */
		const char *c = memchr(q, ':', tok);

		if (c == NULL || q[tok] == '\0' || q[tok] == '\n' ||
		    q[tok] == '\r')
			return NULL;
		/* "host:8080 and a@b": a port, not a password */
		if (strspn(c + 1, "0123456789") == (size_t)(q + tok - c - 1))
			return NULL;
		for (k = tok; q[k] != '\0' && q[k] != '\n' && q[k] != '\r';
		    k++)
			if (q[k] == '@' && (isalnum((unsigned char)q[k + 1]) ||
			    q[k + 1] == '[')) {
				size_t h = k + 1 + strspn(q + k + 1,
				    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
				    "OPQRSTUVWXYZ0123456789.-[]:");
				if (q[h] == '\0' || strchr("/?# \t\r\n\"'<>",
				    q[h]) != NULL)
					return q + k;
			}
		return NULL;
	}
	if (memchr(q, ':', first) != NULL) {
		/* USER:PASSWORD: the last @ of the URL */
		for (k = first; k < tok; k++)
			if (q[k] == '@')
				at = q + k;
	} else if (q[first] == '@') {
		/* USER only: the last @ before the path */
		at = q + first;
		for (k = first + 1; k < tok && strchr("/?#", q[k]) == NULL; k++)
			if (q[k] == '@')
				at = q + k;
	}
	return at;
}

/* Calls fn for every secret of every URL in s: the span to mask (the whole
 * userinfo, or a parameter's value) and the password within it (NULL when
 * a userinfo has none). */
typedef void url_secret_fn(const char *mask, size_t mask_len, const char *pw,
    size_t pw_len, void *arg);

static void
url_secrets(const char *s, url_secret_fn *fn, void *arg)
{
	const char *p = s, *q, *at, *colon, *v, *end;
	size_t tok, n, vl;
	char *name;

	while ((p = strstr(p, "://")) != NULL) {
		q = p + 3;
		tok = strcspn(q, URL_END);
		if ((at = url_userinfo_end(q, tok)) != NULL && at >= q + tok)
			tok = (size_t)(at - q) + 1 + strcspn(at + 1, URL_END);
		end = q + tok;
		if (at != NULL && at > q) {
			colon = memchr(q, ':', (size_t)(at - q));
			if (colon != NULL && colon + 1 < at)
				fn(q, (size_t)(at - q), colon + 1,
				    (size_t)(at - colon - 1), arg);
			else
				fn(q, (size_t)(at - q), NULL, 0, arg);
		}
		for (v = at != NULL ? at + 1 : q; v < end; v++) {
			if (*v != '?' && *v != '&' && *v != ';')
				continue;
			n = strcspn(v + 1, "=&;#?" URL_END);
			if (v + 1 + n >= end || v[1 + n] != '=' || n == 0)
				continue;
			name = xstrndup(v + 1, n);
			if (is_secret_key(name)) {
				vl = strcspn(v + 2 + n, "&;" URL_END);
				if (vl > 0)
					fn(v + 2 + n, vl, v + 2 + n, vl, arg);
			}
			free(name);
		}
		p = q;
	}
}

struct url_mask {
	const char *s;
	unsigned char *mask;
};

static void
url_mask_span(const char *m, size_t len, const char *pw, size_t pw_len,
    void *arg)
{
	struct url_mask *um = arg;

	(void)pw;
	(void)pw_len;
	memset(um->mask + (m - um->s), 1, len);
}

struct url_count {
	int n;
	int reg;
};

static void
url_count_password(const char *m, size_t len, const char *pw, size_t pw_len,
    void *arg)
{
	struct url_count *uc = arg;
	char *copy;

	(void)m;
	(void)len;
	if (pw == NULL)
		return;
	uc->n++;
	if (uc->reg) {
		copy = xstrndup(pw, pw_len);
		secret_register(copy);
		free_secret(copy);
	}
}

int
url_passwords(const char *s, int reg)
{
	struct url_count uc = { 0, reg };

	if (s != NULL)
		url_secrets(s, url_count_password, &uc);
	return uc.n;
}

/*
 * Masks every byte covered by an occurrence of any secret and every
 * secret of a URL, each run of covered bytes as one mask, so overlapping
 * or adjacent secrets leave no part of either visible ("xyz123" and
 * "123abc" in "xyz123abc").
 */
char *
redact(const char *s)
{
	struct buf b = BUF_INIT;
	struct url_mask um;
	const char *q;
	unsigned char *mask;
	size_t i, j, len, l;

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&secret_lock);
	if (nsecrets == 0 && strstr(s, "://") == NULL) {
		pthread_mutex_unlock(&secret_lock);
		return xstrdup(s);
	}
	len = strlen(s);
	mask = xcalloc(len + 1, 1);
	um.s = s;
	um.mask = mask;
	url_secrets(s, url_mask_span, &um);
	for (i = 0; i < nsecrets; i++) {
		l = strlen(secrets[i]);
		for (q = strstr(s, secrets[i]); q != NULL;
		    q = strstr(q + 1, secrets[i]))
			memset(mask + (q - s), 1, l);
	}
	pthread_mutex_unlock(&secret_lock);
	for (i = 0; i < len; i = j) {
		for (j = i; j < len && mask[j] == mask[i]; j++)
			;
		if (mask[i])
			buf_addstr(&b, SECRET_MASK);
		else
			buf_add(&b, s + i, j - i);
	}
	free(mask);
	return buf_detach(&b);
}

int
is_secret_key(const char *name)
{
	static const char *const words[] = {
		"password", "passwd", "pwd", "secret", "token", "credential",
		"private_key", "privatekey", "auth_key",
	};
	char *lower;
	size_t i;
	int found = 0;

	lower = xstrdup(name);
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	for (i = 0; i < nitems(words) && !found; i++)
		found = strstr(lower, words[i]) != NULL;
	free(lower);
	return found;
}
