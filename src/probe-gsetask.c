/*
 * probe-gsetask.c - can Job reach gse_task (FAQ 7, code 1210001)?
 *
 * gse.taskserver.ip of job.conf (the first address of a comma-separated
 * list), on the port of the job.conf key keys.gse_task_port or else the
 * setting gse.task_port (48669): resolve, connect, then a TLS handshake
 * with the client certificate and CA the site uses (gse.tls_*).  And when
 * GSE's server runs on this host (its gsectl exists), whether its
 * processes (gse.processes) are in the process table.
 *
 *   gsetask.address        HOST:PORT asked
 *   gsetask.status         ok | down | unreachable | unresolved |
 *                          tls_failed | unconfigured
 *   gsetask.error          why not ok, naming the key or OpenSSL's reason
 *   gsetask.local          yes | no: gse_task is installed on this host
 *   gsetask.missing_procs  GSE processes not running (local only; absent
 *                          when all run)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netcheck.h"
#include "tlsutil.h"

static void
local_facts(struct probe_ctx *ctx, struct facts *out)
{
	const char *gsectl = conf_str(ctx->site->conf, "gse.gsectl");
	const char *const *names = conf_list(ctx->site->conf, "gse.processes");
	struct tproc *procs = NULL;
	struct buf missing = BUF_INIT;
	struct tstat st;
	char *cause = NULL;
	size_t n = 0, i, j;

	memset(&st, 0, sizeof st);
	if (gsectl == NULL || *gsectl == '\0' ||
	    tp_stat(ctx->tp, gsectl, &st, &cause) != 0 || !st.exists) {
		facts_set(out, "gsetask.local", "no", 0, "no GSE server control "
		    "script \"%s\" (setting gse.gsectl)", gsectl ? gsectl : "");
		free(cause);
		return;
	}
	facts_set(out, "gsetask.local", "yes", 0, "\"%s\" exists on %s",
	    gsectl, ctx->site->host);
	if (ctx->tp->ops->list_procs(ctx->tp, &procs, &n, &cause) != 0) {
		facts_set(out, "gsetask.procs_error", cause ? cause : "failed",
		    0, "process table of %s", ctx->site->host);
		free(cause);
		return;
	}
	for (j = 0; names != NULL && names[j] != NULL; j++) {
		for (i = 0; i < n; i++) {
			/* the program name: the first word of the command */
			const char *cmd = procs[i].cmdline, *base;
			size_t len = strcspn(cmd, " ");
			for (base = cmd + len; base > cmd && base[-1] != '/'; base--)
				;
			if ((size_t)(cmd + len - base) == strlen(names[j]) &&
			    strncmp(base, names[j], strlen(names[j])) == 0)
				break;
		}
		if (i == n) {
			if (missing.len > 0)
				buf_addstr(&missing, ",");
			buf_addstr(&missing, names[j]);
		}
	}
	if (missing.len > 0)
		facts_set(out, "gsetask.missing_procs", missing.data, 0,
		    "not among the %zu processes of %s (setting gse.processes)",
		    n, ctx->site->host);
	buf_free(&missing);
	tprocs_free(procs, n);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	const char *ip = facts_get(ctx->in, "jobconf.gse.taskserver.ip");
	const char *pkey, *pval;
	struct tls_client cl;
	char *host = NULL, *first, *addr = NULL, *why = NULL, *ep;
	long port = conf_int(conf, "gse.task_port");
	int fd = -1, r, left;
	enum net_result nr;

	(void)cause;
	local_facts(ctx, out);
	if (ip == NULL || *ip == '\0') {
		facts_set(out, "gsetask.status", "unconfigured", 0,
		    "job.conf has no gse.taskserver.ip");
		return 0;
	}
	pval = net_jobconf_key(ctx, "keys.gse_task_port", &pkey);
	if (pval != NULL && (str_to_long(pval, &port) != 0 || port < 1 ||
	    port > 65535)) {
		facts_set(out, "gsetask.status", "unreachable", 0,
		    "job.conf key %s", pkey);
		why = xasprintf("%s in job.conf is \"%s\", not a port", pkey,
		    pval);
		facts_setv(out, "gsetask.error", why, 0, "job.conf");
		free(why);
		return 0;
	}
	first = xstrndup(ip, strcspn(ip, ", \t"));
	if (net_split_host_port(first, (int)port, &host, &left) != 0) {
		why = xasprintf("gse.taskserver.ip in job.conf is \"%s\", not "
		    "an address", ip);
		facts_set(out, "gsetask.status", "unresolved", 0, "job.conf "
		    "key gse.taskserver.ip");
		facts_setv(out, "gsetask.error", why, 0, "job.conf");
		free(why);
		free(first);
		return 0;
	}
	free(first);
	port = left;
	ep = xasprintf("%s:%ld", host, port);
	facts_set(out, "gsetask.address", ep, 0, "host: job.conf "
	    "gse.taskserver.ip; port: %s", pval ? pkey : "setting gse.task_port");

	nr = net_connect(host, (int)port, probe_time_left(ctx), &fd, &addr,
	    &why);
	switch (nr) {
	case NET_UNRESOLVED:
		facts_set(out, "gsetask.status", "unresolved", 0, "resolving "
		    "gse.taskserver.ip");
		free(why);
		why = xasprintf("gse.taskserver.ip \"%s\" does not resolve",
		    host);
		facts_setv(out, "gsetask.error", why, 0, "getaddrinfo");
		goto out;
	case NET_REFUSED:
		facts_set(out, "gsetask.status", "down", 0, "TCP connection "
		    "to %s", ep);
		facts_setv(out, "gsetask.error", why, 0, "TCP connect");
		goto out;
	case NET_UNREACHABLE:
		facts_set(out, "gsetask.status", "unreachable", 0, "TCP "
		    "connection to %s", ep);
		facts_setv(out, "gsetask.error", why, 0, "TCP connect");
		goto out;
	case NET_OK:
		break;
	}
	free(why);
	why = NULL;
	memset(&cl, 0, sizeof cl);
	cl.ca_file = conf_str(conf, "gse.tls_ca");
	cl.cert_file = conf_str(conf, "gse.tls_cert");
	cl.key_file = conf_str(conf, "gse.tls_key");
	r = tls_handshake(ctx->tp, fd, &cl, probe_time_left(ctx), &why);
	if (r == 0) {
		facts_set(out, "gsetask.status", "ok", 0, "TLS handshake with "
		    "%s (CA %s, client certificate %s)", ep, cl.ca_file,
		    cl.cert_file);
	} else if (r == -JF_ERR_TIMEOUT) {
		/* a frozen gse_task, or a proxy without its backend: it does
		 * not answer Job either */
		facts_set(out, "gsetask.status", "down", 0, "TLS handshake "
		    "with %s: no answer", ep);
		{
			char *text = xasprintf("%s accepted the TCP connection "
			    "but did not answer the TLS handshake within the "
			    "probe's deadline (%d ms): a frozen or overloaded "
			    "gse_task, or a proxy without its backend", ep,
			    ctx->timeout_ms);
			facts_setv(out, "gsetask.error", text, 0, "TLS "
			    "handshake");
			free(text);
		}
	} else {
		char *text = xasprintf("TLS handshake with %s: %s", ep,
		    why ? why : "failed");
		facts_set(out, "gsetask.status", "tls_failed", 0, "TLS "
		    "handshake with %s (CA %s, client certificate %s)", ep,
		    cl.ca_file, cl.cert_file);
		facts_setv(out, "gsetask.error", text, 0, "OpenSSL");
		free(text);
	}
out:
	if (fd >= 0)
		close(fd);
	free(why);
	free(addr);
	free(ep);
	free(host);
	return 0;
}

const struct probe probe_gsetask = {
	"gsetask", "gsetask.", 1, PROBE_NETWORK,
	"gse_task: TCP and a TLS handshake with Job's client certificate; GSE's processes when it runs here",
	run,
};
