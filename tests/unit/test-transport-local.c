/*
 * test-transport-local.c - the local transport against the real system:
 * files in a private temp directory, a tmpfs for a full and a read-only
 * file system (in a private mount namespace where permitted), programs from
 * /bin and /usr/bin, sockets on loopback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "transport-local.h"
#include "transport.h"
#include "util.h"

static struct transport *tp;
static char *root;

static char *
tpath(const char *name)
{
	return path_join(root, name);
}

static void
put(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd == -1 || write(fd, data, len) != (ssize_t)len)
		fatal("\"%s\": %s", path, strerror(errno));
	fchmod(fd, mode);
	close(fd);
}

/* The whole file, or NULL; *len set. */
static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	*len = 0;
	if (read_file_local(path, &b, 0, NULL) != 0) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data != NULL ? b.data : xstrdup("");
}

static int
same_content(const char *path, const void *want, size_t wlen)
{
	size_t len;
	char *got = slurp(path, &len);
	int same = got != NULL && len == wlen && memcmp(got, want, wlen) == 0;

	free(got);
	return same;
}

/* How many ".*.jobfix-*" temp files are in dir. */
static int
count_temps(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strstr(de->d_name, ".jobfix-"))
			n++;
	closedir(d);
	return n;
}

static char *
first_temp(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char *s = NULL;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL)
		if (s == NULL && de->d_name[0] == '.' &&
		    strstr(de->d_name, ".jobfix-"))
			s = path_join(dir, de->d_name);
	closedir(d);
	return s;
}

static int
has(const char *s, const char *sub)
{
	return s != NULL && strstr(s, sub) != NULL;
}

/* --- reading ------------------------------------------------------------- */

static void
test_read(void)
{
	char *f = tpath("r.txt"), *bin = tpath("bin"), *d = tpath("rdir");
	char *fifo = tpath("fifo"), *cause = NULL, *big = tpath("big");
	struct buf b = BUF_INIT;
	static const char binary[] = "a\0b\r\nc\xff";
	char *data;
	int64_t t0;
	int r;

	put(f, "hello\nworld", 11, 0644);
	r = tp->ops->read_file(tp, f, &b, 0, &cause);
	is_int(r, 0, "read_file: reads a file");
	is_str(b.data, "hello\nworld", "read_file: content, no final newline");

	put(bin, binary, sizeof binary - 1, 0600);
	buf_reset(&b);
	r = tp->ops->read_file(tp, bin, &b, 0, &cause);
	is_mem(b.data, b.len, binary, sizeof binary - 1,
	    "read_file: binary bytes with NUL and CRLF kept");

	/* appends */
	r = tp->ops->read_file(tp, f, &b, 100, &cause);
	is_int(b.len, sizeof binary - 1 + 11, "read_file: appends to out");

	buf_reset(&b);
	r = tp->ops->read_file(tp, f, &b, 5, &cause);
	is_int(r, -JF_ERR_TOOBIG, "read_file: over the cap is TOOBIG");
	is_int(b.len, 0, "read_file: nothing left in out after TOOBIG");
	ok(has(cause, "localhost") && has(cause, f), "read_file: cause names host and path: %s", cause);

	data = xmalloc(200000);
	memset(data, 'x', 200000);
	put(big, data, 200000, 0644);
	buf_reset(&b);
	r = tp->ops->read_file(tp, big, &b, 200000, &cause);
	ok(r == 0 && b.len == 200000, "read_file: exactly the cap is fine");
	buf_reset(&b);
	r = tp->ops->read_file(tp, big, &b, 199999, &cause);
	is_int(r, -JF_ERR_TOOBIG, "read_file: one byte over the cap");
	free(data);

	r = tp->ops->read_file(tp, "/nonexistent/jobfix", &b, 0, &cause);
	is_int(r, -JF_ERR_NOTFOUND, "read_file: missing file is NOTFOUND");
	ok(has(cause, "localhost: \"/nonexistent/jobfix\""), "read_file: cause %s", cause);

	mkdir(d, 0755);
	r = tp->ops->read_file(tp, d, &b, 0, &cause);
	ok(r < 0 && has(cause, "directory"), "read_file: a directory is an error: %s", cause);

	if (mkfifo(fifo, 0600) == 0) {
		t0 = now_ms();
		alarm(10); /* if it blocks, die rather than hang */
		r = tp->ops->read_file(tp, fifo, &b, 0, &cause);
		alarm(0);
		ok(r < 0 && has(cause, "FIFO") && now_ms() - t0 < 2000,
		    "read_file: a FIFO is an error and does not block: %s", cause);
		r = tp->ops->read_range(tp, fifo, 0, 10, &b, &cause);
		ok(r < 0, "read_range: a FIFO is an error too");
	} else
		ok(0, "mkfifo: %s", strerror(errno));

	r = tp->ops->read_file(tp, "/dev/null", &b, 0, &cause);
	ok(r < 0 && has(cause, "device"), "read_file: a device is refused: %s", cause);

	/* /proc files have size 0 but content */
	buf_reset(&b);
	r = tp->ops->read_file(tp, "/proc/self/status", &b, 0, &cause);
	ok(r == 0 && has(b.data, "Pid:"), "read_file: /proc files read");

	/* read_range */
	buf_reset(&b);
	r = tp->ops->read_range(tp, f, 6, 3, &b, &cause);
	ok(r == 0 && b.len == 3 && memcmp(b.data, "wor", 3) == 0,
	    "read_range: middle of a file");
	buf_reset(&b);
	r = tp->ops->read_range(tp, f, 6, 100, &b, &cause);
	is_str(b.data, "world", "read_range: fewer bytes at the end");
	buf_reset(&b);
	r = tp->ops->read_range(tp, f, 11, 100, &b, &cause);
	ok(r == 0 && b.len == 0, "read_range: at the end: nothing");
	r = tp->ops->read_range(tp, f, 1000000, 100, &b, &cause);
	ok(r == 0 && b.len == 0, "read_range: beyond the end: nothing");
	r = tp->ops->read_range(tp, f, UINT64_MAX, 100, &b, &cause);
	is_int(r, -JF_ERR_USAGE, "read_range: absurd offset refused");
	r = tp->ops->read_range(tp, f, 0, 0, &b, &cause);
	ok(r == 0 && b.len == 0, "read_range: max 0 reads nothing");
	buf_reset(&b);
	r = tp->ops->read_range(tp, big, 150000, 100000, &b, &cause);
	ok(r == 0 && b.len == 50000, "read_range: across chunks");
	r = tp->ops->read_range(tp, "/nonexistent", 0, 1, &b, &cause);
	is_int(r, -JF_ERR_NOTFOUND, "read_range: missing file");

	buf_free(&b);
	free(cause);
	free(f);
	free(bin);
	free(d);
	free(fifo);
	free(big);
}

/* --- stat, realpath, list_dir, unlink ------------------------------------ */

static void
test_meta(void)
{
	char *f = tpath("m.txt"), *l = tpath("m.link"), *d = tpath("mdir");
	char *cause = NULL, *rp = NULL, **names = NULL, *p;
	struct tstat ts;
	struct stat st;
	size_t n = 0;
	int r;

	put(f, "12345", 5, 0640);
	stat(f, &st);
	r = tp->ops->stat(tp, f, &ts, &cause);
	ok(r == 0 && ts.exists, "stat: exists");
	ok(S_ISREG(ts.mode) && (ts.mode & 07777) == 0640, "stat: mode with type bits");
	is_int(ts.size, 5, "stat: size");
	ok(ts.ino == st.st_ino && ts.uid == st.st_uid && ts.gid == st.st_gid,
	    "stat: inode, uid, gid");
	ok(ts.mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
	    "stat: mtime in ns");

	symlink("m.txt", l);
	r = tp->ops->stat(tp, l, &ts, &cause);
	ok(r == 0 && S_ISREG(ts.mode) && ts.ino == st.st_ino,
	    "stat: follows a symlink");

	memset(&ts, 0xff, sizeof ts);
	r = tp->ops->stat(tp, "/nonexistent/x", &ts, &cause);
	ok(r == 0 && ts.exists == 0, "stat: missing is exists = 0 without error");
	p = xasprintf("%s/x", f);
	r = tp->ops->stat(tp, p, &ts, &cause);
	ok(r < 0 && has(cause, p), "stat: ENOTDIR is an error: %s", cause);
	free(p);

	r = tp->ops->realpath(tp, l, &rp, &cause);
	ok(r == 0 && rp != NULL && strcmp(rp, f) == 0, "realpath: link resolved to %s", rp);
	free(rp);
	rp = NULL;
	p = xasprintf("%s/./../%s/m.link", root, strrchr(root, '/') + 1);
	r = tp->ops->realpath(tp, p, &rp, &cause);
	is_str(rp, f, "realpath: dots resolved");
	free(rp);
	rp = NULL;
	free(p);
	r = tp->ops->realpath(tp, "/nonexistent/jf", &rp, &cause);
	ok(r == -JF_ERR_NOTFOUND && rp == NULL, "realpath: missing is NOTFOUND");

	mkdir(d, 0755);
	p = path_join(d, "b");
	put(p, "", 0, 0644);
	free(p);
	p = path_join(d, "a");
	put(p, "", 0, 0644);
	free(p);
	p = path_join(d, ".hidden");
	put(p, "", 0, 0644);
	free(p);
	p = path_join(d, "c d");
	mkdir(p, 0755);
	free(p);
	r = tp->ops->list_dir(tp, d, &names, &n, &cause);
	ok(r == 0 && n == 4, "list_dir: four names, no . or ..");
	if (n == 4) {
		is_str(names[0], ".hidden", "list_dir: sorted 0");
		is_str(names[1], "a", "list_dir: sorted 1");
		is_str(names[2], "b", "list_dir: sorted 2");
		is_str(names[3], "c d", "list_dir: sorted 3");
	}
	names_free(names, n);
	p = path_join(d, "c d");
	r = tp->ops->list_dir(tp, p, &names, &n, &cause);
	ok(r == 0 && n == 0, "list_dir: empty directory");
	names_free(names, n);
	free(p);
	r = tp->ops->list_dir(tp, "/nonexistent", &names, &n, &cause);
	ok(r == -JF_ERR_NOTFOUND && names == NULL && n == 0, "list_dir: missing directory");
	r = tp->ops->list_dir(tp, f, &names, &n, &cause);
	ok(r < 0 && has(cause, f), "list_dir: not a directory: %s", cause);

	r = tp->ops->unlink(tp, l, &cause);
	ok(r == 0 && lstat(l, &st) == -1 && stat(f, &st) == 0,
	    "unlink: removes the link, not its target");
	r = tp->ops->unlink(tp, l, &cause);
	is_int(r, -JF_ERR_NOTFOUND, "unlink: missing is NOTFOUND");
	r = tp->ops->unlink(tp, d, &cause);
	ok(r < 0 && has(cause, d), "unlink: a directory is an error: %s", cause);

	free(cause);
	free(f);
	free(l);
	free(d);
}

/* --- write_file ------------------------------------------------------------ */

static void
test_write(void)
{
	char *f = tpath("w.conf"), *n = tpath("new.conf"), *l = tpath("w.link");
	char *dl = tpath("dangling"), *dt = tpath("dangling-target");
	char *sub = tpath("wsub"), *rel = NULL, *cause = NULL, *p;
	static const char bin[] = "x\0y\r\nz";
	struct stat st, st2, lst;
	mode_t old = umask(077);
	int r;

	put(f, "old", 3, 0604);
	stat(f, &st);
	if (geteuid() == 0) {
		ok(chown(f, 1234, 5678) == 0, "chown the original to 1234:5678");
		chmod(f, 02754); /* chown cleared it; set-id bits must survive */
	}
	r = tp->ops->write_file(tp, f, "new contents\n", 13, 0600, NULL, &cause);
	is_int(r, 0, "write_file: replaces a file");
	ok(same_content(f, "new contents\n", 13), "write_file: new content");
	stat(f, &st2);
	ok(st2.st_ino != st.st_ino, "write_file: a new inode (renamed over)");
	if (geteuid() == 0) {
		ok(st2.st_uid == 1234 && st2.st_gid == 5678,
		    "write_file: owner and group kept (%d:%d)", (int)st2.st_uid,
		    (int)st2.st_gid);
		is_int(st2.st_mode & 07777, 02754, "write_file: mode kept, set-gid too");
	} else
		is_int(st2.st_mode & 07777, 0604, "write_file: mode kept");
	is_int(count_temps(root), 0, "write_file: no temp file left");

	r = tp->ops->write_file(tp, n, bin, sizeof bin - 1, 0640, NULL, &cause);
	stat(n, &st);
	ok(r == 0 && (st.st_mode & 07777) == 0640,
	    "write_file: a new file gets mode 0640 whatever the umask");
	ok(same_content(n, bin, sizeof bin - 1), "write_file: binary data intact");
	r = tp->ops->write_file(tp, n, "", 0, 0640, NULL, &cause);
	ok(r == 0 && stat(n, &st) == 0 && st.st_size == 0, "write_file: empty data");
	r = tp->ops->write_file(tp, n, NULL, 0, 0640, NULL, &cause);
	is_int(r, 0, "write_file: NULL with length 0 is empty");
	r = tp->ops->write_file(tp, n, NULL, 5, 0640, NULL, &cause);
	is_int(r, -JF_ERR_USAGE, "write_file: NULL with a length refused");

	/* symlink: target replaced, link kept */
	put(f, "target", 6, 0644);
	symlink("w.conf", l);
	r = tp->ops->write_file(tp, l, "via link", 8, 0600, NULL, &cause);
	ok(r == 0 && lstat(l, &lst) == 0 && S_ISLNK(lst.st_mode),
	    "write_file: the symlink stays a symlink");
	ok(same_content(f, "via link", 8), "write_file: its target replaced");
	/* a link in another directory, relative, through a link to a directory */
	mkdir(sub, 0755);
	p = path_join(sub, "l2");
	symlink("../w.link", p);
	r = tp->ops->write_file(tp, p, "two hops", 8, 0600, NULL, &cause);
	ok(r == 0 && same_content(f, "two hops", 8) && lstat(p, &lst) == 0 &&
	    S_ISLNK(lst.st_mode), "write_file: chain of relative links");
	is_int(count_temps(sub), 0, "write_file: no temp next to the link");
	free(p);

	symlink("dangling-target", dl);
	r = tp->ops->write_file(tp, dl, "made", 4, 0620, NULL, &cause);
	ok(r == 0 && same_content(dt, "made", 4) && lstat(dl, &lst) == 0 &&
	    S_ISLNK(lst.st_mode), "write_file: a dangling link's target created");
	stat(dt, &st);
	is_int(st.st_mode & 07777, 0620, "write_file: ... with the given mode");

	r = tp->ops->write_file(tp, sub, "x", 1, 0600, NULL, &cause);
	ok(r < 0 && has(cause, "directory"), "write_file: will not replace a directory: %s", cause);
	p = xasprintf("%s/", n);
	r = tp->ops->write_file(tp, p, "x", 1, 0600, NULL, &cause);
	ok(r < 0, "write_file: a path ending in / refused: %s", cause);
	free(p);
	r = tp->ops->write_file(tp, "", "x", 1, 0600, NULL, &cause);
	is_int(r, -JF_ERR_USAGE, "write_file: empty path refused");
	r = tp->ops->write_file(tp, "/nonexistent/dir/file", "x", 1, 0600, NULL, &cause);
	ok(r == -JF_ERR_NOTFOUND && has(cause, "/nonexistent/dir/file"),
	    "write_file: missing directory: %s", cause);

	/* parent is a regular file: the temp cannot be created */
	p = xasprintf("%s/child", f);
	r = tp->ops->write_file(tp, p, "x", 1, 0600, NULL, &cause);
	ok(r < 0 && has(cause, "Not a directory"), "write_file: parent is a file: %s", cause);
	ok(same_content(f, "two hops", 8), "write_file: ... the file untouched");
	free(p);

	/* a hard link keeps the old contents (the rename makes a new inode) */
	p = tpath("hard");
	link(n, p);
	r = tp->ops->write_file(tp, n, "after", 5, 0640, NULL, &cause);
	ok(r == 0 && same_content(n, "after", 5) && same_content(p, "", 0),
	    "write_file: a hard link elsewhere keeps the old contents");
	free(p);

	/* relative path */
	if (chdir(root) == 0) {
		r = tp->ops->write_file(tp, "rel.txt", "rel", 3, 0600, NULL, &cause);
		rel = tpath("rel.txt");
		ok(r == 0 && same_content(rel, "rel", 3), "write_file: relative path");
		if (chdir("/") != 0)
			ok(0, "chdir /");
	}

	/* long names: the temp name is cut to fit NAME_MAX */
	{
		char name[256];

		memset(name, 'n', 255);
		name[255] = '\0';
		p = path_join(root, name);
		r = tp->ops->write_file(tp, p, "long", 4, 0600, NULL, &cause);
		ok(r == 0 && same_content(p, "long", 4),
		    "write_file: a 255-byte name: %s", r ? cause : "ok");
		unlink(p);
		free(p);
	}
	is_int(count_temps(root), 0, "write_file: still no temp files");

	umask(old);
	free(cause);
	free(f);
	free(n);
	free(l);
	free(dl);
	free(dt);
	free(sub);
	free(rel);
}

/* --- checked write: replace only what was read ----------------------------- */

static const char *edit_path;
static const char *edit_how;

/* A person's edit landing after jobfix read the file, before its rename. */
static void
edit_before_rename(const char *stage)
{
	char *other;

	if (strcmp(stage, "after-fsync") != 0 || edit_path == NULL)
		return;
	if (strcmp(edit_how, "in-place") == 0)
		put(edit_path, "person's edit\n", 14, 0644);
	else if (strcmp(edit_how, "rename") == 0) {
		other = xasprintf("%s.person", edit_path);
		put(other, "person's edit\n", 14, 0644);
		rename(other, edit_path);
		free(other);
	} else if (strcmp(edit_how, "delete") == 0)
		unlink(edit_path);
	else if (strcmp(edit_how, "chmod") == 0)
		chmod(edit_path, 0600);
	else if (strcmp(edit_how, "acl") == 0) {
		/* an ACL-only change: the mode stays, the ctime moves */
		if (system("command -v setfacl >/dev/null") == 0) {
			char *cmd = xasprintf("setfacl -m u:nobody:--- '%s'",
			    edit_path);
			if (system(cmd) != 0)
				chmod(edit_path, 0644);
			free(cmd);
		} else
			chmod(edit_path, 0644);
	}
	else if (strcmp(edit_how, "chown") == 0) {
		if (chown(edit_path, 65534, (gid_t)-1) == -1)
			chmod(edit_path, 0640); /* not root: a chmod instead */
	}
	else if (strcmp(edit_how, "create") == 0)
		put(edit_path, "person's edit\n", 14, 0644);
}

static void
test_checked_write(void)
{
	char *f = tpath("checked.conf"), *nf = tpath("checked-new.conf");
	char *cause = NULL, person[65];
	static const char orig[] = "jobfix read this\n";
	struct tcheck k;
	int r;

	put(f, orig, sizeof orig - 1, 0644);
	tcheck_expect(&k, orig, sizeof orig - 1, 1);
	r = tp->ops->write_file(tp, f, "planned\n", 8, 0644, &k, &cause);
	ok(r == 0 && same_content(f, "planned\n", 8),
	    "checked write: unchanged file replaced: %s", r ? cause : "ok");
	is_int(count_temps(root), 0, "checked write: no temp file left");

	/* the file no longer holds what was read: refused */
	r = tp->ops->write_file(tp, f, "again\n", 6, 0644, &k, &cause);
	is_int(r, -JF_ERR_CHANGED, "checked write: a changed file is refused");
	tsha256_hex("planned\n", 8, person);
	ok(strcmp(k.found, person) == 0, "checked write: found is the hash of "
	    "what is there");
	ok(has(cause, "changed since it was read") && has(cause, person) &&
	    has(cause, k.sha256), "checked write: both hashes named: %s", cause);
	ok(same_content(f, "planned\n", 8), "checked write: file untouched");
	is_int(count_temps(root), 0, "checked write: no temp after a conflict");

	/* an edit between read and rename, in place and by rename */
	static const char *const hows[] = { "in-place", "rename", "delete",
		"chmod", "chown", "acl" };
	size_t i;
	for (i = 0; i < nitems(hows); i++) {
		put(f, orig, sizeof orig - 1, 0644);
		tcheck_expect(&k, orig, sizeof orig - 1, 1);
		edit_path = f;
		edit_how = hows[i];
		transport_local_crash_hook = edit_before_rename;
		r = tp->ops->write_file(tp, f, "planned\n", 8, 0644, &k, &cause);
		transport_local_crash_hook = NULL;
		is_int(r, -JF_ERR_CHANGED, "checked write: edit %s before the "
		    "rename detected", hows[i]);
		if (strcmp(hows[i], "delete") == 0)
			ok(access(f, F_OK) == -1 && k.found[0] == '\0',
			    "checked write: a deleted file stays deleted");
		else if (strcmp(hows[i], "chmod") == 0 ||
		    strcmp(hows[i], "chown") == 0 ||
		    strcmp(hows[i], "acl") == 0) {
			struct stat pst;
			ok(same_content(f, orig, sizeof orig - 1) &&
			    stat(f, &pst) == 0 && ((pst.st_mode & 07777) !=
			    0644 || pst.st_uid != getuid() ||
			    strcmp(hows[i], "acl") == 0),
			    "checked write: the person's %s kept", hows[i]);
			ok(strcmp(k.found, k.sha256) == 0, "checked write: "
			    "found is the hash read (%s): the content is the "
			    "same", hows[i]);
			ok(has(cause, "mode, owner or ACL changed since it was "
			    "read"), "checked write: the cause says so: %s",
			    cause ? cause : "(none)");
			if (system("command -v setfacl >/dev/null") == 0) {
				char *cmd = xasprintf("setfacl -b '%s'", f);
				if (system(cmd) != 0)
					fprintf(stderr, "# setfacl -b failed\n");
				free(cmd);
			}
			chmod(f, 0644);
			if (chown(f, getuid(), (gid_t)-1) == -1)
				fprintf(stderr, "# chown back failed\n");
		} else
			ok(same_content(f, "person's edit\n", 14),
			    "checked write: the person's version (%s) kept",
			    hows[i]);
		is_int(count_temps(root), 0, "checked write: no temp left (%s)",
		    hows[i]);
	}

	/* a new file: must not exist */
	unlink(nf);
	tcheck_expect(&k, NULL, 0, 0);
	r = tp->ops->write_file(tp, nf, "new\n", 4, 0640, &k, &cause);
	ok(r == 0 && same_content(nf, "new\n", 4), "checked write: absent "
	    "file created");
	r = tp->ops->write_file(tp, nf, "other\n", 6, 0640, &k, &cause);
	ok(r == -JF_ERR_CHANGED && same_content(nf, "new\n", 4),
	    "checked write: a file that appeared is not replaced: %s", cause);
	unlink(nf);
	edit_path = nf;
	edit_how = "create";
	transport_local_crash_hook = edit_before_rename;
	r = tp->ops->write_file(tp, nf, "ours\n", 5, 0640, &k, &cause);
	transport_local_crash_hook = NULL;
	ok(r == -JF_ERR_CHANGED && same_content(nf, "person's edit\n", 14),
	    "checked write: a file created meanwhile is kept");
	is_int(count_temps(root), 0, "checked write: no temp left");
	edit_path = NULL;
	unlink(nf);
	free(cause);
	free(f);
	free(nf);
}

static void
crash_exit(const char *stage)
{
	if (strcmp(stage, "after-fsync") == 0)
		_exit(42);
}

static void
test_crash(void)
{
	char *f = tpath("crash.conf"), *cause = NULL, *tmp, *other;
	static const char orig[] = "original\ncontents\n";
	struct timespec ts[2];
	struct stat st;
	pid_t pid;
	int status = 0, r;

	put(f, orig, sizeof orig - 1, 0644);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		transport_local_crash_hook = crash_exit;
		tp->ops->write_file(tp, f, "NEW", 3, 0644, NULL, NULL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	    "crash: the child died in the hook after fsync");
	ok(same_content(f, orig, sizeof orig - 1),
	    "crash: the original is byte-identical");
	is_int(count_temps(root), 1, "crash: one temp file left behind");
	tmp = first_temp(root);
	ok(tmp != NULL && same_content(tmp, "NEW", 3),
	    "crash: the temp holds the complete new data");

	/* a fresh temp might be a concurrent writer's: it stays */
	r = tp->ops->write_file(tp, f, "second", 6, 0644, NULL, &cause);
	ok(r == 0 && same_content(f, "second", 6), "crash: next write succeeds");
	ok(tmp != NULL && stat(tmp, &st) == 0, "crash: a young temp is left alone");

	/* one older than a minute is debris: removed */
	other = tpath(".other.jobfix-AAAAAA");
	put(other, "", 0, 0600);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 120;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (tmp != NULL)
		utimensat(AT_FDCWD, tmp, ts, 0);
	utimensat(AT_FDCWD, other, ts, 0);
	r = tp->ops->write_file(tp, f, "third", 5, 0644, NULL, &cause);
	ok(r == 0 && same_content(f, "third", 5), "crash: the write after that too");
	ok(tmp != NULL && stat(tmp, &st) == -1 && errno == ENOENT,
	    "crash: the stale temp was removed");
	ok(stat(other, &st) == 0, "crash: another file's temp is not touched");
	unlink(other);
	is_int(count_temps(root), 0, "crash: no temp files remain");

	free(other);
	free(tmp);
	free(cause);
	free(f);
}

/* RLIMIT_FSIZE makes write() fail with EFBIG: a write error that needs no
 * mount.  In a child, so the limit does not stay. */
static void
test_efbig(void)
{
	char *f = tpath("efbig.conf"), *cause = NULL, *data;
	struct rlimit rl;
	pid_t pid;
	int status = 0, r, code;

	put(f, "small original", 14, 0644);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = 4096;
		setrlimit(RLIMIT_FSIZE, &rl);
		data = xmalloc(100000);
		memset(data, 'e', 100000);
		r = tp->ops->write_file(tp, f, data, 100000, 0644, NULL, &cause);
		code = 0;
		if (r != -JF_ERR_IO)
			code |= 1;
		if (!has(cause, "write: File too large") || !has(cause, f))
			code |= 2;
		if (!same_content(f, "small original", 14))
			code |= 4;
		if (count_temps(root) != 0)
			code |= 8;
		if (cause != NULL)
			printf("# efbig cause: %s\n", cause);
		fflush(stdout);
		_exit(code);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status), "efbig: child finished");
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	ok(!(code & 1), "efbig: write_file fails with JF_ERR_IO");
	ok(!(code & 2), "efbig: cause says \"HOST: \\\"PATH\\\": write: File too large\"");
	ok(!(code & 4), "efbig: the original is intact");
	ok(!(code & 8), "efbig: no temp file remains");
	free(cause);
	free(f);
}

/* As an unprivileged user, a root-owned directory: EACCES. */
static void
test_eacces(void)
{
	char *d = tpath("rootonly"), *f, *cause = NULL;
	pid_t pid;
	int status = 0, r, code;

	if (geteuid() != 0) {
		ok(1, "eacces # SKIP not root");
		return;
	}
	mkdir(d, 0755);
	f = path_join(d, "file");
	put(f, "root's", 6, 0666);
	chmod(root, 0755);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(100);
		r = tp->ops->write_file(tp, f, "nobody's", 8, 0644, NULL, &cause);
		code = 0;
		if (r >= 0 || !has(cause, "Permission denied"))
			code |= 1;
		if (!same_content(f, "root's", 6))
			code |= 2;
		printf("# eacces cause: %s\n", cause ? cause : "(none)");
		fflush(stdout);
		_exit(code);
	}
	waitpid(pid, &status, 0);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	ok(code != 100, "eacces: dropped to nobody");
	ok(code == 0, "eacces: Permission denied reported, file intact (%d)", code);
	is_int(count_temps(d), 0, "eacces: no temp file");
	chmod(root, 0700);
	free(cause);
	free(f);
	free(d);
}

/* A tiny tmpfs: ENOSPC, then read-only.  Needs mount(2). */
static void
test_tmpfs(void)
{
	char *mnt = tpath("mnt"), *f, *cause = NULL, *data;
	static const char orig[] = "the original, small\n";
	int r;

	mkdir(mnt, 0755);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") == -1) {
		ok(1, "tmpfs # SKIP mount: %s", strerror(errno));
		free(mnt);
		return;
	}
	f = path_join(mnt, "full.conf");
	put(f, orig, sizeof orig - 1, 0644);
	data = xmalloc(256 << 10);
	memset(data, 's', 256 << 10);
	r = tp->ops->write_file(tp, f, data, 256 << 10, 0644, NULL, &cause);
	is_int(r, -JF_ERR_IO, "enospc: write_file fails");
	ok(has(cause, "localhost: \"") && has(cause, f) &&
	    has(cause, "\": write: No space left on device"),
	    "enospc: cause %s", cause);
	ok(same_content(f, orig, sizeof orig - 1), "enospc: the original is intact");
	is_int(count_temps(mnt), 0, "enospc: no temp file remains");
	r = tp->ops->write_file(tp, f, "fits", 4, 0644, NULL, &cause);
	ok(r == 0 && same_content(f, "fits", 4), "enospc: a write that fits works after");

	if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
		r = tp->ops->write_file(tp, f, "ro", 2, 0644, NULL, &cause);
		ok(r < 0 && has(cause, "Read-only file system") && has(cause, f),
		    "erofs: write_file fails: %s", cause);
		ok(same_content(f, "fits", 4), "erofs: the original is intact");
		is_int(count_temps(mnt), 0, "erofs: no temp file");
	} else
		ok(1, "erofs # SKIP remount: %s", strerror(errno));
	umount2(mnt, MNT_DETACH);
	free(data);
	free(cause);
	free(f);
	free(mnt);
}

/* --- run ------------------------------------------------------------------- */

static int
run(const char *const *argv, const char *const *env, const void *in,
    size_t inlen, int timeout_ms, struct trun_result *res, char **cause)
{
	trun_result_free(res);
	trun_result_init(res);
	return tp->ops->run(tp, argv, env, in, inlen, timeout_ms, res, cause);
}

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
test_run(void)
{
	struct trun_result res;
	char *cause = NULL, *big;
	int64_t t0, el;
	int r, fd;
	pid_t bg = 0;

	trun_result_init(&res);
	{
		const char *argv[] = { "/bin/echo", "hello", "world", NULL };
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 0, "run: echo ran");
		is_str(res.out.data, "hello world\n", "run: stdout captured");
		ok(res.err.len == 0 && !res.timed_out, "run: no stderr, no timeout");
	}
	{
		const char *argv[] = { "echo", "x", NULL };
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		is_int(r, -JF_ERR_USAGE, "run: relative argv[0] refused");
		is_int(res.status, -1, "run: ... status -1");
		const char *none[] = { NULL };
		r = run(none, NULL, NULL, 0, 5000, &res, &cause);
		is_int(r, -JF_ERR_USAGE, "run: empty argv refused");
	}
	{
		const char *argv[] = { "/nonexistent/prog", NULL };
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		ok(r < 0 && has(cause, "localhost: \"/nonexistent/prog\": exec: No such file"),
		    "run: a missing program is an error: %s", cause);
		is_int(res.status, -1, "run: ... it never ran");
		const char *dir[] = { "/tmp", NULL };
		r = run(dir, NULL, NULL, 0, 5000, &res, &cause);
		ok(r < 0 && has(cause, "Permission denied"), "run: a directory: %s", cause);
	}
	{
		const char *argv[] = { "/bin/cat", NULL };
		static const char in[] = "line 1\r\nbinary\0bytes";
		r = run(argv, NULL, in, sizeof in - 1, 5000, &res, &cause);
		ok(r == 0 && res.status == 0, "run: cat with stdin");
		is_mem(res.out.data, res.out.len, in, sizeof in - 1, "run: stdin came back intact");
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.out.len == 0, "run: no stdin_data: /dev/null");
		r = run(argv, NULL, "", 0, 5000, &res, &cause);
		ok(r == 0 && res.out.len == 0, "run: empty stdin_data");
	}
	{
		/* 4 MiB through cat: it fills stdout long before stdin is in */
		const char *argv[] = { "/bin/cat", NULL };
		size_t n = (size_t)4 << 20;
		big = xmalloc(n);
		memset(big, 'b', n);
		t0 = now_ms();
		r = run(argv, NULL, big, n, 20000, &res, &cause);
		ok(r == 0 && res.status == 0 && !res.timed_out,
		    "run: 4 MiB in and out, no deadlock (%lld ms)", (long long)(now_ms() - t0));
		is_int(res.out.len, TLOCAL_RUN_OUTPUT_MAX, "run: stdout capped at 1 MiB");
		/* a child that does not read stdin at all: EPIPE, not SIGPIPE */
		const char *tr[] = { "/bin/true", NULL };
		r = run(tr, NULL, big, n, 20000, &res, &cause);
		ok(r == 0 && res.status == 0, "run: unread stdin does not kill us");
		free(big);
	}
	{
		const char *argv[] = { "/usr/bin/head", "-c", "3000000", "/dev/zero", NULL };
		r = run(argv, NULL, NULL, 0, 20000, &res, &cause);
		ok(r == 0 && res.status == 0, "run: 3 MB of output, the child finishes");
		is_int(res.out.len, TLOCAL_RUN_OUTPUT_MAX, "run: kept 1 MiB of it");
	}
	{
		const char *argv[] = { "/bin/ls", "/nonexistent-jobfix", NULL };
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 2, "run: exit status 2 (%d)", res.status);
		ok(has(res.err.data, "nonexistent-jobfix") && res.out.len == 0,
		    "run: stderr captured apart");
		const char *f[] = { "/bin/false", NULL };
		r = run(f, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 1, "run: /bin/false is 1");
		const char *e7[] = { "/bin/sh", "-c", "exit 7", NULL };
		r = run(e7, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 7, "run: exit 7");
		const char *k[] = { "/bin/sh", "-c", "kill -KILL $$", NULL };
		r = run(k, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 128 + SIGKILL && !res.timed_out,
		    "run: killed by a signal is 128 + 9 (%d)", res.status);
		const char *segv[] = { "/bin/sh", "-c", "kill -SEGV $$", NULL };
		r = run(segv, NULL, NULL, 0, 5000, &res, &cause);
		ok(r == 0 && res.status == 128 + SIGSEGV, "run: SIGSEGV is 139 (%d)", res.status);
	}
	{
		const char *argv[] = { "/bin/sleep", "100", NULL };
		t0 = now_ms();
		r = run(argv, NULL, NULL, 0, 300, &res, &cause);
		el = now_ms() - t0;
		ok(r == 0 && res.timed_out, "run: sleep 100 timed out");
		is_int(res.status, 128 + SIGTERM, "run: ... by SIGTERM");
		ok(el >= 280 && el < 1500, "run: ... promptly (%lld ms)", (long long)el);
	}
	{
		/* ignores SIGTERM: SIGKILL to the group a second later */
		const char *argv[] = { "/bin/sh", "-c", "trap '' TERM; /bin/sleep 100; echo never", NULL };
		t0 = now_ms();
		r = run(argv, NULL, NULL, 0, 200, &res, &cause);
		el = now_ms() - t0;
		ok(r == 0 && res.timed_out && res.status == 128 + SIGKILL,
		    "run: SIGTERM ignored, SIGKILL follows (%d)", res.status);
		ok(el >= 1100 && el < 3000, "run: ... a second later (%lld ms)", (long long)el);
		ok(!has(res.out.data, "never"), "run: ... the whole group died");
	}
	{
		const char *argv[] = { "/usr/bin/env", NULL };
		setenv("JOBFIX_TEST_LEAK", "leaked", 1);
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		is_str(res.out.data, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\n",
		    "run: the minimal environment, nothing inherited");
		const char *env[] = { "FOO=bar baz", "LANG=en_US.UTF-8", "EMPTY=", NULL };
		r = run(argv, env, NULL, 0, 5000, &res, &cause);
		is_str(res.out.data, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
		    "LANG=en_US.UTF-8\nFOO=bar baz\nEMPTY=\n",
		    "run: env adds and replaces");
		const char *bad[] = { "NOEQUALS", NULL };
		r = run(argv, bad, NULL, 0, 5000, &res, &cause);
		is_int(r, -JF_ERR_USAGE, "run: env entry without = refused");
		const char *bad2[] = { "=x", NULL };
		r = run(argv, bad2, NULL, 0, 5000, &res, &cause);
		is_int(r, -JF_ERR_USAGE, "run: env entry with empty name refused");
		unsetenv("JOBFIX_TEST_LEAK");
	}
	{
		/* a descriptor we leak on purpose, not close-on-exec */
		const char *argv[] = { "/bin/ls", "/proc/self/fd", NULL };
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 57);
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		is_str(res.out.data, "0\n1\n2\n3\n",
		    "run: only 0, 1, 2 (and ls's own 3) open in the child");
		close(57);
		close(fd);
		const char *cwd[] = { "/bin/pwd", NULL };
		r = run(cwd, NULL, NULL, 0, 5000, &res, &cause);
		is_str(res.out.data, "/\n", "run: in /");
	}
	{
		/* own process group: pgrp (field 5 of stat) is its pid */
		const char *argv[] = { "/bin/cat", "/proc/self/stat", NULL };
		long spid = 0, pgrp = -1;
		char *p;
		r = run(argv, NULL, NULL, 0, 5000, &res, &cause);
		p = res.out.data ? strrchr(res.out.data, ')') : NULL;
		if (p != NULL && res.out.data != NULL)
			sscanf(res.out.data, "%ld", &spid);
		if (p != NULL)
			sscanf(p + 2, "%*c %*d %ld", &pgrp);
		ok(spid > 0 && spid == pgrp, "run: child leads its own process group (%ld %ld)", spid, pgrp);
	}
	{
		/* a daemon that keeps stdout: we return soon after the child */
		const char *argv[] = { "/bin/sh", "-c", "/bin/sleep 30 & echo $$", NULL };
		t0 = now_ms();
		r = run(argv, NULL, NULL, 0, 10000, &res, &cause);
		el = now_ms() - t0;
		ok(r == 0 && res.status == 0 && !res.timed_out && el < 2000,
		    "run: a background child holding stdout does not hold us (%lld ms)", (long long)el);
		if (res.out.data != NULL)
			bg = (pid_t)atol(res.out.data);
		ok(bg > 0 && kill(-bg, 0) == 0, "run: ... and it was not killed");
		if (bg > 0)
			kill(-bg, SIGKILL);
	}
	{
		/* signals arriving all the time: EINTR everywhere */
		struct sigaction sa;
		struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };
		const char *argv[] = { "/bin/sh", "-c", "/bin/sleep 0.3; echo done", NULL };
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm; /* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		r = run(argv, NULL, "in", 2, 5000, &res, &cause);
		setitimer(ITIMER_REAL, &off, NULL);
		signal(SIGALRM, SIG_DFL);
		ok(r == 0 && res.status == 0 && has(res.out.data, "done") && alarms > 5,
		    "run: correct under a storm of signals (%d)", (int)alarms);
	}
	{
		/* no timeout at all */
		const char *argv[] = { "/bin/sleep", "0.1", NULL };
		r = run(argv, NULL, NULL, 0, 0, &res, &cause);
		ok(r == 0 && res.status == 0 && !res.timed_out, "run: timeout 0 means none");
	}
	{
		/* no zombies left */
		char *p = xasprintf("/proc/%ld/task/%ld/children", (long)getpid(), (long)getpid());
		size_t len;
		char *kids = slurp(p, &len);
		ok(kids == NULL || len == 0, "run: no child left unreaped: [%s]", kids ? kids : "");
		free(kids);
		free(p);
	}
	trun_result_free(&res);
	trun_result_free(NULL);
	free(cause);
}

/* --- processes and sockets ------------------------------------------------- */

static void
test_procs(void)
{
	struct tproc *procs = NULL;
	size_t n = 0, i, rawlen;
	char *cause = NULL, *s, *raw, *self;
	int r, found = 0, sorted = 1, empty = 0, tries;
	pid_t kid;

	/* what we expect for ourselves, read independently */
	raw = slurp("/proc/self/cmdline", &rawlen);
	self = raw != NULL ? tlocal_cmdline_string(raw, rawlen) : NULL;
	r = tp->ops->list_procs(tp, &procs, &n, &cause);
	ok(r == 0 && n > 1, "list_procs: lists processes (%zu)", n);
	for (i = 0; i < n; i++) {
		if (procs[i].pid == getpid() && self != NULL &&
		    strcmp(procs[i].cmdline, self) == 0)
			found = 1;
		if (i > 0 && procs[i - 1].pid >= procs[i].pid)
			sorted = 0;
		if (procs[i].cmdline == NULL || procs[i].cmdline[0] == '\0')
			empty = 1;
	}
	ok(found, "list_procs: finds its own pid with its command line (%s)", self);
	free(raw);
	free(self);
	ok(sorted, "list_procs: sorted by pid");
	ok(!empty, "list_procs: no empty command lines (kernel threads skipped)");
	tprocs_free(procs, n);
	tprocs_free(NULL, 0);

	/* a process with arguments, looked for until its exec is visible */
	fflush(stdout);
	if ((kid = fork()) == 0) {
		execl("/bin/sleep", "/bin/sleep", "30", (char *)NULL);
		_exit(127);
	}
	found = 0;
	for (tries = 0; tries < 100 && !found; tries++) {
		procs = NULL;
		n = 0;
		if (tp->ops->list_procs(tp, &procs, &n, &cause) != 0)
			break;
		for (i = 0; i < n; i++)
			if (procs[i].pid == kid &&
			    strcmp(procs[i].cmdline, "/bin/sleep 30") == 0)
				found = 1;
		tprocs_free(procs, n);
		if (!found)
			usleep(20000);
	}
	ok(found, "list_procs: a child's \"/bin/sleep 30\", arguments joined");
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);

	s = tlocal_cmdline_string("a\0b c\0d\0", 8);
	is_str(s, "a b c d", "cmdline: NULs to spaces, trailing dropped");
	free(s);
	ok(tlocal_cmdline_string("\0\0", 2) == NULL, "cmdline: only NULs is empty");
	ok(tlocal_cmdline_string("", 0) == NULL, "cmdline: empty");
	s = tlocal_cmdline_string("x", 1);
	is_str(s, "x", "cmdline: no trailing NUL");
	free(s);
	free(cause);
}

static int
listener(int family, const char *addr, int *port, uint64_t *ino)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct stat st;
	int fd, on = 1;

	memset(&ss, 0, sizeof ss);
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		if (strchr(addr, '.') != NULL) {
			on = 0;
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		}
		len = sizeof *sin6;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	*ino = (uint64_t)st.st_ino;
	return fd;
}

static int
find_sock(const struct tsock *s, size_t n, const char *addr, int port,
    uint64_t ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].local, addr) == 0 && s[i].lport == port &&
		    s[i].state == 10 && s[i].inode == ino &&
		    (strcmp(s[i].remote, "0.0.0.0") == 0 ||
		    strcmp(s[i].remote, "::") == 0) && s[i].rport == 0)
			return 1;
	return 0;
}

static void
test_tcp(void)
{
	struct tsock *s = NULL;
	size_t n = 0;
	char *cause = NULL;
	int fd4, fd6, fdm, p4 = 0, p6 = 0, pm = 0, r;
	uint64_t i4 = 0, i6 = 0, im = 0;

	fd4 = listener(AF_INET, "127.0.0.1", &p4, &i4);
	fd6 = listener(AF_INET6, "::1", &p6, &i6);
	fdm = listener(AF_INET6, "::ffff:127.0.0.1", &pm, &im);
	ok(fd4 != -1, "tcp: listening on 127.0.0.1:%d", p4);
	r = tp->ops->list_tcp(tp, &s, &n, &cause);
	ok(r == 0 && n > 0, "list_tcp: %zu sockets", n);
	ok(find_sock(s, n, "127.0.0.1", p4, i4), "list_tcp: finds 127.0.0.1:%d listening", p4);
	if (fd6 != -1)
		ok(find_sock(s, n, "::1", p6, i6), "list_tcp: finds [::1]:%d listening", p6);
	else
		ok(1, "list_tcp ::1 # SKIP no IPv6 here");
	if (fdm != -1)
		ok(find_sock(s, n, "127.0.0.1", pm, im),
		    "list_tcp: IPv4-mapped shown as 127.0.0.1:%d", pm);
	else
		ok(1, "list_tcp mapped # SKIP no IPv6 here");
	free(s);
	if (fd4 != -1)
		close(fd4);
	if (fd6 != -1)
		close(fd6);
	if (fdm != -1)
		close(fdm);
	free(cause);
}

static int
parse(const char *text, size_t len, int v6, struct tsock **s, size_t *n,
    char **cause)
{
	free(*s);
	*s = NULL;
	*n = 0;
	return tlocal_parse_proc_net_tcp(text, len, v6, "tcp", s, n, cause);
}

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

static void
test_tcp_parse(void)
{
	struct tsock *s = NULL;
	size_t n = 0;
	char *cause = NULL;
	int r;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	static const char v4[] = HDR
	    "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   109        0 2000473 1 0000000000000000 100 0 0 10 0\r\n"
	    "   1: 0F02000A:0016 0202000A:D2F4 01 00000000:00000000 02:0004A4B3 00000000     0        0 18446744073709551615 4 0000000000000000 20 4 30 10 -1";
	static const char v6[] = HDR
	    "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n"
	    "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:B3C2 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000\n"
	    "   2: 000080FE00000000FF005452127856FE:1F90 B80D0120000000000000000001000000:0050 01 00000000:00000000 00:00000000 00000000     0        0 5 1\n";

	r = parse(v4, sizeof v4 - 1, 0, &s, &n, &cause);
	ok(r == 0 && n == 2, "parse: two IPv4 lines, CRLF, no final newline");
	if (n == 2) {
		is_str(s[0].local, "127.0.0.1", "parse: local address");
		ok(s[0].lport == 3306 && s[0].state == 10 && s[0].inode == 2000473,
		    "parse: port, state LISTEN, inode");
		is_str(s[1].local, "10.0.2.15", "parse: second local");
		is_str(s[1].remote, "10.0.2.2", "parse: remote");
		ok(s[1].lport == 22 && s[1].rport == 54004 && s[1].state == 1 &&
		    s[1].inode == UINT64_MAX, "parse: ESTABLISHED, big inode");
	}
	r = parse(v6, sizeof v6 - 1, 1, &s, &n, &cause);
	ok(r == 0 && n == 3, "parse: three IPv6 lines");
	if (n == 3) {
		is_str(s[0].local, "::1", "parse: ::1");
		is_str(s[0].remote, "::", "parse: ::");
		is_str(s[1].local, "127.0.0.1", "parse: v4-mapped as IPv4");
		ok(s[1].lport == 8080 && s[1].state == 6, "parse: TIME_WAIT");
		is_str(s[2].local, "fe80::5254:ff:fe56:7812", "parse: compressed form");
		is_str(s[2].remote, "2001:db8::1", "parse: remote IPv6");
	}
#endif
	r = parse(HDR, sizeof HDR - 1, 0, &s, &n, &cause);
	ok(r == 0 && n == 0, "parse: header only");
	r = parse("", 0, 0, &s, &n, &cause);
	ok(r == 0 && n == 0, "parse: empty");
	r = parse("garbage\n", 8, 0, &s, &n, &cause);
	ok(r == -JF_ERR_PARSE && has(cause, "tcp:1:"), "parse: no header: %s", cause);
	{
		static const char t[] = HDR "   0: 0100007F:0CEA 00000000:0000 0A\n";
		r = parse(t, sizeof t - 1, 0, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE && has(cause, "tcp:2:"), "parse: short line: %s", cause);
	}
	{
		static const char t[] = HDR "   0: 0100007G:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 1\n";
		r = parse(t, sizeof t - 1, 0, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE && has(cause, "local address"), "parse: bad hex: %s", cause);
	}
	{
		static const char t[] = HDR "   0: 0100007F:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 1\n"
		    "   1: 0100007F:0CEA00 00000000:0000 0A 0:0 0:0 0 0 0 1\n";
		r = parse(t, sizeof t - 1, 0, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE && has(cause, "tcp:3:") && n == 1,
		    "parse: long port on line 3, line 2 kept: %s", cause);
	}
	{
		static const char t[] = HDR "   0: 0100007F:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 1\0\n";
		r = parse(t, sizeof t - 1, 0, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE, "parse: a NUL byte: %s", cause);
	}
	{
		static const char t[] = HDR "   0: 0100007F:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 99999999999999999999999\n";
		r = parse(t, sizeof t - 1, 0, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE && has(cause, "inode"), "parse: inode overflow: %s", cause);
	}
	{
		static const char t[] = HDR "   0: 0100007F:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 1\n";
		r = parse(t, sizeof t - 1, 1, &s, &n, &cause);
		ok(r == -JF_ERR_PARSE, "parse: IPv4 text as tcp6: %s", cause);
	}
	free(s);
	free(cause);
}

int
main(void)
{
	char tmpl[] = "/tmp/jf-tlocal-XXXXXX";
	struct trun_result res;
	char *cause = NULL;
	int private_ns = 0;

	/* Mounts in a private namespace, where permitted, so nobody sees them. */
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		private_ns = 1;
	printf("# private mount namespace: %s\n", private_ns ? "yes" : "no");
	if ((root = mkdtemp(tmpl)) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	root = xstrdup(root);

	tp = transport_local_new();
	is_str(tp->host, "localhost", "transport_local_new: host");
	is_str(tp->ops->name, "local", "transport_local_new: ops");

	test_read();
	test_meta();
	test_write();
	test_crash();
	test_checked_write();
	test_efbig();
	test_eacces();
	test_tmpfs();
	test_run();
	test_procs();
	test_tcp();
	test_tcp_parse();

	{
		const char *rm[] = { "/bin/rm", "-rf", root, NULL };
		trun_result_init(&res);
		tp->ops->run(tp, rm, NULL, NULL, 0, 10000, &res, &cause);
		trun_result_free(&res);
	}
	transport_free(tp);
	transport_free(NULL);
	free(root);
	free(cause);
	return tap_done();
}
