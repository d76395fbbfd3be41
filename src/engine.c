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
#include "heal.h"
#include "i18n.h"
#include "log.h"
#include "probe.h"
#include "rule.h"

int
engine_gather(struct site *site, struct facts *facts, char **cause)
{
	site_facts(site, facts);
	return probe_run_all(site, facts, NULL, cause);
}

/* "${fact}" in advice: the value, masked when secret, "?" when unknown. */
static char *
expand_advice(const char *text, const struct facts *facts)
{
	struct buf b = BUF_INIT;
	const struct fact *f;
	const char *p, *end;
	char *name;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] == '{' &&
		    (end = strchr(p + 2, '}')) != NULL) {
			name = xstrndup(p + 2, (size_t)(end - p - 2));
			f = facts_find(facts, name);
			buf_addstr(&b, f == NULL ? "?" : ((f->flags & FACT_SECRET) ?
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
evidence_of(const struct buf *used, const struct facts *facts)
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
		    f->evidence);
	}
	free(copy);
	return buf_detach(&b);
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
			f->evidence = evidence_of(&used, facts);
			f->advice = expand_advice(t[i].advice, facts);
			f->advice_text = expand_advice(_(t[i].advice), facts);
			f->pb = pbs ? playbook_for_fault(pbs, t[i].id) : NULL;
			f->state = f->pb ? FINDING_OPEN : FINDING_ADVICE;
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
		if (f->fault->upstream == NULL)
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
held_note(struct exec_ctx *ctx, struct report *rep, struct finding *f)
{
	const struct pb_run *run = &rep->runs[rep->nruns - 1];
	size_t i, j;

	(void)ctx;
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

static void
run_one(struct exec_ctx *ctx, struct report *rep, const struct playbook *pb,
    size_t fi)
{
	struct finding *f = fi < rep->nfindings ? &rep->findings[fi] : NULL;
	enum outcome o;

	o = exec_playbook(ctx, pb, f);
	report_add_run(rep, ctx, pb, fi, o);
	if (f == NULL)
		return;
	if (ctx->dry_run)
		f->state = o == OUT_FAILED ? FINDING_FAILED : FINDING_PLANNED;
	else if (o == OUT_FAILED || o == OUT_UNDONE)
		f->state = FINDING_FAILED;
	else if (o == OUT_SKIPPED) {
		f->state = FINDING_HELD;
		held_note(ctx, rep, f);
	} else
		f->state = FINDING_REMAINS; /* until probed again */
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
		if (pb == NULL || f->state == FINDING_BLOCKED)
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
		f = &rep->findings[i];
		if (find_finding(after, f->fault->id) == NULL) {
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
		f->advice = xstrdup(after->findings[i].advice);
		f->advice_text = xstrdup(after->findings[i].advice_text);
		f->pb = after->findings[i].pb;
		f->state = FINDING_OPEN;
		f->note = xstrdup(_("found after the fixes of this run"));
	}
	report_free(after);
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
	return remain ? EXIT_FINDINGS : EXIT_HEALTHY;
}
