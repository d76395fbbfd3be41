/*
 * probe-nfs.c - Job's NFS storage (FAQ 9, code 1259001): the storage path
 * (setting nfs.path, or else the job.conf key keys.nfs_path names, a
 * guess: PLATFORM.md [U]) lies on a mounted file system of a type in
 * nfs.fstypes, as nfs.mountinfo (/proc/self/mountinfo) says, and can be
 * written as far as reading can tell: a directory, mounted without "ro",
 * with a write permission bit, and not full (free blocks from statfs, asked
 * with stat -f, setting nfs.stat, through the transport's read-only query).
 * Like every probe it changes nothing: it writes no test file (whether a
 * write really succeeds is for a playbook step, never a diagnose or a dry
 * run).  A hung NFS server blocks the probe; the runner's deadline then
 * reports it as timed out.
 *
 *   nfs.path     the storage path
 *   nfs.mount    "SOURCE on MOUNTPOINT type FSTYPE" holding it
 *   nfs.status   ok | not_mounted | not_writable | unconfigured
 *   nfs.error    why not ok
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netcheck.h"

#define MOUNTINFO_MAX ((size_t)16 << 20)

static int
is_nfs_type(struct conf *conf, const char *fstype)
{
	const char *const *t = conf_list(conf, "nfs.fstypes");
	size_t i;

	for (i = 0; t != NULL && t[i] != NULL; i++)
		if (strcmp(t[i], fstype) == 0)
			return 1;
	return 0;
}

/* "ro" among a mount's options (mountinfo's per-mount field). */
static int
mount_readonly(const char *options)
{
	const char *p = options;
	size_t n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if (n == 2 && strncmp(p, "ro", 2) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Free blocks for unprivileged users of the file system holding path, from
 * `stat -f -c %a` (statfs), a read-only query.  0 and *avail, or negative
 * when it cannot be told (no answer is no finding here: the mount and the
 * rights were checked). */
static int
free_blocks(struct probe_ctx *ctx, const char *path, long long *avail)
{
	const char *argv[6];
	struct trun_result res;
	char *end;
	int r;

	argv[0] = conf_str(ctx->site->conf, "nfs.stat");
	argv[1] = "-f";
	argv[2] = "-c";
	argv[3] = "%a";
	argv[4] = path;
	argv[5] = NULL;
	if (argv[0] == NULL || argv[0][0] != '/')
		return -JF_ERR_USAGE;
	trun_result_init(&res);
	r = tp_query(ctx->tp, argv, NULL, NULL, 0, probe_time_left(ctx), &res,
	    NULL);
	if (r == 0 && (res.status != 0 || res.timed_out || res.out.len == 0))
		r = -JF_ERR_IO;
	if (r == 0) {
		*avail = strtoll(res.out.data, &end, 10);
		if (end == res.out.data || *avail < 0)
			r = -JF_ERR_PARSE;
	}
	trun_result_free(&res);
	return r;
}

static void
fail(struct facts *out, const char *status, const char *evidence,
    const char *fmt, ...) JF_PRINTF(4, 5);

static void
fail(struct facts *out, const char *status, const char *evidence,
    const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	facts_setv(out, "nfs.status", status, 0, evidence);
	facts_setv(out, "nfs.error", s, 0, evidence);
	free(s);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	const char *path = conf_str(conf, "nfs.path"), *key = "", *mi;
	struct mountinfo_entry me;
	struct buf text = BUF_INIT;
	struct tstat st;
	char *real = NULL, *err = NULL, *probe = NULL, *source;
	long long avail = -1;

	(void)cause;
	memset(&me, 0, sizeof me);
	if (path != NULL && *path != '\0')
		source = xstrdup("setting nfs.path");
	else {
		path = net_jobconf_key(ctx, "keys.nfs_path", &key);
		source = xasprintf("job.conf key %s", key);
	}
	if (path == NULL || *path == '\0') {
		facts_set(out, "nfs.status", "unconfigured", 0, "no setting "
		    "nfs.path and no job.conf key %s (setting keys.nfs_path)",
		    key);
		free(source);
		return 0;
	}
	facts_setv(out, "nfs.path", path, 0, source);
	memset(&st, 0, sizeof st);
	if (tp_stat(ctx->tp, path, &st, &err) != 0 || !st.exists) {
		fail(out, "not_mounted", source, "%s does not exist%s%s", path,
		    err ? ": " : "", err ? err : "");
		goto out;
	}
	if (ctx->tp->ops->realpath(ctx->tp, path, &real, &err) != 0)
		real = xstrdup(path);
	mi = conf_str(conf, "nfs.mountinfo");
	if (tp_read(ctx->tp, mi, &text, MOUNTINFO_MAX, &err) != 0) {
		fail(out, "not_mounted", mi, "the mount table %s cannot be "
		    "read: %s", mi, err);
		goto out;
	}
	if (mountinfo_find(text.data ? text.data : "", text.len, real,
	    &me) != 0) {
		fail(out, "not_mounted", mi, "%s is on no mount of %s", real,
		    mi);
		goto out;
	}
	probe = xasprintf("%s on %s type %s", me.source, me.mountpoint,
	    me.fstype);
	facts_setv(out, "nfs.mount", probe, 0, mi);
	free(probe);
	probe = NULL;
	if (!is_nfs_type(conf, me.fstype)) {
		fail(out, "not_mounted", mi, "%s is not a mounted NFS file "
		    "system: it lies on %s (type %s, from %s); mount the NFS "
		    "share there", path, me.mountpoint, me.fstype, me.source);
		goto out;
	}
	if (!S_ISDIR(st.mode)) {
		fail(out, "not_writable", source, "%s (NFS %s from %s) is not "
		    "writable: not a directory", path, me.mountpoint, me.source);
		goto out;
	}
	if (mount_readonly(me.options)) {
		fail(out, "not_writable", mi, "%s (NFS %s from %s) is not "
		    "writable: mounted read-only (%s)", path, me.mountpoint,
		    me.source, me.options);
		goto out;
	}
	if ((st.mode & 0222) == 0) {
		fail(out, "not_writable", source, "%s (NFS %s from %s) is not "
		    "writable: no write permission for anyone (mode %04o)", path,
		    me.mountpoint, me.source, (unsigned)st.mode & 07777);
		goto out;
	}
	if (free_blocks(ctx, real, &avail) == 0 && avail == 0) {
		fail(out, "not_writable", source, "%s (NFS %s from %s) is not "
		    "writable: the file system is full (0 blocks free)", path,
		    me.mountpoint, me.source);
		goto out;
	}
	facts_set(out, "nfs.status", "ok", 0, "%s on %s (%s from %s): a "
	    "directory, mounted read-write, mode %04o%s", path, me.mountpoint,
	    me.fstype, me.source, (unsigned)st.mode & 07777, avail > 0 ?
	    ", not full" : "");
out:
	mountinfo_entry_free(&me);
	buf_free(&text);
	free(source);
	free(real);
	free(err);
	free(probe);
	return 0;
}

const struct probe probe_nfs = {
	"nfs", "nfs.", 1, PROBE_HOST,
	"Job's storage path: a mounted NFS file system, writable as reads tell",
	run,
};
