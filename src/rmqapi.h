/*
 * rmqapi.h - the RabbitMQ management plugin's HTTP API (port 15672 on a
 * BlueKing install), as the rabbitmq_account step uses it: one listing per
 * kind (vhosts, users, a vhost's permissions) and the PUTs and DELETEs that
 * change them, over libcurl (netcheck.h's http_request) with an
 * administrator's basic authentication.
 *
 * The API is asked from the jobfix process itself, whatever the transport:
 * it is an HTTP endpoint, and rabbitmq.api_url names it as jobfix reaches
 * it.  The administrator's password comes from rabbitmq.api_credentials_file
 * and goes to libcurl only: never into a URL, argv, a log or a report.
 *
 * The parsers take the answers' bytes (any bytes: they are fuzzed) and never
 * fail without saying why.
 */
#ifndef JOBFIX_RMQAPI_H
#define JOBFIX_RMQAPI_H

#include <stddef.h>

#include "util.h"

struct rmqapi {
	char *base;       /* rabbitmq.api_url, without a trailing '/' */
	char *user;
	char *password;   /* registered as a secret */
	long timeout_ms;  /* of one request; the connection gets at most 2 s */
	int refs;
};

/* base and the credentials file's text (source names the file, for
 * messages): a new handle with one reference, or an error naming the file
 * and line. */
int rmqapi_new(const char *base, const char *creds, size_t len,
    const char *source, long timeout_ms, struct rmqapi **out, char **cause);
struct rmqapi *rmqapi_ref(struct rmqapi *);
void rmqapi_unref(struct rmqapi *);

/* "user = NAME" and "password = SECRET" lines ('#' comments, blank lines);
 * both required.  Errors name source and the line. */
int rmqapi_parse_credentials(const char *text, size_t len, const char *source,
    char **user, char **password, char **cause);

/* One path segment, percent-encoded ("/" -> "%2F"); caller frees. */
char *rmqapi_escape(const char *segment);

/*
 * METHOD base+path, with body (JSON, or NULL).  write: the caller is the
 * executor; only GET may be asked without it.  The answer's body into out
 * (may be NULL) on a 2xx.  Returns 0, or an error naming the URL (never the
 * credentials) and the HTTP status; *down is set (down may be NULL) when
 * nothing answered: the connection was refused or timed out.
 */
int rmqapi_call(struct rmqapi *, int write, const char *method,
    const char *path, const char *body, struct buf *out, int *down,
    char **cause);

/* What a user is, in GET /api/users. */
struct rmqapi_user {
	int found;
	char *tags;      /* "a,b" */
	char *hash;      /* password_hash ("" for no password), or NULL when
	                  * the listing gave none that can be sent back */
	char *algorithm; /* hashing_algorithm, or NULL */
};
void rmqapi_user_free(struct rmqapi_user *);

/* GET /api/vhosts: is vhost among them? */
int rmqapi_parse_vhosts(const char *text, size_t len, const char *vhost,
    int *found, char **cause);
/* GET /api/users: user's tags and password hash. */
int rmqapi_parse_users(const char *text, size_t len, const char *user,
    struct rmqapi_user *, char **cause);
/* GET /api/vhosts/V/permissions: user's configure, write and read
 * (perm[0..2], new strings) when *found. */
int rmqapi_parse_permissions(const char *text, size_t len, const char *user,
    int *found, char *perm[3], char **cause);

#endif
