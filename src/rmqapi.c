/*
 * rmqapi.c - the RabbitMQ management HTTP API for rabbitmq_account
 * (rmqapi.h).
 */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "netcheck.h"
#include "rmqapi.h"

#define RMQAPI_MAX_BODY ((size_t)16 << 20)
#define RMQAPI_CONNECT_MS 2000

int
rmqapi_parse_credentials(const char *text, size_t len, const char *source,
    char **user, char **password, char **cause)
{
	const char *p = text, *end = text + len, *nl;
	char *line, *eq, *key, *val;
	size_t lineno = 0;
	int r = 0;

	*user = *password = NULL;
	if (memchr(text, '\0', len) != NULL)
		return set_cause(cause, JF_ERR_PARSE, "%s: a NUL byte; want "
		    "\"user = NAME\" and \"password = SECRET\" lines", source);
	while (p < end && r == 0) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		line = xstrndup(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
		key = str_trim(line);
		if (*key == '\0' || *key == '#' || *key == ';') {
			free_secret(line);
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: not \"KEY = "
			    "VALUE\"; want \"user = NAME\" and \"password = "
			    "SECRET\"", source, lineno);
		} else {
			*eq = '\0';
			key = str_trim(key);
			val = str_trim(eq + 1);
			if (strcmp(key, "user") == 0 && *user == NULL &&
			    *val != '\0')
				*user = xstrdup(val);
			else if (strcmp(key, "password") == 0 &&
			    *password == NULL && *val != '\0')
				*password = xstrdup(val);
			else if (strcmp(key, "user") == 0 ||
			    strcmp(key, "password") == 0)
				r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: %s "
				    "%s", source, lineno, key, *val ? "given "
				    "twice" : "is empty");
			else
				/* the key is not quoted: a line without its
				 * "=" may be the password itself */
				r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: "
				    "not a \"user = NAME\" or \"password = "
				    "SECRET\" line", source, lineno);
		}
		free_secret(line);
	}
	if (r == 0 && (*user == NULL || *password == NULL))
		r = set_cause(cause, JF_ERR_PARSE, "%s: no %s line", source,
		    *user == NULL ? "\"user = NAME\"" :
		    "\"password = SECRET\"");
	if (r != 0) {
		free(*user);
		free_secret(*password);
		*user = *password = NULL;
	}
	return r;
}

int
rmqapi_new(const char *base, const char *creds, size_t len,
    const char *source, long timeout_ms, struct rmqapi **out, char **cause)
{
	struct rmqapi *a;
	const char *auth;
	size_t n;
	int r;

	*out = NULL;
	if (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0)
		return set_cause(cause, JF_ERR_USAGE, "rabbitmq.api_url \"%s\" "
		    "is not an http:// or https:// URL", base);
	auth = base + (base[4] == 's' ? 8 : 7);
	if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
		return set_cause(cause, JF_ERR_USAGE, "rabbitmq.api_url holds "
		    "a login: put it in rabbitmq.api_credentials_file instead");
	a = xcalloc(1, sizeof *a);
	if ((r = rmqapi_parse_credentials(creds, len, source, &a->user,
	    &a->password, cause)) != 0) {
		free(a);
		return r;
	}
	secret_register(a->password);
	secret_register_login(a->user, a->password);
	a->base = xstrdup(base);
	n = strlen(a->base);
	while (n > 0 && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	a->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	a->refs = 1;
	*out = a;
	return 0;
}

struct rmqapi *
rmqapi_ref(struct rmqapi *a)
{
	if (a != NULL)
		a->refs++;
	return a;
}

void
rmqapi_unref(struct rmqapi *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	free(a->base);
	free(a->user);
	free_secret(a->password);
	free(a);
}

char *
rmqapi_escape(const char *s)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addch(&b, (char)c);
		else
			buf_printf(&b, "%%%02X", c);
	}
	return buf_detach(&b);
}

/* The broker's own words from an error answer ({"error": E, "reason": R}),
 * or the body's first bytes; new string. */
static char *
answer_words(const struct buf *body)
{
	json_t *j, *e, *why;
	struct buf b = BUF_INIT;
	char *s, *raw;
	size_t i;

	/* masked whole before it is cut or cleaned: a secret the answer
	 * echoes must not show in part */
	buf_addstr(&b, "");
	j = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	e = json_is_object(j) ? json_object_get(j, "error") : NULL;
	why = json_is_object(j) ? json_object_get(j, "reason") : NULL;
	if (json_is_string(e) || json_is_string(why))
		buf_printf(&b, "%s%s%s", json_is_string(e) ?
		    json_string_value(e) : "", json_is_string(e) &&
		    json_is_string(why) ? ": " : "", json_is_string(why) ?
		    json_string_value(why) : "");
	else if (body->len)
		buf_add(&b, body->data, strnlen(body->data, body->len));
	json_decref(j);
	raw = redact(b.data);
	buf_free(&b);
	buf_addstr(&b, "");
	for (i = 0; raw[i] != '\0' && i < 400; i++)
		buf_addch(&b, isprint((unsigned char)raw[i]) ? raw[i] : ' ');
	free(raw);
	s = xstrdup(str_trim(b.data));
	buf_free(&b);
	return s;
}

int
rmqapi_call(struct rmqapi *a, int write, const char *method,
    const char *path, const char *body, struct buf *out, int *down,
    char **cause)
{
	struct http_req req;
	struct http_answer ans;
	char *url, *words;
	int r = 0, c;

	if (down != NULL)
		*down = 0;
	if (!write && strcmp(method, "GET") != 0)
		return set_cause(cause, JF_ERR_PROGRAM, "RabbitMQ API %s %s "
		    "while planning: only GET may run outside the executor",
		    method, path);
	url = xasprintf("%s%s", a->base, path);
	memset(&req, 0, sizeof req);
	req.url = url;
	req.method = method;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.content_type = body ? "application/json" : NULL;
	req.verify_host = 1;
	req.timeout_ms = (int)a->timeout_ms;
	req.connect_timeout_ms = a->timeout_ms < RMQAPI_CONNECT_MS ?
	    (int)a->timeout_ms : RMQAPI_CONNECT_MS;
	req.max_body = RMQAPI_MAX_BODY;
	req.user = a->user;
	req.password = a->password;
	if (http_request(&req, &ans) != 0) {
		c = ans.curl_code;
		if (down != NULL)
			*down = c == CURLE_COULDNT_CONNECT ||
			    c == CURLE_OPERATION_TIMEDOUT;
		words = redact(ans.error ? ans.error : "no answer");
		/* a change sent and not answered may have been made: say
		 * so, the undo of the run does not cover it */
		r = set_cause(cause, c == CURLE_OPERATION_TIMEDOUT ?
		    JF_ERR_TIMEOUT : JF_ERR_IO, "RabbitMQ API %s %s: %s%s",
		    method, url, words, write && c != CURLE_COULDNT_CONNECT ?
		    "; the broker may have made this change all the same, and "
		    "jobfix does not undo it: check it on the broker "
		    "(rabbitmqctl list_users, list_permissions)" : "");
		free(words);
	} else if (ans.status == 401 || ans.status == 403) {
		words = answer_words(&ans.body);
		r = set_cause(cause, JF_ERR_REFUSED, "RabbitMQ API %s %s: HTTP "
		    "%ld, the administrator login of "
		    "rabbitmq.api_credentials_file (user \"%s\") was refused%s%s",
		    method, url, ans.status, a->user, *words ? ": " : "",
		    words);
		free(words);
	} else if (ans.status < 200 || ans.status > 299) {
		words = answer_words(&ans.body);
		r = set_cause(cause, JF_ERR_IO, "RabbitMQ API %s %s: HTTP "
		    "%ld%s%s", method, url, ans.status, *words ? ": " : "",
		    words);
		free(words);
	} else if (out != NULL)
		buf_set(out, ans.body.data ? ans.body.data : "", ans.body.len);
	http_answer_free(&ans);
	free(url);
	return r;
}

/* A JSON array of objects, or an error naming what was asked. */
static int
load_array(const char *text, size_t len, const char *what, json_t **out,
    char **cause)
{
	json_error_t err;

	*out = json_loadb(text, len, 0, &err);
	if (*out == NULL)
		return set_cause(cause, JF_ERR_PARSE, "RabbitMQ API %s: not "
		    "JSON (%s at byte %d)", what, err.text, err.position);
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return set_cause(cause, JF_ERR_PARSE, "RabbitMQ API %s: not a "
		    "JSON array", what);
	}
	return 0;
}

static const char *
str_member(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
rmqapi_parse_vhosts(const char *text, size_t len, const char *vhost,
    int *found, char **cause)
{
	json_t *a, *v;
	size_t i;
	const char *name;
	int r;

	*found = 0;
	if ((r = load_array(text, len, "/api/vhosts", &a, cause)) != 0)
		return r;
	json_array_foreach(a, i, v)
		if ((name = str_member(v, "name")) != NULL &&
		    strcmp(name, vhost) == 0)
			*found = 1;
	json_decref(a);
	return 0;
}

void
rmqapi_user_free(struct rmqapi_user *u)
{
	if (u == NULL)
		return;
	free(u->tags);
	free_secret(u->hash);
	free(u->algorithm);
	memset(u, 0, sizeof *u);
}

int
rmqapi_parse_users(const char *text, size_t len, const char *user,
    struct rmqapi_user *u, char **cause)
{
	json_t *a, *v, *tags, *t;
	struct buf b = BUF_INIT;
	const char *name, *s;
	size_t i, k;
	int r;

	memset(u, 0, sizeof *u);
	if ((r = load_array(text, len, "/api/users", &a, cause)) != 0)
		return r;
	json_array_foreach(a, i, v) {
		if ((name = str_member(v, "name")) == NULL ||
		    strcmp(name, user) != 0 || u->found)
			continue;
		u->found = 1;
		/* tags: an array since RabbitMQ 3.9, "a,b" before */
		tags = json_object_get(v, "tags");
		buf_addstr(&b, "");
		if (json_is_string(tags))
			buf_addstr(&b, json_string_value(tags));
		else if (json_is_array(tags))
			json_array_foreach(tags, k, t)
				if (json_is_string(t))
					buf_printf(&b, "%s%s", b.len ? "," : "",
					    json_string_value(t));
		u->tags = buf_detach(&b);
		if ((s = str_member(v, "password_hash")) != NULL)
			u->hash = xstrdup(s);
		if ((s = str_member(v, "hashing_algorithm")) != NULL)
			u->algorithm = xstrdup(s);
	}
	json_decref(a);
	return 0;
}

int
rmqapi_parse_permissions(const char *text, size_t len, const char *user,
    int *found, char *perm[3], char **cause)
{
	static const char *const names[3] = { "configure", "write", "read" };
	json_t *a, *v;
	const char *name, *p[3];
	size_t i, k;
	int r;

	*found = 0;
	perm[0] = perm[1] = perm[2] = NULL;
	if ((r = load_array(text, len, "/api/vhosts/VHOST/permissions", &a,
	    cause)) != 0)
		return r;
	json_array_foreach(a, i, v) {
		if ((name = str_member(v, "user")) == NULL ||
		    strcmp(name, user) != 0 || *found)
			continue;
		for (k = 0; k < 3; k++)
			p[k] = str_member(v, names[k]);
		if (p[0] == NULL || p[1] == NULL || p[2] == NULL) {
			json_decref(a);
			return set_cause(cause, JF_ERR_PARSE, "RabbitMQ API "
			    "/api/vhosts/VHOST/permissions: user \"%.80s\" "
			    "without configure, write and read", user);
		}
		*found = 1;
		for (k = 0; k < 3; k++)
			perm[k] = xstrdup(p[k]);
	}
	json_decref(a);
	return 0;
}
