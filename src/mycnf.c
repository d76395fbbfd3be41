/*
 * mycnf.c - MySQL/MariaDB option files, read as the server reads them and
 * edited in place.
 *
 * Read order (mysys/my_default.c in MariaDB 10.11, checked against
 * my_print_defaults 10.11):
 *  - A file is read line by line.  Leading blanks (space, \t \n \v \f \r and
 *    0xA0, the latin1 set) are skipped; a line then starting with '#' or ';'
 *    is a comment.
 *  - "!include FILE" reads FILE right there, "!includedir DIR" reads every
 *    name in DIR whose last extension is exactly ".cnf" (not ".ini", not
 *    ".CNF"; ".cnf" and "a.b.cnf" count), sorted by strcmp.  The keyword must
 *    be followed by a blank; "! include" is allowed; other '!' lines are
 *    ignored.  The server cuts the last byte of the argument when the line
 *    has no newline (end of file); we do the same and warn.  A missing FILE
 *    is skipped silently by the server (we warn); a missing DIR is an error
 *    (the server gives up the file naming it: all of them for the main file).
 *    A directory named as FILE reads as empty.  World-writable files are
 *    ignored with a warning, as the server does.
 *  - The current group belongs to the file: an included file starts with
 *    none, and the including file's group goes on after the include.
 *  - "[name]": everything up to the first ']' with trailing blanks removed
 *    (leading blanks stay: "[ mysqld]" is another group); groups compare
 *    case-insensitively.  An option before any group is an error.
 *  - Option lines: '#' outside quotes starts a comment anywhere (the server
 *    does not need a blank before it; a backslash escapes a quote only inside
 *    quotes); the first '=' before it splits name and value; both are
 *    trimmed; one pair of matching quotes around the value is removed; then
 *    \n \t \r \b \s \" \' \\ are unescaped and any other \x is kept.
 *  - The server reads at most 4094 bytes per line and splits longer lines;
 *    we refuse lines over MYCNF_LINE_MAX bytes instead of guessing.
 *  - Where the server only warns, stops reading an included file at an error,
 *    or skips directives nested deeper than 10, we stop with an error naming
 *    FILE:LINE: we would rather not edit what we cannot read as it does.
 *    Cycles are errors (the server just re-reads until depth 10).
 *
 * The model: every file is kept as its lines, each with its own bytes and
 * line ending, so an untouched line is written back byte for byte.  A walk
 * over the cached files (no I/O after loading) lists every option occurrence
 * in read order: (file, line, group, name, value).  The last occurrence in
 * any wanted group wins.
 *
 * Set algorithm (mycnf_set):
 *  1. Find the winner.  If it already has the value, do nothing.
 *  2. If there is a winner, rewrite its line in place: the name keeps its
 *     spelling (event-scheduler, loose-event_scheduler) except that a skip-,
 *     disable- or enable- prefix is dropped (it would negate the value); the
 *     blanks around '=', the trailing blanks, the comment and the line ending
 *     stay.  A bare option gets "=value" after its name.
 *  3. Otherwise add "option=value" to the main file's first section of
 *     groups[0], after its last option or directive line (so blank lines and
 *     comments before the next section stay with it), or right after the
 *     header; with no such section, append "[group]" and the line at the end
 *     of the main file.  New lines use the file's line ending; a missing
 *     final newline stays missing.  A '!' directive on a last line without
 *     newline never gets one (the server would then read one more byte of
 *     its path): the new lines go just before it instead.
 *  4. Walk again and rewrite every matching occurrence read after the one
 *     just written (later in the file, or in an include read later).
 *  5. Walk again and check that the value wins; if not, or if any step
 *     fails, every file is restored as it was.
 * Values are written bare when that reads back unchanged, else in double
 * quotes with \\ \" \n \r escaped; every rewritten line is parsed again and
 * must give exactly the value asked for.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mycnf.h"

struct mline {
	char *text; /* the bytes of the line with its '\n', NUL-terminated */
	size_t len;
};

struct mfile {
	char *path;
	struct mline *lines;
	size_t nlines;
	int changed;
};

/* What a path turned out to be when it was first read. */
enum mpath_kind { MP_FILE, MP_MISSING, MP_SKIP };
struct mpath {
	char *path;
	enum mpath_kind kind;
	size_t file; /* MP_FILE: index into files */
};

/* An !includedir directory: the full paths it includes, in order. */
struct mdir {
	char *path;
	char **paths;
	size_t n;
};

struct mentry {
	size_t file;
	size_t line; /* 0-based */
	char *group;
	char *name;
	char *value; /* NULL: bare option */
	int secret;
};

struct mycnf {
	struct transport *t; /* only while loading */
	int loading;
	struct mfile *files;
	size_t nfiles;
	struct mpath *paths;
	size_t npaths;
	struct mdir *dirs;
	size_t ndirs;
	struct mentry *entries;
	size_t nentries, centries;
	size_t nreads;
	const char *stack[MYCNF_DEPTH_MAX + 1];
	struct buf warnings;
};

/* One line as the server sees it. */
enum lkind { LK_EMPTY, LK_DIRECTIVE, LK_GROUP, LK_OPTION };
enum ldir { LD_UNKNOWN, LD_INCLUDE, LD_INCLUDEDIR };
struct lparse {
	enum lkind kind;
	enum ldir directive;
	size_t a, b;   /* directive argument, group name or option name */
	int has_value;
	size_t eq;     /* offset of '=' */
	size_t vs, ve; /* the value as written (quotes included), trimmed */
};

static int
l1space(int c)
{
	/* my_isspace() with the latin1 table the server uses. */
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

#define SP(s, i) l1space((unsigned char)(s)[i])

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
group_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static int
optch(int c)
{
	c = lower(c);
	return c == '-' ? '_' : c;
}

/* Option names: case-insensitive, '-' equals '_'; n bytes of a, all of b. */
static int
opt_eqn(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || optch((unsigned char)a[i]) !=
		    optch((unsigned char)b[i]))
			return 0;
	return b[n] == '\0';
}

static int
opt_prefix(const char *a, size_t alen, const char *pfx)
{
	size_t n = strlen(pfx);

	return alen >= n && opt_eqn(a, n, pfx);
}

/*
 * Does the option name as written (a, n bytes) set option q (without
 * "loose-")?  Returns 0, MATCH_DIRECT, MATCH_OFF (skip-, disable-) or
 * MATCH_ON (enable-); *skip is how many bytes of prefix precede the name
 * proper, *loose how many of them are "loose-".
 */
enum { MATCH_NONE, MATCH_DIRECT, MATCH_OFF, MATCH_ON };
static int
name_match(const char *a, size_t n, const char *q, size_t *loose, size_t *skip)
{
	static const struct {
		const char *pfx;
		int kind;
	} pfx[] = {
		{ "skip_", MATCH_OFF }, { "disable_", MATCH_OFF },
		{ "enable_", MATCH_ON },
	};
	size_t l = 0, i, pl;

	if (opt_prefix(a, n, "loose_"))
		l = 6;
	if (loose != NULL)
		*loose = l;
	if (skip != NULL)
		*skip = l;
	if (opt_eqn(a + l, n - l, q))
		return MATCH_DIRECT;
	for (i = 0; i < nitems(pfx); i++) {
		pl = strlen(pfx[i].pfx);
		if (opt_prefix(a + l, n - l, pfx[i].pfx) &&
		    opt_eqn(a + l + pl, n - l - pl, q)) {
			if (skip != NULL)
				*skip = l + pl;
			return pfx[i].kind;
		}
	}
	return MATCH_NONE;
}

/* The query without a "loose-" prefix. */
static const char *
query_name(const char *option)
{
	if (opt_prefix(option, strlen(option), "loose_"))
		return option + 6;
	return option;
}

/*
 * Parse one line: s holds len bytes (its '\n' included when it has one) and
 * s[len] is NUL.  Offsets refer to s.  Returns 0 or a message.
 */
static const char *
parse_line(const char *s, size_t len, struct lparse *lp)
{
	size_t p = 0, q, a, c, i, end, v, ve;
	int quote = 0, esc = 0;
	const char *eqp;

	memset(lp, 0, sizeof *lp);
	while (p < len && SP(s, p))
		p++;
	if (p == len || s[p] == '#' || s[p] == ';') {
		lp->kind = LK_EMPTY;
		return NULL;
	}
	if (s[p] == '!') {
		lp->kind = LK_DIRECTIVE;
		for (q = p + 1; q < len && SP(s, q); q++)
			;
		if (len - q > 10 && memcmp(s + q, "includedir", 10) == 0 &&
		    SP(s, q + 10)) {
			lp->directive = LD_INCLUDEDIR;
			a = q + 10;
		} else if (len - q > 7 && memcmp(s + q, "include", 7) == 0 &&
		    SP(s, q + 7)) {
			lp->directive = LD_INCLUDE;
			a = q + 7;
		} else {
			lp->directive = LD_UNKNOWN;
			return NULL;
		}
		/* get_argument(): the last byte is taken for the newline. */
		while (a < len && SP(s, a))
			a++;
		end = len - 1;
		while (SP(s, end - 1))
			end--;
		if (end <= a)
			return lp->directive == LD_INCLUDE ?
			    "'!include' without a file" :
			    "'!includedir' without a directory";
		lp->a = a;
		lp->b = end;
		return NULL;
	}
	if (s[p] == '[') {
		const char *r = memchr(s + p + 1, ']', len - p - 1);

		if (r == NULL)
			return "group without a closing ']'";
		end = (size_t)(r - s);
		while (SP(s, end - 1))
			end--;
		lp->kind = LK_GROUP;
		lp->a = p + 1;
		lp->b = end;
		return NULL;
	}
	lp->kind = LK_OPTION;
	/* remove_end_comment() */
	c = len;
	for (i = p; i < len; i++) {
		if ((s[i] == '\'' || s[i] == '"') && !esc) {
			if (!quote)
				quote = s[i];
			else if (quote == s[i])
				quote = 0;
		}
		if (!quote && s[i] == '#') {
			c = i;
			break;
		}
		esc = quote && s[i] == '\\' && !esc;
	}
	eqp = memchr(s + p, '=', c - p);
	end = eqp != NULL ? (size_t)(eqp - s) : c;
	while (end > p && SP(s, end - 1))
		end--;
	lp->a = p;
	lp->b = end;
	if (eqp == NULL)
		return NULL;
	lp->has_value = 1;
	lp->eq = (size_t)(eqp - s);
	for (v = lp->eq + 1; v < c && SP(s, v); v++)
		;
	for (ve = c; ve > lp->eq + 1 && SP(s, ve - 1); ve--)
		;
	if (ve < v)
		ve = v;
	lp->vs = v;
	lp->ve = ve;
	return NULL;
}

/* The value the server gets from a raw value: unquoted and unescaped. */
static char *
unquote(const char *s, size_t v, size_t ve)
{
	char *out, *o;

	if ((s[v] == '"' || s[v] == '\'') && v + 1 < ve && s[v] == s[ve - 1]) {
		v++;
		ve--;
	}
	out = o = xmalloc(ve - v + 1);
	for (; v < ve; v++) {
		if (s[v] == '\\' && v != ve - 1) {
			switch (s[++v]) {
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'r': *o++ = '\r'; break;
			case 'b': *o++ = '\b'; break;
			case 's': *o++ = ' '; break;
			case '"': *o++ = '"'; break;
			case '\'': *o++ = '\''; break;
			case '\\': *o++ = '\\'; break;
			default:
				*o++ = '\\';
				*o++ = s[v];
				break;
			}
		} else
			*o++ = s[v];
	}
	*o = '\0';
	return out;
}

char *
mycnf_quote_value(const char *value)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(value), i;
	int plain = 1;

	if (n > 0 && (SP(value, 0) || SP(value, n - 1)))
		plain = 0;
	for (i = 0; i < n && plain; i++)
		if (strchr("#'\"\\\n\r", value[i]) != NULL)
			plain = 0;
	if (plain)
		return xstrdup(value);
	buf_init(&b, 0);
	buf_addch(&b, '"');
	for (i = 0; i < n; i++) {
		switch (value[i]) {
		case '\\': buf_addstr(&b, "\\\\"); break;
		case '"': buf_addstr(&b, "\\\""); break;
		case '\n': buf_addstr(&b, "\\n"); break;
		case '\r': buf_addstr(&b, "\\r"); break;
		default: buf_addch(&b, value[i]); break;
		}
	}
	buf_addch(&b, '"');
	return buf_detach(&b);
}

/* Collapse "//" and "/./", drop a trailing '/'. */
static char *
path_clean(const char *in)
{
	char *out = xstrdup(in), *o = out;
	const char *s = in;

	while (*s != '\0') {
		if (*s == '/' && o > out && o[-1] == '/') {
			s++;
			continue;
		}
		if (*s == '.' && o > out && o[-1] == '/' &&
		    (s[1] == '/' || s[1] == '\0')) {
			s++;
			continue;
		}
		*o++ = *s++;
	}
	while (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

static void
warn(struct mycnf *m, const char *fmt, ...) JF_PRINTF(2, 3);
static void
warn(struct mycnf *m, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!m->loading)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_addstr(&m->warnings, s);
	buf_addch(&m->warnings, '\n');
	free(s);
}

static void
entry_clear(struct mentry *e)
{
	free(e->group);
	free(e->name);
	if (e->secret)
		free_secret(e->value);
	else
		free(e->value);
}

static void
entries_clear(struct mycnf *m)
{
	size_t i;

	for (i = 0; i < m->nentries; i++)
		entry_clear(&m->entries[i]);
	free(m->entries);
	m->entries = NULL;
	m->nentries = m->centries = 0;
}

static void
lines_free(struct mline *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i].text);
	free(l);
}

static char *
line_dup(const char *s, size_t len)
{
	char *t = xmalloc(len + 1);

	memcpy(t, s, len);
	t[len] = '\0';
	return t;
}

/* Split data into lines; NUL bytes and over-long lines are errors. */
static int
split_lines(const char *path, const char *data, size_t len, struct mfile *f,
    char **cause)
{
	size_t off = 0, n, cap = 0, content;
	const char *nl, *z;

	if ((z = memchr(data, '\0', len)) != NULL) {
		size_t line = 1, i;

		for (i = 0; i < (size_t)(z - data); i++)
			line += data[i] == '\n';
		return set_cause(cause, JF_ERR_PARSE,
		    "%s:%zu: NUL byte: not a text option file", path, line);
	}
	while (off < len) {
		nl = memchr(data + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - data) + 1 - off : len - off;
		content = nl != NULL ? n - 1 : n;
		if (content > MYCNF_LINE_MAX)
			return set_cause(cause, JF_ERR_TOOBIG,
			    "%s:%zu: line longer than %d bytes (the server "
			    "splits it)", path, f->nlines + 1, MYCNF_LINE_MAX);
		if (f->nlines == cap) {
			cap = cap ? cap * 2 : 32;
			f->lines = xreallocarray(f->lines, cap,
			    sizeof *f->lines);
		}
		f->lines[f->nlines].text = line_dup(data + off, n);
		f->lines[f->nlines].len = n;
		f->nlines++;
		off += n;
	}
	return 0;
}

static struct mpath *
path_find(struct mycnf *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->npaths; i++)
		if (strcmp(m->paths[i].path, path) == 0)
			return &m->paths[i];
	return NULL;
}

static struct mpath *
path_add(struct mycnf *m, const char *path, enum mpath_kind kind, size_t file)
{
	struct mpath *p;

	m->paths = xreallocarray(m->paths, m->npaths + 1, sizeof *m->paths);
	p = &m->paths[m->npaths++];
	p->path = xstrdup(path);
	p->kind = kind;
	p->file = file;
	return p;
}

/* First read of a path through the transport. */
static int
path_load(struct mycnf *m, const char *path, int depth, struct mpath **out,
    char **cause)
{
	struct transport *t = m->t;
	struct tstat st;
	struct buf b = BUF_INIT;
	struct mfile f;
	char *c = NULL;
	int r;

	if (t == NULL)
		return set_cause(cause, JF_ERR_USAGE,
		    "%s: not read when the files were loaded", path);
	if (t->ops->stat != NULL) {
		memset(&st, 0, sizeof st);
		if ((r = t->ops->stat(t, path, &st, cause)) != 0)
			return r;
		if (!st.exists) {
			*out = path_add(m, path, MP_MISSING, 0);
			return 0;
		}
		if (S_ISDIR(st.mode)) {
			if (depth == 0)
				return set_cause(cause, JF_ERR_PARSE,
				    "%s: is a directory", path);
			*out = path_add(m, path, MP_SKIP, 0);
			return 0;
		}
		if (S_ISREG(st.mode) && (st.mode & S_IWOTH)) {
			warn(m, "%s: world-writable: the server ignores it",
			    path);
			*out = path_add(m, path, MP_SKIP, 0);
			return 0;
		}
	}
	buf_init(&b, MYCNF_FILE_MAX + 1);
	r = t->ops->read_file(t, path, &b, MYCNF_FILE_MAX + 1, &c);
	if (r == -JF_ERR_NOTFOUND) {
		free(c);
		buf_free(&b);
		*out = path_add(m, path, MP_MISSING, 0);
		return 0;
	}
	if (r == -JF_ERR_TOOBIG || (r == 0 && b.len > MYCNF_FILE_MAX)) {
		free(c);
		buf_free(&b);
		return set_cause(cause, JF_ERR_TOOBIG,
		    "%s: larger than %zu bytes", path, MYCNF_FILE_MAX);
	}
	if (r != 0) {
		buf_free(&b);
		if (cause != NULL)
			*cause = c;
		else
			free(c);
		return r;
	}
	if (m->nfiles >= MYCNF_FILES_MAX) {
		buf_free(&b);
		return set_cause(cause, JF_ERR_TOOBIG,
		    "%s: more than %d option files", path, MYCNF_FILES_MAX);
	}
	memset(&f, 0, sizeof f);
	if ((r = split_lines(path, b.data ? b.data : "", b.len, &f,
	    cause)) != 0) {
		lines_free(f.lines, f.nlines);
		buf_free(&b);
		return r;
	}
	buf_free(&b);
	f.path = xstrdup(path);
	m->files = xreallocarray(m->files, m->nfiles + 1, sizeof *m->files);
	m->files[m->nfiles] = f;
	*out = path_add(m, path, MP_FILE, m->nfiles);
	m->nfiles++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files an !includedir reads, listed once and kept. */
static int
dir_get(struct mycnf *m, const char *dir, struct mdir **out,
    const char *from, size_t line, char **cause)
{
	struct mdir *d;
	char **names = NULL, *c = NULL;
	const char *ext;
	size_t n = 0, i;
	int r;

	for (i = 0; i < m->ndirs; i++)
		if (strcmp(m->dirs[i].path, dir) == 0) {
			*out = &m->dirs[i];
			return 0;
		}
	if (m->t == NULL || m->t->ops->list_dir == NULL)
		return set_cause(cause, JF_ERR_USAGE,
		    "%s:%zu: '%s' cannot be listed", from, line, dir);
	if ((r = m->t->ops->list_dir(m->t, dir, &names, &n, &c)) != 0) {
		r = set_cause(cause, -r, "%s:%zu: !includedir '%s': %s "
		    "(the server stops here too)", from, line, dir,
		    c ? c : "cannot list");
		free(c);
		return r;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	m->dirs = xreallocarray(m->dirs, m->ndirs + 1, sizeof *m->dirs);
	d = &m->dirs[m->ndirs++];
	d->path = xstrdup(dir);
	d->paths = NULL;
	d->n = 0;
	for (i = 0; i < n; i++) {
		ext = strrchr(names[i], '.');
		if (ext == NULL || strcmp(ext, ".cnf") != 0)
			continue;
		d->paths = xreallocarray(d->paths, d->n + 1, sizeof *d->paths);
		d->paths[d->n++] = path_join(dir, names[i]);
	}
	names_free(names, n);
	*out = d;
	return 0;
}

static int walk(struct mycnf *, const char *, int, const char *, size_t,
    char **);

static int
walk_directive(struct mycnf *m, size_t fi, size_t li,
    const struct lparse *lp, int depth, char **cause)
{
	/* The path string stays put when m->files grows; the struct not. */
	const char *fpath = m->files[fi].path;
	const struct mline *l = &m->files[fi].lines[li];
	char *arg, *path = NULL, *p;
	struct mdir *d = NULL;
	size_t i, di;
	int r = 0;

	if (lp->directive == LD_UNKNOWN) {
		warn(m, "%s:%zu: unknown directive ignored", fpath, li + 1);
		return 0;
	}
	if (depth >= MYCNF_DEPTH_MAX)
		return set_cause(cause, JF_ERR_PARSE, "%s:%zu: includes nested "
		    "deeper than %d", fpath, li + 1, MYCNF_DEPTH_MAX);
	arg = xstrndup(l->text + lp->a, lp->b - lp->a);
	if (l->text[l->len - 1] != '\n')
		warn(m, "%s:%zu: no newline at the end: the server reads the "
		    "path as '%s'", fpath, li + 1, arg);
	if (arg[0] != '/') {
		r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: relative path '%s': "
		    "the server resolves it from its working directory",
		    fpath, li + 1, arg);
		goto out;
	}
	path = path_clean(arg);
	if (lp->directive == LD_INCLUDE) {
		r = walk(m, path, depth + 1, fpath, li + 1, cause);
		goto out;
	}
	if ((r = dir_get(m, path, &d, fpath, li + 1, cause)) != 0)
		goto out;
	di = (size_t)(d - m->dirs);
	for (i = 0; i < m->dirs[di].n; i++) {
		/* m->dirs may move when walk() lists more directories. */
		p = xstrdup(m->dirs[di].paths[i]);
		r = walk(m, p, depth + 1, fpath, li + 1, cause);
		free(p);
		if (r != 0)
			goto out;
	}
out:
	free(arg);
	free(path);
	return r;
}

static int
walk(struct mycnf *m, const char *path, int depth, const char *from,
    size_t fromline, char **cause)
{
	struct mpath *mp;
	struct mfile *f;
	struct lparse lp;
	struct mentry *e;
	const char *err, *s;
	char *group = NULL;
	size_t fi, li;
	int i, r = 0;

	for (i = 0; i < depth; i++)
		if (strcmp(m->stack[i], path) == 0)
			return set_cause(cause, JF_ERR_PARSE, "%s:%zu: include "
			    "cycle: '%s' is already being read", from,
			    fromline, path);
	if ((mp = path_find(m, path)) == NULL &&
	    (r = path_load(m, path, depth, &mp, cause)) != 0)
		return r;
	if (mp->kind == MP_MISSING) {
		if (depth == 0)
			return set_cause(cause, JF_ERR_NOTFOUND,
			    "%s: no such file", path);
		warn(m, "%s:%zu: included file '%s' does not exist (the "
		    "server skips it)", from, fromline, path);
		return 0;
	}
	if (mp->kind == MP_SKIP)
		return 0;
	if (++m->nreads > MYCNF_READS_MAX)
		return set_cause(cause, JF_ERR_TOOBIG, "%s:%zu: more than %d "
		    "option files read", from, fromline, MYCNF_READS_MAX);
	fi = mp->file;
	m->stack[depth] = m->files[fi].path;
	for (li = 0; li < m->files[fi].nlines; li++) {
		f = &m->files[fi];
		s = f->lines[li].text;
		if ((err = parse_line(s, f->lines[li].len, &lp)) != NULL) {
			r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: %s",
			    f->path, li + 1, err);
			goto out;
		}
		switch (lp.kind) {
		case LK_EMPTY:
			break;
		case LK_DIRECTIVE:
			if ((r = walk_directive(m, fi, li, &lp, depth,
			    cause)) != 0)
				goto out;
			break;
		case LK_GROUP:
			free(group);
			group = xstrndup(s + lp.a, lp.b - lp.a);
			break;
		case LK_OPTION:
			if (group == NULL) {
				r = set_cause(cause, JF_ERR_PARSE, "%s:%zu: "
				    "option before any [group]", f->path,
				    li + 1);
				goto out;
			}
			if (m->nentries == m->centries) {
				m->centries = m->centries ?
				    m->centries * 2 : 64;
				m->entries = xreallocarray(m->entries,
				    m->centries, sizeof *m->entries);
			}
			e = &m->entries[m->nentries++];
			memset(e, 0, sizeof *e);
			e->file = fi;
			e->line = li;
			e->group = xstrdup(group);
			e->name = xstrndup(s + lp.a, lp.b - lp.a);
			if (lp.has_value)
				e->value = unquote(s, lp.vs, lp.ve);
			if (e->value != NULL && is_secret_key(e->name)) {
				e->secret = 1;
				secret_register(e->value);
			}
			break;
		}
	}
out:
	free(group);
	return r;
}

/* Build the list of occurrences again from the cached files. */
static int
rewalk(struct mycnf *m, const char *main_path, char **cause)
{
	entries_clear(m);
	m->nreads = 0;
	return walk(m, main_path, 0, main_path, 0, cause);
}

int
mycnf_load(struct transport *t, const char *path, struct mycnf **out,
    char **cause)
{
	struct mycnf *m;
	char *p;
	int r;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return set_cause(cause, JF_ERR_USAGE, "no option file given");
	m = xcalloc(1, sizeof *m);
	buf_init(&m->warnings, 0);
	m->t = t;
	m->loading = 1;
	p = path_clean(path);
	r = rewalk(m, p, cause);
	free(p);
	m->t = NULL;
	m->loading = 0;
	if (r != 0) {
		mycnf_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void
mycnf_free(struct mycnf *m)
{
	size_t i;

	if (m == NULL)
		return;
	entries_clear(m);
	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		lines_free(m->files[i].lines, m->files[i].nlines);
	}
	free(m->files);
	for (i = 0; i < m->npaths; i++)
		free(m->paths[i].path);
	free(m->paths);
	for (i = 0; i < m->ndirs; i++) {
		names_free(m->dirs[i].paths, m->dirs[i].n);
		free(m->dirs[i].path);
	}
	free(m->dirs);
	buf_free(&m->warnings);
	free(m);
}

const char *
mycnf_warnings(const struct mycnf *m)
{
	return m->warnings.data != NULL ? m->warnings.data : "";
}

static int
in_groups(const char *group, const char *const *groups)
{
	for (; *groups != NULL; groups++)
		if (group_eq(group, *groups))
			return 1;
	return 0;
}

/* The value an occurrence gives option q, or NULL if it does not set q. */
static const char *
entry_value(const struct mentry *e, const char *q, int *has_value)
{
	int k = name_match(e->name, strlen(e->name), q, NULL, NULL);
	int zero = e->value != NULL && strcmp(e->value, "0") == 0;

	*has_value = 1;
	switch (k) {
	case MATCH_DIRECT:
		*has_value = e->value != NULL;
		return e->value != NULL ? e->value : "";
	case MATCH_OFF:
		return zero ? "1" : "0";
	case MATCH_ON:
		return zero ? "0" : "1";
	}
	return NULL;
}

/* Index of the winning occurrence, or -1. */
static long
find_winner(const struct mycnf *m, const char *const *groups, const char *q,
    size_t from)
{
	size_t i;
	int hv;

	for (i = m->nentries; i > from; i--)
		if (in_groups(m->entries[i - 1].group, groups) &&
		    entry_value(&m->entries[i - 1], q, &hv) != NULL)
			return (long)(i - 1);
	return -1;
}

int
mycnf_lookup(const struct mycnf *m, const char *const *groups,
    const char *option, struct mycnf_hit *hit)
{
	const struct mentry *e;
	const char *q = query_name(option);
	long w;

	memset(hit, 0, sizeof *hit);
	if ((w = find_winner(m, groups, q, 0)) < 0)
		return 0;
	e = &m->entries[w];
	hit->value = entry_value(e, q, &hit->has_value);
	hit->name = e->name;
	hit->group = e->group;
	hit->file = m->files[e->file].path;
	hit->line = (int)e->line + 1;
	return 1;
}

const char *
mycnf_get(const struct mycnf *m, const char *const *groups,
    const char *option, const char **file, int *line)
{
	struct mycnf_hit h;

	if (!mycnf_lookup(m, groups, option, &h))
		return NULL;
	if (file != NULL)
		*file = h.file;
	if (line != NULL)
		*line = h.line;
	return h.value;
}

size_t
mycnf_noptions(const struct mycnf *m)
{
	return m->nentries;
}

int
mycnf_option(const struct mycnf *m, size_t i, struct mycnf_hit *hit)
{
	const struct mentry *e;

	memset(hit, 0, sizeof *hit);
	if (i >= m->nentries)
		return 0;
	e = &m->entries[i];
	hit->value = e->value != NULL ? e->value : "";
	hit->has_value = e->value != NULL;
	hit->name = e->name;
	hit->group = e->group;
	hit->file = m->files[e->file].path;
	hit->line = (int)e->line + 1;
	return 1;
}

size_t
mycnf_nfiles(const struct mycnf *m)
{
	return m->nfiles;
}

const char *
mycnf_file_path(const struct mycnf *m, size_t i)
{
	return i < m->nfiles ? m->files[i].path : NULL;
}

int
mycnf_file_changed(const struct mycnf *m, size_t i)
{
	return i < m->nfiles ? m->files[i].changed : 0;
}

int
mycnf_file_serialize(const struct mycnf *m, size_t i, struct buf *out)
{
	const struct mfile *f;
	size_t li;
	int r;

	if (i >= m->nfiles)
		return -JF_ERR_USAGE;
	f = &m->files[i];
	for (li = 0; li < f->nlines; li++)
		if ((r = buf_add(out, f->lines[li].text, f->lines[li].len)) != 0)
			return r;
	return 0;
}

/* Editing. */

static int
line_has_nl(const struct mline *l)
{
	return l->len > 0 && l->text[l->len - 1] == '\n';
}

static const char *
file_eol(const struct mfile *f)
{
	size_t i;
	const struct mline *l;

	for (i = 0; i < f->nlines; i++) {
		l = &f->lines[i];
		if (l->len > 0 && l->text[l->len - 1] == '\n')
			return l->len > 1 && l->text[l->len - 2] == '\r' ?
			    "\r\n" : "\n";
	}
	return "\n";
}

static void
line_set(struct mfile *f, size_t li, char *text)
{
	free(f->lines[li].text);
	f->lines[li].text = text;
	f->lines[li].len = strlen(text);
	f->changed = 1;
}

static void
line_insert(struct mfile *f, size_t at, char *text)
{
	f->lines = xreallocarray(f->lines, f->nlines + 1, sizeof *f->lines);
	memmove(&f->lines[at + 1], &f->lines[at],
	    (f->nlines - at) * sizeof *f->lines);
	f->lines[at].text = text;
	f->lines[at].len = strlen(text);
	f->nlines++;
	f->changed = 1;
}

/* Does text (one line) set q directly to value? */
static int
line_check(const char *text, const char *q, const char *value)
{
	struct lparse lp;
	char *v;
	int ok;

	if (parse_line(text, strlen(text), &lp) != NULL ||
	    lp.kind != LK_OPTION || !lp.has_value ||
	    name_match(text + lp.a, lp.b - lp.a, q, NULL, NULL) !=
	    MATCH_DIRECT)
		return 0;
	v = unquote(text, lp.vs, lp.ve);
	ok = strcmp(v, value) == 0;
	free(v);
	return ok;
}

static int
line_length_ok(const struct mfile *f, size_t li, const char *text, char **cause)
{
	size_t n = strlen(text);

	if (n > 0 && text[n - 1] == '\n')
		n--;
	if (n > MYCNF_LINE_MAX)
		return set_cause(cause, JF_ERR_TOOBIG, "%s:%zu: the new line "
		    "would be longer than %d bytes", f->path, li + 1,
		    MYCNF_LINE_MAX);
	return 0;
}

/* Rewrite one option line so it sets q to the (already quoted) value. */
static int
rewrite_line(struct mycnf *m, size_t fi, size_t li, const char *q,
    const char *value, const char *enc, char **cause)
{
	struct mfile *f = &m->files[fi];
	const char *s = f->lines[li].text;
	size_t len = f->lines[li].len, loose, skip, vs, ve;
	struct lparse lp;
	struct buf b = BUF_INIT;
	char *text;
	int r;

	if (parse_line(s, len, &lp) != NULL || lp.kind != LK_OPTION ||
	    name_match(s + lp.a, lp.b - lp.a, q, &loose, &skip) == MATCH_NONE)
		return set_cause(cause, JF_ERR_CHANGED, "%s:%zu: not an "
		    "option line for '%s' any more", f->path, li + 1, q);
	if (line_check(s, q, value))
		return 0;
	buf_init(&b, 0);
	buf_add(&b, s, lp.a + loose);
	buf_add(&b, s + lp.a + skip, lp.b - lp.a - skip);
	if (lp.has_value) {
		vs = lp.vs;
		ve = lp.ve;
		if (vs == ve)
			vs = ve = lp.eq + 1;
		buf_add(&b, s + lp.b, vs - lp.b);
		buf_addstr(&b, enc);
		buf_add(&b, s + ve, len - ve);
	} else {
		buf_addch(&b, '=');
		buf_addstr(&b, enc);
		buf_add(&b, s + lp.b, len - lp.b);
	}
	text = buf_detach(&b);
	if ((r = line_length_ok(f, li, text, cause)) != 0) {
		free(text);
		return r;
	}
	if (!line_check(text, q, value)) {
		free(text);
		return set_cause(cause, JF_ERR_PARSE, "%s:%zu: cannot write "
		    "the value so that it reads back unchanged", f->path,
		    li + 1);
	}
	line_set(f, li, text);
	return 0;
}

/*
 * Add "option=value" to the main file's first [group] section, or a new
 * section at its end.  *at is the index of the new line.
 */
static int
insert_option(struct mycnf *m, const char *group, const char *option,
    const char *q, const char *value, const char *enc, size_t *at,
    char **cause)
{
	struct mfile *f = &m->files[0];
	const char *eol = file_eol(f);
	struct lparse lp;
	size_t li, last = 0, n, at0;
	int found = 0, final_nl, tail_dir, r;
	char *text, *g;

	for (li = 0; li < f->nlines; li++) {
		if (parse_line(f->lines[li].text, f->lines[li].len, &lp) !=
		    NULL)
			continue;
		if (lp.kind == LK_GROUP) {
			if (found)
				break;
			g = xstrndup(f->lines[li].text + lp.a, lp.b - lp.a);
			found = group_eq(g, group);
			free(g);
			if (found)
				last = li;
		} else if (found &&
		    (lp.kind == LK_OPTION || lp.kind == LK_DIRECTIVE))
			last = li;
	}
	n = f->nlines;
	final_nl = n == 0 || line_has_nl(&f->lines[n - 1]);
	/*
	 * A directive on a last line without a newline must not get one: the
	 * server would read its argument one byte longer (and "!include"
	 * alone would become an error).  New lines then go before it.
	 */
	tail_dir = !final_nl && parse_line(f->lines[n - 1].text,
	    f->lines[n - 1].len, &lp) == NULL && lp.kind == LK_DIRECTIVE;
	if (found) {
		struct mline *l = &f->lines[last];

		if (line_has_nl(l)) {
			text = xasprintf("%s=%s%s", option, enc,
			    l->len > 1 && l->text[l->len - 2] == '\r' ?
			    "\r\n" : "\n");
			*at = last + 1;
		} else if (tail_dir) {
			text = xasprintf("%s=%s%s", option, enc, eol);
			*at = last;
		} else {
			/* The last line of the file, no final newline. */
			line_set(f, last, xasprintf("%s%s", l->text, eol));
			text = xasprintf("%s=%s", option, enc);
			*at = last + 1;
		}
	} else {
		at0 = tail_dir ? n - 1 : n;
		if (!final_nl && !tail_dir)
			line_set(f, n - 1, xasprintf("%s%s",
			    f->lines[n - 1].text, eol));
		/* A blank line before the new section. */
		if (at0 > 0 && strspn(f->lines[at0 - 1].text, " \t\r\n") !=
		    f->lines[at0 - 1].len)
			line_insert(f, at0++, xstrdup(eol));
		line_insert(f, at0++, xasprintf("[%s]%s", group, eol));
		text = xasprintf("%s=%s%s", option, enc,
		    final_nl || tail_dir ? eol : "");
		*at = at0;
	}
	if ((r = line_length_ok(f, *at, text, cause)) != 0 ||
	    !line_check(text, q, value)) {
		if (r == 0)
			r = set_cause(cause, JF_ERR_PARSE, "%s: cannot write "
			    "'%s' so that it reads back unchanged", f->path,
			    option);
		free(text);
		return r;
	}
	line_insert(f, *at, text);
	return 0;
}

struct snapshot {
	struct mline *lines;
	size_t nlines;
	int changed;
};

static struct snapshot *
snapshot_take(const struct mycnf *m)
{
	struct snapshot *s = xcalloc(m->nfiles ? m->nfiles : 1, sizeof *s);
	size_t i, j;

	for (i = 0; i < m->nfiles; i++) {
		s[i].nlines = m->files[i].nlines;
		s[i].changed = m->files[i].changed;
		s[i].lines = xcalloc(s[i].nlines ? s[i].nlines : 1,
		    sizeof *s[i].lines);
		for (j = 0; j < s[i].nlines; j++) {
			s[i].lines[j].len = m->files[i].lines[j].len;
			s[i].lines[j].text = line_dup(m->files[i].lines[j].text,
			    m->files[i].lines[j].len);
		}
	}
	return s;
}

/* Put the files back (restore) or just drop the snapshot. */
static void
snapshot_end(struct mycnf *m, struct snapshot *s, int restore)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++) {
		if (restore) {
			lines_free(m->files[i].lines, m->files[i].nlines);
			m->files[i].lines = s[i].lines;
			m->files[i].nlines = s[i].nlines;
			m->files[i].changed = s[i].changed;
		} else
			lines_free(s[i].lines, s[i].nlines);
	}
	free(s);
}

static int
option_name_ok(const char *option)
{
	const char *p;

	if (*option == '\0')
		return 0;
	for (p = option; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

int
mycnf_set(struct mycnf *m, const char *const *groups, const char *option,
    const char *value, char **cause)
{
	struct snapshot *snap;
	struct mycnf_hit h;
	const struct mentry *e;
	const char *q;
	char *enc = NULL, *main_path;
	size_t i, at = 0, n, from;
	long w;
	int r = 0, hv;

	if (groups == NULL || groups[0] == NULL || groups[0][0] == '\0' ||
	    strchr(groups[0], ']') != NULL || strpbrk(groups[0], "\r\n"))
		return set_cause(cause, JF_ERR_USAGE, "mycnf_set: bad group");
	if (option == NULL || !option_name_ok(option))
		return set_cause(cause, JF_ERR_USAGE, "mycnf_set: bad option "
		    "name '%s'", option ? option : "(null)");
	if (value == NULL)
		return set_cause(cause, JF_ERR_USAGE, "mycnf_set: no value");
	if (m->nfiles == 0)
		return set_cause(cause, JF_ERR_USAGE, "mycnf_set: no file");
	q = query_name(option);
	if (*q == '\0')
		return set_cause(cause, JF_ERR_USAGE, "mycnf_set: bad option "
		    "name '%s'", option);
	if (mycnf_lookup(m, groups, option, &h) && h.has_value &&
	    strcmp(h.value, value) == 0)
		return 0;
	if (is_secret_key(q))
		secret_register(value);
	enc = mycnf_quote_value(value);
	main_path = xstrdup(m->files[0].path);
	snap = snapshot_take(m);
	if ((w = find_winner(m, groups, q, 0)) >= 0) {
		e = &m->entries[w];
		if ((r = rewrite_line(m, e->file, e->line, q, value, enc,
		    cause)) != 0)
			goto out;
		from = (size_t)w + 1;
	} else {
		if ((r = insert_option(m, groups[0], option, q, value, enc,
		    &at, cause)) != 0)
			goto out;
		if ((r = rewalk(m, main_path, cause)) != 0)
			goto out;
		for (from = 0; from < m->nentries; from++)
			if (m->entries[from].file == 0 &&
			    m->entries[from].line == at)
				break;
		from++;
	}
	/* Every later occurrence that would override the new value. */
	n = m->nentries;
	for (i = from; i < n; i++) {
		e = &m->entries[i];
		if (!in_groups(e->group, groups) ||
		    entry_value(e, q, &hv) == NULL)
			continue;
		if ((r = rewrite_line(m, e->file, e->line, q, value, enc,
		    cause)) != 0)
			goto out;
	}
	if ((r = rewalk(m, main_path, cause)) != 0)
		goto out;
	if (!mycnf_lookup(m, groups, option, &h) || !h.has_value ||
	    strcmp(h.value, value) != 0)
		r = set_cause(cause, JF_ERR_CHANGED, "%s: '%s' still does not "
		    "win after the edit", main_path, option);
out:
	snapshot_end(m, snap, r != 0);
	if (r != 0) {
		char *c2 = NULL;

		if (rewalk(m, main_path, &c2) != 0)
			fatal("mycnf: cannot walk restored files: %s", c2);
	}
	free(main_path);
	free(enc);
	return r;
}
