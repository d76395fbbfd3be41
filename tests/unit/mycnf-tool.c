/*
 * mycnf-tool.c - drives mycnf for 06-mycnf-real.sh, which compares it with
 * my_print_defaults.
 *
 *   mycnf-tool dump MAIN GROUP...        every option of GROUPs in read order,
 *                                        printed as my_print_defaults does
 *   mycnf-tool get MAIN GROUPS OPT...    "OPT<TAB>value" or "OPT<TAB>(unset)";
 *                                        GROUPS is comma-separated
 *   mycnf-tool set MAIN GROUPS OPT VALUE writes the changed files back
 *   mycnf-tool generate SEED DIR [es]    writes a random layout into DIR and
 *                                        prints the main file's path; "es"
 *                                        puts event_scheduler in many places
 *
 * Files are read and written through the real local transport.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mycnf.h"
#include "transport.h"

static struct transport *lt;

/* "a,b,c" -> { "a", "b", "c", NULL } */
static char **
split_groups(const char *s)
{
	char **v = NULL, *copy = xstrdup(s), *tok, *save = NULL;
	size_t n = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(tok);
	}
	if (v == NULL)
		v = xcalloc(1, sizeof *v);
	v[n] = NULL;
	free(copy);
	return v;
}

static struct mycnf *
load_or_die(const char *path)
{
	struct mycnf *m;
	char *cause = NULL;

	if (mycnf_load(lt, path, &m, &cause) != 0) {
		fprintf(stderr, "mycnf-tool: %s\n", cause);
		exit(2);
	}
	fputs(mycnf_warnings(m), stderr);
	return m;
}

static int
cmd_dump(int argc, char **argv)
{
	struct mycnf *m = load_or_die(argv[0]);
	struct mycnf_hit h;
	size_t i;
	int j, want;

	for (i = 0; mycnf_option(m, i, &h); i++) {
		want = 0;
		for (j = 1; j < argc; j++)
			if (strcasecmp(h.group, argv[j]) == 0)
				want = 1;
		if (!want)
			continue;
		if (h.has_value)
			printf("--%s=%s\n", h.name, h.value);
		else
			printf("--%s\n", h.name);
	}
	mycnf_free(m);
	return 0;
}

static int
cmd_get(int argc, char **argv)
{
	struct mycnf *m = load_or_die(argv[0]);
	char **groups = split_groups(argv[1]);
	const char *v;
	int i;

	for (i = 2; i < argc; i++) {
		v = mycnf_get(m, (const char *const *)groups, argv[i], NULL,
		    NULL);
		printf("%s\t%s\n", argv[i], v ? v : "(unset)");
	}
	for (i = 0; groups[i] != NULL; i++)
		free(groups[i]);
	free(groups);
	mycnf_free(m);
	return 0;
}

static int
write_local(const char *path, const char *data, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int
cmd_set(char **argv)
{
	struct mycnf *m = load_or_die(argv[0]);
	char **groups = split_groups(argv[1]);
	char *cause = NULL;
	struct buf b = BUF_INIT;
	size_t i;
	int r, rc = 0;

	r = mycnf_set(m, (const char *const *)groups, argv[2], argv[3], &cause);
	if (r != 0) {
		fprintf(stderr, "mycnf-tool: set: %s\n", cause);
		rc = 1;
		goto out;
	}
	for (i = 0; i < mycnf_nfiles(m); i++) {
		if (!mycnf_file_changed(m, i))
			continue;
		buf_init(&b, 0);
		if (mycnf_file_serialize(m, i, &b) != 0 ||
		    tp_write(lt, mycnf_file_path(m, i), b.data ? b.data : "",
		    b.len, 0644, &cause) != 0) {
			fprintf(stderr, "mycnf-tool: cannot write %s: %s\n",
			    mycnf_file_path(m, i), cause ? cause : "");
			rc = 1;
		}
		printf("changed %s\n", mycnf_file_path(m, i));
		buf_free(&b);
	}
out:
	for (i = 0; groups[i] != NULL; i++)
		free(groups[i]);
	free(groups);
	free(cause);
	mycnf_free(m);
	return rc;
}

/* Generation: a small xorshift so a seed gives the same files anywhere. */
static unsigned long long rng;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *
pick(const char *const *v, size_t n)
{
	return v[rnd((unsigned)n)];
}

#define PICK(v) pick((v), nitems(v))

static int es_mode;

/* An option name, spelled some way. */
static void
gen_name(struct buf *b)
{
	static const char *const names[] = { "port", "max_connections",
		"datadir", "event_scheduler", "sql_mode", "character-set-server",
		"skip-name-resolve", "log_bin", "innodb_buffer_pool_size" };
	static const char *const pfx[] = { "", "", "", "", "loose-", "LOOSE_",
		"skip-", "enable-", "disable_" };
	const char *n = es_mode && rnd(2) ? "event_scheduler" : PICK(names);
	size_t i;
	int style = (int)rnd(4);

	buf_addstr(b, rnd(3) == 0 ? PICK(pfx) : "");
	for (i = 0; n[i] != '\0'; i++) {
		char c = n[i];

		if ((c == '_' || c == '-') && style >= 2)
			c = rnd(2) ? '-' : '_';
		else if (style == 1 && c == '_')
			c = '-';
		if (rnd(12) == 0 && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		buf_addch(b, c);
	}
}

static void
gen_value(struct buf *b)
{
	static const char *const plain[] = { "ON", "OFF", "1", "0", "3306",
		"/var/lib/mysql", "a b", "x=y", "DISABLED", "on" };
	static const char *const tricky[] = { "\"quoted\"", "'single'",
		"\"  spaced  \"", "'has # hash'", "\"esc \\\" q\"",
		"a\\sb", "tab\\there", "back\\\\slash", "\\x", "\"unbal",
		"unbal'", "''", "\"\"", "'", "\"a\" b", "x\\", "1 2 3",
		"\"it's\"", "a\\'b", "\"a#b\"#c" };

	switch (rnd(4)) {
	case 0:
		break; /* empty */
	case 1:
		buf_addstr(b, PICK(tricky));
		break;
	default:
		buf_addstr(b, PICK(plain));
		break;
	}
}

static void
gen_line(struct buf *b, const char *eol)
{
	static const char *const sp[] = { "", "", " ", "  ", "\t" };

	buf_addstr(b, PICK(sp));
	gen_name(b);
	if (rnd(6) != 0) {
		buf_addstr(b, PICK(sp));
		buf_addch(b, '=');
		buf_addstr(b, PICK(sp));
		gen_value(b);
	}
	buf_addstr(b, PICK(sp));
	if (rnd(5) == 0)
		buf_addstr(b, rnd(2) ? "# trailing" : "#c");
	buf_addstr(b, eol);
}

static void
gen_group(struct buf *b, const char *eol)
{
	static const char *const groups[] = { "mysqld", "mysqld", "mysqld",
		"client", "MYSQLD", "mysqld ", " mysqld", "server", "mariadb",
		"mysqldump", "mariadbd" };

	buf_printf(b, "[%s]%s%s", PICK(groups), rnd(5) ? "" : " # g", eol);
}

/* One file: starts with a group (maybe after comments), then lines. */
static void gen_file(const char *dir, int level, int *nfiles,
    const char *name);

static void
gen_body(struct buf *b, const char *dir, int level, int *nfiles)
{
	const char *eol = rnd(6) == 0 ? "\r\n" : "\n";
	unsigned i, n = 2 + rnd(10);
	char *sub, *last;

	if (rnd(3) == 0)
		buf_printf(b, "# generated%s;another%s%s", eol, eol, eol);
	gen_group(b, eol);
	for (i = 0; i < n; i++) {
		switch (rnd(12)) {
		case 0:
			buf_addstr(b, eol);
			break;
		case 1:
			buf_printf(b, "%s# comment = x%s",
			    rnd(2) ? "  " : "", eol);
			break;
		case 2:
			gen_group(b, eol);
			break;
		case 3:
			if (level < 3 && *nfiles < 20) {
				sub = xasprintf("inc%d.cnf", (*nfiles)++);
				buf_printf(b, "!include %s/%s%s", dir, sub, eol);
				if (rnd(5) != 0)
					gen_file(dir, level + 1, nfiles,
					    sub);
				free(sub);
				break;
			}
			/* FALLTHROUGH */
		case 4:
			if (level < 3 && *nfiles < 20) {
				unsigned k, nf = rnd(4);
				int di = (*nfiles)++;

				sub = xasprintf("%s/d%d", dir, di);
				mkdir(sub, 0755);
				buf_printf(b, "!includedir %s%s%s", sub,
				    rnd(2) ? "/" : "", eol);
				for (k = 0; k < nf; k++) {
					static const char *const ext[] = {
					    ".cnf", ".cnf", ".cnf", ".ini",
					    ".cnf.bak", ".CNF", "" };
					char *fn = xasprintf("d%d/%c%u%s",
					    di, "ab_Z."[rnd(5)], k,
					    PICK(ext));

					gen_file(dir, level + 1, nfiles,
					    fn);
					free(fn);
				}
				free(sub);
				break;
			}
			/* FALLTHROUGH */
		default:
			gen_line(b, eol);
			break;
		}
	}
	if (es_mode && rnd(2))
		buf_printf(b, "[mysqld]%sevent-scheduler=OFF%s", eol, eol);
	/*
	 * No final newline, but not after an !includedir: the server would cut
	 * the last byte of the directory, fail to list it and, in an included
	 * file, go on where we refuse.
	 */
	last = b->len > 1 ? memrchr(b->data, '\n', b->len - 1) : NULL;
	last = last != NULL ? last + 1 : b->data;
	if (rnd(5) == 0 && b->len > 0 && b->data[b->len - 1] == '\n' &&
	    strncmp(last, "!includedir", 11) != 0) {
		/* no final newline */
		b->len -= strcmp(eol, "\r\n") == 0 ? 2 : 1;
		b->data[b->len] = '\0';
	}
}

static void
gen_file(const char *dir, int level, int *nfiles, const char *name)
{
	struct buf b = BUF_INIT;
	char *path = path_join(dir, name);

	buf_init(&b, 0);
	gen_body(&b, dir, level, nfiles);
	if (write_local(path, b.data ? b.data : "", b.len) != 0) {
		fprintf(stderr, "mycnf-tool: cannot write %s\n", path);
		exit(2);
	}
	free(path);
	buf_free(&b);
}

static int
cmd_generate(int argc, char **argv)
{
	int nfiles = 0;
	char *path;

	rng = strtoull(argv[0], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
	es_mode = argc > 2 && strcmp(argv[2], "es") == 0;
	gen_file(argv[1], 0, &nfiles, "main.cnf");
	path = path_join(argv[1], "main.cnf");
	printf("%s\n", path);
	free(path);
	return 0;
}

static int
run(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "get") == 0)
		return cmd_get(argc - 2, argv + 2);
	if (argc == 6 && strcmp(argv[1], "set") == 0)
		return cmd_set(argv + 2);
	if (argc >= 4 && strcmp(argv[1], "generate") == 0)
		return cmd_generate(argc - 2, argv + 2);
	fprintf(stderr, "usage: mycnf-tool dump MAIN GROUP... | get MAIN GROUPS "
	    "OPT... | set MAIN GROUPS OPT VALUE | generate SEED DIR [es]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int rc;

	lt = transport_local_new();
	rc = run(argc, argv);
	transport_free(lt);
	return rc;
}
