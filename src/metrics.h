/*
 * metrics.h - Prometheus metrics of every run, in node_exporter's
 * textfile-collector format (setting metrics.textfile; jobfix(8), METRICS).
 *
 * A run adds itself (metrics_add) and the file is written once at the end
 * (metrics_write): a local run has one host and no host label, a fleet run
 * adds every host with a host label, into one file on the controller.
 * Counters (_total) survive from run to run in each host's state dir
 * (metrics.json), so Prometheus sees them grow; everything else is a gauge
 * of the last run.
 */
#ifndef JOBFIX_METRICS_H
#define JOBFIX_METRICS_H

#include "playbook.h"
#include "report.h"
#include "site.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *);

/*
 * One host's run.  host_label: NULL for a local run (no host label).
 * site may be NULL (the host was not reached: no counters, no probes), rep
 * too (nothing was found).  Thread-safe: fleet workers add concurrently.
 */
void metrics_add(struct metrics *, const char *host_label, struct site *,
    const struct report *rep, const struct playbook_set *, int exit_code,
    int64_t duration_ms);

/* The text of every sample added, families in a fixed order. */
char *metrics_text(struct metrics *);

/* Writes path atomically (temp file and rename in its directory, mode
 * 0644, through the local transport).  0 or a negative jf_err. */
int metrics_write(struct metrics *, const char *path, char **cause);

/* The whole thing for a local run: nothing when metrics.textfile is
 * empty; a failure is a warning (the run's own result stands). */
void metrics_local_run(struct site *, const struct report *,
    const struct playbook_set *);

#endif
