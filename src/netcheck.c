/*
 * netcheck.c - TCP, DNS and HTTP checks and the parsers the network
 * probes share (GSE, license, PaaS, CMDB, consul; see netcheck.h).
 *
 * Why these choices:
 * - TCP: a non-blocking connect() and poll(), so "refused" (a host that
 *   answered: nothing listens) is told apart from "no answer in time" (a
 *   firewall, a wrong address) within the probe's own deadline.
 * - DNS: the question is a dozen bytes built here; the answer is parsed by
 *   libresolv's ns_initparse()/ns_parserr(), which handle name compression
 *   and bounds.  The query goes over our own UDP socket instead of
 *   res_nquery() because res_nquery's timeouts are whole seconds and it
 *   reads /etc/resolv.conf: the probe must ask one given server (consul's
 *   DNS on 127.0.0.1:8600, say) within milliseconds.
 * - HTTP: libcurl, one easy handle per request, no signals (probes run in
 *   threads), redirects not followed (a redirect to a login page is the
 *   answer we are looking for), the body capped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "netcheck.h"

#define HTTP_BODY_DEFAULT ((size_t)64 << 10)
#define SNIPPET_MAX 80

void
problem_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (b->len > 0)
		buf_addstr(b, "; ");
	buf_addstr(b, s);
	free(s);
}

/* ------------------------------------------------------------------ TCP */

static void
sockaddr_text(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
		snprintf(out, len, "%s:%d", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
		snprintf(out, len, "[%s]:%d", host, port);
	} else
		snprintf(out, len, "?");
}

/* One address: 0 connected, else the errno of the failure (ETIMEDOUT when
 * the deadline passed). */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *fdp)
{
	struct pollfd pfd;
	socklen_t slen;
	int fd, err = 0, flags, left;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0)
		return errno;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			return err;
		}
		for (;;) {
			left = (int)(deadline - now_ms());
			if (left <= 0) {
				close(fd);
				return ETIMEDOUT;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			if (poll(&pfd, 1, left) < 0) {
				if (errno == EINTR)
					continue;
				err = errno;
				close(fd);
				return err;
			}
			if (pfd.revents != 0)
				break;
		}
		slen = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &slen) != 0)
			err = errno;
		if (err != 0) {
			close(fd);
			return err;
		}
	}
	fcntl(fd, F_SETFL, flags);
	*fdp = fd;
	return 0;
}

enum net_result
net_connect(const char *host, int port, int timeout_ms, int *fd, char **addr,
    char **why)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16], text[INET6_ADDRSTRLEN + 16];
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	int r, err, refused = 0, last_err = 0;

	*fd = -1;
	*addr = NULL;
	*why = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		/* AI_ADDRCONFIG hides ::1 when only loopback is configured */
		hints.ai_flags = 0;
		if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
			*why = xasprintf("\"%s\" does not resolve: %s", host,
			    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
			return NET_UNRESOLVED;
		}
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		sockaddr_text(ai->ai_addr, text, sizeof text);
		free(*addr);
		*addr = xstrdup(text);
		if ((err = connect_one(ai, deadline, fd)) == 0) {
			*why = xasprintf("connected to %s", text);
			freeaddrinfo(res);
			return NET_OK;
		}
		if (err == ECONNREFUSED)
			refused = 1;
		else
			last_err = err;
		if (now_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	if (refused) {
		*why = xasprintf("%s refused the connection: nothing listens "
		    "on port %d", *addr, port);
		return NET_REFUSED;
	}
	*why = xasprintf("%s: %s", *addr ? *addr : host,
	    last_err == ETIMEDOUT ? "no answer within the deadline" :
	    strerror(last_err));
	return NET_UNREACHABLE;
}

int
net_split_host_port(const char *text, int defport, char **host, int *port)
{
	const char *p = text, *end, *colon;
	long v;
	char *num;

	*host = NULL;
	*port = defport;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "http://", 7) == 0) {
		p += 7;
		*port = 80;
	} else if (strncmp(p, "https://", 8) == 0) {
		p += 8;
		*port = 443;
	}
	end = p + strcspn(p, "/?# \t\r\n");
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL || close == p + 1)
			return -JF_ERR_PARSE;
		*host = xstrndup(p + 1, (size_t)(close - p - 1));
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (colon == NULL && close + 1 != end) {
			free(*host);
			*host = NULL;
			return -JF_ERR_PARSE;
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL)
			colon = NULL; /* a bare IPv6 address */
		*host = xstrndup(p, (size_t)((colon ? colon : end) - p));
	}
	if (**host == '\0') {
		free(*host);
		*host = NULL;
		return -JF_ERR_PARSE;
	}
	if (colon != NULL) {
		num = xstrndup(colon + 1, (size_t)(end - colon - 1));
		if (str_to_long(num, &v) != 0 || v < 1 || v > 65535) {
			free(num);
			free(*host);
			*host = NULL;
			return -JF_ERR_PARSE;
		}
		free(num);
		*port = (int)v;
	}
	return 0;
}

/* ------------------------------------------------------------------ DNS */

static unsigned
random_id(void)
{
	unsigned short id = 0;

#ifdef HAVE_GETRANDOM
	if (getrandom(&id, sizeof id, 0) == (ssize_t)sizeof id)
		return id;
#endif
	return (unsigned)(now_ms() ^ getpid()) & 0xffff;
}

/* A standard query for name/A with recursion desired; 0 or -1 (bad name). */
static int
build_query(const char *name, unsigned id, struct buf *q)
{
	const char *p = name, *dot;
	size_t n;

	buf_addch(q, (char)(id >> 8));
	buf_addch(q, (char)(id & 0xff));
	buf_add(q, "\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63)
			return -1;
		buf_addch(q, (char)n);
		buf_add(q, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	if (q->len > 12 + 255)
		return -1;
	buf_add(q, "\x00\x00\x01\x00\x01", 5);
	return 0;
}

enum dns_result
dns_parse_a(const unsigned char *msg, size_t len, int id, char ***addrs,
    char **why)
{
	ns_msg h;
	ns_rr rr;
	char text[INET_ADDRSTRLEN];
	size_t n = 0;
	int i, count, rcode, soa = 0;

	*addrs = NULL;
	*why = NULL;
	if (len > 65535 || ns_initparse(msg, (int)len, &h) != 0) {
		*why = xstrdup("a malformed answer");
		return DNS_FAILED;
	}
	if (id >= 0 && ns_msg_id(h) != (unsigned)id) {
		*why = xstrdup("an answer to another question");
		return DNS_FAILED;
	}
	if (!ns_msg_getflag(h, ns_f_qr)) {
		*why = xstrdup("a question, not an answer");
		return DNS_FAILED;
	}
	rcode = ns_msg_getflag(h, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		*why = xstrdup("no such name (NXDOMAIN)");
		return DNS_NXDOMAIN;
	}
	if (rcode != ns_r_noerror) {
		*why = xasprintf("the server failed (%s)",
		    rcode == ns_r_servfail ? "SERVFAIL" :
		    rcode == ns_r_refused ? "REFUSED" : "error code");
		return DNS_FAILED;
	}
	count = ns_msg_count(h, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) != 0)
			break;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_class(rr) == ns_c_in &&
		    ns_rr_rdlen(rr) == 4) {
			inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof text);
			strv_add(addrs, &n, text);
		}
	}
	if (n > 0)
		return DNS_OK;
	count = ns_msg_count(h, ns_s_ns);
	for (i = 0; i < count; i++)
		if (ns_parserr(&h, ns_s_ns, i, &rr) == 0 &&
		    ns_rr_type(rr) == ns_t_soa)
			soa = 1;
	*why = xstrdup(soa ? "no A record, only an SOA (registered unhealthy, "
	    "or not at all)" : "no A record in the answer");
	return DNS_NODATA;
}

enum dns_result
dns_query_a(const char *server, int port, const char *name, int timeout_ms,
    char ***addrs, char **why)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	struct buf q = BUF_INIT;
	unsigned char ans[4096];
	struct pollfd pfd;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	unsigned id = random_id();
	enum dns_result r;
	ssize_t got;
	int fd = -1, left;

	*addrs = NULL;
	*why = NULL;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, server, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
		slen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, server,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
		slen = sizeof(struct sockaddr_in6);
	} else {
		*why = xasprintf("\"%s\" is not an IP address", server);
		return DNS_FAILED;
	}
	if (build_query(name, id, &q) != 0) {
		buf_free(&q);
		*why = xasprintf("\"%s\" is not a valid DNS name", name);
		return DNS_FAILED;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, slen) != 0 ||
	    send(fd, q.data, q.len, 0) != (ssize_t)q.len) {
		*why = xasprintf("no answer from %s port %d: %s", server, port,
		    strerror(errno));
		r = DNS_NOANSWER;
		goto out;
	}
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			*why = xasprintf("no answer from %s port %d within %d ms",
			    server, port, timeout_ms);
			r = DNS_NOANSWER;
			goto out;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
			*why = xasprintf("poll: %s", strerror(errno));
			r = DNS_NOANSWER;
			goto out;
		}
		if (pfd.revents == 0)
			continue;
		got = recv(fd, ans, sizeof ans, 0);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			*why = xasprintf("no answer from %s port %d: %s", server,
			    port, strerror(errno));
			r = DNS_NOANSWER;
			goto out;
		}
		r = dns_parse_a(ans, (size_t)got, (int)id, addrs, why);
		if (r == DNS_FAILED && *why != NULL &&
		    strcmp(*why, "an answer to another question") == 0) {
			free(*why);
			*why = NULL;
			continue; /* a late answer to an earlier question */
		}
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	buf_free(&q);
	return r;
}

/* ----------------------------------------------------------- resolv.conf */

void
resolvconf_parse(const char *text, size_t len, struct resolvconf *rc)
{
	const char *p = text, *end = text + len, *eol;
	char *line, *tok, *save, *word;
	size_t n = 0, lineno = 0;

	memset(rc, 0, sizeof *rc);
	rc->nameservers = xcalloc(1, sizeof *rc->nameservers);
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		lineno++;
		line = xstrndup(p, (size_t)(eol - p)); /* stops at a NUL too */
		line[strcspn(line, "#;\r")] = '\0';
		save = NULL;
		word = strtok_r(line, " \t\v\f", &save);
		if (word != NULL && strcmp(word, "nameserver") == 0) {
			if ((tok = strtok_r(NULL, " \t\v\f", &save)) != NULL)
				strv_add(&rc->nameservers, &n, tok);
		} else if (word != NULL && (strcmp(word, "options") == 0 ||
		    strcmp(word, "rotate") == 0)) {
			if (strcmp(word, "rotate") == 0 && !rc->rotate) {
				rc->rotate = 1;
				rc->rotate_line = lineno;
			}
			while ((tok = strtok_r(NULL, " \t\v\f", &save)) != NULL)
				if (strcmp(tok, "rotate") == 0 && !rc->rotate) {
					rc->rotate = 1;
					rc->rotate_line = lineno;
				}
		}
		free(line);
		p = eol + 1;
	}
}

void
resolvconf_free(struct resolvconf *rc)
{
	if (rc == NULL)
		return;
	strv_free(rc->nameservers);
	rc->nameservers = NULL;
}

/* ------------------------------------------------------------ mountinfo */

/* Decodes mountinfo's \NNN octal escapes. */
static char *
unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) |
			    (s[3] - '0'));
			s += 4;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static int
holds(const char *mp, const char *path)
{
	size_t n = strlen(mp);

	if (strcmp(mp, "/") == 0)
		return path[0] == '/';
	while (n > 1 && mp[n - 1] == '/')
		n--;
	return strncmp(mp, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
mountinfo_find(const char *text, size_t len, const char *path,
    struct mountinfo_entry *out)
{
	const char *p = text, *end = text + len, *eol;
	char *line, *f[64], *save, *tok, *mp;
	size_t best = 0, nf, sep;
	int found = 0;

	memset(out, 0, sizeof *out);
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line = xstrndup(p, (size_t)(eol - p));
		p = eol + 1;
		nf = 0;
		save = NULL;
		for (tok = strtok_r(line, " \t\r", &save); tok != NULL &&
		    nf < nitems(f); tok = strtok_r(NULL, " \t\r", &save))
			f[nf++] = tok;
		/* id parent maj:min root mountpoint options [optional...] -
		 * fstype source superoptions */
		for (sep = 6; sep < nf && strcmp(f[sep], "-") != 0; sep++)
			;
		if (nf < 8 || sep + 1 >= nf) {
			free(line);
			continue;
		}
		mp = unescape(f[4]);
		if (holds(mp, path) && (!found || strlen(mp) >= best)) {
			mountinfo_entry_free(out);
			best = strlen(mp);
			found = 1;
			out->mountpoint = mp;
			out->fstype = xstrdup(f[sep + 1]);
			out->source = sep + 2 < nf ? unescape(f[sep + 2]) :
			    xstrdup("");
			out->options = xstrdup(f[5]);
		} else
			free(mp);
		free(line);
	}
	return found ? 0 : -JF_ERR_NOTFOUND;
}

void
mountinfo_entry_free(struct mountinfo_entry *e)
{
	if (e == NULL)
		return;
	free(e->mountpoint);
	free(e->fstype);
	free(e->source);
	free(e->options);
	memset(e, 0, sizeof *e);
}

/* ----------------------------------------------------------------- HTTP */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	struct buf *b;
	size_t max;
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, room;

	room = s->b->len < s->max ? s->max - s->b->len : 0;
	buf_add(s->b, data, n < room ? n : room);
	return n; /* the rest is read and dropped */
}

static int
is_tls_error(CURLcode c, const char *msg)
{
	switch (c) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return 1;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* TLS 1.3: a refused client certificate shows on the first
		 * read, as an alert */
		return strstr(msg, "SSL") != NULL || strstr(msg, "alert") != NULL;
	default:
		return 0;
	}
}

static void
blob_set(struct curl_blob *b, const struct buf *pem)
{
	b->data = pem->data ? pem->data : (char *)"";
	b->len = pem->len;
	b->flags = CURL_BLOB_COPY;
}

int
http_request(const struct http_req *req, struct http_answer *ans)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	struct curl_blob ca, cert, key;
	struct sink sink;
	CURL *c;
	CURLcode cc;
	char *ct = NULL, *loc = NULL, *hdr;
	long status = 0;
	int r = 0;

	memset(ans, 0, sizeof *ans);
	buf_init(&ans->body, 0);
	pthread_once(&curl_once, curl_init_once);
	if ((c = curl_easy_init()) == NULL) {
		ans->error = xstrdup("libcurl could not make a handle");
		return HTTP_DOWN;
	}
	errbuf[0] = '\0';
	sink.b = &ans->body;
	sink.max = req->max_body ? req->max_body : HTTP_BODY_DEFAULT;
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms > 0 ?
	    req->timeout_ms : 1));
	if (req->connect_timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)req->connect_timeout_ms);
	if (req->user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->password ?
		    req->password : "");
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "jobfix/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, req->verify_host ? 2L : 0L);
	if (req->ca_pem != NULL) {
		blob_set(&ca, req->ca_pem);
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (req->cert_pem != NULL) {
		blob_set(&cert, req->cert_pem);
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (req->key_pem != NULL) {
		blob_set(&key, req->key_pem);
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
	}
	if (req->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->content_type != NULL) {
		hdr = xasprintf("Content-Type: %s", req->content_type);
		hdrs = curl_slist_append(hdrs, hdr);
		free(hdr);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	cc = curl_easy_perform(c);
	ans->curl_code = (int)cc;
	if (cc != CURLE_OK) {
		ans->unresolved = cc == CURLE_COULDNT_RESOLVE_HOST;
		ans->error = xasprintf("%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		r = is_tls_error(cc, ans->error) ? HTTP_TLS : HTTP_DOWN;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
	ans->status = status;
	ans->content_type = ct ? xstrdup(ct) : NULL;
	ans->location = loc ? xstrdup(loc) : NULL;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return r;
}

void
http_answer_free(struct http_answer *a)
{
	if (a == NULL)
		return;
	free(a->content_type);
	free(a->location);
	free(a->error);
	buf_free(&a->body);
	memset(a, 0, sizeof *a);
}

/* The first bytes of a body, printable, on one line. */
static char *
snippet(const struct buf *b)
{
	struct buf s = BUF_INIT;
	size_t i;
	int space = 0;

	for (i = 0; i < b->len && s.len < SNIPPET_MAX; i++) {
		unsigned char ch = (unsigned char)b->data[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			space = s.len > 0;
			continue;
		}
		if (space)
			buf_addch(&s, ' ');
		space = 0;
		buf_addch(&s, ch >= 0x20 && ch < 0x7f ? (char)ch : '.');
	}
	if (i < b->len)
		buf_addstr(&s, "...");
	if (s.len == 0)
		buf_addstr(&s, "(empty)");
	return buf_detach(&s);
}

enum http_class
http_classify_json(const struct http_answer *a, char **why)
{
	const char *ct = a->content_type ? a->content_type : "no content type";
	json_error_t jerr;
	json_t *j;
	char *snip;

	*why = NULL;
	if (a->status >= 300 && a->status < 400) {
		*why = xasprintf("HTTP %ld, a redirect to %s instead of JSON "
		    "(a gateway or login page in between?)", a->status,
		    a->location ? a->location : "nowhere");
		return HTTP_NONJSON;
	}
	if (a->status == 401 || a->status == 403) {
		*why = xasprintf("HTTP %ld: authentication refused", a->status);
		return HTTP_AUTH;
	}
	if (a->status >= 500) {
		snip = snippet(&a->body);
		*why = xasprintf("HTTP %ld (%s): the service is unhealthy: %s",
		    a->status, ct, snip);
		free(snip);
		return HTTP_DOWN;
	}
	if (a->body.len == 0) {
		*why = xasprintf("HTTP %ld (%s) with an empty body, not JSON",
		    a->status, ct);
		return HTTP_NONJSON;
	}
	j = json_loadb(a->body.data, a->body.len, 0, &jerr);
	if (j == NULL) {
		snip = snippet(&a->body);
		*why = xasprintf("HTTP %ld (%s), not JSON (%s at byte %d): %s",
		    a->status, ct, jerr.text, jerr.position, snip);
		free(snip);
		return HTTP_NONJSON;
	}
	json_decref(j);
	*why = xasprintf("HTTP %ld (%s), %zu bytes of JSON", a->status, ct,
	    a->body.len);
	return HTTP_OK;
}

static void
set_prefixed(struct facts *out, const char *prefix, const char *what,
    const char *value, const char *evidence)
{
	char *name = xasprintf("%s.%s", prefix, what);

	facts_setv(out, name, value, 0, evidence);
	free(name);
}

void
http_json_facts(struct probe_ctx *ctx, struct facts *out, const char *prefix,
    const char *base, const char *path, const char *source)
{
	static const char *const names[] = { "ok", "down", "down", "nonjson",
	    "auth_failed" };
	struct http_answer ans;
	struct http_req req;
	enum http_class cls;
	char *url, *why = NULL, *ev;
	size_t n;
	int r;

	while (*base == ' ' || *base == '\t')
		base++;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	url = xasprintf("%s%.*s%s%s", strstr(base, "://") ? "" : "http://",
	    (int)n, base, path != NULL && *path != '/' && *path ? "/" : "",
	    path != NULL ? path : "");
	ev = xasprintf("%s", source);
	set_prefixed(out, prefix, "url", url, ev);
	free(ev);
	memset(&req, 0, sizeof req);
	req.url = url;
	req.timeout_ms = probe_time_left(ctx);
	r = http_request(&req, &ans);
	if (r != 0) {
		cls = HTTP_DOWN;
		why = xasprintf("GET %s: %s%s", url, ans.unresolved ?
		    "the address does not resolve: " : "", ans.error);
	} else {
		char *text = NULL;
		cls = http_classify_json(&ans, &text);
		why = xasprintf("GET %s: %s", url, text);
		free(text);
	}
	ev = xasprintf("GET %s (%s)", url, source);
	set_prefixed(out, prefix, "status", names[cls], ev);
	free(ev);
	if (cls != HTTP_OK)
		set_prefixed(out, prefix, "error", why, "libcurl, jansson");
	else {
		ev = xasprintf("%s", why);
		set_prefixed(out, prefix, "answer", ev, "libcurl, jansson");
		free(ev);
	}
	http_answer_free(&ans);
	free(why);
	free(url);
}

/* -------------------------------------------------------------- job.conf */

const char *
net_jobconf_key(const struct probe_ctx *ctx, const char *setting,
    const char **key)
{
	const char *k = conf_str(ctx->site->conf, setting);
	char *name;
	const char *v;

	*key = k != NULL ? k : "";
	if (k == NULL || *k == '\0')
		return NULL;
	name = xasprintf("jobconf.%s", k);
	v = facts_get(ctx->in, name);
	free(name);
	return v;
}
