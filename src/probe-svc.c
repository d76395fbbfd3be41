/*
 * probe-svc.c - helpers of the service probes; see probe-svc.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "probe-svc.h"

const char *
svc_key(const struct probe_ctx *ctx, const char *setting, const char *what,
    const char **key, struct buf *from)
{
	const struct fact *f;
	const char *k = conf_str(ctx->site->conf, setting);
	char *name;

	if (k == NULL || *k == '\0') {
		*key = "";
		buf_printf(from, "%s%s: not mapped (setting %s is empty)",
		    from->len ? "; " : "", what, setting);
		return NULL;
	}
	*key = k;
	name = xasprintf("jobconf.%s", k);
	f = facts_find(ctx->in, name);
	free(name);
	if (f == NULL) {
		buf_printf(from, "%s%s: job.conf key %s (setting %s): not in "
		    "job.conf", from->len ? "; " : "", what, k, setting);
		return NULL;
	}
	buf_printf(from, "%s%s: job.conf key %s (%s)%s", from->len ? "; " : "",
	    what, k, f->evidence, (f->flags & FACT_SECRET) ? " = " SECRET_MASK :
	    "");
	return f->value;
}

int
svc_host_port(const char *text, int defport, char **host, int *port)
{
	const char *colon, *end;
	long p = defport;
	char *ps;

	*host = NULL;
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '[') {
		if ((end = strchr(text, ']')) == NULL)
			return -JF_ERR_PARSE;
		*host = xstrndup(text + 1, (size_t)(end - text - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			goto bad;
	} else {
		colon = strrchr(text, ':');
		if (colon != NULL && strchr(text, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		*host = colon ? xstrndup(text, (size_t)(colon - text)) :
		    xstrdup(text);
	}
	str_trim(*host);
	if (**host == '\0')
		goto bad;
	if (colon != NULL) {
		ps = xstrdup(colon + 1);
		if (str_to_long(str_trim(ps), &p) != 0 || p < 1 || p > 65535) {
			free(ps);
			goto bad;
		}
		free(ps);
	}
	*port = (int)p;
	return 0;
bad:
	free(*host);
	*host = NULL;
	return -JF_ERR_PARSE;
}

void
svc_timeval(const struct probe_ctx *ctx, struct timeval *tv)
{
	int ms = probe_time_left(ctx);

	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

void
svc_set(struct facts *out, const char *name, const char *evidence,
    const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	facts_setv(out, name, v, 0, evidence);
	free(v);
}

static pthread_once_t mysql_once = PTHREAD_ONCE_INIT;
static int mysql_ready;

static void
mysql_library(void)
{
	mysql_ready = mysql_library_init(0, NULL, NULL) == 0;
}

int
svc_mysql_begin(char **cause)
{
	pthread_once(&mysql_once, mysql_library);
	if (!mysql_ready)
		return set_cause(cause, JF_ERR_IO, "the MySQL client library "
		    "did not initialise");
	mysql_thread_init();
	return 0;
}

void
svc_mysql_end(void)
{
	mysql_thread_end();
}

static const char *
jobconf_value(struct conf *c, const struct facts *facts, const char *setting,
    const char **key)
{
	const char *k = conf_str(c, setting);
	char *name;
	const char *v;

	*key = k ? k : setting;
	if (k == NULL || *k == '\0')
		return NULL;
	name = xasprintf("jobconf.%s", k);
	v = facts_get(facts, name);
	free(name);
	return v;
}

int
svc_mysql_connect(struct conf *c, const struct facts *facts, int timeout_ms,
    MYSQL **out, char **ep, char **cause)
{
	const char *host, *port_s, *user, *pass, *kh, *kp, *ku, *kw;
	unsigned int secs, proto = MYSQL_PROTOCOL_TCP;
	long port = 3306;
	MYSQL *db;
	char *msg;
	int r;

	*out = NULL;
	*ep = NULL;
	host = jobconf_value(c, facts, "keys.mysql_host", &kh);
	port_s = jobconf_value(c, facts, "keys.mysql_port", &kp);
	user = jobconf_value(c, facts, "keys.mysql_user", &ku);
	pass = jobconf_value(c, facts, "keys.mysql_password", &kw);
	if (host == NULL || *host == '\0' || user == NULL || *user == '\0')
		return set_cause(cause, JF_ERR_NOTFOUND, "MySQL: job.conf has "
		    "no %s (keys.mysql_* in jobfix.conf map the key names)",
		    host == NULL || *host == '\0' ? kh : ku);
	if (port_s != NULL && *port_s != '\0' && (str_to_long(port_s, &port) !=
	    0 || port < 1 || port > 65535))
		return set_cause(cause, JF_ERR_PARSE, "MySQL: job.conf key %s "
		    "is not a port: \"%s\"", kp, port_s);
	*ep = xasprintf("%s:%ld", host, port);
	if ((db = mysql_init(NULL)) == NULL)
		return set_cause(cause, JF_ERR_IO, "mysql_init failed");
	secs = (unsigned int)((timeout_ms + 999) / 1000);
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	/* TCP, as Job connects: "localhost" would mean the library's
	 * default Unix socket, whichever server owns it */
	mysql_options(db, MYSQL_OPT_PROTOCOL, &proto);
	if (mysql_real_connect(db, host, user, pass ? pass : "", NULL,
	    (unsigned int)port, NULL, 0) == NULL) {
		msg = redact(mysql_error(db));
		r = set_cause(cause, JF_ERR_IO, "MySQL at %s as \"%s\": %s",
		    *ep, user, msg);
		free(msg);
		mysql_close(db);
		return r;
	}
	*out = db;
	return 0;
}

int
svc_tcp_connect(const char *host, int port, int ms, int *fd, char **cause)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct pollfd pfd;
	char portstr[16];
	int64_t deadline = now_ms() + ms;
	int s = -1, e = 0, r, flags;
	socklen_t len;

	*fd = -1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0)
		return set_cause(cause, JF_ERR_NOTFOUND, "cannot resolve "
		    "\"%s\": %s", host, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		flags = fcntl(s, F_GETFL);
		fcntl(s, F_SETFL, flags | O_NONBLOCK);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			e = errno;
			close(s);
			s = -1;
			continue;
		}
		pfd.fd = s;
		pfd.events = POLLOUT;
		do {
			int left = (int)(deadline - now_ms());
			r = poll(&pfd, 1, left > 0 ? left : 0);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			close(s);
			freeaddrinfo(res);
			return set_cause(cause, JF_ERR_TIMEOUT, "no TCP "
			    "connection within %d ms", ms);
		}
		len = sizeof e;
		if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		if (e == 0)
			goto connected;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	return set_cause(cause, JF_ERR_IO, "TCP connection failed: %s",
	    strerror(e ? e : ECONNREFUSED));
connected:
	freeaddrinfo(res);
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
	*fd = s;
	return 0;
}
