/*
 * inventory.c - the fleet inventory (see inventory.h for the format).
 *
 * Plain text rather than Ansible's INI/YAML: a line is a host, and what a
 * host needs beyond its address is a handful of jobfix.conf settings of its
 * own.  Settings are checked against jobfix.conf's table here, so a typo is
 * an error naming the line before any host is contacted.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "inventory.h"
#include "util.h"

static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{ "root", "site.root" },
	{ "agent_dir", "site.agent_dir" },
	{ "cloudid", "agent.cloudid" },
	{ "name", "site.host_name" },
	{ "identity", "ssh.identity" },
	{ "known_hosts", "ssh.known_hosts" },
};

const char *
inventory_alias(const char *key)
{
	size_t i;

	for (i = 0; i < nitems(aliases); i++)
		if (strcmp(aliases[i].alias, key) == 0)
			return aliases[i].name;
	return NULL;
}

static int
known_setting(const char *name)
{
	const struct conf_key *k;
	size_t n, i;

	if (str_startswith(name, "policy.") && name[7] != '\0')
		return 1;
	k = conf_keys(&n);
	for (i = 0; i < n; i++)
		if (strcmp(k[i].name, name) == 0)
			return 1;
	return 0;
}

static int
host_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

int
hostspec_parse(const char *spec, char **userp, char **hostp, int *portp,
    char **cause)
{
	const char *at, *h, *end, *p;
	char *user = NULL, *host = NULL;
	long port = 0;

	*userp = *hostp = NULL;
	*portp = 0;
	if ((at = strrchr(spec, '@')) != NULL) {
		if (at == spec)
			return set_cause(cause, JF_ERR_PARSE, "\"%s\": empty "
			    "user name before '@'", spec);
		for (p = spec; p < at; p++)
			if (!isgraph((unsigned char)*p))
				return set_cause(cause, JF_ERR_PARSE, "\"%s\": "
				    "bad character in the user name", spec);
		h = at + 1;
	} else
		h = spec;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return set_cause(cause, JF_ERR_PARSE, "\"%s\": '[' "
			    "without ']'", spec);
		for (p = h + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return set_cause(cause, JF_ERR_PARSE, "\"%s\": "
				    "not an IPv6 address in brackets", spec);
		if (end == h + 1)
			return set_cause(cause, JF_ERR_PARSE, "\"%s\": empty "
			    "address in brackets", spec);
		host = xstrndup(h + 1, (size_t)(end - h - 1));
		p = end + 1;
	} else {
		for (p = h; host_char((unsigned char)*p); p++)
			;
		if (p == h)
			return set_cause(cause, JF_ERR_PARSE, "\"%s\": no host "
			    "name", spec);
		host = xstrndup(h, (size_t)(p - h));
	}
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad_port;
		while (isdigit((unsigned char)*p) && port <= 65535)
			port = port * 10 + (*p++ - '0');
		if (port < 1 || port > 65535 || *p != '\0')
			goto bad_port;
	} else if (*p != '\0') {
		free(host);
		return set_cause(cause, JF_ERR_PARSE, "\"%s\": bad character "
		    "'%c' in the host name", spec, isprint((unsigned char)*p) ?
		    *p : '?');
	}
	if (at != NULL)
		user = xstrndup(spec, (size_t)(at - spec));
	*userp = user;
	*hostp = host;
	*portp = (int)port;
	return 0;
bad_port:
	free(host);
	return set_cause(cause, JF_ERR_PARSE, "\"%s\": the port must be a "
	    "number from 1 to 65535", spec);
}

static void
host_free(struct inv_host *h)
{
	size_t i;

	free(h->spec);
	free(h->user);
	free(h->host);
	for (i = 0; i < h->nset; i++) {
		free(h->set[i].key);
		free(h->set[i].value);
	}
	free(h->set);
}

void
inventory_free(struct inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->n; i++)
		host_free(&inv->hosts[i]);
	for (i = 0; i < inv->ngroups; i++)
		free(inv->groups[i]);
	free(inv->groups);
	free(inv->hosts);
	free(inv->path);
	free(inv);
}

/*
 * The next word of a line at *pp: up to a blank, with "..." quoting after
 * an '=' (KEY="a b").  Returns NULL at the end of the line or at a comment;
 * *err set on an unterminated quote.
 */
static char *
next_word(const char **pp, const char **err)
{
	struct buf b = BUF_INIT;
	const char *p = *pp;
	int quoted = 0;

	*err = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#' || *p == ';') {
		*pp = p;
		return NULL;
	}
	buf_addstr(&b, "");
	for (; *p != '\0'; p++) {
		if (quoted) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				buf_addch(&b, *++p);
			else if (*p == '"')
				quoted = 0;
			else
				buf_addch(&b, *p);
			continue;
		}
		if (*p == ' ' || *p == '\t')
			break;
		if (*p == '"' && b.len > 0 && b.data[b.len - 1] == '=' &&
		    memchr(b.data, '"', b.len) == NULL) {
			quoted = 1;
			continue;
		}
		buf_addch(&b, *p);
	}
	*pp = p;
	if (quoted) {
		*err = "unterminated \"";
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
valid_group(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!host_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Parses one line (NUL-terminated, no newline) into inv. */
static int
parse_line(struct inventory *inv, const char *name, int lineno, char *line,
    const char **group, char **cause)
{
	struct inv_host h;
	const char *p = line, *err, *key;
	char *word, *why = NULL, *eq, *close;
	size_t i;
	int r;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	/* [group] (a bracketed IPv6 address has a ':' in it) */
	if (*p == '[' && (close = strchr(p, ']')) != NULL &&
	    valid_group(p + 1, (size_t)(close - p - 1))) {
		const char *q = close + 1;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '\0' && *q != '#' && *q != ';')
			return set_cause(cause, JF_ERR_PARSE, "%s:%d: text "
			    "after the group name", name, lineno);
		for (i = 0; i < inv->ngroups; i++)
			if (strlen(inv->groups[i]) == (size_t)(close - p - 1) &&
			    memcmp(inv->groups[i], p + 1, (size_t)(close - p -
			    1)) == 0)
				break;
		if (i == inv->ngroups) {
			inv->groups = xreallocarray(inv->groups,
			    inv->ngroups + 1, sizeof *inv->groups);
			inv->groups[inv->ngroups++] = xstrndup(p + 1,
			    (size_t)(close - p - 1));
		}
		*group = inv->groups[i];
		return 0;
	}
	if (*p == '[' && strchr(p, ']') == NULL)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: '[' without ']'",
		    name, lineno);

	memset(&h, 0, sizeof h);
	h.line = lineno;
	h.group = *group;
	if ((word = next_word(&p, &err)) == NULL)
		return set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", name,
		    lineno, err != NULL ? err : "no host");
	if (strchr(word, '=') != NULL) {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: \"%.60s\": a line "
		    "starts with the host, then KEY=VALUE settings", name,
		    lineno, word);
		free(word);
		return r;
	}
	if ((r = hostspec_parse(word, &h.user, &h.host, &h.port, &why)) != 0) {
		set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", name, lineno, why);
		free(why);
		free(word);
		return r;
	}
	h.spec = word;
	while ((word = next_word(&p, &err)) != NULL) {
		if ((eq = strchr(word, '=')) == NULL || eq == word) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: \"%.60s\": "
			    "settings are KEY=VALUE", name, lineno, word);
			free(word);
			goto fail;
		}
		*eq = '\0';
		key = inventory_alias(word);
		if (key == NULL && !known_setting(word)) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: unknown "
			    "setting \"%.60s\" (a jobfix.conf setting, or root, "
			    "agent_dir, cloudid, name, identity, known_hosts)",
			    name, lineno, word);
			free(word);
			goto fail;
		}
		h.set = xreallocarray(h.set, h.nset + 1, sizeof *h.set);
		h.set[h.nset].key = xstrdup(key != NULL ? key : word);
		h.set[h.nset].value = xstrdup(eq + 1);
		h.nset++;
		free(word);
	}
	if (err != NULL) {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", name, lineno,
		    err);
		goto fail;
	}
	if (inv->n >= INVENTORY_HOSTS_MAX) {
		r = set_cause(cause, JF_ERR_TOOBIG, "%s:%d: more than %d hosts",
		    name, lineno, INVENTORY_HOSTS_MAX);
		goto fail;
	}
	inv->hosts = xreallocarray(inv->hosts, inv->n + 1, sizeof *inv->hosts);
	inv->hosts[inv->n++] = h;
	return 0;
fail:
	host_free(&h);
	return r;
}

/* A host and the port it is reached on, for the duplicate check. */
struct host_port {
	const struct inv_host *h;
	long port;
};

static int
cmp_hosts(const void *a, const void *b)
{
	const struct host_port *x = a, *y = b;
	int c = strcmp(x->h->host, y->h->host);

	if (c != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->h->line < y->h->line ? -1 : x->h->line > y->h->line;
}

/* The port h is reached on: its own, else its ssh.port setting, else
 * defport (0: the port as written, 0 when none is). */
static long
host_port(const struct inv_host *h, int defport)
{
	long p;
	size_t i;

	if (h->port != 0 || defport == 0)
		return h->port;
	for (i = 0; i < h->nset; i++)
		if (strcmp(h->set[i].key, "ssh.port") == 0 &&
		    str_to_long(h->set[i].value, &p) == 0)
			return p;
	return defport;
}

/* A host listed twice (same address and port): sorted, so O(n log n). */
static int
check_duplicates(struct inventory *inv, int defport, char **cause)
{
	struct host_port *v;
	const struct host_port *dup = NULL;
	size_t i;
	int r = 0;

	if (inv->n < 2)
		return 0;
	v = xreallocarray(NULL, inv->n, sizeof *v);
	for (i = 0; i < inv->n; i++) {
		v[i].h = &inv->hosts[i];
		v[i].port = host_port(&inv->hosts[i], defport);
	}
	qsort(v, inv->n, sizeof *v, cmp_hosts);
	/* the second listing that comes first in the file; sorted by line
	 * within a host, v[i - 1] is then an earlier listing of it */
	for (i = 1; i < inv->n; i++)
		if (strcmp(v[i].h->host, v[i - 1].h->host) == 0 &&
		    v[i].port == v[i - 1].port && (dup == NULL ||
		    v[i].h->line < dup->h->line))
			dup = &v[i];
	if (dup != NULL) {
		const struct host_port *first = dup;
		while (first > v && strcmp(first[-1].h->host, dup->h->host) ==
		    0 && first[-1].port == dup->port)
			first--;
		r = set_cause(cause, JF_ERR_PARSE, "%s:%d: host \"%s\" is "
		    "already listed on line %d%s", inv->path, dup->h->line,
		    dup->h->spec, first->h->line, strcmp(dup->h->spec,
		    first->h->spec) != 0 ? " (the same address and port)" : "");
	}
	free(v);
	return r;
}

int
inventory_check_ports(struct inventory *inv, int defport, char **cause)
{
	return check_duplicates(inv, defport, cause);
}

struct inventory *
inventory_parse(const char *name, const char *text, size_t len, char **cause)
{
	struct inventory *inv;
	const char *p = text, *end = text + len, *nl, *group = NULL;
	char *line;
	size_t ll;
	int lineno = 0;

	inv = xcalloc(1, sizeof *inv);
	inv->path = xstrdup(name);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll > INVENTORY_LINE_MAX) {
			set_cause(cause, JF_ERR_TOOBIG, "%s:%d: line longer "
			    "than %d bytes", name, lineno, INVENTORY_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', ll) != NULL) {
			set_cause(cause, JF_ERR_PARSE, "%s:%d: binary data "
			    "(NUL byte)", name, lineno);
			goto fail;
		}
		line = xstrndup(p, ll);
		if (parse_line(inv, name, lineno, line, &group, cause) != 0) {
			free(line);
			goto fail;
		}
		free(line);
		p = nl != NULL ? nl + 1 : end;
	}
	if (check_duplicates(inv, 0, cause) != 0)
		goto fail;
	return inv;
fail:
	inventory_free(inv);
	return NULL;
}

struct inventory *
inventory_load(const char *path, char **cause)
{
	struct buf b = BUF_INIT;
	struct inventory *inv;

	if (read_file_local(path, &b, INVENTORY_FILE_MAX, cause) != 0)
		return NULL;
	inv = inventory_parse(path, b.data != NULL ? b.data : "", b.len, cause);
	buf_free(&b);
	return inv;
}
