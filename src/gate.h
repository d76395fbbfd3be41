/*
 * gate.h - the one gate every change passes: it lives in the executor
 * (exec.c opens it with exec_init and asks it in exec_change), never in
 * hooks a command installs, so a change without it cannot happen.
 *
 * Before each change (not once per run: a pause or a cron run that starts
 * meanwhile is seen before the next change) the gate checks, in order:
 *   - the run lock of the host's state directory is held by this process
 *     (lock.h; every command that changes things takes it, see cmd.h);
 *   - the audit log is open;
 *   - on a remote host: no jobfix run there holds that host's own lock
 *     (remote.state_dir/lock, tested with flock(1) through the transport);
 *   - in a guarded run (unattended, or fleet): the maintenance flag is not
 *     set, here and, on a remote host, on that host (remote.maintenance_file,
 *     what `jobfix pause` there writes); the playbook is within its rate
 *     limit on this host (its attempt is counted before its first change);
 *   - the "applying" record is written to the audit log.
 * Then the executor applies the change and the gate records its result
 * ("applied", "failed", "undone", "undo-failed", "refused").  Records name
 * the host; fleet and -H runs write them to this machine's chain.
 */
#ifndef JOBFIX_GATE_H
#define JOBFIX_GATE_H

#include "exec.h"
#include "playbook.h"
#include "site.h"

/* Why the gate holds a run or a change; report.gate_hold keeps the first. */
enum gate_hold {
	GATE_OPEN = 0,
	GATE_PAUSED,     /* a maintenance flag is set */
	GATE_LOCKED,     /* another jobfix run holds the host's lock */
	GATE_RATE_LIMIT, /* the playbook is held by its rate limit */
	GATE_REFUSED,    /* no audit log, no run lock, state unreadable */
};
/* "paused", "locked", "held by rate limit", "refused" (NULL for open). */
const char *gate_hold_word(int);

struct gate;

/* run_id names the run in every record; unattended is recorded; guarded:
 * maintenance flags and rate limits apply.  Opens the audit log; when it
 * cannot be opened the gate refuses every change, saying why. */
struct gate *gate_open(struct site *, const char *run_id, int unattended,
    int guarded);
void gate_close(struct gate *);
/* Before a playbook runs: GATE_OPEN, or why not (*why). */
int gate_may_run(struct gate *, const struct playbook *, char **why);
/* Right before a change: GATE_OPEN (the "applying" record written), or
 * why not (*why). */
int gate_may_change(struct gate *, struct exec_ctx *, const struct change *,
    char **why);
/* The result of a change: "applied", "failed", "undone", "undo-failed",
 * "refused". */
void gate_record(struct gate *, struct exec_ctx *, const struct change *,
    const char *event);

/* The checks of a remote host's own jobfix (used by the gate, and by
 * `jobfix status -H`): 1 and *text when set or held, 0 when not, negative
 * (and *text) when it cannot be told. */
int gate_remote_paused(struct site *, char **text);
int gate_remote_locked(struct site *, char **text);

#endif
