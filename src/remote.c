/*
 * remote.c - from settings and options to a connected SSH transport.
 *
 * Precedence, highest first: what the host spec says (USER@, :PORT), the
 * command line (-i, --known-hosts, --accept-new-hostkey), an inventory
 * host's settings (already overrides in conf), then jobfix.conf.  The
 * transport is wrapped in transport-serial.c, because the probes of one run
 * share it from their threads and a libssh2 session is not thread-safe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "remote.h"
#include "transport-serial.h"
#include "transport-ssh.h"

/* Remote operations a probe may make, for its deadline (see below). */
#define REMOTE_PROBE_OPS 3

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

int
remote_connect(struct conf *conf, const char *user, const char *host,
    int port, const struct remote_cli *cli, int64_t deadline,
    struct transport **out, char **cause)
{
	struct ssh_opts o;
	struct transport *t = NULL;
	long p = conf_int(conf, "ssh.port");
	char num[32];
	int r, op;

	*out = NULL;
	/*
	 * (Before anything is read from conf: an override clears the strings
	 * conf_str() handed out.)  A probe that overruns its deadline is abandoned while its thread
	 * goes on (probe.c); with a shared session it would still be using it
	 * when the host is closed.  Every remote operation has its own
	 * deadline, so give the probes room for a few of them instead.
	 */
	op = (int)conf_int(conf, "ssh.op_timeout_ms");
	if (op <= 0)
		op = TSSH_OP_TIMEOUT_MS;
	if (conf_int(conf, "probes.deadline_ms") < (long)op * REMOTE_PROBE_OPS +
	    1000) {
		snprintf(num, sizeof num, "%ld", (long)op * REMOTE_PROBE_OPS +
		    1000);
		conf_override(conf, "probes.deadline_ms", num);
	}
	memset(&o, 0, sizeof o);
	o.user = user != NULL ? user : nonempty(conf_str(conf, "ssh.user"));
	o.host = host;
	if (port == 0 && (p < 1 || p > 65535))
		return set_cause(cause, JF_ERR_USAGE, "setting ssh.port: %ld is "
		    "not a port", p);
	o.port = port != 0 ? port : (int)p;
	o.identity = cli != NULL && cli->identity != NULL ? cli->identity :
	    nonempty(conf_str(conf, "ssh.identity"));
	o.known_hosts = cli != NULL && cli->known_hosts != NULL ?
	    cli->known_hosts : nonempty(conf_str(conf, "ssh.known_hosts"));
	o.accept_new = (cli != NULL && cli->accept_new) ||
	    conf_bool(conf, "ssh.accept_new_hostkey");
	o.connect_timeout_ms = (int)conf_int(conf, "ssh.connect_timeout_ms");
	o.op_timeout_ms = (int)conf_int(conf, "ssh.op_timeout_ms");
	o.deadline_ms = deadline;
	if ((r = transport_ssh_new(&o, &t, cause)) != 0)
		return r;
	*out = transport_serial_new(t);
	return 0;
}

char *
remote_host_name(const char *host, int port)
{
	if (port == 0 || port == 22)
		return xstrdup(host);
	return xasprintf(strchr(host, ':') != NULL ? "[%s]:%d" : "%s:%d",
	    host, port);
}

int
remote_connect_spec(struct conf *conf, const char *spec,
    const struct remote_cli *cli, struct transport **out, char **host_out,
    char **cause)
{
	char *user = NULL, *host = NULL, *why = NULL;
	int port = 0, r;

	*out = NULL;
	*host_out = NULL;
	if ((r = hostspec_parse(spec, &user, &host, &port, &why)) != 0) {
		r = set_cause(cause, JF_ERR_USAGE, "-H %s", why);
		free(why);
		return r;
	}
	r = remote_connect(conf, user, host, port, cli, 0, out, cause);
	if (r == 0)
		*host_out = remote_host_name(host, port);
	free(host);
	free(user);
	return r;
}
