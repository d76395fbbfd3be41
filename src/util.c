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
		wipe(b->data, b->cap);
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
		wipe(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
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

/* One directory of a state dir's path: see state_dir_trusted(). */
static int
dir_trusted(const char *dir, const char *whole, int final, char **cause)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return errno == ENOENT ? 1 : set_cause(cause, JF_ERR_REFUSED,
		    "state directory \"%s\": \"%s\": %s", whole, dir,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return set_cause(cause, JF_ERR_REFUSED, "state directory "
		    "\"%s\": \"%s\" is not a directory", whole, dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return set_cause(cause, JF_ERR_REFUSED, "state directory "
		    "\"%s\": \"%s\" is owned by uid %ld, not by root or the "
		    "running user (uid %ld): refusing to use it", whole, dir,
		    (long)st.st_uid, (long)geteuid());
	if ((st.st_mode & 022) != 0 && (final || st.st_uid != 0 ||
	    !(st.st_mode & S_ISVTX)))
		return set_cause(cause, JF_ERR_REFUSED, "state directory "
		    "\"%s\": \"%s\" is writable by %s (mode %04o): refusing "
		    "to use it", whole, dir, (st.st_mode & 002) ? "every user" :
		    "its group", (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Every directory from / down to path, as written (no resolving). */
static int
walk_trusted(const char *path, const char *whole, char **cause)
{
	char *copy = xstrdup(path), *p, c;
	int r, last;

	r = dir_trusted("/", whole, path[strspn(path, "/")] == '\0', cause);
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') { /* a component ends here */
			c = *p;
			*p = '\0';
			last = c == '\0' || p[1 + strspn(p + 1, "/")] == '\0';
			r = dir_trusted(copy, whole, last, cause);
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
state_dir_trusted(const char *dir, char **cause)
{
	char *abs, *real;
	int r;

	if (dir == NULL || *dir == '\0')
		return set_cause(cause, JF_ERR_USAGE, "no state directory is set "
		    "(state_dir in jobfix.conf)");
	if (*dir != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd) == NULL)
			return set_cause(cause, JF_ERR_IO, "state directory "
			    "\"%s\": getcwd: %s", dir, strerror(errno));
		abs = path_join(cwd, dir);
	} else
		abs = xstrdup(dir);
	if ((r = walk_trusted(abs, dir, cause)) == 0 &&
	    (real = realpath(abs, NULL)) != NULL) {
		r = walk_trusted(real, dir, cause);
		free(real);
	}
	free(abs);
	return r;
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

void
secret_register(const char *value)
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
 * Masks every byte covered by an occurrence of any secret, each run of
 * covered bytes as one mask, so overlapping or adjacent secrets leave no
 * part of either visible ("xyz123" and "123abc" in "xyz123abc").
 */
/*
 * The userinfo of every URL ("scheme://USER:PASSWORD@host/...") is masked
 * too, wherever a URL appears: a setting, a fact, an error message.
 */
static void
mask_url_userinfo(const char *s, size_t len, unsigned char *mask)
{
	const char *p = s, *q, *at;
	size_t k;

	while ((p = strstr(p, "://")) != NULL) {
		q = p + 3;
		at = NULL;
		for (k = 0; q[k] != '\0' && strchr("/?#@ \t\r\n\"'<>", q[k]) ==
		    NULL; k++)
			;
		if (q[k] == '@') {
			/* the last @ before the host ends the userinfo */
			at = q + k;
			for (k++; q[k] != '\0' && strchr("/?# \t\r\n\"'<>",
			    q[k]) == NULL; k++)
				if (q[k] == '@')
					at = q + k;
		}
		if (at != NULL && at > q && (size_t)(at - s) <= len)
			memset(mask + (q - s), 1, (size_t)(at - q));
		p = q;
	}
}

char *
redact(const char *s)
{
	struct buf b = BUF_INIT;
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
	mask_url_userinfo(s, len, mask);
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
