/*
 * heal.c - unattended self-healing (see heal.h and jobfix(8), UNATTENDED RUNS):
 * policies, limits, the maintenance flag and the state `jobfix status`
 * shows.  The gate that applies them to each change is gate.c.
 *
 * State lives in the state directory, written atomically through the local
 * transport (temp file, fsync, rename, fsync the directory), and is read
 * again before each decision: a run never trusts what it read at its start
 * when it is about to change something.
 *
 * The audit records of changes are written by the gate (gate.c).
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
#include "props.h"
#include "report.h"
#include "transport-local.h"
#include "transport.h"

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

void
heal_set_str(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, heal_jstr(value));
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
heal_state_write(struct site *site, const char *name, json_t *o, char **cause)
{
	char *dir = NULL, *path, *text;
	int r;

	if ((r = site_state_subdir(site, NULL, &dir, cause)) != 0)
		return r;
	path = path_join(dir, name);
	text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (text == NULL)
		r = set_cause(cause, JF_ERR_IO, "\"%s\": cannot encode", path);
	else {
		r = tlocal_write_nofollow(path, text, strlen(text), 0600, cause);
		free(text);
	}
	free(path);
	free(dir);
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
	r = read_file_local_nofollow(path, &b, 4 << 20, cause);
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
size_t
heal_prune(json_t *entry, long window, time_t now, time_t *oldest)
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

json_t *
heal_entry_of(json_t *counters, const char *name)
{
	json_t *e = json_object_get(counters, name);

	if (!json_is_object(e)) {
		e = json_object();
		json_object_set_new(counters, name, e);
	}
	return e;
}

char *
heal_when_text(time_t t)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

int
heal_audit_event(struct audit *a, const char *run_id, const char *event,
    const char *playbook, const char *message, char **cause)
{
	json_t *rec = json_object();
	int r;

	json_object_set_new(rec, "run_id", heal_jstr(run_id));
	json_object_set_new(rec, "event", heal_jstr(event));
	heal_set_str(rec, "playbook", playbook);
	heal_set_str(rec, "message", message);
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
	r = read_file_local_nofollow(path, &b, 4096, NULL);
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

/*
 * The secrets of the site's job.conf, registered so that redact() masks
 * them: the pause reason is written to a flag file anyone may read, and a
 * person may paste a password into it.
 */
static void
register_site_secrets(struct site *site)
{
	const char *path = site_path(site, "site.job_conf");
	struct buf b = BUF_INIT;
	struct props *p;
	size_t i, n;

	b.secret = 1;
	if (path == NULL || tp_read(site->tp, path, &b, 0, NULL) != 0 ||
	    (p = props_parse(b.data ? b.data : "", b.len, path, NULL)) ==
	    NULL) {
		buf_free(&b);
		return;
	}
	n = props_count(p);
	for (i = 0; i < n; i++)
		if (is_secret_key(props_key_at(p, i)))
			secret_register(props_get(p, props_key_at(p, i)));
		else
			url_passwords(props_get(p, props_key_at(p, i)), 1);
	props_free(p);
	buf_free(&b);
}

int
heal_pause(struct site *site, struct audit *a, const char *reason,
    char **cause)
{
	const char *path = heal_flag_path(site->conf);
	char ts[32], *text, *dir = NULL, *by, pwbuf[1024], *safe;
	struct passwd pw, *pwp = NULL;
	int r;

	if (path == NULL || *path == '\0')
		return set_cause(cause, JF_ERR_USAGE, "no maintenance flag file "
		    "is set (unattended.maintenance_file in jobfix.conf)");
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
	register_site_secrets(site);
	safe = redact(reason && *reason ? reason : "no reason given");
	text = xasprintf("paused at %s by %s: %s\n", ts, by, safe);
	free(safe);
	free(by);
	r = tlocal_write_nofollow(path, text, strlen(text), 0644, cause);
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
