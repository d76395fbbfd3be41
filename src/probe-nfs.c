/*
 * probe-nfs.c - Job's NFS storage (FAQ 9, code 1259001): the storage path
 * (setting nfs.path, or else the job.conf key keys.nfs_path names, a
 * guess: PLATFORM.md [U]) lies on a mounted file system of a type in
 * nfs.fstypes, as nfs.mountinfo (/proc/self/mountinfo) says, and is
 * writable: a probe file is created and removed again (the only trace
 * this probe leaves, for a moment).  A hung NFS server blocks the probe;
 * the runner's deadline then reports it as timed out.
 *
 *   nfs.path     the storage path
 *   nfs.mount    "SOURCE on MOUNTPOINT type FSTYPE" holding it
 *   nfs.status   ok | not_mounted | not_writable | unconfigured
 *   nfs.error    why not ok
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
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
	int r;

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
	probe = xasprintf("%s/.jobfix-probe-%ld-%lld", real, (long)getpid(),
	    (long long)now_ms());
	if ((r = tp_write(ctx->tp, probe, "jobfix write probe\n", 19, 0600,
	    &err)) != 0) {
		fail(out, "not_writable", probe, "%s (NFS %s from %s) is not "
		    "writable: %s", path, me.mountpoint, me.source, err);
		goto out;
	}
	free(err);
	err = NULL;
	if (ctx->tp->ops->unlink(ctx->tp, probe, &err) != 0) {
		fail(out, "not_writable", probe, "the probe file %s could not "
		    "be removed: %s", probe, err);
		goto out;
	}
	facts_set(out, "nfs.status", "ok", 0, "%s on %s (%s from %s): a "
	    "probe file was written and removed", path, me.mountpoint,
	    me.fstype, me.source);
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
	"Job's storage path: a mounted NFS file system, writable",
	run,
};
