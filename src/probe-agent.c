/*
 * probe-agent.c - the GSE agent on the host (FAQ sections 5, 6, 8):
 * its processes, its link to gse_task, its cloud area.
 *
 *   agent.installed        yes | no: agent.conf exists or an agent process
 *                          runs (no: none of the facts below, so no finding
 *                          on a host without an agent, unless fleet runs
 *                          say an agent is required)
 *   agent.procs            processes matching agent.process_pattern
 *   agent.procs_expected   the setting agent.processes (a healthy 1.x agent
 *                          runs 2: master and worker)
 *   agent.procs_ok         yes | no: procs >= procs_expected
 *   agent.link             yes | no: an ESTABLISHED TCP connection to a
 *                          taskserver address of agent.conf on agent.port
 *                          (any address when agent.conf names none);
 *                          only set when an agent process runs
 *   agent.healthy          yes | no: procs_ok and link (agent_wait step)
 *   agent.taskserver       the taskserver addresses of agent.conf
 *   agent.cloudid          cloudid of agent.conf
 *   agent.cloudid_expected the setting agent.cloudid (inventory cloudid=N)
 *   agent.cloudid_match    yes | no, when both are known
 *   agent.conf_status      ok | missing | invalid
 *
 * Three reads through the transport, so the same probe works over SSH: the
 * process table, agent.conf and the TCP table, made together as one batch
 * (one round trip over SSH; the TCP table is read even when no agent runs,
 * which costs less than a second round trip).  A socket is not tied to its process (that needs every process's
 * fd table): an ESTABLISHED connection to gse_task's agent port from this
 * host is taken as the agent's.
 */
#include "config.h"

#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "probe-agent.h"
#include "probe.h"

#define AGENT_CONF_MAX ((size_t)1 << 20)
#define AGENT_IPS_MAX 256

void
agent_conf_free(struct agent_conf *ac)
{
	size_t i;

	if (ac == NULL)
		return;
	free(ac->cloudid);
	for (i = 0; i < ac->nips; i++)
		free(ac->ips[i]);
	free(ac->ips);
	free(ac->ports);
	memset(ac, 0, sizeof *ac);
}

static void
add_ip(struct agent_conf *ac, const char *ip, size_t len, int port)
{
	if (len == 0 || ac->nips >= AGENT_IPS_MAX)
		return;
	ac->ips = xreallocarray(ac->ips, ac->nips + 1, sizeof *ac->ips);
	ac->ports = xreallocarray(ac->ports, ac->nips + 1, sizeof *ac->ports);
	ac->ips[ac->nips] = xstrndup(ip, len);
	ac->ports[ac->nips] = port;
	ac->nips++;
}

/* "IP[:PORT],IP[:PORT]" */
static void
add_ip_list(struct agent_conf *ac, const char *s)
{
	const char *p = s, *end, *colon;
	long port;
	char *num;

	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		end = p + strcspn(p, ", ");
		colon = memchr(p, ':', (size_t)(end - p));
		port = 0;
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon -
		    1)) == NULL) {
			num = xstrndup(colon + 1, (size_t)(end - colon - 1));
			if (str_to_long(num, &port) != 0 || port < 0 ||
			    port > 65535)
				port = 0;
			free(num);
		} else
			colon = NULL; /* none, or an IPv6 address */
		add_ip(ac, p, (size_t)((colon != NULL ? colon : end) - p),
		    (int)port);
		p = end;
	}
}

int
agent_conf_parse(const char *name, const char *text, size_t len,
    struct agent_conf *ac, char **cause)
{
	json_error_t err;
	json_t *root, *v, *e, *ip, *port;
	size_t i;

	memset(ac, 0, sizeof *ac);
	if ((root = json_loadb(text, len, 0, &err)) == NULL)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", name,
		    err.line, err.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return set_cause(cause, JF_ERR_PARSE, "%s: not a JSON object",
		    name);
	}
	v = json_object_get(root, "cloudid");
	if (json_is_integer(v))
		ac->cloudid = xasprintf("%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		ac->cloudid = xstrdup(json_string_value(v));
	v = json_object_get(root, "taskserver");
	if (json_is_string(v))
		add_ip_list(ac, json_string_value(v));
	else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (json_is_string(e)) {
				add_ip_list(ac, json_string_value(e));
				continue;
			}
			if (!json_is_object(e))
				continue;
			ip = json_object_get(e, "ip");
			port = json_object_get(e, "port");
			if (!json_is_string(ip))
				continue;
			add_ip(ac, json_string_value(ip),
			    strlen(json_string_value(ip)),
			    json_is_integer(port) && json_integer_value(port) >
			    0 && json_integer_value(port) <= 65535 ?
			    (int)json_integer_value(port) : 0);
		}
	}
	json_decref(root);
	return 0;
}

size_t
agent_links(const struct tsock *s, size_t n, char *const *ips, size_t nips,
    int port, long *first)
{
	size_t i, j, count = 0;

	*first = -1;
	for (i = 0; i < n; i++) {
		if (s[i].state != 1 || s[i].rport != port)
			continue;
		for (j = 0; j < nips; j++)
			if (strcmp(s[i].remote, ips[j]) == 0)
				break;
		if (nips > 0 && j == nips)
			continue;
		if (count++ == 0)
			*first = (long)i;
	}
	return count;
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	struct transport *tp = ctx->tp;
	const char *pattern = conf_str(conf, "agent.process_pattern");
	const char *conf_path = conf_str(conf, "agent.conf");
	const char *expected = conf_str(conf, "agent.cloudid");
	long port = conf_int(conf, "agent.port"), first;
	long want = conf_int(conf, "agent.processes");
	struct agent_conf ac;
	struct tread rd[3];
	struct tproc *procs = NULL;
	struct tsock *socks = NULL;
	struct buf pids = BUF_INIT, ipl = BUF_INIT;
	size_t nprocs = 0, nsocks = 0, i, count = 0, links;
	char *why = NULL, errbuf[128];
	int r, conf_ok = 0, conf_missing = 0;
	regex_t re;

	memset(&ac, 0, sizeof ac);
	memset(rd, 0, sizeof rd);
	if ((r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &re, errbuf, sizeof errbuf);
		return set_cause(cause, JF_ERR_PARSE, "setting "
		    "agent.process_pattern \"%s\": %s", pattern, errbuf);
	}
	/* the three reads in one round trip (one batch over SSH) */
	rd[0].kind = TREAD_PROCS;
	rd[1].kind = TREAD_FILE;
	rd[1].path = conf_path;
	rd[1].max = AGENT_CONF_MAX;
	rd[2].kind = TREAD_TCP;
	if ((r = transport_read_batch(tp, rd, nitems(rd), cause)) != 0)
		goto out;
	if ((r = rd[0].r) != 0) {
		set_cause(cause, -r, "%s", rd[0].cause);
		goto out;
	}
	procs = rd[0].procs;
	nprocs = rd[0].nprocs;
	for (i = 0; i < nprocs; i++) {
		if (regexec(&re, procs[i].cmdline, 0, NULL, 0) != 0)
			continue;
		if (count++ < 8)
			buf_printf(&pids, "%s%ld", pids.len ? ", " : "",
			    (long)procs[i].pid);
	}

	r = rd[1].r;
	why = rd[1].cause;
	rd[1].cause = NULL;
	if (r == -JF_ERR_NOTFOUND) {
		conf_missing = 1;
		facts_set(out, "agent.conf_status", "missing", 0, "%s", why);
	} else if (r != 0) {
		facts_set(out, "agent.conf_status", "unreadable", 0, "%s", why);
	} else if (agent_conf_parse(conf_path, rd[1].data.data ?
	    rd[1].data.data : "", rd[1].data.len, &ac, &why) != 0) {
		facts_set(out, "agent.conf_status", "invalid", 0, "%s", why);
	} else {
		conf_ok = 1;
		facts_set(out, "agent.conf_status", "ok", 0, "%s parsed",
		    conf_path);
	}
	r = 0;
	if (conf_missing && count == 0 && !conf_bool(conf, "agent.required")) {
		facts_set(out, "agent.installed", "no", 0, "no %s and no "
		    "process matches \"%s\" among %zu", conf_path, pattern,
		    nprocs);
		goto out;
	}
	facts_set(out, "agent.installed", "yes", 0, "%s%s", conf_missing ?
	    "agent processes run, but agent.conf is missing: " : conf_path,
	    conf_missing ? conf_path : "");
	if (count > 0)
		facts_set_long(out, "agent.procs", (long)count, "pid %s%s of "
		    "processes matching \"%s\"", pids.data, count > 8 ? ", ..." :
		    "", pattern);
	else
		facts_set_long(out, "agent.procs", 0, "no process matches \"%s\" "
		    "among %zu", pattern, nprocs);

	if (conf_ok) {
		for (i = 0; i < ac.nips; i++)
			buf_printf(&ipl, "%s%s", i ? "," : "", ac.ips[i]);
		facts_set(out, "agent.taskserver", ipl.len ? ipl.data : "", 0,
		    "taskserver of %s", conf_path);
		if (ac.cloudid != NULL)
			facts_set(out, "agent.cloudid", ac.cloudid, 0,
			    "cloudid of %s", conf_path);
	}
	if (expected != NULL && *expected != '\0') {
		facts_set(out, "agent.cloudid_expected", expected, 0,
		    "setting agent.cloudid");
		if (ac.cloudid != NULL)
			facts_set(out, "agent.cloudid_match", strcmp(ac.cloudid,
			    expected) == 0 ? "yes" : "no", 0, "cloudid %s in %s, "
			    "expected %s", ac.cloudid, conf_path, expected);
	}

	facts_set_long(out, "agent.procs_expected", want, "setting "
	    "agent.processes");
	facts_set(out, "agent.procs_ok", (long)count >= want ? "yes" : "no", 0,
	    "%zu of %ld agent processes run", count, want);

	/* the link: only worth a look when the agent runs */
	if (count == 0) {
		facts_set(out, "agent.healthy", "no", 0, "no agent process "
		    "runs (pattern \"%s\")", pattern);
		goto out;
	}
	if ((r = rd[2].r) != 0) {
		set_cause(cause, -r, "%s", rd[2].cause);
		goto out;
	}
	socks = rd[2].socks;
	nsocks = rd[2].nsocks;
	links = agent_links(socks, nsocks, ac.ips, ac.nips, (int)port, &first);
	if (links > 0)
		facts_set(out, "agent.link", "yes", 0, "%s:%d -> %s:%d "
		    "ESTABLISHED%s", socks[first].local, socks[first].lport,
		    socks[first].remote, socks[first].rport, links > 1 ?
		    " (and others)" : "");
	else
		facts_set(out, "agent.link", "no", 0, "no ESTABLISHED TCP "
		    "connection to %s on port %ld among %zu sockets",
		    ac.nips ? ipl.data : "any address", port, nsocks);
	facts_set(out, "agent.healthy", (long)count >= want && links > 0 ?
	    "yes" : "no", 0, "%zu of %ld processes (pid %s%s), %s", count, want,
	    pids.data, count > 8 ? ", ..." : "", links > 0 ?
	    "linked to gse_task" : "no link to gse_task");
out:
	regfree(&re);
	tread_free(rd, nitems(rd));
	agent_conf_free(&ac);
	buf_free(&pids);
	buf_free(&ipl);
	free(why);
	return r;
}

const struct probe probe_agent = {
	"agent", "agent.", 1, PROBE_HOST,
	"the GSE agent: its processes, its link to gse_task, its cloud area",
	run,
};
