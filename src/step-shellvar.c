/*
 * step-shellvar.c - shell_var: set NAME=VALUE in a shell script (Job's start
 * script), rewriting the active assignment or uncommenting a commented one,
 * keeping the quoting style and every other byte.
 *
 *   { type = "shell_var"; file = "${jobsh.path}"; name = "NOHUPLOG";
 *     value = "job_jvm_console.log"; }
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shvar.h"
#include "step-common.h"

struct shvar_edit {
	const char *name;
	const char *value;
};

static int
edit_shvar(const char *path, const struct buf *before, struct buf *after,
    void *arg, char **cause)
{
	struct shvar_edit *e = arg;
	struct shfile *f;
	const char *cur;
	int r, line = 0, dynamic = 0;

	if ((f = shvar_parse(before->data ? before->data : "", before->len,
	    path, cause)) == NULL)
		return -JF_ERR_PARSE;
	cur = shvar_get(f, e->name, &line, &dynamic);
	if (cur != NULL && !dynamic && strcmp(cur, e->value) == 0)
		r = shvar_serialize(f, after);
	else if ((r = shvar_set(f, e->name, e->value, cause)) == 0)
		r = shvar_serialize(f, after);
	shvar_free(f);
	return r;
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	struct shvar_edit e;
	char *file = NULL, *name = NULL, *value = NULL, *summary;
	int secret = 0, r = -JF_ERR_NOTFOUND;

	if ((file = step_expand(st, ctx, "file", NULL, cause)) == NULL ||
	    (name = step_expand(st, ctx, "name", NULL, cause)) == NULL ||
	    (value = step_expand(st, ctx, "value", &secret, cause)) == NULL)
		goto out;
	if (is_secret_key(name))
		secret = 1;
	summary = xasprintf("set %s=%s in %s", name,
	    secret ? SECRET_MASK : value, file);
	e.name = name;
	e.value = value;
	r = step_edit_file(ctx, file, edit_shvar, &e, summary, 0, out, cause);
	free(summary);
out:
	free(file);
	free(name);
	free_secret(value);
	return r;
}

static const char *const params[] = { "!file", "!name", "!value", NULL };

const struct step_type step_shell_var = {
	"shell_var", STEP_MUTATES, params,
	"set a variable assignment in a shell script",
	NULL, prepare,
};
