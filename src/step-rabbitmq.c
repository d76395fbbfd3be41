/*
 * step-rabbitmq.c - rabbitmq_account: make a RabbitMQ vhost, user, tag and
 * permissions exist, creating only what is missing.
 *
 *   { type = "rabbitmq_account"; vhost = "bk_job";
 *     user = "${jobconf.app.code}"; password = "${jobconf.app.secret}";
 *     tags = "management"; configure = ".*"; write = ".*"; read = ".*"; }
 *
 * It runs rabbitmqctl on the host of the transport (setting rabbitmq.ctl,
 * with -n rabbitmq.node when set and the environment rabbitmq.ctl_env):
 * list_vhosts, list_users and list_permissions to see what exists, then
 * plans add_vhost, add_user, set_user_tags and set_permissions for what is
 * missing, each undone by its reverse (delete_vhost, delete_user, the old
 * tags, the old permissions or clear_permissions).
 *
 * The password is never on a command line: add_user and change_password
 * read it from stdin when the argument is left out (RabbitMQ 3.10 does;
 * older versions take it only as an argument, and jobfix refuses to pass
 * it there).  A user whose login is refused (fact rabbitmq.status ==
 * "access_refused") gets the password set with change_password only when
 * rabbitmq.manage_password is true; otherwise the report says what to do.
 *
 * Where the management plugin answers (rabbitmq.api_url, with an
 * administrator's login in rabbitmq.api_credentials_file) the same work is
 * done over its HTTP API (rmqapi.h), one request each, from the jobfix
 * process itself whatever the transport: GET /api/vhosts, /api/users and
 * /api/vhosts/V/permissions to see what exists; PUT /api/vhosts/V, PUT
 * /api/users/U (the password in the JSON body; an existing user keeps its
 * password hash when only its tags change) and PUT /api/permissions/V/U to
 * change, each undone by DELETE or a PUT of the old values.  An API that
 * is not configured, or does not answer (connection refused, timeout),
 * leaves the work to rabbitmqctl, and the report says so; an API that
 * refuses the login (401, 403) is an error, and nothing is changed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "i18n.h"
#include "log.h"
#include "netcheck.h"
#include "report.h"
#include "rmqapi.h"
#include "step-common.h"

struct rmq_data {
	/* rabbitmqctl */
	char **argv;     /* NULL-terminated */
	char **undo;     /* or NULL */
	char *secret;    /* stdin of argv, or NULL */
	/* or the management API: METHOD path [body] */
	struct rmqapi *api;
	char *method, *path, *body;    /* body may hold the password */
	char *umethod, *upath, *ubody; /* the undo, or umethod NULL */
};

static void
rmq_data_free(void *p)
{
	struct rmq_data *d = p;

	if (d == NULL)
		return;
	strv_free(d->argv);
	strv_free(d->undo);
	free_secret(d->secret);
	rmqapi_unref(d->api);
	free(d->method);
	free(d->path);
	free_secret(d->body);
	free(d->umethod);
	free(d->upath);
	free_secret(d->ubody);
	free(d);
}

/* rabbitmqctl [-n NODE] -s ARGS... as a new NULL-terminated vector. */
static char **
ctl_argv(struct exec_ctx *ctx, const char *const *args)
{
	const char *ctl = conf_str(ctx->conf, "rabbitmq.ctl");
	const char *node = conf_str(ctx->conf, "rabbitmq.node");
	size_t n = 0, i, k = 0;
	char **v;

	while (args[n] != NULL)
		n++;
	v = xcalloc(n + 5, sizeof *v);
	v[k++] = xstrdup(ctl ? ctl : "/usr/sbin/rabbitmqctl");
	if (node != NULL && *node != '\0') {
		v[k++] = xstrdup("-n");
		v[k++] = xstrdup(node);
	}
	v[k++] = xstrdup("-s");
	for (i = 0; i < n; i++)
		v[k++] = xstrdup(args[i]);
	return v;
}

static char *
argv_display(char *const *v)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; v[i] != NULL; i++) {
		int quote = strpbrk(v[i], " *?[]'\"$\\") != NULL || !*v[i];
		buf_printf(&b, "%s%s%s%s", i ? " " : "", quote ? "'" : "",
		    v[i], quote ? "'" : "");
	}
	return buf_detach(&b);
}

/* Runs rabbitmqctl through tp (the executor's, to change); tp NULL: a
 * listing, through the read-only view's query entry.  Its stdout into out
 * (may be NULL). */
static int
ctl_run(struct exec_ctx *ctx, struct transport *tp, char *const *argv,
    const char *in, struct buf *out, char **cause)
{
	struct trun_result res;
	const char *const *env = conf_list(ctx->conf, "rabbitmq.ctl_env");
	long timeout = conf_int(ctx->conf, "rabbitmq.ctl_timeout_ms");
	char *err;
	int r;

	if (timeout <= 0)
		timeout = 60000;
	if (argv[0][0] != '/')
		return set_cause(cause, JF_ERR_USAGE, "rabbitmq.ctl \"%s\" is "
		    "not an absolute path", argv[0]);
	/* the query entry is for listings only */
	if (tp == NULL && strncmp(argv[argv[1] && strcmp(argv[1], "-n") == 0 ?
	    4 : 2], "list_", 5) != 0)
		return set_cause(cause, JF_ERR_PROGRAM, "rabbitmqctl %s while "
		    "planning: only list_* may run outside the executor",
		    argv[argv[1] && strcmp(argv[1], "-n") == 0 ? 4 : 2]);
	trun_result_init(&res);
	res.out.max = 4 << 20;
	if (tp != NULL)
		r = tp->ops->run(tp, (const char *const *)argv, env[0] ? env :
		    NULL, in, in ? strlen(in) : 0, (int)timeout, &res, cause);
	else
		r = tp_query(ctx->tp, (const char *const *)argv, env[0] ? env :
		    NULL, in, in ? strlen(in) : 0, (int)timeout, &res, cause);
	if (r == 0 && res.timed_out)
		r = set_cause(cause, JF_ERR_TIMEOUT, "%s: %s %s timed out after "
		    "%ld ms", ctx->tp->host, argv[0], argv[argv[1] &&
		    strcmp(argv[1], "-n") == 0 ? 4 : 2], timeout);
	else if (r == 0 && res.status != 0) {
		err = xstrdup(res.err.len ? res.err.data : (res.out.len ?
		    res.out.data : ""));
		r = set_cause(cause, JF_ERR_IO, "%s: rabbitmqctl %s exited with "
		    "status %d%s%.400s", ctx->tp->host, argv[argv[1] &&
		    strcmp(argv[1], "-n") == 0 ? 4 : 2], res.status,
		    *str_trim(err) ? ": " : "", str_trim(err));
		free(err);
	}
	if (r == 0 && out != NULL)
		buf_set(out, res.out.data ? res.out.data : "", res.out.len);
	trun_result_free(&res);
	return r;
}

static int
apply_rmq(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct rmq_data *d = c->data;

	if (d->api != NULL)
		return rmqapi_call(d->api, tp != NULL, d->method, d->path,
		    d->body, NULL, NULL, cause);
	return ctl_run(ctx, tp, d->argv, d->secret, NULL, cause);
}

static int
undo_rmq(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct rmq_data *d = c->data;

	if (d->api != NULL)
		return rmqapi_call(d->api, tp != NULL, d->umethod, d->upath,
		    d->ubody, NULL, NULL, cause);
	return ctl_run(ctx, tp, d->undo, NULL, NULL, cause);
}

static void
plan(struct exec_ctx *ctx, struct change_list *out, const char *summary,
    const char *const *args, const char *const *undo, const char *secret)
{
	struct rmq_data *d = xcalloc(1, sizeof *d);
	struct change *c;
	char *shown;

	d->argv = ctl_argv(ctx, args);
	d->undo = undo ? ctl_argv(ctx, undo) : NULL;
	d->secret = secret ? xasprintf("%s\n", secret) : NULL;
	c = change_new(CHANGE_ACTION, summary);
	shown = argv_display(d->argv);
	c->display = secret ? xasprintf("%s < (secret on stdin)", shown) :
	    redact(shown);
	free(shown);
	if (d->undo != NULL) {
		shown = argv_display(d->undo);
		c->undo_display = redact(shown);
		free(shown);
	}
	c->apply = apply_rmq;
	c->undo = d->undo ? undo_rmq : NULL;
	c->data = d;
	c->data_free = rmq_data_free;
	change_list_add(out, c);
}

/* Is name a line (first tab-separated field) of text?  The line's other
 * fields into rest (may be NULL). */
static int
has_line(const char *text, const char *name, char **rest)
{
	const char *p = text, *end, *tab;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, "\n");
		tab = memchr(p, '\t', (size_t)(end - p));
		if ((size_t)((tab ? tab : end) - p) == n &&
		    strncmp(p, name, n) == 0) {
			if (rest != NULL)
				*rest = tab ? xstrndup(tab + 1,
				    (size_t)(end - tab - 1)) : xstrdup("");
			return 1;
		}
		p = *end ? end + 1 : NULL;
	}
	return 0;
}

/* "[administrator, management]" -> "administrator,management" */
static char *
tags_list(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '[' || *s == ']' || *s == ' ' || *s == '\r')
			continue;
		buf_addch(&b, *s);
	}
	if (b.data == NULL)
		buf_addstr(&b, "");
	return buf_detach(&b);
}

static int
has_tag(const char *list, const char *tag)
{
	char *copy = xstrdup(list), *p = copy, *t;
	int found = 0;

	while ((t = strsep(&p, ",")) != NULL)
		if (strcmp(t, tag) == 0)
			found = 1;
	free(copy);
	return found;
}

/* "a,b" + "c" -> argv tail "a" "b" "c" (set_user_tags takes each tag). */
static void
tags_args(const char *list, const char *extra, const char **args, size_t *k,
    char **store, size_t *ns)
{
	char *copy = xstrdup(list), *p = copy, *t;

	while ((t = strsep(&p, ",")) != NULL)
		if (*t != '\0' && *ns < 16)
			args[(*k)++] = store[(*ns)++] = xstrdup(t);
	if (extra != NULL && *ns < 16)
		args[(*k)++] = store[(*ns)++] = xstrdup(extra);
	free(copy);
}

/* What the broker holds of the vhost and the user. */
struct rmq_state {
	int vhost_found, user_found, perm_found;
	char *tags;               /* the user's, "a,b" */
	char *perm[3];            /* its configure, write, read on the vhost */
	struct rmqapi_user au;    /* the API's: its password hash */
};

static void
state_free(struct rmq_state *s)
{
	size_t i;

	free(s->tags);
	for (i = 0; i < 3; i++)
		free(s->perm[i]);
	rmqapi_user_free(&s->au);
	memset(s, 0, sizeof *s);
}

/* rabbitmqctl list_vhosts, list_users and list_permissions -p VHOST. */
static int
ctl_state(struct exec_ctx *ctx, const char *vhost, const char *user,
    struct rmq_state *s, char **cause)
{
	struct buf vhosts = BUF_INIT, users = BUF_INIT, perms = BUF_INIT;
	const char *args[5];
	char **argv, *rest = NULL, *p;
	size_t i;
	int r;

	args[0] = "list_vhosts"; args[1] = "name"; args[2] = NULL;
	argv = ctl_argv(ctx, args);
	r = ctl_run(ctx, NULL, argv, NULL, &vhosts, cause);
	strv_free(argv);
	if (r != 0)
		goto out;
	args[0] = "list_users"; args[1] = NULL;
	argv = ctl_argv(ctx, args);
	r = ctl_run(ctx, NULL, argv, NULL, &users, cause);
	strv_free(argv);
	if (r != 0)
		goto out;
	s->vhost_found = has_line(vhosts.data ? vhosts.data : "", vhost, NULL);
	s->user_found = has_line(users.data ? users.data : "", user, &rest);
	s->tags = tags_list(rest ? rest : "");
	free(rest);
	rest = NULL;
	if (s->vhost_found) {
		args[0] = "list_permissions"; args[1] = "-p"; args[2] = vhost;
		args[3] = NULL;
		argv = ctl_argv(ctx, args);
		r = ctl_run(ctx, NULL, argv, NULL, &perms, cause);
		strv_free(argv);
		if (r != 0)
			goto out;
		if (has_line(perms.data ? perms.data : "", user, &rest)) {
			p = str_trim(rest);
			for (i = 0; i < 3 && p != NULL; i++)
				s->perm[i] = xstrdup(strsep(&p, "\t"));
			s->perm_found = i == 3 && p == NULL;
		}
	}
out:
	free(rest);
	buf_free(&vhosts);
	buf_free(&users);
	buf_free(&perms);
	return r;
}

/* The management API's GET /api/vhosts, /api/users and
 * /api/vhosts/VHOST/permissions; *down when it did not answer. */
static int
api_state(struct rmqapi *api, const char *vhost, const char *user,
    struct rmq_state *s, int *down, char **cause)
{
	struct buf b = BUF_INIT;
	char *path, *ev;
	int r;

	if ((r = rmqapi_call(api, 0, "GET", "/api/vhosts?columns=name", NULL,
	    &b, down, cause)) != 0 ||
	    (r = rmqapi_parse_vhosts(b.data, b.len, vhost, &s->vhost_found,
	    cause)) != 0)
		goto out;
	buf_reset(&b);
	if ((r = rmqapi_call(api, 0, "GET", "/api/users", NULL, &b, NULL,
	    cause)) != 0 ||
	    (r = rmqapi_parse_users(b.data, b.len, user, &s->au, cause)) != 0)
		goto out;
	if (s->au.found && s->au.hash == NULL) {
		/* a PUT of the user without its hash clears its password */
		r = set_cause(cause, JF_ERR_PARSE, "RabbitMQ API GET "
		    "/api/users: user \"%s\" has no password_hash string; "
		    "jobfix cannot keep its password through the API and "
		    "changes nothing", user);
		goto out;
	}
	secret_register(s->au.hash);
	s->user_found = s->au.found;
	s->tags = xstrdup(s->au.tags ? s->au.tags : "");
	if (s->vhost_found) {
		buf_reset(&b);
		ev = rmqapi_escape(vhost);
		path = xasprintf("/api/vhosts/%s/permissions", ev);
		free(ev);
		r = rmqapi_call(api, 0, "GET", path, NULL, &b, NULL, cause);
		free(path);
		if (r == 0)
			r = rmqapi_parse_permissions(b.data, b.len, user,
			    &s->perm_found, s->perm, cause);
	}
out:
	buf_free(&b);
	return r;
}

/* The management API when rabbitmq.api_url and
 * rabbitmq.api_credentials_file are set (*api NULL when not, and
 * *loopback set when the URL is a loopback address and the host remote). */
static int
api_open(struct exec_ctx *ctx, struct rmqapi **api, int *loopback,
    char **cause)
{
	char *host = NULL;
	int port;
	const char *url = conf_str(ctx->conf, "rabbitmq.api_url");
	const char *file = conf_str(ctx->conf,
	    "rabbitmq.api_credentials_file");
	struct buf creds = BUF_INIT;
	int r;

	*api = NULL;
	*loopback = 0;
	if (url == NULL || *url == '\0' || file == NULL || *file == '\0')
		return 0;
	/* asked from this process: a loopback URL names this host's broker,
	 * not a remote host's */
	if (!ctx->site->local && net_split_host_port(url, 15672, &host,
	    &port) == 0) {
		*loopback = strcmp(host, "localhost") == 0 ||
		    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
		free(host);
		if (*loopback)
			return 0;
	}
	buf_addstr(&creds, "");
	r = step_secret_file("rabbitmq.api_credentials_file", file, &creds,
	    cause);
	if (r == 0)
		r = rmqapi_new(url, creds.data, creds.len, file,
		    conf_int(ctx->conf, "rabbitmq.api_timeout_ms"), api, cause);
	if (creds.data != NULL)
		explicit_bzero(creds.data, creds.len);
	buf_free(&creds);
	return r;
}

static int
is_utf8(const char *text)
{
	json_t *j = json_string(text);

	json_decref(j);
	return j != NULL;
}

/* A body as the report shows it: the password and its hash left out. */
static char *
body_display(json_t *body)
{
	json_t *copy;
	char *s;

	if (body == NULL)
		return xstrdup("");
	copy = json_deep_copy(body);
	if (json_object_get(copy, "password") != NULL)
		json_object_set_new(copy, "password", json_string("(secret)"));
	if (json_object_get(copy, "password_hash") != NULL)
		json_object_set_new(copy, "password_hash",
		    json_string("(kept)"));
	s = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return s ? s : xstrdup("");
}

/* Plans METHOD path [body] over the API, undone by umethod upath [ubody]
 * (umethod NULL: no undo).  Takes the bodies' references. */
static void
plan_api(struct change_list *out, struct rmqapi *api, const char *summary,
    const char *method, const char *path, json_t *body, const char *umethod,
    const char *upath, json_t *ubody)
{
	struct rmq_data *d = xcalloc(1, sizeof *d);
	struct change *c;
	char *shown, *line;

	d->api = rmqapi_ref(api);
	d->method = xstrdup(method);
	d->path = xstrdup(path);
	d->body = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	c = change_new(CHANGE_ACTION, summary);
	shown = body_display(body);
	line = xasprintf("%s %s%s%s%s", method, api->base, path,
	    *shown ? " " : "", shown);
	c->display = redact(line);
	free(line);
	free(shown);
	if (umethod != NULL) {
		d->umethod = xstrdup(umethod);
		d->upath = xstrdup(upath);
		d->ubody = ubody ? json_dumps(ubody, JSON_COMPACT |
		    JSON_SORT_KEYS) : NULL;
		shown = body_display(ubody);
		line = xasprintf("%s %s%s%s%s", umethod, api->base, upath,
		    *shown ? " " : "", shown);
		c->undo_display = redact(line);
		free(line);
		free(shown);
	}
	json_decref(body);
	json_decref(ubody);
	c->apply = apply_rmq;
	c->undo = d->umethod ? undo_rmq : NULL;
	c->data = d;
	c->data_free = rmq_data_free;
	change_list_add(out, c);
}

static int
is_dot_name(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* {"tags": tags} with the user's password hash kept (PUT /api/users/U
 * without a password or hash clears the password). */
static json_t *
user_body(const struct rmq_state *s, const char *tags)
{
	json_t *o = json_pack("{s:s}", "tags", tags);

	if (s->au.hash != NULL) {
		json_object_set_new(o, "password_hash", json_string(
		    s->au.hash));
		json_object_set_new(o, "hashing_algorithm", json_string(
		    s->au.algorithm ? s->au.algorithm :
		    "rabbit_password_hashing_sha256"));
	}
	return o;
}

/* The vhost, the user and its tag over the API. */
static void
plan_api_account(struct exec_ctx *ctx, const struct step *st,
    struct change_list *out, struct rmqapi *api, const struct rmq_state *s,
    const char *vhost, const char *user, const char *pass, const char *tag)
{
	const char *status = facts_get(ctx->facts, "rabbitmq.status");
	char *ev = rmqapi_escape(vhost), *eu = rmqapi_escape(user);
	char *path, *summary, *want;
	int need_tag = tag != NULL && *tag != '\0' && !has_tag(s->tags, tag);
	int need_pw = s->user_found && status != NULL &&
	    strcmp(status, "access_refused") == 0;
	json_t *body;

	if (!s->vhost_found) {
		path = xasprintf("/api/vhosts/%s", ev);
		summary = xasprintf("create RabbitMQ vhost %s", vhost);
		plan_api(out, api, summary, "PUT", path, json_object(),
		    "DELETE", path, NULL);
		free(summary);
		free(path);
	}
	path = xasprintf("/api/users/%s", eu);
	if (!s->user_found) {
		summary = xasprintf("create RabbitMQ user %s (password in the "
		    "request body)%s%s", user, tag && *tag ? ", tagged " : "",
		    tag ? tag : "");
		plan_api(out, api, summary, "PUT", path, json_pack("{s:s,s:s}",
		    "password", pass, "tags", tag ? tag : ""), "DELETE", path,
		    NULL);
		free(summary);
	} else if (need_pw && !conf_bool(ctx->conf,
	    "rabbitmq.manage_password") && ctx->report != NULL)
		report_note(ctx->report, "%s: RabbitMQ refuses the "
		    "password of user %s: correct the password in "
		    "job.conf, or set rabbitmq.manage_password = true "
		    "in jobfix.conf to let jobfix set the user's "
		    "password to it", st->pb->name, user);
	if (s->user_found && ((need_pw && conf_bool(ctx->conf,
	    "rabbitmq.manage_password")) || need_tag)) {
		want = need_tag ? xasprintf("%s%s%s", s->tags, *s->tags ? "," :
		    "", tag) : xstrdup(s->tags);
		if (need_pw && conf_bool(ctx->conf, "rabbitmq.manage_password")) {
			body = json_pack("{s:s,s:s}", "password", pass, "tags",
			    want);
			summary = xasprintf("set the password of RabbitMQ user "
			    "%s (it refuses Job's; setting "
			    "rabbitmq.manage_password is on)%s%s", user,
			    need_tag ? "; tag it " : "", need_tag ? tag : "");
		} else {
			body = user_body(s, want);
			summary = xasprintf("tag RabbitMQ user %s %s", user,
			    tag);
		}
		plan_api(out, api, summary, "PUT", path, body, "PUT", path,
		    user_body(s, s->tags));
		free(summary);
		free(want);
	}
	free(path);
	free(ev);
	free(eu);
}

/* The vhost, the user and its tag with rabbitmqctl. */
static void
plan_ctl_account(struct exec_ctx *ctx, const struct step *st,
    struct change_list *out, const struct rmq_state *s, const char *vhost,
    const char *user, const char *pass, const char *tag)
{
	const char *status = facts_get(ctx->facts, "rabbitmq.status");
	const char *args[40], *u[20];
	char *summary, *store[32];
	size_t k, ns = 0, i;

	if (!s->vhost_found) {
		const char *a[] = { "add_vhost", vhost, NULL };
		const char *un[] = { "delete_vhost", vhost, NULL };
		summary = xasprintf("create RabbitMQ vhost %s", vhost);
		plan(ctx, out, summary, a, un, NULL);
		free(summary);
	}
	if (!s->user_found) {
		const char *a[] = { "add_user", user, NULL };
		const char *un[] = { "delete_user", user, NULL };
		summary = xasprintf("create RabbitMQ user %s (password from "
		    "stdin)", user);
		plan(ctx, out, summary, a, un, pass);
		free(summary);
	} else if (status != NULL && strcmp(status, "access_refused") == 0) {
		if (conf_bool(ctx->conf, "rabbitmq.manage_password")) {
			const char *a[] = { "change_password", user, NULL };
			summary = xasprintf("set the password of RabbitMQ user "
			    "%s (it refuses Job's; setting "
			    "rabbitmq.manage_password is on)", user);
			plan(ctx, out, summary, a, NULL, pass);
			free(summary);
		} else if (ctx->report != NULL)
			report_note(ctx->report, "%s: RabbitMQ refuses the "
			    "password of user %s: correct the password in "
			    "job.conf, or set rabbitmq.manage_password = true "
			    "in jobfix.conf to let jobfix set the user's "
			    "password to it", st->pb->name, user);
	}
	if (tag != NULL && *tag != '\0' && !has_tag(s->tags, tag)) {
		k = 0;
		args[k++] = "set_user_tags";
		args[k++] = user;
		tags_args(s->tags, tag, args, &k, store, &ns);
		args[k] = NULL;
		u[0] = "set_user_tags";
		u[1] = user;
		k = 2;
		tags_args(s->tags, NULL, u, &k, store, &ns);
		u[k] = NULL;
		summary = xasprintf("tag RabbitMQ user %s %s", user, tag);
		plan(ctx, out, summary, args, u, NULL);
		free(summary);
	}
	for (i = 0; i < ns; i++)
		free(store[i]);
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	char *vhost = NULL, *user = NULL, *pass = NULL, *tag = NULL;
	char *perm[3] = { NULL, NULL, NULL }, *summary, *path, *ev, *eu;
	static const char *const pnames[3] = { "configure", "write", "read" };
	struct rmq_state s;
	struct rmqapi *api = NULL;
	size_t i, n0 = out->n;
	int w, r = 0, secret = 0, down = 0, loopback = 0;
	const char *fallback = NULL;

	memset(&s, 0, sizeof s);
	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	if ((vhost = step_expand(st, ctx, "vhost", NULL, cause)) == NULL ||
	    (user = step_expand(st, ctx, "user", NULL, cause)) == NULL ||
	    (pass = step_expand(st, ctx, "password", &secret, cause)) == NULL) {
		r = -JF_ERR_NOTFOUND;
		goto out;
	}
	secret_register(pass);
	if (*user == '\0' || *vhost == '\0') {
		r = set_cause(cause, JF_ERR_USAGE, "rabbitmq_account: empty "
		    "%s", *user == '\0' ? "user" : "vhost");
		goto out;
	}
	tag = step_expand(st, ctx, "tags", NULL, NULL);
	for (i = 0; i < 3; i++)
		if ((perm[i] = step_expand(st, ctx, pnames[i], NULL, NULL)) ==
		    NULL)
			perm[i] = xstrdup(".*");

	/* what exists: over the API where it answers, else rabbitmqctl */
	if ((r = api_open(ctx, &api, &loopback, cause)) != 0)
		goto out;
	if (api == NULL && loopback)
		fallback = N_("RabbitMQ: rabbitmqctl on the remote host did the "
		    "account work: rabbitmq.api_url is a loopback address, "
		    "which names the broker of the host jobfix runs on");
	else if (api == NULL)
		fallback = N_("RabbitMQ: rabbitmqctl did the account work (slow): "
		    "the management API is not configured (rabbitmq.api_url, "
		    "rabbitmq.api_credentials_file)");
	else if (is_dot_name(vhost) || is_dot_name(user)) {
		/* a URL path cannot name them: /api/vhosts/.. is /api */
		rmqapi_unref(api);
		api = NULL;
		fallback = N_("RabbitMQ: rabbitmqctl did the account work: a "
		    "vhost or user named \".\" or \"..\" cannot be named in a "
		    "management API path");
	} else if ((r = api_state(api, vhost, user, &s, &down, cause)) != 0) {
		if (!down)
			goto out;
		if (cause != NULL) {
			debug("%s; using rabbitmqctl", *cause);
			free(*cause);
			*cause = NULL;
		}
		state_free(&s);
		rmqapi_unref(api);
		api = NULL;
		fallback = N_("RabbitMQ: the management API did not answer "
		    "(connection refused or timed out): rabbitmqctl did the "
		    "account work instead");
	}
	if (api == NULL && (r = ctl_state(ctx, vhost, user, &s, cause)) != 0)
		goto out;
	/* JSON strings are UTF-8 (json_pack fails on anything else) */
	if (api != NULL && (!is_utf8(vhost) || !is_utf8(user) ||
	    !is_utf8(pass) || (tag != NULL && !is_utf8(tag)) ||
	    !is_utf8(perm[0]) || !is_utf8(perm[1]) || !is_utf8(perm[2]))) {
		r = set_cause(cause, JF_ERR_USAGE, "rabbitmq_account: the "
		    "vhost, user, password, tags or permissions are not valid "
		    "UTF-8, which the RabbitMQ management API needs");
		goto out;
	}

	if (api != NULL)
		plan_api_account(ctx, st, out, api, &s, vhost, user, pass, tag);
	else
		plan_ctl_account(ctx, st, out, &s, vhost, user, pass, tag);
	if (!s.perm_found || strcmp(s.perm[0], perm[0]) != 0 ||
	    strcmp(s.perm[1], perm[1]) != 0 || strcmp(s.perm[2], perm[2]) != 0) {
		summary = xasprintf("grant RabbitMQ user %s \"%s\" \"%s\" "
		    "\"%s\" on vhost %s", user, perm[0], perm[1], perm[2],
		    vhost);
		if (api != NULL) {
			ev = rmqapi_escape(vhost);
			eu = rmqapi_escape(user);
			path = xasprintf("/api/permissions/%s/%s", ev, eu);
			plan_api(out, api, summary, "PUT", path, json_pack(
			    "{s:s,s:s,s:s}", "configure", perm[0], "write",
			    perm[1], "read", perm[2]), s.perm_found ? "PUT" :
			    "DELETE", path, s.perm_found ? json_pack(
			    "{s:s,s:s,s:s}", "configure", s.perm[0], "write",
			    s.perm[1], "read", s.perm[2]) : NULL);
			free(path);
			free(ev);
			free(eu);
		} else {
			const char *a[] = { "set_permissions", "-p", vhost,
				user, perm[0], perm[1], perm[2], NULL };
			const char *set[] = { "set_permissions", "-p", vhost,
				user, s.perm[0], s.perm[1], s.perm[2], NULL };
			const char *clear[] = { "clear_permissions", "-p",
				vhost, user, NULL };
			plan(ctx, out, summary, a, s.perm_found ? set : clear,
			    NULL);
		}
		free(summary);
	}
	if (fallback != NULL && out->n > n0)
		report_note_if(ctx, "%s", fallback);
out:
	rmqapi_unref(api);
	state_free(&s);
	for (i = 0; i < 3; i++)
		free(perm[i]);
	free(vhost);
	free(user);
	free_secret(pass);
	free(tag);
	return r;
}

static const char *const params[] = { "!vhost", "!user", "!password", "tags",
	"configure", "write", "read", "when", NULL };

const struct step_type step_rabbitmq_account = {
	"rabbitmq_account", STEP_MUTATES, params,
	"make a RabbitMQ vhost, user, tag and permissions exist over the "
	"management HTTP API, or with rabbitmqctl, creating only what is "
	"missing",
	NULL, prepare,
};
