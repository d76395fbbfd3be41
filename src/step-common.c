/*
 * step-common.c - shared plumbing of the step types.
 */
#include "config.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rule.h"
#include "step-common.h"

char *
step_expand(const struct step *st, struct exec_ctx *ctx, const char *param,
    int *secret, char **cause)
{
	const char *v = step_str(st, param);

	if (v == NULL)
		return NULL;
	return exec_expand(ctx, v, secret, cause);
}

int
step_edit_file(struct exec_ctx *ctx, const char *path, edit_fn edit,
    void *arg, const char *summary, int create, struct change_list *out,
    char **cause)
{
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct change *c;
	struct tstat st;
	char *real = NULL;
	int exists = 0, r;

	before.secret = after.secret = 1;
	/* edit the target of a symlink; the link stays */
	if (ctx->tp->ops->realpath(ctx->tp, path, &real, NULL) != 0)
		real = xstrdup(path);
	if ((r = exec_read_file(ctx, real, &before, &exists, cause)) != 0)
		goto out;
	if (!exists && !create) {
		r = set_cause(cause, JF_ERR_NOTFOUND, "%s: \"%s\": no such file",
		    ctx->site->host, path);
		goto out;
	}
	if ((r = edit(real, &before, &after, arg, cause)) != 0)
		goto out;
	if (exists && before.len == after.len &&
	    memcmp(before.data ? before.data : "", after.data ? after.data : "",
	    before.len) == 0)
		goto out; /* already right */
	c = change_new(CHANGE_FILE, summary);
	c->path = real;
	real = NULL;
	c->existed = exists;
	if (exists && tp_stat(ctx->tp, c->path, &st, NULL) == 0 && st.exists)
		c->mode = st.mode & 07777;
	buf_set(&c->before, before.data ? before.data : "", before.len);
	buf_set(&c->after, after.data ? after.data : "", after.len);
	change_list_add(out, c);
out:
	free(real);
	buf_free(&before);
	buf_free(&after);
	return r;
}

char *
step_more_readable(struct exec_ctx *ctx, const char *target,
    const char *source)
{
	struct tstat ts, ss;
	mode_t extra, want;
	char *msg, *args, *out;
	size_t n;

	if (tp_stat(ctx->tp, target, &ts, NULL) != 0 || !ts.exists ||
	    tp_stat(ctx->tp, source, &ss, NULL) != 0 || !ss.exists)
		return NULL;
	extra = ts.mode & 0077 & ~(ss.mode & 0077);
	if (extra == 0)
		return NULL;
	want = (ts.mode & 07777) & ~extra;
	msg = xasprintf("%s (mode %04o) is more readable than %s (mode %04o), "
	    "where the secret comes from", target, (unsigned)(ts.mode & 07777),
	    source, (unsigned)(ss.mode & 07777));
	args = xasprintf("%04o %s", (unsigned)want, target);
	n = strlen(msg);
	out = xmalloc(n + 1 + strlen(args) + 1);
	memcpy(out, msg, n + 1);
	memcpy(out + n + 1, args, strlen(args) + 1);
	free(msg);
	free(args);
	return out;
}

void
report_note_if(struct exec_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ctx->report == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	report_note(ctx->report, "%s", s);
	free(s);
}

int
step_is_placeholder(const char *value)
{
	regex_t re;
	int m;

	if (value == NULL)
		return 0;
	if (regcomp(&re, "__[A-Z0-9_]+__", REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	m = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

int
step_find_template(struct exec_ctx *ctx, const char *path, char **out,
    char **cause)
{
	const char *root = conf_str(ctx->conf, "site.root");
	const char *tdir = conf_str(ctx->conf, "site.templates_dir");
	char **mods = NULL, *rel, *name, *cand, *canon = NULL;
	size_t n = 0, i, len;
	struct tstat st;
	int found = 0;

	*out = NULL;
	if (tdir == NULL || *tdir == '\0' || root == NULL)
		return 0;
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (strncmp(path, root, len) != 0 || path[len] != '/')
		return 0; /* not part of the install: not rendered */
	rel = xstrdup(path + len); /* "/etc/job.conf" */
	for (name = rel; *name != '\0'; name++)
		if (*name == '/')
			*name = '#';
	/* the default is ROOT/../src: name it as it is */
	if (ctx->tp->ops->realpath(ctx->tp, tdir, &canon, NULL) != 0 ||
	    ctx->tp->ops->list_dir(ctx->tp, canon, &mods, &n, NULL) != 0) {
		free(canon);
		free(rel);
		return 0; /* no template tree on this host */
	}
	tdir = canon;
	for (i = 0; i < n && !found; i++) {
		static const char *const suffixes[] = { "", ".tpl" };
		size_t k;
		for (k = 0; k < nitems(suffixes) && !found; k++) {
			cand = xasprintf("%s/%s/support-files/templates/%s%s",
			    tdir, mods[i], rel, suffixes[k]);
			if (tp_stat(ctx->tp, cand, &st, NULL) == 0 && st.exists) {
				*out = cand;
				found = 1;
			} else
				free(cand);
		}
	}
	names_free(mods, n);
	free(rel);
	free(canon);
	(void)cause;
	return 0;
}

int
step_when(const struct step *st, struct exec_ctx *ctx, char **cause)
{
	const char *w = step_str(st, "when");
	struct rule *r;
	int v;

	if (w == NULL || strcmp(w, "always") == 0)
		return 1;
	if (strcmp(w, "changed") == 0)
		return ctx->changed > 0;
	if ((r = rule_parse(w, cause)) == NULL)
		return -1;
	v = rule_eval(r, ctx->facts, NULL);
	rule_free(r);
	return v;
}
