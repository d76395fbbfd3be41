/*
 * conf.h - jobfix.conf, read with libconfig.
 *
 * Every setting jobfix knows is one row of the table in conf.c (name, type,
 * default, one line of documentation); jobfix.conf(5) documents the same
 * table.  A setting in the file that is not in the table is an error naming
 * the file and line, so a typo never silently falls back to a default.
 * Defaults may refer to other settings as ${name}: the default of
 * "site.job_conf" is "${site.root}/etc/job.conf", so --root alone moves
 * every path of the standard layout.
 *
 * Lookups go through a `struct conf_view`: the file plus per-run overrides
 * (command-line options, a fleet inventory's host settings).
 */
#ifndef JOBFIX_CONF_H
#define JOBFIX_CONF_H

#include "util.h"

enum conf_type { CONF_STR, CONF_INT, CONF_BOOL, CONF_LIST };

struct conf_key {
	const char *name;     /* dotted path: "site.root" */
	enum conf_type type;
	const char *def;      /* default, as text; lists: comma-separated */
	const char *doc;      /* one line, for jobfix.conf(5) and `jobfix facts` */
};

struct conf;

/* Job's JVM when the setting job.process_pattern is empty and Job's start
 * script names no jar or main class (probe-job.c) */
#define JOB_PROCESS_FALLBACK "java .*(job|ijobs)"

/* Returns NULL (with cause) on a parse error or an unknown setting.
 * path NULL or a missing file: every setting at its default (a missing file
 * given explicitly with -c is an error the caller reports). */
struct conf *conf_load(const char *path, char **cause);
void conf_free(struct conf *);
const char *conf_path(const struct conf *);

/* Overrides win over the file: set by -r, by inventory host settings ... */
void conf_override(struct conf *, const char *name, const char *value);
/* ${...} in a value expands to at most this (and follows at most
 * CONF_EXPAND_REFS references); conf_check() says where it would not. */
#define CONF_EXPAND_MAX ((size_t)64 << 10)
#define CONF_EXPAND_REFS 65536
/* Every setting's expansion within the bounds, or -JF_ERR_PARSE naming the
 * file, line and setting ("setting \"NAME\"" alone for an override: the
 * caller says where it came from).  conf_load() checks its file. */
int conf_check(const struct conf *, char **cause);

/* Value with ${name} references expanded; NULL if unset and no default.
 * The string is owned by the conf and valid until conf_free. */
const char *conf_str(struct conf *, const char *name);
long conf_int(struct conf *, const char *name);
int conf_bool(struct conf *, const char *name);
/* A list setting as a NULL-terminated array owned by the conf. */
const char *const *conf_list(struct conf *, const char *name);
/* A per-playbook setting: "policy.NAME.mode" style lookups that are not in
 * the table (playbook names are not known in advance).  NULL if unset. */
const char *conf_str_dynamic(struct conf *, const char *name);
long conf_int_dynamic(struct conf *, const char *name, long def);

const struct conf_key *conf_keys(size_t *n);

/* A copy for another host: the same file, its own overrides. */
struct conf *conf_dup(const struct conf *);

#endif
