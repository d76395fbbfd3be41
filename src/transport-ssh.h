/*
 * transport-ssh.h - the transport for a remote host: one libssh2 session per
 * host, one remote shell per session.  See transport-ssh.c for why it is
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
/* The remote timeout(1) guard of run() fires this long after our own
 * deadline. */
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
 * tssh_shell_command: the command line that starts the remote shell (see
 * transport-ssh.c): `exec env -i ... /bin/sh -c LOOP`, LOOP quoted.
 * tssh_check_argv: 0, or -JF_ERR_USAGE (with *cause) for an argv[0] that is
 * not an absolute path or has '=', or an env entry not NAME=VALUE.
 * tssh_request: append the header of one request to b (its stdin data, if
 * any, follows it).  tssh_parse_frame: the header of an answer at the start
 * of p[0..len): 0 parsed, 1 more bytes needed, -1 garbled.
 */
const char *tssh_shell_command(void);
int tssh_check_argv(const char *const *argv, const char *const *env,
    char **cause);
void tssh_request(struct buf *b, const char *op, const char *const *args,
    size_t nargs, size_t inlen, size_t cap);
struct tssh_frame {
	char status[16];  /* "0".."255", "noent", "noexec", "badop" */
	int code;         /* status as a number; -1 when it is a word */
	size_t out_len;   /* whole sizes of the operation's stdout, stderr */
	size_t err_len;
	size_t head_len;  /* bytes of the header */
};
int tssh_parse_frame(const char *p, size_t len, struct tssh_frame *);
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
