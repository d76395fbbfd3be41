/*
 * transport-ssh.h - the transport for a remote host: one libssh2 session per
 * host, one exec channel per operation.  See transport-ssh.c for why it is
 * built the way it is.
 */
#ifndef JOBFIX_TRANSPORT_SSH_H
#define JOBFIX_TRANSPORT_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct ssh_opts {
	const char *user;        /* NULL: current user */
	const char *host;        /* name or address */
	int port;                /* 0: 22 */
	const char *identity;    /* private key file; NULL: ssh-agent, then
				  * ~/.ssh/id_ed25519, ~/.ssh/id_rsa */
	const char *passphrase;  /* of the key files; NULL: none (copied,
				  * wiped when the transport is closed) */
	const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
	int accept_new;          /* accept and record an unknown key (never
				  * a changed one) */
	int connect_timeout_ms;  /* connect + handshake + auth; 0: default */
	int op_timeout_ms;       /* deadline of every operation; 0: default */
	int64_t deadline_ms;     /* 0, or a now_ms() time no phase may pass:
				  * the host's whole deadline; past it every
				  * operation fails at once */
};

#define TSSH_CONNECT_TIMEOUT_MS 10000
#define TSSH_OP_TIMEOUT_MS 30000
/* run(): stdout and stderr are each kept up to this; the rest is drained. */
#define TSSH_RUN_OUTPUT_MAX ((size_t)1 << 20)
/* list_procs(), list_tcp(), list_dir(): most output accepted. */
#define TSSH_LIST_OUTPUT_MAX ((size_t)64 << 20)
/* After a timeout, how long closing the channel may take before the whole
 * session is dropped (and made again by the next operation). */
#define TSSH_CLOSE_GRACE_MS 1000
/* The remote timeout(1) guard fires this long after our own deadline. */
#define TSSH_REMOTE_KILL_SLACK_S 2

/*
 * Connect (TCP_NODELAY, non-blocking connect with the deadline), handshake,
 * check the host key against known_hosts BEFORE authenticating, then
 * authenticate by key file or ssh-agent.  An unknown key is refused with
 * -JF_ERR_REFUSED and a cause naming the host and the key's SHA256
 * fingerprint, unless accept_new; a changed key is always refused.
 */
int transport_ssh_new(const struct ssh_opts *, struct transport **out,
    char **cause);

/*
 * Exposed for tests and fuzzing.
 *
 * tssh_command_line: the remote command line for argv with env (NULL or
 * NAME=VALUE entries), every word in single quotes; timeout_s > 0 adds the
 * remote timeout(1) guard.  Returns NULL (with *cause) for an argv[0] that
 * is not an absolute path or an env entry that is not NAME=VALUE.
 */
char *tssh_command_line(const char *const *argv, const char *const *env,
    int timeout_s, char **cause);
/* Append s to b in single quotes ('\'' for a quote). */
void tssh_quote(struct buf *b, const char *s);
/* Parse the output of the stat script ("%f %u %g %s %i %Y %y"). */
int tssh_parse_stat(const char *text, size_t len, struct tstat *,
    char **cause);
/* Parse "PID/cmdline:ARG\0" records (grep -a -H -z), sorted by pid. */
int tssh_parse_procs(const char *text, size_t len, struct tproc **,
    size_t *n, char **cause);
/* Parse "NAME/" records, sorted. */
int tssh_parse_names(const char *text, size_t len, char ***names, size_t *n,
    char **cause);
/* OpenSSH's form of a SHA256 fingerprint: "SHA256:" base64, no padding. */
char *tssh_fingerprint(const unsigned char *sha256);

#endif
