/*
 * exec.h - the executor: the only code that applies or undoes a change, and
 * the one gate every change passes.
 *
 * A step never acts.  Its prepare() reads the current state through ctx->tp,
 * the read-only view of the host (transport.h; exec_read_file and exec_view
 * so a dry run sees its own earlier planned edits), and returns the changes
 * needed: none when the host is already right.  The executor then, in one
 * place (exec_change):
 *   - in a dry run, records "would change" / "would run" and returns;
 *   - otherwise passes the gate (gate.h: the run lock held, the audit log
 *     open and an "applying" record written, the maintenance flags and
 *     rate limits), backs up the file, applies through the writable
 *     transport, which only it holds, records the result in the audit log
 *     and keeps the change for undo.
 * When a later verify fails, every change of the run is undone, newest first,
 * each undo recorded too.
 *
 * Outcomes are ordered; the worst decides a playbook's result.
 */
#ifndef JOBFIX_EXEC_H
#define JOBFIX_EXEC_H

#include "facts.h"
#include "playbook.h"
#include "site.h"

enum outcome {
	OUT_OK = 0,      /* nothing to do */
	OUT_CHANGED,     /* changed (or would change, in a dry run) */
	OUT_SKIPPED,     /* not run: held, refused, not allowed */
	OUT_FAILED,      /* failed, and what it changed is still in place */
	OUT_UNDONE,      /* failed, and what the run changed was undone */
	OUT_PARTIAL,     /* failed in a later group of steps: that group was
			    undone, the changes of the groups before it stand
			    (playbook.h: groups) */
};
const char *outcome_name(enum outcome);

enum change_kind {
	CHANGE_FILE,   /* replace a file's content */
	CHANGE_ACTION, /* run something: a program, SQL, a restart */
	CHANGE_CHECK,  /* verify or wait: acts on nothing, may fail */
};

struct exec_ctx;
struct change;

/* Applies (or undoes, or checks) a change.  tp is what the executor hands
 * it: the writable transport for an action and its undo, the read-only view
 * for a check. */
typedef int (*change_fn)(struct change *, struct exec_ctx *,
    struct transport *tp, char **cause);

struct change {
	enum change_kind kind;
	char *summary;  /* one line, secrets masked */
	/* CHANGE_FILE */
	char *path;     /* resolved: the file that will be replaced */
	int remove;     /* remove the file instead (undo of a file a run made) */
	struct buf before, after;
	int existed;
	mode_t mode;
	char *backup;   /* where the old content was saved */
	char *note;     /* e.g. the template warning */
	/* CHANGE_ACTION and CHANGE_CHECK */
	char *display;  /* the exact argv / statement, secrets masked */
	change_fn apply;  /* or check, for CHANGE_CHECK */
	change_fn undo;   /* NULL: cannot be undone */
	char *undo_display;
	void *data;
	void (*data_free)(void *);
	char *refused;  /* set by prepare: not allowed (needs --allow-restart) */
	/* result */
	enum outcome outcome;
	char *message;  /* what happened, masked */
	int conflict;   /* CHANGE_FILE: someone changed the file meanwhile;
			   their version was kept (message says more) */
	int step_index;
	int group_no;   /* its step's group (struct step) */
	int kept;       /* its playbook failed in a later group, and it
			   stands */
	/* audit: this change reverses record `undoes` of run undo_of_run
	 * (jobfix undo); 0 and NULL otherwise */
	long undoes;
	char *undo_of_run;
};

struct change_list {
	struct change **v;
	size_t n, cap;
};

struct change *change_new(enum change_kind, const char *summary);
void change_free(struct change *);
void change_list_add(struct change_list *, struct change *);
void change_list_free(struct change_list *);

struct report;
struct finding;
struct gate;

/* How a run goes through the gate. */
struct exec_opts {
	int dry_run;
	int allow_restart;
	int unattended; /* a run nobody watches (cron, --yes without a terminal) */
	int guarded;    /* the maintenance flags and rate limits apply: an
			   unattended run, or a fleet run */
	const char *run_id; /* NULL: the report's */
};

/*
 * A restart the run does once, as Ansible's handlers do: a playbook that
 * reaches a `service` step with action "restart" stops there (its changes
 * so far applied); exec_restarts(), after the last playbook of the run,
 * restarts each such service once, after every change that needs it, and
 * then runs the rest of each stopped playbook (its checks after the
 * restart).
 */
struct exec_pending {
	const struct playbook *pb;
	const struct finding *finding;
	size_t run;                 /* its entry in report->runs; (size_t)-1
				       until exec_bind_run() */
	size_t step;                /* the restart step (0-based) */
	size_t rec;                 /* the restart step's record */
	char *service;
	struct change_list restart; /* prepared, not run yet */
	struct change_list applied; /* the playbook's changes so far */
	int changed;
	enum outcome worst;         /* its outcome so far */
};

struct exec_ctx {
	struct site *site;
	struct conf *conf;
	struct transport *tp;          /* the read-only view of the host */
	struct facts *facts;
	struct report *report;
	struct gate *gate;             /* NULL in a dry run */
	const char *run_id;
	int dry_run;
	int allow_restart;
	const struct playbook *pb;     /* being run */
	const struct finding *finding; /* that triggered it, or NULL */
	struct change_list applied;    /* this playbook's changes, for undo */
	struct overlay *overlay;       /* dry run: planned file contents */
	struct transport *view;        /* exec_view() */
	int changed;                   /* changes made (or planned) so far in
					  this playbook: `when = "changed"` */
	/* What the executor did, step by step (report.h). */
	struct step_record *records;
	size_t nrecords;
	/* Playbooks stopped at a restart the run does once (exec_restarts);
	 * stopped: the last exec_playbook() stopped so. */
	struct exec_pending *pending;
	size_t npending;
	int stopped;
};

/* One step as run: kept for the report. */
struct step_record {
	int index;
	const char *type;
	enum outcome outcome;
	char *message;           /* "already set", "would change", error */
	struct change_list changes;
};

/* Outside a dry run this opens the gate: the audit log is opened here (if
 * it cannot be, every change is refused, saying why). */
void exec_init(struct exec_ctx *, struct site *, struct facts *,
    struct report *, const struct exec_opts *);
void exec_cleanup(struct exec_ctx *);
/* Before a playbook runs: 0 when it may, else the gate's reason (gate.h
 * GATE_* code, *why saying it); a dry run always may. */
int exec_may_run(struct exec_ctx *, const struct playbook *, char **why);

/* Reads a file as the run sees it: planned content in a dry run. */
int exec_read_file(struct exec_ctx *, const char *path, struct buf *out,
    int *exists, char **cause);
/* A read-only transport showing the host as the run sees it (planned
 * content in a dry run), for parsers that read files themselves. */
struct transport *exec_view(struct exec_ctx *);
/* Re-runs the probe that owns fact and returns its new value (NULL: none). */
const char *exec_refresh_fact(struct exec_ctx *, const char *fact);
/* Expands ${fact} references; *secret set when a secret fact was used. */
char *exec_expand(struct exec_ctx *, const char *text, int *secret,
    char **cause);

/* The gate: applies (or, in a dry run, records) one change. */
enum outcome exec_change(struct exec_ctx *, struct change *);
/* Runs a playbook's steps; returns the worst outcome.  A restart of a
 * service is not run here: the playbook stops at it (ctx->stopped set), and
 * exec_restarts() goes on with it. */
enum outcome exec_playbook(struct exec_ctx *, const struct playbook *,
    const struct finding *);
/* The report entry of the playbook exec_playbook() just ran is runs[run]
 * (report_add_run): its pending restart, if any, is bound to it. */
void exec_bind_run(struct exec_ctx *, size_t run);
/* Restarts each service the stopped playbooks wait for, once, then runs
 * the rest of each of them; their report entries (records, outcome) are
 * updated.  Until no playbook waits. */
void exec_restarts(struct exec_ctx *);
/* Records (add = 1) or forgets (add = 0) a file about to be written, so
 * a crash's temp file beside it can be found by the next run. */
void exec_pending(struct site *, const char *path, int add);
/* Removes the temp files beside the files a crashed run was writing;
 * call with the run lock held.  Returns how many. */
int exec_sweep_litter(struct site *);

/* Undoes every applied change of the run, newest first. */
int exec_undo_all(struct exec_ctx *);

#endif
