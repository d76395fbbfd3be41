/*
 * exec.c - the executor.  See exec.h for the contract; the reasoning:
 *
 * One gate.  Whether jobfix acts is decided in exactly one function,
 * exec_change(), and it is the only code that reaches the writable
 * transport (site->writable): probes and the steps' planning hold the
 * read-only view, which refuses writes as programming errors.  Outside a
 * dry run, exec_change asks the gate (gate.c: lock, audit log, maintenance
 * flags, rate limits) before each change and records its result.  A dry run goes through every step as a real run would,
 * but exec_change() records "would change" and keeps the planned content in
 * an overlay, so that a later step of the same dry run (a second edit of the
 * same file) is planned against what the first one would have written.
 *
 * Undo.  Every applied change is kept on ctx->applied.  A file change is
 * undone by writing back the content it replaced (also saved as a backup in
 * the state directory before the write, so a crash between the two leaves
 * a way back); an action is undone by its own undo function, if it has one.
 * Undo runs newest first and does not stop at the first failure.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "gate.h"
#include "log.h"
#include "probe.h"
#include "report.h"
#include "step.h"
#include "i18n.h"
#include "transport-local.h"

struct overlay_entry {
	char *path;
	struct buf content;
	int absent;     /* a planned removal */
};

struct overlay {
	struct overlay_entry *v;
	size_t n;
};

const char *
outcome_name(enum outcome o)
{
	static const char *const names[] = {
		N_("ok"), N_("changed"), N_("skipped"), N_("failed"),
		N_("undone"), N_("partial"),
	};

	return (unsigned)o < nitems(names) ? names[o] : "?";
}

struct change *
change_new(enum change_kind kind, const char *summary)
{
	struct change *c = xcalloc(1, sizeof *c);

	c->kind = kind;
	c->summary = redact(summary);
	c->before.secret = c->after.secret = 1;
	c->mode = 0644;
	return c;
}

void
change_free(struct change *c)
{
	if (c == NULL)
		return;
	free(c->summary);
	free(c->path);
	buf_free(&c->before);
	buf_free(&c->after);
	free(c->backup);
	free(c->note);
	free(c->display);
	free(c->undo_display);
	free(c->refused);
	free(c->message);
	free(c->undo_of_run);
	if (c->data_free != NULL)
		c->data_free(c->data);
	free(c);
}

void
change_list_add(struct change_list *l, struct change *c)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = c;
}

void
change_list_free(struct change_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		change_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void
overlay_free(struct overlay *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->v[i].path);
		buf_free(&o->v[i].content);
	}
	free(o->v);
	free(o);
}

static struct overlay_entry *
overlay_find(struct overlay *o, const char *path)
{
	size_t i;

	for (i = 0; o != NULL && i < o->n; i++)
		if (strcmp(o->v[i].path, path) == 0)
			return &o->v[i];
	return NULL;
}

static void
overlay_set(struct overlay *o, const char *path, const struct buf *content,
    int absent)
{
	struct overlay_entry *e;

	if ((e = overlay_find(o, path)) == NULL) {
		o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
		e = &o->v[o->n++];
		e->path = xstrdup(path);
		buf_init(&e->content, 0);
		e->content.secret = 1;
	}
	buf_set(&e->content, content->data, content->len);
	e->absent = absent;
}

void
exec_init(struct exec_ctx *ctx, struct site *site, struct facts *facts,
    struct report *report, const struct exec_opts *o)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->site = site;
	ctx->conf = site->conf;
	ctx->tp = site->tp;
	ctx->facts = facts;
	ctx->report = report;
	ctx->dry_run = o->dry_run;
	ctx->allow_restart = o->allow_restart;
	ctx->run_id = o->run_id != NULL ? o->run_id : report->run_id;
	if (o->dry_run)
		ctx->overlay = xcalloc(1, sizeof *ctx->overlay);
	else
		ctx->gate = gate_open(site, ctx->run_id, o->unattended,
		    o->guarded);
}

/* The first reason the gate gave in this run, for the report. */
static void
note_hold(struct exec_ctx *ctx, int hold)
{
	if (ctx->report != NULL && ctx->report->gate_hold == GATE_OPEN)
		ctx->report->gate_hold = hold;
}

int
exec_may_run(struct exec_ctx *ctx, const struct playbook *pb, char **why)
{
	int r;

	if (ctx->dry_run || ctx->gate == NULL)
		return GATE_OPEN;
	if ((r = gate_may_run(ctx->gate, pb, why)) != GATE_OPEN)
		note_hold(ctx, r);
	return r;
}

static void pending_free(struct exec_pending *);

static void
records_free(struct exec_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nrecords; i++) {
		free(ctx->records[i].message);
		change_list_free(&ctx->records[i].changes);
	}
	free(ctx->records);
	ctx->records = NULL;
	ctx->nrecords = 0;
}

void
exec_cleanup(struct exec_ctx *ctx)
{
	/* applied changes are owned by the records */
	free(ctx->applied.v);
	memset(&ctx->applied, 0, sizeof ctx->applied);
	records_free(ctx);
	while (ctx->npending > 0)
		pending_free(&ctx->pending[--ctx->npending]);
	free(ctx->pending);
	ctx->pending = NULL;
	overlay_free(ctx->overlay);
	ctx->overlay = NULL;
	free(ctx->view);
	ctx->view = NULL;
	gate_close(ctx->gate);
	ctx->gate = NULL;
}

int
exec_read_file(struct exec_ctx *ctx, const char *path, struct buf *out,
    int *exists, char **cause)
{
	struct overlay_entry *e;
	char *why = NULL;
	int r;

	if ((e = overlay_find(ctx->overlay, path)) != NULL) {
		*exists = !e->absent;
		return buf_set(out, e->content.data, e->content.len);
	}
	r = tp_read(ctx->tp, path, out, 0, &why);
	if (r == -JF_ERR_NOTFOUND) {
		*exists = 0;
		free(why);
		return 0;
	}
	if (r != 0) {
		if (cause != NULL) {
			free(*cause);
			*cause = why;
		} else
			free(why);
		return r;
	}
	*exists = 1;
	return 0;
}

char *
exec_expand(struct exec_ctx *ctx, const char *text, int *secret, char **cause)
{
	struct buf b = BUF_INIT;
	const struct fact *f;
	const char *p, *end, *cv;
	char *name;

	b.secret = 1;
	for (p = text; *p != '\0'; p++) {
		if (p[0] != '$' || p[1] != '{') {
			buf_addch(&b, *p);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			set_cause(cause, JF_ERR_PARSE, "\"%s\": unterminated ${",
			    text);
			buf_free(&b);
			return NULL;
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		if ((f = facts_find(ctx->facts, name)) != NULL) {
			buf_addstr(&b, f->value);
			/* a password in a URL is as secret as any */
			if (secret != NULL && ((f->flags & FACT_SECRET) ||
			    url_passwords(f->value, 0) > 0))
				*secret = 1;
		} else if ((cv = conf_str(ctx->conf, name)) != NULL &&
		    strstr(cv, "${") == NULL) {
			buf_addstr(&b, cv);
			/* a jobfix.conf setting with a password in a URL */
			if (secret != NULL && url_passwords(cv, 1) > 0)
				*secret = 1;
		} else {
			set_cause(cause, JF_ERR_NOTFOUND, "${%s} is not known "
			    "on %s (no such fact or setting)", name,
			    ctx->site->host);
			free(name);
			buf_free(&b);
			return NULL;
		}
		free(name);
		p = end;
	}
	b.secret = 0;
	return buf_detach(&b);
}

/*
 * The run's view of the host: reads see the overlay (a dry run's planned
 * content), everything else goes to the real transport.  Parsers that read
 * files by themselves (option files with their includes) are handed this.
 */
static struct exec_ctx *view_ctx(struct transport *t) { return t->impl; }

static int
view_read(struct transport *t, const char *path, struct buf *out, size_t max,
    char **cause)
{
	struct exec_ctx *ctx = view_ctx(t);
	struct overlay_entry *e = overlay_find(ctx->overlay, path);

	if (e != NULL && e->absent)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": removed "
		    "(planned)", t->host, path);
	if (e != NULL)
		return buf_set(out, e->content.data, e->content.len);
	return tp_read(ctx->tp, path, out, max, cause);
}

#define VIEW_PASS(name, args, call)					\
	static int view_##name args { return view_ctx(t)->tp->ops->name call; }
VIEW_PASS(read_range, (struct transport *t, const char *p, uint64_t o,
    size_t m, struct buf *b, char **c), (view_ctx(t)->tp, p, o, m, b, c))
VIEW_PASS(stat, (struct transport *t, const char *p, struct tstat *s,
    char **c), (view_ctx(t)->tp, p, s, c))
VIEW_PASS(realpath, (struct transport *t, const char *p, char **o, char **c),
    (view_ctx(t)->tp, p, o, c))
VIEW_PASS(list_dir, (struct transport *t, const char *p, char ***v,
    size_t *n, char **c), (view_ctx(t)->tp, p, v, n, c))
VIEW_PASS(list_procs, (struct transport *t, struct tproc **v, size_t *n,
    char **c), (view_ctx(t)->tp, v, n, c))
VIEW_PASS(list_tcp, (struct transport *t, struct tsock **v, size_t *n,
    char **c), (view_ctx(t)->tp, v, n, c))

static int
view_refuse(struct transport *t, const char *path, char **cause)
{
	return set_cause(cause, JF_ERR_PROGRAM, "%s: \"%s\": the run's view "
	    "is read-only: changes go through the executor (a programming "
	    "error)", t->host, path);
}

static int
view_write(struct transport *t, const char *path, const void *d, size_t l,
    mode_t m, struct tcheck *k, char **cause)
{
	(void)d; (void)l; (void)m; (void)k;
	return view_refuse(t, path, cause);
}

static int
view_run(struct transport *t, const char *const *argv, const char *const *env,
    const void *in, size_t inlen, int timeout, struct trun_result *res,
    char **cause)
{
	(void)env; (void)in; (void)inlen; (void)timeout; (void)res;
	return view_refuse(t, argv[0], cause);
}

static void view_close(struct transport *t) { (void)t; }

static const struct transport_ops view_ops = {
	"view", view_read, view_read_range, view_write, view_stat,
	view_realpath, view_list_dir, view_list_procs, view_list_tcp,
	view_run, view_refuse, view_close, NULL,
};

struct transport *
exec_view(struct exec_ctx *ctx)
{
	if (ctx->view == NULL) {
		ctx->view = xcalloc(1, sizeof *ctx->view);
		ctx->view->ops = &view_ops;
		ctx->view->host = ctx->tp->host;
		ctx->view->impl = ctx;
	}
	return ctx->view;
}

const char *
exec_refresh_fact(struct exec_ctx *ctx, const char *fact)
{
	const struct probe *p = probe_for_fact(fact);
	const char *only[2];
	char *cause = NULL;

	if (p == NULL)
		return facts_get(ctx->facts, fact);
	only[0] = p->name;
	only[1] = NULL;
	facts_drop_prefix(ctx->facts, p->prefix);
	if (probe_run_all(ctx->site, ctx->facts, only, &cause) != 0) {
		warnx(_("probe \"%s\": %s"), p->name, cause);
		free(cause);
	}
	return facts_get(ctx->facts, fact);
}

static void
notify(struct exec_ctx *ctx, const struct change *c, const char *event)
{
	if (ctx->gate != NULL && strcmp(event, "planned") != 0)
		gate_record(ctx->gate, ctx, c, event);
}

/*
 * Temp files of crashed runs.  A write puts its new content in a temp file
 * beside the target (".NAME.jobfix-XXXXXX" here, ".jobfix-XXXXXXXXXX" over
 * SSH) and renames it; a crash in between leaves that file, holding the new
 * content and maybe a secret.  So every target is recorded in the state
 * directory (STATE/pending-writes, one path a line) before the write and
 * dropped after it; the next run that takes the lock removes the temp files
 * beside each target still listed, whatever their age, then the list.
 */
#define PENDING_FILE "pending-writes"
#define PENDING_MAX ((size_t)1 << 20)

void
exec_pending(struct site *site, const char *path, int add)
{
	struct buf b = BUF_INIT, nb = BUF_INIT;
	char *file, *cause = NULL, *line, *save = NULL, *text;
	int r, found = 0;

	if (strchr(path, '\n') != NULL)
		return;
	file = path_join(site->state_dir, PENDING_FILE);
	r = read_file_local_nofollow(file, &b, PENDING_MAX, &cause);
	if (r != 0 && r != -JF_ERR_NOTFOUND) {
		warnx("%s", cause);
		goto out;
	}
	text = xstrdup(b.data != NULL ? b.data : "");
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, path) == 0) {
			found = 1;
			if (!add)
				continue;
		}
		buf_addstr(&nb, line);
		buf_addch(&nb, '\n');
	}
	free(text);
	if (add && !found) {
		buf_addstr(&nb, path);
		buf_addch(&nb, '\n');
	}
	if (add == found)
		goto out; /* nothing to change */
	free(cause);
	cause = NULL;
	if (nb.len == 0)
		r = unlink(file) == 0 || errno == ENOENT ? 0 : -JF_ERR_IO;
	else
		r = tlocal_write_nofollow(file, nb.data, nb.len, 0600, &cause);
	if (r != 0)
		warnx("\"%s\": %s", file, cause ? cause : strerror(errno));
out:
	free(cause);
	free(file);
	buf_free(&b);
	buf_free(&nb);
}

/* Is name a temp file of a write to base? */
static int
is_litter(const char *name, const char *base)
{
	size_t bl = strlen(base), tl = strlen(".jobfix-");

	/* the local transport: ".BASE.jobfix-" and 6 random characters
	 * (BASE cut to 200 bytes) */
	if (name[0] == '.' && bl > 0) {
		size_t cut = bl > 200 ? 200 : bl;
		if (strncmp(name + 1, base, cut) == 0 &&
		    strncmp(name + 1 + cut, ".jobfix-", tl) == 0 &&
		    strlen(name + 1 + cut + tl) == 6)
			return 1;
	}
	/* the SSH transport's mktemp: ".jobfix-" and 10 */
	return strncmp(name, ".jobfix-", tl) == 0 && strlen(name + tl) == 10;
}

int
exec_sweep_litter(struct site *site)
{
	struct buf b = BUF_INIT;
	/* jobfix's own litter, removed under the lock */
	struct transport *tp = site->writable;
	char *file, *cause = NULL, *line, *save = NULL, *dir, *base, *p;
	char **names = NULL;
	size_t n = 0, i;
	int removed = 0;

	file = path_join(site->state_dir, PENDING_FILE);
	if (read_file_local_nofollow(file, &b, PENDING_MAX, &cause) != 0)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((p = strrchr(line, '/')) == NULL || p[1] == '\0')
			continue;
		dir = p == line ? xstrdup("/") : xstrndup(line,
		    (size_t)(p - line));
		base = p + 1;
		if (tp->ops->list_dir(tp, dir, &names, &n, NULL) == 0) {
			for (i = 0; i < n; i++) {
				char *t;

				if (!is_litter(names[i], base))
					continue;
				t = path_join(dir, names[i]);
				if (tp->ops->unlink(tp, t, NULL) == 0) {
					info(_("\"%s\": removed the temp file of "
					    "a run that did not finish"), t);
					removed++;
				}
				free(t);
			}
			names_free(names, n);
			names = NULL;
			n = 0;
		}
		free(dir);
	}
	if (unlink(file) == -1 && errno != ENOENT)
		warnx("\"%s\": %s", file, strerror(errno));
out:
	free(cause);
	free(file);
	buf_free(&b);
	return removed;
}

/*
 * Saves content of the file path into the run's backup directory in the
 * state dir (0600: it may hold secrets), as NNN_PATH plus suffix; *saved
 * gets the copy's path.
 */
static int
save_copy(struct exec_ctx *ctx, const char *path, const struct buf *content,
    const char *suffix, char **saved, char **cause)
{
	char *dir = NULL, *sub, *name, *p;
	static unsigned seq;
	int r;

	*saved = NULL;
	sub = xasprintf("backups/%s", ctx->run_id ? ctx->run_id : "norun");
	r = site_state_subdir(ctx->site, sub, &dir, cause);
	free(sub);
	if (r != 0)
		return r;
	/* the path, made a file name: never a secret in it */
	name = xasprintf("%03u%s%s", __atomic_add_fetch(&seq, 1,
	    __ATOMIC_RELAXED), path, suffix);
	for (p = name; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	*saved = path_join(dir, name);
	free(name);
	free(dir);
	r = tlocal_write_nofollow(*saved, content->data, content->len, 0600,
	    cause);
	if (r != 0) {
		free(*saved);
		*saved = NULL;
	}
	return r;
}

/* Saves what a file held before jobfix replaced it. */
static int
backup_file(struct exec_ctx *ctx, struct change *c, char **cause)
{
	free(c->backup);
	return save_copy(ctx, c->path, &c->before, "", &c->backup, cause);
}

/*
 * The message of a write refused because someone changed the file: both
 * hashes, and where the content jobfix would have written was saved.
 */
static char *
conflict_message(struct exec_ctx *ctx, struct change *c, const char *verb,
    const char *jobfix_had, const struct tcheck *k, const struct buf *planned)
{
	char *saved = NULL, *cause = NULL, *where, *msg;

	if (save_copy(ctx, c->path, planned, ".planned", &saved, &cause) == 0)
		where = xasprintf("the content jobfix would have written is in "
		    "%s", saved);
	else
		where = xasprintf("the content jobfix would have written could "
		    "not be saved: %s", cause);
	if (k->expect == TEXPECT_SHA256 && strcmp(k->found, k->sha256) == 0)
		/* the same content: a chmod, chown or setfacl */
		msg = xasprintf("%s: the mode, owner or ACL of \"%s\" was "
		    "changed by someone else since jobfix %s it (its content "
		    "is as jobfix %s it); their change is kept; %s", verb,
		    c->path, jobfix_had, jobfix_had, where);
	else
		msg = xasprintf("%s: \"%s\" was changed by someone else since "
		    "jobfix %s it (sha256 now %s, jobfix %s %s); their version "
		    "is kept; %s", verb, c->path, jobfix_had, k->found[0] !=
		    '\0' ? k->found : "none: the file is gone", jobfix_had,
		    k->expect == TEXPECT_ABSENT ? "none: no file" : k->sha256,
		    where);
	free(where);
	free(saved);
	free(cause);
	return msg;
}

static enum outcome
apply_file(struct exec_ctx *ctx, struct change *c)
{
	struct tcheck k;
	char *cause = NULL;
	int r;

	if (c->existed && (r = backup_file(ctx, c, &cause)) != 0) {
		c->message = xasprintf("not changed: backup failed: %s", cause);
		free(cause);
		return OUT_FAILED;
	}
	/* replace only what prepare() read: a person's edit since wins */
	tcheck_expect(&k, c->before.data, c->before.len, c->existed);
	exec_pending(ctx->site, c->path, 1);
	r = c->remove ? ctx->site->writable->ops->unlink(ctx->site->writable,
	    c->path, &cause) : tp_write_checked(ctx->site->writable, c->path,
	    c->after.data, c->after.len, c->mode, &k, &cause);
	exec_pending(ctx->site, c->path, 0);
	if (r == -JF_ERR_CHANGED) {
		c->conflict = 1;
		c->message = conflict_message(ctx, c, "not changed", "read", &k,
		    &c->after);
		free(cause);
		return OUT_FAILED;
	}
	if (r != 0) {
		c->message = xasprintf("not changed: %s", cause);
		free(cause);
		return OUT_FAILED;
	}
	c->message = xstrdup(c->remove ? N_("removed") : N_("changed"));
	return OUT_CHANGED;
}

/*
 * Puts back what a file held before the run, if it still holds what the
 * run wrote; a file changed since (a person's edit during a restart) is
 * kept, and said so.
 */
static int
undo_file(struct exec_ctx *ctx, struct change *c, char **cause)
{
	struct buf cur = BUF_INIT;
	struct tcheck k;
	char now[65];
	int r;

	tcheck_expect(&k, c->after.data, c->after.len, 1);
	if (c->existed) {
		exec_pending(ctx->site, c->path, 1);
		r = tp_write_checked(ctx->site->writable, c->path, c->before.data,
		    c->before.len, c->mode, &k, cause);
		exec_pending(ctx->site, c->path, 0);
		if (r == -JF_ERR_CHANGED) {
			free(*cause);
			*cause = conflict_message(ctx, c, "not undone",
			    "wrote", &k, &c->before);
		}
		return r;
	}
	/* the run created it: remove it, if it is still what was written */
	cur.secret = 1;
	r = tp_read(ctx->tp, c->path, &cur, 0, cause);
	if (r == -JF_ERR_NOTFOUND) {
		buf_free(&cur);
		return 0;
	}
	if (r == 0) {
		tsha256_hex(cur.data, cur.len, now);
		if (strcmp(now, k.sha256) != 0) {
			memcpy(k.found, now, sizeof k.found);
			free(*cause);
			*cause = conflict_message(ctx, c, "not removed",
			    "wrote", &k, &c->before);
			r = -JF_ERR_CHANGED;
		} else
			r = ctx->site->writable->ops->unlink(
			    ctx->site->writable, c->path, cause);
	}
	buf_free(&cur);
	return r;
}

enum outcome
exec_change(struct exec_ctx *ctx, struct change *c)
{
	char *cause = NULL, *why = NULL;
	enum outcome o;
	int hold = GATE_OPEN;

	free(c->message);
	c->message = NULL;
	if (c->refused != NULL) {
		c->message = xasprintf("%s: %s", ctx->dry_run ?
		    "would not run" : "not run", c->refused);
		c->outcome = OUT_SKIPPED;
		notify(ctx, c, "refused");
		return OUT_SKIPPED;
	}
	if (ctx->dry_run) {
		switch (c->kind) {
		case CHANGE_FILE:
			overlay_set(ctx->overlay, c->path, &c->after,
			    c->remove);
			c->message = xstrdup(c->remove ? N_("would remove") :
			    N_("would change"));
			o = OUT_CHANGED;
			ctx->changed++;
			break;
		case CHANGE_ACTION:
			c->message = xstrdup(N_("would run"));
			o = OUT_CHANGED;
			ctx->changed++;
			break;
		default:
			c->message = xstrdup(N_("would check"));
			o = OUT_OK;
			break;
		}
		c->outcome = o;
		notify(ctx, c, "planned");
		return o;
	}
	/* the gate: no change without it, and it is never absent outside a
	 * dry run (exec_init opens it) */
	if (c->kind != CHANGE_CHECK && (ctx->gate == NULL ||
	    (hold = gate_may_change(ctx->gate, ctx, c, &why)) != GATE_OPEN)) {
		if (ctx->gate == NULL) {
			hold = GATE_REFUSED;
			why = xstrdup("no gate is open (a programming error)");
		}
		note_hold(ctx, hold);
		c->message = xasprintf("refused: %s", why ? why : "not allowed");
		free(why);
		c->outcome = OUT_SKIPPED;
		notify(ctx, c, "refused");
		return OUT_SKIPPED;
	}
	switch (c->kind) {
	case CHANGE_FILE:
		o = apply_file(ctx, c);
		break;
	case CHANGE_ACTION:
	case CHANGE_CHECK:
		if (c->apply(c, ctx, c->kind == CHANGE_ACTION ?
		    ctx->site->writable : ctx->tp, &cause) != 0) {
			char *safe = redact(cause ? cause : "failed");
			c->message = safe;
			o = OUT_FAILED;
		} else {
			o = c->kind == CHANGE_ACTION ? OUT_CHANGED : OUT_OK;
			if (c->message == NULL)
				c->message = xstrdup(c->kind == CHANGE_ACTION ?
				    "done" : "passed");
		}
		free(cause);
		break;
	default:
		o = OUT_FAILED;
	}
	c->outcome = o;
	if (o == OUT_CHANGED) {
		ctx->changed++;
		change_list_add(&ctx->applied, c);
		notify(ctx, c, "applied");
	} else if (o == OUT_FAILED)
		notify(ctx, c, "failed");
	return o;
}

/*
 * Undoes, newest first, the applied changes of the playbook's steps in
 * group `from` and after; those of earlier groups stand (kept).  Returns 0
 * when every one of them was undone.
 */
static int
undo_from_group(struct exec_ctx *ctx, int from, size_t *kept)
{
	struct transport *wtp = ctx->site->writable;
	struct change *c;
	char *cause = NULL;
	size_t i;
	int failed = 0, r;

	*kept = 0;
	for (i = ctx->applied.n; i-- > 0;) {
		c = ctx->applied.v[i];
		if (c->group_no < from) {
			c->kept = 1;
			(*kept)++;
			continue;
		}
		if (c->kind == CHANGE_FILE)
			r = undo_file(ctx, c, &cause);
		else if (c->undo != NULL)
			r = c->undo(c, ctx, wtp, &cause);
		else {
			r = -JF_ERR_USAGE;
			cause = xstrdup("cannot be undone");
		}
		free(c->message);
		if (r == 0) {
			c->outcome = OUT_UNDONE;
			c->message = xstrdup(N_("undone"));
			notify(ctx, c, "undone");
		} else {
			failed++;
			if (r == -JF_ERR_CHANGED)
				c->conflict = 1;
			c->message = redact(cause ? cause : "undo failed");
			notify(ctx, c, "undo-failed");
		}
		free(cause);
		cause = NULL;
	}
	ctx->applied.n = 0;
	return failed ? -JF_ERR_IO : 0;
}

int
exec_undo_all(struct exec_ctx *ctx)
{
	size_t kept;

	return undo_from_group(ctx, 0, &kept);
}

static struct step_record *
record_new(struct exec_ctx *ctx, const struct step *st)
{
	struct step_record *rec;

	ctx->records = xreallocarray(ctx->records, ctx->nrecords + 1,
	    sizeof *ctx->records);
	rec = &ctx->records[ctx->nrecords++];
	memset(rec, 0, sizeof *rec);
	rec->index = st->index;
	rec->type = st->type->name;
	return rec;
}

/* A step that restarts a service: done once per run (exec_restarts). */
static int
is_restart(const struct step *st)
{
	const char *act = step_str(st, "action");

	return (st->type->flags & STEP_RESTARTS) && act != NULL &&
	    strcmp(act, "restart") == 0 && step_str(st, "service") != NULL;
}

/* The playbook stops at step i, its restart, prepared as cl. */
static void
stop_at_restart(struct exec_ctx *ctx, const struct step *st, size_t i,
    struct change_list *cl, enum outcome worst)
{
	struct exec_pending *p;

	ctx->pending = xreallocarray(ctx->pending, ctx->npending + 1,
	    sizeof *ctx->pending);
	p = &ctx->pending[ctx->npending++];
	memset(p, 0, sizeof *p);
	p->pb = ctx->pb;
	p->finding = ctx->finding;
	p->run = (size_t)-1;
	p->step = i;
	p->rec = ctx->nrecords - 1;
	p->service = xstrdup(step_str(st, "service"));
	p->restart = *cl;
	p->applied = ctx->applied;
	memset(&ctx->applied, 0, sizeof ctx->applied);
	p->changed = ctx->changed;
	p->worst = worst;
	ctx->stopped = 1;
}

/*
 * Runs steps from..nsteps-1 of ctx->pb, the outcome so far being worst,
 * then undoes the playbook's changes if it failed.  Stops at a restart
 * (ctx->stopped): the rest runs after it.
 */
static enum outcome
exec_steps(struct exec_ctx *ctx, size_t from, enum outcome worst)
{
	const struct playbook *pb = ctx->pb;
	struct step_record *rec;
	struct change_list cl = { NULL, 0, 0 };
	enum outcome o;
	char *cause = NULL;
	size_t i, j, k, kept;
	int r, fail_group = 0;

	/* resumed after a restart that failed: the restart step's group */
	if (worst == OUT_FAILED && from > 0)
		fail_group = pb->steps[from - 1].group_no;
	for (i = from; i < pb->nsteps && worst != OUT_FAILED &&
	    worst != OUT_SKIPPED; i++) {
		const struct step *st = &pb->steps[i];

		rec = record_new(ctx, st);
		memset(&cl, 0, sizeof cl);
		r = st->type->prepare(st, ctx, &cl, &cause);
		rec = &ctx->records[ctx->nrecords - 1];
		fail_group = st->group_no;
		if (r != 0) {
			rec->outcome = OUT_FAILED;
			rec->message = redact(cause ? cause : "failed");
			free(cause);
			cause = NULL;
			change_list_free(&cl);
			worst = OUT_FAILED;
			break;
		}
		for (j = 0; j < cl.n; j++)
			cl.v[j]->group_no = st->group_no;
		if (cl.n == 0) {
			rec->outcome = OUT_OK;
			if (rec->message == NULL)
				rec->message = xstrdup(N_("nothing to do"));
			continue;
		}
		if (is_restart(st) && cl.n == 1 && cl.v[0]->refused == NULL) {
			rec->outcome = OUT_OK;
			stop_at_restart(ctx, st, i, &cl, worst);
			return worst;
		}
		rec->changes = cl;
		o = OUT_OK;
		for (j = 0; j < cl.n; j++) {
			enum outcome co = exec_change(ctx, cl.v[j]);
			if (co > o)
				o = co;
			if (co == OUT_FAILED)
				break;
			if (co == OUT_SKIPPED) {
				/* a refused change stops the playbook: later
				 * steps depend on it */
				break;
			}
		}
		rec->outcome = o;
		if (o > worst)
			worst = o;
	}
	if (worst == OUT_FAILED && !ctx->dry_run && ctx->applied.n == 0)
		worst = OUT_UNDONE; /* nothing was changed: the host is as it was */
	else if (worst == OUT_FAILED && !ctx->dry_run) {
		/* the failing step's group falls; the groups before it
		 * completed, each with its own checks, and stand */
		if (undo_from_group(ctx, fail_group, &kept) == 0)
			worst = kept > 0 ? OUT_PARTIAL : OUT_UNDONE;
		/* mark the records of undone and of kept changes */
		for (k = 0; k < ctx->nrecords; k++)
			for (j = 0; j < ctx->records[k].changes.n; j++) {
				struct change *c = ctx->records[k].changes.v[j];
				if (c->outcome == OUT_UNDONE &&
				    ctx->records[k].outcome == OUT_CHANGED)
					ctx->records[k].outcome = OUT_UNDONE;
				if (c->kept) {
					free(c->message);
					c->message = xstrdup(N_("kept: the "
					    "steps of its group all passed"));
				}
			}
	}
	return worst;
}

enum outcome
exec_playbook(struct exec_ctx *ctx, const struct playbook *pb,
    const struct finding *finding)
{
	ctx->pb = pb;
	ctx->finding = finding;
	ctx->changed = 0;
	ctx->applied.n = 0;
	ctx->stopped = 0;
	return exec_steps(ctx, 0, OUT_OK);
}

void
exec_bind_run(struct exec_ctx *ctx, size_t run)
{
	size_t i;

	for (i = 0; i < ctx->npending; i++)
		if (ctx->pending[i].run == (size_t)-1)
			ctx->pending[i].run = run;
	ctx->stopped = 0;
}

static void
pending_free(struct exec_pending *p)
{
	free(p->service);
	change_list_free(&p->restart);
	free(p->applied.v); /* the changes are owned by the records */
	memset(p, 0, sizeof *p);
}

/* Goes on with a stopped playbook once its service was restarted (or the
 * restart failed: ro). */
static void
resume(struct exec_ctx *ctx, struct exec_pending *p, enum outcome ro)
{
	struct pb_run *run = &ctx->report->runs[p->run];
	enum outcome worst = p->worst;

	ctx->pb = p->pb;
	ctx->finding = p->finding;
	free(ctx->applied.v);
	ctx->applied = p->applied;
	memset(&p->applied, 0, sizeof p->applied);
	ctx->changed = p->changed;
	ctx->stopped = 0;
	records_free(ctx);
	ctx->records = run->records;
	ctx->nrecords = run->nrecords;
	run->records = NULL;
	run->nrecords = 0;
	if (ro > worst)
		worst = ro;
	worst = exec_steps(ctx, p->step + 1, worst);
	run = &ctx->report->runs[p->run];
	run->records = ctx->records;
	run->nrecords = ctx->nrecords;
	ctx->records = NULL;
	ctx->nrecords = 0;
	run->outcome = worst;
	if (ctx->stopped) /* at a restart of another service */
		exec_bind_run(ctx, p->run);
}

void
exec_restarts(struct exec_ctx *ctx)
{
	struct exec_pending *group, *owner;
	struct step_record *rec;
	struct pb_run *run;
	enum outcome ro, co;
	size_t n, i, j, keep;

	while (ctx->npending > 0) {
		/* every playbook waiting for the first one's service */
		group = xcalloc(ctx->npending, sizeof *group);
		n = keep = 0;
		for (i = 0; i < ctx->npending; i++) {
			if (strcmp(ctx->pending[i].service,
			    ctx->pending[0].service) == 0)
				group[n++] = ctx->pending[i];
			else
				ctx->pending[keep++] = ctx->pending[i];
		}
		ctx->npending = keep;
		/* once, as a step of the last of them: after every change
		 * that needs it */
		owner = &group[n - 1];
		run = &ctx->report->runs[owner->run];
		rec = &run->records[owner->rec];
		rec->changes = owner->restart;
		memset(&owner->restart, 0, sizeof owner->restart);
		ctx->pb = owner->pb;
		ctx->finding = owner->finding;
		free(ctx->applied.v);
		ctx->applied = owner->applied;
		memset(&owner->applied, 0, sizeof owner->applied);
		ctx->changed = owner->changed;
		ro = OUT_OK;
		for (j = 0; j < rec->changes.n; j++) {
			co = exec_change(ctx, rec->changes.v[j]);
			if (co > ro)
				ro = co;
			if (co == OUT_FAILED || co == OUT_SKIPPED)
				break;
		}
		rec->outcome = ro;
		owner->applied = ctx->applied;
		memset(&ctx->applied, 0, sizeof ctx->applied);
		owner->changed = ctx->changed;
		/* the others say where it was done */
		for (i = 0; i + 1 < n; i++) {
			rec = &ctx->report->runs[group[i].run].records[
			    group[i].rec];
			free(rec->message);
			rec->message = xstrdup(ro == OUT_FAILED ?
			    N_("the one restart of this service in this run "
			    "failed (see the last playbook that restarts it)") :
			    ro == OUT_SKIPPED ? N_("the one restart of this "
			    "service in this run was not done (see the last "
			    "playbook that restarts it)") : ctx->dry_run ?
			    N_("would be done once in this run, after the last "
			    "change that needs it, by the last playbook that "
			    "restarts this service") : N_("done once in this "
			    "run, after the last change that needs it, by the "
			    "last playbook that restarts this service"));
			rec->outcome = ro == OUT_CHANGED ? OUT_OK : ro;
		}
		for (i = 0; i < n; i++) {
			resume(ctx, &group[i], i + 1 < n && ro == OUT_CHANGED ?
			    OUT_OK : ro);
			pending_free(&group[i]);
		}
		free(group);
	}
	free(ctx->pending);
	ctx->pending = NULL;
}
