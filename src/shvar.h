/*
 * shvar.h - read and edit top-level variable assignments in a bash script.
 *
 * Made for Job's start script (job/job/bin/job.sh), where the fix for a Job
 * that writes no log is NOHUPLOG=job_jvm_console.log.  The script is scanned
 * with a rough bash lexer (quotes, $( ), ${ }, backquotes, here-documents,
 * line continuations, comments) and a block tracker (if/fi, case/esac,
 * loops, { }, ( ), function bodies), so an assignment is only believed when
 * bash would run it unconditionally at the top level of the script.
 *
 * Limits, on purpose:
 *  - anything nested counts as not top-level: assignments in a function
 *    body, a brace group, a subshell, an if/case/loop, $( ) are ignored;
 *  - a command that assigns and is joined by && || | & on the wrong side,
 *    or that has a command word after its assignments (A=1 cmd), is ignored;
 *  - unset, read, eval, source, `for NAME in` and arrays (NAME[i]=) are not
 *    followed: they never count as an assignment of NAME;
 *  - a CR right before LF (or at the end of the data) is taken as part of
 *    the line ending, not of the value (bash would keep it; a CRLF script
 *    does not run under bash anyway);
 *  - input over SHVAR_MAX_SIZE, with a NUL byte, or with an unterminated
 *    quote, $( ), ${ }, or unclosed block is refused with a parse error.
 */
#ifndef JOBFIX_SHVAR_H
#define JOBFIX_SHVAR_H

#include <stddef.h>

#include "util.h"

#define SHVAR_MAX_SIZE ((size_t)4 << 20)

struct shfile;

/* Parses a script; origin names it in messages.  NULL with *cause set. */
struct shfile *shvar_parse(const char *data, size_t len, const char *origin,
    char **cause);
void shvar_free(struct shfile *);

/*
 * The value of the last active top-level assignment of name (NAME=...,
 * export/readonly/declare/typeset NAME=...) with quotes removed as bash
 * would, or NULL if there is none.  *line (if not NULL) is its 1-based line.
 * *dynamic (if not NULL) is 1 when bash would compute the value ($, `, ~,
 * $'', an array, +=, declare -i and the like): the string returned is then
 * the raw source text of the value.  Valid until the next shvar_set/free.
 */
const char *shvar_get(const struct shfile *, const char *name, int *line,
    int *dynamic);

/*
 * Makes bash see name=value: rewrites the last active assignment in place
 * (keeping export, the quoting style when it can hold the value, and any
 * trailing comment), else uncomments the last commented one (`#NAME=...`,
 * `# export NAME=...`, keeping indentation), else inserts `NAME=value` after
 * the leading comment block.  Every other byte stays.  The result is parsed
 * again and must read back as value, or nothing changes and an error is
 * returned.  Values of secret-looking names are registered as secrets.
 */
int shvar_set(struct shfile *, const char *name, const char *value,
    char **cause);

/*
 * What the script's java command launches, for finding the process it
 * starts: the jar after -jar (its file name, directories dropped) or the
 * main class (the first word after java's options, or after -m).  The
 * script is scanned for a command word whose last path component is
 * "java", anywhere (a function body, a case branch), up to the end of that
 * command (newline ; & | ( ) and redirections); the first such command
 * that names a jar or class wins.  $NAME and ${NAME} are resolved through
 * the script's own top-level assignments as bash would: a value that
 * names other variables (JAR=$BASE/lib/x.jar) is expanded in turn, each
 * with the value it had where the assignment stands; a reference that
 * cannot be resolved (nothing assigns it, $( ), +=) becomes a wildcard in
 * the pattern and "*" in *what.  A word
 * of only wildcards, or a name with fewer than three literal characters,
 * names nothing.
 *
 * Returns a POSIX extended regex matching the command line (argv joined by
 * spaces) of the process, or NULL.  When found, *what (caller frees) is the
 * jar or class as read, *jar is 1 for a jar and 0 for a class, and *line is
 * the line of the java word.  When NULL but a java command names a jar or
 * class that cannot be read, *what (caller frees) is that word as written
 * and *line the line of its java word, so the caller can say why.
 */
char *shvar_java_pattern(const struct shfile *, char **what, int *jar,
    int *line);

/*
 * The directory of the jar the script's java command launches, as the
 * script names it (JAR=/data/bkce/job/lib/job-exec.jar gives
 * /data/bkce/job/lib): the jar shvar_java_pattern() finds, its word
 * expanded the same way.  NULL (nothing to free) when the command names a
 * class, no jar, or a jar whose directory is relative or computed
 * ("$(dirname "$0")/../lib", $1): the caller then takes the install's own
 * lib directory.
 */
char *shvar_java_jar_dir(const struct shfile *);

/* Appends the (possibly edited) script to out. */
int shvar_serialize(const struct shfile *, struct buf *out);

#endif
