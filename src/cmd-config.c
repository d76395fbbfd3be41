/*
 * cmd-config.c - config: every setting jobfix knows, with the value in
 * force (file, override or default) and its one line of documentation.
 * The same table is documented in jobfix.conf(5); a test keeps them equal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "log.h"

static int
config_exec(struct cmd_ctx *c, int argc, char **argv)
{
	const struct conf_key *k;
	const char *const *list;
	size_t n, i, j;

	if (argc > 0) {
		error(_("config takes no arguments (\"%s\")"), argv[0]);
		return EXIT_USAGE;
	}
	printf(_("# settings in force (from %s)\n"), conf_path(c->conf));
	k = conf_keys(&n);
	for (i = 0; i < n; i++) {
		printf("%s = ", k[i].name);
		if (k[i].type == CONF_LIST) {
			list = conf_list(c->conf, k[i].name);
			printf("[");
			for (j = 0; list[j] != NULL; j++)
				printf("%s\"%s\"", j ? ", " : " ", list[j]);
			printf("%s]", j ? " " : "");
		} else if (k[i].type == CONF_STR)
			printf("\"%s\"", conf_str(c->conf, k[i].name) ?
			    conf_str(c->conf, k[i].name) : "");
		else
			printf("%s", conf_str(c->conf, k[i].name) ?
			    conf_str(c->conf, k[i].name) : "");
		printf(";\n    # %s\n", k[i].doc);
	}
	return EXIT_HEALTHY;
}

const struct cmd_entry cmd_config = {
	"config", "", N_("show every setting in force and what it is for"),
	CMD_SITE, config_exec,
};
