/*
 * remote.h - reaching a remote host: the SSH options of jobfix.conf and the
 * command line put together, a connection made, and the transport wrapped
 * for the probes' threads.  Used by -H and by jobfix fleet.
 */
#ifndef JOBFIX_REMOTE_H
#define JOBFIX_REMOTE_H

#include "conf.h"
#include "transport.h"

/* Command-line options; each wins over its jobfix.conf setting. */
struct remote_cli {
	const char *identity;     /* -i / --identity */
	const char *known_hosts;  /* --known-hosts */
	int accept_new;           /* --accept-new-hostkey */
};

/*
 * Connects to host (user NULL: ssh.user, else the current user; port 0:
 * ssh.port) with the ssh.* settings of conf.  On success *out is a
 * transport safe to share between the probes' threads.  Errors:
 * -JF_ERR_USAGE for bad settings, anything else means the host could not be
 * reached, its key was refused, or authentication failed (exit code 6).
 * deadline: 0, or the now_ms() time past which no phase of the session
 * (connect, handshake, authentication, any operation) may go on.
 */
int remote_connect(struct conf *, const char *user, const char *host,
    int port, const struct remote_cli *, int64_t deadline,
    struct transport **out, char **cause);

/*
 * The name a remote host goes by in audit records, the state directory
 * (hosts/NAME) and `-H NAME undo`: the address, with ":PORT" when a port
 * is written with it and is not 22 ("[ADDR]:PORT" for an IPv6 address), so two sshds
 * on one address (hosts behind one NAT address) stay two hosts.  A new
 * string.
 */
char *remote_host_name(const char *host, int port);

/* The same from "[USER@]HOST[:PORT]"; *host_out is remote_host_name(). */
int remote_connect_spec(struct conf *, const char *spec,
    const struct remote_cli *, struct transport **out, char **host_out,
    char **cause);

#endif
