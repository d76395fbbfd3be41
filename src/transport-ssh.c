/*
 * transport-ssh.c - the transport for a remote host, over one libssh2
 * session.
 *
 * Why it is built this way:
 *
 * - One session per host, reused by every operation, and in it one remote
 *   shell (see "the remote shell" below): an operation is one round trip to
 *   it, and reads made together (transport_read_batch) share one.  A new
 *   exec channel would cost sshd a session process and a login shell each
 *   time, a new connection a key exchange and authentication.  A session
 *   that broke (the peer went away, an operation overran its deadline, a
 *   timeout left libssh2 half way through a packet) is dropped with its
 *   shell, and the next operation connects again, checking the host key
 *   again.
 *
 * - libssh2 runs non-blocking and every wait is a poll() on the socket in
 *   the directions libssh2_session_block_directions() names, bounded by the
 *   phase's deadline (connect, banner and key exchange and authentication
 *   together, each operation, each close), itself bounded by the host's
 *   deadline when there is one: a dead peer or a silent network gives an
 *   error naming the host, never a hang.  libssh2 also loops by itself
 *   while the socket has data (it skips pre-banner lines without end); our
 *   recv callback stops it at the deadline, and after HANDSHAKE_BYTES_MAX
 *   bytes without a finished key exchange, so a peer streaming garbage
 *   costs neither a hang nor a spinning CPU.
 *
 * - The host key is checked against known_hosts before we authenticate
 *   (OpenSSH's order: never hand a signature to an unverified server).  An
 *   unknown key is refused unless accept_new; a changed key always is.
 *   Names follow OpenSSH: "host" for port 22, "[host]:port" otherwise, and
 *   an entry for the plain name does not vouch for another port.
 *
 * - Nothing is ever run from a string built of data without quoting: every
 *   word of the remote command line, fixed or not, is in single quotes.  The
 *   operations are fixed /bin/sh functions (constants below) run by the
 *   remote shell with the paths and argv as positional arguments, read from
 *   the request stream into variables, never parsed as shell words.  The
 *   shell and every program it runs are under `env -i PATH=... LANG=C` so
 *   the remote user's environment does not leak in.
 *
 * - What we rely on in the remote account: its login shell is a POSIX
 *   shell (sh, bash, dash, ksh, zsh; not csh, whose quoting differs), and its
 *   start-up files neither exit nor read stdin.  Their output does not
 *   matter: the remote shell prints a marker before it reads its first
 *   request, and everything before the marker is dropped.
 *   (OpenSSH's sshd runs the command with `$SHELL -c`; bash then reads
 *   ~/.bashrc when it sees it was started by sshd, which is where such
 *   output would come from.)  On the remote host we use /bin/sh, env,
 *   head, tail, stat, readlink -f, mktemp, chmod, chown, cat, wc, sync, mv,
 *   rm, grep -z (GNU coreutils and grep: any Linux; GNU head -c reads no
 *   byte past its count from a pipe, which keeps the request stream in
 *   frame).  timeout(1) is used when /usr/bin/timeout exists, to kill a
 *   program we stopped waiting for: ending the shell does not kill what it
 *   runs.
 *
 * - A transport is used by one thread at a time (each fleet worker has its
 *   own).  libssh2_init() is done once, under pthread_once.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "log.h"
#include "transport-local.h"
#include "transport-ssh.h"
#include "transport.h"
#include "util.h"
#include "i18n.h"

#define CHUNK 32768
/* Start-up file noise kept while looking for the marker. */
#define NOISE_MAX ((size_t)64 << 10)
/* Longest stderr quoted in a cause. */
#define ERR_QUOTE_MAX 400
/* Longest known_hosts line we write (a 16384-bit RSA key fits). */
#define KH_LINE_MAX 16384
/* Largest known_hosts file read. */
#define KH_FILE_MAX ((size_t)16 << 20)
/*
 * Bytes a server may send before the key exchange is done: banner, KEXINIT,
 * the key exchange reply with its host key (a few KiB even for a 16384-bit
 * RSA key).  A peer that sends more is not an SSH server we can talk to.
 */
#define HANDSHAKE_BYTES_MAX ((size_t)64 << 10)

/* Exit codes of the fixed scripts. */
#define EXIT_NOTFOUND 44
#define EXIT_WRONGTYPE 45
#define EXIT_DIRSYNC 46
#define EXIT_CHANGED 47

/* --- the fixed remote scripts ---------------------------------------------
 * Each runs as `/bin/sh -c SCRIPT sh ARGS...`; the arguments are quoted like
 * every other word.  They print nothing but what they are for, on stdout. */

/* $1 path, $2 first byte (1-based), $3 most bytes. */
static const char script_read[] =
    "[ -e \"$1\" ] || exit 44\n"
    "if [ ! -f \"$1\" ]; then\n"
    "  if [ -d \"$1\" ]; then echo 'is a directory' >&2;\n"
    "  else echo 'is not a regular file' >&2; fi\n"
    "  exit 45\n"
    "fi\n"
    "exec 3<\"$1\"\n"
    "if [ \"$2\" = 1 ]; then exec head -c \"$3\" <&3; fi\n"
    "tail -c +\"$2\" <&3 2>/dev/null | head -c \"$3\"\n";

/* $1 path: "%f %u %g %s %i %Y %y" of what it points to. */
static const char script_stat[] =
    "[ -e \"$1\" ] || exit 44\n"
    "exec stat -L -c '%f %u %g %s %i %Y %y' -- \"$1\"\n";

/* $1 path: its canonical form, with no trailing newline. */
static const char script_realpath[] =
    "[ -e \"$1\" ] || exit 44\n"
    "r=$(readlink -f -- \"$1\" && echo x) || exit 1\n"
    "printf '%s' \"${r%??}\"\n";

/* $1 directory: "NAME/" for every entry but . and .. ('/' cannot be in a
 * name, so names with newlines come through too). */
static const char script_list_dir[] =
    "[ -e \"$1\" ] || exit 44\n"
    "[ -d \"$1\" ] || { echo 'is not a directory' >&2; exit 45; }\n"
    "[ -r \"$1\" ] && [ -x \"$1\" ] || { echo 'Permission denied' >&2; exit 1; }\n"
    "for f in \"$1\"/.* \"$1\"/*; do\n"
    "  [ -e \"$f\" ] || [ -L \"$f\" ] || continue\n"
    "  f=${f##*/}\n"
    "  case $f in .|..) continue ;; esac\n"
    "  printf '%s/' \"$f\"\n"
    "done\n";

/* $1 path. */
static const char script_unlink[] =
    "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 44\n"
    "exec rm -f -- \"$1\"\n";

/*
 * Every process's command line as "PID/cmdline:ARG\0" records, one per
 * argument: grep -z takes NUL as the line end and -H names the file, so an
 * argument may hold anything but NUL and the framing is never ambiguous.
 * Kernel threads (empty command lines) give no record, as locally.
 */
static const char script_procs[] =
    "cd /proc || exit 1\n"
    "set -- [0-9]*\n"
    "n=$#\n"
    "for p do set -- \"$@\" \"$p/cmdline\"; done\n"
    "shift \"$n\"\n"
    "[ -e \"$1\" ] || exit 0\n"
    "grep -a -s -H -z '' -- \"$@\"\n"
    "[ $? -le 2 ]\n";

/* /proc/net/tcp, a separator line, /proc/net/tcp6 (if any). */
#define TCP6_SEPARATOR "--jobfix-tcp6--\n"
static const char script_tcp[] =
    "cat /proc/net/tcp || exit 1\n"
    "[ -e /proc/net/tcp6 ] || exit 0\n"
    "printf '%s\\n' '--jobfix-tcp6--'\n"
    "exec cat /proc/net/tcp6\n";

/*
 * $1 path, $2 "MODE/EXPECT": the mode for a new file (octal) and what must
 * be there right before the rename ("-": anything, "absent": no file, or
 * the file's SHA-256 in hex, with the owner, mode and ctime it had when
 * the script began: a person's chmod or setfacl is a change too); $3 size; the data on stdin.  A file that is
 * not what EXPECT says is left alone: its hash (empty: no file) on stdout,
 * exit EXIT_CHANGED.  "absent" uses ln(1), which fails rather than replace
 * a file created meanwhile.
 * Follows symlinks to the file they name; temp file in the same directory;
 * owner, group, ACL (setfacl, where the host has it; not the directory's
 * default ACL) and mode copied from the old file; the size checked before
 * the rename (a connection that breaks mid-way gives cat an early EOF, not
 * an error: the check keeps that short file from replacing the old one);
 * synced; renamed; the directory synced.  Any failure before the rename
 * removes the temp file and leaves the target untouched.  `sync FILE`
 * fsyncs just FILE since coreutils 8.24; older ones sync everything, which
 * is as durable.
 */
static const char script_write[] =
    "if p=$(readlink -f -- \"$1\" && echo x); then p=${p%??}\n"
    "elif [ -L \"$1\" ]; then echo 'cannot resolve the symlink' >&2; exit 1\n"
    "else p=$1; fi\n"
    "case $p in\n"
    "*/*) d=${p%/*}; [ -n \"$d\" ] || d=/ ;;\n"
    "*) d=. ;;\n"
    "esac\n"
    "m=${2%%/*} e=${2#*/}\n"
    "[ -d \"$p\" ] && { echo 'is a directory' >&2; exit 45; }\n"
    "t=$(mktemp \"$d/.jobfix-XXXXXXXXXX\") || exit 1\n"
    "trap 'rm -f -- \"$t\"' EXIT\n"
    "trap 'exit 1' HUP INT TERM PIPE\n"
    "if [ -e \"$p\" ]; then\n"
    "  o=$(stat -L -c '%u:%g %a' -- \"$p\") || exit 1\n"
    "  z=$(stat -L -c %z -- \"$p\") || exit 1\n"
    "  chown -- \"${o% *}\" \"$t\" || exit 1\n"
    "  if command -v setfacl >/dev/null 2>&1; then\n"
    "    getfacl -p -- \"$p\" 2>/dev/null | setfacl --set-file=- -- \"$t\" 2>/dev/null ||\n"
    "    [ -z \"$(getfacl -cs -- \"$p\" 2>/dev/null)\" ] ||\n"
    "    { echo 'cannot copy the ACL' >&2; exit 1; }\n"
    "  fi\n"
    "  chmod -- \"${o#* }\" \"$t\" || exit 1\n"
    "else\n"
    "  chmod -- \"$m\" \"$t\" || exit 1\n"
    "fi\n"
    "cat >\"$t\" || exit 1\n"
    "n=$(wc -c <\"$t\") || exit 1\n"
    "[ $n = \"$3\" ] || { echo \"short write: $n of $3 bytes arrived\" >&2; exit 1; }\n"
    "sync -- \"$t\" || exit 1\n"
    "h() { [ ! -e \"$p\" ] || sha256sum <\"$p\" | cut -c1-64; }\n"
    "case $e in\n"
    "-) mv -f -- \"$t\" \"$p\" || exit 1 ;;\n"
    "absent)\n"
    "  if ! ln -- \"$t\" \"$p\" 2>/dev/null; then\n"
    "    [ -e \"$p\" ] || [ -L \"$p\" ] || { echo 'cannot create it' >&2; exit 1; }\n"
    "    h; exit 47\n"
    "  fi\n"
    "  rm -f -- \"$t\" ;;\n"
    "*) c=$(h)\n"
    "  [ \"$c\" = \"$e\" ] || { printf '%s\\n' \"$c\"; exit 47; }\n"
    "  [ \"$(stat -L -c '%u:%g %a' -- \"$p\")\" = \"$o\" ] || { printf '%s\\n' \"$c\"; exit 47; }\n"
    "  [ \"$(stat -L -c %z -- \"$p\")\" = \"$z\" ] || { printf '%s\\n' \"$c\"; exit 47; }\n"
    "  mv -f -- \"$t\" \"$p\" || exit 1 ;;\n"
    "esac\n"
    "trap - EXIT\n"
    "sync -- \"$d\" || exit 46\n";

/* --- the connection -------------------------------------------------------- */

struct ssh_conn {
	char *user;
	char *host;
	char *home;
	char *identity;
	char *passphrase;
	char *known_hosts;
	int port;
	int accept_new;
	int connect_timeout_ms;
	int op_timeout_ms;

	int64_t host_deadline;   /* 0, or no phase may end later (ms) */

	int fd;
	LIBSSH2_SESSION *session;
	/*
	 * The deadline of the phase under way (connect, one operation, a
	 * close), seen by conn_recv() inside libssh2's own loops, and the bytes
	 * received before the handshake ended (see HANDSHAKE_BYTES_MAX).
	 */
	int64_t deadline;
	int handshaking;
	size_t hs_bytes;
	int flooded;

	LIBSSH2_CHANNEL *sh;    /* the remote shell, or NULL */
	struct buf rbuf;        /* what it sent that is not yet read */
	struct buf errtail;     /* the end of its stderr, for messages */
};

static pthread_once_t libssh2_once = PTHREAD_ONCE_INIT;
static int libssh2_init_rc;

static void
init_libssh2(void)
{
	libssh2_init_rc = libssh2_init(0);
}

static struct ssh_conn *
conn_of(struct transport *t)
{
	return t->impl;
}

/* libssh2's last message, or a generic one. */
static const char *
ssh_errmsg(struct ssh_conn *c)
{
	char *msg = NULL;

	if (c->session == NULL)
		return "no session";
	libssh2_session_last_error(c->session, &msg, NULL, 0);
	return msg != NULL && *msg != '\0' ? msg : "unknown libssh2 error";
}

/* The deadline of the phase that begins: its own, or the host's if that is
 * sooner. */
static int64_t
phase_deadline(struct ssh_conn *c, int ms)
{
	int64_t d = now_ms() + ms;

	if (c->host_deadline > 0 && c->host_deadline < d)
		d = c->host_deadline;
	c->deadline = d;
	return d;
}

/*
 * libssh2's reads, all of them.  libssh2 loops inside one call as long as
 * the socket has data: over pre-banner lines (it skips any number of lines
 * that do not start with "SSH-"), over the packets of a channel.  A peer
 * streaming bytes would keep that call, and us, busy forever.  So a read
 * past the phase's deadline, or past HANDSHAKE_BYTES_MAX before the
 * handshake is done, says "would block": libssh2 returns EAGAIN to us, and
 * ssh_wait() ends the phase.
 */
static ssize_t
conn_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
    void **abstract)
{
	struct ssh_conn *c = *abstract;
	ssize_t n;

	if (c->deadline > 0 && now_ms() >= c->deadline)
		return -EAGAIN;
	if (c->handshaking) {
		if (c->hs_bytes >= HANDSHAKE_BYTES_MAX) {
			c->flooded = 1;
			return -EAGAIN;
		}
		if (len > HANDSHAKE_BYTES_MAX - c->hs_bytes)
			len = HANDSHAKE_BYTES_MAX - c->hs_bytes;
	}
	n = recv(fd, buf, len, flags);
	if (n == -1)
		return -errno;
	if (c->handshaking)
		c->hs_bytes += (size_t)n;
	return n;
}

/* Drop the session without talking to the peer any more. */
static void
conn_drop(struct ssh_conn *c)
{
	if (c->fd != -1)
		shutdown(c->fd, SHUT_RDWR); /* libssh2's last sends fail fast */
	if (c->session != NULL) {
		/* libssh2_session_free still sends the close of an open
		 * channel and waits for its answer: conn_recv must not say
		 * EAGAIN because the operation's deadline has passed, or it
		 * returns EAGAIN and frees nothing.  The socket is shut down,
		 * so every send and receive now fails at once; blocking mode
		 * with a timeout bounds it all the same. */
		c->deadline = 0;
		c->handshaking = 0;
		libssh2_session_set_timeout(c->session, TSSH_CLOSE_GRACE_MS);
		libssh2_session_set_blocking(c->session, 1);
		libssh2_session_free(c->session); /* with its channels */
	}
	c->session = NULL;
	c->sh = NULL;
	buf_reset(&c->rbuf);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/*
 * Wait until the socket is ready in the direction libssh2 is blocked on, or
 * the deadline passes (-JF_ERR_TIMEOUT).  A wait that merely ends early is
 * fine: the caller retries its call.
 */
static int
ssh_wait(struct ssh_conn *c, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int dir;

	left = deadline - now_ms();
	if (left <= 0 || c->flooded)
		return -JF_ERR_TIMEOUT;
	c->deadline = deadline;
	dir = c->session != NULL ?
	    libssh2_session_block_directions(c->session) : 0;
	pfd.fd = c->fd;
	pfd.events = 0;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) == -1 &&
	    errno != EINTR)
		return -JF_ERR_IO;
	return 0;
}

/* --- connecting ------------------------------------------------------------- */

static int
tcp_connect(struct ssh_conn *c, int64_t deadline, char **cause)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct pollfd pfd;
	char port[16];
	socklen_t len;
	int fd = -1, e = 0, last_e = 0, rc, one = 1, timed_out = 0;
	int64_t left;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", c->port);
	if ((rc = getaddrinfo(c->host, port, &hints, &res)) != 0)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: cannot resolve: %s",
		    c->host, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (e != 0)
			last_e = e;
		e = 0;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			e = errno;
			close(fd);
			fd = -1;
			continue;
		}
		for (;;) {
			left = deadline - now_ms();
			if (left <= 0) {
				timed_out = 1;
				break;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (rc == -1 && errno == EINTR)
				continue;
			if (rc == -1)
				e = errno;
			break;
		}
		if (!timed_out && e == 0) {
			len = sizeof e;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
				e = errno;
			if (e == 0)
				break;
		}
		close(fd);
		fd = -1;
		if (timed_out)
			break;
	}
	if (e == 0)
		e = last_e;
	freeaddrinfo(res);
	if (fd == -1 && timed_out)
		return set_cause(cause, JF_ERR_TIMEOUT,
		    "%s: port %d: connect timed out after %d ms", c->host,
		    c->port, c->connect_timeout_ms);
	if (fd == -1)
		return set_cause(cause, e == ECONNREFUSED ? JF_ERR_REFUSED :
		    JF_ERR_IO, "%s: port %d: connect: %s", c->host, c->port,
		    strerror(e != 0 ? e : EHOSTUNREACH));
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		debug("%s: TCP_NODELAY: %s", c->host, strerror(errno));
	c->fd = fd;
	return 0;
}

static const char *
hostkey_type_name(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return "ecdsa-sha2-nistp521";
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return "ssh-ed25519";
#endif
	}
	return "unknown";
}

static int
hostkey_knownhost_type(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
#ifdef LIBSSH2_KNOWNHOST_KEY_ECDSA_256
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
#endif
#ifdef LIBSSH2_KNOWNHOST_KEY_ED25519
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
#endif
	}
	return 0;
}

/* Standard base64 of h, with or without the '=' padding. */
static void
base64_add(struct buf *b, const unsigned char *h, size_t n, int pad)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)h[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)h[i + 1] << 8;
		if (i + 2 < n)
			v |= h[i + 2];
		buf_addch(b, b64[(v >> 18) & 63]);
		buf_addch(b, b64[(v >> 12) & 63]);
		if (i + 1 < n)
			buf_addch(b, b64[(v >> 6) & 63]);
		else if (pad)
			buf_addch(b, '=');
		if (i + 2 < n)
			buf_addch(b, b64[v & 63]);
		else if (pad)
			buf_addch(b, '=');
	}
}

char *
tssh_fingerprint(const unsigned char *h)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "SHA256:");
	base64_add(&b, h, 32, 0);
	return buf_detach(&b);
}

/* Does the whitespace-separated word w occur in line[0..len)? */
static int
has_word(const char *line, size_t len, const char *w)
{
	size_t wl = strlen(w), i;

	for (i = 0; i + wl <= len; i++) {
		if ((i == 0 || isspace((unsigned char)line[i - 1])) &&
		    memcmp(line + i, w, wl) == 0 && (i + wl == len ||
		    isspace((unsigned char)line[i + wl])))
			return 1;
	}
	return 0;
}

/*
 * Load known_hosts into kh line by line, as OpenSSH reads it: a line
 * libssh2 cannot parse (a key type it does not know, "@cert-authority",
 * garbage) is skipped, not fatal.  A "@revoked" line naming the offered
 * key (b64key) refuses it.  A missing file is an empty one.
 */
static int
known_hosts_load(struct ssh_conn *c, LIBSSH2_KNOWNHOSTS *kh,
    const char *b64key, const char *fp, char **cause)
{
	struct buf b = BUF_INIT;
	char *why = NULL, *line, *nl, *p, *copy;
	size_t len, lineno = 0;
	int r;

	r = read_file_local(c->known_hosts, &b, KH_FILE_MAX, &why);
	if (r == -JF_ERR_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r != 0) {
		r = set_cause(cause, JF_ERR_REFUSED, "%s: %s; refusing to "
		    "connect", c->host, why);
		goto out;
	}
	for (line = b.data; line != NULL && line < b.data + b.len;
	    line = nl != NULL ? nl + 1 : NULL) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(b.data + b.len - line));
		len = nl != NULL ? (size_t)(nl - line) : (size_t)(b.data +
		    b.len - line);
		while (len > 0 && isspace((unsigned char)line[len - 1]))
			len--; /* CRLF too */
		for (p = line; p < line + len && isspace((unsigned char)*p); p++)
			;
		len -= (size_t)(p - line);
		if (len == 0 || *p == '#')
			continue;
		if (*p == '@') {
			if (len > 8 && strncmp(p, "@revoked", 8) == 0 &&
			    isspace((unsigned char)p[8]) &&
			    has_word(p, len, b64key)) {
				r = set_cause(cause, JF_ERR_REFUSED, "%s: host "
				    "key %s is marked @revoked in \"%s\" (line "
				    "%zu); refusing to connect", c->host, fp,
				    c->known_hosts, lineno);
				goto out;
			}
			continue; /* @cert-authority: not supported */
		}
		/* libssh2 looks one byte past len for a newline to drop, so
		 * it gets a copy that ends in one */
		copy = xmalloc(len + 2);
		memcpy(copy, p, len);
		copy[len] = '\n';
		copy[len + 1] = '\0';
		if (libssh2_knownhost_readline(kh, copy, len + 1,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			debug("\"%s\": line %zu: skipped (%s)", c->known_hosts,
			    lineno, ssh_errmsg(c));
		free(copy);
	}
out:
	free(why);
	buf_free(&b);
	return r;
}

/* Append a line to known_hosts durably, after a newline if the file lacks
 * its last one. */
static int
known_hosts_append(struct ssh_conn *c, const char *line, size_t len,
    char **cause)
{
	struct stat st;
	char last = '\n';
	int fd, r = 0;
	ssize_t n;

	fd = open(c->known_hosts, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 && errno == ELOOP) /* a symlinked known_hosts is fine */
		fd = open(c->known_hosts, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd == -1)
		return set_cause(cause, JF_ERR_IO, "\"%s\": %s", c->known_hosts,
		    strerror(errno));
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	if (last != '\n' && write(fd, "\n", 1) != 1)
		r = -1;
	while (r == 0 && len > 0) {
		n = write(fd, line, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -1;
			break;
		}
		line += n;
		len -= (size_t)n;
	}
	if (r == 0 && fsync(fd) == -1)
		r = -1;
	if (r != 0)
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", c->known_hosts,
		    strerror(errno));
	if (close(fd) == -1 && r == 0)
		r = set_cause(cause, JF_ERR_IO, "\"%s\": %s", c->known_hosts,
		    strerror(errno));
	return r;
}

/*
 * Check the server's host key against known_hosts; the caller has not
 * authenticated yet.  With accept_new an unknown key is appended.
 */
static int
check_host_key(struct ssh_conn *c, char **cause)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct libssh2_knownhost *entry = NULL;
	const unsigned char *hash;
	const char *key, *tname;
	char *fp = NULL, *name = NULL, *lhost = NULL, *line = NULL, *p;
	struct buf b64key = BUF_INIT;
	size_t keylen, outlen;
	int type, khtype, rc, r = 0;

	key = libssh2_session_hostkey(c->session, &keylen, &type);
	hash = (const unsigned char *)libssh2_hostkey_hash(c->session,
	    LIBSSH2_HOSTKEY_HASH_SHA256);
	if (key == NULL || hash == NULL)
		return set_cause(cause, JF_ERR_REFUSED,
		    "%s: port %d: no host key from the server: %s", c->host,
		    c->port, ssh_errmsg(c));
	fp = tssh_fingerprint(hash);
	base64_add(&b64key, (const unsigned char *)key, keylen, 1);
	tname = hostkey_type_name(type);
	khtype = hostkey_knownhost_type(type);
	/* OpenSSH compares host names in lower case. */
	lhost = xstrdup(c->host);
	for (p = lhost; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	name = c->port == 22 ? xstrdup(lhost) :
	    xasprintf("[%s]:%d", lhost, c->port);

	if ((kh = libssh2_knownhost_init(c->session)) == NULL) {
		r = set_cause(cause, JF_ERR_IO, "%s: known hosts: %s", c->host,
		    ssh_errmsg(c));
		goto out;
	}
	if ((r = known_hosts_load(c, kh, b64key.data, fp, cause)) != 0)
		goto out;

	/*
	 * libssh2_knownhost_check() with the full name rather than checkp():
	 * checkp() with a port also accepts an entry for the plain name,
	 * which OpenSSH (and we) do not for a port other than 22.
	 */
	rc = libssh2_knownhost_check(kh, name, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | khtype,
	    NULL);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && khtype != 0) {
		/* a key of another type for this host counts as a change */
		rc = libssh2_knownhost_check(kh, name, key, keylen,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW,
		    NULL);
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
			r = set_cause(cause, JF_ERR_REFUSED,
			    "%s: host key CHANGED: the server offers a %s key "
			    "%s, but \"%s\" has only keys of other types for "
			    "\"%s\"; refusing to connect", c->host, tname, fp,
			    c->known_hosts, name);
			goto out;
		}
	}
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		r = set_cause(cause, JF_ERR_REFUSED,
		    "%s: host key CHANGED: the server offers %s key %s, which "
		    "differs from the one \"%s\" has for \"%s\"; refusing to "
		    "connect (someone may be intercepting the connection; if "
		    "the key was changed on purpose, remove the old entry)",
		    c->host, tname, fp, c->known_hosts, name);
		goto out;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (!c->accept_new) {
			r = set_cause(cause, JF_ERR_REFUSED,
			    "%s: unknown host key: %s key %s for \"%s\" is not "
			    "in \"%s\"; refusing to connect (check the "
			    "fingerprint and add the key, or accept new keys)",
			    c->host, tname, fp, name, c->known_hosts);
			goto out;
		}
		if (khtype == 0) {
			r = set_cause(cause, JF_ERR_REFUSED,
			    "%s: cannot record a host key of unknown type %d",
			    c->host, type);
			goto out;
		}
		rc = libssh2_knownhost_addc(kh, name, NULL, key, keylen,
		    "added by jobfix", strlen("added by jobfix"),
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    khtype, &entry);
		line = xmalloc(KH_LINE_MAX);
		if (rc == 0)
			rc = libssh2_knownhost_writeline(kh, entry, line,
			    KH_LINE_MAX, &outlen, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		if (rc != 0) {
			r = set_cause(cause, JF_ERR_IO, "%s: cannot record the "
			    "host key: %s", c->host, ssh_errmsg(c));
			goto out;
		}
		if ((r = known_hosts_append(c, line, outlen, cause)) != 0)
			goto out;
		info(_("%s: added %s key %s for \"%s\" to \"%s\""), c->host, tname,
		    fp, name, c->known_hosts);
		break;
	default:
		r = set_cause(cause, JF_ERR_REFUSED, "%s: cannot check the host "
		    "key against \"%s\": %s; refusing to connect", c->host,
		    c->known_hosts, ssh_errmsg(c));
		goto out;
	}
out:
	if (kh != NULL)
		libssh2_knownhost_free(kh);
	free(line);
	free(name);
	free(lhost);
	free(fp);
	buf_free(&b64key);
	return r;
}

/* One key file: 0 accepted, 1 refused (try the next), negative on error. */
static int
auth_key_file(struct ssh_conn *c, const char *path, int64_t deadline,
    struct buf *tried, char **cause)
{
	int rc, r;

	for (;;) {
		rc = libssh2_userauth_publickey_fromfile_ex(c->session, c->user,
		    (unsigned int)strlen(c->user), NULL, path,
		    c->passphrase != NULL ? c->passphrase : "");
		if (rc != LIBSSH2_ERROR_EAGAIN)
			break;
		if ((r = ssh_wait(c, deadline)) != 0)
			return set_cause(cause, JF_ERR_TIMEOUT,
			    "%s: authentication timed out", c->host);
	}
	if (rc == 0)
		return 0;
	if (rc == LIBSSH2_ERROR_FILE) {
		buf_printf(tried, "%s\"%s\" (unusable: %s)",
		    tried->len ? ", " : "", path, ssh_errmsg(c));
		return 1;
	}
	if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
	    rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
		buf_printf(tried, "%s\"%s\"", tried->len ? ", " : "", path);
		return 1;
	}
	return set_cause(cause, JF_ERR_IO, "%s: authentication: %s", c->host,
	    ssh_errmsg(c));
}

/* The keys in ssh-agent: 0 one was accepted, 1 none, negative on error. */
static int
auth_agent(struct ssh_conn *c, int64_t deadline, struct buf *tried,
    char **cause)
{
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	LIBSSH2_AGENT *agent;
	int rc, r = 1, n = 0;

	if (getenv("SSH_AUTH_SOCK") == NULL)
		return 1;
	if ((agent = libssh2_agent_init(c->session)) == NULL)
		return 1;
	if (libssh2_agent_connect(agent) != 0 ||
	    libssh2_agent_list_identities(agent) != 0) {
		buf_printf(tried, "%sssh-agent (unusable)", tried->len ? ", " :
		    "");
		goto out;
	}
	while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
		n++;
		for (;;) {
			rc = libssh2_agent_userauth(agent, c->user, id);
			if (rc != LIBSSH2_ERROR_EAGAIN)
				break;
			if (ssh_wait(c, deadline) != 0) {
				r = set_cause(cause, JF_ERR_TIMEOUT,
				    "%s: authentication timed out", c->host);
				goto out;
			}
		}
		if (rc == 0) {
			r = 0;
			goto out;
		}
		if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED &&
		    rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED &&
		    rc != LIBSSH2_ERROR_AGENT_PROTOCOL) {
			r = set_cause(cause, JF_ERR_IO, "%s: authentication "
			    "with ssh-agent: %s", c->host, ssh_errmsg(c));
			goto out;
		}
		prev = id;
	}
	buf_printf(tried, "%sssh-agent (%d key%s)", tried->len ? ", " : "", n,
	    n == 1 ? "" : "s");
out:
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return r;
}

static int
authenticate(struct ssh_conn *c, int64_t deadline, char **cause)
{
	static const char *const defaults[] = { "id_ed25519", "id_rsa" };
	struct buf tried = BUF_INIT;
	char *methods, *path;
	size_t i;
	int rc, r;

	for (;;) {
		methods = libssh2_userauth_list(c->session, c->user,
		    (unsigned int)strlen(c->user));
		if (methods != NULL || libssh2_userauth_authenticated(c->session))
			break;
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			return set_cause(cause, JF_ERR_IO, "%s: authentication: "
			    "%s", c->host, ssh_errmsg(c));
		if (ssh_wait(c, deadline) != 0)
			return set_cause(cause, JF_ERR_TIMEOUT,
			    "%s: authentication timed out after %d ms", c->host,
			    c->connect_timeout_ms);
	}
	if (methods == NULL)
		return 0; /* "none" was accepted */
	if (strstr(methods, "publickey") == NULL)
		return set_cause(cause, JF_ERR_REFUSED, "%s: user \"%s\": the "
		    "server does not accept public keys (only %s)", c->host,
		    c->user, methods);
	if (c->identity != NULL)
		r = auth_key_file(c, c->identity, deadline, &tried, cause);
	else {
		r = auth_agent(c, deadline, &tried, cause);
		for (i = 0; r == 1 && i < nitems(defaults); i++) {
			path = xasprintf("%s/.ssh/%s", c->home, defaults[i]);
			if (access(path, R_OK) == 0)
				r = auth_key_file(c, path, deadline, &tried,
				    cause);
			free(path);
		}
	}
	if (r == 1)
		r = set_cause(cause, JF_ERR_REFUSED, "%s: user \"%s\": public "
		    "key authentication refused (tried %s)", c->host, c->user,
		    tried.len ? tried.data : "no key: no agent, no ~/.ssh/id_*");
	buf_free(&tried);
	return r;
}

/*
 * Prefer host key types in OpenSSH's order, so the key we are offered is
 * the one ssh(1) recorded.  Only names libssh2 supports are passed: 1.10's
 * libssh2_session_method_pref() strips the others with an overlapping
 * memcpy.
 */
static void
set_hostkey_order(struct ssh_conn *c)
{
	static const char *const order[] = { "ssh-ed25519",
	    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	    "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa" };
	struct buf pref = BUF_INIT;
	const char **algs = NULL;
	int n, i;
	size_t j;

	n = libssh2_session_supported_algs(c->session, LIBSSH2_METHOD_HOSTKEY,
	    &algs);
	if (n <= 0)
		return;
	for (j = 0; j < nitems(order); j++) {
		for (i = 0; i < n; i++) {
			if (algs[i] != NULL && strcmp(algs[i], order[j]) == 0) {
				buf_printf(&pref, "%s%s", pref.len ? "," : "",
				    order[j]);
				break;
			}
		}
	}
	libssh2_free(c->session, algs);
	if (pref.len > 0 && libssh2_session_method_pref(c->session,
	    LIBSSH2_METHOD_HOSTKEY, pref.data) != 0)
		debug("%s: host key order \"%s\": %s", c->host, pref.data,
		    ssh_errmsg(c));
	buf_free(&pref);
}

/* Connect, handshake, check the host key, authenticate. */
static int
conn_open(struct ssh_conn *c, char **cause)
{
	int64_t deadline, t0 = now_ms();
	const char *banner;
	int rc, r;

	pthread_once(&libssh2_once, init_libssh2);
	if (libssh2_init_rc != 0)
		return set_cause(cause, JF_ERR_IO, "libssh2_init failed");
	if (c->host_deadline > 0 && now_ms() >= c->host_deadline)
		return set_cause(cause, JF_ERR_TIMEOUT, "%s: port %d: the host's "
		    "deadline has passed; not connecting again", c->host,
		    c->port);
	deadline = phase_deadline(c, c->connect_timeout_ms);
	if ((r = tcp_connect(c, deadline, cause)) != 0)
		return r;
	if ((c->session = libssh2_session_init_ex(NULL, NULL, NULL, c)) ==
	    NULL) {
		conn_drop(c);
		return set_cause(cause, JF_ERR_IO, "%s: libssh2_session_init "
		    "failed", c->host);
	}
	libssh2_session_callback_set(c->session, LIBSSH2_CALLBACK_RECV,
	    (void *)conn_recv);
	libssh2_session_set_blocking(c->session, 0);
	set_hostkey_order(c);
	c->handshaking = 1;
	c->hs_bytes = 0;
	c->flooded = 0;
	for (;;) {
		rc = libssh2_session_handshake(c->session, c->fd);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			break;
		if (ssh_wait(c, deadline) == 0)
			continue;
		/* which phase it was stuck in */
		banner = libssh2_session_banner_get(c->session);
		if (banner != NULL && strncmp(banner, "SSH-", 4) != 0)
			banner = NULL; /* a line before the banner */
		if (c->flooded)
			r = set_cause(cause, JF_ERR_IO, "%s: port %d: the "
			    "server sent %zu bytes %s; not an SSH server",
			    c->host, c->port, c->hs_bytes, banner == NULL ?
			    "without an SSH banner" :
			    "without finishing the key exchange");
		else if (c->hs_bytes == 0)
			r = set_cause(cause, JF_ERR_TIMEOUT, "%s: port %d: no "
			    "SSH banner: the server sent nothing in %lld ms",
			    c->host, c->port, (long long)(now_ms() - t0));
		else
			r = set_cause(cause, JF_ERR_TIMEOUT, "%s: port %d: SSH "
			    "%s did not finish within %lld ms (%zu bytes "
			    "received)", c->host, c->port, banner == NULL ?
			    "banner" : "key exchange", (long long)(now_ms() -
			    t0), c->hs_bytes);
		goto fail;
	}
	c->handshaking = 0;
	if (rc != 0) {
		r = set_cause(cause, JF_ERR_IO, "%s: port %d: SSH handshake: %s",
		    c->host, c->port, ssh_errmsg(c));
		goto fail;
	}
	if ((r = check_host_key(c, cause)) != 0)
		goto fail;
	if ((r = authenticate(c, deadline, cause)) != 0)
		goto fail;
	return 0;
fail:
	c->handshaking = 0;
	conn_drop(c);
	return r;
}

/* A polite goodbye, bounded; then drop. */
static void
conn_close(struct ssh_conn *c)
{
	int64_t deadline = now_ms() + TSSH_CLOSE_GRACE_MS;

	c->deadline = deadline;
	if (c->session != NULL) {
		while (libssh2_session_disconnect(c->session, "jobfix done") ==
		    LIBSSH2_ERROR_EAGAIN && ssh_wait(c, deadline) == 0)
			;
	}
	conn_drop(c);
}

/* --- the remote shell --------------------------------------------------------
 *
 * One exec channel per session runs a small POSIX sh loop (the constant
 * below, with the fixed scripts above as its functions) under `env -i`.  It
 * reads framed requests on its stdin and answers framed on its stdout, so an
 * operation costs a round trip and a fork or two on the host, not a new
 * channel, a new sshd session process and a login shell.
 *
 * A request, every field a line:
 *   OP                 read | stat | realpath | list | unlink | procs | tcp |
 *                      write | run (anything else is refused by the loop)
 *   NARGS              then, per argument: the number of its lines, then
 *                      its lines (an argument holding newlines spans several)
 *   INLEN              then INLEN bytes for the operation's stdin
 *   CAP                most bytes sent back of each of stdout and stderr
 * The arguments are read with `IFS= read -r` into variables and handed to
 * the functions as "$@": no word built from data is ever parsed by the
 * shell.  stdin data is read by `head -c INLEN` and piped to the operation;
 * what it leaves unread is drained, so the stream stays in frame.
 *
 * An answer: "\036R STATUS OUTLEN ERRLEN\037", then min(OUTLEN, CAP) bytes
 * of the operation's stdout and min(ERRLEN, CAP) of its stderr.  STATUS is
 * the exit status, or "noent" / "noexec" when run's program is missing or
 * cannot be executed.  The operation's output goes through files in a
 * private directory first (its size must be known before it is sent; a
 * daemon that run started may keep its stdout open long after).
 *
 * Before the loop starts it prints "\036jobfix-ready\037"; whatever the
 * login shell's start-up files printed before that is dropped.  Requests
 * may be sent back to back (a batch costs one round trip).  A request that
 * does not answer by its deadline drops the whole session (which ends the
 * shell); the next operation connects again, checking the host key again.
 */

#define READY_MARK "\036jobfix-ready\037"
#define FRAME_HEAD "\036R "
#define FRAME_END '\037'
/* The longest frame header: "\036R " status, two sizes, "\037". */
#define FRAME_HEAD_MAX 80

static const char shell_prologue[] =
    "umask 077\n"
    "d=\n"
    "for b in /dev/shm \"${TMPDIR:-/tmp}\" /var/tmp; do\n"
    "  d=$(mktemp -d \"$b/.jobfix-sh.XXXXXXXXXX\" 2>/dev/null) && break\n"
    "done\n"
    "[ -n \"$d\" ] || { echo 'no temporary directory' >&2; exit 1; }\n"
    "trap 'rm -rf -- \"$d\"' EXIT\n"
    "trap 'exit 1' HUP INT TERM PIPE\n"
    "umask 022\n";

/* $1 timeout (s, 0: none), $2 the program, then env entries and argv. */
static const char script_run[] =
    "t=$1; shift 2\n"
    "if [ \"$t\" -gt 0 ] && [ -x /usr/bin/timeout ]; then\n"
    "  exec /usr/bin/timeout -k 1 \"$t\" /usr/bin/env -i "
    "'PATH=/usr/sbin:/usr/bin:/sbin:/bin' 'LANG=C' \"$@\"\n"
    "fi\n"
    "exec /usr/bin/env -i 'PATH=/usr/sbin:/usr/bin:/sbin:/bin' 'LANG=C' \"$@\"\n";

static const char shell_loop[] =
    "num() { case $1 in ''|*[!0-9]*) exit 1 ;; esac; }\n"
    "printf '\\036jobfix-ready\\037'\n"
    "n=0\n"
    "while IFS= read -r op; do\n"
    "  f=\n"
    "  case $op in\n"
    "  read) f=f_read ;; stat) f=f_stat ;; realpath) f=f_realpath ;;\n"
    "  list) f=f_list ;; unlink) f=f_unlink ;; procs) f=f_procs ;;\n"
    "  tcp) f=f_tcp ;; write) f=f_write ;; run) f=f_run ;;\n"
    "  esac\n"
    "  IFS= read -r na || exit 1; num \"$na\"\n"
    "  set --\n"
    "  while [ \"$na\" -gt 0 ]; do\n"
    "    IFS= read -r k || exit 1; num \"$k\"\n"
    "    IFS= read -r v || exit 1\n"
    "    while [ \"$k\" -gt 1 ]; do\n"
    "      IFS= read -r l || exit 1\n"
    "      v=\"$v\n$l\"; k=$((k - 1))\n"
    "    done\n"
    "    set -- \"$@\" \"$v\"; na=$((na - 1))\n"
    "  done\n"
    "  IFS= read -r il || exit 1; num \"$il\"\n"
    "  IFS= read -r cap || exit 1; num \"$cap\"\n"
    "  if [ \"$f\" = f_run ]; then n=$((n + 1)); o=$d/o$n; e=$d/e$n\n"
    "  else o=$d/o; e=$d/e; fi\n"
    "  st=\n"
    "  if [ -z \"$f\" ]; then st=badop\n"
    "  elif [ \"$f\" = f_run ]; then\n"
    "    if [ ! -e \"$2\" ]; then st=noent\n"
    "    elif [ -d \"$2\" ] || [ ! -x \"$2\" ]; then st=noexec; fi\n"
    "  fi\n"
    "  if [ -n \"$st\" ]; then\n"
    "    [ \"$il\" -gt 0 ] && head -c \"$il\" >/dev/null\n"
    "    : >\"$o\"; : >\"$e\"\n"
    "  elif [ \"$il\" -gt 0 ]; then\n"
    "    head -c \"$il\" | { \"$f\" \"$@\" >\"$o\" 2>\"$e\"; echo $? >\"$d/s\"; "
    "cat >/dev/null; }\n"
    "    st=1; read -r st <\"$d/s\"\n"
    "  else\n"
    "    \"$f\" \"$@\" </dev/null >\"$o\" 2>\"$e\"; st=$?\n"
    "  fi\n"
    "  set -- $(stat -c %s -- \"$o\" \"$e\") || exit 1\n"
    "  printf '\\036R %s %s %s\\037' \"$st\" \"$1\" \"$2\"\n"
    "  if [ \"$1\" -le \"$cap\" ] && [ \"$2\" -le \"$cap\" ]; then\n"
    "    [ \"$1$2\" = 00 ] || cat -- \"$o\" \"$e\"\n"
    "  else\n"
    "    head -c \"$cap\" -- \"$o\"; head -c \"$cap\" -- \"$e\"\n"
    "  fi\n"
    "  if [ \"$f\" = f_run ]; then rm -f -- \"$o\" \"$e\"; else : >\"$o\"; : >\"$e\"; fi\n"
    "done\n";

static pthread_once_t shell_once = PTHREAD_ONCE_INIT;
static char *shell_command;

static void
add_function(struct buf *b, const char *name, const char *body)
{
	buf_printf(b, "%s() (\n%s)\n", name, body);
}

static void
build_shell_command(void)
{
	struct buf s = BUF_INIT, cmd = BUF_INIT;

	buf_addstr(&s, shell_prologue);
	add_function(&s, "f_read", script_read);
	add_function(&s, "f_stat", script_stat);
	add_function(&s, "f_realpath", script_realpath);
	add_function(&s, "f_list", script_list_dir);
	add_function(&s, "f_unlink", script_unlink);
	add_function(&s, "f_procs", script_procs);
	add_function(&s, "f_tcp", script_tcp);
	add_function(&s, "f_write", script_write);
	add_function(&s, "f_run", script_run);
	buf_addstr(&s, shell_loop);
	buf_addstr(&cmd, "exec /usr/bin/env -i 'PATH=/usr/sbin:/usr/bin:/sbin:/bin' "
	    "'LANG=C' /bin/sh -c ");
	tssh_quote(&cmd, s.data);
	buf_free(&s);
	shell_command = buf_detach(&cmd);
}

const char *
tssh_shell_command(void)
{
	pthread_once(&shell_once, build_shell_command);
	return shell_command;
}

void
tssh_quote(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static int
valid_env_entry(const char *e)
{
	const char *p = e;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return *p == '=';
}

int
tssh_check_argv(const char *const *argv, const char *const *env,
    char **cause)
{
	size_t i;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return set_cause(cause, JF_ERR_USAGE, "\"%s\": not an absolute "
		    "path", argv != NULL && argv[0] != NULL ? argv[0] : "");
	if (strchr(argv[0], '=') != NULL) /* env(1) would take it for an
					    * assignment */
		return set_cause(cause, JF_ERR_USAGE, "\"%s\": a program path "
		    "with '=' cannot be run remotely", argv[0]);
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (!valid_env_entry(env[i]))
			return set_cause(cause, JF_ERR_USAGE, "\"%s\": "
			    "environment entry \"%s\" is not NAME=VALUE",
			    argv[0], env[i]);
	}
	return 0;
}

void
tssh_request(struct buf *b, const char *op, const char *const *args,
    size_t nargs, size_t inlen, size_t cap)
{
	const char *p;
	size_t i, lines;

	buf_printf(b, "%s\n%zu\n", op, nargs);
	for (i = 0; i < nargs; i++) {
		for (lines = 1, p = args[i]; *p != '\0'; p++)
			lines += *p == '\n';
		buf_printf(b, "%zu\n%s\n", lines, args[i]);
	}
	buf_printf(b, "%zu\n%zu\n", inlen, cap);
}

/*
 * A frame header at the start of p[0..len): 1 when more bytes are needed,
 * 0 with the header parsed, -1 when p does not start with one.
 */
int
tssh_parse_frame(const char *p, size_t len, struct tssh_frame *f)
{
	size_t hl = strlen(FRAME_HEAD), i, k;
	const char *end, *q;
	unsigned long long v[2];
	char *e;

	memset(f, 0, sizeof *f);
	if (len < hl)
		return memcmp(p, FRAME_HEAD, len) == 0 ? 1 : -1;
	if (memcmp(p, FRAME_HEAD, hl) != 0)
		return -1;
	end = memchr(p, FRAME_END, len < FRAME_HEAD_MAX ? len : FRAME_HEAD_MAX);
	if (end == NULL)
		return len < FRAME_HEAD_MAX ? 1 : -1;
	q = p + hl;
	for (k = 0; q < end && *q != ' ' && k < sizeof f->status - 1; q++, k++)
		f->status[k] = *q;
	if (k == 0 || q >= end || *q != ' ')
		return -1;
	for (i = 0; i < 2; i++) {
		if (q >= end || *q != ' ' || !isdigit((unsigned char)q[1]))
			return -1;
		errno = 0;
		v[i] = strtoull(q + 1, &e, 10);
		if (errno != 0 || e > end || (e != end && *e != ' ') ||
		    v[i] > SIZE_MAX / 4)
			return -1;
		q = e;
	}
	if (q != end)
		return -1;
	f->out_len = (size_t)v[0];
	f->err_len = (size_t)v[1];
	f->head_len = (size_t)(end - p) + 1;
	f->code = -1;
	if (isdigit((unsigned char)f->status[0])) {
		for (k = 0, f->code = 0; f->status[k] != '\0'; k++) {
			if (!isdigit((unsigned char)f->status[k]) ||
			    f->code > 100000)
				return -1;
			f->code = f->code * 10 + (f->status[k] - '0');
		}
	}
	return 0;
}

/* Drop the first n bytes of b, wiping what moved (it may be a secret). */
static void
buf_consume(struct buf *b, size_t n)
{
	size_t old = b->len;

	if (n >= b->len) {
		if (b->data != NULL)
			wipe(b->data, b->len);
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	wipe(b->data + b->len, old - b->len);
	b->data[b->len] = '\0';
}

/* One request of a call, and what came back. */
struct shreq {
	const char *op;
	const char *what;    /* names it in messages: a path, a program */
	const char *const *args;
	size_t nargs;
	const void *in;
	size_t inlen;
	size_t cap;          /* bytes kept of each of stdout and stderr */
	struct buf *out;     /* stdout appended here */
	/* results */
	struct tssh_frame f; /* status, whole sizes */
	struct buf err;      /* stderr, up to cap */
};

static void
shreq_free(struct shreq *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_free(&q[i].err);
}

/* Close the shell's channel with the session (the shell ends with it). */
static void
shell_lost(struct ssh_conn *c)
{
	c->sh = NULL;
	buf_reset(&c->rbuf);
	conn_drop(c);
}

/* Read what the shell has sent: stdout to rbuf, stderr's tail kept.
 * Returns 1 if anything came, 0 if nothing, negative on an error, and sets
 * *eof when the channel ended. */
static int
shell_drain(struct ssh_conn *c, char *chunk, int *eof)
{
	ssize_t n;
	int got = 0;

	for (;;) {
		n = libssh2_channel_read(c->sh, chunk, CHUNK);
		if (n == 0 || n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		if (buf_add(&c->rbuf, chunk, (size_t)n) != 0)
			return LIBSSH2_ERROR_OUT_OF_BOUNDARY;
		got = 1;
	}
	for (;;) {
		n = libssh2_channel_read_stderr(c->sh, chunk, CHUNK);
		if (n == 0 || n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		got = 1;
		if (c->errtail.len + (size_t)n > ERR_QUOTE_MAX * 4)
			buf_reset(&c->errtail);
		buf_add(&c->errtail, chunk, (size_t)n < ERR_QUOTE_MAX * 4 ?
		    (size_t)n : ERR_QUOTE_MAX * 4);
	}
	if (libssh2_channel_eof(c->sh) == 1)
		*eof = 1;
	if (!got && (libssh2_poll_channel_read(c->sh, 0) ||
	    libssh2_poll_channel_read(c->sh, 1)))
		got = 1;
	return got;
}

/* The shell's last words, for a message. */
static const char *
shell_words(struct ssh_conn *c)
{
	char *s;

	if (c->errtail.len == 0)
		return "";
	s = str_trim(c->errtail.data);
	if (strlen(s) > ERR_QUOTE_MAX)
		s[ERR_QUOTE_MAX] = '\0';
	return s;
}

/* After a broken session: every libssh2 error but a refused request. */
static int
session_broken(int rc)
{
	return rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED &&
	    rc != LIBSSH2_ERROR_CHANNEL_FAILURE;
}

/* Open the channel and start the loop; drop what comes before READY_MARK. */
static int
shell_start(struct ssh_conn *c, const char *host, int64_t deadline,
    char **cause)
{
	const char *cmd = tssh_shell_command(), *m;
	char *chunk = NULL;
	int rc, eof = 0, r = 0;
	size_t ml = strlen(READY_MARK);

	buf_reset(&c->rbuf);
	buf_reset(&c->errtail);
	for (;;) {
		if ((c->sh = libssh2_channel_open_session(c->session)) != NULL)
			break;
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN) {
			r = set_cause(cause, session_broken(rc) ? JF_ERR_IO :
			    JF_ERR_REFUSED, "%s: the server refused a session "
			    "channel: %s", host, ssh_errmsg(c));
			goto fail;
		}
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	while ((rc = libssh2_channel_exec(c->sh, cmd)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	if (rc != 0) {
		r = set_cause(cause, JF_ERR_IO, "%s: cannot start the remote "
		    "shell: %s", host, ssh_errmsg(c));
		goto fail;
	}
	chunk = xmalloc(CHUNK);
	for (;;) {
		if ((m = memmem(c->rbuf.data != NULL ? c->rbuf.data : "",
		    c->rbuf.len, READY_MARK, ml)) != NULL) {
			/* start-up file noise before the mark is dropped */
			buf_consume(&c->rbuf, (size_t)(m - c->rbuf.data) + ml);
			break;
		}
		if (c->rbuf.len > NOISE_MAX) /* keep a tail: a split mark */
			buf_consume(&c->rbuf, c->rbuf.len - ml);
		if ((rc = shell_drain(c, chunk, &eof)) < 0) {
			r = set_cause(cause, JF_ERR_IO, "%s: connection lost "
			    "starting the remote shell: %s", host,
			    ssh_errmsg(c));
			goto fail;
		}
		if (rc > 0)
			continue;
		if (eof) {
			r = set_cause(cause, JF_ERR_IO, "%s: the remote shell "
			    "did not start (the account needs a POSIX login "
			    "shell)%s%s", host, c->errtail.len ? ": " : "",
			    shell_words(c));
			goto fail;
		}
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	free(chunk);
	return 0;
timed_out:
	r = set_cause(cause, JF_ERR_TIMEOUT, "%s: the remote shell did not "
	    "start in time", host);
fail:
	free(chunk);
	shell_lost(c);
	return r;
}

/*
 * Send the requests q[0..n) back to back and read their answers, all
 * within timeout_ms (0: the operation timeout).  Returns 0 when every
 * answer came (whatever its status), negative when the shell could not be
 * reached or did not answer in time (*timed_out set; the session is
 * dropped either way).
 */
static int
shell_call(struct transport *t, struct shreq *q, size_t n, int timeout_ms,
    int *timed_out, char **cause)
{
	struct ssh_conn *c = conn_of(t);
	struct buf req = BUF_INIT;
	char *chunk = NULL;
	size_t i, off = 0, want, done = 0, body;
	ssize_t w;
	int64_t deadline;
	int r = 0, rc, eof = 0, progress;

	if (timed_out != NULL)
		*timed_out = 0;
	req.secret = 1; /* data written may be a secret */
	for (i = 0; i < n; i++) {
		tssh_request(&req, q[i].op, q[i].args, q[i].nargs,
		    q[i].in != NULL ? q[i].inlen : 0, q[i].cap);
		if (q[i].in != NULL && q[i].inlen > 0)
			buf_add(&req, q[i].in, q[i].inlen);
		buf_init(&q[i].err, 0);
	}
	if (c->session == NULL && (r = conn_open(c, cause)) != 0)
		goto out;
	if (c->host_deadline > 0 && now_ms() >= c->host_deadline) {
		r = set_cause(cause, JF_ERR_TIMEOUT, "%s: the host's deadline "
		    "has passed", t->host);
		goto out;
	}
	deadline = phase_deadline(c, timeout_ms > 0 ? timeout_ms :
	    c->op_timeout_ms);
	if (c->sh == NULL && (r = shell_start(c, t->host, deadline, cause)) !=
	    0)
		goto out;
	chunk = xmalloc(CHUNK);
	while (done < n) {
		progress = 0;
		while (off < req.len) {
			want = req.len - off < CHUNK ? req.len - off : CHUNK;
			w = libssh2_channel_write(c->sh, req.data + off, want);
			if (w == LIBSSH2_ERROR_EAGAIN || w == 0)
				break;
			if (w < 0) {
				rc = (int)w;
				goto lost;
			}
			off += (size_t)w;
			progress = 1;
		}
		if ((rc = shell_drain(c, chunk, &eof)) < 0)
			goto lost;
		if (rc > 0)
			progress = 1;
		/* every whole answer in rbuf */
		while (done < n) {
			struct shreq *x = &q[done];
			size_t ol, el;

			rc = tssh_parse_frame(c->rbuf.data != NULL ?
			    c->rbuf.data : "", c->rbuf.len, &x->f);
			if (rc < 0) {
				r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": "
				    "the remote shell's answer is garbled",
				    t->host, x->what);
				shell_lost(c);
				goto out;
			}
			if (rc > 0)
				break;
			ol = x->f.out_len < x->cap ? x->f.out_len : x->cap;
			el = x->f.err_len < x->cap ? x->f.err_len : x->cap;
			body = x->f.head_len + ol + el;
			if (c->rbuf.len < body)
				break;
			if (x->out != NULL && ol > 0 && buf_add(x->out,
			    c->rbuf.data + x->f.head_len, ol) != 0)
				x->f.out_len = SIZE_MAX; /* over the buffer */
			buf_add(&x->err, c->rbuf.data + x->f.head_len + ol, el);
			buf_consume(&c->rbuf, body);
			done++;
		}
		if (done == n)
			break;
		if (eof) {
			r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": the remote "
			    "shell ended%s%s", t->host, q[done].what,
			    c->errtail.len ? ": " : "", shell_words(c));
			shell_lost(c);
			goto out;
		}
		if (!progress && ssh_wait(c, deadline) != 0) {
			if (timed_out != NULL)
				*timed_out = 1;
			r = set_cause(cause, JF_ERR_TIMEOUT, "%s: \"%s\": timed "
			    "out after %lld ms", t->host, q[done].what,
			    (long long)(timeout_ms > 0 ? timeout_ms :
			    c->op_timeout_ms));
			/* the shell is stuck in it: end the shell */
			shell_lost(c);
			goto out;
		}
	}
	goto out;
lost:
	r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": connection lost: %s",
	    t->host, q[done < n ? done : n - 1].what, ssh_errmsg(c));
	shell_lost(c);
out:
	free(chunk);
	buf_free(&req);
	return r;
}

/*
 * An answered request of a fixed script, classified: exit 0 is success,
 * EXIT_NOTFOUND is -JF_ERR_NOTFOUND, anything else an error quoting its
 * stderr.  The output appended since start is cut to out_max (*over says
 * there was more).
 */
static int
script_result(struct transport *t, struct shreq *q, const char *what,
    size_t start, size_t out_max, int *over, int *status, char **cause)
{
	char *e;

	if (over != NULL)
		*over = q->f.out_len > out_max;
	if (status != NULL)
		*status = q->f.code;
	if (q->out != NULL && q->out->len > start + out_max) {
		q->out->len = start + out_max;
		q->out->data[q->out->len] = '\0';
	}
	if (q->f.out_len == SIZE_MAX)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: \"%s\": output "
		    "over the buffer's limit", t->host, what);
	if (q->f.code == 0)
		return 0;
	if (q->f.code == EXIT_NOTFOUND)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": No such "
		    "file or directory", t->host, what);
	e = str_trim(q->err.data != NULL ? q->err.data : (char *)"");
	if (strlen(e) > ERR_QUOTE_MAX)
		e[ERR_QUOTE_MAX] = '\0';
	return set_cause(cause, JF_ERR_IO, "%s: \"%s\": %s%s(exit %s)",
	    t->host, what, e, *e ? " " : "", q->f.status);
}

/*
 * One of the fixed scripts with its arguments, classified: exit 0 is
 * success, EXIT_NOTFOUND is -JF_ERR_NOTFOUND, anything else an error
 * quoting its stderr.  what names the object in messages.
 */
static int
run_script(struct transport *t, const char *op, const char *what,
    const char *const *args, size_t nargs, const void *in, size_t inlen,
    struct buf *out, size_t out_max, int *over, int *status, char **cause)
{
	struct shreq q;
	size_t start = out->len;
	int r;

	memset(&q, 0, sizeof q);
	q.op = op;
	q.what = what;
	q.args = args;
	q.nargs = nargs;
	q.in = in;
	q.inlen = inlen;
	q.cap = out_max + 1;
	q.out = out;
	if ((r = shell_call(t, &q, 1, 0, NULL, cause)) != 0)
		goto out;
	r = script_result(t, &q, what, start, out_max, over, status, cause);
	/* a caller that reads the status reads what the script said with it
	 * (write's conflict: the hash of what is there now) */
	if (r != 0 && status != NULL && *status >= 0) {
		shreq_free(&q, 1);
		return r;
	}
out:
	if (r != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	shreq_free(&q, 1);
	return r;
}

/* A fixed script with up to three arguments, the first naming it. */
static int
run_op(struct transport *t, const char *op, const char *path, const char *a2,
    const char *a3, const void *in, size_t inlen, struct buf *out,
    size_t out_max, int *over, int *status, char **cause)
{
	const char *args[3] = { path, a2, a3 };
	size_t nargs = a3 != NULL ? 3 : a2 != NULL ? 2 : 1;

	return run_script(t, op, path, args, nargs, in, inlen, out, out_max,
	    over, status, cause);
}

/* --- the operations ---------------------------------------------------------- */

static int
ssh_read_range(struct transport *t, const char *path, uint64_t offset,
    size_t max, struct buf *out, char **cause)
{
	char a2[32], a3[32];
	size_t start = out->len;
	int over = 0, r;

	if (offset >= (uint64_t)INT64_MAX)
		return set_cause(cause, JF_ERR_USAGE, "%s: \"%s\": offset %llu "
		    "out of range", t->host, path, (unsigned long long)offset);
	snprintf(a2, sizeof a2, "%llu", (unsigned long long)offset + 1);
	snprintf(a3, sizeof a3, "%zu", max);
	r = run_op(t, "read", path, a2, a3, NULL, 0, out, max, &over,
	    NULL, cause);
	if (r == 0 && out->len - start > max) /* cannot happen: head -c */
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: \"%s\": more than %zu "
		    "bytes", t->host, path, max);
	if (r != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return r;
}

static int
ssh_read_file(struct transport *t, const char *path, struct buf *out,
    size_t max, char **cause)
{
	char a3[32];
	size_t start = out->len;
	int over = 0, r;

	if (max == 0)
		max = BUF_DEFAULT_MAX;
	/* one byte more than allowed tells "exactly max" from "more" */
	snprintf(a3, sizeof a3, "%zu", max + 1);
	r = run_op(t, "read", path, "1", a3, NULL, 0, out, max, &over,
	    NULL, cause);
	if (r == 0 && over)
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: \"%s\": more than the "
		    "limit of %zu bytes", t->host, path, max);
	if (r != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return r;
}

static int
ssh_write_file(struct transport *t, const char *path, const void *data,
    size_t len, mode_t mode, struct tcheck *check, char **cause)
{
	struct buf out = BUF_INIT;
	char a2[96], a3[32];
	const char *expect = "-";
	int status = -1, r;

	if (*path == '\0')
		return set_cause(cause, JF_ERR_USAGE, "%s: empty path",
		    t->host);
	if (check != NULL) {
		check->found[0] = '\0';
		if (check->expect == TEXPECT_ABSENT)
			expect = "absent";
		else if (check->expect == TEXPECT_SHA256)
			expect = check->sha256;
	}
	snprintf(a2, sizeof a2, "%04o/%s", (unsigned)(mode & 07777), expect);
	snprintf(a3, sizeof a3, "%zu", len);
	r = run_op(t, "write", path, a2, a3, data != NULL ? data : "",
	    len, &out, 4096, NULL, &status, cause);
	if (r != 0 && status == EXIT_DIRSYNC)
		set_cause(cause, JF_ERR_IO, "%s: \"%s\": replaced, but its directory "
		    "could not be synced", t->host, path);
	if (r != 0 && status == EXIT_CHANGED && check != NULL) {
		size_t n = out.data != NULL ? strspn(out.data,
		    "0123456789abcdef") : 0;

		if (n == 64)
			memcpy(check->found, out.data, 65);
		check->found[n == 64 ? 64 : 0] = '\0';
		r = set_cause(cause, JF_ERR_CHANGED, "%s: \"%s\": changed since "
		    "it was read (now %s, expected %s): not replaced", t->host,
		    path, check->found[0] != '\0' ? check->found : "no file",
		    check->expect == TEXPECT_ABSENT ? "no file" :
		    check->sha256);
	}
	buf_free(&out);
	return r;
}

int
tssh_parse_stat(const char *text, size_t len, struct tstat *ts, char **cause)
{
	unsigned long long v[6];
	char *s, *p, *end, *dot;
	long long ns = 0;
	size_t i, digits;
	int r = 0;

	memset(ts, 0, sizeof *ts);
	s = xstrndup(text, len);
	p = s;
	for (i = 0; i < 6; i++) {
		while (*p == ' ')
			p++;
		errno = 0;
		if (*p == '-' && i == 5) { /* before 1970 */
			v[i] = (unsigned long long)strtoll(p, &end, 10);
		} else
			v[i] = strtoull(p, &end, i == 0 ? 16 : 10);
		if (end == p || errno != 0 || (*end != ' ' && *end != '\0')) {
			r = set_cause(cause, JF_ERR_PARSE, "stat output: field "
			    "%zu is not a number: \"%.40s\"", i + 1, p);
			goto out;
		}
		p = end;
	}
	if ((long long)v[5] > INT64_MAX / 1000000000 - 1 ||
	    (long long)v[5] < INT64_MIN / 1000000000 + 1) {
		r = set_cause(cause, JF_ERR_PARSE, "stat output: mtime %lld out "
		    "of range", (long long)v[5]);
		goto out;
	}
	/* %y: "2024-01-02 03:04:05.123456789 +0000"; the fraction, if any */
	while (*p == ' ')
		p++;
	if ((p = strchr(p, ' ')) != NULL && (dot = strchr(p + 1, '.')) != NULL &&
	    (end = strchr(p + 1, ' ')) != NULL && dot < end) {
		for (dot++, digits = 0; digits < 9; digits++) {
			ns *= 10;
			if (isdigit((unsigned char)*dot))
				ns += *dot++ - '0';
		}
	}
	ts->exists = 1;
	ts->mode = (mode_t)v[0];
	ts->uid = (uid_t)v[1];
	ts->gid = (gid_t)v[2];
	ts->size = (off_t)v[3];
	ts->ino = (uint64_t)v[4];
	/* tv_sec * 1e9 + tv_nsec, as locally (%Y is tv_sec, also < 0) */
	ts->mtime_ns = (int64_t)(long long)v[5] * 1000000000 + ns;
out:
	free(s);
	return r;
}

static int
ssh_stat(struct transport *t, const char *path, struct tstat *ts,
    char **cause)
{
	struct buf out = BUF_INIT;
	char *why = NULL;
	int r;

	memset(ts, 0, sizeof *ts);
	r = run_op(t, "stat", path, NULL, NULL, NULL, 0, &out, 4096, NULL,
	    NULL, cause);
	if (r == -JF_ERR_NOTFOUND) {
		r = 0; /* exists = 0, as locally */
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
	}
	else if (r == 0 && (r = tssh_parse_stat(out.data ? out.data : "",
	    out.len, ts, &why)) != 0)
		set_cause(cause, -r, "%s: \"%s\": %s", t->host, path, why);
	free(why);
	buf_free(&out);
	return r;
}

static int
ssh_realpath(struct transport *t, const char *path, char **res, char **cause)
{
	struct buf out = BUF_INIT;
	int over = 0, r;

	*res = NULL;
	r = run_op(t, "realpath", path, NULL, NULL, NULL, 0, &out,
	    PATH_MAX * 4, &over, NULL, cause);
	if (r == 0 && over)
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: \"%s\": resolved path "
		    "longer than %d bytes", t->host, path, PATH_MAX * 4);
	if (r == 0 && (out.len == 0 || memchr(out.data, '\0', out.len)))
		r = set_cause(cause, JF_ERR_PARSE, "%s: \"%s\": readlink -f "
		    "gave no path", t->host, path);
	if (r == 0)
		*res = buf_detach(&out);
	buf_free(&out);
	return r;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
tssh_parse_names(const char *text, size_t len, char ***namesp, size_t *np,
    char **cause)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	const char *p = text, *end = text + len, *slash;

	*namesp = NULL;
	*np = 0;
	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL || slash == p ||
		    memchr(p, '\0', (size_t)(slash - p)) != NULL) {
			names_free(names, n);
			return set_cause(cause, JF_ERR_PARSE, "directory "
			    "listing: bad record at byte %zu",
			    (size_t)(p - text));
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrndup(p, (size_t)(slash - p));
		p = slash + 1;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	*namesp = names;
	*np = n;
	return 0;
}

static int
ssh_list_dir(struct transport *t, const char *path, char ***names, size_t *n,
    char **cause)
{
	struct buf out = BUF_INIT;
	char *why = NULL;
	int over = 0, r;

	*names = NULL;
	*n = 0;
	r = run_op(t, "list", path, NULL, NULL, NULL, 0, &out,
	    TSSH_LIST_OUTPUT_MAX, &over, NULL, cause);
	if (r == 0 && over)
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: \"%s\": listing over "
		    "%zu bytes", t->host, path, TSSH_LIST_OUTPUT_MAX);
	if (r == 0 && (r = tssh_parse_names(out.data ? out.data : "", out.len,
	    names, n, &why)) != 0)
		set_cause(cause, -r, "%s: \"%s\": %s", t->host, path, why);
	free(why);
	buf_free(&out);
	return r;
}

static int
ssh_unlink(struct transport *t, const char *path, char **cause)
{
	struct buf out = BUF_INIT;
	int r;

	r = run_op(t, "unlink", path, NULL, NULL, NULL, 0, &out, 4096, NULL,
	    NULL, cause);
	buf_free(&out);
	return r;
}

static int
cmp_procs(const void *a, const void *b)
{
	const struct tproc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int
tssh_parse_procs(const char *text, size_t len, struct tproc **procsp,
    size_t *np, char **cause)
{
	static const char tag[] = "/cmdline:";
	struct tproc *procs = NULL;
	struct buf raw = BUF_INIT;
	size_t n = 0, cap = 0, taglen = strlen(tag);
	const char *p = text, *end = text + len, *nul, *q;
	long pid, cur = -1;
	char *cmd;

	*procsp = NULL;
	*np = 0;
	buf_init(&raw, TLOCAL_CMDLINE_MAX + 1);
	while (p < end || cur != -1) {
		pid = -1;
		q = p;
		if (p < end) {
			for (pid = 0; q < end && isdigit((unsigned char)*q) &&
			    pid <= INT_MAX; q++)
				pid = pid * 10 + (*q - '0');
			if (q == p || pid <= 0 || pid > INT_MAX ||
			    (size_t)(end - q) < taglen ||
			    memcmp(q, tag, taglen) != 0) {
				tprocs_free(procs, n);
				buf_free(&raw);
				return set_cause(cause, JF_ERR_PARSE, "process "
				    "list: bad record at byte %zu",
				    (size_t)(p - text));
			}
		}
		if (pid != cur && cur != -1) {
			/* the previous process is complete */
			if ((cmd = tlocal_cmdline_string(raw.data ? raw.data :
			    "", raw.len)) != NULL) {
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					procs = xreallocarray(procs, cap,
					    sizeof *procs);
				}
				procs[n].pid = (pid_t)cur;
				procs[n].cmdline = cmd;
				n++;
			}
			buf_reset(&raw);
			cur = -1;
		}
		if (pid == -1)
			break;
		cur = pid;
		q += taglen;
		nul = memchr(q, '\0', (size_t)(end - q));
		if (nul == NULL)
			nul = end;
		/* cut at the local limit, as locally */
		if (raw.len < TLOCAL_CMDLINE_MAX) {
			size_t room = TLOCAL_CMDLINE_MAX - raw.len, k =
			    (size_t)(nul - q) < room ? (size_t)(nul - q) : room;
			buf_add(&raw, q, k);
			if (raw.len < TLOCAL_CMDLINE_MAX)
				buf_addch(&raw, '\0');
		}
		p = nul < end ? nul + 1 : end;
	}
	buf_free(&raw);
	if (n > 1)
		qsort(procs, n, sizeof *procs, cmp_procs);
	*procsp = procs;
	*np = n;
	return 0;
}

/* The procs script's output, parsed (over: it was cut at the cap). */
static int
procs_result(struct transport *t, struct buf *out, int over,
    struct tproc **procs, size_t *n, char **cause)
{
	char *why = NULL;
	int r = 0;

	*procs = NULL;
	*n = 0;
	if (over)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: process list over "
		    "%zu bytes", t->host, TSSH_LIST_OUTPUT_MAX);
	if ((r = tssh_parse_procs(out->data ? out->data : "", out->len, procs,
	    n, &why)) != 0)
		set_cause(cause, -r, "%s: %s", t->host, why);
	free(why);
	return r;
}

/* The tcp script's output, parsed. */
static int
tcp_result(struct transport *t, struct buf *out, int over,
    struct tsock **socksp, size_t *np, char **cause)
{
	struct tsock *socks = NULL;
	const char *sep, *text;
	size_t n = 0, len4;
	char *why = NULL;
	int r;

	*socksp = NULL;
	*np = 0;
	if (over)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: socket list over "
		    "%zu bytes", t->host, TSSH_LIST_OUTPUT_MAX);
	text = out->data != NULL ? out->data : "";
	sep = memmem(text, out->len, "\n" TCP6_SEPARATOR,
	    strlen("\n" TCP6_SEPARATOR));
	len4 = sep != NULL ? (size_t)(sep - text) + 1 : out->len;
	r = tlocal_parse_proc_net_tcp(text, len4, 0, "/proc/net/tcp", &socks,
	    &n, &why);
	if (r == 0 && sep != NULL) {
		sep += strlen("\n" TCP6_SEPARATOR);
		r = tlocal_parse_proc_net_tcp(sep, out->len - (size_t)(sep -
		    text), 1, "/proc/net/tcp6", &socks, &n, &why);
	}
	if (r != 0) {
		set_cause(cause, -r, "%s: %s", t->host, why);
		free(socks);
	} else {
		*socksp = socks;
		*np = n;
	}
	free(why);
	return r;
}

static int
ssh_list_procs(struct transport *t, struct tproc **procs, size_t *n,
    char **cause)
{
	struct buf out = BUF_INIT;
	int over = 0, r;

	*procs = NULL;
	*n = 0;
	r = run_op(t, "procs", "/proc", NULL, NULL, NULL, 0, &out,
	    TSSH_LIST_OUTPUT_MAX, &over, NULL, cause);
	if (r == 0)
		r = procs_result(t, &out, over, procs, n, cause);
	buf_free(&out);
	return r;
}

static int
ssh_list_tcp(struct transport *t, struct tsock **socks, size_t *n,
    char **cause)
{
	struct buf out = BUF_INIT;
	int over = 0, r;

	*socks = NULL;
	*n = 0;
	r = run_op(t, "tcp", "/proc/net/tcp", NULL, NULL, NULL, 0, &out,
	    TSSH_LIST_OUTPUT_MAX, &over, NULL, cause);
	if (r == 0)
		r = tcp_result(t, &out, over, socks, n, cause);
	buf_free(&out);
	return r;
}

/* The reads of a batch as requests sent back to back: one round trip. */
static int
ssh_read_batch(struct transport *t, struct tread *rd, size_t n, char **cause)
{
	struct shreq *q = xcalloc(n, sizeof *q);
	struct buf *outs = xcalloc(n, sizeof *outs);
	const char **args = xcalloc(3 * n, sizeof *args);
	char (*num)[32] = xcalloc(n, sizeof *num);
	char *why = NULL;
	size_t i, max;
	int r, over;

	for (i = 0; i < n; i++) {
		buf_init(&outs[i], 0);
		q[i].out = &outs[i];
		switch (rd[i].kind) {
		case TREAD_FILE:
			max = rd[i].max != 0 ? rd[i].max : BUF_DEFAULT_MAX;
			/* one byte more tells "exactly max" from "more" */
			snprintf(num[i], sizeof num[i], "%zu", max + 1);
			args[3 * i] = rd[i].path;
			args[3 * i + 1] = "1";
			args[3 * i + 2] = num[i];
			q[i].op = "read";
			q[i].what = rd[i].path;
			q[i].nargs = 3;
			q[i].cap = max + 1;
			q[i].out = &rd[i].data;
			break;
		case TREAD_PROCS:
			args[3 * i] = "/proc";
			q[i].op = "procs";
			q[i].what = "/proc";
			q[i].nargs = 1;
			q[i].cap = TSSH_LIST_OUTPUT_MAX + 1;
			break;
		case TREAD_TCP:
			args[3 * i] = "/proc/net/tcp";
			q[i].op = "tcp";
			q[i].what = "/proc/net/tcp";
			q[i].nargs = 1;
			q[i].cap = TSSH_LIST_OUTPUT_MAX + 1;
			break;
		}
		q[i].args = args + 3 * i;
	}
	if ((r = shell_call(t, q, n, 0, NULL, &why)) != 0) {
		for (i = 0; i < n; i++) {
			rd[i].r = r;
			rd[i].cause = xstrdup(why);
		}
		set_cause(cause, -r, "%s", why);
		goto out;
	}
	for (i = 0; i < n; i++) {
		over = 0;
		max = rd[i].kind == TREAD_FILE ? q[i].cap - 1 :
		    TSSH_LIST_OUTPUT_MAX;
		rd[i].r = script_result(t, &q[i], q[i].what, 0, max, &over,
		    NULL, &rd[i].cause);
		if (rd[i].r != 0)
			continue;
		switch (rd[i].kind) {
		case TREAD_FILE:
			if (over)
				rd[i].r = set_cause(&rd[i].cause,
				    JF_ERR_TOOBIG, "%s: \"%s\": more than the "
				    "limit of %zu bytes", t->host, rd[i].path,
				    max);
			break;
		case TREAD_PROCS:
			rd[i].r = procs_result(t, &outs[i], over, &rd[i].procs,
			    &rd[i].nprocs, &rd[i].cause);
			break;
		case TREAD_TCP:
			rd[i].r = tcp_result(t, &outs[i], over, &rd[i].socks,
			    &rd[i].nsocks, &rd[i].cause);
			break;
		}
		if (rd[i].r != 0)
			buf_reset(&rd[i].data);
	}
out:
	shreq_free(q, n);
	for (i = 0; i < n; i++)
		buf_free(&outs[i]);
	free(outs);
	free(q);
	free(args);
	free(num);
	free(why);
	return r;
}

static int
ssh_run(struct transport *t, const char *const *argv, const char *const *env,
    const void *stdin_data, size_t stdin_len, int timeout_ms,
    struct trun_result *res, char **cause)
{
	struct ssh_conn *c = conn_of(t);
	const char **args = NULL;
	struct shreq q;
	char ts[32];
	size_t n = 0, i;
	int r, timed_out = 0, ms;

	res->status = -1;
	res->timed_out = 0;
	buf_reset(&res->out);
	buf_reset(&res->err);
	if ((r = tssh_check_argv(argv, env, cause)) != 0)
		return r;
	ms = timeout_ms > 0 ? timeout_ms : c->op_timeout_ms;
	/* the remote timeout(1) guard kills what we stopped waiting for:
	 * ending the shell does not end what it runs */
	snprintf(ts, sizeof ts, "%d", (ms + 999) / 1000 +
	    TSSH_REMOTE_KILL_SLACK_S);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		;
	for (n = 0; argv[n] != NULL; n++)
		;
	args = xcalloc(2 + i + n, sizeof *args);
	args[0] = ts;
	args[1] = argv[0];
	if (i > 0)
		memcpy(args + 2, env, i * sizeof *args);
	memcpy(args + 2 + i, argv, n * sizeof *args);
	memset(&q, 0, sizeof q);
	q.op = "run";
	q.what = argv[0];
	q.args = args;
	q.nargs = 2 + i + n;
	q.in = stdin_data;
	q.inlen = stdin_data != NULL ? stdin_len : 0;
	q.cap = TSSH_RUN_OUTPUT_MAX;
	q.out = &res->out;
	r = shell_call(t, &q, 1, ms, &timed_out, cause);
	if (r == -JF_ERR_TIMEOUT && timed_out) {
		/* it ran, and we stopped waiting: that is a result */
		res->timed_out = 1;
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (strcmp(q.f.status, "noent") == 0)
		r = set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": No such file "
		    "or directory", t->host, argv[0]);
	else if (strcmp(q.f.status, "noexec") == 0)
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": cannot execute",
		    t->host, argv[0]);
	else if (q.f.code < 0)
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": the remote shell "
		    "answered \"%s\"", t->host, argv[0], q.f.status);
	if (r != 0) {
		buf_reset(&res->out);
		goto out;
	}
	res->status = q.f.code;
	buf_add(&res->err, q.err.data != NULL ? q.err.data : "", q.err.len);
out:
	shreq_free(&q, 1);
	free(args);
	return r;
}

static void
ssh_close(struct transport *t)
{
	struct ssh_conn *c;

	if (t == NULL || (c = t->impl) == NULL)
		return;
	conn_close(c);
	free(c->user);
	free(c->host);
	free(c->home);
	free(c->identity);
	free_secret(c->passphrase);
	free(c->known_hosts);
	buf_free(&c->rbuf);
	buf_free(&c->errtail);
	free(c);
	t->impl = NULL;
}

static const struct transport_ops ssh_ops = {
	.name = "ssh",
	.read_file = ssh_read_file,
	.read_range = ssh_read_range,
	.write_file = ssh_write_file,
	.stat = ssh_stat,
	.realpath = ssh_realpath,
	.list_dir = ssh_list_dir,
	.list_procs = ssh_list_procs,
	.list_tcp = ssh_list_tcp,
	.run = ssh_run,
	.unlink = ssh_unlink,
	.close = ssh_close,
	.read_batch = ssh_read_batch,
};

/* The current user's name and home directory. */
static int
current_user(char **name, char **home, char **cause)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *b;
	int e;

	if (size <= 0 || size > (1 << 20))
		size = 16384;
	b = xmalloc((size_t)size);
	e = getpwuid_r(geteuid(), &pw, b, (size_t)size, &res);
	if (res == NULL) {
		free(b);
		return set_cause(cause, JF_ERR_NOTFOUND, "uid %ld: not in the "
		    "user database%s%s", (long)geteuid(), e ? ": " : "",
		    e ? strerror(e) : "");
	}
	*name = xstrdup(pw.pw_name);
	*home = xstrdup(getenv("HOME") != NULL && *getenv("HOME") == '/' ?
	    getenv("HOME") : pw.pw_dir);
	free(b);
	return 0;
}

int
transport_ssh_new(const struct ssh_opts *o, struct transport **out,
    char **cause)
{
	struct ssh_conn *c;
	struct transport *t;
	char *uname = NULL;
	int r;

	*out = NULL;
	if (o->host == NULL || *o->host == '\0')
		return set_cause(cause, JF_ERR_USAGE, "ssh: no host");
	if (o->port < 0 || o->port > 65535)
		return set_cause(cause, JF_ERR_USAGE, "%s: port %d out of range",
		    o->host, o->port);
	c = xcalloc(1, sizeof *c);
	c->fd = -1;
	/* an answer holds up to two streams of TSSH_LIST_OUTPUT_MAX */
	buf_init(&c->rbuf, 2 * TSSH_LIST_OUTPUT_MAX + 4096);
	c->rbuf.secret = 1; /* files read may hold secrets */
	buf_init(&c->errtail, 0);
	if ((r = current_user(&uname, &c->home, cause)) != 0) {
		free(c);
		return r;
	}
	c->user = o->user != NULL ? xstrdup(o->user) : xstrdup(uname);
	free(uname);
	c->host = xstrdup(o->host);
	c->port = o->port != 0 ? o->port : 22;
	c->identity = o->identity != NULL ? xstrdup(o->identity) : NULL;
	c->passphrase = o->passphrase != NULL ? xstrdup(o->passphrase) : NULL;
	c->known_hosts = o->known_hosts != NULL ? xstrdup(o->known_hosts) :
	    xasprintf("%s/.ssh/known_hosts", c->home);
	c->accept_new = o->accept_new;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : TSSH_CONNECT_TIMEOUT_MS;
	c->op_timeout_ms = o->op_timeout_ms > 0 ? o->op_timeout_ms :
	    TSSH_OP_TIMEOUT_MS;
	c->host_deadline = o->deadline_ms;

	t = xcalloc(1, sizeof *t);
	t->ops = &ssh_ops;
	t->host = xstrdup(o->host);
	t->impl = c;
	if ((r = conn_open(c, cause)) != 0) {
		transport_free(t);
		return r;
	}
	*out = t;
	return 0;
}
