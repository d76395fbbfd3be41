/*
 * facts.h - what the probes found: name = value, with evidence.
 *
 * A fact's name is dotted: the probe's prefix, then what it measured
 * ("mysql.event_scheduler", "jobconf.app.code", "log.partition.count").
 * The evidence says how the value was obtained, in words a person can check
 * ("SELECT @@event_scheduler on 127.0.0.1:3306").  A secret fact's value never
 * leaves the process: facts_get() returns it for use, the renderers mask it.
 *
 * facts_set() and facts_set_long() format the evidence twice when its
 * format is translated (marked N_() at the call): English for what programs
 * read, and in the user's language for the text reports.
 *
 * A fact set is filled by one probe at a time (no locking); the runner merges
 * the sets of concurrent probes.  Setting a name again replaces it.  A name
 * is found through a hash index (strmap.h) in constant time: job.conf alone
 * can bring 200,000 facts.
 *
 * Threads: the readers (facts_find, facts_get, walking v) only read, so
 * concurrent probes may share one set as long as nobody changes it; the
 * runner gives them the stage-0 facts that way (probe.c).
 */
#ifndef JOBFIX_FACTS_H
#define JOBFIX_FACTS_H

#include "strmap.h"
#include "util.h"

#define FACT_SECRET 0x1

struct fact {
	char *name;
	char *value;
	char *evidence;      /* English: --json, the audit log */
	char *evidence_text; /* the same in the user's language, for text
				output; NULL when it is the English */
	int flags;
};

struct facts {
	struct fact *v;       /* in the order set (or sorted) */
	size_t n, cap;
	struct strmap *index; /* name -> position in v */
};

struct facts *facts_new(void);
void facts_free(struct facts *);
void facts_set(struct facts *, const char *name, const char *value, int flags,
    const char *evidence_fmt, ...) JF_PRINTF(5, 6);
void facts_setv(struct facts *, const char *name, const char *value, int flags,
    const char *evidence);
/* The same with the evidence in the user's language too (NULL: none). */
void facts_setv_text(struct facts *, const char *name, const char *value,
    int flags, const char *evidence, const char *evidence_text);
/* The evidence a person reads: evidence_text, else evidence. */
const char *fact_evidence_text(const struct fact *);
void facts_set_long(struct facts *, const char *name, long value,
    const char *evidence_fmt, ...) JF_PRINTF(4, 5);
const struct fact *facts_find(const struct facts *, const char *name);
const char *facts_get(const struct facts *, const char *name);
/* Removes every fact whose name starts with prefix (a probe is re-run). */
void facts_drop_prefix(struct facts *, const char *prefix);
/* Copies every fact of src into dst (replacing same names). */
void facts_merge(struct facts *dst, const struct facts *src);
/* Moves every fact of src into dst (replacing same names), leaving src
 * empty: no string is copied. */
void facts_move(struct facts *dst, struct facts *src);
/* Exchanges the contents of two sets, in constant time. */
void facts_swap(struct facts *, struct facts *);
/* Sorted by name, for stable output. */
void facts_sort(struct facts *);

#endif
