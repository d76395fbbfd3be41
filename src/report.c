/*
 * report.c - renders a run.  Text is written for a person at 3 a.m.: the
 * findings with their evidence, then the plan step by step with unified
 * diffs and exact argv, then what only a person can do.  Secrets never get
 * here unmasked: summaries and displays were masked when they were made,
 * diffs mask secret assignments, and everything passes through redact().
 */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "i18n.h"
#include "report.h"

const char *
finding_state_name(enum finding_state s)
{
	static const char *const names[] = {
		N_("open"), N_("planned"), N_("fixed"), N_("remains"),
		N_("failed"), N_("advice"), N_("held"), N_("blocked"),
		N_("could not check"), N_("applied until restart"),
	};

	return (unsigned)s < nitems(names) ? names[s] : "?";
}

struct report *
report_new(const char *command, const char *host, const char *root,
    int dry_run)
{
	struct report *r = xcalloc(1, sizeof *r);
	unsigned char rnd[6];
	FILE *f;
	char ts[32];

	r->command = command;
	r->host = xstrdup(host ? host : "localhost");
	r->root = xstrdup(root ? root : "");
	r->dry_run = dry_run;
	r->start_ms = now_ms();
	/* run id: time and randomness, sortable, never a secret */
	memset(rnd, 0, sizeof rnd);
	if ((f = fopen("/dev/urandom", "rb")) != NULL) {
		if (fread(rnd, 1, sizeof rnd, f) != sizeof rnd)
			memset(rnd, 0, sizeof rnd);
		fclose(f);
	}
	iso_time(ts);
	snprintf(r->run_id, sizeof r->run_id, "%.4s%.2s%.2sT%.2s%.2s%.2s-%02x%02x%02x%02x%02x%02x",
	    ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17, rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5]);
	return r;
}

static void
finding_clear(struct finding *f)
{
	free(f->evidence);
	free(f->evidence_text);
	free(f->advice);
	free(f->advice_text);
	free(f->note);
}

void
report_clear_findings(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		finding_clear(&r->findings[i]);
	free(r->findings);
	r->findings = NULL;
	r->nfindings = 0;
}

void
report_free(struct report *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	report_clear_findings(r);
	for (i = 0; i < r->nruns; i++) {
		for (j = 0; j < r->runs[i].nrecords; j++) {
			free(r->runs[i].records[j].message);
			change_list_free(&r->runs[i].records[j].changes);
		}
		free(r->runs[i].records);
	}
	free(r->runs);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->host);
	free(r->root);
	free(r);
}

void
report_note(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t i;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	for (i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], s) == 0) {
			free(s);
			return;
		}
	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof *r->notes);
	r->notes[r->nnotes++] = redact(s);
	free(s);
}

struct finding *
report_add_finding(struct report *r, const struct fault *fault)
{
	struct finding *f;

	r->findings = xreallocarray(r->findings, r->nfindings + 1,
	    sizeof *r->findings);
	f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof *f);
	f->fault = fault;
	f->code = fault->code;
	return f;
}

void
report_add_run(struct report *r, struct exec_ctx *ctx,
    const struct playbook *pb, size_t finding, enum outcome o)
{
	struct pb_run *run;

	r->runs = xreallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
	run = &r->runs[r->nruns++];
	run->pb = pb;
	run->finding = finding;
	run->outcome = o;
	run->records = ctx->records;
	run->nrecords = ctx->nrecords;
	ctx->records = NULL;
	ctx->nrecords = 0;
}

/* --- text ---------------------------------------------------------------- */

#define C(st, code) ((st)->colour ? (code) : "")
#define BOLD "\033[1m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/*
 * Text from the host (fact values and evidence, step messages, file lines,
 * diffs, notes) passes through terminal_safe() (util.h) in the text report,
 * always, whether or not it goes to a terminal: another user's command
 * line or file cannot clear the screen, move the cursor, rewrite a line
 * or reorder it (bidi controls).  Our own colours are added around it,
 * never through it.
 */

/* terminal_safe() of a string printed on one line, kept until a few more
 * calls have been made (the report is printed by one thread) */
static const char *
tsafe(const char *s)
{
	static char *ring[8];
	static size_t next;
	char *t;

	if (s == NULL)
		return NULL;
	t = terminal_safe(s, 0);
	free(ring[next]);
	ring[next] = t;
	next = (next + 1) % nitems(ring);
	return t;
}

static void
put_indented(FILE *fp, const char *text, const char *indent)
{
	char *red = redact(text), *safe = terminal_safe(red, 0), *line, *p = safe;

	while ((line = strsep(&p, "\n")) != NULL) {
		if (*line == '\0' && p == NULL)
			break;
		fprintf(fp, "%s%s\n", indent, line);
	}
	free(safe);
	free(red);
}

static void
put_diff(FILE *fp, const struct change *c, const struct report_style *st)
{
	struct buf d = BUF_INIT;
	char *after_label = xasprintf("%s (%s)", c->path,
	    c->outcome == OUT_UNDONE ? _("undone") : _("new"));
	char *line, *p, *safe, *red;

	diff_unified(c->before.data ? c->before.data : "", c->before.len,
	    c->after.data ? c->after.data : "", c->after.len, c->path,
	    after_label, 3, &d);
	free(after_label);
	red = redact(d.data ? d.data : "");
	safe = terminal_safe(red, 0);
	free(red);
	p = safe;
	while ((line = strsep(&p, "\n")) != NULL) {
		if (*line == '\0' && p == NULL)
			break;
		fprintf(fp, "          %s%s%s\n", *line == '+' ?
		    C(st, GREEN) : (*line == '-' ? C(st, RED) : ""), line,
		    (*line == '+' || *line == '-') ? C(st, RESET) : "");
	}
	free(safe);
	buf_free(&d);
}

static void
put_finding(FILE *fp, const struct finding *f, const struct report_style *st)
{
	fprintf(fp, "  %s[%s]%s %s", C(st, BOLD), f->fault->id, C(st, RESET),
	    _(f->fault->title));
	fprintf(fp, _("%s  (FAQ §%d"), C(st, DIM), f->fault->section);
	if (f->code)
		fprintf(fp, _(", code %ld"), f->code);
	fprintf(fp, ")%s\n", C(st, RESET));
	if (f->evidence && *f->evidence) {
		fprintf(fp, "      %s\n", _("evidence:"));
		put_indented(fp, f->evidence_text ? f->evidence_text :
		    f->evidence, "        ");
	}
	if (f->pb != NULL)
		fprintf(fp, _("      fix: playbook %s (%s)\n"), f->pb->name,
		    _(finding_state_name(f->state)));
	else
		fprintf(fp, "      %s\n", _("no playbook: advice below"));
	if (f->note) {
		char *indent = xasprintf("      %s ", _("note:"));
		put_indented(fp, _(f->note), indent);
		free(indent);
	}
}

static const char *
outcome_colour(enum outcome o, const struct report_style *st)
{
	switch (o) {
	case OUT_OK: return C(st, DIM);
	case OUT_CHANGED: return C(st, GREEN);
	case OUT_SKIPPED:
	case OUT_PARTIAL: return C(st, YELLOW);
	default: return C(st, RED);
	}
}

/* A run's result in words: "undone" only where something was undone. */
static const char *
run_result(const struct pb_run *run)
{
	size_t j, k;

	if (run->outcome == OUT_PARTIAL)
		return _("partly done: a group of steps failed and was undone; "
		    "the groups before it stand");
	if (run->outcome != OUT_UNDONE)
		return _(outcome_name(run->outcome));
	for (j = 0; j < run->nrecords; j++)
		for (k = 0; k < run->records[j].changes.n; k++)
			if (run->records[j].changes.v[k]->outcome ==
			    OUT_UNDONE)
				return _("failed; its changes were undone");
	return _("failed; nothing had been changed");
}

static void
put_run(FILE *fp, const struct report *r, size_t i,
    const struct report_style *st)
{
	const struct pb_run *run = &r->runs[i];
	struct buf idle = BUF_INIT;
	size_t j, k, nidle = 0;

	fprintf(fp, "  %zu. %s%s%s: %s\n", i + 1, C(st, BOLD), run->pb->name,
	    C(st, RESET), _(run->pb->summary));
	if (run->finding != (size_t)-1 && run->finding < r->nfindings)
		fprintf(fp, _("     fixes %s; result: %s%s%s\n"),
		    r->findings[run->finding].fault->id,
		    outcome_colour(run->outcome, st), r->dry_run &&
		    run->outcome == OUT_CHANGED ? _("would change") :
		    run_result(run), C(st, RESET));
	else if (run->outcome == OUT_FAILED || run->outcome == OUT_UNDONE ||
	    run->outcome == OUT_PARTIAL)
		fprintf(fp, _("     result: %s%s%s\n"), outcome_colour(
		    run->outcome, st), run_result(run), C(st, RESET));
	for (j = 0; j < run->nrecords; j++) {
		const struct step_record *rec = &run->records[j];

		/* steps with nothing to do are summed up in one line */
		if (rec->changes.n == 0 && rec->outcome == OUT_OK &&
		    !st->verbose && (rec->message == NULL ||
		    strcmp(rec->message, "nothing to do") == 0)) {
			buf_printf(&idle, "%s%d", nidle++ ? ", " : "",
			    rec->index);
			continue;
		}
		if (rec->changes.n == 0) {
			fprintf(fp, _("     step %d %s: %s%s%s\n"), rec->index,
			    rec->type, outcome_colour(rec->outcome, st),
			    rec->message ? tsafe(_(rec->message)) :
			    _(outcome_name(rec->outcome)), C(st, RESET));
			continue;
		}
		for (k = 0; k < rec->changes.n; k++) {
			const struct change *c = rec->changes.v[k];
			const char *m = c->message ? _(c->message) :
			    _(outcome_name(c->outcome));
			int multi = strchr(m, '\n') != NULL;
			fprintf(fp, _("     step %d %s: %s  %s[%s]%s\n"),
			    rec->index, rec->type, tsafe(_(c->summary)),
			    outcome_colour(c->outcome, st), multi ?
			    _(outcome_name(c->outcome)) : tsafe(m),
			    C(st, RESET));
			if (multi)
				put_indented(fp, m, "          | ");
			if (c->kind == CHANGE_FILE && (st->verbose ||
			    r->dry_run || c->outcome != OUT_OK))
				put_diff(fp, c, st);
			if (c->kind != CHANGE_FILE && c->display &&
			    c->kind == CHANGE_ACTION)
				fprintf(fp, "          $ %s\n",
				    tsafe(c->display));
			if (c->note) {
				char *ind = xasprintf("          %s ",
				    _("note:"));
				put_indented(fp, _(c->note), ind);
				free(ind);
			}
		}
	}
	if (nidle > 0)
		fprintf(fp, ngettext("     %sstep %s: nothing to do%s\n",
		    "     %ssteps %s: nothing to do%s\n", nidle), C(st, DIM),
		    idle.data, C(st, RESET));
	buf_free(&idle);
}

void
report_text(const struct report *r, FILE *fp, const struct report_style *st)
{
	size_t i, nadvice = 0, nfix = 0;

	if (st->quiet && r->exit_code == 0)
		return;
	fprintf(fp, _("%sjobfix %s%s on %s%s%s%s\n"), C(st, BOLD), r->command,
	    r->dry_run ? " --dry-run" : "", tsafe(r->host), *r->root ?
	    " (" : "", tsafe(r->root), *r->root ? ")" : "");
	fprintf(fp, "%s", C(st, RESET));
	if (r->show_facts && r->facts != NULL) {
		fprintf(fp, _("\nFacts (%zu)\n"), r->facts->n);
		for (i = 0; i < r->facts->n; i++) {
			const struct fact *f = &r->facts->v[i];
			char *line = xasprintf("  %s = %s%s%s", f->name,
			    (f->flags & FACT_SECRET) ? SECRET_MASK : f->value,
			    *f->evidence ? "    # " : "",
			    fact_evidence_text(f));
			put_indented(fp, line, "");
			free(line);
		}
	}
	fprintf(fp, "\n");
	if (r->nfindings == 0)
		fprintf(fp, "%s%s%s\n", C(st, GREEN), _("No faults found."),
		    C(st, RESET));
	else {
		fprintf(fp, _("Findings (%zu)\n"), r->nfindings);
		for (i = 0; i < r->nfindings; i++)
			put_finding(fp, &r->findings[i], st);
	}
	if (r->nruns > 0) {
		fprintf(fp, "\n%s\n", r->dry_run ? _("Plan (nothing has been "
		    "changed)") : _("What was done"));
		for (i = 0; i < r->nruns; i++)
			put_run(fp, r, i, st);
	}
	for (i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		if (f->pb != NULL)
			nfix++;
		if (f->advice == NULL || (f->pb != NULL &&
		    (f->state == FINDING_FIXED || f->state == FINDING_PLANNED)))
			continue;
		if (nadvice++ == 0)
			fprintf(fp, "\n%s\n", _("What a person should do"));
		fprintf(fp, "  [%s] ", f->fault->id);
		put_indented(fp, f->advice_text ? f->advice_text : f->advice,
		    "");
	}
	if (r->nnotes > 0) {
		fprintf(fp, "\n%s\n", _("Notes"));
		for (i = 0; i < r->nnotes; i++)
			put_indented(fp, _(r->notes[i]), "  - ");
	}
	fprintf(fp, "\n");
	(void)nfix;
}

/* --- JSON ---------------------------------------------------------------- */

/* A string for the JSON report: masked; bytes that are not UTF-8 (which
 * JSON cannot hold) shown escaped as terminal_safe() shows them, \x9b. */
static json_t *
jstr(const char *s)
{
	char *safe = redact(s ? s : ""), *esc;
	json_t *j = json_string(safe);

	if (j == NULL) {
		esc = terminal_safe(safe, 0);
		j = json_string(esc);
		free(esc);
	}
	free(safe);
	return j ? j : json_string("(invalid UTF-8)");
}

static json_t *
change_json(const struct change *c, int with_diff)
{
	static const char *const kinds[] = { "file", "action", "check" };
	json_t *o = json_object();
	struct buf d = BUF_INIT;

	json_object_set_new(o, "kind", json_string(kinds[c->kind]));
	json_object_set_new(o, "summary", jstr(c->summary));
	json_object_set_new(o, "outcome", json_string(outcome_name(c->outcome)));
	if (c->message)
		json_object_set_new(o, "message", jstr(c->message));
	if (c->kind == CHANGE_FILE) {
		json_object_set_new(o, "path", jstr(c->path));
		if (with_diff) {
			diff_unified(c->before.data ? c->before.data : "",
			    c->before.len, c->after.data ? c->after.data : "",
			    c->after.len, c->path, c->path, 3, &d);
			json_object_set_new(o, "diff", jstr(d.data ? d.data : ""));
			buf_free(&d);
		}
		if (c->backup)
			json_object_set_new(o, "backup", jstr(c->backup));
	} else if (c->display)
		json_object_set_new(o, c->kind == CHANGE_ACTION ? "argv" :
		    "check", jstr(c->display));
	if (c->note)
		json_object_set_new(o, "note", jstr(c->note));
	return o;
}

int
report_json(const struct report *r, FILE *fp)
{
	json_t *root = json_object(), *arr, *o, *steps, *changes, *s;
	char *text, *safe;
	size_t i, j, k;
	int rc;

	json_object_set_new(root, "jobfix", json_string(PACKAGE_VERSION));
	json_object_set_new(root, "command", json_string(r->command));
	json_object_set_new(root, "run_id", json_string(r->run_id));
	json_object_set_new(root, "host", jstr(r->host));
	json_object_set_new(root, "root", jstr(r->root));
	json_object_set_new(root, "dry_run", json_boolean(r->dry_run));
	json_object_set_new(root, "exit_code", json_integer(r->exit_code));
	arr = json_array();
	for (i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		o = json_object();
		json_object_set_new(o, "fault", json_string(f->fault->id));
		json_object_set_new(o, "title", json_string(f->fault->title));
		json_object_set_new(o, "faq_section",
		    json_integer(f->fault->section));
		json_object_set_new(o, "code", f->code ?
		    json_integer(f->code) : json_null());
		json_object_set_new(o, "severity", json_string(
		    f->fault->warning ? "warning" : "error"));
		json_object_set_new(o, "evidence", jstr(f->evidence));
		json_object_set_new(o, "playbook", f->pb ?
		    json_string(f->pb->name) : json_null());
		json_object_set_new(o, "state",
		    json_string(finding_state_name(f->state)));
		if (f->advice)
			json_object_set_new(o, "advice", jstr(f->advice));
		if (f->note)
			json_object_set_new(o, "note", jstr(f->note));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "findings", arr);
	arr = json_array();
	for (i = 0; i < r->nruns; i++) {
		const struct pb_run *run = &r->runs[i];
		o = json_object();
		json_object_set_new(o, "playbook", json_string(run->pb->name));
		json_object_set_new(o, "fixes", run->finding < r->nfindings ?
		    json_string(r->findings[run->finding].fault->id) :
		    json_null());
		json_object_set_new(o, "outcome",
		    json_string(outcome_name(run->outcome)));
		steps = json_array();
		for (j = 0; j < run->nrecords; j++) {
			const struct step_record *rec = &run->records[j];
			s = json_object();
			json_object_set_new(s, "step", json_integer(rec->index));
			json_object_set_new(s, "type", json_string(rec->type));
			json_object_set_new(s, "outcome",
			    json_string(outcome_name(rec->outcome)));
			if (rec->message)
				json_object_set_new(s, "message",
				    jstr(rec->message));
			changes = json_array();
			for (k = 0; k < rec->changes.n; k++)
				json_array_append_new(changes, change_json(
				    rec->changes.v[k], 1));
			json_object_set_new(s, "changes", changes);
			json_array_append_new(steps, s);
		}
		json_object_set_new(o, "steps", steps);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, r->dry_run ? "plan" : "runs", arr);
	arr = json_array();
	for (i = 0; i < r->nnotes; i++)
		json_array_append_new(arr, jstr(r->notes[i]));
	json_object_set_new(root, "notes", arr);
	if (r->show_facts && r->facts != NULL) {
		o = json_object();
		for (i = 0; i < r->facts->n; i++) {
			const struct fact *f = &r->facts->v[i];
			s = json_object();
			json_object_set_new(s, "value", (f->flags & FACT_SECRET) ?
			    json_string(SECRET_MASK) : jstr(f->value));
			json_object_set_new(s, "evidence", jstr(f->evidence));
			json_object_set_new(o, f->name, s);
		}
		json_object_set_new(root, "facts", o);
	}
	/* C1 and bidi controls as \u escapes: the same document, which a
	 * person may read on a terminal too */
	if ((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		safe = terminal_safe(text, TSAFE_JSON);
		rc = fputs(safe, fp) == EOF ? -1 : 0;
		free(safe);
		free(text);
	} else
		rc = -1;
	fputc('\n', fp);
	json_decref(root);
	return rc == 0 ? 0 : -JF_ERR_IO;
}
