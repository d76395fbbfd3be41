/*
 * report.h - what a run found and did, rendered once at the end as text
 * (a runbook a person could follow by hand) or as one JSON document.
 */
#ifndef JOBFIX_REPORT_H
#define JOBFIX_REPORT_H

#include <stdio.h>

#include "exec.h"
#include "facts.h"
#include "fault.h"
#include "playbook.h"

enum finding_state {
	FINDING_OPEN,     /* found; nothing was tried (diagnose) */
	FINDING_PLANNED,  /* dry run: a playbook would fix it */
	FINDING_FIXED,    /* a playbook ran and it is gone */
	FINDING_REMAINS,  /* a playbook ran, and it is still there */
	FINDING_FAILED,   /* its playbook failed */
	FINDING_ADVICE,   /* no playbook: a person must act */
	FINDING_HELD,     /* not run: policy, rate limit, maintenance */
	FINDING_BLOCKED,  /* not run: an upstream fault causes it */
	FINDING_UNCHECKED, /* could not check: a probe had no answer, or a
	                    * file could not be read as its reader reads it;
	                    * never health, and no playbook runs on it */
	FINDING_APPLIED,  /* applied until restart: the running thing is
	                   * right, but the option file jobfix changed is not
	                   * shown to be the one it reads when restarted */
};
const char *finding_state_name(enum finding_state);

struct finding {
	const struct fault *fault;
	char *evidence;   /* "fact = value (how)" lines, secrets masked */
	char *evidence_text; /* the same in the user's language (text only) */
	char *advice;     /* expanded, secrets masked */
	char *advice_text; /* the same in the user's language (text only) */
	const struct playbook *pb;
	enum finding_state state;
	long code;        /* the FAQ error code that fits what was found, or 0 */
	char *note;       /* why held or blocked, ... */
};

struct pb_run {
	const struct playbook *pb;
	size_t finding;   /* index into findings, or (size_t)-1 */
	enum outcome outcome;
	struct step_record *records;
	size_t nrecords;
};

struct report {
	const char *command;
	char *host;
	char *root;
	char run_id[40];
	int dry_run;
	struct finding *findings;
	size_t nfindings;
	struct pb_run *runs;
	size_t nruns;
	char **notes;
	size_t nnotes;
	struct facts *facts;  /* not owned; shown by `facts` and --verbose */
	int show_facts;
	int exit_code;
	int gate_hold;        /* gate.h: why the gate first held this run */
	int64_t start_ms;     /* now_ms() when the report was made */
};

struct report *report_new(const char *command, const char *host,
    const char *root, int dry_run);
void report_free(struct report *);
void report_note(struct report *, const char *fmt, ...) JF_PRINTF(2, 3);
struct finding *report_add_finding(struct report *, const struct fault *);
void report_clear_findings(struct report *);
/* Takes the records of a playbook run out of ctx. */
void report_add_run(struct report *, struct exec_ctx *, const struct playbook *,
    size_t finding, enum outcome);

struct report_style {
	int colour;
	int verbose;
	int quiet;    /* print nothing when healthy */
};
void report_text(const struct report *, FILE *, const struct report_style *);
/* One JSON document; returns 0 or -JF_ERR_IO. */
int report_json(const struct report *, FILE *);

#endif
