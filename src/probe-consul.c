/*
 * probe-consul.c - does consul route Job's names (FAQ 1 start.consul)?
 *
 * Only when job.conf uses a *.service.consul name (otherwise Job does not
 * route through consul and nothing here applies):
 * - resolv.conf (consul.resolv_conf) lists 127.0.0.1 first and has no
 *   rotate option;
 * - every such name resolves through the system's resolver
 *   (consul.system_resolver: "libc" = getaddrinfo, or "resolv.conf" = the
 *   first nameserver of consul.resolv_conf on consul.resolv_port, for
 *   sandboxes) and through consul's DNS directly (consul.dns_address,
 *   consul.dns_port): no answer means consul is down, an SOA without an A
 *   record that the service is registered unhealthy or not at all;
 * - where job.conf gives the name a port (name:port, or a URL), something
 *   answers on it.
 *
 *   consul.names     NAME[:PORT] found in job.conf, space-separated
 *   consul.resolv    ok | problem
 *   consul.problem   what is wrong, "; "-separated (absent when fine)
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "netcheck.h"

#define CONSUL_RE "([A-Za-z0-9_-]+\\.)+service\\.consul(:[0-9]{1,5})?"
#define DNS_STEP_MS 1000
#define RESOLV_MAX ((size_t)1 << 20)

struct cname {
	char *name;
	int port;        /* 0: none known */
	char *key;       /* the job.conf key it came from */
};

/* Every consul name in job.conf's values, once per name and port. */
static size_t
find_names(const struct facts *in, struct cname **out)
{
	struct cname *v = NULL;
	regmatch_t m[3];
	regex_t re;
	const char *p, *val;
	char *name, *colon;
	size_t n = 0, i, j;
	int port;

	if (regcomp(&re, CONSUL_RE, REG_EXTENDED | REG_ICASE) != 0)
		fatal("regcomp \"%s\" failed", CONSUL_RE);
	for (i = 0; i < in->n; i++) {
		if (!str_startswith(in->v[i].name, "jobconf.") ||
		    (in->v[i].flags & FACT_SECRET))
			continue;
		val = in->v[i].value;
		for (p = val; regexec(&re, p, 3, m, p == val ? 0 : REG_NOTBOL) == 0;
		    p += m[0].rm_eo) {
			name = xstrndup(p + m[0].rm_so,
			    (size_t)(m[0].rm_eo - m[0].rm_so));
			port = 0;
			if ((colon = strchr(name, ':')) != NULL) {
				port = atoi(colon + 1);
				*colon = '\0';
				if (port > 65535)
					port = 0;
			} else if (p + m[0].rm_so - val >= 8 &&
			    strncmp(p + m[0].rm_so - 8, "https://", 8) == 0)
				port = 443;
			else if (p + m[0].rm_so - val >= 7 &&
			    strncmp(p + m[0].rm_so - 7, "http://", 7) == 0)
				port = 80;
			for (j = 0; j < n; j++)
				if (strcasecmp(v[j].name, name) == 0 &&
				    v[j].port == port)
					break;
			if (j < n) {
				free(name);
			} else {
				v = xreallocarray(v, n + 1, sizeof *v);
				v[n].name = name;
				v[n].port = port;
				v[n].key = xstrdup(in->v[i].name + 8);
				n++;
			}
			if (m[0].rm_eo == 0)
				break;
		}
	}
	regfree(&re);
	*out = v;
	return n;
}

static int
step_ms(const struct probe_ctx *ctx)
{
	int left = probe_time_left(ctx) / 2;

	return left > DNS_STEP_MS ? DNS_STEP_MS : left;
}

/* The system's answer: getaddrinfo, or resolv.conf's first nameserver. */
static enum dns_result
system_lookup(const struct probe_ctx *ctx, const struct resolvconf *rc,
    const char *name, char ***addrs, char **why)
{
	struct conf *conf = ctx->site->conf;
	const char *mode = conf_str(conf, "consul.system_resolver");
	struct addrinfo hints, *res = NULL, *ai;
	char text[INET6_ADDRSTRLEN];
	size_t n = 0;
	int r;

	*addrs = NULL;
	*why = NULL;
	if (mode != NULL && strcmp(mode, "resolv.conf") == 0) {
		if (rc->nameservers[0] == NULL) {
			*why = xstrdup("resolv.conf lists no nameserver");
			return DNS_NOANSWER;
		}
		return dns_query_a(rc->nameservers[0],
		    (int)conf_int(conf, "consul.resolv_port"), name,
		    step_ms(ctx), addrs, why);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		*why = xstrdup(gai_strerror(r));
		return r == EAI_NONAME ? DNS_NXDOMAIN : DNS_FAILED;
	}
	*addrs = xcalloc(1, sizeof **addrs);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
		    text, sizeof text);
		*addrs = xreallocarray(*addrs, n + 2, sizeof **addrs);
		(*addrs)[n++] = xstrdup(text);
		(*addrs)[n] = NULL;
	}
	freeaddrinfo(res);
	return DNS_OK;
}

static void
check_resolv(struct probe_ctx *ctx, struct facts *out, struct resolvconf *rc,
    struct buf *probs)
{
	const char *path = conf_str(ctx->site->conf, "consul.resolv_conf");
	struct buf b = BUF_INIT, local = BUF_INIT;
	char *cause = NULL;

	memset(rc, 0, sizeof *rc);
	if (tp_read(ctx->tp, path, &b, RESOLV_MAX, &cause) != 0) {
		resolvconf_parse("", 0, rc);
		problem_add(&local, "%s cannot be read: %s", path, cause);
	} else {
		resolvconf_parse(b.data ? b.data : "", b.len, rc);
		if (rc->nameservers[0] == NULL)
			problem_add(&local, "%s lists no nameserver: put "
			    "\"nameserver 127.0.0.1\" first", path);
		else if (strcmp(rc->nameservers[0], "127.0.0.1") != 0)
			problem_add(&local, "%s lists nameserver %s first, not "
			    "127.0.0.1 (consul)", path, rc->nameservers[0]);
		if (rc->rotate)
			problem_add(&local, "%s:%zu has options rotate: queries "
			    "go round the nameservers and miss consul", path,
			    rc->rotate_line);
	}
	facts_set(out, "consul.resolv", local.len ? "problem" : "ok", 0, "%s%s",
	    path, local.len ? "" : ": nameserver 127.0.0.1 first, no rotate");
	if (local.len)
		problem_add(probs, "%s", local.data);
	buf_free(&local);
	buf_free(&b);
	free(cause);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	const char *dns_addr = conf_str(conf, "consul.dns_address");
	int dns_port = (int)conf_int(conf, "consul.dns_port");
	struct buf probs = BUF_INIT, names = BUF_INIT;
	struct resolvconf rc;
	struct cname *v = NULL;
	enum dns_result sr, cr;
	char **saddrs, **caddrs, *swhy, *cwhy, *addr, *nwhy;
	size_t n, i;
	int consul_silent = 0, fd;

	(void)cause;
	n = find_names(ctx->in, &v);
	if (n == 0) {
		facts_set(out, "consul.names", "", 0, "no *.service.consul "
		    "name in job.conf");
		free(v);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (names.len)
			buf_addch(&names, ' ');
		buf_addstr(&names, v[i].name);
		if (v[i].port)
			buf_printf(&names, ":%d", v[i].port);
	}
	facts_setv(out, "consul.names", names.data, 0, "values of job.conf");
	check_resolv(ctx, out, &rc, &probs);

	for (i = 0; i < n; i++) {
		sr = system_lookup(ctx, &rc, v[i].name, &saddrs, &swhy);
		if (sr != DNS_OK)
			problem_add(&probs, "%s (job.conf %s) does not resolve "
			    "through the system resolver: %s", v[i].name,
			    v[i].key, swhy);
		caddrs = NULL;
		cwhy = NULL;
		cr = DNS_NOANSWER;
		if (!consul_silent) {
			cr = dns_query_a(dns_addr, dns_port, v[i].name,
			    step_ms(ctx), &caddrs, &cwhy);
			if (cr == DNS_NOANSWER) {
				consul_silent = 1;
				problem_add(&probs, "consul's DNS at %s port %d "
				    "does not answer (%s): consul is down",
				    dns_addr, dns_port, cwhy);
			} else if (cr != DNS_OK)
				problem_add(&probs, "consul has no address for "
				    "%s (job.conf %s): %s", v[i].name, v[i].key,
				    cwhy);
		}
		addr = cr == DNS_OK ? caddrs[0] : sr == DNS_OK && saddrs[0] ?
		    saddrs[0] : NULL;
		if (addr != NULL && v[i].port > 0) {
			char *a = NULL;
			fd = -1;
			switch (net_connect(addr, v[i].port, step_ms(ctx), &fd,
			    &a, &nwhy)) {
			case NET_OK:
				break;
			default:
				problem_add(&probs, "%s resolves to %s, but "
				    "nothing answers on port %d: %s", v[i].name,
				    addr, v[i].port, nwhy);
			}
			if (fd >= 0)
				close(fd);
			free(a);
			free(nwhy);
		}
		strv_free(saddrs);
		strv_free(caddrs);
		free(swhy);
		free(cwhy);
	}
	if (probs.len > 0)
		facts_setv(out, "consul.problem", probs.data, 0, "resolv.conf, "
		    "the system resolver and consul's DNS for consul.names");
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].key);
	}
	free(v);
	resolvconf_free(&rc);
	buf_free(&probs);
	buf_free(&names);
	return 0;
}

const struct probe probe_consul = {
	"consul", "consul.", 1, PROBE_NETWORK,
	"consul: resolv.conf, and every *.service.consul name of job.conf through the system and consul's DNS",
	run,
};
