/*
 * step-ini.c - ini_set: make an option's value the one a MySQL server reads
 * from its option files, including every !include and !includedir, so the
 * value that wins after all includes is the new one; the same edit in the
 * rendering template of the main file when the site has one.
 *
 *   { type = "ini_set"; file = "${site.mycnf}"; section = "mysqld";
 *     key = "event_scheduler"; value = "ON"; }
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mycnf.h"
#include "step-common.h"

struct ini_edit {
	const char **groups;
	const char *section, *key, *value;
	int secret;
};

/* Loads path (with includes), sets the option, and appends a change for
 * every file that has to change.  *placeholder set when the winning value
 * is a __PLACEHOLDER__ (templates), which is then left alone. */
static int
plan(struct exec_ctx *ctx, const struct ini_edit *e, const char *path,
    const char *what, int *placeholder, struct change_list *out, char **cause)
{
	struct mycnf *m = NULL;
	struct buf after = BUF_INIT, before = BUF_INIT;
	struct change *c;
	struct tstat tst;
	const char *cur;
	size_t i;
	int r, exists;

	after.secret = before.secret = 1;
	if ((r = mycnf_load(exec_view(ctx), path, &m, cause)) != 0)
		goto out;
	cur = mycnf_get(m, e->groups, e->key, NULL, NULL);
	if (cur != NULL && strcmp(cur, e->value) == 0)
		goto out; /* already what wins */
	if (placeholder != NULL && step_is_placeholder(cur)) {
		*placeholder = 1;
		goto out;
	}
	if ((r = mycnf_set(m, e->groups, e->key, e->value, cause)) != 0)
		goto out;
	for (i = 0; i < mycnf_nfiles(m); i++) {
		if (!mycnf_file_changed(m, i))
			continue;
		buf_reset(&after);
		buf_reset(&before);
		if ((r = mycnf_file_serialize(m, i, &after)) != 0 ||
		    (r = exec_read_file(ctx, mycnf_file_path(m, i), &before,
		    &exists, cause)) != 0)
			goto out;
		c = change_new(CHANGE_FILE, NULL);
		free(c->summary);
		c->summary = xasprintf("set %s=%s in [%s] of %s%s%s", e->key,
		    e->secret ? SECRET_MASK : e->value, e->section,
		    what, mycnf_file_path(m, i), i == 0 ? "" :
		    " (an included file that would override it)");
		c->path = xstrdup(mycnf_file_path(m, i));
		c->existed = exists;
		if (exists && tp_stat(ctx->tp, c->path, &tst, NULL) == 0)
			c->mode = tst.mode & 07777;
		buf_set(&c->before, before.data ? before.data : "", before.len);
		buf_set(&c->after, after.data, after.len);
		change_list_add(out, c);
	}
out:
	mycnf_free(m);
	buf_free(&after);
	buf_free(&before);
	return r;
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	struct ini_edit e;
	const char *const *conf_groups;
	char *file = NULL, *section = NULL, *key = NULL, *value = NULL;
	char *tpl = NULL;
	size_t i, n = 0, first = out->n;
	int r = -JF_ERR_NOTFOUND, placeholder = 0;

	memset(&e, 0, sizeof e);
	if ((file = step_expand(st, ctx, "file", NULL, cause)) == NULL ||
	    (section = step_expand(st, ctx, "section", NULL, cause)) == NULL ||
	    (key = step_expand(st, ctx, "key", NULL, cause)) == NULL ||
	    (value = step_expand(st, ctx, "value", &e.secret, cause)) == NULL)
		goto out;
	if (is_secret_key(key))
		e.secret = 1;
	/* the group written to first, then the others the server reads */
	conf_groups = conf_list(ctx->conf, "mysql.groups");
	while (conf_groups[n] != NULL)
		n++;
	e.groups = xcalloc(n + 2, sizeof *e.groups);
	e.groups[0] = section;
	for (i = 0, n = 1; conf_groups[i] != NULL; i++)
		if (strcmp(conf_groups[i], section) != 0)
			e.groups[n++] = conf_groups[i];
	e.section = section;
	e.key = key;
	e.value = value;
	if ((r = plan(ctx, &e, file, "", NULL, out, cause)) != 0)
		goto out;
	if ((r = step_find_template(ctx, file, &tpl, cause)) != 0 || tpl == NULL)
		goto out;
	if ((r = plan(ctx, &e, tpl, "the template ", &placeholder, out,
	    cause)) != 0)
		goto out;
	if (placeholder && out->n > first)
		out->v[first]->note = xasprintf("the template %s renders %s "
		    "from a placeholder: `bkcec render` will write what it "
		    "renders", tpl, key);
out:
	free(e.groups);
	free(tpl);
	free(file);
	free(section);
	free(key);
	free_secret(value);
	return r;
}

static const char *const params[] = { "!file", "!section", "!key", "!value",
	NULL };

const struct step_type step_ini_set = {
	"ini_set", STEP_MUTATES, params,
	"make an option win in a MySQL option file and its includes",
	NULL, prepare,
};
