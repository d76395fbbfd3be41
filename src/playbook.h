/*
 * playbook.h - declarative remedies, read from libconfig files.
 *
 *   name    = "mysql-event-scheduler";
 *   fixes   = [ "nolog.partition" ];
 *   summary = "Turn on MySQL's event scheduler ...";
 *   match   = "mysql.event_scheduler == 'OFF'";     # optional extra gate
 *   policy  = "auto";                               # or "confirm"
 *   steps   = ( { type = "ini_set"; file = "${site.mycnf}"; ... }, ... );
 *
 * jobfix-playbook(5) documents the grammar and every step type.  Built-in
 * playbooks are compiled into the binary; files in the playbook directories
 * replace them by name.
 */
#ifndef JOBFIX_PLAYBOOK_H
#define JOBFIX_PLAYBOOK_H

#include "rule.h"
#include "util.h"

struct step_type;

/* A parameter of a step: a string or a list of strings, as written. */
struct step_param {
	char *name;
	char **values; /* NULL-terminated */
	int is_list;
	int line;
};

struct step {
	const struct step_type *type;
	struct step_param *params;
	size_t nparams;
	int line;     /* in the playbook file */
	int index;    /* 1-based position */
	char *group;  /* the steps that stand or fall with it: its own
			 `group = "NAME"`, else the step before's; NULL in
			 a playbook that names no group */
	int group_no; /* 0 for the first group, 1 for the next, ... */
	const struct playbook *pb;
};

struct playbook {
	char *name;
	char *summary;
	char *origin; /* file path, or "builtin:NAME.conf" */
	char **fixes; /* fault IDs, NULL-terminated */
	struct rule *match; /* NULL: always */
	char *policy;       /* "auto" or "confirm" */
	struct step *steps;
	size_t nsteps;
};

struct playbook_set {
	struct playbook **v;
	size_t n;
};

/* Parses one playbook from text; errors name origin and line. */
struct playbook *playbook_parse(const char *text, const char *origin,
    char **cause);
void playbook_free(struct playbook *);
/* Built-ins, then every *.conf in each directory (a later one with the same
 * name replaces an earlier one).  A broken file is an error. */
int playbook_load_all(const char *const *dirs, struct playbook_set *,
    char **cause);
void playbook_set_free(struct playbook_set *);
const struct playbook *playbook_find(const struct playbook_set *,
    const char *name);
/* The first playbook that fixes fault_id (in load order). */
const struct playbook *playbook_for_fault(const struct playbook_set *,
    const char *fault_id);

/* Step parameters. */
const struct step_param *step_param(const struct step *, const char *name);
const char *step_str(const struct step *, const char *name);

/* Built-in playbook texts (generated from playbooks/ at build time). */
struct builtin_playbook {
	const char *file;
	const char *text;
};
extern const struct builtin_playbook builtin_playbooks[];
extern const size_t builtin_playbooks_n;

#endif
