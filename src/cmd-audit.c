/*
 * cmd-audit.c - audit show [--since TIME] [--json], audit verify [--no-head]
 * [FILE...], audit mark.
 *
 * verify checks the hash chain and the head (audit.h); given files (oldest
 * first: the rotated log, then the current one) it checks them as one
 * chain.  mark appends a record, so a freshly rotated, empty log carries
 * the chain on at once (logrotate's postrotate runs it).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "heal.h"
#include "log.h"

/* "30m", "2h", "7d", "90s", or an ISO 8601 date/time prefix; the result
 * compares as a string against record times.  NULL: not understood. */
static char *
since_time(const char *s)
{
	char *end, *out, *p;
	long n;
	time_t t;
	struct tm tm;
	char buf[32];
	const char *pat = "dddd-dd-ddTdd:dd:dd";
	size_t i, len = strlen(s);

	if (len > 0 && isdigit((unsigned char)s[0]) && strchr("smhd",
	    s[len - 1]) != NULL && len < 12) {
		n = strtol(s, &end, 10);
		if (end == s + len - 1 && n >= 0) {
			n *= s[len - 1] == 's' ? 1 : s[len - 1] == 'm' ? 60 :
			    s[len - 1] == 'h' ? 3600 : 86400;
			t = time(NULL) - n;
			gmtime_r(&t, &tm);
			strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
			return xstrdup(buf);
		}
	}
	if (len < 4 || len > strlen(pat) + 1)
		return NULL;
	out = xstrdup(s);
	if (out[len - 1] == 'Z')
		out[--len] = '\0';
	for (i = 0, p = out; i < len; i++, p++) {
		if (pat[i] == 'd' && !isdigit((unsigned char)*p))
			break;
		if (pat[i] == 'T' && *p == ' ')
			*p = 'T';
		if (pat[i] != 'd' && *p != pat[i])
			break;
	}
	if (i < len || (len != 4 && len != 7 && len != 10 && len != 13 &&
	    len != 16 && len != 19)) {
		free(out);
		return NULL;
	}
	return out;
}

static const char *
member(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/*
 * A member of a record, for the text listing: records quote host data (a
 * file's path, a command's argv, a server's error), so every member is
 * shown through terminal_safe(), always (not only on a terminal: the
 * listing is read on one sooner or later), on one line (a newline in a
 * message cannot forge a record).  Kept until the next show_text().
 */
static const char *
tmember(json_t *o, const char *key, char **keep, size_t *nkeep)
{
	char *s = terminal_safe(member(o, key), TSAFE_LINE);

	keep[(*nkeep)++] = s;
	return s;
}

static void
show_text(json_t *r)
{
	json_t *step = json_object_get(r, "step");
	char *keep[8];
	size_t nkeep = 0, i;

	printf("%s  #%-4lld %-9s %-12s", tmember(r, "time", keep, &nkeep),
	    (long long)json_integer_value(json_object_get(r, "seq")),
	    tmember(r, "run_id", keep, &nkeep), tmember(r, "event", keep,
	    &nkeep));
	if (*member(r, "playbook"))
		printf(" %s", tmember(r, "playbook", keep, &nkeep));
	if (json_is_integer(step))
		printf(_(" step %lld"), (long long)json_integer_value(step));
	if (*member(r, "summary"))
		printf(": %s", tmember(r, "summary", keep, &nkeep));
	if (*member(r, "file"))
		printf(" (%s)", tmember(r, "file", keep, &nkeep));
	if (*member(r, "argv"))
		printf(" $ %s", tmember(r, "argv", keep, &nkeep));
	if (*member(r, "result"))
		printf(" [%s]", tmember(r, "result", keep, &nkeep));
	if (*member(r, "message") && strcmp(member(r, "message"),
	    member(r, "result")) != 0)
		printf(" - %s", tmember(r, "message", keep, &nkeep));
	printf("\n");
	for (i = 0; i < nkeep; i++)
		free(keep[i]);
}

/* HOST of [USER@]HOST[:PORT], as records name it. */
static char *
host_of(const char *spec)
{
	const char *at = strrchr(spec, '@'), *h = at ? at + 1 : spec;
	const char *colon = strrchr(h, ':');

	if (*h == '[' && (colon = strchr(h, ']')) != NULL)
		return xstrndup(h + 1, (size_t)(colon - h - 1));
	if (colon != NULL && strchr(h, ':') == colon)
		return xstrndup(h, (size_t)(colon - h));
	return xstrdup(h);
}

static int
audit_show(struct cmd_ctx *c, int argc)
{
	const char *path = conf_str(c->conf, "audit_log");
	json_t *recs = NULL, *r, *out;
	char *since = NULL, *cause = NULL, *text, *host, *safe;
	size_t bad = 0, i;

	if (argc > 0) {
		error(_("usage: jobfix audit show [--since TIME] [--host HOST] "
		    "[--json]"));
		return EXIT_USAGE;
	}
	if (c->opts.since != NULL && (since = since_time(c->opts.since)) ==
	    NULL) {
		error(_("--since \"%s\": give a time as 2024-05-01, "
		    "2024-05-01T13:00, 2024-05-01T13:00:00Z, or an age as "
		    "90s, 30m, 2h, 7d"), c->opts.since);
		return EXIT_USAGE;
	}
	if (audit_read(path, &recs, &bad, &cause) != 0) {
		error("%s", cause);
		free(cause);
		free(since);
		return EXIT_USAGE;
	}
	out = json_array();
	host = c->opts.host != NULL ? host_of(c->opts.host) : NULL;
	json_array_foreach(recs, i, r) {
		if (host != NULL && strcmp(member(r, "host"), host) != 0)
			continue;
		if (since != NULL && strcmp(member(r, "time"), since) < 0)
			continue;
		json_array_append(out, r);
	}
	if (c->opts.json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "audit_log", heal_jstr(path));
		json_object_set_new(doc, "records", out);
		json_object_set_new(doc, "unreadable_lines",
		    json_integer((json_int_t)bad));
		text = json_dumps(doc, JSON_INDENT(2));
		/* jansson escapes C0; C1 and bidi controls as \u escapes
		 * too, the same document */
		safe = terminal_safe(text ? text : "{}", TSAFE_JSON);
		printf("%s\n", safe);
		free(safe);
		free(text);
		json_decref(doc);
	} else {
		json_array_foreach(out, i, r)
			show_text(r);
		if (bad > 0)
			printf(_("(%zu lines of %s are not records: jobfix audit "
			    "verify)\n"), bad, path);
		json_decref(out);
	}
	json_decref(recs);
	free(since);
	free(host);
	return EXIT_HEALTHY;
}

static int
audit_verify_cmd(struct cmd_ctx *c, int argc, char **argv)
{
	const char *path = conf_str(c->conf, "audit_log");
	const char *one[1];
	const char *const *files;
	struct audit_check chk;
	/* --no-head: a copy of a log, checked without its head file */
	char *head = c->opts.no_head ? NULL :
	    audit_head_path(conf_str(c->conf, "state_dir")), *cause = NULL;
	char *logname, *badfile, *s;
	size_t n;
	int r;

	if (argc > 0) {
		files = (const char *const *)argv;
		n = (size_t)argc;
	} else {
		one[0] = path;
		files = one;
		n = 1;
	}
	if (audit_verify(files, n, head, path, &chk, &cause) != 0) {
		error("%s", cause);
		free(cause);
		free(head);
		return EXIT_USAGE;
	}
	free(head);
	/* what it prints quotes paths and the log's own content: escaped */
	logname = terminal_safe(files[n - 1], TSAFE_LINE);
	badfile = chk.bad_file != NULL ? terminal_safe(chk.bad_file,
	    TSAFE_LINE) : NULL;
	if (chk.why != NULL) {
		s = terminal_safe(chk.why, 0);
		free(chk.why);
		chk.why = s;
	}
	if (chk.note != NULL) {
		s = terminal_safe(chk.note, 0);
		free(chk.note);
		chk.note = s;
	}
	if (chk.bad_record != 0) {
		printf(_("audit log %s: BROKEN at record %ld (%s line %ld): %s\n"),
		    logname, chk.bad_record, badfile, chk.bad_line,
		    chk.why);
		r = EXIT_FINDINGS;
	} else if (chk.head_bad) {
		printf(_("audit log %s: BROKEN at its end: %s\n"), logname,
		    chk.why);
		r = EXIT_FINDINGS;
	} else if (chk.head_missing) {
		/* the records read chain, but what was cut off the end would
		 * not show: not whole */
		printf(ngettext("audit log %s: %ld record chains, but its tail "
		    "can no longer be checked: %s (--no-head checks the chain "
		    "alone)\n", "audit log %s: %ld records chain, but their "
		    "tail can no longer be checked: %s (--no-head checks the "
		    "chain alone)\n", (unsigned long)chk.records), logname,
		    chk.records, chk.why);
		r = EXIT_FINDINGS;
	} else if (chk.tail_unchecked) {
		/* a rotated log alone: its head went on with the current one,
		 * so what was cut off its end would not show: not whole */
		printf(ngettext("audit log %s: %ld record, the chain holds, but "
		    "its tail cannot be checked alone (the head file is another "
		    "log's): give it with the logs after it, oldest first, or "
		    "--no-head to check the chain alone\n", "audit log %s: %ld "
		    "records, the chain holds, but their tail cannot be checked "
		    "alone (the head file is another log's): give it with the "
		    "logs after it, oldest first, or --no-head to check the "
		    "chain alone\n", (unsigned long)chk.records), logname,
		    chk.records);
		r = EXIT_FINDINGS;
	} else if (c->opts.no_head) {
		if (!c->opts.quiet)
			printf(ngettext("audit log %s: %ld record, the chain "
			    "holds; its tail was not checked (--no-head)\n",
			    "audit log %s: %ld records, the chain holds; its "
			    "tail was not checked (--no-head)\n",
			    (unsigned long)chk.records), logname,
			    chk.records);
		r = EXIT_HEALTHY;
	} else {
		if (!c->opts.quiet)
			printf(ngettext("audit log %s: %ld record, the chain is "
			    "whole\n", "audit log %s: %ld records, the chain is "
			    "whole\n", (unsigned long)chk.records),
			    logname, chk.records);
		r = EXIT_HEALTHY;
	}
	if (chk.note != NULL && !c->opts.quiet)
		printf(_("note: %s\n"), chk.note);
	audit_check_free(&chk);
	free(logname);
	free(badfile);
	return r;
}

static int
audit_mark(struct cmd_ctx *c, int argc)
{
	struct audit *a;
	char *cause = NULL, id[40];
	int r;

	if (argc > 0) {
		error(_("usage: jobfix audit mark"));
		return EXIT_USAGE;
	}
	if (c->opts.dry_run) {
		printf(_("would append a mark record to %s\n"), conf_str(c->conf,
		    "audit_log"));
		return EXIT_HEALTHY;
	}
	if ((a = audit_open(conf_str(c->conf, "audit_log"),
	    conf_str(c->conf, "state_dir"),
	    c->site->host, &cause)) == NULL) {
		error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	audit_set_syslog(a, conf_bool(c->conf, "audit.syslog"));
	heal_run_id(id);
	r = heal_audit_event(a, id, "mark", NULL, "marked by jobfix audit mark",
	    &cause);
	audit_close(a);
	if (r != 0) {
		error("%s", cause);
		free(cause);
		return EXIT_FIX_FAILED;
	}
	return EXIT_HEALTHY;
}

static int
audit_exec(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "show") == 0)
		return audit_show(c, argc - 1);
	if (argc >= 1 && strcmp(argv[0], "verify") == 0)
		return audit_verify_cmd(c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "mark") == 0)
		return audit_mark(c, argc - 1);
	error(_("usage: jobfix audit show [--since TIME] [--json] | "
	    "audit verify [--no-head] [FILE...] | audit mark"));
	return EXIT_USAGE;
}

const struct cmd_entry cmd_audit = {
	"audit", "show|verify|mark", N_("show (--host H: one host's records) or "
	"verify the audit log"),
	CMD_SITE | CMD_STATE | CMD_HOST_FILTER, audit_exec,
};
