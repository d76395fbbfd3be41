/*
 * gate.c - the gate of the executor (see gate.h for what it checks, and in
 * which order).
 *
 * Why here and not in the commands: a gate a command installs is a gate a
 * command can forget (fleet did: its changes had no audit record, no lock,
 * no limits).  exec_init opens this gate whenever a run is not a dry run,
 * and exec_change asks it before it touches the writable transport; a
 * change refused here never reaches the host.
 *
 * Every change produces two audit records: "applying" right before it (so a
 * run killed in the middle of a change still left a record of what it was
 * doing), then its result.  A file change's records name the file, the
 * sha256 of its content before and after and the backup; the "applied"
 * record says how to undo it, which `jobfix undo RUN-ID` reads.
 *
 * A remote host's own jobfix is asked through the read-only view only:
 * stat and read of its maintenance flag, and flock(1) -n on its lock file
 * (tp_query: it takes the lock for no time and changes nothing; a file
 * that does not exist means no jobfix run ever held it, and is not made).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "gate.h"
#include "heal.h"
#include "lock.h"
#include "log.h"
#include "transport.h"

#define FLOCK_HELD 75 /* flock -E: the exit status when the lock is held */

struct applied_seq {
	const struct change *c;
	long seq;
};

struct gate {
	struct site *site;
	struct audit *audit;
	char *audit_error;
	char *run_id;
	int unattended;
	int guarded;
	char **counted;            /* playbooks counted in this run */
	size_t ncounted;
	struct applied_seq *applied;
	size_t napplied;
};

const char *
gate_hold_word(int hold)
{
	switch (hold) {
	case GATE_PAUSED:
		return "paused";
	case GATE_LOCKED:
		return "locked";
	case GATE_RATE_LIMIT:
		return "held by rate limit";
	case GATE_REFUSED:
		return "refused";
	}
	return NULL;
}

struct gate *
gate_open(struct site *site, const char *run_id, int unattended, int guarded)
{
	struct gate *h = xcalloc(1, sizeof *h);
	struct conf *conf = site->conf;

	h->site = site;
	h->run_id = xstrdup(run_id ? run_id : "");
	h->unattended = unattended;
	h->guarded = guarded || unattended;
	/* this machine's chain, for -H and fleet runs too: records name the
	 * host */
	h->audit = audit_open(conf_str(conf, "audit_log"), conf_str(conf,
	    "state_dir"), site->host, &h->audit_error);
	if (h->audit != NULL)
		audit_set_syslog(h->audit, conf_bool(conf, "audit.syslog"));
	return h;
}

void
gate_close(struct gate *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->ncounted; i++)
		free(h->counted[i]);
	free(h->counted);
	free(h->applied);
	audit_close(h->audit);
	free(h->audit_error);
	free(h->run_id);
	free(h);
}

/* --- a remote host's own jobfix ----------------------------------------- */

int
gate_remote_paused(struct site *site, char **text)
{
	const char *path = conf_str(site->conf, "remote.maintenance_file");
	struct buf b = BUF_INIT;
	struct tstat st;
	char *cause = NULL;
	int r;

	*text = NULL;
	if (site->local || path == NULL || *path == '\0')
		return 0;
	memset(&st, 0, sizeof st);
	if ((r = tp_stat(site->tp, path, &st, &cause)) != 0) {
		*text = xasprintf("the maintenance flag %s on %s cannot be "
		    "checked: %s", path, site->host, cause);
		free(cause);
		return r;
	}
	if (!st.exists)
		return 0;
	if (tp_read(site->tp, path, &b, 4096, &cause) == 0 && b.len > 0)
		*text = redact(str_trim(b.data));
	free(cause);
	buf_free(&b);
	if (*text == NULL || **text == '\0') {
		free(*text);
		*text = xstrdup("the flag file exists");
	}
	return 1;
}

int
gate_remote_locked(struct site *site, char **text)
{
	const char *dir = conf_str(site->conf, "remote.state_dir");
	const char *flock_path = conf_str(site->conf, "remote.flock");
	const char *argv[7];
	struct trun_result res;
	struct buf pid = BUF_INIT;
	struct tstat st;
	char *path, *cause = NULL;
	int r;

	*text = NULL;
	if (site->local || dir == NULL || *dir == '\0')
		return 0;
	path = path_join(dir, "lock");
	memset(&st, 0, sizeof st);
	if ((r = tp_stat(site->tp, path, &st, &cause)) != 0 || !st.exists) {
		if (r != 0)
			*text = xasprintf("the run lock %s on %s cannot be "
			    "checked: %s", path, site->host, cause);
		free(cause);
		free(path);
		return r;
	}
	argv[0] = flock_path;
	argv[1] = "-n";
	argv[2] = "-E";
	argv[3] = "75";
	argv[4] = path;
	argv[5] = "/bin/true";
	argv[6] = NULL;
	trun_result_init(&res);
	r = tp_query(site->tp, argv, NULL, NULL, 0, 10000, &res, &cause);
	if (r == 0 && res.status == FLOCK_HELD) {
		if (tp_read(site->tp, path, &pid, 64, NULL) == 0 && pid.len > 0)
			*text = xasprintf("a jobfix run on %s holds %s (pid %s)",
			    site->host, path, str_trim(pid.data));
		else
			*text = xasprintf("a jobfix run on %s holds %s",
			    site->host, path);
		r = 1;
	} else if (r == 0 && res.status != 0) {
		*text = xasprintf("the run lock %s on %s cannot be checked: "
		    "%s exited with status %d", path, site->host, flock_path,
		    res.status);
		r = -JF_ERR_IO;
	} else if (r != 0) {
		*text = xasprintf("the run lock %s on %s cannot be checked: %s",
		    path, site->host, cause);
	}
	trun_result_free(&res);
	buf_free(&pid);
	free(cause);
	free(path);
	return r;
}

/* GATE_OPEN, or why the host's state holds this run (*why). */
static int
host_held(struct gate *h, char **why)
{
	char *text = NULL;
	int r;

	if (h->guarded && heal_paused(h->site->conf, &text)) {
		*why = xasprintf("maintenance: unattended changes are paused "
		    "(%s: %s); `jobfix resume` ends it", heal_flag_path(
		    h->site->conf), text);
		free(text);
		return GATE_PAUSED;
	}
	if (h->guarded && (r = gate_remote_paused(h->site, &text)) != 0) {
		*why = r > 0 ? xasprintf("maintenance: %s is paused (%s: %s); "
		    "`jobfix resume` there ends it", h->site->host, conf_str(
		    h->site->conf, "remote.maintenance_file"), text) :
		    xasprintf("maintenance: %s", text);
		free(text);
		return r > 0 ? GATE_PAUSED : GATE_REFUSED;
	}
	if ((r = gate_remote_locked(h->site, &text)) != 0) {
		*why = xasprintf("locked: %s", text);
		free(text);
		return r > 0 ? GATE_LOCKED : GATE_REFUSED;
	}
	return GATE_OPEN;
}

/* 1 (and *why) when the playbook is at its limit; records the hold. */
static int
over_limit(struct gate *h, const char *name, json_t *counters, char **why)
{
	long max, window;
	time_t now = time(NULL), oldest, until;
	json_t *e = heal_entry_of(counters, name);
	size_t n;
	char *t, *cause = NULL;
	json_int_t held;

	heal_limits(h->site->conf, name, &max, &window);
	n = heal_prune(e, window, now, &oldest);
	if ((long)n < max)
		return 0;
	until = n > 0 ? oldest + window : now + window;
	t = heal_when_text(until);
	*why = xasprintf("held by the rate limit: %zu %s run%s in the "
	    "last %ld s (limit %ld); held until %s, or `jobfix reset %s`%s%s",
	    n, h->unattended ? "unattended" : "guarded", n == 1 ? "" : "s",
	    window, max, t, name, h->site->local ? "" : " on ",
	    h->site->local ? "" : h->site->host);
	free(t);
	held = json_integer_value(json_object_get(e, "held_until"));
	if (held < (json_int_t)now) {
		/* the hold starts now: record it once */
		json_object_set_new(e, "held_at", json_integer(now));
		json_object_set_new(e, "held_until", json_integer(until));
		if (heal_state_write(h->site, "ratelimit.json", counters, &cause) != 0) {
			warnx("%s", cause);
			free(cause);
			cause = NULL;
		}
		if (h->audit != NULL && heal_audit_event(h->audit, h->run_id,
		    "held", name, *why, &cause) != 0) {
			warnx("%s", cause);
			free(cause);
		}
	}
	return 1;
}



static int
counted(struct gate *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->ncounted; i++)
		if (strcmp(h->counted[i], name) == 0)
			return 1;
	return 0;
}

/* Counts an attempt before the playbook's first change; saved first.
 * GATE_OPEN, or why not. */
static int
count_attempt(struct gate *h, const char *name, char **why)
{
	json_t *counters = NULL, *e;
	char *cause = NULL;
	int r;

	if (heal_counters_load(h->site, &counters, &cause) != 0) {
		*why = xasprintf("the rate-limit counters cannot be read: %s",
		    cause);
		free(cause);
		return GATE_REFUSED;
	}
	if (over_limit(h, name, counters, why)) {
		json_decref(counters);
		return GATE_RATE_LIMIT;
	}
	e = heal_entry_of(counters, name);
	json_array_append_new(json_object_get(e, "attempts"),
	    json_integer(time(NULL)));
	r = heal_state_write(h->site, "ratelimit.json", counters, &cause);
	json_decref(counters);
	if (r != 0) {
		*why = xasprintf("the attempt cannot be counted: %s", cause);
		free(cause);
		return GATE_REFUSED;
	}
	h->counted = xreallocarray(h->counted, h->ncounted + 1,
	    sizeof *h->counted);
	h->counted[h->ncounted++] = xstrdup(name);
	return 0;
}




static json_t *
change_record(struct gate *h, struct exec_ctx *ctx, const struct change *c,
    const char *event)
{
	static const char *const kinds[] = { "file", "action", "check" };
	json_t *o = json_object(), *u;
	char before[65], after[65], mode[16];

	json_object_set_new(o, "run_id", heal_jstr(h->run_id));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "unattended", json_boolean(h->unattended));
	if (ctx->finding != NULL)
		json_object_set_new(o, "fault",
		    json_string(ctx->finding->fault->id));
	if (ctx->pb != NULL)
		heal_set_str(o, "playbook", ctx->pb->name);
	if (ctx->nrecords > 0)
		json_object_set_new(o, "step", json_integer(
		    ctx->records[ctx->nrecords - 1].index));
	json_object_set_new(o, "kind", json_string(kinds[c->kind]));
	if (c->undoes > 0) {
		json_object_set_new(o, "undoes", json_integer(c->undoes));
		heal_set_str(o, "undo_of_run", c->undo_of_run);
	}
	heal_set_str(o, "summary", c->summary);
	if (c->kind == CHANGE_FILE) {
		heal_set_str(o, "file", c->path);
		audit_sha256(c->before.data ? c->before.data : "",
		    c->before.len, before);
		audit_sha256(c->after.data ? c->after.data : "", c->after.len,
		    after);
		json_object_set_new(o, "existed", json_boolean(c->existed));
		if (c->existed)
			json_object_set_new(o, "sha256_before",
			    json_string(before));
		if (!c->remove)
			json_object_set_new(o, "sha256_after",
			    json_string(after));
		snprintf(mode, sizeof mode, "%04o", (unsigned)c->mode & 07777);
		json_object_set_new(o, "mode", json_string(mode));
		heal_set_str(o, "backup", c->backup);
		if (c->remove)
			json_object_set_new(o, "removed", json_true());
		if (strcmp(event, "applied") == 0) {
			u = json_object();
			json_object_set_new(u, "action", json_string(
			    c->existed ? "restore" : "remove"));
			heal_set_str(u, "file", c->path);
			if (c->existed) {
				heal_set_str(u, "from", c->backup);
				json_object_set_new(u, "sha256_backup",
				    json_string(before));
			}
			json_object_set_new(u, "unless_sha256_is_not",
			    json_string(after));
			json_object_set_new(o, "undo", u);
		}
	} else {
		heal_set_str(o, "argv", c->display);
		if (strcmp(event, "applied") == 0) {
			u = json_object();
			if (c->undo_display != NULL) {
				json_object_set_new(u, "action",
				    json_string("by-hand"));
				heal_set_str(u, "run", c->undo_display);
			} else {
				json_object_set_new(u, "action",
				    json_string("none"));
				json_object_set_new(u, "why", json_string(
				    c->undo != NULL ? "undone only within the "
				    "run that made it" : "an action (a restart, "
				    "a command) cannot be undone"));
			}
			json_object_set_new(o, "undo", u);
		}
	}
	if (strcmp(event, "applying") != 0) {
		json_object_set_new(o, "result",
		    json_string(outcome_name(c->outcome)));
		heal_set_str(o, "message", c->message);
	}
	if (ctx->finding != NULL && ctx->finding->evidence != NULL)
		heal_set_str(o, "evidence", ctx->finding->evidence);
	return o;
}

static long
applied_seq(struct gate *h, const struct change *c)
{
	size_t i;

	for (i = 0; i < h->napplied; i++)
		if (h->applied[i].c == c)
			return h->applied[i].seq;
	return 0;
}

static int
write_change(struct gate *h, struct exec_ctx *ctx, const struct change *c,
    const char *event, long *seq, char **cause)
{
	json_t *rec = change_record(h, ctx, c, event);
	long undoes;
	int r;

	if (c->undoes == 0 && (strcmp(event, "undone") == 0 ||
	    strcmp(event, "undo-failed") == 0) && (undoes = applied_seq(h, c)) !=
	    0)
		json_object_set_new(rec, "undoes", json_integer(undoes));
	r = audit_append(h->audit, rec, seq, cause);
	json_decref(rec);
	return r;
}

int
gate_may_run(struct gate *h, const struct playbook *pb, char **why)
{
	json_t *counters = NULL;
	char *cause = NULL;
	int r;

	if ((r = host_held(h, why)) != GATE_OPEN) {
		/* every hold is a record: a pause or a lock as much as the
		 * rate limit (which records the start of its hold) */
		if (h->audit != NULL && heal_audit_event(h->audit, h->run_id,
		    "held", pb->name, *why, &cause) != 0) {
			warnx("%s", cause);
			free(cause);
		}
		return r;
	}
	if (!h->guarded)
		return GATE_OPEN;
	if (heal_counters_load(h->site, &counters, &cause) != 0) {
		*why = xasprintf("the rate-limit counters cannot be read: %s",
		    cause);
		free(cause);
		return GATE_REFUSED;
	}
	r = over_limit(h, pb->name, counters, why) ? GATE_RATE_LIMIT : GATE_OPEN;
	json_decref(counters);
	return r;
}

int
gate_may_change(struct gate *h, struct exec_ctx *ctx, const struct change *c,
    char **why)
{
	char *cause = NULL;
	int r;

	if (!lock_held(h->site->state_dir)) {
		*why = xasprintf("the run lock of %s (%s) is not held: nothing is "
		    "changed outside the lock (a programming error)",
		    h->site->host, h->site->state_dir);
		return GATE_REFUSED;
	}
	if (h->audit == NULL) {
		*why = xasprintf("the audit log cannot be written (%s): "
		    "nothing is changed without a record", h->audit_error ?
		    h->audit_error : "none is open");
		return GATE_REFUSED;
	}
	if ((r = host_held(h, why)) != GATE_OPEN)
		return r;
	if (h->guarded && ctx->pb != NULL && !counted(h, ctx->pb->name)) {
		if ((r = count_attempt(h, ctx->pb->name, why)) != 0)
			return r;
	}
	if (write_change(h, ctx, c, "applying", NULL, &cause) != 0) {
		*why = xasprintf("the audit log cannot be written: %s; nothing "
		    "is changed without a record", cause);
		free(cause);
		return GATE_REFUSED;
	}
	return GATE_OPEN;
}

void
gate_record(struct gate *h, struct exec_ctx *ctx, const struct change *c,
    const char *event)
{
	char *cause = NULL;
	long seq = 0;

	if (h == NULL || h->audit == NULL)
		return;
	/* jobfix undo's changes keep the names its records always had */
	if (c->undoes > 0 && strcmp(event, "applied") == 0)
		event = "undone";
	else if (c->undoes > 0 && strcmp(event, "refused") == 0)
		event = "undo-refused";
	if (write_change(h, ctx, c, event, &seq, &cause) != 0) {
		error("%s", cause);
		free(cause);
		return;
	}
	if (strcmp(event, "applied") == 0) {
		h->applied = xreallocarray(h->applied, h->napplied + 1,
		    sizeof *h->applied);
		h->applied[h->napplied].c = c;
		h->applied[h->napplied++].seq = seq;
	}
}
