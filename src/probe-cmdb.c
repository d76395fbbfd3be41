/*
 * probe-cmdb.c - CMDB as Job calls it (FAQ 9, codes 1211001 / 1211002): a
 * GET of the address in the job.conf key keys.cmdb_url names (a guess:
 * PLATFORM.md [U]) + cmdb.check_path, through libcurl, told apart by
 * status, content type and a real JSON parse.
 *
 *   cmdb.url      the URL asked
 *   cmdb.status   ok | down | nonjson | auth_failed | unconfigured
 *   cmdb.error    why not ok
 *   cmdb.answer   what a healthy answer looked like
 */
#include "config.h"

#include <stdlib.h>

#include "netcheck.h"

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *key, *base;
	char *source;

	(void)cause;
	base = net_jobconf_key(ctx, "keys.cmdb_url", &key);
	if (base == NULL || *base == '\0') {
		facts_set(out, "cmdb.status", "unconfigured", 0, "job.conf has "
		    "no key %s (setting keys.cmdb_url)", key);
		return 0;
	}
	source = xasprintf("job.conf key %s, setting cmdb.check_path", key);
	http_json_facts(ctx, out, "cmdb", base, conf_str(ctx->site->conf,
	    "cmdb.check_path"), source);
	free(source);
	return 0;
}

const struct probe probe_cmdb = {
	"cmdb", "cmdb.", 1, PROBE_NETWORK,
	"CMDB over HTTP: reachable, and answering JSON",
	run,
};
