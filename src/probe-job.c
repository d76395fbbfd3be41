/*
 * probe-job.c - is Job's JVM running?  Matched by its command line, from
 * the process table, with the pattern of job_process_pattern(): the
 * setting job.process_pattern, else what Job's start script launches,
 * else a fallback that any java command line holding "job" matches.  The
 * evidence names the process that matched, so a wrong match shows.
 *
 * A command line is only a claim (exec -a java, any user): a process that
 * matches is Job's JVM only when it runs as root or as the owner of Job's
 * install directory (job.sh's bin/..), /proc/PID/exe is a binary named
 * java, and, when the pattern is job.sh's jar, the jar java runs (resolved
 * against /proc/PID/cwd when relative) is in Job's lib directory (the one
 * job.sh names, jobsh.jar_dir, else the install's lib/) or elsewhere in its
 * install, as written or with its links resolved.  One that fails a
 * check is named with the reason in job.running's evidence.  One that
 * cannot be checked (another user's process while jobfix is not root: its
 * /proc/PID/exe cannot be read) is never taken for Job.
 *
 *   job.pattern  the pattern used; its evidence says where from
 *   job.running  yes | no | unknown (a matching process could not be
 *                checked, and none that could is Job)
 *   job.unchecked  with unknown: which process, and why it cannot be
 *                checked
 *   job.pid      the pid of Job's JVM
 *   job.health   ok | failed: a GET of the setting job.health_url
 *                (Job's /healthz) answered 2xx; absent when no URL is set
 *   job.health_error  why not ok
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netcheck.h"
#include "i18n.h"
#include "probe.h"

/* java's options that take the next word (as shvar.c reads job.sh) */
static const char *const java_opts_with_arg[] = {
	"-cp", "-classpath", "--class-path", "-p", "--module-path",
	"--upgrade-module-path", "--add-modules", "--limit-modules",
	"--add-reads", "--add-exports", "--add-opens", "--patch-module",
	"--source",
};

static void
health_facts(struct probe_ctx *ctx, struct facts *out)
{
	const char *url = conf_str(ctx->site->conf, "job.health_url");
	struct http_answer ans;
	struct http_req req;
	char *why;

	if (url == NULL || *url == '\0')
		return;
	memset(&req, 0, sizeof req);
	req.url = url;
	req.timeout_ms = probe_time_left(ctx);
	if (http_request(&req, &ans) != 0)
		why = xasprintf("GET %s: %s", url, ans.error);
	else if (ans.status < 200 || ans.status > 299)
		why = xasprintf("GET %s: HTTP %ld", url, ans.status);
	else
		why = NULL;
	if (why != NULL) {
		facts_set(out, "job.health", "failed", 0, "GET %s (setting "
		    "job.health_url)", url);
		facts_setv(out, "job.health_error", why, 0, "libcurl");
	} else
		facts_set(out, "job.health", "ok", 0, "GET %s (setting "
		    "job.health_url): HTTP %ld", url, ans.status);
	free(why);
	http_answer_free(&ans);
}

const char *
job_process_pattern(const struct probe_ctx *ctx, char **origin,
    char **origin_text)
{
	const char *set = conf_str(ctx->site->conf, "job.process_pattern");
	const struct fact *d = facts_find(ctx->in, "jobsh.process_pattern");

	if (set != NULL && *set != '\0') {
		*origin = xstrdup("setting job.process_pattern");
		*origin_text = xstrdup(_("setting job.process_pattern"));
		return set;
	}
	if (d != NULL && d->value != NULL && *d->value != '\0') {
		*origin = xasprintf("derived from %s", d->evidence);
		*origin_text = xasprintf(_("derived from %s"),
		    fact_evidence_text(d));
		return d->value;
	}
	/* why nothing was derived: what job.sh's java command says */
	d = facts_find(ctx->in, "jobsh.java_main");
	if (d != NULL && d->evidence != NULL && *d->evidence != '\0') {
		*origin = xasprintf("fallback: the setting job.process_pattern is "
		    "empty and Job's start script names no jar or main class "
		    "that can be read (%s)", d->evidence);
		*origin_text = xasprintf(_("fallback: the setting "
		    "job.process_pattern is empty and Job's start script names "
		    "no jar or main class that can be read (%s)"),
		    fact_evidence_text(d));
	} else {
		*origin = xstrdup("fallback: the setting job.process_pattern is "
		    "empty and Job's start script names no jar or main class");
		*origin_text = xstrdup(_("fallback: the setting "
		    "job.process_pattern is empty and Job's start script names "
		    "no jar or main class"));
	}
	return JOB_PROCESS_FALLBACK;
}

/* --- is a matching process Job's JVM? ----------------------------------- */

/* What Job's JVM is, besides a command line that matches. */
struct job_ident {
	char *install;   /* Job's install directory: job.sh's bin/.. */
	int have_uid;    /* install_uid is known */
	uid_t install_uid;
	char *lib;       /* the directory Job's jar must be in; NULL: the
	                  * pattern names no jar, no jar is checked */
	char *lib_real;  /* lib resolved, or normalised when it is not there */
	const char *lib_from; /* "jobsh.jar_dir" or "install" */
};

enum ident { ID_JOB, ID_NOT, ID_UNKNOWN, ID_GONE };

/* dirname of path, as a new string ("/" for "/x") */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* path with "." and ".." components and repeated slashes taken out, for a
 * path that does not exist (nothing to resolve) */
static char *
path_normal(const char *path)
{
	char *copy = xstrdup(path), *p = copy, *w, **parts;
	size_t n = 0, i;
	struct buf b = BUF_INIT;

	parts = xcalloc(strlen(path) / 2 + 2, sizeof *parts);
	while ((w = strsep(&p, "/")) != NULL) {
		if (*w == '\0' || strcmp(w, ".") == 0)
			continue;
		if (strcmp(w, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		parts[n++] = w;
	}
	for (i = 0; i < n; i++)
		buf_printf(&b, "/%s", parts[i]);
	free(parts);
	free(copy);
	if (b.data == NULL)
		return xstrdup("/");
	return buf_detach(&b);
}

/* path resolved through the transport when it is there; else its
 * directory resolved and its name added; else normalised */
static char *
path_resolved(struct transport *tp, const char *path)
{
	char *res = NULL, *norm, *dir, *out;
	const char *base;

	if (tp->ops->realpath(tp, path, &res, NULL) == 0 && res != NULL)
		return res;
	free(res);
	res = NULL;
	norm = path_normal(path);
	dir = dir_of(norm);
	base = strrchr(norm, '/') + 1;
	if (*base != '\0' && tp->ops->realpath(tp, dir, &res, NULL) == 0 &&
	    res != NULL) {
		out = path_join(res, base);
		free(res);
		free(dir);
		free(norm);
		return out;
	}
	free(res);
	free(dir);
	return norm;
}

/* Is path inside the directory dir (both absolute and normal)? */
static int
path_under(const char *path, const char *dir)
{
	size_t n;

	if (path == NULL || dir == NULL)
		return 0;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' ||
	    (n == 1 && dir[0] == '/'));
}

static void
ident_init(struct probe_ctx *ctx, const char *origin, struct job_ident *id)
{
	const struct fact *f = facts_find(ctx->in, "jobsh.path");
	const char *jobsh = f != NULL && f->value != NULL && *f->value ?
	    f->value : site_path(ctx->site, "site.job_sh");
	struct tstat st;
	char *bin;

	memset(id, 0, sizeof *id);
	bin = dir_of(jobsh);
	id->install = dir_of(bin);
	free(bin);
	if (tp_stat(ctx->tp, id->install, &st, NULL) == 0 && st.exists) {
		id->have_uid = 1;
		id->install_uid = st.uid;
	}
	/* a jar only when the pattern is job.sh's, and names a jar */
	f = facts_find(ctx->in, "jobsh.java_main");
	if (strncmp(origin, "derived from", 12) != 0 || f == NULL ||
	    f->value == NULL || !str_endswith(f->value, ".jar"))
		return;
	f = facts_find(ctx->in, "jobsh.jar_dir");
	if (f != NULL && f->value != NULL && f->value[0] == '/') {
		id->lib = xstrdup(f->value);
		id->lib_from = "jobsh.jar_dir";
	} else {
		id->lib = path_join(id->install, "lib");
		id->lib_from = "install";
	}
	id->lib_real = path_resolved(ctx->tp, id->lib);
}

static void
ident_free(struct job_ident *id)
{
	free(id->install);
	free(id->lib);
	free(id->lib_real);
}

/* Java's own reading of its arguments: the word after -jar, before the
 * main class; NULL when it runs a class.  args are argv, NUL-separated;
 * a process that rewrote its command line into one word (a title) is read
 * as words split at spaces. */
static char *
jar_of(const char *args, size_t len)
{
	char **v = NULL, *jar = NULL;
	size_t n = 0, i, k;
	const char *p = args, *end = args + len, *z;

	while (len > 0 && args[len - 1] == '\0')
		end = args + --len;
	while (p < end) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			z = end;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrndup(p, (size_t)(z - p));
		p = z + 1;
	}
	if (n == 1 && strchr(v[0], ' ') != NULL) {
		char *one = v[0], *q = one, *word;
		free(v);
		v = NULL;
		n = 0;
		while ((word = strsep(&q, " ")) != NULL) {
			if (*word == '\0')
				continue;
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xstrdup(word);
		}
		free(one);
	}
	for (i = 1; i < n; i++) {
		if (strcmp(v[i], "-jar") == 0) {
			if (i + 1 < n)
				jar = xstrdup(v[i + 1]);
			break;
		}
		for (k = 0; k < nitems(java_opts_with_arg); k++)
			if (strcmp(v[i], java_opts_with_arg[k]) == 0)
				break;
		if (k < nitems(java_opts_with_arg)) {
			i++;
			continue;
		}
		if (v[i][0] != '-')
			break; /* the main class: no jar */
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return jar;
}

/*
 * Is pid Job's JVM?  Its owner is root or the owner of Job's install
 * directory; /proc/PID/exe resolves to a binary named java; and, when the
 * pattern came from job.sh's jar, the jar on its command line, resolved
 * against /proc/PID/cwd when relative, lies in Job's lib directory.  A
 * check that cannot be made (another user's process while jobfix is not
 * root, a binary deleted since it started) is ID_UNKNOWN, never a pass.
 * *en and *tx say why it is not Job, or why it cannot be checked.
 */
static enum ident
job_identity(struct probe_ctx *ctx, const struct job_ident *id, pid_t pid,
    char **en, char **tx)
{
	struct transport *tp = ctx->tp;
	char path[64], *exe = NULL, *why = NULL, *cwd = NULL, *jar = NULL;
	char *full = NULL, *jreal = NULL, *jlex = NULL, *inst_real = NULL;
	const char *base;
	struct buf args = BUF_INIT;
	struct tstat st;
	enum ident v = ID_JOB;
	int r;

	*en = *tx = NULL;
	snprintf(path, sizeof path, "/proc/%ld", (long)pid);
	if (tp_stat(tp, path, &st, NULL) != 0 || !st.exists)
		return ID_GONE;
	if (st.uid != 0 && !(id->have_uid && st.uid == id->install_uid)) {
		if (id->have_uid) {
			*en = xasprintf("runs as uid %lu, not root or the owner "
			    "of %s (uid %lu)", (unsigned long)st.uid,
			    id->install, (unsigned long)id->install_uid);
			*tx = xasprintf(_("runs as uid %lu, not root or the owner "
			    "of %s (uid %lu)"), (unsigned long)st.uid,
			    id->install, (unsigned long)id->install_uid);
		} else {
			*en = xasprintf("runs as uid %lu, not root (%s, Job's "
			    "install directory, cannot be read)",
			    (unsigned long)st.uid, id->install);
			*tx = xasprintf(_("runs as uid %lu, not root (%s, Job's "
			    "install directory, cannot be read)"),
			    (unsigned long)st.uid, id->install);
		}
		return ID_NOT;
	}
	snprintf(path, sizeof path, "/proc/%ld/exe", (long)pid);
	if ((r = tp->ops->realpath(tp, path, &exe, &why)) != 0) {
		snprintf(path, sizeof path, "/proc/%ld", (long)pid);
		if (tp_stat(tp, path, &st, NULL) == 0 && !st.exists) {
			free(why);
			return ID_GONE;
		}
		/* unreadable (another user's, jobfix not root) or deleted
		 * since it started: not known to be java, not known not */
		*en = xasprintf("its executable cannot be checked: %s%s", why,
		    r != -JF_ERR_NOTFOUND && geteuid() != 0 &&
		    strcmp(tp->ops->name, "local") == 0 ? " (jobfix is not "
		    "root)" : "");
		*tx = xasprintf(_("its executable cannot be checked: %s%s"), why,
		    r != -JF_ERR_NOTFOUND && geteuid() != 0 &&
		    strcmp(tp->ops->name, "local") == 0 ? _(" (jobfix is not "
		    "root)") : "");
		free(why);
		return ID_UNKNOWN;
	}
	base = strrchr(exe, '/');
	base = base != NULL ? base + 1 : exe;
	if (strcmp(base, "java") != 0) {
		*en = xasprintf("runs %s, not java", exe);
		*tx = xasprintf(_("runs %s, not java"), exe);
		free(exe);
		return ID_NOT;
	}
	free(exe);
	if (id->lib == NULL)
		return ID_JOB;
	/* the jar, as java reads its arguments */
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if (tp_read(tp, path, &args, 1u << 20, &why) != 0) {
		*en = xasprintf("its command line cannot be read: %s", why);
		*tx = xasprintf(_("its command line cannot be read: %s"), why);
		free(why);
		return ID_UNKNOWN;
	}
	jar = jar_of(args.data ? args.data : "", args.len);
	buf_free(&args);
	if (jar == NULL) {
		*en = xasprintf("java runs no jar (-jar), but Job's start script "
		    "launches one");
		*tx = xasprintf(_("java runs no jar (-jar), but Job's start "
		    "script launches one"));
		return ID_NOT;
	}
	if (jar[0] != '/') {
		snprintf(path, sizeof path, "/proc/%ld/cwd", (long)pid);
		if (tp->ops->realpath(tp, path, &cwd, &why) != 0) {
			*en = xasprintf("its jar %s is relative and its working "
			    "directory cannot be checked: %s", jar, why);
			*tx = xasprintf(_("its jar %s is relative and its working "
			    "directory cannot be checked: %s"), jar, why);
			free(why);
			free(jar);
			return ID_UNKNOWN;
		}
		full = path_join(cwd, jar);
		free(cwd);
	} else
		full = xstrdup(jar);
	jreal = path_resolved(tp, full);
	jlex = path_normal(full);
	/* in Job's lib, or anywhere in its install (job.sh may cd to its
	 * home and run the jar there); as written on the command line or
	 * resolved (lib/job-exec.jar may link to ../releases/...): only root
	 * or the install's owner gets this far, and they can write there */
	inst_real = path_resolved(tp, id->install);
	if (!(path_under(jreal, id->lib_real) || path_under(jlex, id->lib) ||
	    path_under(jreal, inst_real) || path_under(jlex, id->install))) {
		v = ID_NOT;
		if (strcmp(id->lib_from, "jobsh.jar_dir") == 0) {
			*en = xasprintf("its jar %s is not in %s, where Job's "
			    "start script has it", jreal, id->lib_real);
			*tx = xasprintf(_("its jar %s is not in %s, where Job's "
			    "start script has it"), jreal, id->lib_real);
		} else {
			*en = xasprintf("its jar %s is not in %s, Job's lib "
			    "directory", jreal, id->lib_real);
			*tx = xasprintf(_("its jar %s is not in %s, Job's lib "
			    "directory"), jreal, id->lib_real);
		}
	}
	free(jar);
	free(full);
	free(jreal);
	free(jlex);
	free(inst_real);
	return v;
}

int
job_process_verified(struct probe_ctx *ctx, pid_t pid)
{
	struct job_ident id;
	char *origin, *otext, *en, *tx;
	enum ident v;

	(void)job_process_pattern(ctx, &origin, &otext);
	ident_init(ctx, origin, &id);
	v = job_identity(ctx, &id, pid, &en, &tx);
	free(en);
	free(tx);
	free(origin);
	free(otext);
	ident_free(&id);
	return v == ID_JOB ? 1 : v == ID_UNKNOWN ? -1 : 0;
}

/* Appends "pid N looks like Job but WHY: CMDLINE" to both buffers. */
static void
say_not_job(struct buf *en, struct buf *tx, const struct tproc *p,
    const char *why_en, const char *why_tx, int unknown)
{
	if (en->len > 0) {
		buf_addstr(en, "; ");
		buf_addstr(tx, "; ");
	}
	if (unknown) {
		buf_printf(en, "pid %ld looks like Job but cannot be checked: "
		    "%s: %.200s", (long)p->pid, why_en, p->cmdline);
		buf_printf(tx, _("pid %ld looks like Job but cannot be checked: "
		    "%s: %.200s"), (long)p->pid, why_tx, p->cmdline);
	} else {
		buf_printf(en, "pid %ld looks like Job but %s: %.200s",
		    (long)p->pid, why_en, p->cmdline);
		buf_printf(tx, _("pid %ld looks like Job but %s: %.200s"),
		    (long)p->pid, why_tx, p->cmdline);
	}
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct tproc *procs = NULL;
	struct buf rej = BUF_INIT, rejt = BUF_INIT;
	struct buf unk = BUF_INIT, unkt = BUF_INIT;
	struct job_ident id;
	size_t n = 0, i, nmatch = 0, nrej = 0, nunk = 0;
	const char *pattern;
	char err[128], *origin, *otext, *en, *text, *why, *whyt, *s;
	enum ident v;
	regex_t re;
	int r;

	pattern = job_process_pattern(ctx, &origin, &otext);
	if ((r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &re, err, sizeof err);
		r = set_cause(cause, JF_ERR_PARSE, "job.process_pattern "
		    "\"%s\" (%s): %s", pattern, origin, err);
		free(origin);
		free(otext);
		return r;
	}
	facts_setv_text(out, "job.pattern", pattern, 0, origin, otext);
	if ((r = ctx->tp->ops->list_procs(ctx->tp, &procs, &n, cause)) != 0) {
		regfree(&re);
		free(origin);
		free(otext);
		return r;
	}
	/* any user writes their own command line: what the evidence quotes
	 * stays on one line (a newline in it would forge a line of the
	 * report), and a legitimate Job holds nothing this changes */
	for (i = 0; i < n; i++) {
		char *safe = terminal_safe(procs[i].cmdline, TSAFE_LINE);
		free(procs[i].cmdline);
		procs[i].cmdline = safe;
	}
	ident_init(ctx, origin, &id);
	for (i = 0; i < n; i++) {
		if (regexec(&re, procs[i].cmdline, 0, NULL, 0) != 0)
			continue;
		nmatch++;
		v = job_identity(ctx, &id, procs[i].pid, &why, &whyt);
		if (v == ID_JOB)
			break;
		if (v == ID_NOT && nrej++ < 3)
			say_not_job(&rej, &rejt, &procs[i], why, whyt, 0);
		if (v == ID_UNKNOWN && nunk++ < 3)
			say_not_job(&unk, &unkt, &procs[i], why, whyt, 1);
		free(why);
		free(whyt);
	}
	if (nrej > 3) {
		buf_printf(&rej, "; %zu more", nrej - 3);
		buf_printf(&rejt, _("; %zu more"), nrej - 3);
	}
	if (nunk > 3) {
		buf_printf(&unk, "; %zu more", nunk - 3);
		buf_printf(&unkt, _("; %zu more"), nunk - 3);
	}
	if (i < n && strncmp(origin, "fallback", 8) == 0) {
		/* a guess: any java command line holding "job" matches it,
		 * so the process is named as possibly not Job at all */
		en = xasprintf("pid %ld matches \"%s\" (%s), which any java "
		    "command line holding \"job\" matches: it may not be Job "
		    "(set job.process_pattern): %.200s", (long)procs[i].pid,
		    pattern, origin, procs[i].cmdline);
		text = xasprintf(_("pid %ld matches \"%s\" (%s), which any java "
		    "command line holding \"job\" matches: it may not be Job "
		    "(set job.process_pattern): %.200s"), (long)procs[i].pid,
		    pattern, otext, procs[i].cmdline);
	} else if (i < n) {
		/* the evidence names the process: a wrong match shows */
		en = xasprintf("pid %ld matches \"%s\" (%s): %.200s",
		    (long)procs[i].pid, pattern, origin, procs[i].cmdline);
		text = xasprintf(_("pid %ld matches \"%s\" (%s): %.200s"),
		    (long)procs[i].pid, pattern, otext, procs[i].cmdline);
	} else if (nunk > 0) {
		en = xasprintf("no process matching \"%s\" (%s) is known to be "
		    "Job's JVM", pattern, origin);
		text = xasprintf(_("no process matching \"%s\" (%s) is known to "
		    "be Job's JVM"), pattern, otext);
	} else if (nmatch > 0) {
		en = xasprintf("no process matching \"%s\" (%s) is Job's JVM",
		    pattern, origin);
		text = xasprintf(_("no process matching \"%s\" (%s) is Job's "
		    "JVM"), pattern, otext);
	} else {
		en = xasprintf("no process matches \"%s\" (%s) among %zu",
		    pattern, origin, n);
		text = xasprintf(_("no process matches \"%s\" (%s) among %zu"),
		    pattern, otext, n);
	}
	/* the processes that matched but are not Job, and why */
	if (rej.len > 0) {
		s = xasprintf("%s; %s", en, rej.data);
		free(en);
		en = s;
		s = xasprintf("%s; %s", text, rejt.data);
		free(text);
		text = s;
	}
	if (i < n) {
		facts_setv_text(out, "job.running", "yes", 0, en, text);
		facts_set_long(out, "job.pid", (long)procs[i].pid, N_("process "
		    "table: %.200s"), procs[i].cmdline);
	} else if (nunk > 0) {
		/* a process that may be Job and could not be checked: Job is
		 * not known to run, nor known not to */
		facts_setv_text(out, "job.running", "unknown", 0, en, text);
		facts_setv_text(out, "job.unchecked", "cannot check", 0,
		    unk.data, unkt.data);
	} else {
		facts_setv_text(out, "job.running", "no", 0, en, text);
	}
	free(en);
	free(text);
	free(origin);
	free(otext);
	buf_free(&rej);
	buf_free(&rejt);
	buf_free(&unk);
	buf_free(&unkt);
	ident_free(&id);
	tprocs_free(procs, n);
	regfree(&re);
	health_facts(ctx, out);
	return 0;
}

const struct probe probe_job = {
	"job", "job.", 1, PROBE_HOST,
	"Job's JVM in the process table, and its health URL when set",
	run,
};
