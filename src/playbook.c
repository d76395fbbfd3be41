/*
 * playbook.c - reads playbooks (libconfig) and validates them completely at
 * load time: unknown fields, unknown fault IDs, bad match rules, unknown step
 * types, missing or unknown step parameters.  Every message names the file
 * and line, so `jobfix playbooks check` is a linter.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "playbook.h"
#include "step.h"

#define PLAYBOOK_MAX (256 << 10)

static const char *const top_fields[] = {
	"name", "summary", "fixes", "match", "policy", "steps", "description",
};

void
playbook_free(struct playbook *pb)
{
	size_t i, j;

	if (pb == NULL)
		return;
	for (i = 0; i < pb->nsteps; i++) {
		for (j = 0; j < pb->steps[i].nparams; j++) {
			free(pb->steps[i].params[j].name);
			strv_free(pb->steps[i].params[j].values);
		}
		free(pb->steps[i].params);
		free(pb->steps[i].group);
	}
	free(pb->steps);
	free(pb->name);
	free(pb->summary);
	free(pb->origin);
	strv_free(pb->fixes);
	rule_free(pb->match);
	free(pb->policy);
	free(pb);
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_')
			return 0;
	return 1;
}

static const char *
get_string(config_setting_t *root, const char *name, const char *origin,
    int required, char **cause, int *r)
{
	config_setting_t *s = config_setting_get_member(root, name);

	if (s == NULL) {
		if (required)
			*r = set_cause(cause, JF_ERR_PARSE,
			    "%s: missing \"%s\"", origin, name);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		*r = set_cause(cause, JF_ERR_PARSE, "%s:%d: \"%s\" must be a "
		    "string", origin, config_setting_source_line(s), name);
		return NULL;
	}
	return config_setting_get_string(s);
}

static int
load_step(struct playbook *pb, struct step *st, config_setting_t *s,
    const char *origin, char **cause)
{
	config_setting_t *m, *e;
	const struct step_type *t;
	const char *type = NULL, *const *allowed;
	struct step_param *p;
	int i, j, n, line = (int)config_setting_source_line(s), found;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d must be "
		    "a group: { type = \"...\"; ... }", origin, line, st->index);
	if (config_setting_lookup_string(s, "type", &type) != CONFIG_TRUE)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d has no "
		    "type", origin, line, st->index);
	if ((t = step_type_find(type)) == NULL)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d: unknown "
		    "step type \"%s\"", origin, line, st->index, type);
	st->type = t;
	st->line = line;
	st->pb = pb;
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(s, (unsigned)i);
		line = (int)config_setting_source_line(m);
		if (strcmp(config_setting_name(m), "type") == 0)
			continue;
		if (strcmp(config_setting_name(m), "group") == 0) {
			if (config_setting_type(m) != CONFIG_TYPE_STRING ||
			    *config_setting_get_string(m) == '\0')
				return set_cause(cause, JF_ERR_PARSE, "%s:%d: "
				    "step %d: \"group\" must be a name",
				    origin, line, st->index);
			free(st->group);
			st->group = xstrdup(config_setting_get_string(m));
			continue;
		}
		found = 0;
		for (allowed = t->params; *allowed != NULL; allowed++) {
			const char *a = **allowed == '!' ? *allowed + 1 : *allowed;
			if (strcmp(a, config_setting_name(m)) == 0)
				found = 1;
		}
		if (!found)
			return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d "
			    "(%s): unknown parameter \"%s\"", origin, line,
			    st->index, type, config_setting_name(m));
		st->params = xreallocarray(st->params, st->nparams + 1,
		    sizeof *st->params);
		p = &st->params[st->nparams++];
		memset(p, 0, sizeof *p);
		p->name = xstrdup(config_setting_name(m));
		p->line = line;
		switch (config_setting_type(m)) {
		case CONFIG_TYPE_STRING:
			p->values = xcalloc(2, sizeof *p->values);
			p->values[0] = xstrdup(config_setting_get_string(m));
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			p->values = xcalloc(2, sizeof *p->values);
			p->values[0] = xasprintf("%lld",
			    (long long)config_setting_get_int64(m));
			break;
		case CONFIG_TYPE_BOOL:
			p->values = xcalloc(2, sizeof *p->values);
			p->values[0] = xstrdup(config_setting_get_bool(m) ?
			    "true" : "false");
			break;
		case CONFIG_TYPE_ARRAY:
		case CONFIG_TYPE_LIST:
			p->is_list = 1;
			p->values = xcalloc((size_t)config_setting_length(m) + 1,
			    sizeof *p->values);
			for (j = 0; j < config_setting_length(m); j++) {
				e = config_setting_get_elem(m, (unsigned)j);
				if (config_setting_type(e) != CONFIG_TYPE_STRING)
					return set_cause(cause, JF_ERR_PARSE,
					    "%s:%d: step %d: \"%s\" must be a "
					    "list of strings", origin, line,
					    st->index, p->name);
				p->values[j] = xstrdup(
				    config_setting_get_string(e));
			}
			break;
		default:
			return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d: "
			    "\"%s\" must be a string, a number or a list of "
			    "strings", origin, line, st->index, p->name);
		}
	}
	for (allowed = t->params; *allowed != NULL; allowed++)
		if (**allowed == '!' && step_param(st, *allowed + 1) == NULL)
			return set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d "
			    "(%s): missing parameter \"%s\"", origin, st->line,
			    st->index, type, *allowed + 1);
	if (t->validate != NULL) {
		char *why = NULL;
		if (t->validate(st, &why) != 0) {
			set_cause(cause, JF_ERR_PARSE, "%s:%d: step %d (%s): %s",
			    origin, st->line, st->index, type,
			    why ? why : "invalid");
			free(why);
			return -JF_ERR_PARSE;
		}
	}
	return 0;
}

/*
 * Steps stand or fall together by group: a step without `group` is in the
 * group of the step before it (the first step, in the playbook's first
 * group).  A group's steps follow one another: a group named again after
 * another began is an error.
 */
static int
number_groups(struct playbook *pb, const char *origin, char **cause)
{
	size_t i, j;
	int no = 0;

	for (i = 1; i < pb->nsteps; i++) {
		struct step *st = &pb->steps[i], *prev = &pb->steps[i - 1];

		if (st->group == NULL) {
			st->group = prev->group ? xstrdup(prev->group) : NULL;
			st->group_no = no;
			continue;
		}
		if (prev->group != NULL && strcmp(st->group, prev->group) == 0) {
			st->group_no = no;
			continue;
		}
		for (j = 0; j < i; j++)
			if (pb->steps[j].group != NULL &&
			    strcmp(pb->steps[j].group, st->group) == 0)
				return set_cause(cause, JF_ERR_PARSE, "%s:%d: step "
				    "%d: group \"%s\" began at step %d and "
				    "another came between: a group's steps "
				    "follow one another", origin, st->line,
				    st->index, st->group, pb->steps[j].index);
		st->group_no = ++no;
	}
	return 0;
}

struct playbook *
playbook_parse(const char *text, const char *origin, char **cause)
{
	config_t cfg;
	config_setting_t *root, *s, *e;
	struct playbook *pb;
	const char *str;
	char *why = NULL;
	size_t k;
	int i, n, r = 0, known;

	if (strlen(text) > PLAYBOOK_MAX) {
		set_cause(cause, JF_ERR_TOOBIG, "%s: larger than %d bytes",
		    origin, PLAYBOOK_MAX);
		return NULL;
	}
	pb = xcalloc(1, sizeof *pb);
	pb->origin = xstrdup(origin);
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", origin,
		    config_error_line(&cfg), config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		known = 0;
		for (k = 0; k < nitems(top_fields); k++)
			if (strcmp(config_setting_name(s), top_fields[k]) == 0)
				known = 1;
		if (!known) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: unknown field "
			    "\"%s\"", origin, config_setting_source_line(s),
			    config_setting_name(s));
			goto out;
		}
	}
	if ((str = get_string(root, "name", origin, 1, cause, &r)) == NULL)
		goto out;
	if (!valid_name(str)) {
		r = set_cause(cause, JF_ERR_PARSE, "%s: name \"%s\": use "
		    "lower case letters, digits and '-'", origin, str);
		goto out;
	}
	pb->name = xstrdup(str);
	if ((str = get_string(root, "summary", origin, 1, cause, &r)) == NULL)
		goto out;
	pb->summary = xstrdup(str);
	str = get_string(root, "policy", origin, 0, cause, &r);
	if (r != 0)
		goto out;
	if (str != NULL && strcmp(str, "auto") != 0 &&
	    strcmp(str, "confirm") != 0) {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: policy must be "
		    "\"auto\" or \"confirm\"", origin, config_setting_source_line(
		    config_setting_get_member(root, "policy")));
		goto out;
	}
	pb->policy = xstrdup(str ? str : "auto");

	if ((s = config_setting_get_member(root, "fixes")) == NULL ||
	    !config_setting_is_aggregate(s) || config_setting_length(s) == 0) {
		r = set_cause(cause, JF_ERR_PARSE, "%s: \"fixes\" must list the "
		    "fault IDs the playbook fixes: fixes = [ \"...\" ];", origin);
		goto out;
	}
	n = config_setting_length(s);
	pb->fixes = xcalloc((size_t)n + 1, sizeof *pb->fixes);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    fault_find(config_setting_get_string(e)) == NULL) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: fixes: \"%s\" "
			    "is not a fault ID (see jobfix explain)", origin,
			    config_setting_source_line(s),
			    config_setting_type(e) == CONFIG_TYPE_STRING ?
			    config_setting_get_string(e) : "?");
			goto out;
		}
		pb->fixes[i] = xstrdup(config_setting_get_string(e));
	}

	str = get_string(root, "match", origin, 0, cause, &r);
	if (r != 0)
		goto out;
	if (str != NULL && (pb->match = rule_parse(str, &why)) == NULL) {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: match: %s", origin,
		    config_setting_source_line(config_setting_get_member(root,
		    "match")), why);
		free(why);
		goto out;
	}

	if ((s = config_setting_get_member(root, "steps")) == NULL ||
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		r = set_cause(cause, JF_ERR_PARSE, "%s: \"steps\" must be a list:"
		    " steps = ( { type = \"...\"; ... }, ... );", origin);
		goto out;
	}
	n = config_setting_length(s);
	pb->steps = xcalloc((size_t)n + 1, sizeof *pb->steps);
	for (i = 0; i < n; i++) {
		pb->steps[i].index = i + 1;
		pb->nsteps++;
		if ((r = load_step(pb, &pb->steps[i],
		    config_setting_get_elem(s, (unsigned)i), origin, cause)) != 0)
			goto out;
	}
	r = number_groups(pb, origin, cause);
out:
	config_destroy(&cfg);
	if (r != 0) {
		playbook_free(pb);
		return NULL;
	}
	return pb;
}

void
playbook_set_free(struct playbook_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		playbook_free(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static void
set_add(struct playbook_set *set, struct playbook *pb)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, pb->name) == 0) {
			playbook_free(set->v[i]);
			set->v[i] = pb;
			return;
		}
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = pb;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir(const char *dir, struct playbook_set *set, char **cause)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, *path;
	size_t n = 0, i;
	struct buf b = BUF_INIT;
	struct playbook *pb;
	int r = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0; /* a playbook directory is optional */
		return set_cause(cause, JF_ERR_IO, "playbook directory \"%s\": "
		    "%s", dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !str_endswith(de->d_name, ".conf"))
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		path = path_join(dir, names[i]);
		buf_reset(&b);
		if ((r = read_file_local(path, &b, PLAYBOOK_MAX, cause)) == 0) {
			if (memchr(b.data, '\0', b.len) != NULL)
				r = set_cause(cause, JF_ERR_PARSE, "%s: binary "
				    "data (NUL byte)", path);
			else if ((pb = playbook_parse(b.data, path, cause)) ==
			    NULL)
				r = -JF_ERR_PARSE;
			else
				set_add(set, pb);
		}
		free(path);
		if (r != 0)
			break;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&b);
	return r;
}

int
playbook_load_all(const char *const *dirs, struct playbook_set *set,
    char **cause)
{
	struct playbook *pb;
	char *origin;
	size_t i;
	int r;

	for (i = 0; i < builtin_playbooks_n; i++) {
		origin = xasprintf("builtin:%s", builtin_playbooks[i].file);
		pb = playbook_parse(builtin_playbooks[i].text, origin, cause);
		free(origin);
		if (pb == NULL)
			return -JF_ERR_PARSE;
		set_add(set, pb);
	}
	for (; dirs != NULL && *dirs != NULL; dirs++)
		if (**dirs != '\0' && (r = load_dir(*dirs, set, cause)) != 0)
			return r;
	return 0;
}

const struct playbook *
playbook_find(const struct playbook_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

const struct playbook *
playbook_for_fault(const struct playbook_set *set, const char *fault_id)
{
	size_t i, j;

	for (i = 0; i < set->n; i++)
		for (j = 0; set->v[i]->fixes[j] != NULL; j++)
			if (strcmp(set->v[i]->fixes[j], fault_id) == 0)
				return set->v[i];
	return NULL;
}

const struct step_param *
step_param(const struct step *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nparams; i++)
		if (strcmp(st->params[i].name, name) == 0)
			return &st->params[i];
	return NULL;
}

const char *
step_str(const struct step *st, const char *name)
{
	const struct step_param *p = step_param(st, name);

	return (p != NULL && !p->is_list) ? p->values[0] : NULL;
}
