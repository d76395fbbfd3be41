/*
 * cmd-undo.c - undo RUN-ID: reverse what a run changed, newest first, from
 * the "undo" of its "applied" audit records.
 *
 * A file is restored from its backup only while it still holds exactly
 * what the run wrote (its sha256 is the recorded "after"), and only from a
 * backup whose sha256 is the recorded "before": a file someone changed
 * since is refused, by name, and left alone.  What the file held just
 * before the undo is backed up too, so an undo can itself be reversed by
 * hand.  Actions (restarts, commands, SQL) are not replayed: undo says so,
 * and for SQL names the statement a person can run.  Each undo is an
 * audit record ("undone", with "undoes": the seq of the record reversed).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"
#include "transport.h"

struct undo_run {
	struct cmd_ctx *c;
	struct audit *audit;
	char id[40];
	const char *target;
	json_t *items;
	int refused, left;
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

static void
record(struct undo_run *u, json_t *rec, const char *event, const char *msg,
    const char *before, const char *after, const char *backup)
{
	json_t *o = json_object();
	char *cause = NULL;

	json_object_set_new(o, "run_id", json_string(u->id));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "undo_of_run", heal_jstr(u->target));
	json_object_set_new(o, "undoes", json_integer(json_integer_value(
	    json_object_get(rec, "seq"))));
	if (*mstr(rec, "playbook"))
		json_object_set_new(o, "playbook", heal_jstr(mstr(rec,
		    "playbook")));
	json_object_set_new(o, "kind", json_string("file"));
	json_object_set_new(o, "summary", heal_jstr(mstr(rec, "summary")));
	json_object_set_new(o, "file", heal_jstr(mstr(rec, "file")));
	if (before != NULL)
		json_object_set_new(o, "sha256_before", json_string(before));
	if (after != NULL)
		json_object_set_new(o, "sha256_after", json_string(after));
	if (backup != NULL)
		json_object_set_new(o, "backup", heal_jstr(backup));
	json_object_set_new(o, "result", json_string(strcmp(event, "undone") ==
	    0 ? "undone" : "refused"));
	json_object_set_new(o, "message", heal_jstr(msg));
	if (audit_append(u->audit, o, NULL, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	json_decref(o);
}

/* Saves what the file holds now, before the undo replaces it. */
static char *
save_current(struct undo_run *u, const char *path, const struct buf *b,
    char **cause)
{
	struct transport *local;
	char *sub, *dir = NULL, *name, *p, *out;
	static unsigned seq;
	int r;

	sub = xasprintf("backups/%s", u->id);
	r = site_state_subdir(u->c->site, sub, &dir, cause);
	free(sub);
	if (r != 0)
		return NULL;
	name = xasprintf("%03u%s", ++seq, path);
	for (p = name; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	out = path_join(dir, name);
	free(name);
	free(dir);
	local = transport_local_new();
	r = tp_write(local, out, b->data ? b->data : "", b->len, 0600, cause);
	transport_free(local);
	if (r != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Before removing a file: it still holds what k expects, or
 * -JF_ERR_CHANGED with k->found set. */
static int
still_same(struct transport *tp, const char *path, struct tcheck *k,
    char **cause)
{
	struct buf cur = BUF_INIT;
	int r;

	cur.secret = 1;
	k->found[0] = '\0';
	r = tp_read(tp, path, &cur, 0, cause);
	if (r == -JF_ERR_NOTFOUND)
		r = -JF_ERR_CHANGED;
	else if (r == 0) {
		tsha256_hex(cur.data, cur.len, k->found);
		if (strcmp(k->found, k->sha256) != 0)
			r = -JF_ERR_CHANGED;
	}
	buf_free(&cur);
	return r;
}

static void
undo_file(struct undo_run *u, json_t *rec)
{
	struct transport *tp = u->c->tp;
	json_t *un = json_object_get(rec, "undo");
	const char *path = mstr(un, "file"), *expect = mstr(un,
	    "unless_sha256_is_not"), *from = mstr(un, "from");
	int restore = strcmp(mstr(un, "action"), "restore") == 0;
	struct buf cur = BUF_INIT, old = BUF_INIT;
	char now[65], bsum[65], *cause = NULL, *msg = NULL, *saved = NULL;
	struct tcheck k;
	int r;

	cur.secret = old.secret = 1;
	if (*path == '\0' || strlen(expect) != 64) {
		msg = xstrdup("the record has no usable undo");
		goto refuse;
	}
	r = tp_read(tp, path, &cur, 0, &cause);
	if (r == -JF_ERR_NOTFOUND) {
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
		if (read_file_local(from, &old, 0, &cause) != 0) {
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
	}
	if ((saved = save_current(u, path, &cur, &cause)) == NULL) {
		msg = xasprintf("cannot keep a copy of %s first (%s): not "
		    "restored", path, cause);
		goto refuse;
	}
	/* replace only what was checked: an edit made since wins */
	memset(&k, 0, sizeof k);
	k.expect = TEXPECT_SHA256;
	memcpy(k.sha256, expect, sizeof k.sha256);
	if (restore)
		r = tp_write_checked(tp, path, old.data ? old.data : "",
		    old.len, 0644, &k, &cause);
	else if ((r = still_same(tp, path, &k, &cause)) == 0)
		r = tp->ops->unlink(tp, path, &cause);
	if (r == -JF_ERR_CHANGED) {
		msg = xasprintf("%s was changed by someone else during the undo "
		    "(sha256 now %s, the run left %s): their version is kept, "
		    "not %s; what the undo would have put back is in %s", path,
		    k.found[0] != '\0' ? k.found : "none: the file is gone",
		    expect, restore ? "restored" : "removed",
		    restore ? from : "(nothing: it would have been removed)");
		goto refuse;
	}
	if (r != 0) {
		msg = xasprintf("%s: not restored", cause);
		goto refuse;
	}
	msg = restore ? xasprintf("%s restored from %s (what it held was kept "
	    "in %s)", path, from, saved) : xasprintf("%s removed (the run "
	    "had made it; a copy is in %s)", path, saved);
	item(u, rec, "undone", msg);
	record(u, rec, "undone", msg, now, restore ? bsum : NULL, saved);
	goto out;
refuse:
	u->refused++;
	item(u, rec, "refused", msg);
	record(u, rec, "undo-refused", msg, NULL, NULL, NULL);
out:
	free(msg);
	free(cause);
	free(saved);
	buf_free(&cur);
	buf_free(&old);
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
	const char *path = conf_str(c->conf, "audit_log");
	const char *files[1];
	json_t *recs = NULL, *r, *doc;
	char *cause = NULL, *head, *text;
	size_t bad, i, seen = 0, n;
	int rc;

	if (argc != 1) {
		error("usage: jobfix undo RUN-ID (run ids: jobfix audit show)");
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
	json_array_foreach(recs, i, r)
		if (strcmp(mstr(r, "run_id"), u.target) == 0)
			seen++;
	if (seen == 0) {
		error("no run \"%s\" in the audit log %s (run ids: jobfix audit "
		    "show)", u.target, path);
		json_decref(recs);
		return EXIT_USAGE;
	}
	files[0] = path;
	head = audit_head_path(c->site->state_dir);
	if (audit_verify(files, 1, head, &chk, NULL) == 0 && (chk.bad_record ||
	    chk.head_bad))
		warnx("the audit log is damaged (%s): undo goes on, checking "
		    "each file's sha256 before it touches it", chk.why);
	audit_check_free(&chk);
	free(head);
	if ((u.audit = audit_open(path, c->site->state_dir, c->site->host,
	    &cause)) == NULL) {
		error("%s: nothing is undone without a record", cause);
		free(cause);
		json_decref(recs);
		return EXIT_USAGE;
	}
	audit_set_syslog(u.audit, conf_bool(c->conf, "audit.syslog"));
	heal_run_id(u.id);
	u.items = json_array();
	if (!c->opts.json)
		printf("jobfix undo %s on %s (this undo: run %s)\n", u.target,
		    c->site->host, u.id);
	n = json_array_size(recs);
	for (i = n; i-- > 0;) {
		r = json_array_get(recs, i);
		if (strcmp(mstr(r, "run_id"), u.target) != 0 ||
		    strcmp(mstr(r, "event"), "applied") != 0)
			continue;
		if (undone_already(recs, json_integer_value(json_object_get(r,
		    "seq")))) {
			item(&u, r, "was-undone", "already undone");
			continue;
		}
		if (strcmp(mstr(r, "kind"), "file") == 0)
			undo_file(&u, r);
		else
			undo_action(&u, r);
	}
	if (json_array_size(u.items) == 0 && !c->opts.json)
		printf("  run %s changed nothing that is left to undo\n",
		    u.target);
	rc = u.refused ? EXIT_FIX_FAILED : (u.left ? EXIT_FINDINGS :
	    EXIT_HEALTHY);
	if (c->opts.json) {
		doc = json_object();
		json_object_set_new(doc, "command", json_string("undo"));
		json_object_set_new(doc, "run_id", json_string(u.id));
		json_object_set_new(doc, "undo_of_run", heal_jstr(u.target));
		json_object_set_new(doc, "items", u.items);
		json_object_set_new(doc, "exit_code", json_integer(rc));
		text = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(doc);
	} else
		json_decref(u.items);
	audit_close(u.audit);
	json_decref(recs);
	return rc;
}

const struct cmd_entry cmd_undo = {
	"undo", "RUN-ID", "reverse the file changes of a run, newest first",
	CMD_SITE | CMD_LOCK, undo_exec,
};
