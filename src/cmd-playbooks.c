/*
 * cmd-playbooks.c - playbooks [list | show NAME | check FILE...]
 *
 * check validates files completely (the same loader a run uses) and names
 * file, line and problem; exit 0 when every file is valid, 2 otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "log.h"
#include "step.h"

static void
show(const struct playbook *pb)
{
	size_t i, j, k;

	printf(_("name:    %s\nsummary: %s\nfrom:    %s\npolicy:  %s\nfixes:  "),
	    pb->name, _(pb->summary), pb->origin, pb->policy);
	for (i = 0; pb->fixes[i] != NULL; i++)
		printf(" %s", pb->fixes[i]);
	printf("\n");
	if (pb->match)
		printf(_("match:   %s\n"), rule_text(pb->match));
	printf(_("steps:\n"));
	for (i = 0; i < pb->nsteps; i++) {
		const struct step *st = &pb->steps[i];
		printf("  %zu. %s\n", i + 1, st->type->name);
		for (j = 0; j < st->nparams; j++) {
			printf("       %s =", st->params[j].name);
			for (k = 0; st->params[j].values[k] != NULL; k++)
				printf(" \"%s\"", st->params[j].values[k]);
			printf("\n");
		}
	}
}

static int
check_files(int argc, char **argv)
{
	struct buf b = BUF_INIT;
	struct playbook *pb;
	char *cause = NULL, *safe;
	int i, bad = 0;

	for (i = 0; i < argc; i++) {
		buf_reset(&b);
		if (read_file_local(argv[i], &b, 256 << 10, &cause) != 0 ||
		    (memchr(b.data, '\0', b.len) != NULL &&
		    set_cause(&cause, JF_ERR_PARSE, "%s: binary data (NUL byte)",
		    argv[i]) != 0) ||
		    (pb = playbook_parse(b.data, argv[i], &cause)) == NULL) {
			/* the cause quotes the file: shown escaped */
			safe = terminal_safe(cause, 0);
			fprintf(stderr, "%s\n", safe);
			free(safe);
			free(cause);
			cause = NULL;
			bad++;
			continue;
		}
		printf(_("%s: ok (%s, %zu steps)\n"), argv[i], pb->name,
		    pb->nsteps);
		playbook_free(pb);
	}
	buf_free(&b);
	return bad ? EXIT_USAGE : EXIT_HEALTHY;
}

/* The step types and their parameters ('!' = required). */
static int
list_steps(void)
{
	const struct step_type *const *t;
	const char *const *p;
	size_t n, i;

	t = step_table(&n);
	for (i = 0; i < n; i++) {
		printf("%-15s", t[i]->name);
		for (p = t[i]->params; *p != NULL; p++)
			printf(**p == '!' ? " %s" : " [%s]", **p == '!' ?
			    *p + 1 : *p);
		printf("\n    %s\n", t[i]->doc);
	}
	return EXIT_HEALTHY;
}

static int
playbooks_exec(struct cmd_ctx *c, int argc, char **argv)
{
	const struct playbook *pb;
	size_t i, j;

	if (argc == 0 || strcmp(argv[0], "list") == 0) {
		for (i = 0; i < c->playbooks.n; i++) {
			pb = c->playbooks.v[i];
			printf("%-28s %-8s", pb->name, pb->policy);
			for (j = 0; pb->fixes[j] != NULL; j++)
				printf("%s%s", j ? "," : "", pb->fixes[j]);
			printf("\n    %s\n", _(pb->summary));
		}
		return EXIT_HEALTHY;
	}
	if (strcmp(argv[0], "show") == 0 && argc == 2) {
		if ((pb = playbook_find(&c->playbooks, argv[1])) == NULL) {
			error(_("no playbook \"%s\" (see jobfix playbooks list)"),
			    argv[1]);
			return EXIT_USAGE;
		}
		show(pb);
		return EXIT_HEALTHY;
	}
	if (strcmp(argv[0], "check") == 0 && argc >= 2)
		return check_files(argc - 1, argv + 1);
	if (strcmp(argv[0], "steps") == 0 && argc == 1)
		return list_steps();
	error(_("usage: jobfix playbooks [list | show NAME | check FILE... | "
	    "steps]"));
	return EXIT_USAGE;
}

const struct cmd_entry cmd_playbooks = {
	"playbooks", "[list|show NAME|check FILE...|steps]",
	N_("list, show or validate playbooks"), CMD_PLAYBOOKS, playbooks_exec,
};
