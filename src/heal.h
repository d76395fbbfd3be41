/*
 * heal.h - unattended self-healing: per-playbook policy and rate limits,
 * the maintenance flag, the audit records of changes, and the state that
 * `jobfix status` shows (jobfix(8), UNATTENDED RUNS, describes the semantics).
 *
 * The engine asks heal_may_run() before it runs a playbook, and the
 * executor asks heal_may_change() right before each change and tells
 * heal_on_change() what happened (exec.h hooks), so the maintenance flag
 * and the limits are checked again before every change, not only once.
 *
 * Rate limits count unattended runs only.  An attempt is an unattended run
 * of a playbook that reached its first change (counted, and saved, before
 * that change is made: a run killed in the middle still counts).  Attempts
 * older than the window are forgotten; with max_runs attempts inside the
 * window the playbook is held until the oldest of them leaves the window,
 * or until `jobfix reset PLAYBOOK`.
 */
#ifndef JOBFIX_HEAL_H
#define JOBFIX_HEAL_H

#include <jansson.h>

#include "audit.h"
#include "exec.h"
#include "playbook.h"
#include "report.h"
#include "site.h"

struct heal;

/* audit NULL with audit_error set: every change is refused (nothing is
 * changed without a record). */
struct heal *heal_new(struct site *, struct audit *, const char *audit_error,
    const char *run_id, int unattended);
void heal_free(struct heal *);

/* Hooks; arg is the struct heal. */
int heal_may_run(const struct playbook *, char **why, void *arg);
int heal_may_change(struct exec_ctx *, const struct change *, char **why,
    void *arg);
void heal_on_change(struct exec_ctx *, const struct change *,
    const char *event, void *arg);

/* "auto" or "confirm": policy.NAME.mode in jobfix.conf, else the
 * playbook's own policy.  Anything else reads as "confirm". */
const char *heal_mode(struct conf *, const struct playbook *);
void heal_limits(struct conf *, const char *playbook, long *max_runs,
    long *window_seconds);

/* The maintenance flag: 1 when set (*text: what the file says). */
int heal_paused(struct conf *, char **text);
const char *heal_flag_path(struct conf *);
int heal_pause(struct site *, struct audit *, const char *reason,
    char **cause);
int heal_resume(struct site *, struct audit *, int *was_paused,
    char **cause);

/* Counters: { "PLAYBOOK": { "attempts": [ epoch, ... ], "held_at": t,
 * "held_until": t }, ... } in STATE/ratelimit.json. */
int heal_counters_load(struct site *, json_t **out, char **cause);
/* Forgets the attempts and the hold of one playbook (NULL: all); *found
 * says whether there was anything to forget. */
int heal_reset(struct site *, struct audit *, const char *playbook,
    int *found, char **cause);

/* A JSON object in the site's state dir, written atomically (0600); a
 * missing file reads as an empty object, a broken one is an error naming
 * it. */
int heal_state_write(struct site *, const char *name, json_t *, char **cause);
int heal_state_read(struct site *, const char *name, json_t **out,
    char **cause);

/* STATE/last-run.json: what the last fix did, for status and monitoring. */
int heal_last_run_save(struct site *, const struct report *, int unattended,
    char **cause);
json_t *heal_last_run_load(struct site *);

/* An audit record of an event that is not a change (pause, reset, ...). */
int heal_audit_event(struct audit *, const char *run_id, const char *event,
    const char *playbook, const char *message, char **cause);
/* A new run id (time and randomness), as report_new makes them. */
void heal_run_id(char out[40]);

/* A string as a JSON value: masked, and never invalid UTF-8. */
json_t *heal_jstr(const char *);

#endif
