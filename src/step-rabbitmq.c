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
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "step-common.h"

struct rmq_data {
	char **argv;     /* NULL-terminated */
	char **undo;     /* or NULL */
	char *secret;    /* stdin of argv, or NULL */
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

	return ctl_run(ctx, tp, d->argv, d->secret, NULL, cause);
}

static int
undo_rmq(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct rmq_data *d = c->data;

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

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	char *vhost = NULL, *user = NULL, *pass = NULL, *tag = NULL;
	char *perm[3] = { NULL, NULL, NULL }, *summary, *rest = NULL;
	char *tags = NULL, *store[32];
	static const char *const pnames[3] = { "configure", "write", "read" };
	struct buf vhosts = BUF_INIT, users = BUF_INIT, perms = BUF_INIT;
	const char *args[40];
	char **argv;
	size_t ns = 0, k, i;
	int w, r = 0, secret = 0, vhost_new = 0, user_new = 0;
	const char *status = facts_get(ctx->facts, "rabbitmq.status");

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

	/* what exists */
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
	vhost_new = !has_line(vhosts.data ? vhosts.data : "", vhost, NULL);
	user_new = !has_line(users.data ? users.data : "", user, &rest);
	if (!vhost_new) {
		args[0] = "list_permissions"; args[1] = "-p"; args[2] = vhost;
		args[3] = NULL;
		argv = ctl_argv(ctx, args);
		r = ctl_run(ctx, NULL, argv, NULL, &perms, cause);
		strv_free(argv);
		if (r != 0)
			goto out;
	}

	if (vhost_new) {
		const char *a[] = { "add_vhost", vhost, NULL };
		const char *u[] = { "delete_vhost", vhost, NULL };
		summary = xasprintf("create RabbitMQ vhost %s", vhost);
		plan(ctx, out, summary, a, u, NULL);
		free(summary);
	}
	if (user_new) {
		const char *a[] = { "add_user", user, NULL };
		const char *u[] = { "delete_user", user, NULL };
		summary = xasprintf("create RabbitMQ user %s (password from "
		    "stdin)", user);
		plan(ctx, out, summary, a, u, pass);
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
	if (tag != NULL && *tag != '\0') {
		tags = tags_list(rest ? rest : "");
		if (!has_tag(tags, tag)) {
			const char *u[20];
			k = 0;
			args[k++] = "set_user_tags";
			args[k++] = user;
			tags_args(tags, tag, args, &k, store, &ns);
			args[k] = NULL;
			u[0] = "set_user_tags";
			u[1] = user;
			k = 2;
			tags_args(tags, NULL, u, &k, store, &ns);
			u[k] = NULL;
			summary = xasprintf("tag RabbitMQ user %s %s", user, tag);
			plan(ctx, out, summary, args, u, NULL);
			free(summary);
		}
	}
	free(rest);
	rest = NULL;
	if (!vhost_new && has_line(perms.data ? perms.data : "", user, &rest)) {
		summary = xasprintf("%s\t%s\t%s", perm[0], perm[1], perm[2]);
		w = strcmp(str_trim(rest), summary) != 0;
		free(summary);
	} else
		w = 1;
	if (w) {
		const char *a[] = { "set_permissions", "-p", vhost, user,
			perm[0], perm[1], perm[2], NULL };
		const char *u[8];
		char *old[3] = { NULL, NULL, NULL };
		if (rest != NULL && *rest != '\0') {
			char *p = rest;
			for (i = 0; i < 3; i++)
				old[i] = strsep(&p, "\t");
		}
		if (old[2] != NULL) {
			u[0] = "set_permissions"; u[1] = "-p"; u[2] = vhost;
			u[3] = user; u[4] = old[0]; u[5] = old[1];
			u[6] = old[2]; u[7] = NULL;
		} else {
			u[0] = "clear_permissions"; u[1] = "-p"; u[2] = vhost;
			u[3] = user; u[4] = NULL;
		}
		summary = xasprintf("grant RabbitMQ user %s \"%s\" \"%s\" "
		    "\"%s\" on vhost %s", user, perm[0], perm[1], perm[2],
		    vhost);
		plan(ctx, out, summary, a, u, NULL);
		free(summary);
	}
out:
	for (i = 0; i < ns; i++)
		free(store[i]);
	for (i = 0; i < 3; i++)
		free(perm[i]);
	free(rest);
	free(tags);
	free(vhost);
	free(user);
	free_secret(pass);
	free(tag);
	buf_free(&vhosts);
	buf_free(&users);
	buf_free(&perms);
	return r;
}

static const char *const params[] = { "!vhost", "!user", "!password", "tags",
	"configure", "write", "read", "when", NULL };

const struct step_type step_rabbitmq_account = {
	"rabbitmq_account", STEP_MUTATES, params,
	"make a RabbitMQ vhost, user, tag and permissions exist with "
	"rabbitmqctl, creating only what is missing",
	NULL, prepare,
};
