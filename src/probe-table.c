/*
 * probe-table.c - every probe, by name.  Adding a probe is adding a file
 * and a line here.
 */
#include "config.h"

#include "probe.h"

extern const struct probe probe_jobconf, probe_mycnf, probe_jobsh,
    probe_job, probe_logs;
extern const struct probe probe_mysql, probe_rabbitmq, probe_redis;
extern const struct probe probe_agent;
extern const struct probe probe_gsetask, probe_license, probe_cert,
    probe_paas, probe_cmdb, probe_consul, probe_ports, probe_nfs;

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
	&probe_agent,
	&probe_gsetask,
	&probe_license,
	&probe_cert,
	&probe_paas,
	&probe_cmdb,
	&probe_consul,
	&probe_ports,
	&probe_nfs,
};

const struct probe *const *
probe_table(size_t *n)
{
	*n = nitems(table);
	return table;
}
