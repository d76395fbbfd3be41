/*
 * probe-license.c - the license server (FAQ 1, code 1210101): a TLS
 * handshake and its health check, a POST of platform.cert to /certificate
 * whose healthy answer contains "success" (PLATFORM.md), through libcurl.
 *
 * The address is the job.conf key that keys.license_url names (a guess:
 * PLATFORM.md [U]), as a URL or HOST[:PORT] (port license.port, 8443).
 * Certificates come from license.ca / license.client_cert / .client_key,
 * read through the transport.
 *
 *   license.url      the URL asked
 *   license.status   ok | down | tls_failed | invalid | unconfigured
 *   license.error    why not ok
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "netcheck.h"

#define PEM_MAX ((size_t)1 << 20)

static char *
license_url(const char *value, long defport)
{
	char *host = NULL, *url;
	int port;

	if (strncmp(value, "https://", 8) == 0 || strncmp(value, "http://", 7) == 0) {
		url = xstrdup(value);
		while (*url && str_endswith(url, "/"))
			url[strlen(url) - 1] = '\0';
		if (strstr(url + 8, "/") == NULL) {
			char *u = xasprintf("%s/certificate", url);
			free(url);
			url = u;
		}
		return url;
	}
	if (net_split_host_port(value, (int)defport, &host, &port) != 0)
		return NULL;
	url = strchr(host, ':') ? xasprintf("https://[%s]:%d/certificate",
	    host, port) : xasprintf("https://%s:%d/certificate", host, port);
	free(host);
	return url;
}

/* Reads an optional PEM file; 0 (b empty when path is empty) or an error. */
static int
read_pem(struct probe_ctx *ctx, const char *path, struct buf *b, char **cause)
{
	if (path == NULL || *path == '\0')
		return 0;
	return tp_read(ctx->tp, path, b, PEM_MAX, cause);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	struct buf ca = BUF_INIT, cert = BUF_INIT, key = BUF_INIT,
	    body = BUF_INIT;
	struct http_req req;
	struct http_answer ans;
	const char *value, *k, *ca_path, *cert_path, *key_path, *pc;
	char *url = NULL, *why = NULL, *err = NULL;
	int r;

	(void)cause;
	memset(&ans, 0, sizeof ans);
	key.secret = 1;
	value = net_jobconf_key(ctx, "keys.license_url", &k);
	if (value == NULL || *value == '\0') {
		facts_set(out, "license.status", "unconfigured", 0, "job.conf "
		    "has no key %s (setting keys.license_url)", k);
		return 0;
	}
	if ((url = license_url(value, conf_int(conf, "license.port"))) == NULL) {
		facts_set(out, "license.status", "down", 0, "job.conf key %s", k);
		why = xasprintf("%s in job.conf is \"%s\", not an address", k,
		    value);
		facts_setv(out, "license.error", why, 0, "job.conf");
		goto out;
	}
	facts_set(out, "license.url", url, 0, "job.conf key %s", k);
	pc = conf_str(conf, "license.platform_cert");
	if ((r = read_pem(ctx, pc, &body, &err)) != 0 || body.len == 0) {
		facts_set(out, "license.status", "invalid", 0, "reading \"%s\"",
		    pc);
		why = xasprintf("the health check needs platform.cert: %s", err ?
		    err : "the file is empty");
		facts_setv(out, "license.error", why, 0, "setting "
		    "license.platform_cert");
		goto out;
	}
	ca_path = conf_str(conf, "license.ca");
	cert_path = conf_str(conf, "license.client_cert");
	key_path = conf_str(conf, "license.client_key");
	if (read_pem(ctx, ca_path, &ca, &err) != 0 ||
	    read_pem(ctx, cert_path, &cert, &err) != 0 ||
	    read_pem(ctx, key_path, &key, &err) != 0) {
		facts_set(out, "license.status", "tls_failed", 0, "settings "
		    "license.ca, license.client_cert, license.client_key");
		facts_setv(out, "license.error", err, 0, "reading certificates");
		goto out;
	}
	memset(&req, 0, sizeof req);
	req.url = url;
	req.body = body.data;
	req.body_len = body.len;
	req.content_type = "application/octet-stream";
	req.ca_pem = ca.len ? &ca : NULL;
	req.cert_pem = cert.len ? &cert : NULL;
	req.key_pem = key.len ? &key : NULL;
	req.timeout_ms = probe_time_left(ctx);
	r = http_request(&req, &ans);
	if (r == HTTP_TLS) {
		facts_set(out, "license.status", "tls_failed", 0, "POST %s "
		    "(CA %s)", url, ca_path);
		why = xasprintf("TLS with %s: %s", url, ans.error);
		facts_setv(out, "license.error", why, 0, "libcurl");
	} else if (r != 0) {
		facts_set(out, "license.status", "down", 0, "POST %s", url);
		why = xasprintf("%s: %s", url, ans.error);
		facts_setv(out, "license.error", why, 0, "libcurl");
	} else if (ans.status >= 500 || ans.status == 0) {
		facts_set(out, "license.status", "down", 0, "POST %s", url);
		why = xasprintf("%s answered HTTP %ld", url, ans.status);
		facts_setv(out, "license.error", why, 0, "libcurl");
	} else if (ans.status != 200 || ans.body.len == 0 ||
	    strstr(ans.body.data, "success") == NULL) {
		facts_set(out, "license.status", "invalid", 0, "POST %s with "
		    "%s", url, pc);
		why = xasprintf("%s answered HTTP %ld without \"success\": "
		    "the license in %s is not accepted", url, ans.status, pc);
		facts_setv(out, "license.error", why, 0, "libcurl");
	} else
		facts_set(out, "license.status", "ok", 0, "POST %s with %s: "
		    "HTTP 200, \"success\"", url, pc);
out:
	http_answer_free(&ans);
	buf_free(&ca);
	buf_free(&cert);
	buf_free(&key);
	buf_free(&body);
	free(err);
	free(why);
	free(url);
	return 0;
}

const struct probe probe_license = {
	"license", "license.", 1, PROBE_NETWORK,
	"the license server: TLS and its /certificate health check",
	run,
};
