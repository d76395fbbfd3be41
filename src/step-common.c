/*
 * step-common.c - shared plumbing of the step types.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "rule.h"
#include "step-common.h"

char *
step_expand(const struct step *st, struct exec_ctx *ctx, const char *param,
    int *secret, char **cause)
{
	const char *v = step_str(st, param);

	if (v == NULL)
		return NULL;
	return exec_expand(ctx, v, secret, cause);
}

int
step_edit_file(struct exec_ctx *ctx, const char *path, edit_fn edit,
    void *arg, const char *summary, int create, struct change_list *out,
    char **cause)
{
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct change *c;
	struct tstat st;
	char *real = NULL;
	int exists = 0, r;

	before.secret = after.secret = 1;
	/* edit the target of a symlink; the link stays */
	if (ctx->tp->ops->realpath(ctx->tp, path, &real, NULL) != 0)
		real = xstrdup(path);
	if ((r = exec_read_file(ctx, real, &before, &exists, cause)) != 0)
		goto out;
	if (!exists && !create) {
		r = set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": no such file",
		    ctx->site->host, path);
		goto out;
	}
	if ((r = edit(real, &before, &after, arg, cause)) != 0)
		goto out;
	if (exists && before.len == after.len &&
	    memcmp(before.data ? before.data : "", after.data ? after.data : "",
	    before.len) == 0)
		goto out; /* already right */
	c = change_new(CHANGE_FILE, summary);
	c->path = real;
	real = NULL;
	c->existed = exists;
	if (exists && tp_stat(ctx->tp, c->path, &st, NULL) == 0 && st.exists)
		c->mode = st.mode & 07777;
	/* hand the buffers over: a copy of job.conf costs its size again */
	if (before.data == NULL)
		buf_set(&before, "", 0);
	if (after.data == NULL)
		buf_set(&after, "", 0);
	buf_free(&c->before);
	buf_free(&c->after);
	c->before = before;
	c->after = after;
	buf_init(&before, 0);
	buf_init(&after, 0);
	change_list_add(out, c);
out:
	free(real);
	buf_free(&before);
	buf_free(&after);
	return r;
}

int
step_secret_file(const char *setting, const char *path, struct buf *content,
    char **cause)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return set_cause(cause, errno == ENOENT ? JF_ERR_NOTFOUND :
		    JF_ERR_IO, "%s %s: %s", setting, path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return set_cause(cause, JF_ERR_USAGE, "%s %s: not a regular "
		    "file", setting, path);
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		close(fd);
		return set_cause(cause, JF_ERR_REFUSED, "%s %s: owned by uid "
		    "%ld, neither root nor the user running jobfix", setting,
		    path, (long)st.st_uid);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH)) {
		close(fd);
		return set_cause(cause, JF_ERR_REFUSED, "%s %s: mode %04o lets "
		    "other users %s it; it holds a password: chmod 600 %s",
		    setting, path, (unsigned)(st.st_mode & 07777),
		    st.st_mode & (S_IWGRP | S_IWOTH) ? "change" : "read", path);
	}
	while (content != NULL && (n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || content->len + (size_t)n > (64 << 10)) {
			explicit_bzero(chunk, sizeof chunk);
			close(fd);
			return set_cause(cause, n < 0 ? JF_ERR_IO :
			    JF_ERR_TOOBIG, "%s %s: %s", setting, path, n < 0 ?
			    strerror(errno) : "over 64 KiB");
		}
		buf_add(content, chunk, (size_t)n);
	}
	explicit_bzero(chunk, sizeof chunk);
	close(fd);
	return 0;
}

/* Calls fn for each directory above path (its links resolved), from "/"
 * down, until fn returns nonzero; returns that, or 0.  A path that cannot
 * be resolved has no directories to judge. */
typedef int dir_fn(const char *dir, const struct tstat *ds, void *arg);

static int
each_dir_above(struct exec_ctx *ctx, const char *path, dir_fn *fn, void *arg)
{
	struct tstat ds;
	char *real = NULL, *dir;
	size_t i;
	int r = 0;

	if (ctx->tp->ops->realpath(ctx->tp, path, &real, NULL) != 0 ||
	    real == NULL || real[0] != '/') {
		free(real);
		return 0;
	}
	for (i = 0; real[i] != '\0' && r == 0; i++) {
		if (real[i] != '/')
			continue;
		dir = xstrndup(real, i ? i : 1);
		if (tp_stat(ctx->tp, dir, &ds, NULL) == 0 && ds.exists)
			r = fn(dir, &ds, arg);
		free(dir);
	}
	free(real);
	return r;
}

struct reach {
	const struct tstat *fs;
	mode_t m;
};

static int
reach_dir(const char *dir, const struct tstat *ds, void *arg)
{
	struct reach *rc = arg;
	const struct tstat *fs = rc->fs;

	(void)dir;
	if (!(ds->mode & S_IXOTH))
		rc->m &= (mode_t)~S_IROTH;
	if (!(ds->mode & (ds->gid == fs->gid ? S_IXGRP : S_IXOTH)))
		rc->m &= (mode_t)~S_IRGRP;
	if (fs->uid != 0 && !(ds->mode & (ds->uid == fs->uid ? S_IXUSR :
	    ds->gid == fs->gid ? S_IXGRP : S_IXOTH)))
		rc->m &= (mode_t)~S_IRUSR;
	return 0;
}

/*
 * The read bits of a file that its directories let through: whoever cannot
 * search every directory above it cannot read it, whatever its own mode
 * (a 0644 job.conf in a 0700 etc/).  Each class is judged by the bits that
 * apply to it in each directory; where the chain cannot be followed, the
 * file's own mode stands.
 */
static mode_t
reachable_mode(struct exec_ctx *ctx, const char *path, const struct tstat *fs)
{
	struct reach rc = { fs, fs->mode & 07777 };

	(void)each_dir_above(ctx, path, reach_dir, &rc);
	return rc.m;
}

/* The named entries of path's ACL ("user:bob:r--\ngroup:ops:r--\n"), ""
 * when it has none, NULL when that cannot be told (no getfacl). */
static char *
acl_entries(struct exec_ctx *ctx, const char *path)
{
	const char *argv[] = { "/usr/bin/getfacl", "-c", "-s", "-p", "--", path,
		NULL };
	struct trun_result res;
	struct buf b = BUF_INIT;
	char *line, *save = NULL;

	trun_result_init(&res);
	res.out.max = 64 << 10;
	if (tp_query(ctx->tp, argv, NULL, NULL, 0, 10000, &res, NULL) != 0 ||
	    res.status != 0) {
		trun_result_free(&res);
		return NULL;
	}
	buf_addstr(&b, "");
	line = res.out.data ? strtok_r(res.out.data, "\n", &save) : NULL;
	for (; line != NULL; line = strtok_r(NULL, "\n", &save))
		if ((strncmp(line, "user:", 5) == 0 && line[5] != ':') ||
		    (strncmp(line, "group:", 6) == 0 && line[6] != ':'))
			buf_printf(&b, "%s\n", line);
	trun_result_free(&res);
	return buf_detach(&b);
}

/* The first entry of path's ACL that lets someone read it, or NULL. */
static char *
acl_reader(struct exec_ctx *ctx, const char *path)
{
	char *t = acl_entries(ctx, path), *line, *p, *save = NULL;
	char *found = NULL, *perm;

	for (p = t; t != NULL && (line = strtok_r(p, "\n", &save)) != NULL;
	    p = NULL) {
		perm = strrchr(line, ':');
		if (perm != NULL && perm[1] == 'r') {
			found = xstrdup(line);
			break;
		}
	}
	free(t);
	return found;
}

struct foreign {
	uid_t uid;     /* the source's owner */
	uid_t owner;   /* out: the directory's */
	char *dir;     /* out */
};

static int
foreign_dir(const char *dir, const struct tstat *ds, void *arg)
{
	struct foreign *fo = arg;

	if (ds->uid == 0 || ds->uid == fo->uid)
		return 0;
	fo->owner = ds->uid;
	fo->dir = xstrdup(dir);
	return 1;
}

/* The first directory above path owned by someone other than root and
 * uid (who could open it to anyone), or NULL. */
static char *
foreign_dir_above(struct exec_ctx *ctx, const char *path, uid_t uid,
    uid_t *owner)
{
	struct foreign fo = { uid, 0, NULL };

	(void)each_dir_above(ctx, path, foreign_dir, &fo);
	*owner = fo.owner;
	return fo.dir;
}

/*
 * A source anyone can read protects nothing, and any target will do.
 * Otherwise the target must keep out everyone the source may keep out,
 * judged strictly, because who can read what through ACLs and directories
 * cannot be worked out in general: no read for others; group read only for
 * the source's own group where the source grants it; owned by root or the
 * source's owner; no ACL entry that reads; no directory above it owned by
 * someone else.
 */
char *
step_more_readable(struct exec_ctx *ctx, const char *target,
    const char *source)
{
	struct tstat ts, ss;
	mode_t extra = 0, want, sm;
	char *msg, *args, *out, *acl, *sacl, *dir = NULL;
	uid_t downer = 0;
	size_t n;

	if (tp_stat(ctx->tp, target, &ts, NULL) != 0 || !ts.exists ||
	    tp_stat(ctx->tp, source, &ss, NULL) != 0 || !ss.exists)
		return NULL;
	sm = reachable_mode(ctx, source, &ss);
	sacl = acl_entries(ctx, source);
	if ((sm & S_IROTH) && (sacl == NULL || *sacl == '\0')) {
		free(sacl);
		return NULL;
	}
	free(sacl);
	extra = ts.mode & 0007;
	if ((ts.mode & 0070) && !(ts.gid == ss.gid && (sm & S_IRGRP)))
		extra |= ts.mode & 0070;
	if ((ts.mode & 0700) && ts.uid != 0 && ts.uid != ss.uid)
		extra |= ts.mode & 0700;
	/* the group bits are an ACL's mask: taking them away shuts it */
	acl = (ts.mode & 0070) ? acl_reader(ctx, target) : NULL;
	if (acl != NULL)
		extra |= ts.mode & 0070;
	if (ts.uid != 0 && ts.uid != ss.uid)
		extra |= 0400; /* its owner can chmod it: never safe */
	if (extra == 0)
		dir = foreign_dir_above(ctx, target, ss.uid, &downer);
	if (extra == 0 && dir == NULL)
		return NULL;
	/* what chmod can take away; the owner and group are the note's */
	want = (ts.mode & 07777) & ~(extra & 0077);
	if (acl != NULL)
		msg = xasprintf("%s (mode %04o) lets %s read it through its "
		    "ACL, which %s, where the secret comes from, does not",
		    target, (unsigned)(ts.mode & 07777), acl, source);
	else if (dir != NULL)
		msg = xasprintf("%s is in %s, which uid %ld owns and can open "
		    "to anyone %s (mode %04o, owner %ld, group %ld), where the "
		    "secret comes from, keeps out", target, dir, (long)downer,
		    source, (unsigned)(ss.mode & 07777), (long)ss.uid,
		    (long)ss.gid);
	else
		msg = xasprintf("%s (mode %04o, owner %ld, group %ld) is "
		    "readable by someone %s (mode %04o, owner %ld, group %ld%s), "
		    "where the secret comes from, keeps out", target,
		    (unsigned)(ts.mode & 07777), (long)ts.uid, (long)ts.gid,
		    source, (unsigned)(ss.mode & 07777), (long)ss.uid,
		    (long)ss.gid, (sm & 0777) != (ss.mode & 0777) ?
		    ", behind directories others cannot search" : "");
	free(acl);
	free(dir);
	args = xasprintf("%04o %s", (unsigned)want, target);
	n = strlen(msg);
	out = xmalloc(n + 1 + strlen(args) + 1);
	memcpy(out, msg, n + 1);
	memcpy(out + n + 1, args, strlen(args) + 1);
	free(msg);
	free(args);
	return out;
}

void
report_note_if(struct exec_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ctx->report == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	report_note(ctx->report, "%s", s);
	free(s);
}

int
step_is_placeholder(const char *value)
{
	regex_t re;
	int m;

	if (value == NULL)
		return 0;
	if (regcomp(&re, "__[A-Z0-9_]+__", REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	m = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

int
step_find_template(struct exec_ctx *ctx, const char *path, char **out,
    char **cause)
{
	const char *root = conf_str(ctx->conf, "site.root");
	const char *tdir = conf_str(ctx->conf, "site.templates_dir");
	char **mods = NULL, *rel, *name, *cand, *canon = NULL;
	size_t n = 0, i, len;
	struct tstat st;
	int found = 0;

	*out = NULL;
	if (tdir == NULL || *tdir == '\0' || root == NULL)
		return 0;
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (strncmp(path, root, len) != 0 || path[len] != '/')
		return 0; /* not part of the install: not rendered */
	rel = xstrdup(path + len); /* "/etc/job.conf" */
	for (name = rel; *name != '\0'; name++)
		if (*name == '/')
			*name = '#';
	/* the default is ROOT/../src: name it as it is */
	if (ctx->tp->ops->realpath(ctx->tp, tdir, &canon, NULL) != 0 ||
	    ctx->tp->ops->list_dir(ctx->tp, canon, &mods, &n, NULL) != 0) {
		free(canon);
		free(rel);
		return 0; /* no template tree on this host */
	}
	tdir = canon;
	for (i = 0; i < n && !found; i++) {
		static const char *const suffixes[] = { "", ".tpl" };
		size_t k;
		for (k = 0; k < nitems(suffixes) && !found; k++) {
			cand = xasprintf("%s/%s/support-files/templates/%s%s",
			    tdir, mods[i], rel, suffixes[k]);
			if (tp_stat(ctx->tp, cand, &st, NULL) == 0 && st.exists) {
				*out = cand;
				found = 1;
			} else
				free(cand);
		}
	}
	names_free(mods, n);
	free(rel);
	free(canon);
	(void)cause;
	return 0;
}

int
step_when(const struct step *st, struct exec_ctx *ctx, char **cause)
{
	const char *w = step_str(st, "when");
	struct rule *r;
	int v;

	if (w == NULL || strcmp(w, "always") == 0)
		return 1;
	if (strcmp(w, "changed") == 0)
		return ctx->changed > 0;
	if ((r = rule_parse(w, cause)) == NULL)
		return -1;
	v = rule_eval(r, ctx->facts, NULL);
	rule_free(r);
	return v;
}
