/*
 * fault.h - the fault catalogue of FAULTS.md and the error codes of FAQ §9.
 *
 * IDs are stable: playbooks, tests, JSON output and `jobfix explain` use them.
 * Each fault carries the rule (rule.h) that detects it from facts; a playbook
 * names the faults it fixes.  Tiers order the repairs: upstream first.
 */
#ifndef JOBFIX_FAULT_H
#define JOBFIX_FAULT_H

#include <stddef.h>

enum fault_tier {
	TIER_MYSQL = 0,
	TIER_BROKER = 1, /* Redis, RabbitMQ */
	TIER_JOB = 2,
	TIER_GSE = 3,
	TIER_OTHER = 4,
};

struct fault {
	const char *id;      /* "nolog.partition" */
	int section;         /* FAQ section, 1..9 */
	long code;           /* error code of §9, 0 if none */
	long code2;          /* a second code it can produce, 0 if none */
	enum fault_tier tier;
	const char *title;
	const char *detect;  /* the rule; facts missing make it false */
	const char *checks;  /* what jobfix looks at, in words */
	const char *advice;  /* what a person should do; ${fact} expanded */
	const char *upstream; /* comma-separated fault IDs that cause this one */
	int warning;         /* a warning, not an error (headroom, expiry) */
	const char *code2_when; /* a rule: when it holds, the finding carries
	                         * code2 (the FAQ row that fits), not code */
};

struct errcode {
	long code;
	const char *route; /* "JOB -> GSE" */
	const char *meaning;
	const char *faq_zh; /* the FAQ's own words (Chinese), quoted as is */
};

const struct fault *fault_table(size_t *n);
const struct fault *fault_find(const char *id);
const struct errcode *errcode_table(size_t *n);
const struct errcode *errcode_find(long code);

#endif
