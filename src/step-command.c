/*
 * step-command.c - command and service: run a program by argv (never a
 * shell string built from data) through the transport.
 *
 *   { type = "command"; argv = [ "/usr/sbin/rabbitmqctl", "add_vhost", "bk_job" ];
 *     when = "rabbitmq.vhost_exists == 'no'"; stdin = "${jobconf.app.secret}";
 *     timeout_ms = 30000; undo_argv = [ ... ]; }
 *   { type = "service"; service = "job"; action = "restart"; when = "changed"; }
 *
 * A service's argv comes from the setting commands.SERVICE_ACTION of
 * jobfix.conf.  `restart = "explicit"` marks a restart that runs only with
 * --allow-restart (MySQL, say), or with policy.PLAYBOOK.allow_restart = true
 * in jobfix.conf.  An argument holding a secret is shown as
 * ******; secrets belong on stdin, where no other user can see them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "step-common.h"

struct run_data {
	char **argv;      /* NULL-terminated, expanded */
	char **undo_argv; /* or NULL */
	struct buf in;    /* stdin, secret */
	int has_in;
	int timeout_ms;
};

static void
argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free_secret(v[i]);
	free(v);
}

static void
run_data_free(void *p)
{
	struct run_data *d = p;

	if (d == NULL)
		return;
	argv_free(d->argv);
	argv_free(d->undo_argv);
	buf_free(&d->in);
	free(d);
}

/* Expands every element; one that holds a secret (a secret fact, a
 * password in a URL, whether it came from a fact, a setting or the text
 * itself) is refused: /proc shows every argv to every user. */
static char **
expand_argv(struct exec_ctx *ctx, char *const *in, struct buf *display,
    char **cause)
{
	char **out;
	size_t n = 0, i;
	int secret;

	while (in[n] != NULL)
		n++;
	out = xcalloc(n + 1, sizeof *out);
	for (i = 0; i < n; i++) {
		secret = 0;
		if ((out[i] = exec_expand(ctx, in[i], &secret, cause)) == NULL) {
			argv_free(out);
			return NULL;
		}
		/* a password written into the URL itself, too */
		if (secret || url_passwords(out[i], 1) > 0) {
			set_cause(cause, JF_ERR_USAGE, "argv[%zu] (\"%s\") holds a "
			    "secret, which /proc shows to every user: jobfix "
			    "does not run it; pass the secret on stdin", i,
			    in[i]);
			argv_free(out);
			return NULL;
		}
		if (display != NULL) {
			const char *shown = secret ? SECRET_MASK : out[i];
			int quote = strpbrk(shown, " \t\n'\"\\$`;&|<>*?()") != NULL ||
			    *shown == '\0';
			if (i > 0)
				buf_addch(display, ' ');
			if (quote) {
				const char *p;
				buf_addch(display, '\'');
				for (p = shown; *p != '\0'; p++) {
					if (*p == '\'')
						buf_addstr(display, "'\\''");
					else
						buf_addch(display, *p);
				}
				buf_addch(display, '\'');
			} else
				buf_addstr(display, shown);
		}
	}
	if (n == 0 || out[0][0] != '/') {
		set_cause(cause, JF_ERR_USAGE, "argv[0] \"%s\" is not an "
		    "absolute path", n ? out[0] : "");
		argv_free(out);
		return NULL;
	}
	return out;
}

static int
run_argv(struct transport *tp, char **argv, const struct run_data *d,
    char **cause)
{
	struct trun_result res;
	const char *text;
	char *err;
	int r;

	trun_result_init(&res);
	r = tp->ops->run(tp, (const char *const *)argv, NULL,
	    d->has_in ? d->in.data : NULL, d->in.len, d->timeout_ms, &res,
	    cause);
	if (r == 0 && res.timed_out)
		r = set_cause(cause, JF_ERR_TIMEOUT, "%s: \"%s\" timed out "
		    "after %d ms", tp->host, argv[0], d->timeout_ms);
	else if (r == 0 && res.status != 0) {
		/* what the program said, to show why it failed */
		text = res.err.len ? res.err.data : (res.out.len ?
		    res.out.data : "");
		err = xstrdup(text);
		r = set_cause(cause, JF_ERR_IO, "%s: \"%s\" exited with status "
		    "%d%s%.400s", tp->host, argv[0], res.status,
		    *str_trim(err) ? ": " : "", str_trim(err));
		free(err);
	}
	trun_result_free(&res);
	return r;
}

static int
apply_run(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct run_data *d = c->data;

	(void)ctx;
	return run_argv(tp, d->argv, d, cause);
}

static int
undo_run(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct run_data *d = c->data;
	struct run_data u = *d;

	(void)ctx;
	u.has_in = 0; /* undo commands take no secret input */
	return run_argv(tp, d->undo_argv, &u, cause);
}

static int
make_run(const struct step *st, struct exec_ctx *ctx, char *const *argv_in,
    const char *summary, struct change_list *out, char **cause)
{
	const struct step_param *p;
	struct run_data *d;
	struct buf display = BUF_INIT;
	struct change *c;
	char *in;
	const char *t;
	long timeout = 60000;
	int secret = 0;

	d = xcalloc(1, sizeof *d);
	d->in.secret = 1;
	if ((d->argv = expand_argv(ctx, argv_in, &display, cause)) == NULL)
		goto fail;
	if ((p = step_param(st, "undo_argv")) != NULL && (d->undo_argv =
	    expand_argv(ctx, p->values, NULL, cause)) == NULL)
		goto fail;
	if (step_str(st, "stdin") != NULL) {
		if ((in = step_expand(st, ctx, "stdin", &secret, cause)) == NULL)
			goto fail;
		buf_addstr(&d->in, in);
		free_secret(in);
		d->has_in = 1;
	}
	if ((t = step_str(st, "timeout_ms")) != NULL)
		str_to_long(t, &timeout);
	d->timeout_ms = (int)timeout;
	if (d->has_in)
		buf_addstr(&display, secret ? " < (secret on stdin)" :
		    " < (stdin)");
	c = change_new(CHANGE_ACTION, summary);
	c->display = redact(display.data);
	c->apply = apply_run;
	c->undo = d->undo_argv ? undo_run : NULL;
	c->data = d;
	c->data_free = run_data_free;
	change_list_add(out, c);
	buf_free(&display);
	return 0;
fail:
	buf_free(&display);
	run_data_free(d);
	return -JF_ERR_PARSE;
}

static int
command_prepare(const struct step *st, struct exec_ctx *ctx,
    struct change_list *out, char **cause)
{
	const struct step_param *p = step_param(st, "argv");
	const char *summary = step_str(st, "summary");
	int w;

	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	return make_run(st, ctx, p->values, summary ? summary : "run a command",
	    out, cause);
}

/*
 * A ${fact} naming a secret (its last part a secret key name, such as
 * jobconf.app.secret) in an argument: NULL if none, else the reference.
 * argv is visible to every user in /proc, so no secret goes there.
 */
static char *
secret_reference(const char *arg)
{
	const char *p, *end, *last;
	char *name;

	for (p = arg; (p = strstr(p, "${")) != NULL; p = end) {
		if ((end = strchr(p + 2, '}')) == NULL)
			return NULL;
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		last = strrchr(name, '.');
		if (is_secret_key(last != NULL ? last + 1 : name) ||
		    is_secret_key(name))
			return name;
		free(name);
	}
	return NULL;
}

static int
no_secret_in_argv(const struct step *st, const char *param, char **cause)
{
	const struct step_param *p = step_param(st, param);
	char *name;
	size_t i;
	int r;

	for (i = 0; p != NULL && p->is_list && p->values[i] != NULL; i++) {
		if ((name = secret_reference(p->values[i])) == NULL)
			continue;
		r = set_cause(cause, JF_ERR_PARSE, "%s[%zu] holds ${%s}, a "
		    "secret: every user can read a command's arguments in "
		    "/proc; pass it on stdin (stdin = \"${%s}\") or in an "
		    "environment file the program reads", param, i, name, name);
		free(name);
		return r;
	}
	return 0;
}

static int
command_validate(const struct step *st, char **cause)
{
	const struct step_param *p = step_param(st, "argv");
	int r;

	if ((r = no_secret_in_argv(st, "argv", cause)) != 0 ||
	    (r = no_secret_in_argv(st, "undo_argv", cause)) != 0)
		return r;

	if (!p->is_list || p->values[0] == NULL)
		return set_cause(cause, JF_ERR_PARSE, "argv must be a list: "
		    "argv = [ \"/abs/path\", \"arg\", ... ]");
	if (p->values[0][0] != '/' && p->values[0][0] != '$')
		return set_cause(cause, JF_ERR_PARSE, "argv[0] \"%s\" must be "
		    "an absolute path", p->values[0]);
	return 0;
}

/* policy.PLAYBOOK.allow_restart = true in jobfix.conf: this playbook's
 * explicit restarts run without --allow-restart. */
static int
policy_allows_restart(const struct step *st, struct exec_ctx *ctx)
{
	char *name = xasprintf("policy.%s.allow_restart", st->pb->name);
	int v = conf_bool(ctx->conf, name);

	free(name);
	return v;
}

static int
service_prepare(const struct step *st, struct exec_ctx *ctx,
    struct change_list *out, char **cause)
{
	const char *svc = step_str(st, "service"), *act = step_str(st, "action");
	const char *restart = step_str(st, "restart");
	const char *const *argv;
	char *name, *summary;
	int w, r;

	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	name = xasprintf("commands.%s_%s", svc, act);
	argv = conf_list(ctx->conf, name);
	if (argv == NULL || argv[0] == NULL) {
		r = set_cause(cause, JF_ERR_USAGE, "no command to %s %s: set "
		    "%s in jobfix.conf", act, svc, name);
		free(name);
		return r;
	}
	free(name);
	summary = xasprintf("%s %s", act, svc);
	r = make_run(st, ctx, (char *const *)argv, summary, out, cause);
	if (r == 0 && restart != NULL && strcmp(restart, "explicit") == 0 &&
	    !ctx->allow_restart && !policy_allows_restart(st, ctx))
		out->v[out->n - 1]->refused = xasprintf("%s %s needs "
		    "--allow-restart (or policy.%s.allow_restart = true in "
		    "jobfix.conf)", act, svc, st->pb->name);
	free(summary);
	return r;
}

static int
service_validate(const struct step *st, char **cause)
{
	static const char *const actions[] = { "restart", "start", "stop",
		"reload" };
	const char *act = step_str(st, "action"), *restart =
	    step_str(st, "restart");
	size_t i;

	for (i = 0; i < nitems(actions); i++)
		if (act != NULL && strcmp(act, actions[i]) == 0)
			break;
	if (i == nitems(actions))
		return set_cause(cause, JF_ERR_PARSE, "action must be restart, "
		    "start, stop or reload");
	if (restart != NULL && strcmp(restart, "explicit") != 0 &&
	    strcmp(restart, "auto") != 0)
		return set_cause(cause, JF_ERR_PARSE, "restart must be "
		    "\"explicit\" or \"auto\"");
	return 0;
}

static const char *const command_params[] = { "!argv", "stdin", "timeout_ms",
	"when", "undo_argv", "summary", NULL };
static const char *const service_params[] = { "!service", "!action",
	"timeout_ms", "when", "restart", "stdin", "undo_argv", NULL };

const struct step_type step_command = {
	"command", STEP_MUTATES, command_params,
	"run a program by argv",
	command_validate, command_prepare,
};

const struct step_type step_service = {
	"service", STEP_MUTATES | STEP_RESTARTS, service_params,
	"restart, start or stop a service with the command jobfix.conf names",
	service_validate, service_prepare,
};
