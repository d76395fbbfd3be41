/*
 * transport-ssh.c - the transport for a remote host, over one libssh2
 * session.
 *
 * Why it is built this way:
 *
 * - One session per host, reused by every operation; each operation is one
 *   exec channel.  A channel costs a round trip or two (a few ms), a new
 *   connection a key exchange and authentication (tens of ms).  A session
 *   that broke (the peer went away, a timeout left libssh2 half way through
 *   a packet) is dropped, and the next operation connects again, checking
 *   the host key again.
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
 *   file operations run fixed /bin/sh scripts (constants below) with the
 *   paths as positional arguments.  The program runs under
 *   `env -i PATH=... LANG=C` so the remote user's environment does not
 *   leak in.
 *
 * - What we rely on in the remote account: its login shell is a POSIX
 *   shell (sh, bash, dash, ksh, zsh; not csh, whose quoting differs), and its
 *   start-up files neither exit nor read stdin.  Their output does not
 *   matter: before it execs the program the command line prints a marker on
 *   stdout and on stderr, and everything before the marker is dropped.
 *   (OpenSSH's sshd runs the command with `$SHELL -c`; bash then reads
 *   ~/.bashrc when it sees it was started by sshd, which is where such
 *   output would come from.)  On the remote host we use /bin/sh, env,
 *   head, tail, stat, readlink -f, mktemp, chmod, chown, cat, wc, sync, mv,
 *   rm, grep -z (GNU coreutils and grep: any Linux).  timeout(1) is used
 *   when /usr/bin/timeout exists, to kill a program we stopped waiting for:
 *   closing an exec channel does not kill what it runs.
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
/* The markers the command line prints before it execs (see top). */
#define MARK_PREFIX "\036jobfix-"
#define MARK_END '\037'

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
 * the file's SHA-256 in hex, with the owner and mode it had when the
 * script began: a person's chmod is a change too); $3 size; the data on stdin.  A file that is
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
		libssh2_session_free(c->session);
	}
	c->session = NULL;
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

/* --- the remote command line ----------------------------------------------- */

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

/*
 * printf MARK-noent / MARK-noexec and stop if argv[0] cannot run (so a
 * missing program is an error, as locally, not a status 127); else print
 * MARK-start on stdout and stderr and exec the program through env -i,
 * under timeout(1) when there is one.
 */
char *
tssh_command_line(const char *const *argv, const char *const *env,
    int timeout_s, char **cause)
{
	struct buf b = BUF_INIT, cmd = BUF_INIT;
	size_t i;
	char *s;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		set_cause(cause, JF_ERR_USAGE, "\"%s\": not an absolute path",
		    argv != NULL && argv[0] != NULL ? argv[0] : "");
		return NULL;
	}
	if (strchr(argv[0], '=') != NULL) {
		/* env(1) would take it for an assignment */
		set_cause(cause, JF_ERR_USAGE, "\"%s\": a program path with "
		    "'=' cannot be run remotely", argv[0]);
		return NULL;
	}
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (!valid_env_entry(env[i])) {
			set_cause(cause, JF_ERR_USAGE, "\"%s\": environment "
			    "entry \"%s\" is not NAME=VALUE", argv[0], env[i]);
			return NULL;
		}
	}
	buf_addstr(&cmd, "/usr/bin/env -i 'PATH=/usr/sbin:/usr/bin:/sbin:/bin' "
	    "'LANG=C'");
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		buf_addch(&cmd, ' ');
		tssh_quote(&cmd, env[i]);
	}
	for (i = 0; argv[i] != NULL; i++) {
		buf_addch(&cmd, ' ');
		tssh_quote(&cmd, argv[i]);
	}

	buf_addstr(&b, "if [ ! -e ");
	tssh_quote(&b, argv[0]);
	buf_addstr(&b, " ]; then printf '\\036jobfix-noent\\037'; exit 127; "
	    "fi; if [ -d ");
	tssh_quote(&b, argv[0]);
	buf_addstr(&b, " ] || [ ! -x ");
	tssh_quote(&b, argv[0]);
	buf_addstr(&b, " ]; then printf '\\036jobfix-noexec\\037'; exit 126; "
	    "fi; printf '\\036jobfix-start\\037'; "
	    "printf '\\036jobfix-start\\037' >&2; ");
	if (timeout_s > 0) {
		buf_printf(&b, "if [ -x /usr/bin/timeout ]; then exec "
		    "/usr/bin/timeout -k 1 %d %s; else exec %s; fi", timeout_s,
		    cmd.data, cmd.data);
	} else
		buf_printf(&b, "exec %s", cmd.data);
	buf_free(&cmd);
	s = buf_detach(&b);
	return s;
}

/* --- one exec channel ------------------------------------------------------- */

/* Where one output stream goes: a buffer with a cap, after the marker. */
struct sink {
	struct buf *b;
	size_t max;      /* bytes beyond this are drained and dropped */
	size_t start;    /* b->len when we began */
	int over;        /* some were dropped */
	int marked;      /* the marker was seen: the program's own output */
	char mark[16];   /* which marker: "start", "noent", "noexec" */
	struct buf noise; /* what came before the marker */
};

static void
sink_init(struct sink *s, struct buf *b, size_t max)
{
	memset(s, 0, sizeof *s);
	s->b = b;
	s->max = max;
	s->start = b->len;
	buf_init(&s->noise, 0);
}

static int
sink_put(struct sink *s, const char *p, size_t n)
{
	size_t room, plen = strlen(MARK_PREFIX), skip;
	const char *m, *end;

	if (!s->marked) {
		if (buf_add(&s->noise, p, n) != 0)
			return -JF_ERR_TOOBIG;
		m = memmem(s->noise.data, s->noise.len, MARK_PREFIX, plen);
		if (m == NULL) {
			if (s->noise.len > NOISE_MAX) {
				/* keep the tail: a marker may be split */
				skip = s->noise.len - plen;
				memmove(s->noise.data, s->noise.data + skip,
				    plen);
				s->noise.len = plen;
				s->noise.data[plen] = '\0';
			}
			return 0;
		}
		end = memchr(m + plen, MARK_END, (size_t)(s->noise.data +
		    s->noise.len - (m + plen)));
		if (end == NULL)
			return 0; /* the rest of it is still on its way */
		if ((size_t)(end - (m + plen)) >= sizeof s->mark)
			return -JF_ERR_PARSE;
		memcpy(s->mark, m + plen, (size_t)(end - (m + plen)));
		s->mark[end - (m + plen)] = '\0';
		s->marked = 1;
		p = end + 1;
		n = (size_t)(s->noise.data + s->noise.len - p);
		/* noise before the marker is dropped; keep it for messages */
		s->noise.len = (size_t)(m - s->noise.data);
		s->noise.data[s->noise.len] = '\0';
		if (n == 0)
			return 0;
		/* p points into noise.data, which we do not touch again */
	}
	room = s->max - (s->b->len - s->start);
	if (n > room) {
		s->over = 1;
		n = room;
	}
	if (n > 0 && buf_add(s->b, p, n) != 0) {
		s->over = 1;
		return -JF_ERR_TOOBIG;
	}
	return 0;
}

static void
sink_free(struct sink *s)
{
	buf_free(&s->noise);
}

struct exec_req {
	const char *what;     /* for messages; NULL: argv[0] */
	const char *const *argv;
	const char *const *env;
	const void *in;       /* NULL: none (EOF at once) */
	size_t inlen;
	struct buf *out;
	size_t out_max;
	int stop_when_over;   /* close the channel once out_max is passed */
	struct buf *err;
	size_t err_max;
	int timeout_ms;
	/* results */
	int status;           /* exit status or 128 + signal; -1 if none */
	int timed_out;
	int out_over;
	int err_over;
};

static int
signal_number(const char *name)
{
	static const struct {
		const char *name;
		int n;
	} sigs[] = {
		{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 },
		{ "TRAP", 5 }, { "ABRT", 6 }, { "BUS", 7 }, { "FPE", 8 },
		{ "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 }, { "USR2", 12 },
		{ "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 }, { "XCPU", 24 },
		{ "XFSZ", 25 },
	};
	size_t i;

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < nitems(sigs); i++) {
		if (strcmp(name, sigs[i].name) == 0)
			return sigs[i].n;
	}
	return 0;
}

/* After a broken session: every libssh2 error but a refused request. */
static int
session_broken(int rc)
{
	return rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED &&
	    rc != LIBSSH2_ERROR_CHANNEL_FAILURE;
}

/* Close and free a channel: within the deadline, else drop the session. */
static void
channel_finish(struct ssh_conn *c, LIBSSH2_CHANNEL *ch, int64_t deadline)
{
	int rc;

	if (c->session == NULL)
		return; /* freed with the session */
	c->deadline = deadline;
	while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, deadline) != 0)
			break;
	}
	if (rc != 0) {
		conn_drop(c);
		return;
	}
	while ((rc = libssh2_channel_free(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, deadline) != 0)
			break;
	}
	if (rc != 0)
		conn_drop(c);
}

static int
ssh_exec(struct transport *t, struct exec_req *x, char **cause)
{
	struct ssh_conn *c = conn_of(t);
	LIBSSH2_CHANNEL *ch = NULL;
	struct sink so, se;
	const char *in = x->in;
	char *cmd = NULL, *chunk = NULL, *sig = NULL;
	size_t off = 0, want;
	ssize_t n;
	int64_t deadline, grace;
	int rc = 0, r = 0, progress, eof_sent = 0, timeout_ms, remote_s;
	const char *what = x->what != NULL ? x->what : x->argv[0];

	x->status = -1;
	x->timed_out = 0;
	x->out_over = x->err_over = 0;
	sink_init(&so, x->out, x->out_max);
	sink_init(&se, x->err, x->err_max);
	timeout_ms = x->timeout_ms > 0 ? x->timeout_ms : c->op_timeout_ms;
	remote_s = (timeout_ms + 999) / 1000 + TSSH_REMOTE_KILL_SLACK_S;
	if ((cmd = tssh_command_line(x->argv, x->env, remote_s, cause)) ==
	    NULL) {
		r = -JF_ERR_USAGE;
		goto out;
	}
	if (c->session == NULL && (r = conn_open(c, cause)) != 0)
		goto out;
	if (c->host_deadline > 0 && now_ms() >= c->host_deadline) {
		r = set_cause(cause, JF_ERR_TIMEOUT, "%s: \"%s\": the host's "
		    "deadline has passed", t->host, what);
		goto out;
	}
	deadline = phase_deadline(c, timeout_ms);
	chunk = xmalloc(CHUNK);

	for (;;) {
		if ((ch = libssh2_channel_open_session(c->session)) != NULL)
			break;
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			goto lib_error;
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	while ((rc = libssh2_channel_exec(ch, cmd)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	if (rc != 0)
		goto lib_error;

	for (;;) {
		progress = 0;
		/* stdin: as much as the window takes; a program that exits
		 * without reading it all is not an error (as locally) */
		while (in != NULL && off < x->inlen) {
			want = x->inlen - off < CHUNK ? x->inlen - off : CHUNK;
			n = libssh2_channel_write(ch, in + off, want);
			if (n > 0) {
				off += (size_t)n;
				progress = 1;
				continue;
			}
			if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
				break;
			if (libssh2_channel_eof(ch) == 1 ||
			    n == LIBSSH2_ERROR_CHANNEL_CLOSED ||
			    n == LIBSSH2_ERROR_CHANNEL_EOF_SENT) {
				in = NULL;
				break;
			}
			rc = (int)n;
			goto lib_error;
		}
		if (!eof_sent && (in == NULL || off == x->inlen)) {
			rc = libssh2_channel_send_eof(ch);
			if (rc == 0) {
				eof_sent = 1;
				progress = 1;
			} else if (rc != LIBSSH2_ERROR_EAGAIN) {
				if (rc != LIBSSH2_ERROR_CHANNEL_CLOSED &&
				    rc != LIBSSH2_ERROR_CHANNEL_EOF_SENT &&
				    libssh2_channel_eof(ch) != 1)
					goto lib_error;
				eof_sent = 1;
			}
		}
		for (;;) {
			n = libssh2_channel_read(ch, chunk, CHUNK);
			if (n == 0 || n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0) {
				rc = (int)n;
				goto lib_error;
			}
			progress = 1;
			if ((r = sink_put(&so, chunk, (size_t)n)) != 0)
				goto sink_error;
		}
		for (;;) {
			n = libssh2_channel_read_stderr(ch, chunk, CHUNK);
			if (n == 0 || n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0) {
				rc = (int)n;
				goto lib_error;
			}
			progress = 1;
			if ((r = sink_put(&se, chunk, (size_t)n)) != 0)
				goto sink_error;
		}
		if (so.over && x->stop_when_over)
			break;
		if (libssh2_channel_eof(ch) == 1)
			break;
		/*
		 * Each read drains the socket into libssh2's queue, so the
		 * stderr read may have queued stdout data (and the EOF after
		 * it) that the socket will never announce again: look at the
		 * queue before sleeping on the socket.
		 */
		if (!progress && (libssh2_poll_channel_read(ch, 0) ||
		    libssh2_poll_channel_read(ch, 1)))
			continue;
		if (!progress && ssh_wait(c, deadline) != 0)
			goto timed_out;
	}

	/* The exit status comes before the channel's close. */
	while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, deadline) != 0)
			goto timed_out;
	}
	if (rc != 0)
		goto lib_error;
	if (!(so.over && x->stop_when_over)) {
		while ((rc = libssh2_channel_wait_closed(ch)) ==
		    LIBSSH2_ERROR_EAGAIN) {
			if (ssh_wait(c, deadline) != 0)
				goto timed_out;
		}
		if (rc != 0)
			goto lib_error;
		rc = libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL,
		    NULL, NULL);
		if (rc == 0 && sig != NULL)
			x->status = 128 + signal_number(sig);
		else
			x->status = libssh2_channel_get_exit_status(ch);
		if (sig != NULL)
			libssh2_free(c->session, sig);
	}
	channel_finish(c, ch, now_ms() + TSSH_CLOSE_GRACE_MS);
	ch = NULL;

	x->out_over = so.over;
	x->err_over = se.over;
	if (strcmp(so.mark, "noent") == 0)
		r = set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": No such file "
		    "or directory", t->host, what);
	else if (strcmp(so.mark, "noexec") == 0)
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": cannot execute",
		    t->host, what);
	else if (!so.marked) {
		/* The login shell never got to our command: its own error */
		buf_add(&se.noise, se.b->data != NULL ? se.b->data + se.start :
		    "", se.b->len - se.start);
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": the remote shell "
		    "did not run the command (exit %d)%s%.*s", t->host, what,
		    x->status, se.noise.len ? ": " : "",
		    (int)(se.noise.len < ERR_QUOTE_MAX ? se.noise.len :
		    ERR_QUOTE_MAX), se.noise.data ? se.noise.data : "");
	}
	goto out;

timed_out:
	x->timed_out = 1;
	x->out_over = so.over;
	x->err_over = se.over;
	r = set_cause(cause, JF_ERR_TIMEOUT, "%s: \"%s\": timed out after %d "
	    "ms", t->host, what, timeout_ms);
	grace = now_ms() + TSSH_CLOSE_GRACE_MS;
	if (ch != NULL)
		channel_finish(c, ch, grace);
	ch = NULL;
	goto out;

sink_error:
	r = set_cause(cause, -r, "%s: \"%s\": %s", t->host, what,
	    r == -JF_ERR_TOOBIG ? "output over the buffer's limit" :
	    "garbled output marker");
	if (ch != NULL)
		channel_finish(c, ch, now_ms() + TSSH_CLOSE_GRACE_MS);
	ch = NULL;
	goto out;

lib_error:
	if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE ||
	    rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
		r = set_cause(cause, JF_ERR_REFUSED, "%s: \"%s\": the server "
		    "refused a session channel: %s", t->host, what,
		    ssh_errmsg(c));
	else
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": connection lost: "
		    "%s", t->host, what, ssh_errmsg(c));
	if (session_broken(rc))
		conn_drop(c); /* frees ch too */
	else if (ch != NULL)
		channel_finish(c, ch, now_ms() + TSSH_CLOSE_GRACE_MS);
	ch = NULL;
out:
	if (r != 0) {
		/* what a failed call appended is taken back */
		if (x->out->data != NULL && so.start <= x->out->len) {
			x->out->len = so.start;
			x->out->data[so.start] = '\0';
		}
	}
	sink_free(&so);
	sink_free(&se);
	free(chunk);
	free(cmd);
	return r;
}

/*
 * Run one of the fixed scripts with its arguments and classify the result:
 * exit 0 is success, EXIT_NOTFOUND is -JF_ERR_NOTFOUND, anything else an
 * error quoting its stderr.
 */
static int
run_script(struct transport *t, const char *script, const char *path,
    const char *a2, const char *a3, const void *in, size_t inlen,
    struct buf *out, size_t out_max, int stop_when_over, int *over,
    int *status, char **cause)
{
	const char *argv[] = { "/bin/sh", "-c", script, "sh", path, a2, a3,
	    NULL };
	struct exec_req x;
	struct buf err = BUF_INIT;
	char *e;
	int r;

	memset(&x, 0, sizeof x);
	x.what = path;
	x.argv = argv;
	x.in = in;
	x.inlen = inlen;
	x.out = out;
	x.out_max = out_max;
	x.stop_when_over = stop_when_over;
	x.err = &err;
	x.err_max = 4096;
	if ((r = ssh_exec(t, &x, cause)) != 0)
		goto out;
	if (over != NULL)
		*over = x.out_over;
	if (status != NULL)
		*status = x.status;
	if (x.status == 0 || (stop_when_over && x.out_over))
		goto out;
	if (x.status == EXIT_NOTFOUND) {
		r = set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": No such file "
		    "or directory", t->host, path);
		goto out;
	}
	e = str_trim(err.data != NULL ? err.data : (char *)"");
	if (strlen(e) > ERR_QUOTE_MAX)
		e[ERR_QUOTE_MAX] = '\0';
	r = set_cause(cause, JF_ERR_IO, "%s: \"%s\": %s%s(exit %d)", t->host,
	    path, e, *e ? " " : "", x.status);
out:
	buf_free(&err);
	return r;
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
	r = run_script(t, script_read, path, a2, a3, NULL, 0, out, max, 0,
	    &over, NULL, cause);
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
	r = run_script(t, script_read, path, "1", a3, NULL, 0, out, max, 1,
	    &over, NULL, cause);
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
	r = run_script(t, script_write, path, a2, a3, data != NULL ? data : "",
	    len, &out, 4096, 0, NULL, &status, cause);
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
	r = run_script(t, script_stat, path, NULL, NULL, NULL, 0, &out, 4096,
	    0, NULL, NULL, cause);
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
	r = run_script(t, script_realpath, path, NULL, NULL, NULL, 0, &out,
	    PATH_MAX * 4, 1, &over, NULL, cause);
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
	r = run_script(t, script_list_dir, path, NULL, NULL, NULL, 0, &out,
	    TSSH_LIST_OUTPUT_MAX, 1, &over, NULL, cause);
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

	r = run_script(t, script_unlink, path, NULL, NULL, NULL, 0, &out, 4096,
	    0, NULL, NULL, cause);
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

static int
ssh_list_procs(struct transport *t, struct tproc **procs, size_t *n,
    char **cause)
{
	struct buf out = BUF_INIT;
	char *why = NULL;
	int over = 0, r;

	*procs = NULL;
	*n = 0;
	r = run_script(t, script_procs, "/proc", NULL, NULL, NULL, 0, &out,
	    TSSH_LIST_OUTPUT_MAX, 1, &over, NULL, cause);
	if (r == 0 && over)
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: process list over %zu "
		    "bytes", t->host, TSSH_LIST_OUTPUT_MAX);
	if (r == 0 && (r = tssh_parse_procs(out.data ? out.data : "", out.len,
	    procs, n, &why)) != 0)
		set_cause(cause, -r, "%s: %s", t->host, why);
	free(why);
	buf_free(&out);
	return r;
}

static int
ssh_list_tcp(struct transport *t, struct tsock **socksp, size_t *np,
    char **cause)
{
	struct tsock *socks = NULL;
	struct buf out = BUF_INIT;
	const char *sep, *text;
	size_t n = 0, len4;
	char *why = NULL;
	int over = 0, r;

	*socksp = NULL;
	*np = 0;
	r = run_script(t, script_tcp, "/proc/net/tcp", NULL, NULL, NULL, 0,
	    &out, TSSH_LIST_OUTPUT_MAX, 1, &over, NULL, cause);
	if (r == 0 && over)
		r = set_cause(cause, JF_ERR_TOOBIG, "%s: socket list over %zu "
		    "bytes", t->host, TSSH_LIST_OUTPUT_MAX);
	if (r != 0)
		goto out;
	text = out.data != NULL ? out.data : "";
	sep = memmem(text, out.len, "\n" TCP6_SEPARATOR,
	    strlen("\n" TCP6_SEPARATOR));
	len4 = sep != NULL ? (size_t)(sep - text) + 1 : out.len;
	r = tlocal_parse_proc_net_tcp(text, len4, 0, "/proc/net/tcp", &socks,
	    &n, &why);
	if (r == 0 && sep != NULL) {
		sep += strlen("\n" TCP6_SEPARATOR);
		r = tlocal_parse_proc_net_tcp(sep, out.len - (size_t)(sep - text),
		    1, "/proc/net/tcp6", &socks, &n, &why);
	}
	if (r != 0) {
		set_cause(cause, -r, "%s: %s", t->host, why);
		free(socks);
		goto out;
	}
	*socksp = socks;
	*np = n;
out:
	free(why);
	buf_free(&out);
	return r;
}

static int
ssh_run(struct transport *t, const char *const *argv, const char *const *env,
    const void *stdin_data, size_t stdin_len, int timeout_ms,
    struct trun_result *res, char **cause)
{
	struct exec_req x;
	int r;

	res->status = -1;
	res->timed_out = 0;
	buf_reset(&res->out);
	buf_reset(&res->err);
	memset(&x, 0, sizeof x);
	x.argv = argv;
	x.env = env;
	x.in = stdin_data;
	x.inlen = stdin_data != NULL ? stdin_len : 0;
	x.out = &res->out;
	x.out_max = TSSH_RUN_OUTPUT_MAX;
	x.err = &res->err;
	x.err_max = TSSH_RUN_OUTPUT_MAX;
	x.timeout_ms = timeout_ms;
	r = ssh_exec(t, &x, cause);
	if (r == -JF_ERR_TIMEOUT && x.timed_out) {
		/* it ran, and we stopped waiting: that is a result */
		res->timed_out = 1;
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		return 0;
	}
	if (r != 0)
		return r;
	res->status = x.status;
	return 0;
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
