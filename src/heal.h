/*
 * heal.h - unattended self-healing: per-playbook policy and rate limits,
 * the maintenance flag, and the state that `jobfix status` shows (jobfix(8),
 * UNATTENDED RUNS, describes the semantics).  The executor's gate (gate.h)
 * applies them before every change; the commands pause, resume, reset and
 * status read and write them.
 *
 * Rate limits count guarded runs only (unattended and fleet runs).  An
 * attempt is a guarded run of a playbook that reached its first change
 * (counted, and saved, before that change is made: a run killed in the
 * middle still counts).  Attempts older than the window are forgotten; with
 * max_runs attempts inside the window the playbook is held until the oldest
 * of them leaves the window, or until `jobfix reset PLAYBOOK`.
 */
#ifndef JOBFIX_HEAL_H
#define JOBFIX_HEAL_H

#include <jansson.h>
#include <time.h>

#include "audit.h"
#include "exec.h"
#include "playbook.h"
#include "report.h"
#include "site.h"

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
/* o[key] = heal_jstr(value), when value is not NULL. */
void heal_set_str(json_t *o, const char *key, const char *value);

/* For the gate: the counters' arithmetic. */
/* Drops attempts older than the window; returns those left, *oldest the
 * oldest of them. */
size_t heal_prune(json_t *entry, long window, time_t now, time_t *oldest);
json_t *heal_entry_of(json_t *counters, const char *playbook);
char *heal_when_text(time_t);

#endif
