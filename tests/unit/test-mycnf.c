/*
 * test-mycnf.c - option files read and edited through a tiny in-memory
 * transport (path -> bytes), with exact bytes expected after every edit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mycnf.h"
#include "tap.h"

/* The in-memory host: data NULL is a directory. */
struct memfile {
	const char *path;
	const char *data;
	size_t len; /* 0: strlen(data) */
	mode_t perm;  /* 0: 0644 */
};

static struct memfile *mem;
static size_t nmem;

static struct memfile *
mem_find(const char *path)
{
	size_t i;

	for (i = 0; i < nmem; i++)
		if (strcmp(mem[i].path, path) == 0)
			return &mem[i];
	return NULL;
}

static int
mem_read(struct transport *t, const char *path, struct buf *out, size_t max,
    char **cause)
{
	struct memfile *f = mem_find(path);
	size_t len;

	(void)t;
	if (f == NULL)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: not found", path);
	if (f->data == NULL)
		return set_cause(cause, JF_ERR_IO, "%s: is a directory", path);
	len = f->len ? f->len : strlen(f->data);
	if (len > max)
		return set_cause(cause, JF_ERR_TOOBIG, "%s: too big", path);
	return buf_add(out, f->data, len);
}

static int
mem_stat(struct transport *t, const char *path, struct tstat *st,
    char **cause)
{
	struct memfile *f = mem_find(path);

	(void)t;
	(void)cause;
	memset(st, 0, sizeof *st);
	if (f == NULL)
		return 0;
	st->exists = 1;
	st->mode = (f->data == NULL ? S_IFDIR : S_IFREG) |
	    (f->perm ? f->perm : 0644);
	return 0;
}

static int
mem_list(struct transport *t, const char *path, char ***names, size_t *n,
    char **cause)
{
	struct memfile *d = mem_find(path);
	size_t i, pl = strlen(path);
	const char *rest;

	(void)t;
	if (d == NULL || d->data != NULL)
		return set_cause(cause, JF_ERR_NOTFOUND, "%s: no directory",
		    path);
	*names = NULL;
	*n = 0;
	for (i = 0; i < nmem; i++) {
		if (strncmp(mem[i].path, path, pl) != 0 ||
		    mem[i].path[pl] != '/')
			continue;
		rest = mem[i].path + pl + 1;
		if (strchr(rest, '/') != NULL)
			continue;
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(rest);
	}
	return 0;
}

static const struct transport_ops mem_ops = {
	.name = "mem",
	.read_file = mem_read,
	.stat = mem_stat,
	.list_dir = mem_list,
};
static struct transport mem_t = { &mem_ops, (char *)"memhost", NULL };

static const char *const mysqld[] = { "mysqld", "server", "mariadb",
	"mariadbd", NULL };
static const char *const only_mysqld[] = { "mysqld", NULL };

static struct mycnf *
load(struct memfile *files, size_t n, const char *path, char **cause)
{
	struct mycnf *m = NULL;

	mem = files;
	nmem = n;
	if (mycnf_load(&mem_t, path, &m, cause) != 0)
		return NULL;
	return m;
}

static char *
bytes(struct mycnf *m, size_t i)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 0);
	if (mycnf_file_serialize(m, i, &b) != 0)
		return NULL;
	return buf_detach(&b);
}

/* Load one file, set, compare, reload and get. */
static void
set_one(const char *name, const char *in, const char *option,
    const char *value, const char *want)
{
	struct memfile f[] = { { "/m.cnf", in, 0, 0 } };
	struct memfile f2[] = { { "/m.cnf", NULL, 0, 0 } };
	struct mycnf *m;
	char *cause = NULL, *out;
	int r;

	m = load(f, 1, "/m.cnf", &cause);
	ok(m != NULL, "%s: loads (%s)", name, cause ? cause : "");
	if (m == NULL) {
		free(cause);
		return;
	}
	r = mycnf_set(m, mysqld, option, value, &cause);
	is_int(r, 0, "%s: set (%s)", name, cause ? cause : "");
	out = bytes(m, 0);
	is_str(out, want, "%s: bytes", name);
	is_int(mycnf_file_changed(m, 0), strcmp(in, want) != 0,
	    "%s: changed flag", name);
	mycnf_free(m);
	f2[0].data = out;
	m = load(f2, 1, "/m.cnf", &cause);
	is_str(m ? mycnf_get(m, mysqld, option, NULL, NULL) : NULL, value,
	    "%s: reads back", name);
	mycnf_free(m);
	free(out);
	free(cause);
}

static void
test_get(void)
{
	struct memfile f[] = { { "/etc/my.cnf",
		"# comment\n"
		"; also a comment\n"
		"[client]\n"
		"port=3307\n"
		"[mysqld]\n"
		"port = 3306\n"
		"  datadir\t=  /var/lib/mysql   # trailing\n"
		"a=2#c\n"
		"b='q \"# x' ; not comment\n"
		"c=\"  sp  \"\n"
		"d=\\n\\t\\s\\x\\\\\n"
		"e=\"unterminated\n"
		"f=\n"
		"g = \" x \" y\n"
		"skip-name-resolve\n"
		"[CLIENT]\n"
		"port=1\n"
		"[MySQLd ]   junk\n"
		"Event-Scheduler = OFF\n"
		"[ mysqld]\n"
		"hidden=1\n"
		"[mysqld]\n"
		"port=3308\n", 0, 0 } };
	struct mycnf *m;
	char *cause = NULL;
	const char *file = NULL;
	int line = 0;
	struct mycnf_hit h;

	m = load(f, 1, "/etc/my.cnf", &cause);
	ok(m != NULL, "basic file loads (%s)", cause ? cause : "");
	if (m == NULL)
		return;
	is_str(mycnf_get(m, mysqld, "port", &file, &line), "3308",
	    "duplicate section: the last port wins");
	is_str(file, "/etc/my.cnf", "winner file");
	is_int(line, 23, "winner line");
	is_str(mycnf_get(m, only_mysqld, "datadir", NULL, NULL),
	    "/var/lib/mysql", "blanks and # comment trimmed");
	is_str(mycnf_get(m, mysqld, "a", NULL, NULL), "2",
	    "# needs no blank before it");
	is_str(mycnf_get(m, mysqld, "b", NULL, NULL), "'q \"# x' ; not comment",
	    "# inside quotes is data, ; after a value is data, quotes stay "
	    "unless at both ends");
	is_str(mycnf_get(m, mysqld, "c", NULL, NULL), "  sp  ",
	    "quotes keep blanks");
	is_str(mycnf_get(m, mysqld, "d", NULL, NULL), "\n\t \\x\\",
	    "escapes as the server");
	is_str(mycnf_get(m, mysqld, "e", NULL, NULL), "\"unterminated",
	    "an unmatched quote stays");
	is_str(mycnf_get(m, mysqld, "f", NULL, NULL), "", "empty value");
	ok(mycnf_lookup(m, mysqld, "f", &h) && h.has_value, "f= has a value");
	is_str(mycnf_get(m, mysqld, "g", NULL, NULL), "\" x \" y",
	    "quotes not at both ends stay");
	ok(mycnf_lookup(m, mysqld, "skip_name_resolve", &h) && !h.has_value &&
	    strcmp(h.value, "") == 0, "bare option: value \"\", no '='");
	is_str(mycnf_get(m, mysqld, "name-resolve", NULL, NULL), "0",
	    "skip-X gives X the value 0");
	is_str(mycnf_get(m, mysqld, "event_scheduler", NULL, NULL), "OFF",
	    "names are case-insensitive, - is _, group [MySQLd ] matches");
	is_str(mycnf_get(m, mysqld, "loose-event-scheduler", NULL, NULL),
	    "OFF", "loose- in the query is ignored");
	is_str(mycnf_get(m, mysqld, "hidden", NULL, NULL), NULL,
	    "[ mysqld] with a leading blank is another group");
	{
		static const char *const client[] = { "client", NULL };

		is_str(mycnf_get(m, client, "port", NULL, NULL), "1",
		    "[CLIENT] is [client]");
	}
	is_str(mycnf_get(m, mysqld, "nothing", NULL, NULL), NULL,
	    "unset option is NULL");
	is_int(mycnf_nfiles(m), 1, "one file");
	is_str(mycnf_warnings(m), "", "no warnings");
	mycnf_free(m);
}

static void
test_prefixes(void)
{
	struct memfile f[] = { { "/m.cnf",
		"[mysqld]\n"
		"a=1\n"
		"loose-skip-a\n"
		"b=1\n"
		"disable_b=0\n"
		"c=0\n"
		"enable-c\n"
		"d=1\n"
		"skip-loose-d\n"
		"maximum-e=5\n"
		"LOOSE_E=4\n", 0, 0 } };
	struct mycnf *m;
	char *cause = NULL;

	m = load(f, 1, "/m.cnf", &cause);
	ok(m != NULL, "prefix file loads");
	if (m == NULL)
		return;
	is_str(mycnf_get(m, mysqld, "a", NULL, NULL), "0", "loose-skip-a");
	is_str(mycnf_get(m, mysqld, "b", NULL, NULL), "1", "disable_b=0");
	is_str(mycnf_get(m, mysqld, "c", NULL, NULL), "1", "enable-c");
	is_str(mycnf_get(m, mysqld, "d", NULL, NULL), "1",
	    "skip-loose-d is not matched");
	is_str(mycnf_get(m, mysqld, "e", NULL, NULL), "4",
	    "maximum-e is not matched, LOOSE_E is");
	mycnf_free(m);
}

static void
test_includes(void)
{
	struct memfile f[] = {
		{ "/etc/my.cnf",
		  "[mysqld]\n"
		  "x=main1\n"
		  "!include /etc/a.cnf\n"
		  "y=main\n"
		  "!includedir /etc/conf.d/\n"
		  "!include /etc/missing.cnf\n"
		  "!bogus directive\n"
		  "z=main\n", 0, 0 },
		{ "/etc/a.cnf", "[client]\nx=client\n[mysqld]\nx=a\n", 0, 0 },
		{ "/etc/conf.d", NULL, 0, 0 },
		{ "/etc/conf.d/b.cnf", "[mysqld]\ny=b\nw=b\n", 0, 0 },
		{ "/etc/conf.d/a.cnf", "[mysqld]\ny=a\nw=a\n", 0, 0 },
		{ "/etc/conf.d/c.ini", "[mysqld]\nw=ini\n", 0, 0 },
		{ "/etc/conf.d/d.cnf.bak", "[mysqld]\nw=bak\n", 0, 0 },
		{ "/etc/conf.d/E.CNF", "[mysqld]\nw=upper\n", 0, 0 },
		{ "/etc/conf.d/sub.cnf", NULL, 0, 0 },
		{ "/etc/conf.d/ww.cnf", "[mysqld]\nw=ww\n", 0, 0666 },
	};
	struct mycnf *m;
	char *cause = NULL;
	const char *file;
	int line;

	m = load(f, nitems(f), "/etc/my.cnf", &cause);
	ok(m != NULL, "includes load (%s)", cause ? cause : "");
	if (m == NULL)
		return;
	is_str(mycnf_get(m, mysqld, "x", &file, &line), "a",
	    "an included file overrides what came before");
	is_str(file, "/etc/a.cnf", "x from a.cnf");
	is_str(mycnf_get(m, mysqld, "y", &file, NULL), "b",
	    "includedir files read sorted, after the line before");
	is_str(mycnf_get(m, mysqld, "w", &file, &line), "b",
	    ".ini, .cnf.bak, .CNF, directories, world-writable not read");
	is_str(file, "/etc/conf.d/b.cnf", "w from b.cnf");
	is_int(line, 3, "w line");
	is_str(mycnf_get(m, mysqld, "z", NULL, NULL), "main",
	    "the group goes on after the includes");
	is_int(mycnf_nfiles(m), 4, "four files read");
	is_str(mycnf_file_path(m, 0), "/etc/my.cnf", "file 0");
	is_str(mycnf_file_path(m, 1), "/etc/a.cnf", "file 1");
	is_str(mycnf_file_path(m, 2), "/etc/conf.d/a.cnf", "file 2");
	is_str(mycnf_file_path(m, 3), "/etc/conf.d/b.cnf", "file 3");
	ok(strstr(mycnf_warnings(m), "/etc/my.cnf:6: included file "
	    "'/etc/missing.cnf' does not exist") != NULL,
	    "missing include is a warning");
	ok(strstr(mycnf_warnings(m), "world-writable") != NULL,
	    "world-writable is a warning");
	ok(strstr(mycnf_warnings(m), "/etc/my.cnf:7: unknown directive") !=
	    NULL, "unknown directive is a warning");

	/* The winner is in conf.d/b.cnf: edited there, nothing else. */
	is_int(mycnf_set(m, mysqld, "w", "new", &cause), 0, "set w");
	{
		char *b = bytes(m, 3);

		is_str(b, "[mysqld]\ny=b\nw=new\n", "b.cnf rewritten");
		free(b);
	}
	is_int(mycnf_file_changed(m, 0), 0, "main unchanged");
	is_int(mycnf_file_changed(m, 2), 0, "a.cnf unchanged");
	is_int(mycnf_file_changed(m, 3), 1, "b.cnf changed");
	is_str(mycnf_get(m, mysqld, "w", NULL, NULL), "new", "w wins");

	/* Not set anywhere: added to the main file's [mysqld]. */
	is_int(mycnf_set(m, mysqld, "event-scheduler", "ON", &cause), 0,
	    "set new option");
	{
		char *b = bytes(m, 0);

		is_str(b, "[mysqld]\nx=main1\n!include /etc/a.cnf\ny=main\n"
		    "!includedir /etc/conf.d/\n!include /etc/missing.cnf\n"
		    "!bogus directive\nz=main\nevent-scheduler=ON\n",
		    "added after the last line of [mysqld]");
		free(b);
	}
	mycnf_free(m);
	free(cause);
}

static void
test_override_later(void)
{
	/* The winner is the last; every occurrence is matched by groups. */
	struct memfile f[] = {
		{ "/my.cnf",
		  "[mysqld]\n"
		  "event_scheduler=OFF\n"
		  "!includedir /d\n", 0, 0 },
		{ "/d", NULL, 0, 0 },
		{ "/d/50-server.cnf",
		  "[server]\nloose-event-scheduler = OFF # later\n", 0, 0 },
		{ "/d/60-x.cnf",
		  "[mariadb]\r\nskip-event-scheduler\r\n[mysqld]\r\n", 0, 0 },
	};
	struct mycnf *m;
	char *cause = NULL, *b;

	m = load(f, nitems(f), "/my.cnf", &cause);
	ok(m != NULL, "override files load");
	if (m == NULL)
		return;
	is_str(mycnf_get(m, mysqld, "event_scheduler", NULL, NULL), "0",
	    "skip-event-scheduler wins");
	is_int(mycnf_set(m, mysqld, "event_scheduler", "ON", &cause), 0,
	    "set");
	b = bytes(m, 2);
	is_str(b, "[mariadb]\r\nevent-scheduler=ON\r\n[mysqld]\r\n",
	    "skip- dropped, CRLF kept");
	free(b);
	is_int(mycnf_file_changed(m, 0), 0, "main untouched");
	is_int(mycnf_file_changed(m, 1), 0, "50-server untouched");
	is_str(mycnf_get(m, mysqld, "event_scheduler", NULL, NULL), "ON",
	    "ON wins");
	/* With only [mysqld] asked for, [mysqld] in the main file wins. */
	is_int(mycnf_set(m, only_mysqld, "event_scheduler", "OFF", &cause), 0,
	    "set in [mysqld] only");
	is_int(mycnf_file_changed(m, 0), 0, "already OFF in [mysqld]");
	is_int(mycnf_set(m, only_mysqld, "event_scheduler", "1", &cause), 0,
	    "set 1 in [mysqld] only");
	b = bytes(m, 0);
	is_str(b, "[mysqld]\nevent_scheduler=1\n!includedir /d\n",
	    "main rewritten");
	free(b);
	mycnf_free(m);
	free(cause);
}

static void
test_set_bytes(void)
{
	set_one("in place keeps spelling and comment",
	    "[mysqld]\nloose-event-scheduler  =  OFF   # was off\nx=1\n",
	    "event_scheduler", "ON",
	    "[mysqld]\nloose-event-scheduler  =  ON   # was off\nx=1\n");
	set_one("quoted value replaced whole",
	    "[mysqld]\nevent_scheduler=\"OFF\" #c\n", "event_scheduler", "ON",
	    "[mysqld]\nevent_scheduler=ON #c\n");
	set_one("bare option gets =value",
	    "[mysqld]\nevent_scheduler   # on\n", "event-scheduler", "ON",
	    "[mysqld]\nevent_scheduler=ON   # on\n");
	set_one("empty value",
	    "[mysqld]\nevent_scheduler =   # c\n", "event-scheduler", "ON",
	    "[mysqld]\nevent_scheduler =ON   # c\n");
	set_one("enable- becomes the plain name",
	    "[mysqld]\nloose-enable-event-scheduler\n", "event_scheduler",
	    "OFF", "[mysqld]\nloose-event-scheduler=OFF\n");
	set_one("already set: no change",
	    "[mysqld]\r\nevent_scheduler=ON\r\n", "event_scheduler", "ON",
	    "[mysqld]\r\nevent_scheduler=ON\r\n");
	set_one("added before the next section's comments",
	    "# top\n[client]\nport=1\n\n[mysqld]\n# first\nport=2\n\n"
	    "datadir=/x\n\n# about client\n[client]\nuser=a\n[mysqld]\n"
	    "y=1\n", "event_scheduler", "ON",
	    "# top\n[client]\nport=1\n\n[mysqld]\n# first\nport=2\n\n"
	    "datadir=/x\nevent_scheduler=ON\n\n# about client\n[client]\n"
	    "user=a\n[mysqld]\ny=1\n");
	set_one("empty section: right after the header",
	    "[mysqld]\n\n# c\n[client]\n", "event_scheduler", "ON",
	    "[mysqld]\nevent_scheduler=ON\n\n# c\n[client]\n");
	set_one("no section: appended",
	    "[client]\nport=1\n", "event_scheduler", "ON",
	    "[client]\nport=1\n\n[mysqld]\nevent_scheduler=ON\n");
	set_one("no section, CRLF, no final newline",
	    "[client]\r\nport=1", "event_scheduler", "ON",
	    "[client]\r\nport=1\r\n\r\n[mysqld]\r\nevent_scheduler=ON");
	set_one("no final newline in the section",
	    "[mysqld]\nport=1", "event_scheduler", "ON",
	    "[mysqld]\nport=1\nevent_scheduler=ON");
	set_one("an include on the last line keeps its missing newline",
	    "[client]\nport=1\n!include /x.cnf", "event_scheduler", "ON",
	    "[client]\nport=1\n\n[mysqld]\nevent_scheduler=ON\n"
	    "!include /x.cnf");
	set_one("... also inside the section",
	    "[mysqld]\nport=1\n!include", "event_scheduler", "ON",
	    "[mysqld]\nport=1\nevent_scheduler=ON\n!include");
	set_one("CRLF section", "[mysqld]\r\nport=1\r\n[client]\r\n",
	    "event_scheduler", "ON",
	    "[mysqld]\r\nport=1\r\nevent_scheduler=ON\r\n[client]\r\n");
	set_one("empty file", "", "event_scheduler", "ON",
	    "[mysqld]\nevent_scheduler=ON\n");
	set_one("only blank lines", "\n\n", "event_scheduler", "ON",
	    "\n\n[mysqld]\nevent_scheduler=ON\n");
	set_one("a value that needs quotes", "[mysqld]\nv=1\n", "v",
	    " a #b 'c' \"d\" \\e\n",
	    "[mysqld]\nv=\" a #b 'c' \\\"d\\\" \\\\e\\n\"\n");
	set_one("empty value written", "[mysqld]\nv=1\n", "v", "",
	    "[mysqld]\nv=\n");
	set_one("later duplicate in the same file",
	    "[mysqld]\nx=1\n[mysqld]\nx=2 # two\n", "x", "3",
	    "[mysqld]\nx=1\n[mysqld]\nx=3 # two\n");
}

static void
test_set_errors(void)
{
	struct memfile f[] = { { "/m.cnf", "[mysqld]\nx=1\n", 0, 0 } };
	struct mycnf *m;
	char *cause = NULL, *b, *big;

	m = load(f, 1, "/m.cnf", &cause);
	ok(m != NULL, "loads");
	if (m == NULL)
		return;
	ok(mycnf_set(m, mysqld, "bad name", "x", &cause) == -JF_ERR_USAGE,
	    "option with a blank refused");
	free(cause);
	cause = NULL;
	ok(mycnf_set(m, mysqld, "", "x", &cause) == -JF_ERR_USAGE,
	    "empty option refused");
	free(cause);
	cause = NULL;
	big = xmalloc(5000);
	memset(big, 'v', 4999);
	big[4999] = '\0';
	ok(mycnf_set(m, mysqld, "x", big, &cause) == -JF_ERR_TOOBIG,
	    "a value making the line too long is refused (%s)",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	b = bytes(m, 0);
	is_str(b, "[mysqld]\nx=1\n", "nothing changed after a failed set");
	is_int(mycnf_file_changed(m, 0), 0, "not marked changed");
	is_str(mycnf_get(m, mysqld, "x", NULL, NULL), "1", "x still 1");
	free(b);
	free(big);
	mycnf_free(m);
}

/* Loading fails with a message containing want. */
static void
load_fails(const char *name, struct memfile *f, size_t n, int err,
    const char *want)
{
	struct mycnf *m;
	char *cause = NULL;
	int r;

	mem = f;
	nmem = n;
	m = NULL;
	r = mycnf_load(&mem_t, f[0].path, &m, &cause);
	ok(r == -err && m == NULL, "%s: fails with %d (got %d)", name, -err,
	    r);
	ok(cause != NULL && strstr(cause, want) != NULL,
	    "%s: message \"%s\" has \"%s\"", name, cause ? cause : "", want);
	free(cause);
	mycnf_free(m);
}

static void
test_bad(void)
{
	struct memfile nul[] = { { "/m.cnf", "[mysqld]\nx=1\n\0y=2\n", 18, 0 } };
	struct memfile nogroup[] = { { "/m.cnf", "# c\nx=1\n", 0, 0 } };
	struct memfile bom[] = { { "/m.cnf", "\xef\xbb\xbf[mysqld]\n", 0, 0 } };
	struct memfile bracket[] = { { "/m.cnf", "[mysqld]\n[mysqld\n", 0, 0 } };
	struct memfile noinc[] = { { "/m.cnf", "[mysqld]\n!include   \n", 0, 0 } };
	struct memfile rel[] = { { "/m.cnf", "!include a.cnf\n", 0, 0 } };
	struct memfile nodir[] = { { "/m.cnf", "!includedir /nope\n", 0, 0 } };
	struct memfile cycle[] = {
		{ "/a.cnf", "[mysqld]\n!include /b.cnf\n", 0, 0 },
		{ "/b.cnf", "[mysqld]\n!include //a.cnf\n", 0, 0 },
	};
	struct memfile incgroup[] = {
		{ "/a.cnf", "[mysqld]\n!include /b.cnf\nx=1\n", 0, 0 },
		{ "/b.cnf", "y=1\n", 0, 0 },
	};
	struct memfile deep[12];
	char paths[12][16], datas[12][64];
	struct memfile missing[] = { { "/none.cnf", "", 0, 0 } };
	struct memfile dir[] = { { "/d", NULL, 0, 0 } };
	struct memfile many[70];
	char mpaths[70][16], mdata[] = "[mysqld]\n!includedir /many\n";
	char *longl, *huge;
	size_t i;

	load_fails("NUL byte", nul, 1, JF_ERR_PARSE, "/m.cnf:3: NUL byte");
	load_fails("option before group", nogroup, 1, JF_ERR_PARSE,
	    "/m.cnf:2: option before any [group]");
	load_fails("byte order mark", bom, 1, JF_ERR_PARSE, "/m.cnf:1:");
	load_fails("unterminated group", bracket, 1, JF_ERR_PARSE,
	    "/m.cnf:2: group without a closing ']'");
	load_fails("empty include", noinc, 1, JF_ERR_PARSE,
	    "/m.cnf:2: '!include' without a file");
	load_fails("relative include", rel, 1, JF_ERR_PARSE,
	    "/m.cnf:1: relative path 'a.cnf'");
	load_fails("missing includedir", nodir, 1, JF_ERR_NOTFOUND,
	    "/m.cnf:1: !includedir '/nope'");
	load_fails("cycle", cycle, 2, JF_ERR_PARSE,
	    "/b.cnf:2: include cycle: '/a.cnf'");
	load_fails("option before group in an include", incgroup, 2,
	    JF_ERR_PARSE, "/b.cnf:1: option before any [group]");
	load_fails("missing main file", missing, 0, JF_ERR_NOTFOUND,
	    "/none.cnf");
	load_fails("main is a directory", dir, 1, JF_ERR_PARSE,
	    "is a directory");

	for (i = 0; i < 12; i++) {
		snprintf(paths[i], sizeof paths[i], "/f%zu.cnf", i);
		snprintf(datas[i], sizeof datas[i],
		    "[mysqld]\nl=%zu\n!include /f%zu.cnf\n", i, i + 1);
		deep[i].path = paths[i];
		deep[i].data = datas[i];
		deep[i].len = 0;
		deep[i].perm = 0;
	}
	load_fails("nested deeper than 10", deep, 12, JF_ERR_PARSE,
	    "/f10.cnf:3: includes nested deeper than 10");
	{
		struct mycnf *m;
		char *cause = NULL;

		/* f10 includes nothing: depth 10 is still fine. */
		snprintf(datas[10], sizeof datas[10], "[mysqld]\nl=10\n");
		m = load(deep, 12, "/f0.cnf", &cause);
		ok(m != NULL, "depth 10 loads (%s)", cause ? cause : "");
		is_str(m ? mycnf_get(m, mysqld, "l", NULL, NULL) : NULL, "10",
		    "depth 10 read");
		mycnf_free(m);
		free(cause);
	}

	longl = xmalloc(MYCNF_LINE_MAX + 32);
	snprintf(longl, 16, "[mysqld]\nx=");
	/* line 2 is "x=" and MYCNF_LINE_MAX - 2 bytes */
	memset(longl + 11, 'a', MYCNF_LINE_MAX - 2);
	strcpy(longl + 11 + MYCNF_LINE_MAX - 2, "\n");
	{
		struct memfile f[] = { { "/m.cnf", longl, 0, 0 } };
		struct mycnf *m;
		char *cause = NULL;

		m = load(f, 1, "/m.cnf", &cause);
		ok(m != NULL, "a line of %d bytes loads", MYCNF_LINE_MAX);
		mycnf_free(m);
		strcpy(longl + 11 + MYCNF_LINE_MAX - 2, "b\n");
		load_fails("long line", f, 1, JF_ERR_TOOBIG,
		    "/m.cnf:2: line longer than 4093 bytes");
		free(cause);
	}
	free(longl);

	huge = xmalloc(MYCNF_FILE_MAX + 2);
	memset(huge, '#', MYCNF_FILE_MAX + 1);
	huge[MYCNF_FILE_MAX + 1] = '\0';
	for (i = 0; i < MYCNF_FILE_MAX + 1; i += 100)
		huge[i] = '\n';
	{
		struct memfile f[] = { { "/m.cnf", huge, 0, 0 } };

		load_fails("file over 1 MiB", f, 1, JF_ERR_TOOBIG,
		    "larger than 1048576 bytes");
	}
	free(huge);

	many[0].path = "/m.cnf";
	many[0].data = mdata;
	many[0].len = 0;
	many[0].perm = 0;
	many[1].path = "/many";
	many[1].data = NULL;
	many[1].len = 0;
	many[1].perm = 0;
	for (i = 2; i < 70; i++) {
		snprintf(mpaths[i], sizeof mpaths[i], "/many/%03zu.cnf", i);
		many[i].path = mpaths[i];
		many[i].data = "[mysqld]\n";
		many[i].len = 0;
		many[i].perm = 0;
	}
	load_fails("more than 64 files", many, 70, JF_ERR_TOOBIG,
	    "more than 64 option files");
}

static void
test_quirks(void)
{
	struct memfile f[] = {
		{ "/m.cnf", "[mysqld]\nx=m\n!include /inc.cnf", 0, 0 },
		{ "/inc.cnf", "[mysqld]\nx=inc\n", 0, 0 },
		{ "/inc.cn", "[mysqld]\nx=cut\n", 0, 0 },
	};
	struct memfile g[] = {
		{ "/m.cnf", "[mysqld]\n! include\t/inc.cnf \r\n"
		    "!include/inc.cnf\n!includex /inc.cnf\n", 0, 0 },
		{ "/inc.cnf", "[mysqld]\nx=inc\n", 0, 0 },
	};
	struct mycnf *m;
	char *cause = NULL;

	m = load(f, nitems(f), "/m.cnf", &cause);
	ok(m != NULL, "include without newline loads");
	is_str(m ? mycnf_get(m, mysqld, "x", NULL, NULL) : NULL, "cut",
	    "the server cuts the last byte of a last-line include path");
	ok(m && strstr(mycnf_warnings(m), "reads the path as '/inc.cn'"),
	    "and we warn");
	mycnf_free(m);
	m = load(g, nitems(g), "/m.cnf", &cause);
	ok(m != NULL, "include spellings load");
	is_int(m ? mycnf_nfiles(m) : 0, 2, "'! include\\t' read, others not");
	mycnf_free(m);
	{
		struct memfile e[] = {
			{ "/m.cnf", "[mysqld]\n!includedir /e.d/\nx=1\n", 0, 0 },
			{ "/e.d", NULL, 0, 0 },
		};

		m = load(e, nitems(e), "/m.cnf", &cause);
		ok(m != NULL, "empty includedir loads");
		is_str(m ? mycnf_get(m, mysqld, "x", NULL, NULL) : NULL, "1",
		    "and x is read after it");
		mycnf_free(m);
	}
	free(cause);
}

static void
test_secret(void)
{
	struct memfile f[] = { { "/m.cnf",
		"[client]\npassword = \"s3cr3t-pw\"\n", 0, 0 } };
	struct mycnf *m;
	char *cause = NULL, *r;

	m = load(f, 1, "/m.cnf", &cause);
	ok(m != NULL, "password file loads");
	r = redact("the password is s3cr3t-pw");
	is_str(r, "the password is " SECRET_MASK, "password registered");
	free(r);
	mycnf_free(m);
}

int
main(void)
{
	test_get();
	test_prefixes();
	test_includes();
	test_override_later();
	test_set_bytes();
	test_set_errors();
	test_bad();
	test_quirks();
	test_secret();
	return tap_done();
}
