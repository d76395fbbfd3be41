/*
 * step-properties.c - properties_set: make KEY=VALUE the value that wins in
 * a Java properties file (Job's etc/job.conf), keeping every other byte; the
 * same edit in the file's rendering template when the site has one.
 *
 *   { type = "properties_set"; file = "${site.job_conf}";
 *     key = "ijobs.amqp.username"; value = "${jobconf.app.code}"; }
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "step-common.h"

struct props_edit {
	const char *key;
	const char *value;
	int placeholder; /* template only: the key is rendered, leave it */
};

static int
edit_props(const char *path, const struct buf *before, struct buf *after,
    void *arg, char **cause)
{
	struct props_edit *e = arg;
	struct props *p;
	const char *cur;
	int r = 0;

	if ((p = props_parse(before->data ? before->data : "", before->len,
	    path, cause)) == NULL)
		return -JF_ERR_PARSE;
	cur = props_get(p, e->key);
	if (cur != NULL && step_is_placeholder(cur))
		e->placeholder = 1;
	if (e->placeholder || (cur != NULL && strcmp(cur, e->value) == 0))
		r = props_serialize(p, after);
	else if ((r = props_set(p, e->key, e->value, cause)) == 0)
		r = props_serialize(p, after);
	props_free(p);
	return r;
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	struct props_edit e;
	char *file, *key, *value = NULL, *summary = NULL, *tpl = NULL;
	char *why = NULL;
	size_t before;
	int secret = 0, r;

	if ((file = step_expand(st, ctx, "file", NULL, cause)) == NULL)
		return -JF_ERR_NOTFOUND;
	if ((key = step_expand(st, ctx, "key", NULL, cause)) == NULL) {
		free(file);
		return -JF_ERR_NOTFOUND;
	}
	if (*key == '\0') {
		/* "${keys.amqp_password}" with that setting set to "" */
		r = set_cause(cause, JF_ERR_USAGE, "properties_set: key \"%s\" "
		    "is empty: nothing is written", step_str(st, "key"));
		free(file);
		free(key);
		return r;
	}
	if ((value = step_expand(st, ctx, "value", &secret, cause)) == NULL) {
		r = -JF_ERR_NOTFOUND;
		goto out;
	}
	if (is_secret_key(key))
		secret = 1;
	if (secret)
		secret_register(value);
	summary = xasprintf("set %s=%s in %s", key, secret ? SECRET_MASK : value,
	    file);
	memset(&e, 0, sizeof e);
	e.key = key;
	e.value = value;
	before = out->n;
	if ((r = step_edit_file(ctx, file, edit_props, &e, summary, 0, out,
	    cause)) != 0)
		goto out;
	/* the template, so that `bkcec render` keeps the fix */
	if ((r = step_find_template(ctx, file, &tpl, cause)) != 0 || tpl == NULL)
		goto out;
	/* a secret never goes into a file more readable than its source */
	if (secret && out->n > before && (why = step_more_readable(ctx, tpl,
	    file)) != NULL) {
		out->v[before]->note = xasprintf("%s: jobfix did not write %s "
		    "into it; make it no more readable (chmod %s, with the "
		    "owner and group of %s), then run jobfix again, or "
		    "`bkcec render job` will write the old value back", why,
		    key, why + strlen(why) + 1, file);
		report_note_if(ctx, "%s", out->v[before]->note);
		goto out;
	}
	memset(&e, 0, sizeof e);
	e.key = key;
	e.value = value;
	free(summary);
	summary = xasprintf("set %s=%s in the template %s", key,
	    secret ? SECRET_MASK : value, tpl);
	if ((r = step_edit_file(ctx, tpl, edit_props, &e, summary, 0, out,
	    cause)) != 0)
		goto out;
	if (e.placeholder && out->n > before)
		out->v[before]->note = xasprintf("the template %s renders %s "
		    "from a placeholder: make sure the value it is rendered "
		    "from is right, or `bkcec render job` will write it back",
		    tpl, key);
out:
	free(why);
	free(tpl);
	free(summary);
	free(file);
	free(key);
	free_secret(value);
	return r;
}

static const char *const params[] = { "!file", "!key", "!value", NULL };

const struct step_type step_properties_set = {
	"properties_set", STEP_MUTATES, params,
	"make key=value win in a Java properties file (and its template)",
	NULL, prepare,
};
