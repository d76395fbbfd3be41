/*
 * cmd-undo.c - undo RUN-ID: reverse what a run changed, newest first, from
 * the "undo" of its "applied" audit records.
 *
 * Undo plans, and the executor acts: each file to restore (or to remove,
 * when the run made it) becomes a change that passes the same gate as a
 * fix (exec_change: the dry-run stop, the run lock, the audit record before
 * and after, the backup of what the file holds now).  So `undo -n` lists
 * what it would restore and changes nothing, and an undo is recorded like
 * any change: "undone" (with "undoes", the seq of the record reversed, and
 * "undo_of_run") or "undo-refused".
 *
 * A file is restored from its backup only while it still holds exactly
 * what the run wrote (its sha256 is the recorded "after"), and only from a
 * backup whose sha256 is the recorded "before": a file someone changed
 * since is refused, by name, and left alone.  Actions (restarts, commands,
 * SQL) are not replayed: undo says so, and for SQL names the statement a
 * person can run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "exec.h"
#include "i18n.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"
#include "report.h"
#include "transport.h"

struct undo_run {
	struct cmd_ctx *c;
	const char *id;
	const char *target;
	json_t *items;
	int refused, left, would;
};

static const char *
mstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static void
item(struct undo_run *u, json_t *rec, const char *result, const char *msg)
{
	json_t *o = json_object();

	json_object_set_new(o, "seq", json_integer(json_integer_value(
	    json_object_get(rec, "seq"))));
	json_object_set_new(o, "summary", heal_jstr(mstr(rec, "summary")));
	if (*mstr(rec, "file"))
		json_object_set_new(o, "file", heal_jstr(mstr(rec, "file")));
	json_object_set_new(o, "result", json_string(result));
	json_object_set_new(o, "message", heal_jstr(msg));
	json_array_append_new(u->items, o);
	if (!u->c->opts.json)
		printf("  %-12s %s: %s\n", result, mstr(rec, "summary"), msg);
}

/* The change that puts path back: restore its old content, or remove it
 * (the run made it); refused (c->refused) when the file or the backup is
 * not what the records say. */
static struct change *
plan_file(struct undo_run *u, struct exec_ctx *ctx, json_t *rec)
{
	json_t *un = json_object_get(rec, "undo");
	const char *path = mstr(un, "file"), *expect = mstr(un,
	    "unless_sha256_is_not"), *from = mstr(un, "from");
	int restore = strcmp(mstr(un, "action"), "restore") == 0;
	struct buf cur = BUF_INIT, old = BUF_INIT;
	char now[65], bsum[65], *cause = NULL, *msg = NULL, *summary;
	struct change *c;
	int r, exists = 0;

	summary = xasprintf("%s %s", restore ? "restore" : "remove", *path ?
	    path : mstr(rec, "summary"));
	c = change_new(CHANGE_FILE, summary);
	free(summary);
	c->path = xstrdup(path);
	c->existed = 1;
	c->remove = !restore;
	c->undoes = (long)json_integer_value(json_object_get(rec, "seq"));
	c->undo_of_run = xstrdup(u->target);
	cur.secret = old.secret = 1;
	if (*path == '\0' || strlen(expect) != 64) {
		msg = xstrdup("the record has no usable undo");
		goto refuse;
	}
	/* as the run sees it: a dry run's earlier planned undo of the same
	 * file included */
	r = exec_read_file(ctx, path, &cur, &exists, &cause);
	if (r == 0 && !exists) {
		msg = xasprintf("%s was removed since run %s: not restored",
		    path, u->target);
		goto refuse;
	}
	if (r != 0) {
		msg = xasprintf("%s: not restored", cause);
		goto refuse;
	}
	audit_sha256(cur.data ? cur.data : "", cur.len, now);
	if (strcmp(now, expect) != 0) {
		msg = xasprintf("%s changed since run %s (sha256 now %.12s..., "
		    "the run left %.12s...): not restored", path, u->target,
		    now, expect);
		goto refuse;
	}
	if (restore) {
		free(cause);
		cause = NULL;
		if (read_file_local_nofollow(from, &old, 0, &cause) != 0) {
			msg = xasprintf("the backup %s cannot be read (%s): %s "
			    "not restored", from, cause, path);
			goto refuse;
		}
		audit_sha256(old.data ? old.data : "", old.len, bsum);
		if (strcmp(bsum, mstr(un, "sha256_backup")) != 0) {
			msg = xasprintf("the backup %s is not what %s held "
			    "before the run (sha256 differs): not restored",
			    from, path);
			goto refuse;
		}
		buf_set(&c->after, old.data ? old.data : "", old.len);
	}
	buf_set(&c->before, cur.data ? cur.data : "", cur.len);
	goto out;
refuse:
	c->refused = msg;
	msg = NULL;
out:
	free(msg);
	free(cause);
	buf_free(&cur);
	buf_free(&old);
	return c;
}

static void
undo_file(struct undo_run *u, struct exec_ctx *ctx, json_t *rec)
{
	json_t *un = json_object_get(rec, "undo");
	const char *from = mstr(un, "from");
	struct change *c = plan_file(u, ctx, rec);
	enum outcome o;
	char *msg;

	o = exec_change(ctx, c);
	if (o == OUT_CHANGED && ctx->dry_run)
		msg = c->remove ? xasprintf("would remove %s (the run had made "
		    "it)", c->path) : xasprintf("would restore %s from %s",
		    c->path, from);
	else if (o == OUT_CHANGED)
		msg = c->remove ? xasprintf("%s removed (the run had made it; a "
		    "copy is in %s)", c->path, c->backup ? c->backup : "?") :
		    xasprintf("%s restored from %s (what it held was kept in %s)",
		    c->path, from, c->backup ? c->backup : "?");
	else {
		/* refused by the checks above or by the gate, or failed */
		const char *m = c->message ? c->message : "not restored";
		if (strncmp(m, "not run: ", 9) == 0)
			m += 9;
		else if (strncmp(m, "would not run: ", 15) == 0)
			m += 15;
		msg = xstrdup(m);
		u->refused++;
	}
	if (o == OUT_CHANGED && ctx->dry_run)
		u->would++;
	item(u, rec, o == OUT_CHANGED ? (ctx->dry_run ? "would-undo" :
	    "undone") : (o == OUT_FAILED ? "failed" : "refused"), msg);
	free(msg);
	change_free(c);
}

static void
undo_action(struct undo_run *u, json_t *rec)
{
	json_t *un = json_object_get(rec, "undo");
	char *msg;

	u->left++;
	if (strcmp(mstr(un, "action"), "by-hand") == 0)
		msg = xasprintf("not undone: jobfix does not replay it; to undo "
		    "it, run by hand: %s", mstr(un, "run"));
	else
		msg = xasprintf("not undone: %s (%s%s)", *mstr(un, "why") ?
		    mstr(un, "why") : "it cannot be undone", *mstr(rec,
		    "argv") ? "$ " : "", mstr(rec, "argv"));
	item(u, rec, "not-undone", msg);
	free(msg);
}

static int
undone_already(json_t *recs, json_int_t seq)
{
	json_t *r;
	size_t i;

	json_array_foreach(recs, i, r)
		if (strcmp(mstr(r, "event"), "undone") == 0 &&
		    json_integer_value(json_object_get(r, "undoes")) == seq)
			return 1;
	return 0;
}

static int
undo_exec(struct cmd_ctx *c, int argc, char **argv)
{
	struct undo_run u;
	struct audit_check chk;
	struct report *rep;
	struct exec_ctx ctx;
	struct exec_opts xo;
	const char *path = conf_str(c->conf, "audit_log");
	const char *files[1], *other = NULL;
	json_t *recs = NULL, *r, *doc;
	char *cause = NULL, *head, *text;
	size_t bad, i, seen = 0, n;
	int rc;

	if (argc != 1) {
		error(_("usage: jobfix undo RUN-ID (run ids: jobfix audit show)"));
		return EXIT_USAGE;
	}
	memset(&u, 0, sizeof u);
	u.c = c;
	u.target = argv[0];
	if (audit_read(path, &recs, &bad, &cause) != 0) {
		error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	/* a run of this host: fleet and -H runs are on this chain too, each
	 * record naming its host, and are undone host by host (-H HOST) */
	json_array_foreach(recs, i, r)
		if (strcmp(mstr(r, "run_id"), u.target) == 0) {
			if (strcmp(mstr(r, "host"), c->site->host) == 0)
				seen++;
			else
				other = mstr(r, "host");
		}
	if (seen == 0 && other != NULL) {
		error(_("run \"%s\" changed %s, not %s: undo it there with "
		    "jobfix -H %s undo %s"), u.target, other, c->site->host,
		    other, u.target);
		json_decref(recs);
		return EXIT_USAGE;
	}
	if (seen == 0) {
		error(_("no run \"%s\" in the audit log %s (run ids: jobfix audit "
		    "show)"), u.target, path);
		json_decref(recs);
		return EXIT_USAGE;
	}
	files[0] = path;
	head = audit_head_path(c->site->state_dir);
	if (audit_verify(files, 1, head, path, &chk, NULL) == 0 &&
	    (chk.bad_record || chk.head_bad))
		warnx(_("the audit log is damaged (%s): undo goes on, checking "
		    "each file's sha256 before it touches it"), chk.why);
	audit_check_free(&chk);
	free(head);
	/* the executor applies the undo: the gate (lock, audit records) and
	 * the dry-run stop are its */
	rep = report_new("undo", c->site->host, conf_str(c->conf, "site.root"),
	    c->opts.dry_run);
	memset(&xo, 0, sizeof xo);
	xo.dry_run = c->opts.dry_run;
	exec_init(&ctx, c->site, NULL, rep, &xo);
	u.id = rep->run_id;
	u.items = json_array();
	if (!c->opts.json && c->opts.dry_run)
		printf(_("jobfix undo %s on %s (dry run: nothing is changed)\n"),
		    u.target, c->site->host);
	else if (!c->opts.json)
		printf(_("jobfix undo %s on %s (this undo: run %s)\n"), u.target,
		    c->site->host, u.id);
	n = json_array_size(recs);
	for (i = n; i-- > 0;) {
		r = json_array_get(recs, i);
		if (strcmp(mstr(r, "run_id"), u.target) != 0 ||
		    strcmp(mstr(r, "event"), "applied") != 0 ||
		    strcmp(mstr(r, "host"), c->site->host) != 0)
			continue;
		if (undone_already(recs, json_integer_value(json_object_get(r,
		    "seq")))) {
			item(&u, r, "was-undone", "already undone");
			continue;
		}
		if (strcmp(mstr(r, "kind"), "file") == 0)
			undo_file(&u, &ctx, r);
		else
			undo_action(&u, r);
	}
	if (json_array_size(u.items) == 0 && !c->opts.json)
		printf(_("  run %s changed nothing that is left to undo\n"),
		    u.target);
	rc = u.refused ? EXIT_FIX_FAILED : (u.left || u.would ? EXIT_FINDINGS :
	    EXIT_HEALTHY);
	if (c->opts.json) {
		doc = json_object();
		json_object_set_new(doc, "command", json_string("undo"));
		json_object_set_new(doc, "run_id", json_string(u.id));
		json_object_set_new(doc, "undo_of_run", heal_jstr(u.target));
		json_object_set_new(doc, "dry_run", json_boolean(
		    c->opts.dry_run));
		json_object_set_new(doc, "items", u.items);
		json_object_set_new(doc, "exit_code", json_integer(rc));
		text = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(doc);
	} else
		json_decref(u.items);
	exec_cleanup(&ctx);
	report_free(rep);
	json_decref(recs);
	return rc;
}

const struct cmd_entry cmd_undo = {
	"undo", "RUN-ID", N_("reverse the file changes of a run, newest first"),
	CMD_SITE | CMD_CHANGES, undo_exec,
};
