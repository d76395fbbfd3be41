/*
 * step-common.h - what the file-editing step types share: building a
 * CHANGE_FILE from a before/after pair, and finding the rendering template
 * of a file (PLATFORM.md: `bkcec render` regenerates etc/job.conf from
 * /data/src/MODULE/support-files/templates/#etc#job.conf and silently
 * discards hand edits, so a durable fix edits the template too).
 */
#ifndef JOBFIX_STEP_COMMON_H
#define JOBFIX_STEP_COMMON_H

#include "exec.h"
#include "step.h"

/* An editor: parses before, makes the edit, serialises into after.  Returns
 * 0 and sets *value_now to a description when nothing needs to change. */
typedef int (*edit_fn)(const char *path, const struct buf *before,
    struct buf *after, void *arg, char **cause);

/* Reads path (as the run sees it), runs edit, and appends a CHANGE_FILE when
 * the content differs.  summary describes the edit (secrets masked). */
int step_edit_file(struct exec_ctx *, const char *path, edit_fn, void *arg,
    const char *summary, int create, struct change_list *, char **cause);

/* The template that renders path, if the site has one: *out set, or NULL. */
int step_find_template(struct exec_ctx *, const char *path, char **out,
    char **cause);

/*
 * Is the file target readable by someone source keeps out (a group or other
 * permission bit source lacks, counting the directories above each, or an
 * ACL entry of target's that source lacks)?  NULL when not (or when either
 * cannot be stat'ed: then nothing is claimed); else a message naming both,
 * followed, after its NUL, by the chmod arguments that would fix it
 * ("0640 PATH").  Freed by the caller.
 */
char *step_more_readable(struct exec_ctx *, const char *target,
    const char *source);
/*
 * A file jobfix reads a password from (named by setting): a regular file,
 * owned by root or by the user running jobfix, that no other user can write
 * or read (mode 0600 or 0640).  It is read on the host jobfix runs on,
 * never through the transport.  Returns 0, or an error naming setting and
 * file (-JF_ERR_REFUSED for an owner or mode that lets others at it).
 * content (may be NULL): what the file holds, read from the same open file
 * that was checked (at most 64 KiB).
 */
int step_secret_file(const char *setting, const char *path,
    struct buf *content, char **cause);
/* Adds a note to the run's report, when there is one. */
void report_note_if(struct exec_ctx *, const char *fmt, ...) JF_PRINTF(2, 3);

/* Does a template value hold a __PLACEHOLDER__ the renderer fills in? */
int step_is_placeholder(const char *value);

/* Evaluates a step's `when` parameter: "always" (default), "changed" (an
 * earlier step of this playbook changed or would change something) or a
 * rule over facts.  Returns 1 to run, 0 to skip. */
int step_when(const struct step *, struct exec_ctx *, char **cause);

#endif
