/*
 * engine.c - the flow of one run (DESIGN.md): facts -> findings -> plan ->
 * (dry run: stop) -> apply -> verify -> undo on failure -> report.
 *
 * Order matters: findings are sorted upstream first (MySQL, then the
 * brokers, then Job, then GSE), and a finding whose upstream fault is also
 * present is reported as blocked instead of being "fixed": restarting Job
 * while RabbitMQ is down helps nobody.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "exitcode.h"
#include "gate.h"
#include "heal.h"
#include "i18n.h"
#include "log.h"
#include "mycnf.h"
#include "probe.h"
#include "rule.h"

static void check_option_file(struct site *, const struct facts *,
    struct report *);

int
engine_gather(struct site *site, struct facts *facts, char **cause)
{
	site_facts(site, facts);
	return probe_run_all(site, facts, NULL, cause);
}

/*
 * "${fact}" in advice: the value, masked when secret, "(not known)" when
 * the fact is absent.  "{{...}}" is a part said only when every fact it
 * names is known and not empty ("{{The keys ${jobconf.missing_keys} must
 * be set. }}"), so advice never shows a hole.
 */
static char *expand_advice(const char *text, const struct facts *facts);

static int
segment_known(const char *s, size_t len, const struct facts *facts)
{
	const char *p = s, *end, *stop = s + len;
	const struct fact *f;
	char *name;
	int ok = 1;

	while (ok && (p = strstr(p, "${")) != NULL && p < stop &&
	    (end = strchr(p + 2, '}')) != NULL && end < stop) {
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		f = facts_find(facts, name);
		ok = f != NULL && *f->value != '\0';
		free(name);
		p = end + 1;
	}
	return ok;
}

static char *
expand_advice(const char *text, const struct facts *facts)
{
	struct buf b = BUF_INIT;
	const struct fact *f;
	const char *p, *end;
	char *name;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '{' && p[1] == '{' &&
		    (end = strstr(p + 2, "}}")) != NULL) {
			if (segment_known(p + 2, (size_t)(end - p - 2), facts)) {
				char *part = xstrndup(p + 2,
				    (size_t)(end - p - 2));
				char *x = expand_advice(part, facts);
				buf_addstr(&b, x);
				free(x);
				free(part);
			}
			p = end + 1;
			continue;
		}
		if (p[0] == '$' && p[1] == '{' &&
		    (end = strchr(p + 2, '}')) != NULL) {
			name = xstrndup(p + 2, (size_t)(end - p - 2));
			f = facts_find(facts, name);
			buf_addstr(&b, f == NULL ? "(not known)" :
			    ((f->flags & FACT_SECRET) ?
			    SECRET_MASK : f->value));
			free(name);
			p = end;
			continue;
		}
		buf_addch(&b, *p);
	}
	return buf_detach(&b);
}

static char *
evidence_of(const struct buf *used, const struct facts *facts, int text)
{
	struct buf b = BUF_INIT;
	char *copy, *p, *name;
	const struct fact *f;

	if (used->len == 0)
		return xstrdup("");
	copy = xstrdup(used->data);
	for (p = copy; (name = strsep(&p, "\n")) != NULL;) {
		if (*name == '\0' || (f = facts_find(facts, name)) == NULL)
			continue;
		buf_printf(&b, "%s = %s%s%s\n", f->name, (f->flags & FACT_SECRET) ?
		    SECRET_MASK : f->value, *f->evidence ? "  # " : "",
		    text ? fact_evidence_text(f) : f->evidence);
	}
	free(copy);
	return buf_detach(&b);
}

/*
 * The facts that say "could not check": "<prefix>probe" (the runner: a
 * probe failed or had no answer) and "<prefix>unchecked" (a probe: what it
 * could not read or ask, and where).  A finding whose rule held on one of
 * them is reported as "could not check", and no playbook runs on it.
 * Returns the first such fact among those the rule looked at, or NULL.
 */
static const struct fact *
unchecked_fact(const struct buf *used, const struct facts *facts)
{
	const struct fact *f, *found = NULL;
	char *copy, *p, *name;

	if (used->len == 0)
		return NULL;
	copy = xstrdup(used->data);
	for (p = copy; found == NULL && (name = strsep(&p, "\n")) != NULL;) {
		if (!str_endswith(name, ".probe") &&
		    !str_endswith(name, ".unchecked"))
			continue;
		if ((f = facts_find(facts, name)) != NULL)
			found = f;
	}
	free(copy);
	return found;
}

/* The code of the FAQ row that fits: code2 when its rule holds. */
static long
finding_code(const struct fault *t, const struct facts *facts)
{
	struct rule *rule;
	char *cause = NULL;
	long code = t->code;

	if (t->code2 == 0 || t->code2_when == NULL)
		return code;
	if ((rule = rule_parse(t->code2_when, &cause)) == NULL)
		fatal("fault %s: rule \"%s\": %s", t->id, t->code2_when, cause);
	if (rule_eval(rule, facts, NULL))
		code = t->code2;
	rule_free(rule);
	return code;
}

static int
by_tier(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->fault->tier != y->fault->tier)
		return (int)x->fault->tier - (int)y->fault->tier;
	return x->fault < y->fault ? -1 : x->fault > y->fault;
}

static const struct finding *
find_finding(const struct report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].fault->id, id) == 0)
			return &r->findings[i];
	return NULL;
}

void
engine_findings(const struct facts *facts, const struct playbook_set *pbs,
    struct report *rep)
{
	const struct fault *t;
	struct finding *f;
	const struct fact *uf;
	struct rule *rule;
	struct buf used = BUF_INIT;
	char *cause = NULL, *copy, *p, *id;
	size_t n, i;

	t = fault_table(&n);
	for (i = 0; i < n; i++) {
		if ((rule = rule_parse(t[i].detect, &cause)) == NULL)
			fatal("fault %s: rule \"%s\": %s", t[i].id, t[i].detect,
			    cause);
		buf_reset(&used);
		if (rule_eval(rule, facts, &used)) {
			f = report_add_finding(rep, &t[i]);
			f->evidence = evidence_of(&used, facts, 0);
			f->evidence_text = evidence_of(&used, facts, 1);
			f->advice = expand_advice(t[i].advice, facts);
			f->advice_text = expand_advice(_(t[i].advice), facts);
			f->pb = pbs ? playbook_for_fault(pbs, t[i].id) : NULL;
			f->state = f->pb ? FINDING_OPEN : FINDING_ADVICE;
			f->code = finding_code(&t[i], facts);
			if ((uf = unchecked_fact(&used, facts)) != NULL) {
				f->state = FINDING_UNCHECKED;
				f->note = xasprintf(_("could not check: %s%s%s%s"),
				    uf->value, *uf->evidence ? " (" : "",
				    uf->evidence, *uf->evidence ? ")" : "");
			}
		}
		rule_free(rule);
	}
	buf_free(&used);
	if (rep->nfindings > 1)
		qsort(rep->findings, rep->nfindings, sizeof *rep->findings,
		    by_tier);
	/* a symptom of an open upstream fault is not fixed on its own */
	for (i = 0; i < rep->nfindings; i++) {
		f = &rep->findings[i];
		if (f->fault->upstream == NULL || f->state == FINDING_UNCHECKED)
			continue;
		copy = xstrdup(f->fault->upstream);
		for (p = copy; (id = strsep(&p, ",")) != NULL;) {
			if (find_finding(rep, id) != NULL) {
				f->state = FINDING_BLOCKED;
				free(f->note);
				f->note = xasprintf(_("caused by %s, found too: "
				    "that is repaired first, and this one "
				    "re-checked on the next run"), id);
				break;
			}
		}
		free(copy);
	}
}

static int
ran_already(const struct report *r, const struct playbook *pb)
{
	size_t i;

	for (i = 0; i < r->nruns; i++)
		if (r->runs[i].pb == pb)
			return 1;
	return 0;
}

/* A held finding says why: the message of the change that was refused. */
static void
held_note(const struct pb_run *run, struct finding *f)
{
	size_t i, j;

	for (i = run->nrecords; i-- > 0;)
		for (j = 0; j < run->records[i].changes.n; j++) {
			const struct change *c = run->records[i].changes.v[j];
			if (c->outcome == OUT_SKIPPED && c->message != NULL) {
				free(f->note);
				f->note = xstrdup(c->message);
				return;
			}
		}
}

/* Held by policy, or by the gate (maintenance, a lock, a rate limit):
 * *why (NULL: may run).  The gate asks again before every change. */
static int
held(const struct engine_opts *opts, struct exec_ctx *ctx,
    const struct playbook *pb, char **why)
{
	if (opts->unattended && strcmp(heal_mode(ctx->site->conf, pb),
	    "confirm") == 0) {
		*why = xasprintf(_("playbook %s has policy \"confirm\": it is "
		    "not run unattended"), pb->name);
		return 1;
	}
	return exec_may_run(ctx, pb, why) != 0;
}

/* A partly done run: what stands, and the step that failed. */
static char *
partial_note(const struct pb_run *run)
{
	struct buf kept = BUF_INIT;
	const char *why = NULL;
	char *note;
	size_t j, k;
	int failed = 0;

	for (j = 0; j < run->nrecords; j++) {
		const struct step_record *rec = &run->records[j];
		for (k = 0; k < rec->changes.n; k++) {
			const struct change *c = rec->changes.v[k];
			if (c->kept)
				buf_printf(&kept, "%s%s", kept.len ? "; " : "",
				    _(c->summary));
			else if (c->outcome == OUT_FAILED && failed == 0) {
				failed = rec->index;
				why = c->message;
			}
		}
		if (failed == 0 && rec->outcome == OUT_FAILED) {
			failed = rec->index;
			why = rec->message;
		}
	}
	note = xasprintf(_("partly fixed: this stands: %s; step %d failed, and "
	    "what its group changed was undone: %s"), kept.data ? kept.data :
	    "", failed, why ? _(why) : "?");
	buf_free(&kept);
	return note;
}

/* The state of the finding of run k, from the run's outcome. */
static void
run_state(const struct exec_ctx *ctx, struct report *rep, size_t k)
{
	const struct pb_run *run = &rep->runs[k];
	struct finding *f;
	enum outcome o = run->outcome;

	if (run->finding >= rep->nfindings)
		return;
	f = &rep->findings[run->finding];
	if (ctx->dry_run)
		f->state = o == OUT_FAILED ? FINDING_FAILED : FINDING_PLANNED;
	else if (o == OUT_FAILED || o == OUT_UNDONE)
		f->state = FINDING_FAILED;
	else if (o == OUT_PARTIAL) {
		/* probed again below: still there, or (rarely) gone */
		f->state = FINDING_REMAINS;
		free(f->note);
		f->note = partial_note(run);
	}
	else if (o == OUT_SKIPPED) {
		f->state = FINDING_HELD;
		held_note(run, f);
	} else
		f->state = FINDING_REMAINS; /* until probed again */
}

static void
run_one(struct exec_ctx *ctx, struct report *rep, const struct playbook *pb,
    size_t fi)
{
	struct finding *f = fi < rep->nfindings ? &rep->findings[fi] : NULL;
	enum outcome o;

	o = exec_playbook(ctx, pb, f);
	report_add_run(rep, ctx, pb, fi, o);
	exec_bind_run(ctx, rep->nruns - 1);
	run_state(ctx, rep, rep->nruns - 1);
}

/*
 * The restarts the playbooks stopped at: each service once, after the last
 * change of the run that needs it, then the rest of those playbooks; their
 * findings' states follow.
 */
static void
run_restarts(struct exec_ctx *ctx, struct report *rep)
{
	size_t *runs, n = ctx->npending, i;

	if (n == 0)
		return;
	runs = xcalloc(n, sizeof *runs);
	for (i = 0; i < n; i++)
		runs[i] = ctx->pending[i].run;
	exec_restarts(ctx);
	for (i = 0; i < n; i++)
		run_state(ctx, rep, runs[i]);
	free(runs);
}

void
engine_fix(struct site *site, struct facts *facts,
    const struct playbook_set *pbs, struct report *rep,
    const struct engine_opts *opts)
{
	struct exec_ctx ctx;
	struct exec_opts xo;
	struct report *after;
	const struct playbook *pb;
	struct finding *f;
	char *cause = NULL, *why = NULL;
	size_t i, j;
	int acted = 0;

	memset(&xo, 0, sizeof xo);
	xo.dry_run = opts->dry_run;
	xo.allow_restart = opts->allow_restart;
	xo.unattended = opts->unattended;
	xo.guarded = opts->guarded;
	exec_init(&ctx, site, facts, rep, &xo);
	if (opts->only != NULL) {
		pb = playbook_find(pbs, opts->only);
		for (i = 0; i < rep->nfindings; i++)
			for (j = 0; pb->fixes[j] != NULL; j++)
				if (strcmp(pb->fixes[j],
				    rep->findings[i].fault->id) == 0)
					goto found;
		i = (size_t)-1;
found:
		if (held(opts, &ctx, pb, &why)) {
			if (i != (size_t)-1) {
				rep->findings[i].state = FINDING_HELD;
				free(rep->findings[i].note);
				rep->findings[i].note = why;
			} else {
				report_note(rep, "%s", why);
				free(why);
			}
			goto verify;
		}
		run_one(&ctx, rep, pb, i);
		acted = 1;
		goto verify;
	}
	for (i = 0; i < rep->nfindings; i++) {
		f = &rep->findings[i];
		pb = f->pb;
		if (pb == NULL || f->state == FINDING_BLOCKED ||
		    f->state == FINDING_UNCHECKED)
			continue;
		if (ran_already(rep, pb)) {
			f->state = ctx.dry_run ? FINDING_PLANNED :
			    FINDING_REMAINS;
			continue;
		}
		if (pb->match != NULL && !rule_eval(pb->match, facts, NULL)) {
			f->state = FINDING_ADVICE;
			f->note = xasprintf(_("playbook %s does not apply "
			    "here: its match (%s) does not hold"), pb->name,
			    rule_text(pb->match));
			continue;
		}
		if (held(opts, &ctx, pb, &why)) {
			f->state = FINDING_HELD;
			free(f->note);
			f->note = why;
			continue;
		}
		run_one(&ctx, rep, pb, i);
		acted = 1;
	}
verify:
	run_restarts(&ctx, rep);
	exec_cleanup(&ctx);
	if (opts->dry_run || !acted)
		return;
	/* probe again: what is gone was fixed */
	facts_drop_prefix(facts, "");
	if (engine_gather(site, facts, &cause) != 0) {
		report_note(rep, _("probing again after the fix failed: %s"),
		    cause);
		free(cause);
		return;
	}
	after = report_new(rep->command, rep->host, rep->root, 0);
	engine_findings(facts, pbs, after);
	for (i = 0; i < rep->nfindings; i++) {
		const struct finding *a;

		f = &rep->findings[i];
		if ((a = find_finding(after, f->fault->id)) != NULL &&
		    a->state == FINDING_UNCHECKED && f->state == FINDING_REMAINS) {
			f->state = FINDING_UNCHECKED;
			free(f->note);
			f->note = xasprintf(_("after the fix, %s"), a->note);
		}
		if (a == NULL) {
			if (f->state == FINDING_REMAINS || f->state ==
			    FINDING_PLANNED || f->state == FINDING_OPEN)
				f->state = FINDING_FIXED;
		}
	}
	/* new findings a fix uncovered (Job now writes a log saying why) */
	for (i = 0; i < after->nfindings; i++) {
		if (find_finding(rep, after->findings[i].fault->id) != NULL)
			continue;
		f = report_add_finding(rep, after->findings[i].fault);
		f->evidence = xstrdup(after->findings[i].evidence);
		f->evidence_text = after->findings[i].evidence_text ?
		    xstrdup(after->findings[i].evidence_text) : NULL;
		f->advice = xstrdup(after->findings[i].advice);
		f->advice_text = xstrdup(after->findings[i].advice_text);
		f->pb = after->findings[i].pb;
		f->code = after->findings[i].code;
		f->state = after->findings[i].state == FINDING_UNCHECKED ?
		    FINDING_UNCHECKED : FINDING_OPEN;
		f->note = after->findings[i].note ? xasprintf(_("found after "
		    "the fixes of this run; %s"), after->findings[i].note) :
		    xstrdup(_("found after the fixes of this run"));
	}
	report_free(after);
	check_option_file(site, facts, rep);
}

/*
 * A finding is "fixed" only when what was changed is what the running
 * thing reads.  A run that changed the MySQL option file (site.mycnf) and
 * made the finding go away fixed the running server (SET GLOBAL); whether
 * the change outlives a restart depends on the server reading that file:
 * mysql.reads_mycnf (probe-mysql.c) says, or it is not known.
 */
static void
check_option_file(struct site *site, const struct facts *facts,
    struct report *rep)
{
	const char *mycnf = site_path(site, "site.mycnf"), *reads;
	const struct fact *ev;
	struct mycnf *m = NULL;
	struct buf tree = BUF_INIT; /* "\n" + each file of my.cnf + "\n" */
	char *why = NULL;
	size_t i, j, k;

	if (mycnf == NULL || *mycnf == '\0')
		return;
	/* my.cnf and the files it includes: an edit of any of them */
	buf_addstr(&tree, "\n");
	if (mycnf_load(site->tp, mycnf, &m, &why) == 0) {
		for (i = 0; i < mycnf_nfiles(m); i++) {
			const char *fp = mycnf_file_path(m, i);
			char *real = NULL, *rwhy = NULL;
			if (site->tp->ops->realpath(site->tp, fp, &real,
			    &rwhy) != 0)
				real = xstrdup(fp);
			buf_printf(&tree, "%s\n%s\n", fp, real);
			free(real);
			free(rwhy);
		}
		mycnf_free(m);
	} else
		buf_printf(&tree, "%s\n", mycnf);
	free(why);
	for (i = 0; i < rep->nruns; i++) {
		const struct pb_run *run = &rep->runs[i];
		struct finding *f;
		const char *epath = NULL;
		int edited = 0;

		if (run->finding >= rep->nfindings)
			continue;
		f = &rep->findings[run->finding];
		if (f->state != FINDING_FIXED)
			continue;
		for (j = 0; j < run->nrecords && !edited; j++)
			for (k = 0; k < run->records[j].changes.n; k++) {
				const struct change *c =
				    run->records[j].changes.v[k];
				char *needle;
				if (c->kind != CHANGE_FILE || c->outcome !=
				    OUT_CHANGED || c->path == NULL)
					continue;
				needle = xasprintf("\n%s\n", c->path);
				if (strstr(tree.data, needle) != NULL) {
					edited = 1;
					epath = c->path;
				}
				free(needle);
			}
		if (!edited)
			continue;
		reads = facts_get(facts, "mysql.reads_mycnf");
		if (reads != NULL && strcmp(reads, "yes") == 0)
			continue;
		ev = facts_find(facts, "mysql.reads_mycnf");
		free(f->note);
		if (ev == NULL) {
			const struct fact *st = facts_find(facts,
			    "mysql.status");
			/* nothing but the file was looked at */
			f->state = FINDING_UNCHECKED;
			if (st != NULL)
				f->note = xasprintf(_("%s was changed; the "
				    "running MySQL server could not be checked "
				    "(mysql.status = %s), so whether it reads "
				    "that file, and what it runs now, is not "
				    "known"), epath, st->value);
			else
				f->note = xasprintf(_("%s was changed; the "
				    "MySQL probe did not run, so whether the "
				    "running server reads that file, and what it "
				    "runs now, is not known"), epath);
			continue;
		}
		f->state = FINDING_APPLIED;
		/* the edited file is my.cnf or one it includes: the server
		 * reads it exactly when it reads my.cnf */
		if (reads != NULL && strcmp(reads, "no") == 0)
			f->note = xasprintf(_("applied until the next restart "
			    "(%s was changed): %s"), epath, ev->evidence);
		else
			f->note = xasprintf(_("applied until the next restart; "
			    "the option file the server reads is not known (%s "
			    "was changed): %s"), epath, ev->evidence);
	}
	buf_free(&tree);
}

int
engine_exit_code(const struct report *r, int fixing)
{
	size_t i;
	int undone = 0, failed = 0, remain = 0, planned = 0;

	for (i = 0; i < r->nruns; i++) {
		if (r->runs[i].outcome == OUT_UNDONE)
			undone = 1;
		else if (r->runs[i].outcome == OUT_FAILED)
			failed = 1;
		else if (r->runs[i].outcome == OUT_CHANGED)
			planned = 1;
	}
	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].state != FINDING_FIXED)
			remain = 1;
	if (!fixing || r->dry_run)
		return (remain || (r->dry_run && planned)) ? EXIT_FINDINGS :
		    EXIT_HEALTHY;
	if (failed)
		return EXIT_FIX_FAILED;
	if (undone)
		return EXIT_UNDONE;
	/* a change the gate refused (a pause that came mid-playbook, a lock)
	 * left the repair half done, though the files may read as fixed */
	return remain || r->gate_hold != GATE_OPEN ? EXIT_FINDINGS :
	    EXIT_HEALTHY;
}
