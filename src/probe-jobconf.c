/*
 * probe-jobconf.c - reads Job's etc/job.conf into facts.
 *
 *   jobconf.KEY            every key, as Java reads it (secret keys masked
 *                          in every output)
 *   jobconf.status         ok | missing | unreadable | invalid
 *   jobconf.amqp_creds     match | mismatch | unknown: the keys
 *                          keys.amqp_username and keys.amqp_password name
 *                          (ijobs.amqp.*) against app.code and app.secret
 *   jobconf.missing_keys   the required keys (jobconf.required) that are
 *                          absent or empty, comma-separated; "" when none
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "probe.h"
#include "props.h"

#define JOBCONF_MAX (16u << 20)

/* The job.conf key a keys.* setting names, or its default. */
static const char *
mapped_key(struct conf *c, const char *setting, const char *dflt)
{
	const char *k = conf_str(c, setting);

	return k != NULL && *k != '\0' ? k : dflt;
}

static void
creds(struct facts *out, const struct props *p, const char *path,
    struct conf *c)
{
	const char *ukey = mapped_key(c, "keys.amqp_username",
	    "ijobs.amqp.username");
	const char *pkey = mapped_key(c, "keys.amqp_password",
	    "ijobs.amqp.password");
	const char *user = props_get(p, ukey);
	const char *pass = props_get(p, pkey);
	const char *code = props_get(p, "app.code");
	const char *secret = props_get(p, "app.secret");
	struct buf why = BUF_INIT;

	if (user == NULL || pass == NULL || code == NULL || secret == NULL) {
		facts_set(out, "jobconf.amqp_creds", "unknown", 0, N_("%s lacks "
		    "one of %s, %s, app.code, app.secret"), path, ukey, pkey);
		return;
	}
	if (strcmp(user, code) != 0)
		buf_printf(&why, "%s (line %d) is \"%s\", app.code (line %d) "
		    "is \"%s\"", ukey, props_line(p, ukey), user,
		    props_line(p, "app.code"), code);
	if (strcmp(pass, secret) != 0)
		buf_printf(&why, "%s%s (line %d) differs from app.secret "
		    "(line %d)", why.len ? "; " : "", pkey, props_line(p, pkey),
		    props_line(p, "app.secret"));
	if (why.len)
		facts_set(out, "jobconf.amqp_creds", "mismatch", 0, "%s: %s",
		    path, why.data);
	else
		facts_set(out, "jobconf.amqp_creds", "match", 0, N_("%s: %s "
		    "and %s equal app.code and app.secret"), path, ukey, pkey);
	buf_free(&why);
}

/* n in decimal, without printf: run() calls it once a key */
static void
add_number(struct buf *b, unsigned n)
{
	char d[16];
	size_t i = sizeof d;

	do
		d[--i] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	buf_add(b, d + i, sizeof d - i);
}

/* A key jobfix.conf names as a password (keys.mysql_password = "..."):
 * secret whatever its name. */
static int
mapped_secret(struct conf *c, const char *key)
{
	static const char *const settings[] = { "keys.mysql_password",
		"keys.redis_password", "keys.amqp_password" };
	const char *k;
	size_t i;

	for (i = 0; i < nitems(settings); i++)
		if ((k = conf_str(c, settings[i])) != NULL && strcmp(k, key) == 0)
			return 1;
	return 0;
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	const char *path = site_path(ctx->site, "site.job_conf");
	const char *const *req;
	struct buf b = BUF_INIT, missing = BUF_INIT, name = BUF_INIT;
	struct buf ev = BUF_INIT;
	struct props *p = NULL;
	size_t pathlen = strlen(path) + 1;
	char *why = NULL;
	const char *v;
	size_t i;
	int r;

	(void)cause;
	b.secret = 1;
	r = tp_read(ctx->tp, path, &b, JOBCONF_MAX, &why);
	if (r != 0) {
		facts_set(out, "jobconf.status", r == -JF_ERR_NOTFOUND ?
		    "missing" : "unreadable", 0, "%s", why);
		facts_set(out, "jobconf.error", r == -JF_ERR_NOTFOUND ?
		    "it does not exist" : why, 0, "reading %s", path);
		if (r != -JF_ERR_NOTFOUND)
			facts_set(out, "jobconf.unchecked", why, 0, "reading "
			    "%s", path);
		goto out;
	}
	if ((p = props_parse_buf(&b, path, &why)) == NULL) {
		facts_set(out, "jobconf.status", "invalid", 0, "%s", why);
		facts_set(out, "jobconf.error", why, 0, "reading %s as Java "
		    "properties, as Job does", path);
		facts_set(out, "jobconf.unchecked", why, 0, "reading %s as "
		    "Java properties, as Job does", path);
		goto out;
	}
	facts_set(out, "jobconf.status", "ok", 0, N_("%s: %zu keys"), path,
	    props_count(p));
	/* every key (job.conf may have 200,000): name and evidence built in
	 * two reused buffers, no formatting per key */
	buf_addstr(&name, "jobconf.");
	buf_addstr(&ev, path);
	buf_addch(&ev, ':');
	for (i = 0; i < props_count(p); i++) {
		const char *key = props_key_at(p, i);

		name.len = 8;
		buf_addstr(&name, key);
		ev.len = pathlen;
		add_number(&ev, (unsigned)props_line(p, key));
		facts_setv(out, name.data, props_get(p, key),
		    is_secret_key(key) || mapped_secret(ctx->site->conf, key) ?
		    FACT_SECRET : 0, ev.data);
	}
	creds(out, p, path, ctx->site->conf);
	req = conf_list(ctx->site->conf, "jobconf.required");
	for (i = 0; req[i] != NULL; i++) {
		/* "${keys.amqp_username}": the key that setting names */
		char *ref = NULL;
		const char *k = req[i];
		size_t n = strlen(k);
		if (n > 3 && strncmp(k, "${", 2) == 0 && k[n - 1] == '}') {
			ref = xstrndup(k + 2, n - 3);
			k = mapped_key(ctx->site->conf, ref, k);
		}
		if ((v = props_get(p, k)) == NULL || *v == '\0')
			buf_printf(&missing, "%s%s", missing.len ? ", " : "",
			    k);
		free(ref);
	}
	facts_set(out, "jobconf.missing_keys", missing.len ? missing.data : "",
	    0, N_("%s: required keys (setting jobconf.required) that are absent "
	    "or empty"), path);
out:
	props_free(p);
	free(why);
	buf_free(&b);
	buf_free(&missing);
	buf_free(&name);
	buf_free(&ev);
	return 0;
}

const struct probe probe_jobconf = {
	"jobconf", "jobconf.", 0, PROBE_HOST,
	"Job's etc/job.conf: every key, the AMQP credentials, missing keys",
	run,
};
