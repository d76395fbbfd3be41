/*
 * netcheck.h - what the network probes share: a TCP connection that
 * tells "nothing listens" from "cannot reach" from "does not resolve", a
 * DNS question to one chosen server, an HTTP request through libcurl that
 * tells "unreachable" from "not JSON", and the small text parsers behind
 * them (resolv.conf, /proc/self/mountinfo, a DNS answer, "host:port"),
 * and the "; "-separated problem text of their facts.
 *
 * Nothing here changes anything; every function honours a deadline in
 * milliseconds and says what went wrong in words a person can act on.
 */
#ifndef JOBFIX_NETCHECK_H
#define JOBFIX_NETCHECK_H

#include <stddef.h>

#include "probe.h"

/* How a TCP connection attempt ended. */
enum net_result {
	NET_OK = 0,
	NET_UNRESOLVED,  /* the name does not resolve */
	NET_REFUSED,     /* the host answered: nothing listens on the port */
	NET_UNREACHABLE, /* no answer within the deadline, or no route */
};

/*
 * Resolves host and connects to port, trying each address until one
 * answers or timeout_ms has passed.  On NET_OK *fd is a connected, blocking
 * socket (the caller closes it).  *why is set to a message (also on
 * NET_OK: "connected to ADDR"), *addr to the address tried last (may be
 * NULL when nothing resolved).  Both are the caller's to free.
 */
enum net_result net_connect(const char *host, int port, int timeout_ms,
    int *fd, char **addr, char **why);

/*
 * "host", "host:port", "[v6]:port", or a URL ("http://host:port/path"):
 * the host and port (defport when none is given; 80/443 for http/https
 * URLs).  Returns 0, or -JF_ERR_PARSE for an empty host or a bad port.
 */
int net_split_host_port(const char *text, int defport, char **host,
    int *port);

/* DNS: what a server answered for an A question. */
enum dns_result {
	DNS_OK = 0,      /* addresses in out */
	DNS_NODATA,      /* the name exists without an A record (or an SOA only) */
	DNS_NXDOMAIN,    /* no such name */
	DNS_FAILED,      /* SERVFAIL, REFUSED, a malformed answer */
	DNS_NOANSWER,    /* the server did not answer within the deadline */
};

/*
 * Asks server:port (an IPv4 or IPv6 literal) over UDP for the A records of
 * name, once, waiting at most timeout_ms.  Addresses go into *addrs
 * (NULL-terminated, caller frees with strv_free).
 */
enum dns_result dns_query_a(const char *server, int port, const char *name,
    int timeout_ms, char ***addrs, char **why);
/* Parses a DNS answer (for tests and fuzzing): as dns_query_a without the
 * network; id is the question's id (-1: any). */
enum dns_result dns_parse_a(const unsigned char *msg, size_t len, int id,
    char ***addrs, char **why);

/* resolv.conf: the nameserver addresses in order, and options rotate. */
struct resolvconf {
	char **nameservers; /* NULL-terminated */
	int rotate;
	size_t rotate_line; /* 1-based line of the rotate option, 0 if none */
};
/* Parses text (any bytes; lines of any length; CRLF, a missing final
 * newline); never fails. */
void resolvconf_parse(const char *text, size_t len, struct resolvconf *);
void resolvconf_free(struct resolvconf *);

/* The mount of /proc/self/mountinfo (text) that holds path: the longest
 * mount point that is path or a parent of it (octal escapes decoded). */
struct mountinfo_entry {
	char *mountpoint;
	char *fstype;
	char *source;
	char *options;
};
/* Returns 0 and fills out, -JF_ERR_NOTFOUND when no line matches (a
 * malformed line is skipped). */
int mountinfo_find(const char *text, size_t len, const char *path,
    struct mountinfo_entry *out);
void mountinfo_entry_free(struct mountinfo_entry *);

/* HTTP through libcurl. */
struct http_req {
	const char *url;
	const char *method;      /* NULL: GET */
	const char *body;        /* request body (POST), or NULL */
	size_t body_len;
	const char *content_type;/* of the body */
	/* https: PEM text (read through the transport, so a remote host's
	 * files are used as they are there); NULL: the system's CAs, no
	 * client certificate */
	const struct buf *ca_pem;
	const struct buf *cert_pem; /* client certificate */
	const struct buf *key_pem;
	int verify_host;         /* check the name in the server certificate */
	int timeout_ms;
	size_t max_body;         /* cap on what is kept (0: 64 KiB) */
	/* HTTP basic authentication, handed to libcurl (never in the URL);
	 * NULL: none */
	const char *user;
	const char *password;
	int connect_timeout_ms;  /* 0: timeout_ms alone */
};

enum http_class {
	HTTP_OK = 0,      /* answered JSON (or, for raw requests, answered) */
	HTTP_DOWN,        /* does not resolve, no connection, 5xx */
	HTTP_TLS,         /* TLS handshake or verification failed */
	HTTP_NONJSON,     /* an answer that is not JSON: a page, a redirect */
	HTTP_AUTH,        /* 401 or 403 */
};

struct http_answer {
	long status;       /* HTTP status, 0 when none */
	char *content_type;/* or NULL */
	char *location;    /* of a redirect, or NULL */
	struct buf body;   /* at most max_body bytes */
	int curl_code;     /* CURLcode */
	int unresolved;    /* CURLE_COULDNT_RESOLVE_HOST */
	char *error;       /* libcurl's words when the transfer failed */
};

/* Makes the request (redirects are not followed: a redirect is an answer).
 * Returns 0 when an HTTP answer came back, or the class of the failure
 * (HTTP_DOWN, HTTP_TLS) with ans->error set. */
int http_request(const struct http_req *, struct http_answer *ans);
void http_answer_free(struct http_answer *);
/* Classifies an answer Job expects to be JSON; *why is a new description
 * ("HTTP 200, text/html: <html>...") for anything not HTTP_OK, and the
 * JSON's summary otherwise.  Used on answers http_request returned 0 for. */
enum http_class http_classify_json(const struct http_answer *, char **why);

/*
 * A JSON service Job calls (PaaS, CMDB): GET base + path and fill
 * PREFIX.url, PREFIX.status (ok | down | nonjson | auth_failed) and
 * PREFIX.error (why not ok).  source says where base came from, for the
 * evidence.  A base without a scheme is taken as http://.
 */
void http_json_facts(struct probe_ctx *, struct facts *, const char *prefix,
    const char *base, const char *path, const char *source);

/* The job.conf value that the keys.* setting names (NULL when job.conf has
 * no such key); *key is the key name. */
const char *net_jobconf_key(const struct probe_ctx *, const char *setting,
    const char **key);

/* Appends a problem to b, "; "-separated (the PROBE.problem facts). */
void problem_add(struct buf *, const char *fmt, ...) JF_PRINTF(2, 3);

#endif
