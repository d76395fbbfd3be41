/*
 * cmd-table.c - every command, by name.
 */
#include "config.h"

#include <string.h>

#include "cmd.h"

extern const struct cmd_entry cmd_fix, cmd_diagnose, cmd_facts,
    cmd_playbooks, cmd_run, cmd_explain, cmd_demo, cmd_config;
extern const struct cmd_entry cmd_fleet;
extern const struct cmd_entry cmd_status, cmd_audit, cmd_undo, cmd_pause,
    cmd_resume, cmd_reset;

static const struct cmd_entry *const table[] = {
	&cmd_fix,
	&cmd_diagnose,
	&cmd_facts,
	&cmd_playbooks,
	&cmd_run,
	&cmd_explain,
	&cmd_demo,
	&cmd_config,
	&cmd_fleet,
	&cmd_status,
	&cmd_audit,
	&cmd_undo,
	&cmd_pause,
	&cmd_resume,
	&cmd_reset,
};

const struct cmd_entry *const *
cmd_table(size_t *n)
{
	*n = nitems(table);
	return table;
}

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(table); i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
