/*
 * mycnf.h - MySQL/MariaDB option files (my.cnf) read as the server reads
 * them, with !include and !includedir, and edited so that a chosen value is
 * the one that wins, keeping every other byte of every file.
 *
 * Files are read through a transport (read_file, list_dir, stat), so this
 * works on a remote host too.  Nothing is written here: a caller asks which
 * files changed and writes their new bytes through the transport.
 *
 * Matching follows MariaDB 10.11 (checked against my_print_defaults and
 * mariadbd --help --verbose):
 *  - group names compare case-insensitively ([MYSQLD] is [mysqld]);
 *  - option names compare case-insensitively with '-' equal to '_', and a
 *    "loose-" prefix is ignored;
 *  - "skip-X" and "disable-X" give X the value "0" ("1" if written =0),
 *    "enable-X" gives "1" ("0" if written =0); "loose-skip-X" works too,
 *    "skip-loose-X" and "maximum-X" do not set X and are not matched;
 *  - unique abbreviations the server accepts (event-sched) are NOT matched;
 *  - a bare option ("event_scheduler" alone, which my_print_defaults shows
 *    as "--event_scheduler" without '=') has the value "" and has_value 0;
 *    the server passes no argument, which for event_scheduler means ON.
 *    "event_scheduler=" is has_value 1 and value "" (the server: OFF).
 */
#ifndef JOBFIX_MYCNF_H
#define JOBFIX_MYCNF_H

#include <stddef.h>

#include "transport.h"
#include "util.h"

#define MYCNF_FILE_MAX ((size_t)1 << 20) /* bytes per file */
#define MYCNF_FILES_MAX 64               /* distinct files read */
#define MYCNF_READS_MAX 256              /* file reads, a file read twice counts twice */
#define MYCNF_DEPTH_MAX 10               /* include nesting, as the server */
#define MYCNF_LINE_MAX 4093              /* the server reads lines in 4094-byte pieces */

struct mycnf;

/* Where the value that wins came from.  Pointers live until the next
 * mycnf_set or mycnf_free. */
struct mycnf_hit {
	const char *value; /* as the server sees it: unquoted, unescaped */
	const char *name;  /* the option as the file spells it */
	const char *group; /* the group as the file spells it */
	const char *file;
	int line;
	int has_value; /* 0: a bare option with no '=' */
};

/*
 * Loads path and every file it includes, in the order the server reads them.
 * A missing !include file is skipped, as the server does, with a warning
 * (mycnf_warnings); a missing !includedir directory is an error (the
 * server gives up reading the file that names it).  Cycles, nesting deeper than 10, relative include paths,
 * NUL bytes, lines over MYCNF_LINE_MAX and every syntax error the server
 * reports are errors naming FILE:LINE.
 */
int mycnf_load(struct transport *, const char *path, struct mycnf **out,
    char **cause);
void mycnf_free(struct mycnf *);

/* Warnings from loading, one "FILE:LINE: text\n" each; "" if none. */
const char *mycnf_warnings(const struct mycnf *);

/*
 * The value that wins for option in any of the NULL-terminated groups, or
 * NULL if it is not set there.  *file and *line (each may be NULL) say where
 * the winning occurrence is.
 */
const char *mycnf_get(const struct mycnf *, const char *const *groups,
    const char *option, const char **file, int *line);
/* The same with everything known about the winner; returns 1 if found. */
int mycnf_lookup(const struct mycnf *, const char *const *groups,
    const char *option, struct mycnf_hit *);

/* Every occurrence in read order, whatever its group (for tests and
 * listings): value is NULL-free ("" for a bare option, has_value 0). */
size_t mycnf_noptions(const struct mycnf *);
int mycnf_option(const struct mycnf *, size_t i, struct mycnf_hit *);

/*
 * Makes value the one that wins for option in groups: rewrites the winning
 * occurrence in place, or adds "option=value" to the main file's first
 * section of groups[0] (creating it at the end if there is none), then
 * rewrites every later occurrence that would override it.  No change at all
 * if value already wins.  option: letters, digits, '-' and '_'.
 */
int mycnf_set(struct mycnf *, const char *const *groups, const char *option,
    const char *value, char **cause);

/* The files read (each once, in the order first read); 0 is the main file. */
size_t mycnf_nfiles(const struct mycnf *);
const char *mycnf_file_path(const struct mycnf *, size_t i);
int mycnf_file_changed(const struct mycnf *, size_t i);
/* Appends the file's current bytes to out. */
int mycnf_file_serialize(const struct mycnf *, size_t i, struct buf *out);

/* How a value is written so the server reads it back unchanged: bare if
 * safe, otherwise in double quotes with \\ \" \n \r escaped.  New string. */
char *mycnf_quote_value(const char *value);

#endif
