/*
 * probe-paas.c - PaaS's login interface as Job calls it (FAQ 3, codes
 * 1213001 / 1213002): a GET of bk.paas.host + paas.check_path through
 * libcurl, told apart by status, content type and a real JSON parse.
 *
 *   paas.url      the URL asked
 *   paas.status   ok | down | nonjson | auth_failed | unconfigured
 *   paas.error    why not ok: unreachable, not resolving, the page or
 *                 redirect that came back instead of JSON
 *   paas.answer   what a healthy answer looked like
 */
#include "config.h"

#include "netcheck.h"

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *host = facts_get(ctx->in, "jobconf.bk.paas.host");

	(void)cause;
	if (host == NULL || *host == '\0') {
		facts_set(out, "paas.status", "unconfigured", 0, "job.conf has "
		    "no bk.paas.host");
		return 0;
	}
	http_json_facts(ctx, out, "paas", host, conf_str(ctx->site->conf,
	    "paas.check_path"), "job.conf key bk.paas.host, setting "
	    "paas.check_path");
	return 0;
}

const struct probe probe_paas = {
	"paas", "paas.", 1, PROBE_NETWORK,
	"PaaS's login interface over HTTP: reachable, and answering JSON",
	run,
};
