/*
 * heal.c - unattended self-healing (see heal.h and jobfix(8), UNATTENDED RUNS).
 *
 * State lives in the state directory, written atomically through the local
 * transport (temp file, fsync, rename, fsync the directory), and is read
 * again before each decision: a run never trusts what it read at its start
 * when it is about to change something.
 *
 * Every change produces two audit records: "applying" right before it (so a
 * run killed in the middle of a change still left a record of what it was
 * doing), then its result: "applied", "failed", "refused", "undone" or
 * "undo-failed".  A file change's records name the file, the sha256 of its
 * content before and after and the backup; the "applied" record says how
 * to undo it, which `jobfix undo RUN-ID` reads.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heal.h"
#include "log.h"
#include "report.h"
#include "transport.h"

struct applied_seq {
	const struct change *c;
	long seq;
};

struct heal {
	struct site *site;
	struct audit *audit;       /* not owned */
	char *audit_error;
	char *run_id;
	int unattended;
	char **counted;            /* playbooks counted in this run */
	size_t ncounted;
	struct applied_seq *applied;
	size_t napplied;
};

json_t *
heal_jstr(const char *s)
{
	char *safe = redact(s ? s : ""), *p;
	json_t *j = json_string(safe);

	if (j == NULL) {
		/* not UTF-8: keep ASCII, mark the rest */
		for (p = safe; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(safe);
	}
	free(safe);
	return j != NULL ? j : json_string("?");
}

void
heal_run_id(char out[40])
{
	unsigned char rnd[6];
	char ts[32];
	FILE *f;

	memset(rnd, 0, sizeof rnd);
	if ((f = fopen("/dev/urandom", "rbe")) != NULL) {
		if (fread(rnd, 1, sizeof rnd, f) != sizeof rnd)
			memset(rnd, 0, sizeof rnd);
		fclose(f);
	}
	iso_time(ts);
	snprintf(out, 40, "%.4s%.2s%.2sT%.2s%.2s%.2s-%02x%02x%02x%02x%02x%02x",
	    ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17, rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5]);
}

struct heal *
heal_new(struct site *site, struct audit *audit, const char *audit_error,
    const char *run_id, int unattended)
{
	struct heal *h = xcalloc(1, sizeof *h);

	h->site = site;
	h->audit = audit;
	h->audit_error = audit_error ? xstrdup(audit_error) : NULL;
	h->run_id = xstrdup(run_id ? run_id : "");
	h->unattended = unattended;
	return h;
}

void
heal_free(struct heal *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->ncounted; i++)
		free(h->counted[i]);
	free(h->counted);
	free(h->applied);
	free(h->audit_error);
	free(h->run_id);
	free(h);
}

/* --- policy and limits ----------------------------------------------- */

const char *
heal_mode(struct conf *conf, const struct playbook *pb)
{
	char *name = xasprintf("policy.%s.mode", pb->name);
	const char *v = conf_str_dynamic(conf, name);

	free(name);
	if (v == NULL)
		v = pb->policy ? pb->policy : "auto";
	return strcmp(v, "auto") == 0 ? "auto" : "confirm";
}

void
heal_limits(struct conf *conf, const char *playbook, long *max_runs,
    long *window)
{
	char *name;

	name = xasprintf("policy.%s.max_runs", playbook);
	*max_runs = conf_int_dynamic(conf, name, conf_int(conf,
	    "unattended.max_runs"));
	free(name);
	name = xasprintf("policy.%s.window_seconds", playbook);
	*window = conf_int_dynamic(conf, name, conf_int(conf,
	    "unattended.window_seconds"));
	free(name);
	if (*max_runs < 0)
		*max_runs = 0;
	if (*window < 1)
		*window = 1;
}

/* --- state files ----------------------------------------------------- */

int
heal_state_write(struct site *site, const char *name, json_t *o,
    char **cause)
{
	struct transport *local = transport_local_new();
	char *dir = NULL, *path, *text;
	int r;

	if ((r = site_state_subdir(site, NULL, &dir, cause)) != 0) {
		transport_free(local);
		return r;
	}
	path = path_join(dir, name);
	text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (text == NULL)
		r = set_cause(cause, JF_ERR_IO, "\"%s\": cannot encode", path);
	else {
		r = tp_write(local, path, text, strlen(text), 0600, cause);
		free(text);
	}
	free(path);
	free(dir);
	transport_free(local);
	return r;
}

/* A JSON object from the state dir; a missing file is an empty object, a
 * broken one is an error naming it (state is never silently dropped). */
int
heal_state_read(struct site *site, const char *name, json_t **out,
    char **cause)
{
	char *path = path_join(site->state_dir, name);
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *o;
	int r;

	*out = NULL;
	r = read_file_local(path, &b, 4 << 20, cause);
	if (r == -JF_ERR_NOTFOUND) {
		free(*cause);
		*cause = NULL;
		*out = json_object();
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if ((o = json_loadb(b.data ? b.data : "", b.len, 0, &je)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: %s (remove it to "
		    "start again)", path, je.line, o == NULL ? je.text :
		    "not a JSON object");
		goto out;
	}
	*out = o;
out:
	buf_free(&b);
	free(path);
	return r;
}

int
heal_counters_load(struct site *site, json_t **out, char **cause)
{
	char *why = NULL;
	int r = heal_state_read(site, "ratelimit.json", out, &why);

	if (r != 0) {
		if (cause != NULL) {
			free(*cause);
			*cause = why;
		} else
			free(why);
	}
	return r;
}

/* Attempts of one playbook inside its window, oldest first; drops the
 * older ones from the entry. */
static size_t
prune(json_t *entry, long window, time_t now, time_t *oldest)
{
	json_t *att = json_object_get(entry, "attempts"), *keep = json_array();
	json_t *v;
	size_t i, n = 0;

	*oldest = 0;
	json_array_foreach(att, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= now - window)
			continue;
		if (n++ == 0 || json_integer_value(v) < *oldest)
			*oldest = (time_t)json_integer_value(v);
		json_array_append(keep, v);
	}
	json_object_set_new(entry, "attempts", keep);
	return n;
}

static json_t *
entry_of(json_t *counters, const char *name)
{
	json_t *e = json_object_get(counters, name);

	if (!json_is_object(e)) {
		e = json_object();
		json_object_set_new(counters, name, e);
	}
	return e;
}

static char *
when_text(time_t t)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

/* 1 (and *why) when the playbook is at its limit; records the hold. */
static int
over_limit(struct heal *h, const char *name, json_t *counters, char **why)
{
	long max, window;
	time_t now = time(NULL), oldest, until;
	json_t *e = entry_of(counters, name);
	size_t n;
	char *t, *cause = NULL;
	json_int_t held;

	heal_limits(h->site->conf, name, &max, &window);
	n = prune(e, window, now, &oldest);
	if ((long)n < max)
		return 0;
	until = n > 0 ? oldest + window : now + window;
	t = when_text(until);
	*why = xasprintf("held by the rate limit: %zu unattended run%s in the "
	    "last %ld s (limit %ld); held until %s, or `jobfix reset %s`", n,
	    n == 1 ? "" : "s", window, max, t, name);
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

int
heal_may_run(const struct playbook *pb, char **why, void *arg)
{
	struct heal *h = arg;
	json_t *counters = NULL;
	char *text = NULL, *cause = NULL;
	int r;

	if (!h->unattended)
		return 0;
	if (heal_paused(h->site->conf, &text)) {
		*why = xasprintf("maintenance: unattended changes are paused "
		    "(%s: %s); `jobfix resume` ends it", heal_flag_path(
		    h->site->conf), text);
		free(text);
		return 1;
	}
	if (heal_counters_load(h->site, &counters, &cause) != 0) {
		*why = xasprintf("the rate-limit counters cannot be read: %s",
		    cause);
		free(cause);
		return 1;
	}
	r = over_limit(h, pb->name, counters, why);
	json_decref(counters);
	return r;
}

static int
counted(struct heal *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->ncounted; i++)
		if (strcmp(h->counted[i], name) == 0)
			return 1;
	return 0;
}

/* Counts an attempt before the playbook's first change; saved first. */
static int
count_attempt(struct heal *h, const char *name, char **why)
{
	json_t *counters = NULL, *e;
	char *cause = NULL;
	int r;

	if (heal_counters_load(h->site, &counters, &cause) != 0) {
		*why = xasprintf("the rate-limit counters cannot be read: %s",
		    cause);
		free(cause);
		return 1;
	}
	if (over_limit(h, name, counters, why)) {
		json_decref(counters);
		return 1;
	}
	e = entry_of(counters, name);
	json_array_append_new(json_object_get(e, "attempts"),
	    json_integer(time(NULL)));
	r = heal_state_write(h->site, "ratelimit.json", counters, &cause);
	json_decref(counters);
	if (r != 0) {
		*why = xasprintf("the attempt cannot be counted: %s", cause);
		free(cause);
		return 1;
	}
	h->counted = xreallocarray(h->counted, h->ncounted + 1,
	    sizeof *h->counted);
	h->counted[h->ncounted++] = xstrdup(name);
	return 0;
}

/* --- audit records of changes ---------------------------------------- */

static void
set_str(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, heal_jstr(value));
}

static json_t *
change_record(struct heal *h, struct exec_ctx *ctx, const struct change *c,
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
		set_str(o, "playbook", ctx->pb->name);
	if (ctx->nrecords > 0)
		json_object_set_new(o, "step", json_integer(
		    ctx->records[ctx->nrecords - 1].index));
	json_object_set_new(o, "kind", json_string(kinds[c->kind]));
	set_str(o, "summary", c->summary);
	if (c->kind == CHANGE_FILE) {
		set_str(o, "file", c->path);
		audit_sha256(c->before.data ? c->before.data : "",
		    c->before.len, before);
		audit_sha256(c->after.data ? c->after.data : "", c->after.len,
		    after);
		json_object_set_new(o, "existed", json_boolean(c->existed));
		if (c->existed)
			json_object_set_new(o, "sha256_before",
			    json_string(before));
		json_object_set_new(o, "sha256_after", json_string(after));
		snprintf(mode, sizeof mode, "%04o", (unsigned)c->mode & 07777);
		json_object_set_new(o, "mode", json_string(mode));
		set_str(o, "backup", c->backup);
		if (strcmp(event, "applied") == 0) {
			u = json_object();
			json_object_set_new(u, "action", json_string(
			    c->existed ? "restore" : "remove"));
			set_str(u, "file", c->path);
			if (c->existed) {
				set_str(u, "from", c->backup);
				json_object_set_new(u, "sha256_backup",
				    json_string(before));
			}
			json_object_set_new(u, "unless_sha256_is_not",
			    json_string(after));
			json_object_set_new(o, "undo", u);
		}
	} else {
		set_str(o, "argv", c->display);
		if (strcmp(event, "applied") == 0) {
			u = json_object();
			if (c->undo_display != NULL) {
				json_object_set_new(u, "action",
				    json_string("by-hand"));
				set_str(u, "run", c->undo_display);
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
		set_str(o, "message", c->message);
	}
	if (ctx->finding != NULL && ctx->finding->evidence != NULL)
		set_str(o, "evidence", ctx->finding->evidence);
	return o;
}

static long
applied_seq(struct heal *h, const struct change *c)
{
	size_t i;

	for (i = 0; i < h->napplied; i++)
		if (h->applied[i].c == c)
			return h->applied[i].seq;
	return 0;
}

static int
write_change(struct heal *h, struct exec_ctx *ctx, const struct change *c,
    const char *event, long *seq, char **cause)
{
	json_t *rec = change_record(h, ctx, c, event);
	long undoes;
	int r;

	if ((strcmp(event, "undone") == 0 || strcmp(event, "undo-failed") ==
	    0) && (undoes = applied_seq(h, c)) != 0)
		json_object_set_new(rec, "undoes", json_integer(undoes));
	r = audit_append(h->audit, rec, seq, cause);
	json_decref(rec);
	return r;
}

int
heal_may_change(struct exec_ctx *ctx, const struct change *c, char **why,
    void *arg)
{
	struct heal *h = arg;
	char *text = NULL, *cause = NULL;

	if (h->audit == NULL) {
		*why = xasprintf("the audit log cannot be written (%s): "
		    "nothing is changed without a record", h->audit_error ?
		    h->audit_error : "none is open");
		return 1;
	}
	if (h->unattended && heal_paused(h->site->conf, &text)) {
		*why = xasprintf("maintenance: unattended changes are paused "
		    "(%s: %s)", heal_flag_path(h->site->conf), text);
		free(text);
		return 1;
	}
	if (h->unattended && ctx->pb != NULL && !counted(h, ctx->pb->name) &&
	    count_attempt(h, ctx->pb->name, why))
		return 1;
	if (write_change(h, ctx, c, "applying", NULL, &cause) != 0) {
		*why = xasprintf("the audit log cannot be written: %s; nothing "
		    "is changed without a record", cause);
		free(cause);
		return 1;
	}
	return 0;
}

void
heal_on_change(struct exec_ctx *ctx, const struct change *c,
    const char *event, void *arg)
{
	struct heal *h = arg;
	char *cause = NULL;
	long seq = 0;

	if (h->audit == NULL || strcmp(event, "planned") == 0)
		return;
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

int
heal_audit_event(struct audit *a, const char *run_id, const char *event,
    const char *playbook, const char *message, char **cause)
{
	json_t *rec = json_object();
	int r;

	json_object_set_new(rec, "run_id", heal_jstr(run_id));
	json_object_set_new(rec, "event", heal_jstr(event));
	set_str(rec, "playbook", playbook);
	set_str(rec, "message", message);
	r = audit_append(a, rec, NULL, cause);
	json_decref(rec);
	return r;
}

/* --- maintenance ----------------------------------------------------- */

const char *
heal_flag_path(struct conf *conf)
{
	return conf_str(conf, "unattended.maintenance_file");
}

int
heal_paused(struct conf *conf, char **text)
{
	const char *path = heal_flag_path(conf);
	struct buf b = BUF_INIT;
	int r;

	if (path == NULL || *path == '\0' || access(path, F_OK) != 0)
		return 0;
	r = read_file_local(path, &b, 4096, NULL);
	if (text != NULL) {
		*text = r == 0 && b.len > 0 ? redact(str_trim(b.data)) :
		    xstrdup("the flag file exists");
		if (**text == '\0') {
			free(*text);
			*text = xstrdup("the flag file exists");
		}
	}
	buf_free(&b);
	return 1;
}

int
heal_pause(struct site *site, struct audit *a, const char *reason,
    char **cause)
{
	struct transport *local = transport_local_new();
	const char *path = heal_flag_path(site->conf);
	char ts[32], *text, *dir = NULL, *by, pwbuf[1024];
	struct passwd pw, *pwp = NULL;
	int r;

	if (path == NULL || *path == '\0') {
		transport_free(local);
		return set_cause(cause, JF_ERR_USAGE, "no maintenance flag file "
		    "is set (unattended.maintenance_file in jobfix.conf)");
	}
	/* the default flag lives in the state directory: make it */
	if (site_state_subdir(site, NULL, &dir, NULL) == 0)
		free(dir);
	iso_time(ts);
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) != 0 ||
	    pwp == NULL)
		snprintf(pwbuf, sizeof pwbuf, "uid %ld", (long)getuid());
	by = getenv("SUDO_USER") != NULL ? xasprintf("%s (sudo from %s)",
	    pwp ? pw.pw_name : pwbuf, getenv("SUDO_USER")) : xstrdup(pwp ?
	    pw.pw_name : pwbuf);
	text = xasprintf("paused at %s by %s: %s\n", ts, by, reason && *reason ?
	    reason : "no reason given");
	free(by);
	r = tp_write(local, path, text, strlen(text), 0644, cause);
	transport_free(local);
	if (r == 0 && a != NULL) {
		char id[40];
		heal_run_id(id);
		r = heal_audit_event(a, id, "pause", NULL, str_trim(text),
		    cause);
	}
	free(text);
	return r;
}

int
heal_resume(struct site *site, struct audit *a, int *was_paused,
    char **cause)
{
	const char *path = heal_flag_path(site->conf);
	char id[40];

	*was_paused = 0;
	if (path == NULL || *path == '\0')
		return 0;
	if (unlink(path) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, JF_ERR_IO, "maintenance flag \"%s\": %s",
		    path, strerror(errno));
	}
	*was_paused = 1;
	if (a == NULL)
		return 0;
	heal_run_id(id);
	return heal_audit_event(a, id, "resume", NULL, "unattended changes "
	    "resumed", cause);
}

int
heal_reset(struct site *site, struct audit *a, const char *playbook,
    int *found, char **cause)
{
	json_t *counters = NULL;
	char id[40], *msg;
	int r;

	*found = 0;
	if ((r = heal_counters_load(site, &counters, cause)) != 0)
		return r;
	if (playbook == NULL) {
		*found = json_object_size(counters) > 0;
		json_object_clear(counters);
	} else if (json_object_get(counters, playbook) != NULL) {
		*found = 1;
		json_object_del(counters, playbook);
	}
	r = heal_state_write(site, "ratelimit.json", counters, cause);
	json_decref(counters);
	if (r == 0 && a != NULL) {
		heal_run_id(id);
		msg = xasprintf("rate-limit counters and hold of %s forgotten",
		    playbook ? playbook : "every playbook");
		r = heal_audit_event(a, id, "reset", playbook, msg, cause);
		free(msg);
	}
	return r;
}

/* --- the last run ---------------------------------------------------- */

int
heal_last_run_save(struct site *site, const struct report *rep,
    int unattended, char **cause)
{
	json_t *o = json_object(), *states = json_object();
	char ts[32];
	size_t i;
	int r;

	iso_time(ts);
	json_object_set_new(o, "run_id", json_string(rep->run_id));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "command", json_string(rep->command));
	json_object_set_new(o, "unattended", json_boolean(unattended));
	json_object_set_new(o, "exit_code", json_integer(rep->exit_code));
	for (i = 0; i < rep->nfindings; i++)
		json_object_set_new(states, rep->findings[i].fault->id,
		    json_string(finding_state_name(rep->findings[i].state)));
	json_object_set_new(o, "findings", states);
	r = heal_state_write(site, "last-run.json", o, cause);
	json_decref(o);
	return r;
}

json_t *
heal_last_run_load(struct site *site)
{
	json_t *o = NULL;
	char *cause = NULL;

	if (heal_state_read(site, "last-run.json", &o, &cause) != 0) {
		free(cause);
		return NULL;
	}
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
