/*
 * step-table.c - every step type, by name.  Adding a step type is adding a
 * file and a line here.
 */
#include "config.h"

#include <string.h>

#include "step.h"

extern const struct step_type step_properties_set, step_ini_set,
    step_shell_var, step_command, step_service, step_verify, step_wait,
    step_show_file, step_note;
extern const struct step_type step_sql, step_rabbitmq_account;
extern const struct step_type step_agent_wait;

static const struct step_type *const table[] = {
	&step_properties_set,
	&step_ini_set,
	&step_shell_var,
	&step_command,
	&step_service,
	&step_verify,
	&step_wait,
	&step_show_file,
	&step_note,
	&step_sql,
	&step_rabbitmq_account,
	&step_agent_wait,
};

const struct step_type *const *
step_table(size_t *n)
{
	*n = nitems(table);
	return table;
}

const struct step_type *
step_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(table); i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
