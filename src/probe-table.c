/*
 * probe-table.c - every probe, by name.  Adding a probe is adding a file
 * and a line here.
 */
#include "config.h"

#include "probe.h"

extern const struct probe probe_jobconf, probe_mycnf, probe_jobsh,
    probe_job, probe_logs;
extern const struct probe probe_mysql, probe_rabbitmq, probe_redis;

static const struct probe *const table[] = {
	/* stage 0: the site's files */
	&probe_jobconf,
	&probe_mycnf,
	&probe_jobsh,
	/* stage 1: concurrently */
	&probe_job,
	&probe_logs,
	&probe_mysql,
	&probe_rabbitmq,
	&probe_redis,
};

const struct probe *const *
probe_table(size_t *n)
{
	*n = nitems(table);
	return table;
}
