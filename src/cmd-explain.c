/*
 * cmd-explain.c - explain CODE | FAULT-ID: what it means, the faults that
 * produce it, what jobfix checks, and the playbook that fixes it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "fault.h"
#include "log.h"

/* Beside the explanation in Chinese, the FAQ's own words: what operators
 * search for and what the platform's documentation says. */
static void
put_faq_quote(const struct errcode *e, const char *indent)
{
	if (e->faq_zh != NULL && i18n_translated())
		printf(_("%sFAQ: \"%s\"\n"), indent, e->faq_zh);
}

static void
put_code_line(const struct errcode *e)
{
	printf("%ld  %-13s %s\n", e->code, e->route, _(e->meaning));
	put_faq_quote(e, "         ");
}

static void
explain_fault(const struct fault *f, const struct playbook_set *pbs)
{
	const struct playbook *pb = playbook_for_fault(pbs, f->id);
	const struct errcode *e;

	printf("%s: %s\n", f->id, _(f->title));
	printf(_("  FAQ section:  %d\n"), f->section);
	if (f->code && (e = errcode_find(f->code)) != NULL)
	{
		printf(_("  error code:   %ld (%s: %s)\n"), f->code, e->route,
		    _(e->meaning));
		put_faq_quote(e, "                ");
	}
	if (f->code2 && (e = errcode_find(f->code2)) != NULL)
	{
		printf(_("  also code:    %ld (%s: %s)\n"), f->code2, e->route,
		    _(e->meaning));
		put_faq_quote(e, "                ");
	}
	printf(_("  checks:       %s\n"), _(f->checks));
	printf(_("  rule:         %s\n"), f->detect);
	if (f->upstream)
		printf(_("  caused first by: %s\n"), f->upstream);
	if (pb != NULL)
		printf(_("  fixed by:     playbook %s (%s): %s\n"), pb->name,
		    pb->origin, _(pb->summary));
	else
		printf(_("  fixed by:     a person; jobfix gives advice\n"));
	printf(_("  advice:       %s\n"), _(f->advice));
}

static int
explain_exec(struct cmd_ctx *c, int argc, char **argv)
{
	const struct fault *t, *f;
	const struct errcode *e;
	size_t n, i;
	long code;
	int found = 0;

	t = fault_table(&n);
	if (argc == 0) {
		/* the whole catalogue, one line each */
		for (i = 0; i < n; i++)
			printf("%-26s §%d  %-8s %s\n", t[i].id, t[i].section,
			    playbook_for_fault(&c->playbooks, t[i].id) ?
			    "fix" : "advice", _(t[i].title));
		e = errcode_table(&n);
		printf("\n");
		for (i = 0; i < n; i++)
			put_code_line(&e[i]);
		return EXIT_HEALTHY;
	}
	if (argc != 1) {
		error(_("usage: jobfix explain [CODE|FAULT-ID]"));
		return EXIT_USAGE;
	}
	if (str_to_long(argv[0], &code) == 0) {
		if ((e = errcode_find(code)) == NULL) {
			error(_("\"%s\" is not an error code of the Job platform "
			    "(FAQ section 9)"), argv[0]);
			return EXIT_USAGE;
		}
		printf("%ld (%s): %s\n", e->code, e->route, _(e->meaning));
		put_faq_quote(e, "");
		printf("\n");
		for (i = 0; i < n; i++)
			if (t[i].code == code || t[i].code2 == code) {
				explain_fault(&t[i], &c->playbooks);
				printf("\n");
				found = 1;
			}
		if (!found)
			printf(_("jobfix finds this code in Job's logs (fact "
			    "log.code_%ld.count) and reports it.\n"), code);
		return EXIT_HEALTHY;
	}
	if ((f = fault_find(argv[0])) == NULL) {
		error(_("\"%s\" is neither an error code nor a fault ID; fault "
		    "IDs look like nolog.partition (see jobfix(8))"), argv[0]);
		return EXIT_USAGE;
	}
	explain_fault(f, &c->playbooks);
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_explain = {
	"explain", "[CODE|FAULT-ID]", N_("what an error code or fault means (all: none given)"),
	CMD_PLAYBOOKS, explain_exec,
};
