/*
 * probe-mysql.c - Job's MySQL, through the client library, with the
 * connection settings of job.conf (key names mapped by keys.mysql_* in
 * jobfix.conf).  Reads only: SELECTs of variables and information_schema.
 *
 *   mysql.endpoint         HOST:PORT; evidence: the job.conf key of each part
 *   mysql.user             the user name jobfix logged in as
 *   mysql.status           ok | down | auth_failed | unconfigured (no
 *                          host key in job.conf: not a finding, the key
 *                          names being guesses)
 *   mysql.error            why not ok, naming the endpoint (and the keys)
 *   mysql.bad_keys         job.conf keys to check when the login is refused
 *                          or a setting is missing (start.credentials)
 *   mysql.version          VERSION()
 *   mysql.server           the server that answered (always over TCP, as
 *                          Job's JDBC connects); evidence: its @@hostname,
 *                          @@port, @@socket.  Every fact's evidence names
 *                          HOST:PORT
 *   mysql.port, mysql.socket, mysql.datadir, mysql.pid_file
 *                          @@port, @@socket, @@datadir, @@pid_file
 *   mysql.unchecked        what could not be asked after the login
 *   mysql.pid              the server's process, from @@pid_file read on
 *                          this host (absent: the server runs elsewhere,
 *                          or its pid file cannot be read)
 *   mysql.option_files     the option files it reads, in order, from its
 *                          command line (/proc/PID/cmdline: --no-defaults,
 *                          --defaults-file, --defaults-extra-file), else the
 *                          standard search order; with their includes
 *   mysql.reads_mycnf      yes | no | unknown: whether site.mycnf is one of
 *                          them (or included by one); evidence says how
 *                          it was found out, or why it could not be
 *   mysql.event_scheduler  ON | OFF | DISABLED (@@event_scheduler)
 *   mysql.log_schema       present | missing: the Job log schema
 *                          (mysql.log_schema setting)
 *   mysql.events.count     Job's events in information_schema.EVENTS (only
 *   mysql.events.enabled   when a schema of mysql.event_schemas exists)
 *   mysql.events.last_executed   the latest LAST_EXECUTED, or "never"
 *   mysql.partitioned_tables     RANGE-partitioned tables of the log schema
 *   mysql.headroom_days    the fewest days ahead covered by a table's last
 *   mysql.headroom_table   partition (0: today's rows have no partition),
 *                          and that table; absent when every table ends in
 *                          MAXVALUE or none is partitioned
 *
 * Timeouts: the client library's connect/read/write timeouts are whole
 * seconds; they are set from the probe's time left, rounded down (at least
 * 1 s), so a server that never answers makes the probe report "down" just
 * before its deadline instead of being abandoned by the runner.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mycnf.h"
#include "probe-svc.h"

/* MySQL's server error numbers (mysqld_error.h) that mean "login refused". */
#define ER_DBACCESS_DENIED 1044
#define ER_ACCESS_DENIED 1045
#define ER_ACCESS_DENIED_NO_PASSWORD 1698

#define ROWS_MAX 100000 /* partitions read at most */

/* One SELECT, every row handed to fn; 0, or negative with cause. */
typedef void (*row_fn)(MYSQL_ROW, unsigned long *, void *);

static int
query(MYSQL *db, const char *sql, row_fn fn, void *arg, const char *where,
    char **cause)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t n = 0;

	if (mysql_query(db, sql) != 0)
		return set_cause(cause, JF_ERR_IO, "%s: %s", where,
		    mysql_error(db));
	if ((res = mysql_store_result(db)) == NULL)
		return set_cause(cause, JF_ERR_IO, "%s: no result: %s", where,
		    mysql_error(db));
	while ((row = mysql_fetch_row(res)) != NULL && n++ < ROWS_MAX)
		fn(row, mysql_fetch_lengths(res), arg);
	mysql_free_result(res);
	return 0;
}

/* 'a','b' from a list of names, each escaped for the connection. */
static char *
sql_list(MYSQL *db, const char *const *names)
{
	struct buf b = BUF_INIT;
	char *esc;
	size_t i, len;

	for (i = 0; names[i] != NULL; i++) {
		len = strlen(names[i]);
		if (len > 256)
			continue;
		esc = xmalloc(len * 2 + 1);
		mysql_real_escape_string(db, esc, names[i], (unsigned long)len);
		buf_printf(&b, "%s'%s'", i ? "," : "", esc);
		free(esc);
	}
	if (b.len == 0)
		buf_addstr(&b, "''");
	return buf_detach(&b);
}

struct now {
	char *scheduler;
	char *version;
	char *server;   /* @@hostname, @@port, @@socket */
	char *datadir, *pid_file, *port, *socket;
	long to_days;   /* TO_DAYS(CURDATE()) */
	long unix_day;  /* UNIX_TIMESTAMP(CURDATE()) */
};

static void
now_row(MYSQL_ROW row, unsigned long *len, void *arg)
{
	struct now *n = arg;

	(void)len;
	n->scheduler = xstrdup(row[0] ? row[0] : "");
	n->version = xstrdup(row[1] ? row[1] : "");
	if (row[2] == NULL || str_to_long(row[2], &n->to_days) != 0)
		n->to_days = 0;
	if (row[3] == NULL || str_to_long(row[3], &n->unix_day) != 0)
		n->unix_day = 0;
	n->port = xstrdup(row[4] ? row[4] : "");
	n->socket = xstrdup(row[5] ? row[5] : "");
	n->datadir = xstrdup(row[6] ? row[6] : "");
	n->pid_file = xstrdup(row[7] ? row[7] : "");
	n->server = xstrdup(row[8] ? row[8] : "");
}

static void
count_row(MYSQL_ROW row, unsigned long *len, void *arg)
{
	long *v = arg;

	(void)len;
	if (row[0] == NULL || str_to_long(row[0], v) != 0)
		*v = 0;
}

struct events {
	long count, enabled;
	char *last;
};

static void
events_row(MYSQL_ROW row, unsigned long *len, void *arg)
{
	struct events *e = arg;

	(void)len;
	if (row[0] == NULL || str_to_long(row[0], &e->count) != 0)
		e->count = 0;
	if (row[1] == NULL || str_to_long(row[1], &e->enabled) != 0)
		e->enabled = 0;
	e->last = xstrdup(row[2] ? row[2] : "never");
}

/* The last partition of each table, in order of TABLE_NAME, ordinal. */
struct parts {
	const struct now *now;
	char *table;      /* current table */
	char *expr, *desc;
	long tables;
	long best;        /* fewest days ahead */
	char *best_table;
	char *best_desc;
	char *unknown;    /* a table whose bound jobfix cannot read */
};

/* days_from_civil (Howard Hinnant): days since 1970-01-01. */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* A date "YYYY-MM-DD..." (quotes allowed) or YYYYMMDD as TO_DAYS. */
static int
date_to_days(const char *s, long *out)
{
	unsigned y, m, d;
	char tail;

	while (*s == '\'' || *s == '"' || *s == ' ')
		s++;
	if (sscanf(s, "%4u-%2u-%2u", &y, &m, &d) != 3 &&
	    (sscanf(s, "%4u%2u%2u%c", &y, &m, &d, &tail) < 3 ||
	    strspn(s, "0123456789") != 8))
		return -1;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*out = days_from_civil((long)y, m, d) + 719528;
	return 0;
}

/* How many days from today the partition bound desc covers. */
static int
days_ahead(const struct parts *p, long *days)
{
	const char *e = p->expr ? p->expr : "";
	long v;
	char *lower, *q;
	int r = -1;

	lower = xstrdup(e);
	for (q = lower; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	if (str_to_long(p->desc, &v) == 0) {
		if (strstr(lower, "to_days") != NULL && p->now->to_days > 0) {
			*days = v - p->now->to_days;
			r = 0;
		} else if (strstr(lower, "unix_timestamp") != NULL &&
		    p->now->unix_day > 0) {
			*days = (v - p->now->unix_day) / 86400;
			r = 0;
		} else if (date_to_days(p->desc, &v) == 0) {
			*days = v - p->now->to_days;
			r = 0;
		}
	} else if (date_to_days(p->desc, &v) == 0) {
		*days = v - p->now->to_days;
		r = 0;
	}
	free(lower);
	return r;
}

static void
parts_flush(struct parts *p)
{
	long days;

	if (p->table == NULL)
		return;
	p->tables++;
	if (p->desc != NULL && strstr(p->desc, "MAXVALUE") == NULL) {
		if (days_ahead(p, &days) == 0) {
			if (p->best_table == NULL || days < p->best) {
				p->best = days;
				free(p->best_table);
				free(p->best_desc);
				p->best_table = xstrdup(p->table);
				p->best_desc = xstrdup(p->desc);
			}
		} else if (p->unknown == NULL)
			p->unknown = xasprintf("%s (LESS THAN %s, expression "
			    "%s)", p->table, p->desc, p->expr ? p->expr : "?");
	}
	free(p->table);
	free(p->expr);
	free(p->desc);
	p->table = p->expr = p->desc = NULL;
}

static void
parts_row(MYSQL_ROW row, unsigned long *len, void *arg)
{
	struct parts *p = arg;

	(void)len;
	if (row[0] == NULL)
		return;
	if (p->table == NULL || strcmp(p->table, row[0]) != 0) {
		parts_flush(p);
		p->table = xstrdup(row[0]);
	}
	free(p->expr);
	free(p->desc);
	p->expr = xstrdup(row[1] ? row[1] : "");
	p->desc = xstrdup(row[2] ? row[2] : "");
}

static void
scheduler_facts(MYSQL *db, struct facts *out, const char *ep,
    const struct now *now)
{
	const char *v = now->scheduler;

	if (strcasecmp(v, "ON") == 0 || strcasecmp(v, "OFF") == 0 ||
	    strcasecmp(v, "DISABLED") == 0) {
		char *u = xstrdup(v);
		char *q;
		for (q = u; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		facts_set(out, "mysql.event_scheduler", u, 0,
		    "SELECT @@event_scheduler on %s", ep);
		free(u);
	} else
		facts_set(out, "mysql.event_scheduler", "unknown", 0,
		    "SELECT @@event_scheduler on %s gave \"%s\"", ep, v);
	(void)db;
}

static void
schema_facts(struct probe_ctx *ctx, MYSQL *db, struct facts *out,
    const char *ep, const struct now *now)
{
	const char *log_schema = conf_str(ctx->site->conf, "mysql.log_schema");
	const char *const *ev = conf_list(ctx->site->conf,
	    "mysql.event_schemas");
	const char *one[2] = { log_schema, NULL };
	struct events e = { 0, 0, NULL };
	struct parts p;
	char *list, *sql, *why = NULL;
	long n = 0;

	/* events: only where one of Job's schemas exists */
	list = sql_list(db, ev);
	sql = xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA "
	    "WHERE SCHEMA_NAME IN (%s)", list);
	if (query(db, sql, count_row, &n, ep, &why) == 0 && n > 0) {
		free(sql);
		sql = xasprintf("SELECT COUNT(*), COALESCE(SUM(STATUS = "
		    "'ENABLED'), 0), MAX(LAST_EXECUTED) FROM "
		    "information_schema.EVENTS WHERE EVENT_SCHEMA IN (%s)", list);
		if (query(db, sql, events_row, &e, ep, &why) == 0) {
			facts_set_long(out, "mysql.events.count", e.count,
			    "rows of information_schema.EVENTS in schemas %s on "
			    "%s", list, ep);
			facts_set_long(out, "mysql.events.enabled", e.enabled,
			    "of them with STATUS = 'ENABLED'");
			facts_set(out, "mysql.events.last_executed", e.last ?
			    e.last : "never", 0, "MAX(LAST_EXECUTED) of those "
			    "events");
		}
	} else if (why == NULL)
		facts_set(out, "mysql.events.schemas", "missing", 0, "none of "
		    "the schemas %s (setting mysql.event_schemas) exists on %s",
		    list, ep);
	free(e.last);
	free(sql);
	free(list);
	if (why != NULL) {
		facts_set(out, "mysql.events.error", why, 0, "reading "
		    "information_schema.EVENTS failed");
		free(why);
		why = NULL;
	}

	/* partitions of the log schema */
	list = sql_list(db, one);
	n = 0;
	sql = xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA "
	    "WHERE SCHEMA_NAME = %s", list);
	if (query(db, sql, count_row, &n, ep, &why) != 0 || n == 0) {
		if (why == NULL)
			facts_set(out, "mysql.log_schema", "missing", 0, "no "
			    "schema %s (setting mysql.log_schema) on %s", list,
			    ep);
		goto out;
	}
	facts_set(out, "mysql.log_schema", "present", 0, "schema %s on %s",
	    list, ep);
	free(sql);
	memset(&p, 0, sizeof p);
	p.now = now;
	sql = xasprintf("SELECT TABLE_NAME, PARTITION_EXPRESSION, "
	    "PARTITION_DESCRIPTION FROM information_schema.PARTITIONS WHERE "
	    "TABLE_SCHEMA = %s AND PARTITION_NAME IS NOT NULL AND "
	    "PARTITION_METHOD LIKE 'RANGE%%' ORDER BY TABLE_NAME, "
	    "PARTITION_ORDINAL_POSITION", list);
	if (query(db, sql, parts_row, &p, ep, &why) == 0) {
		parts_flush(&p);
		facts_set_long(out, "mysql.partitioned_tables", p.tables,
		    "RANGE-partitioned tables of schema %s in "
		    "information_schema.PARTITIONS on %s", list, ep);
		if (p.best_table != NULL) {
			char *t = xasprintf("%s.%s", log_schema, p.best_table);
			facts_set_long(out, "mysql.headroom_days", p.best,
			    "last partition of %s: VALUES LESS THAN (%s); "
			    "TO_DAYS(CURDATE()) = %ld", t, p.best_desc,
			    now->to_days);
			facts_set(out, "mysql.headroom_table", t, 0, "the "
			    "table with the fewest days of partitions ahead, "
			    "of %ld", p.tables);
			free(t);
		}
		if (p.unknown != NULL)
			facts_set(out, "mysql.headroom_unknown", p.unknown, 0,
			    "a partition bound jobfix cannot turn into a date");
	}
	parts_flush(&p);
	free(p.best_table);
	free(p.best_desc);
	free(p.unknown);
out:
	if (why != NULL) {
		facts_set(out, "mysql.query_error", why, 0, "a query of "
		    "information_schema failed");
		free(why);
	}
	free(sql);
	free(list);
}

/* The server's option files, as it was started: see the header. */
static void
option_file_facts(struct probe_ctx *ctx, struct facts *out, const char *ep,
    const struct now *now)
{
	static const char *const standard[] = {
		"/etc/my.cnf", "/etc/mysql/my.cnf",
	};
	struct transport *tp = ctx->tp;
	const char *mycnf = site_path(ctx->site, "site.mycnf");
	struct buf b = BUF_INIT, files = BUF_INIT, how = BUF_INIT;
	char *why = NULL, *path = NULL, *want = NULL, *extra = NULL;
	char *dfile = NULL, *p, *end;
	const char *tops[4];
	size_t ntops = 0, i, j;
	long pid = 0;
	int nodefaults = 0, found = 0;

	if (now->pid_file == NULL || *now->pid_file == '\0') {
		facts_set(out, "mysql.reads_mycnf", "unknown", 0, "%s has no "
		    "@@pid_file: the option files the server reads are not "
		    "known", ep);
		goto out;
	}
	if (tp_read(tp, now->pid_file, &b, 64, &why) != 0 ||
	    (str_trim(b.data ? b.data : (char *)""), str_to_long(b.data ?
	    b.data : "", &pid) != 0) || pid <= 0) {
		facts_set(out, "mysql.reads_mycnf", "unknown", 0, "@@pid_file "
		    "of %s is %s, which cannot be read on this host (%s): the "
		    "server may run elsewhere; the option files it reads are "
		    "not known", ep, now->pid_file, why ? why : "no pid");
		goto out;
	}
	facts_set_long(out, "mysql.pid", pid, "%s (@@pid_file of %s)",
	    now->pid_file, ep);
	buf_reset(&b);
	free(why);
	why = NULL;
	path = xasprintf("/proc/%ld/cmdline", pid);
	if (tp_read(tp, path, &b, 1 << 16, &why) != 0 || b.len == 0) {
		facts_set(out, "mysql.reads_mycnf", "unknown", 0, "%s cannot "
		    "be read (%s): how the server was started is not known",
		    path, why ? why : "empty");
		goto out;
	}
	/* argv, NUL-separated; the server takes these options first */
	for (p = b.data, end = b.data + b.len; p < end; p += strlen(p) + 1) {
		if (strcmp(p, "--no-defaults") == 0)
			nodefaults = 1;
		else if (str_startswith(p, "--defaults-file=") && dfile == NULL)
			dfile = xstrdup(p + 16);
		else if (str_startswith(p, "--defaults-extra-file=") &&
		    extra == NULL)
			extra = xstrdup(p + 22);
	}
	if (nodefaults) {
		buf_printf(&how, "%s: --no-defaults: the server reads no "
		    "option file", path);
	} else if (dfile != NULL) {
		tops[ntops++] = dfile;
		buf_printf(&how, "%s: --defaults-file=%s", path, dfile);
	} else {
		for (i = 0; i < nitems(standard); i++)
			tops[ntops++] = standard[i];
		if (extra != NULL)
			tops[ntops++] = extra;
		buf_printf(&how, "%s: no --defaults-file, so the standard "
		    "order /etc/my.cnf, /etc/mysql/my.cnf%s%s, ~/.my.cnf", path,
		    extra ? ", --defaults-extra-file=" : "", extra ? extra : "");
	}
	if ((dfile != NULL && *dfile != '/') || (extra != NULL &&
	    *extra != '/')) {
		facts_set(out, "mysql.reads_mycnf", "unknown", 0, "%s: a "
		    "relative option file path, read from the server's working "
		    "directory", how.data);
		goto out;
	}
	if (tp->ops->realpath(tp, mycnf, &want, &why) != 0)
		want = xstrdup(mycnf);
	free(why);
	why = NULL;
	for (i = 0; i < ntops; i++) {
		struct mycnf *m = NULL;
		char *cause = NULL;
		int r = mycnf_load(tp, tops[i], &m, &cause);

		if (r == -JF_ERR_NOTFOUND) {
			free(cause);
			continue;
		}
		if (r != 0) {
			facts_set(out, "mysql.reads_mycnf", "unknown", 0, "%s; "
			    "%s cannot be read as the server reads it: %s",
			    how.data, tops[i], cause);
			free(cause);
			goto out;
		}
		for (j = 0; j < mycnf_nfiles(m); j++) {
			const char *f = mycnf_file_path(m, j);
			char *real = NULL, *rwhy = NULL;
			if (tp->ops->realpath(tp, f, &real, &rwhy) != 0)
				real = xstrdup(f);
			free(rwhy);
			buf_printf(&files, "%s%s", files.len ? " " : "", real);
			if (strcmp(real, want) == 0)
				found = 1;
			free(real);
		}
		mycnf_free(m);
	}
	facts_set(out, "mysql.option_files", files.len ? files.data : "", 0,
	    "%s", how.data);
	if (found)
		facts_set(out, "mysql.reads_mycnf", "yes", 0, "%s is among the "
		    "option files of the server at %s (pid %ld): %s", want, ep,
		    pid, how.data);
	else
		facts_set(out, "mysql.reads_mycnf", "no", 0, "%s is not among "
		    "the option files of the server at %s (pid %ld: %s): %s",
		    want, ep, pid, files.len ? files.data : "none", how.data);
out:
	buf_free(&b);
	buf_free(&files);
	buf_free(&how);
	free(why);
	free(path);
	free(want);
	free(extra);
	free(dfile);
}

static int
is_auth_error(unsigned int e)
{
	return e == ER_ACCESS_DENIED || e == ER_DBACCESS_DENIED ||
	    e == ER_ACCESS_DENIED_NO_PASSWORD;
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct buf from = BUF_INIT, bad = BUF_INIT;
	const char *host, *port_s, *user, *pass, *khost, *kport, *kuser, *kpass;
	struct now now;
	char *ep = NULL, *h = NULL;
	unsigned int secs, proto = MYSQL_PROTOCOL_TCP;
	long port = 3306;
	MYSQL *db = NULL;
	int port_ok = 1;

	memset(&now, 0, sizeof now);
	(void)cause;
	host = svc_key(ctx, "keys.mysql_host", "host", &khost, &from);
	port_s = svc_key(ctx, "keys.mysql_port", "port", &kport, &from);
	user = svc_key(ctx, "keys.mysql_user", "user", &kuser, &from);
	pass = svc_key(ctx, "keys.mysql_password", "password", &kpass, &from);
	if (port_s != NULL && *port_s != '\0' && (str_to_long(port_s, &port) !=
	    0 || port < 1 || port > 65535))
		port_ok = 0;
	ep = xasprintf("%s:%ld", host && *host ? host : "?", port);
	facts_set(out, "mysql.endpoint", ep, 0, "%s", from.data ? from.data :
	    "");
	if (user != NULL)
		facts_set(out, "mysql.user", user, 0, "job.conf key %s", kuser);
	if (host == NULL) {
		/* the key names are guesses: an absent key is not a fault */
		facts_set(out, "mysql.status", "unconfigured", 0, "%s",
		    from.data);
		svc_set(out, "mysql.error", from.data, "job.conf has no key %s: "
		    "map Job's MySQL keys with keys.mysql_* in jobfix.conf",
		    khost);
		goto out;
	}
	if (*host == '\0')
		buf_printf(&bad, "%s", khost);
	if (user == NULL || *user == '\0')
		buf_printf(&bad, "%s%s", bad.len ? ", " : "", kuser);
	if (!port_ok)
		buf_printf(&bad, "%s%s", bad.len ? ", " : "", kport);
	if (bad.len) {
		facts_set(out, "mysql.status", "unconfigured", 0, "%s",
		    from.data);
		svc_set(out, "mysql.error", from.data, "job.conf lacks a "
		    "usable %s (keys.mysql_* in jobfix.conf map the key "
		    "names)", bad.data);
		facts_set(out, "mysql.bad_keys", bad.data, 0, "MySQL "
		    "connection settings missing or invalid in job.conf");
		goto out;
	}

	if (svc_mysql_begin(cause) != 0)
		goto fail;
	if ((db = mysql_init(NULL)) == NULL) {
		svc_mysql_end();
		set_cause(cause, JF_ERR_IO, "mysql_init: out of memory");
		goto fail;
	}
	/* whole seconds, rounded down so the probe ends within its deadline
	 * (at least 1 s: the library's smallest timeout) */
	secs = (unsigned int)(probe_time_left(ctx) / 1000);
	if (secs < 1)
		secs = 1;
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	/* TCP, as Job connects (JDBC): the client library would take
	 * "localhost" for its default Unix socket and ignore the port, and
	 * so look at whichever server owns that socket */
	mysql_options(db, MYSQL_OPT_PROTOCOL, &proto);
	h = xstrdup(host);
	if (mysql_real_connect(db, h, user, pass ? pass : "", NULL,
	    (unsigned int)port, NULL, 0) == NULL) {
		unsigned int e = mysql_errno(db);
		char *msg = redact(mysql_error(db));
		if (is_auth_error(e)) {
			facts_set(out, "mysql.status", "auth_failed", 0,
			    "login to %s as \"%s\" refused (error %u)", ep,
			    user, e);
			svc_set(out, "mysql.error", from.data, "%s refused "
			    "the login of \"%s\": %s (check job.conf keys %s "
			    "and %s)", ep, user, msg, kuser, kpass);
			buf_reset(&bad);
			buf_printf(&bad, "%s, %s", kuser, kpass);
			facts_set(out, "mysql.bad_keys", bad.data, 0, "MySQL "
			    "refused the login made with these keys");
		} else {
			facts_set(out, "mysql.status", "down", 0, "connecting "
			    "to %s over TCP (error %u, within %u s)", ep, e,
			    secs);
			if (e == 2013 && strstr(msg, "initial communication") !=
			    NULL)
				svc_set(out, "mysql.error", from.data, "%s "
				    "accepted the TCP connection but sent no "
				    "greeting within %u s (a frozen or "
				    "overloaded server, or a proxy without its "
				    "backend)", ep, secs);
			else
				svc_set(out, "mysql.error", from.data, "cannot "
				    "connect to %s: %s", ep, msg);
		}
		free(msg);
		goto done;
	}
	facts_set(out, "mysql.status", "ok", 0, "logged in to %s as \"%s\"",
	    ep, user);
	{
		char *why = NULL;
		if (query(db, "SELECT @@event_scheduler, VERSION(), "
		    "TO_DAYS(CURDATE()), UNIX_TIMESTAMP(CURDATE()), @@port, "
		    "@@socket, @@datadir, @@pid_file, @@hostname", now_row,
		    &now, ep, &why) != 0 || now.scheduler == NULL) {
			facts_set(out, "mysql.query_error", why ? why : "no row",
			    0, "SELECT @@event_scheduler failed");
			facts_set(out, "mysql.unchecked", "no answer", 0, "%s let "
			    "\"%s\" in, then did not answer SELECT "
			    "@@event_scheduler: %s", ep, user, why ? why :
			    "no row");
			svc_set(out, "mysql.error", from.data, "%s let \"%s\" in, "
			    "then did not answer SELECT @@event_scheduler: %s", ep,
			    user, why ? why : "no row");
			free(why);
			goto done;
		}
	}
	facts_set(out, "mysql.version", now.version, 0, "SELECT VERSION() on "
	    "%s", ep);
	/* which server answered: the one Job reaches at ep */
	facts_set(out, "mysql.server", ep, 0, "TCP to %s: the server of "
	    "host %s, @@port %s, @@socket %s", ep, now.server, now.port,
	    now.socket);
	facts_set(out, "mysql.port", now.port, 0, "SELECT @@port on %s", ep);
	facts_set(out, "mysql.socket", now.socket, 0, "SELECT @@socket on %s",
	    ep);
	facts_set(out, "mysql.datadir", now.datadir, 0, "SELECT @@datadir on "
	    "%s", ep);
	facts_set(out, "mysql.pid_file", now.pid_file, 0, "SELECT @@pid_file "
	    "on %s", ep);
	scheduler_facts(db, out, ep, &now);
	option_file_facts(ctx, out, ep, &now);
	schema_facts(ctx, db, out, ep, &now);
done:
	mysql_close(db);
	svc_mysql_end();
out:
	free(now.scheduler);
	free(now.version);
	free(now.server);
	free(now.port);
	free(now.socket);
	free(now.datadir);
	free(now.pid_file);
	free(ep);
	free_secret(h);
	buf_free(&from);
	buf_free(&bad);
	return 0;
fail:
	free(ep);
	buf_free(&from);
	buf_free(&bad);
	return -JF_ERR_IO;
}

const struct probe probe_mysql = {
	"mysql", "mysql.", 1, PROBE_NETWORK,
	"MySQL: login with job.conf's settings, @@event_scheduler, Job's "
	"events, partition headroom",
	run,
};
