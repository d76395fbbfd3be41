/*
 * transport-local.c - the transport for this host: plain system calls.
 *
 * Two mechanisms here deserve their reasoning written down.
 *
 * write_file replaces a file so that a crash or a full disk at any moment
 * leaves either the old file or the new one, never a mixture (STYLE.md 7).
 * A symlink is resolved first, so its target is replaced and the link stays.
 * The new contents go to a temp file in the same directory (a rename is only
 * atomic within one file system), created exclusively and without following
 * links, mode 0600 until it is complete.  It gets the old file's owner, group,
 * ACL (not the directory's default ACL) and mode (fchown before fchmod:
 * chown clears set-id bits), is written,
 * fsynced and closed (NFS reports errors at close), then renamed over the
 * target; the directory is fsynced so the rename itself survives a power
 * cut.  On any error before the rename the temp file is removed and the
 * target was never touched.  A crash leaves a temp file behind: the next
 * write of the same target removes those older than a minute (younger ones
 * may belong to a concurrent writer).
 *
 * A checked write (struct tcheck) replaces the file only if it still holds
 * what the caller read, so a person's edit made meanwhile is never lost.
 * The check comes last, after the temp file is complete: open the target
 * without following links, hash it, compare.  Then, where the file system
 * can, the temp file and the target are exchanged atomically (renameat2
 * RENAME_EXCHANGE) rather than renamed over: the old file is then at the
 * temp name, not gone, and is checked again (the same inode, the same hash).
 * If someone changed or replaced it between our hash and the exchange, the
 * two are exchanged back and nothing is lost; only a write that lands in
 * the microseconds between that second check and the removal of the old
 * file can be.  Without RENAME_EXCHANGE (EINVAL: some file systems), a stat
 * right before a plain rename keeps the window as small as it gets.  "Must
 * not exist" is RENAME_NOREPLACE, or link(2) where that is missing: both
 * fail rather than replace a file created meanwhile.
 *
 * run starts a program the way OpenSSH's subprocess() does (STYLE.md 8):
 * an absolute argv[0], execve, never a shell, a minimal environment, stdin
 * from the caller's bytes or /dev/null, every other descriptor closed, its
 * own process group so a timeout can kill everything it started.  The parent
 * polls stdin, stdout and stderr together, so a program that fills its
 * stdout before reading its stdin cannot deadlock us.  Output beyond the cap
 * is read and discarded, never left to block the child.  exec failures come
 * back through a close-on-exec pipe, so "no such program" is an error rather
 * than an exit status of 127.  Once the program has exited, a daemon it
 * started that kept stdout open may hold us only a moment: we stop reading
 * rather than wait for (or kill) it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include <openssl/evp.h>

#include "log.h"
#include "transport-local.h"
#include "transport.h"
#include "util.h"
#include "i18n.h"

#define CHUNK 65536
/* Longest part of the target's name kept in a temp file name, so that
 * ".NAME.jobfix-XXXXXX" stays within NAME_MAX. */
#define TEMP_BASE_MAX 200
#define TEMP_TAG ".jobfix-"
#define TEMP_RANDOM 6
#define SYMLINK_HOPS_MAX 40
#define SYMLINK_TARGET_MAX ((size_t)64 << 10)

void (*transport_local_crash_hook)(const char *stage);

/* --- errors -------------------------------------------------------------- */

/* "HOST: "PATH": WHAT: strerror(errno)"; ENOENT is JF_ERR_NOTFOUND. */
static int
sys_cause(struct transport *t, char **cause, int e, const char *path,
    const char *what)
{
	return set_cause(cause, e == ENOENT ? JF_ERR_NOTFOUND : JF_ERR_IO,
	    "%s: \"%s\": %s: %s", t->host, path, what, strerror(e));
}

static void
close_keep_errno(int fd)
{
	int e = errno;

	if (fd != -1)
		close(fd);
	errno = e;
}

static int
open_retry(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags);
	while (fd == -1 && errno == EINTR);
	return fd;
}

/* Truncate a buffer back to len: undoes what a failed read appended. */
static void
buf_truncate(struct buf *b, size_t len)
{
	if (b->data != NULL && len <= b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* --- reading ------------------------------------------------------------- */

static const char *
file_type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "is a directory";
	if (S_ISFIFO(m))
		return "is a FIFO";
	if (S_ISSOCK(m))
		return "is a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "is a device";
	return "is not a regular file";
}

/*
 * Open a regular file for reading.  The stat before the open keeps us from
 * opening devices at all (opening a tape rewinds it); O_NONBLOCK keeps a
 * FIFO swapped in between from blocking the open, and the fstat after it
 * catches that swap before any read.
 */
static int
open_regular(struct transport *t, const char *path, int *fdp, char **cause)
{
	struct stat st;
	int fd;

	*fdp = -1;
	if (stat(path, &st) == -1)
		return sys_cause(t, cause, errno, path, "stat");
	if (!S_ISREG(st.st_mode))
		return set_cause(cause, JF_ERR_IO, "%s: \"%s\": %s", t->host,
		    path, file_type_name(st.st_mode));
	fd = open_retry(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return sys_cause(t, cause, errno, path, "open");
	if (fstat(fd, &st) == -1) {
		close_keep_errno(fd);
		return sys_cause(t, cause, errno, path, "fstat");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return set_cause(cause, JF_ERR_IO, "%s: \"%s\": %s", t->host,
		    path, file_type_name(st.st_mode));
	}
	*fdp = fd;
	return 0;
}

static int
local_read_file(struct transport *t, const char *path, struct buf *out,
    size_t max, char **cause)
{
	char *chunk = NULL;
	size_t start = out->len, got = 0;
	ssize_t n;
	int fd, r;

	if (max == 0)
		max = BUF_DEFAULT_MAX;
	if ((r = open_regular(t, path, &fd, cause)) != 0)
		return r;
	chunk = xmalloc(CHUNK);
	for (;;) {
		n = read(fd, chunk, CHUNK);
		/* EAGAIN: a special file (/proc/kmsg) that would block; an
		 * error, not a loop */
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = sys_cause(t, cause, errno, path, "read");
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > max - got ||
		    buf_add(out, chunk, (size_t)n) != 0) {
			r = set_cause(cause, JF_ERR_TOOBIG,
			    "%s: \"%s\": more than the limit of %zu bytes",
			    t->host, path, max);
			goto out;
		}
		got += (size_t)n;
	}
out:
	if (r != 0)
		buf_truncate(out, start);
	free(chunk);
	close(fd);
	return r;
}

static int
local_read_range(struct transport *t, const char *path, uint64_t offset,
    size_t max, struct buf *out, char **cause)
{
	char *chunk = NULL;
	size_t start = out->len, got = 0, want;
	ssize_t n;
	int fd, r;

	if (offset > (uint64_t)INT64_MAX)
		return set_cause(cause, JF_ERR_USAGE,
		    "%s: \"%s\": offset %llu out of range", t->host, path,
		    (unsigned long long)offset);
	if ((r = open_regular(t, path, &fd, cause)) != 0)
		return r;
	chunk = xmalloc(CHUNK);
	while (got < max) {
		if (offset + got > (uint64_t)INT64_MAX)
			break;
		want = max - got < CHUNK ? max - got : CHUNK;
		n = pread(fd, chunk, want, (off_t)(offset + got));
		/* EAGAIN: a special file (/proc/kmsg) that would block; an
		 * error, not a loop */
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = sys_cause(t, cause, errno, path, "read");
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n) != 0) {
			r = set_cause(cause, JF_ERR_TOOBIG,
			    "%s: \"%s\": the buffer's limit of %zu bytes reached",
			    t->host, path, out->max ? out->max : BUF_DEFAULT_MAX);
			goto out;
		}
		got += (size_t)n;
	}
out:
	if (r != 0)
		buf_truncate(out, start);
	free(chunk);
	close(fd);
	return r;
}

/* --- stat, realpath, directories, unlink ---------------------------------- */

static int
local_stat(struct transport *t, const char *path, struct tstat *ts,
    char **cause)
{
	struct stat st;

	memset(ts, 0, sizeof *ts);
	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return sys_cause(t, cause, errno, path, "stat");
	}
	ts->exists = 1;
	ts->mode = st.st_mode;
	ts->uid = st.st_uid;
	ts->gid = st.st_gid;
	ts->size = st.st_size;
	ts->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	ts->ino = (uint64_t)st.st_ino;
	return 0;
}

/*
 * Gives the temp file fd the ACL of the file it replaces, from, or none
 * when that has none.  A temp file is born with its directory's default
 * ACL, which may let in a reader the old file kept out; a file system
 * without ACLs has neither to copy.
 */
static int
copy_acl(struct transport *t, const char *from, int fd, const char *path,
    char **cause)
{
	static const char name[] = "system.posix_acl_access";
	char small[512], *val = small;
	ssize_t n, size;
	int r = 0;

	n = lgetxattr(from, name, small, sizeof small);
	if (n == -1 && errno == ERANGE &&
	    (size = lgetxattr(from, name, NULL, 0)) > 0) {
		val = xmalloc((size_t)size);
		n = lgetxattr(from, name, val, (size_t)size);
	}
	if (n >= 0) {
		if (fsetxattr(fd, name, val, (size_t)n, 0) == -1)
			r = sys_cause(t, cause, errno, path, "copy the ACL");
	} else if (errno != ENODATA && errno != ENOTSUP)
		r = sys_cause(t, cause, errno, path, "read the ACL");
	else if (fremovexattr(fd, name) == -1 && errno != ENODATA &&
	    errno != ENOTSUP)
		r = sys_cause(t, cause, errno, path, "remove the inherited ACL");
	if (val != small)
		free(val);
	return r;
}

/* Split a path into a new directory part and a new last component. */
static void
split_path(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*dir = xstrdup(".");
		*base = xstrdup(path);
	} else if (slash == path) {
		*dir = xstrdup("/");
		*base = xstrdup(slash + 1);
	} else {
		*dir = xstrndup(path, (size_t)(slash - path));
		*base = xstrdup(slash + 1);
	}
}

static int
read_link(struct transport *t, const char *path, char **out, char **cause)
{
	size_t size = 256;
	ssize_t n;
	char *s;

	for (;;) {
		s = xmalloc(size);
		if ((n = readlink(path, s, size)) == -1) {
			free(s);
			return sys_cause(t, cause, errno, path, "readlink");
		}
		if ((size_t)n < size) {
			s[n] = '\0';
			*out = s;
			return 0;
		}
		free(s);
		if (size >= SYMLINK_TARGET_MAX)
			return set_cause(cause, JF_ERR_TOOBIG,
			    "%s: \"%s\": symlink target longer than %zu bytes",
			    t->host, path, SYMLINK_TARGET_MAX);
		size *= 2;
	}
}

/*
 * The file a write to path replaces: symlinks followed to the end, also a
 * dangling one (the write creates its target).  With must_exist, a missing
 * file is -JF_ERR_NOTFOUND.
 */
static int
resolve_target(struct transport *t, const char *path, int must_exist,
    char **out, char **cause)
{
	char *cur = xstrdup(path), *res = NULL, *dir = NULL, *base = NULL;
	char *link = NULL, *rdir = NULL, *ldir = NULL, *lbase = NULL;
	struct stat st;
	int hops, r = 0;

	*out = NULL;
	if (*path == '\0') {
		r = set_cause(cause, JF_ERR_USAGE, "%s: empty path", t->host);
		goto out;
	}
	for (hops = 0;; hops++) {
		if ((res = realpath(cur, NULL)) != NULL)
			break;
		if (errno != ENOENT) {
			r = sys_cause(t, cause, errno, path, "realpath");
			goto out;
		}
		if (lstat(cur, &st) == 0 && S_ISLNK(st.st_mode)) {
			/* a dangling link: follow it by hand */
			if (hops >= SYMLINK_HOPS_MAX) {
				r = sys_cause(t, cause, ELOOP, path, "realpath");
				goto out;
			}
			if ((r = read_link(t, cur, &link, cause)) != 0)
				goto out;
			if (link[0] != '/') {
				split_path(cur, &ldir, &lbase);
				free(cur);
				cur = path_join(ldir, link);
				free(ldir);
				free(lbase);
				ldir = lbase = NULL;
				free(link);
			} else {
				free(cur);
				cur = link;
			}
			link = NULL;
			continue;
		}
		if (must_exist) {
			r = sys_cause(t, cause, ENOENT, path, "realpath");
			goto out;
		}
		split_path(cur, &dir, &base);
		if (*base == '\0' || strcmp(base, ".") == 0 ||
		    strcmp(base, "..") == 0) {
			r = set_cause(cause, JF_ERR_USAGE,
			    "%s: \"%s\": not a file name", t->host, path);
			goto out;
		}
		if ((rdir = realpath(dir, NULL)) == NULL) {
			r = sys_cause(t, cause, errno, path, "realpath");
			goto out;
		}
		res = path_join(rdir, base);
		break;
	}
	*out = res;
	res = NULL;
out:
	free(res);
	free(cur);
	free(dir);
	free(base);
	free(link);
	free(rdir);
	return r;
}

static int
local_realpath(struct transport *t, const char *path, char **out,
    char **cause)
{
	return resolve_target(t, path, 1, out, cause);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
local_list_dir(struct transport *t, const char *path, char ***namesp,
    size_t *np, char **cause)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	*namesp = NULL;
	*np = 0;
	if ((d = opendir(path)) == NULL)
		return sys_cause(t, cause, errno, path, "opendir");
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				r = sys_cause(t, cause, errno, path, "readdir");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n >= TLOCAL_LIST_DIR_MAX) {
			r = set_cause(cause, JF_ERR_TOOBIG,
			    "%s: \"%s\": more than %zu entries", t->host, path,
			    TLOCAL_LIST_DIR_MAX);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (r != 0) {
		names_free(names, n);
		return r;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	*namesp = names;
	*np = n;
	return 0;
}

static int
local_unlink(struct transport *t, const char *path, char **cause)
{
	if (unlink(path) == -1)
		return sys_cause(t, cause, errno, path, "unlink");
	return 0;
}

/* --- atomic write ---------------------------------------------------------- */

static void
random_suffix(char *s, size_t n)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned int counter;
	unsigned char rnd[16];
	uint64_t mix;
	size_t i;
	int have = 0;

#ifdef HAVE_GETRANDOM
	if (n <= sizeof rnd &&
	    getrandom(rnd, n, GRND_NONBLOCK) == (ssize_t)n)
		have = 1;
#endif
	if (!have) {
		mix = (uint64_t)now_ms() * 6364136223846793005ULL ^
		    (uint64_t)getpid() << 32 ^
		    __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) *
		    1442695040888963407ULL;
		for (i = 0; i < n && i < sizeof rnd; i++) {
			mix = mix * 6364136223846793005ULL + 1442695040888963407ULL;
			rnd[i] = (unsigned char)(mix >> 33);
		}
	}
	for (i = 0; i < n; i++)
		s[i] = set[rnd[i % sizeof rnd] % (sizeof set - 1)];
	s[n] = '\0';
}

/* Remove temp files of this target (".NAME.jobfix-XXXXXX") that a crash
 * left behind; a younger one may be a concurrent writer's. */
static void
remove_stale_temps(int dfd, const char *dir, const char *prefix)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int fd;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strlen(de->d_name) != plen + TEMP_RANDOM)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (now - st.st_mtime < TLOCAL_STALE_TEMP_SEC)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			info(_("\"%s/%s\": removed a stale temp file"), dir,
			    de->d_name);
	}
	closedir(d);
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len > ((size_t)1 << 30) ? (size_t)1 << 30 : len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Hex SHA-256 of the whole file open at fd, read from offset 0. */
static int
hash_fd(int fd, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], *chunk;
	unsigned int n = 0, i;
	EVP_MD_CTX *ctx;
	off_t off = 0;
	ssize_t got;
	int r = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatal("out of memory");
	chunk = xmalloc(CHUNK);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatal("SHA-256 failed");
	for (;;) {
		got = pread(fd, chunk, CHUNK, off);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			goto out;
		if (got == 0)
			break;
		if (EVP_DigestUpdate(ctx, chunk, (size_t)got) != 1)
			fatal("SHA-256 failed");
		off += got;
	}
	if (EVP_DigestFinal_ex(ctx, md, &n) != 1 || n != 32)
		fatal("SHA-256 failed");
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	r = 0;
out:
	free(chunk);
	EVP_MD_CTX_free(ctx);
	return r;
}

/*
 * What is at dir/base now, for the conflict report: its hash in found, ""
 * when there is no file.  Returns -1 (errno set) when it cannot be read.
 */
static int
hash_at(int dfd, const char *base, char found[65])
{
	int fd, r;

	found[0] = '\0';
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	r = hash_fd(fd, found);
	close_keep_errno(fd);
	return r;
}

static int
conflict_cause(struct transport *t, const char *path, int dfd,
    const char *base, struct tcheck *k, char **cause)
{
	if (hash_at(dfd, base, k->found) == -1)
		snprintf(k->found, sizeof k->found, "unreadable");
	return set_cause(cause, JF_ERR_CHANGED, "%s: \"%s\": changed since "
	    "it was read (now %s, expected %s): not replaced", t->host, path,
	    k->found[0] != '\0' ? k->found : "no file",
	    k->expect == TEXPECT_ABSENT ? "no file" : k->sha256);
}

/* A person's chmod, chown or setfacl since the file was read (want) is a
 * change too: replacing the file would lose it.  with_ctime: any change
 * of its inode shows in its ctime (not after our own rename, which sets
 * it). */
static int
same_attrs(const struct stat *a, const struct stat *want, int with_ctime)
{
	return (a->st_mode & 07777) == (want->st_mode & 07777) &&
	    a->st_uid == want->st_uid && a->st_gid == want->st_gid &&
	    (!with_ctime || (a->st_ctim.tv_sec == want->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == want->st_ctim.tv_nsec));
}

static int
attrs_cause(struct transport *t, const char *path, const struct stat *now,
    const struct stat *want, char **cause)
{
	return set_cause(cause, JF_ERR_CHANGED, "%s: \"%s\": its mode, "
	    "owner or ACL changed since it was read (now %04o %ld:%ld, expected "
	    "%04o %ld:%ld): not replaced", t->host, path,
	    (unsigned)(now->st_mode & 07777), (long)now->st_uid,
	    (long)now->st_gid, (unsigned)(want->st_mode & 07777),
	    (long)want->st_uid, (long)want->st_gid);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Puts the complete temp file tmp in place of base if base still is what k
 * expects (see the top of this file).  *tmp_gone: tmp no longer exists;
 * *keep_tmp: tmp holds someone else's version and must stay.
 */
static int
replace_checked(struct transport *t, const char *path, int dfd,
    const char *tmp, const char *base, struct tcheck *k,
    const struct stat *want, int *tmp_gone, int *keep_tmp, char **cause)
{
	char h[65];
	struct stat st1, st2, st3;
	int ofd = -1, r = 0;

	if (k->expect == TEXPECT_ABSENT) {
#ifdef HAVE_RENAMEAT2
		if (renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE) == 0) {
			*tmp_gone = 1;
			return 0;
		}
		if (errno == EEXIST)
			return conflict_cause(t, path, dfd, base, k, cause);
		if (errno != EINVAL && errno != ENOSYS)
			return sys_cause(t, cause, errno, path, "rename");
#endif
		if (linkat(dfd, tmp, dfd, base, 0) == 0)
			return 0; /* the caller removes the temp name */
		if (errno == EEXIST)
			return conflict_cause(t, path, dfd, base, k, cause);
		return sys_cause(t, cause, errno, path, "link");
	}

	ofd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (ofd == -1) {
		if (errno == ENOENT || errno == ELOOP)
			return conflict_cause(t, path, dfd, base, k, cause);
		return sys_cause(t, cause, errno, path, "open");
	}
	if (fstat(ofd, &st1) == -1 || hash_fd(ofd, h) == -1) {
		r = sys_cause(t, cause, errno, path, "read");
		goto out;
	}
	if (!S_ISREG(st1.st_mode) || strcmp(h, k->sha256) != 0) {
		r = conflict_cause(t, path, dfd, base, k, cause);
		goto out;
	}
	if (!same_attrs(&st1, want, 1)) {
		memcpy(k->found, k->sha256, sizeof k->found); /* same content */
		r = attrs_cause(t, path, &st1, want, cause);
		goto out;
	}
#ifdef HAVE_RENAMEAT2
	if (renameat2(dfd, tmp, dfd, base, RENAME_EXCHANGE) == 0) {
		/* tmp now names what was at base: the file we hashed, with
		 * the mode and owner it was read with? */
		if (fstatat(dfd, tmp, &st2, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st2.st_dev == st1.st_dev && st2.st_ino == st1.st_ino &&
		    hash_fd(ofd, h) == 0 && strcmp(h, k->sha256) == 0 &&
		    fstat(ofd, &st3) == 0 && same_attrs(&st3, want, 0))
			goto out; /* the caller removes the old file at tmp */
		/* changed in the moment between: give it back its name */
		if (renameat2(dfd, tmp, dfd, base, RENAME_EXCHANGE) == -1) {
			*keep_tmp = 1;
			r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": changed "
			    "while being replaced, and putting the other "
			    "version back failed (%s): it is in \"%s\" in "
			    "the same directory", t->host, path,
			    strerror(errno), tmp);
			goto out;
		}
		if (fstat(ofd, &st3) == 0 && !same_attrs(&st3, want, 0)) {
			memcpy(k->found, k->sha256, sizeof k->found);
			r = attrs_cause(t, path, &st3, want, cause);
		}
		else
			r = conflict_cause(t, path, dfd, base, k, cause);
		goto out;
	}
	if (errno == ENOENT) {
		r = conflict_cause(t, path, dfd, base, k, cause);
		goto out;
	}
	if (errno != EINVAL && errno != ENOSYS) {
		r = sys_cause(t, cause, errno, path, "rename");
		goto out;
	}
#endif
	if (fstatat(dfd, base, &st2, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstat(ofd, &st1) == -1 || !same_file(&st1, &st2) ||
	    hash_fd(ofd, h) == -1 || strcmp(h, k->sha256) != 0) {
		r = conflict_cause(t, path, dfd, base, k, cause);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, base) == -1) {
		r = sys_cause(t, cause, errno, path, "rename");
		goto out;
	}
	*tmp_gone = 1;
out:
	if (ofd != -1)
		close(ofd);
	return r;
}

static int
write_file(struct transport *t, const char *path, int follow,
    const void *data, size_t len, mode_t mode, struct tcheck *check,
    char **cause)
{
	char *target = NULL, *dir = NULL, *base = NULL, *prefix = NULL;
	char *tmp = NULL, rnd[TEMP_RANDOM + 1];
	struct stat st, tst;
	mode_t want_mode;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int dfd = -1, fd = -1, exists = 0, renamed = 0, keep_tmp = 0, tries;
	int r = 0;

	if (check != NULL)
		check->found[0] = '\0';
	if (data == NULL && len > 0)
		return set_cause(cause, JF_ERR_USAGE, "%s: \"%s\": no data",
		    t->host, path);
	if (!follow) {
		if (*path == '\0')
			return set_cause(cause, JF_ERR_USAGE, "%s: empty path",
			    t->host);
		target = xstrdup(path);
	} else if ((r = resolve_target(t, path, 0, &target, cause)) != 0)
		return r;
	split_path(target, &dir, &base);
	if ((dfd = open_retry(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		r = sys_cause(t, cause, errno, path, "open directory");
		goto out;
	}

	if (fstatat(dfd, base, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			r = set_cause(cause, JF_ERR_REFUSED, "%s: \"%s\": a "
			    "symbolic link, not followed in the state "
			    "directory: not replacing it", t->host, path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = set_cause(cause, JF_ERR_USAGE,
			    "%s: \"%s\": %s, not replacing it", t->host, path,
			    file_type_name(st.st_mode));
			goto out;
		}
		exists = 1;
		if (st.st_nlink > 1)
			warnx(_("\"%s\": has %ju hard links; the others keep the "
			    "old contents"), path, (uintmax_t)st.st_nlink);
		want_mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	} else if (errno == ENOENT)
		want_mode = mode & 07777;
	else {
		r = sys_cause(t, cause, errno, path, "stat");
		goto out;
	}

	prefix = xasprintf(".%.*s" TEMP_TAG, TEMP_BASE_MAX, base);
	remove_stale_temps(dfd, dir, prefix);
	for (tries = 0;; tries++) {
		random_suffix(rnd, TEMP_RANDOM);
		free(tmp);
		tmp = xasprintf("%s%s", prefix, rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY, 0600);
		if (fd != -1)
			break;
		if (errno == EINTR || (errno == EEXIST && tries < 100))
			continue;
		free(tmp);
		tmp = NULL;
		r = sys_cause(t, cause, errno, path, "create temporary file");
		goto out;
	}

	if (exists) {
		if (fstat(fd, &tst) == -1) {
			r = sys_cause(t, cause, errno, path, "fstat");
			goto out;
		}
		if ((tst.st_uid != uid || tst.st_gid != gid) &&
		    fchown(fd, uid, gid) == -1) {
			r = sys_cause(t, cause, errno, path, "fchown");
			goto out;
		}
		if ((r = copy_acl(t, target, fd, path, cause)) != 0)
			goto out;
	}
	if (fchmod(fd, want_mode) == -1) {
		r = sys_cause(t, cause, errno, path, "fchmod");
		goto out;
	}
	if (write_all(fd, data, len) == -1) {
		r = sys_cause(t, cause, errno, path, "write");
		goto out;
	}
	if (fsync(fd) == -1) {
		r = sys_cause(t, cause, errno, path, "fsync");
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		r = sys_cause(t, cause, errno, path, "close");
		goto out;
	}
	fd = -1;

	if (transport_local_crash_hook != NULL)
		transport_local_crash_hook("after-fsync");

	if (check != NULL && check->expect != TEXPECT_ANY) {
		if ((r = replace_checked(t, path, dfd, tmp, base, check, &st,
		    &renamed, &keep_tmp, cause)) != 0)
			goto out;
	} else if (renameat(dfd, tmp, dfd, base) == -1) {
		r = sys_cause(t, cause, errno, path, "rename");
		goto out;
	} else
		renamed = 1;
	/* Some file systems cannot fsync a directory (EINVAL): nothing to do. */
	if (fsync(dfd) == -1 && errno != EINVAL) {
		r = sys_cause(t, cause, errno, path, "fsync directory");
		goto out;
	}
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL && !renamed && !keep_tmp && dfd != -1)
		unlinkat(dfd, tmp, 0);
	if (dfd != -1)
		close(dfd);
	free(tmp);
	free(prefix);
	free(target);
	free(dir);
	free(base);
	return r;
}

static int
local_write_file(struct transport *t, const char *path, const void *data,
    size_t len, mode_t mode, struct tcheck *check, char **cause)
{
	return write_file(t, path, 1, data, len, mode, check, cause);
}

int
tlocal_write_nofollow(const char *path, const void *data, size_t len,
    mode_t mode, char **cause)
{
	struct transport *t = transport_local_new();
	int r;

	r = write_file(t, path, 0, data, len, mode, NULL, cause);
	transport_free(t);
	return r;
}

/* --- processes ------------------------------------------------------------- */

char *
tlocal_cmdline_string(const char *raw, size_t len)
{
	char *s;
	size_t i;

	while (len > 0 && raw[len - 1] == '\0')
		len--;
	if (len == 0)
		return NULL;
	s = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		s[i] = raw[i] == '\0' ? ' ' : raw[i];
	s[len] = '\0';
	return s;
}

static int
cmp_procs(const void *a, const void *b)
{
	const struct tproc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* A process's command line; NULL when it is gone or a kernel thread. */
static char *
read_cmdline(pid_t pid, char *chunk)
{
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if ((fd = open_retry(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL; /* exited meanwhile, or not ours to see */
	while (got < TLOCAL_CMDLINE_MAX) {
		n = read(fd, chunk + got, TLOCAL_CMDLINE_MAX - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* ESRCH: exited while we read */
		got += (size_t)n;
	}
	close(fd);
	return tlocal_cmdline_string(chunk, got);
}

static int
local_list_procs(struct transport *t, struct tproc **procsp, size_t *np,
    char **cause)
{
	struct tproc *procs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char *chunk, *end, *cmd;
	long pid;
	DIR *d;

	*procsp = NULL;
	*np = 0;
	if ((d = opendir("/proc")) == NULL)
		return sys_cause(t, cause, errno, "/proc", "opendir");
	chunk = xmalloc(TLOCAL_CMDLINE_MAX);
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		errno = 0;
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || errno != 0 || pid <= 0 || pid > INT_MAX)
			continue;
		if ((cmd = read_cmdline((pid_t)pid, chunk)) == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			procs = xreallocarray(procs, cap, sizeof *procs);
		}
		procs[n].pid = (pid_t)pid;
		procs[n].cmdline = cmd;
		n++;
	}
	closedir(d);
	free(chunk);
	if (n > 1)
		qsort(procs, n, sizeof *procs, cmp_procs);
	*procsp = procs;
	*np = n;
	return 0;
}

/* --- sockets --------------------------------------------------------------- */

/* Exactly len hex digits into *v. */
static int
parse_hex(const char *s, size_t len, uint32_t *v)
{
	uint32_t x = 0;
	size_t i;
	int h;

	if (len == 0 || len > 8)
		return -1;
	for (i = 0; i < len; i++) {
		if ((h = hex_value((unsigned char)s[i])) < 0)
			return -1;
		x = x << 4 | (uint32_t)h;
	}
	*v = x;
	return 0;
}

/*
 * "0100007F:0CEA" (or 32 hex digits for IPv6) into a printable address and
 * a port.  The kernel prints each 32-bit word of the address as a native
 * integer, so copying the parsed words to memory gives back network order
 * on the host that produced the text.
 */
static int
parse_endpoint(const char *s, size_t len, int v6, char *addr, size_t addrsz,
    int *port)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	size_t alen = v6 ? 32 : 8, i;
	unsigned char bytes[16];
	uint32_t w, p;

	if (len < alen + 2 || s[alen] != ':' || len - alen - 1 > 4)
		return -1;
	for (i = 0; i < alen / 8; i++) {
		if (parse_hex(s + i * 8, 8, &w) != 0)
			return -1;
		memcpy(bytes + i * 4, &w, 4);
	}
	if (parse_hex(s + alen + 1, len - alen - 1, &p) != 0)
		return -1;
	if (!v6) {
		if (inet_ntop(AF_INET, bytes, addr, (socklen_t)addrsz) == NULL)
			return -1;
	} else if (memcmp(bytes, v4mapped, sizeof v4mapped) == 0) {
		if (inet_ntop(AF_INET, bytes + 12, addr,
		    (socklen_t)addrsz) == NULL)
			return -1;
	} else if (inet_ntop(AF_INET6, bytes, addr, (socklen_t)addrsz) == NULL)
		return -1;
	*port = (int)p;
	return 0;
}

static int
is_field_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
tlocal_parse_proc_net_tcp(const char *text, size_t len, int v6,
    const char *name, struct tsock **socksp, size_t *np, char **cause)
{
	const char *line = text, *end = text + len, *nl, *p;
	const char *tok[10];
	size_t toklen[10], cap = *np, ntok, lineno = 0;
	struct tsock *s;
	uint32_t st;
	uint64_t inode;
	size_t i;

	while (line < end) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		p = line;
		for (ntok = 0; ntok < nitems(tok); ntok++) {
			while (p < nl && is_field_space(*p))
				p++;
			if (p == nl)
				break;
			tok[ntok] = p;
			while (p < nl && !is_field_space(*p))
				p++;
			toklen[ntok] = (size_t)(p - tok[ntok]);
		}
		if (ntok == 0)
			goto next; /* blank line */
		if (lineno == 1) {
			/* the header: "sl local_address rem_address st ..." */
			if (ntok < 2 || toklen[0] != 2 ||
			    memcmp(tok[0], "sl", 2) != 0)
				return set_cause(cause, JF_ERR_PARSE,
				    "%s:%zu: not a header line", name, lineno);
			goto next;
		}
		if (ntok < nitems(tok))
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: %zu fields, expected at least %zu", name,
			    lineno, ntok, nitems(tok));
		if (toklen[0] < 2 || tok[0][toklen[0] - 1] != ':')
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: bad slot number", name, lineno);
		if (*np == cap) {
			cap = cap ? cap * 2 : 64;
			*socksp = xreallocarray(*socksp, cap, sizeof **socksp);
		}
		s = &(*socksp)[*np];
		memset(s, 0, sizeof *s);
		if (parse_endpoint(tok[1], toklen[1], v6, s->local,
		    sizeof s->local, &s->lport) != 0)
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: bad local address", name, lineno);
		if (parse_endpoint(tok[2], toklen[2], v6, s->remote,
		    sizeof s->remote, &s->rport) != 0)
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: bad remote address", name, lineno);
		if (toklen[3] > 2 || parse_hex(tok[3], toklen[3], &st) != 0)
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: bad state", name, lineno);
		s->state = (int)st;
		if (toklen[9] > 20)
			return set_cause(cause, JF_ERR_PARSE,
			    "%s:%zu: bad inode", name, lineno);
		inode = 0;
		for (i = 0; i < toklen[9]; i++) {
			if (tok[9][i] < '0' || tok[9][i] > '9' ||
			    inode > (UINT64_MAX - (uint64_t)(tok[9][i] - '0')) / 10)
				return set_cause(cause, JF_ERR_PARSE,
				    "%s:%zu: bad inode", name, lineno);
			inode = inode * 10 + (uint64_t)(tok[9][i] - '0');
		}
		s->inode = inode;
		(*np)++;
next:
		line = nl + 1;
	}
	return 0;
}

static int
local_list_tcp(struct transport *t, struct tsock **socksp, size_t *np,
    char **cause)
{
	static const char *const files[] = { "/proc/net/tcp",
	    "/proc/net/tcp6" };
	struct tsock *socks = NULL;
	struct buf b = BUF_INIT;
	size_t n = 0, i;
	char *why = NULL;
	int r = 0;

	*socksp = NULL;
	*np = 0;
	for (i = 0; i < nitems(files); i++) {
		buf_reset(&b);
		r = local_read_file(t, files[i], &b, 0, cause);
		if (r == -JF_ERR_NOTFOUND && i == 1) {
			r = 0; /* no IPv6 in this kernel */
			continue;
		}
		if (r != 0)
			break;
		r = tlocal_parse_proc_net_tcp(b.data ? b.data : "", b.len,
		    (int)i, files[i], &socks, &n, &why);
		if (r != 0) {
			set_cause(cause, -r, "%s: %s", t->host, why);
			break;
		}
	}
	buf_free(&b);
	free(why);
	if (r != 0) {
		free(socks);
		return r;
	}
	*socksp = socks;
	*np = n;
	return 0;
}

/* --- running programs ------------------------------------------------------ */

/* PATH and LANG, with env's entries replacing or adding to them. */
static char **
build_env(const char *const *env)
{
	char **envp;
	size_t n = 2, cap = 2, i, j, klen;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		cap++;
	envp = xcalloc(cap + 1, sizeof *envp);
	envp[0] = xstrdup("PATH=" TLOCAL_RUN_PATH);
	envp[1] = xstrdup("LANG=C");
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		klen = (size_t)(strchr(env[i], '=') - env[i]) + 1;
		for (j = 0; j < n; j++) {
			if (strncmp(envp[j], env[i], klen) == 0)
				break;
		}
		if (j < n)
			free(envp[j]);
		else
			n++;
		envp[j] = xstrdup(env[i]);
	}
	envp[n] = NULL;
	return envp;
}

static void
free_env(char **envp)
{
	size_t i;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

/*
 * In the child between fork and exec: only async-signal-safe calls.  The
 * three descriptors are first moved above 2 so that one of them being 0, 1
 * or 2 already (a parent started with closed stdio) cannot be clobbered.
 */
static void JF_NORETURN
run_child(int in, int out, int err, int execfd, long maxfd, pid_t parent,
    const char *path, char *const argv[], char *const envp[])
{
	struct sigaction sa;
	sigset_t none;
	int e, sig, fds[3] = { in, out, err }, i;
	long fd;

	setpgid(0, 0);
#ifdef __linux__
	/* In a process group of its own, a Ctrl-C of jobfix does not reach
	 * it: it ends with jobfix instead (a rabbitmqctl left running would
	 * start an epmd of its own once the broker's was gone).  Only this
	 * process: what it starts (a daemon) is not touched. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127); /* jobfix was gone before the line above */
#else
	(void)parent;
#endif
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails harmlessly for some */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	for (i = 0; i < 3; i++) {
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) == -1)
			goto fail;
	}
	for (i = 0; i < 3; i++) {
		if (dup2(fds[i], i) == -1)
			goto fail;
	}
	if (chdir("/") == -1)
		goto fail;
	/* Everything above 2 closes at exec, execfd too (it already does). */
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
#endif
	{
		for (fd = 3; fd < maxfd; fd++)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	execve(path, argv, envp);
fail:
	e = errno;
	while (write(execfd, &e, sizeof e) == -1 && errno == EINTR)
		;
	_exit(127);
}

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

/* Read what is there into b, keeping at most TLOCAL_RUN_OUTPUT_MAX bytes;
 * closes *fd at end of file or on an error. */
static void
drain(int *fd, struct buf *b, char *chunk)
{
	size_t keep;
	ssize_t n;

	do
		n = read(*fd, chunk, CHUNK);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	if (b->len < TLOCAL_RUN_OUTPUT_MAX) {
		keep = TLOCAL_RUN_OUTPUT_MAX - b->len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		(void)buf_add(b, chunk, keep); /* over the caller's cap: dropped */
	}
}

static int64_t
min_wait(int64_t wait, int64_t at, int64_t now)
{
	int64_t w = at > now ? at - now : 0;

	return wait < 0 || w < wait ? w : wait;
}

static void
kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) == -1)
		kill(pid, sig); /* setpgid failed: at least the child */
}

static int
local_run(struct transport *t, const char *const *argv,
    const char *const *env, const void *stdin_data, size_t stdin_len,
    int timeout_ms, struct trun_result *res, char **cause)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int execp[2] = { -1, -1 }, pidfd = -1, status = 0, e, r = 0, i;
	int exited = 0, reaped = 0, sigpipe_pending = 0, nfds, ipfd;
	struct pollfd pfd[4];
	const char *wp = stdin_data;
	size_t wleft = stdin_len, nwrite;
	int64_t now, deadline = -1, kill_at = -1, exit_at = -1, wait;
	sigset_t pipeset, oldset, pending;
	char **envp = NULL, *chunk = NULL;
	struct timespec zero = { 0, 0 };
	long maxfd;
	pid_t pid, w, self;
	ssize_t n;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return set_cause(cause, JF_ERR_USAGE,
		    "%s: \"%s\": not an absolute path", t->host,
		    argv != NULL && argv[0] != NULL ? argv[0] : "");
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (env[i][0] == '=' || strchr(env[i], '=') == NULL)
			return set_cause(cause, JF_ERR_USAGE,
			    "%s: \"%s\": environment entry \"%s\" is not "
			    "NAME=VALUE", t->host, argv[0], env[i]);
	}
	res->status = -1;
	res->timed_out = 0;
	buf_reset(&res->out);
	buf_reset(&res->err);

	if (stdin_data == NULL) {
		if ((inp[0] = open_retry("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
			r = sys_cause(t, cause, errno, "/dev/null", "open");
			goto out;
		}
	} else if (pipe2(inp, O_CLOEXEC) == -1) {
		r = sys_cause(t, cause, errno, argv[0], "pipe");
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    pipe2(execp, O_CLOEXEC) == -1) {
		r = sys_cause(t, cause, errno, argv[0], "pipe");
		goto out;
	}
	envp = build_env(env);
	if ((maxfd = sysconf(_SC_OPEN_MAX)) < 0 || maxfd > 1 << 20)
		maxfd = 1 << 20;
	chunk = xmalloc(CHUNK);

	self = getpid();
	if ((pid = fork()) == -1) {
		r = sys_cause(t, cause, errno, argv[0], "fork");
		goto out;
	}
	if (pid == 0)
		run_child(inp[0], outp[1], errp[1], execp[1], maxfd, self,
		    argv[0], (char *const *)argv, envp);
	setpgid(pid, pid); /* as the child does: whoever runs first wins */
	close_fd(&inp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&execp[1]);

	/* The exec pipe closes at a successful exec, else brings errno. */
	do
		n = read(execp[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close_fd(&execp[0]);
	if (n == (ssize_t)sizeof e) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		r = sys_cause(t, cause, e, argv[0], "exec");
		goto out;
	}

	/* A write to a child that stopped reading must not kill us. */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &oldset);
	if (sigpending(&pending) == 0)
		sigpipe_pending = sigismember(&pending, SIGPIPE);

#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd != -1)
		fcntl(pidfd, F_SETFD, FD_CLOEXEC);
#endif
	if ((inp[1] != -1 && set_nonblock(inp[1]) == -1) ||
	    set_nonblock(outp[0]) == -1 || set_nonblock(errp[0]) == -1)
		warnx(_("\"%s\": cannot make pipes non-blocking: %s"), argv[0],
		    strerror(errno));
	if (inp[1] != -1 && wleft == 0)
		close_fd(&inp[1]);
	if (timeout_ms > 0)
		deadline = now_ms() + timeout_ms;

	while (!exited || outp[0] != -1 || errp[0] != -1) {
		nfds = 0;
		ipfd = -1;
		if (inp[1] != -1) {
			pfd[nfds].fd = inp[1];
			pfd[nfds].events = POLLOUT;
			nfds++;
		}
		pfd[nfds].fd = outp[0];
		pfd[nfds++].events = POLLIN;
		pfd[nfds].fd = errp[0];
		pfd[nfds++].events = POLLIN;
		if (!exited && pidfd != -1) {
			ipfd = nfds;
			pfd[nfds].fd = pidfd;
			pfd[nfds++].events = POLLIN;
		}
		now = now_ms();
		wait = -1;
		if (deadline >= 0 && !res->timed_out)
			wait = min_wait(wait, deadline, now);
		if (kill_at >= 0)
			wait = min_wait(wait, kill_at, now);
		if (exited)
			wait = min_wait(wait, exit_at, now);
		if (!exited && pidfd == -1)
			wait = min_wait(wait, now + 50, now);
		for (i = 0; i < nfds; i++)
			pfd[i].revents = 0; /* fd -1 entries are ignored */
		if (poll(pfd, (nfds_t)nfds, (int)(wait > INT_MAX ? INT_MAX :
		    wait)) == -1) {
			if (errno == EINTR)
				continue;
			r = sys_cause(t, cause, errno, argv[0], "poll");
			kill_group(pid, SIGKILL);
			if (!exited) {
				while ((w = waitpid(pid, &status, 0)) == -1 &&
				    errno == EINTR)
					;
				reaped = w == pid;
			}
			exited = 1;
			break;
		}
		if (inp[1] != -1 && pfd[0].revents != 0) {
			nwrite = wleft < CHUNK ? wleft : CHUNK;
			n = write(inp[1], wp, nwrite);
			if (n > 0) {
				wp += n;
				wleft -= (size_t)n;
				if (wleft == 0)
					close_fd(&inp[1]);
			} else if (n == -1 && errno != EINTR && errno != EAGAIN)
				close_fd(&inp[1]); /* EPIPE: it reads no more */
		}
		for (i = 0; i < nfds; i++) {
			if (pfd[i].revents == 0 || pfd[i].fd == -1)
				continue;
			if (pfd[i].fd == outp[0])
				drain(&outp[0], &res->out, chunk);
			else if (pfd[i].fd == errp[0])
				drain(&errp[0], &res->err, chunk);
		}
		if (!exited && (pidfd == -1 || (ipfd >= 0 &&
		    pfd[ipfd].revents != 0) || kill_at >= 0 || res->timed_out)) {
			w = waitpid(pid, &status, WNOHANG);
			if (w == pid || (w == -1 && errno == ECHILD)) {
				/* ECHILD: SIGCHLD ignored, status lost */
				reaped = w == pid;
				exited = 1;
				exit_at = now_ms() + TLOCAL_RUN_EXIT_GRACE_MS;
				close_fd(&inp[1]);
			}
		}
		now = now_ms();
		if (exited && now >= exit_at)
			break; /* a descendant holds the pipes: stop reading */
		if (deadline >= 0 && !res->timed_out && now >= deadline) {
			res->timed_out = 1;
			debug("\"%s\": timed out after %d ms", argv[0],
			    timeout_ms);
			kill_group(pid, SIGTERM);
			kill_at = now + TLOCAL_RUN_KILL_GRACE_MS;
		}
		if (kill_at >= 0 && now >= kill_at) {
			kill_group(pid, SIGKILL);
			kill_at = -1;
		}
	}
	/* Timed out and the child is gone, but others in its group may linger:
	 * they too get SIGKILL when the grace ends. */
	while (kill_at >= 0 && kill(-pid, 0) == 0) {
		now = now_ms();
		if (now >= kill_at) {
			kill(-pid, SIGKILL);
			break;
		}
		poll(NULL, 0, (int)min_wait(20, kill_at, now));
	}

	if (reaped && WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (reaped && WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);

	/* Take back a SIGPIPE our writes raised, then unblock. */
	if (!sigpipe_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE))
		sigtimedwait(&pipeset, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &oldset, NULL);
out:
	close_fd(&inp[0]);
	close_fd(&inp[1]);
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&execp[0]);
	close_fd(&execp[1]);
	close_fd(&pidfd);
	free_env(envp);
	free(chunk);
	return r;
}

/* --- the transport ----------------------------------------------------------- */

static void
local_close(struct transport *t)
{
	(void)t; /* nothing held */
}

static const struct transport_ops local_ops = {
	.name = "local",
	.read_file = local_read_file,
	.read_range = local_read_range,
	.write_file = local_write_file,
	.stat = local_stat,
	.realpath = local_realpath,
	.list_dir = local_list_dir,
	.list_procs = local_list_procs,
	.list_tcp = local_list_tcp,
	.run = local_run,
	.unlink = local_unlink,
	.close = local_close,
};

struct transport *
transport_local_new(void)
{
	struct transport *t = xcalloc(1, sizeof *t);

	t->ops = &local_ops;
	t->host = xstrdup("localhost");
	return t;
}
