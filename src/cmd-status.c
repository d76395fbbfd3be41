/*
 * cmd-status.c - status: what unattended runs will do next and why.  The
 * maintenance flag, the run lock, the last run, the audit log's chain, and
 * for each playbook its mode, its rate limit and the attempts counted, with
 * any hold and when it ends.  Nothing a self-healing loop decides on is
 * kept where this command does not show it.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"

#define SEMANTICS N_("an attempt is an unattended run of a playbook that " \
	"reached its first change (counted before it); attempts older than " \
	"the window are forgotten; with max_runs attempts in the window the " \
	"playbook is held until the oldest leaves it, or jobfix reset")

static char *
when(time_t t)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

/* 0: free, else the pid written in the lock file (or -1 unknown). */
static long
lock_holder(const char *state_dir)
{
	char *path = path_join(state_dir, "lock"), buf[32];
	long pid = 0;
	struct stat st;
	ssize_t n;
	int fd;

	/* without blocking: a FIFO there must not hang status */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) ==
	    -1) {
		free(path);
		return 0;
	}
	free(path);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1; /* not a lock jobfix made: held by whom, unknown */
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return 0;
	}
	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	if (str_to_long(str_trim(buf), &pid) != 0 || pid <= 0)
		pid = -1;
	return pid;
}

static json_t *
playbook_status(struct cmd_ctx *c, const struct playbook *pb,
    json_t *counters, time_t now)
{
	json_t *o = json_object(), *e = json_object_get(counters, pb->name);
	json_t *att = json_object_get(e, "attempts"), *v, *in = json_array();
	long max, window;
	json_int_t oldest = 0, last = 0;
	size_t i, n = 0;

	heal_limits(c->conf, pb->name, &max, &window);
	json_array_foreach(att, i, v) {
		if (!json_is_integer(v))
			continue;
		if (json_integer_value(v) > last)
			last = json_integer_value(v);
		if (json_integer_value(v) <= (json_int_t)now - window)
			continue;
		if (n++ == 0 || json_integer_value(v) < oldest)
			oldest = json_integer_value(v);
		json_array_append(in, v);
	}
	json_object_set_new(o, "playbook", json_string(pb->name));
	json_object_set_new(o, "mode", json_string(heal_mode(c->conf, pb)));
	json_object_set_new(o, "max_runs", json_integer(max));
	json_object_set_new(o, "window_seconds", json_integer(window));
	json_object_set_new(o, "attempts_in_window", json_integer((json_int_t)n));
	json_object_set_new(o, "attempts", in);
	json_object_set_new(o, "last_attempt", json_integer(last));
	if ((long)n >= max) {
		json_object_set_new(o, "held", json_true());
		json_object_set_new(o, "held_until", json_integer(n ?
		    oldest + window : (json_int_t)now + window));
	} else
		json_object_set_new(o, "held", json_false());
	return o;
}

/* The audit_chain of the JSON, as a person reads it */
static const char *
chain_word(const char *chain)
{
	if (chain == NULL)
		return "?";
	if (strcmp(chain, "whole") == 0)
		return _("whole");
	if (strcmp(chain, "broken") == 0)
		return _("broken");
	if (strcmp(chain, "unchecked_tail") == 0)
		return _("tail unchecked");
	if (strcmp(chain, "unreadable") == 0)
		return _("unreadable");
	return chain;
}

static int
status_exec(struct cmd_ctx *c, int argc, char **argv)
{
	json_t *doc = json_object(), *pbs = json_array(), *counters = NULL;
	json_t *last, *o;
	struct audit_check chk;
	const char *files[1];
	char *text = NULL, *cause = NULL, *head, *t;
	time_t now = time(NULL);
	long holder;
	size_t i;
	int paused;

	if (argc > 0) {
		error(_("status takes no arguments (\"%s\")"), argv[0]);
		json_decref(doc);
		json_decref(pbs);
		return EXIT_USAGE;
	}
	paused = heal_paused(c->conf, &text);
	json_object_set_new(doc, "host", heal_jstr(c->site->host));
	json_object_set_new(doc, "maintenance", json_boolean(paused));
	json_object_set_new(doc, "maintenance_file",
	    heal_jstr(heal_flag_path(c->conf)));
	if (paused)
		json_object_set_new(doc, "maintenance_text", heal_jstr(text));
	holder = lock_holder(c->site->state_dir);
	json_object_set_new(doc, "lock_held", json_boolean(holder != 0));
	if (holder > 0)
		json_object_set_new(doc, "lock_pid", json_integer(holder));
	/* a state file that cannot be read is said, not taken for none */
	if (heal_state_read(c->site, "last-run.json", &last, &cause) != 0) {
		json_object_set_new(doc, "last_run_problem", heal_jstr(cause));
		free(cause);
		cause = NULL;
		last = NULL;
	} else if (json_object_size(last) == 0) {
		json_decref(last);
		last = NULL;
	}
	json_object_set_new(doc, "last_run", last ? last : json_null());
	files[0] = conf_str(c->conf, "audit_log");
	head = audit_head_path(c->site->state_dir);
	json_object_set_new(doc, "audit_log", heal_jstr(files[0]));
	if (audit_verify(files, 1, head, files[0], &chk, &cause) == 0) {
		json_object_set_new(doc, "audit_records",
		    json_integer(chk.records));
		json_object_set_new(doc, "audit_chain", json_string(
		    chk.bad_record || chk.head_bad ? "broken" :
		    chk.head_missing ? "unchecked_tail" : "whole"));
		if (chk.why)
			json_object_set_new(doc, "audit_problem",
			    heal_jstr(chk.why));
	} else {
		json_object_set_new(doc, "audit_chain", json_string("unreadable"));
		json_object_set_new(doc, "audit_problem", heal_jstr(cause));
		free(cause);
		cause = NULL;
	}
	audit_check_free(&chk);
	free(head);
	if (heal_counters_load(c->site, &counters, &cause) != 0) {
		json_object_set_new(doc, "counters_problem", heal_jstr(cause));
		free(cause);
		counters = json_object();
	}
	for (i = 0; i < c->playbooks.n; i++)
		json_array_append_new(pbs, playbook_status(c, c->playbooks.v[i],
		    counters, now));
	json_decref(counters);
	json_object_set_new(doc, "playbooks", pbs);
	json_object_set_new(doc, "rate_limit_semantics", json_string(SEMANTICS));

	if (c->opts.json) {
		t = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", t ? t : "{}");
		free(t);
		goto out;
	}
	printf(_("jobfix status on %s\n\n"), c->site->host);
	if (paused)
		printf(_("  maintenance  ON: %s (%s)\n"), text,
		    heal_flag_path(c->conf));
	else
		printf(_("  maintenance  off (jobfix pause sets it)\n"));
	if (holder > 0)
		printf(_("  run lock     held by pid %ld\n"), holder);
	else
		printf(_("  run lock     %s\n"), holder ? _("held") : _("free"));
	if (last != NULL)
		printf(_("  last run     %s at %s: %s%s, exit %lld\n"),
		    json_string_value(json_object_get(last, "run_id")),
		    json_string_value(json_object_get(last, "time")),
		    json_string_value(json_object_get(last, "command")),
		    json_is_true(json_object_get(last, "unattended")) ?
		    _(" (unattended)") : "", (long long)json_integer_value(
		    json_object_get(last, "exit_code")));
	else if (json_object_get(doc, "last_run_problem") != NULL)
		printf(_("  last run     unreadable: %s\n"), json_string_value(
		    json_object_get(doc, "last_run_problem")));
	else
		printf(_("  last run     none recorded\n"));
	if (json_object_get(doc, "counters_problem") != NULL)
		printf(_("  rate limits  unreadable: %s\n"), json_string_value(
		    json_object_get(doc, "counters_problem")));
	printf(_("  audit log    %s: %lld records, chain %s%s%s\n"), files[0],
	    (long long)json_integer_value(json_object_get(doc,
	    "audit_records")), chain_word(json_string_value(json_object_get(
	    doc, "audit_chain"))), json_object_get(doc, "audit_problem") ?
	    ": " : "",
	    json_object_get(doc, "audit_problem") ? json_string_value(
	    json_object_get(doc, "audit_problem")) : "");
	printf(_("\nPlaybooks, unattended (%s)\n"), _(SEMANTICS));
	json_array_foreach(pbs, i, o) {
		printf(_("  %-28s %-7s %lld/%lld runs in %llds"),
		    json_string_value(json_object_get(o, "playbook")),
		    json_string_value(json_object_get(o, "mode")),
		    (long long)json_integer_value(json_object_get(o,
		    "attempts_in_window")), (long long)json_integer_value(
		    json_object_get(o, "max_runs")), (long long)
		    json_integer_value(json_object_get(o, "window_seconds")));
		if (json_is_true(json_object_get(o, "held"))) {
			t = when((time_t)json_integer_value(json_object_get(o,
			    "held_until")));
			printf(_("  HELD until %s"), t);
			free(t);
		}
		if (json_integer_value(json_object_get(o, "last_attempt"))) {
			t = when((time_t)json_integer_value(json_object_get(o,
			    "last_attempt")));
			printf(_("  last attempt %s"), t);
			free(t);
		}
		printf("\n");
	}
out:
	free(text);
	json_decref(doc);
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_status = {
	"status", "", N_("maintenance flag, lock, last run, rate-limit counters"),
	CMD_SITE | CMD_PLAYBOOKS, status_exec,
};
