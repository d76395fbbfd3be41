/*
 * step-sql.c - sql: change the running MySQL server, idempotently.
 *
 *   { type = "sql"; variable = "event_scheduler"; value = "ON"; }
 *       reads @@GLOBAL.event_scheduler; when it differs (case-insensitive),
 *       plans SET GLOBAL event_scheduler = ON, undone by setting the old
 *       value back.
 *   { type = "sql"; statement = "..."; check = "SELECT ..."; equals = "1";
 *     undo = "..."; }
 *       runs statement unless check's first value equals `equals`; undo
 *       (optional) is the statement that reverses it.
 *
 * Planning reads with Job's login: the MySQL settings of job.conf, as the
 * mysql probe uses them (keys.mysql_* in jobfix.conf).  Changes (apply and
 * undo) use the same login, unless jobfix.conf names a privileged one:
 * mysql.admin_defaults_file (a client option file, so no password is in
 * jobfix.conf or in argv) or mysql.admin_socket (root by socket
 * authentication on the database host).  Such a login must reach the very
 * server Job's login reaches (same @@hostname, @@port and @@datadir), or
 * nothing is run.  A statement refused for lack of privilege says so, with
 * the statement to run and the settings that name a privileged login.
 *
 * Statements are written in the playbook; the value of `variable = ...;
 * value = ...;` is checked to be a plain word or number, so data from facts
 * can never make it another statement.  Each apply and undo opens its own
 * connection.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe-svc.h"
#include "step-common.h"

#define SQL_TIMEOUT_MS 10000

struct sql_data {
	char *statement;
	char *undo;  /* or NULL */
};

static void
sql_data_free(void *p)
{
	struct sql_data *d = p;

	if (d == NULL)
		return;
	free(d->statement);
	free(d->undo);
	free(d);
}

/* A value that can stand in SET GLOBAL x = VALUE as it is. */
static int select_in(MYSQL *, const char *, const char *, char **, char **);

static int
plain_word(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

static int
connect_db(struct exec_ctx *ctx, MYSQL **db, char **ep, char **cause)
{
	int r;

	if ((r = svc_mysql_begin(cause)) != 0)
		return r;
	if ((r = svc_mysql_connect(ctx->conf, ctx->facts, SQL_TIMEOUT_MS, db,
	    ep, cause)) != 0) {
		svc_mysql_end();
		return r;
	}
	return 0;
}

static void
disconnect_db(MYSQL *db, char *ep)
{
	mysql_close(db);
	svc_mysql_end();
	free(ep);
}

/* 1 when sql holds the word INTO outside quotes: SELECT ... INTO OUTFILE
 * writes a file on the database host, even in a READ ONLY transaction, and
 * a check returns its value, so it never needs INTO. */
static int
sql_has_into(const char *sql)
{
	const char *p = sql;
	char q;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"' || *p == '`') {
			for (q = *p++; *p != '\0' && *p != q; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '\0')
				p++;
			continue;
		}
		if ((p == sql || !(isalnum((unsigned char)p[-1]) ||
		    p[-1] == '_')) && strncasecmp(p, "INTO", 4) == 0 &&
		    !(isalnum((unsigned char)p[4]) || p[4] == '_'))
			return 1;
		p++;
	}
	return 0;
}

/* A statement that only reads: SELECT or SHOW, with no INTO. */
static int
sql_is_query(const char *sql)
{
	const char *p = sql;

	while (isspace((unsigned char)*p) || *p == '(')
		p++;
	return ((strncasecmp(p, "SELECT", 6) == 0 && !isalnum((unsigned
	    char)p[6])) || (strncasecmp(p, "SHOW", 4) == 0 &&
	    !isalnum((unsigned char)p[4]))) && !sql_has_into(sql);
}

/*
 * The read-only query entry of planning: the first value of the first row
 * of a SELECT or SHOW ("" for NULL), inside a READ ONLY transaction that is
 * rolled back, so a check can read and never write.
 */
static int
select_one(MYSQL *db, const char *ep, const char *sql, char **out,
    char **cause)
{
	int r;

	*out = NULL;
	if (!sql_is_query(sql))
		return set_cause(cause, JF_ERR_PROGRAM, "MySQL at %s: \"%s\" "
		    "while planning: only SELECT and SHOW may run outside the "
		    "executor", ep, sql);
	if (mysql_query(db, "START TRANSACTION READ ONLY") != 0)
		return set_cause(cause, JF_ERR_IO, "MySQL at %s: START "
		    "TRANSACTION READ ONLY: %s", ep, mysql_error(db));
	r = select_in(db, ep, sql, out, cause);
	if (mysql_query(db, "ROLLBACK") != 0 && r == 0)
		r = set_cause(cause, JF_ERR_IO, "MySQL at %s: ROLLBACK: %s", ep,
		    mysql_error(db));
	return r;
}

static int
select_in(MYSQL *db, const char *ep, const char *sql, char **out,
    char **cause)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(db, sql) != 0)
		return set_cause(cause, JF_ERR_IO, "MySQL at %s: \"%s\": %s",
		    ep, sql, mysql_error(db));
	if ((res = mysql_store_result(db)) == NULL)
		return set_cause(cause, JF_ERR_IO, "MySQL at %s: \"%s\" gave "
		    "no rows", ep, sql);
	row = mysql_fetch_row(res);
	*out = xstrdup(row != NULL && row[0] != NULL ? row[0] : "");
	mysql_free_result(res);
	return 0;
}

/* "@@hostname:@@port:@@datadir" of the server db is logged in to. */
static int
server_identity(MYSQL *db, const char *ep, char **out, char **cause)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*out = NULL;
	if (mysql_query(db, "SELECT @@hostname, @@port, @@datadir") != 0 ||
	    (res = mysql_store_result(db)) == NULL)
		return set_cause(cause, JF_ERR_IO, "MySQL at %s: which server "
		    "is this (@@hostname, @@port, @@datadir): %s", ep,
		    mysql_error(db));
	if ((row = mysql_fetch_row(res)) != NULL && row[0] && row[1] && row[2])
		*out = xasprintf("%s:%s:%s", row[0], row[1], row[2]);
	mysql_free_result(res);
	if (*out == NULL)
		return set_cause(cause, JF_ERR_IO, "MySQL at %s: @@hostname, "
		    "@@port, @@datadir gave no row", ep);
	return 0;
}

/*
 * The login that changes the server: the one mysql.admin_defaults_file or
 * mysql.admin_socket names, checked to reach Job's own server, else Job's.
 * *who says which, for messages.
 */
static int
connect_admin(struct exec_ctx *ctx, MYSQL **out, char **ep, char **who,
    char **cause)
{
	const char *file = conf_str(ctx->conf, "mysql.admin_defaults_file");
	const char *sock = conf_str(ctx->conf, "mysql.admin_socket");
	unsigned int secs = (SQL_TIMEOUT_MS + 999) / 1000, proto;
	char *host = NULL, *jid = NULL, *aid = NULL, *aep = NULL, *msg;
	struct passwd *pw;
	MYSQL *job = NULL, *adm = NULL;
	int port = 0, r;

	*out = NULL;
	*who = NULL;
	if (file != NULL && *file == '\0')
		file = NULL;
	if (sock != NULL && *sock == '\0')
		sock = NULL;
	if (file == NULL && sock == NULL) {
		if ((r = connect_db(ctx, out, ep, cause)) == 0)
			*who = xstrdup("Job's login (job.conf)");
		return r;
	}
	if (file != NULL && sock != NULL)
		return set_cause(cause, JF_ERR_USAGE, "set one of "
		    "mysql.admin_defaults_file and mysql.admin_socket, not "
		    "both");
	if (file != NULL && (r = step_secret_file("mysql.admin_defaults_file", file,
	    NULL, cause)) != 0)
		return r;
	if ((r = connect_db(ctx, &job, ep, cause)) != 0)
		return r;
	if ((r = server_identity(job, *ep, &jid, cause)) != 0)
		goto out;
	if ((adm = mysql_init(NULL)) == NULL) {
		r = set_cause(cause, JF_ERR_IO, "mysql_init failed");
		goto out;
	}
	mysql_options(adm, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(adm, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(adm, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	if (file != NULL) {
		/* the file's [client] user and password, at Job's server */
		proto = MYSQL_PROTOCOL_TCP;
		mysql_options(adm, MYSQL_OPT_PROTOCOL, &proto);
		mysql_options(adm, MYSQL_READ_DEFAULT_FILE, file);
		mysql_options(adm, MYSQL_READ_DEFAULT_GROUP, "client");
		if (svc_host_port(*ep, 3306, &host, &port) != 0) {
			r = set_cause(cause, JF_ERR_PARSE, "MySQL endpoint "
			    "\"%s\"", *ep);
			goto out;
		}
		*who = xasprintf("the login in %s", file);
		aep = xstrdup(*ep);
		if (mysql_real_connect(adm, host, NULL, NULL, NULL,
		    (unsigned)port, NULL, 0) == NULL) {
			msg = redact(mysql_error(adm));
			r = set_cause(cause, JF_ERR_REFUSED, "MySQL at %s as "
			    "%s: %s", aep, *who, msg);
			free(msg);
			goto out;
		}
	} else {
		/* root, or whoever runs jobfix, by socket authentication */
		proto = MYSQL_PROTOCOL_SOCKET;
		mysql_options(adm, MYSQL_OPT_PROTOCOL, &proto);
		pw = getpwuid(geteuid());
		*who = xasprintf("\"%s\" over the socket %s", pw ?
		    pw->pw_name : "root", sock);
		aep = xstrdup(sock);
		if (mysql_real_connect(adm, NULL, pw ? pw->pw_name : "root",
		    NULL, NULL, 0, sock, 0) == NULL) {
			msg = redact(mysql_error(adm));
			r = set_cause(cause, JF_ERR_REFUSED, "MySQL at %s as "
			    "%s: %s", aep, *who, msg);
			free(msg);
			goto out;
		}
	}
	if ((r = server_identity(adm, aep, &aid, cause)) != 0)
		goto out;
	if (strcmp(aid, jid) != 0) {
		r = set_cause(cause, JF_ERR_REFUSED, "%s reaches the server "
		    "%s (@@hostname:@@port:@@datadir), but Job's login reaches "
		    "%s: jobfix changes only the server Job uses", *who, aid,
		    jid);
		goto out;
	}
	*out = adm;
	adm = NULL;
out:
	if (job != NULL)
		mysql_close(job);
	if (adm != NULL)
		mysql_close(adm);
	if (r != 0) {
		svc_mysql_end();
		free(*who);
		*who = NULL;
		free(*ep);
		*ep = NULL;
	} else {
		free(*ep);
		*ep = aep;
		aep = NULL;
	}
	free(host);
	free(jid);
	free(aid);
	free(aep);
	return r;
}

/* Errors that say the login may not do this, not that it failed. */
static int
privilege_error(unsigned int e)
{
	return e == ER_SPECIFIC_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR ||
	    e == ER_TABLEACCESS_DENIED_ERROR || e == ER_COLUMNACCESS_DENIED_ERROR ||
	    e == ER_PROCACCESS_DENIED_ERROR || e == ER_ACCESS_DENIED_ERROR;
}

static int
run_statement(struct exec_ctx *ctx, const char *sql, char **cause)
{
	MYSQL *db;
	MYSQL_RES *res;
	char *ep, *who, *msg, *shown;
	unsigned int e;
	int r;

	if ((r = connect_admin(ctx, &db, &ep, &who, cause)) != 0)
		return r;
	if (mysql_query(db, sql) != 0) {
		e = mysql_errno(db);
		msg = redact(mysql_error(db));
		shown = redact(sql);
		if (privilege_error(e))
			r = set_cause(cause, JF_ERR_REFUSED, "MySQL at %s "
			    "refused \"%s\" to %s (error %u: %s): that login "
			    "lacks the privilege.  Run it as a login that has "
			    "it: %s; or name one in mysql.admin_defaults_file, "
			    "or set mysql.admin_socket to log in as root on the "
			    "database host (jobfix.conf(5))", ep, shown, who, e,
			    msg, shown);
		else
			r = set_cause(cause, JF_ERR_IO, "MySQL at %s: \"%s\" "
			    "as %s: error %u: %s", ep, shown, who, e, msg);
		free(msg);
		free(shown);
	} else if ((res = mysql_store_result(db)) != NULL)
		mysql_free_result(res);
	disconnect_db(db, ep);
	free(who);
	return r;
}

static int
apply_sql(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct sql_data *d = c->data;

	(void)tp;
	return run_statement(ctx, d->statement, cause);
}

static int
undo_sql(struct change *c, struct exec_ctx *ctx, struct transport *tp,
    char **cause)
{
	struct sql_data *d = c->data;

	(void)tp;
	return run_statement(ctx, d->undo, cause);
}

static void
plan(struct change_list *out, const char *summary, char *statement,
    char *undo)
{
	struct sql_data *d = xcalloc(1, sizeof *d);
	struct change *c;

	d->statement = statement;
	d->undo = undo;
	c = change_new(CHANGE_ACTION, summary);
	c->display = redact(statement);
	if (undo != NULL)
		c->undo_display = redact(undo);
	c->apply = apply_sql;
	c->undo = undo ? undo_sql : NULL;
	c->data = d;
	c->data_free = sql_data_free;
	change_list_add(out, c);
}

static int
prepare(const struct step *st, struct exec_ctx *ctx, struct change_list *out,
    char **cause)
{
	char *var = NULL, *val = NULL, *stmt = NULL, *check = NULL;
	char *equals = NULL, *undo = NULL, *now = NULL, *ep = NULL, *q;
	char *summary = NULL;
	MYSQL *db = NULL;
	int w, r = 0;

	if ((w = step_when(st, ctx, cause)) < 0)
		return -JF_ERR_PARSE;
	if (w == 0)
		return 0;
	if (step_str(st, "variable") != NULL) {
		var = step_expand(st, ctx, "variable", NULL, cause);
		val = var ? step_expand(st, ctx, "value", NULL, cause) : NULL;
		if (var == NULL || val == NULL) {
			r = -JF_ERR_NOTFOUND;
			goto out;
		}
		if (!plain_word(var) || !plain_word(val)) {
			r = set_cause(cause, JF_ERR_PARSE, "variable and value "
			    "must be plain words: \"%s\" = \"%s\"", var, val);
			goto out;
		}
		if ((r = connect_db(ctx, &db, &ep, cause)) != 0)
			goto out;
		q = xasprintf("SELECT @@GLOBAL.%s", var);
		r = select_one(db, ep, q, &now, cause);
		free(q);
		if (r != 0)
			goto out;
		if (strcasecmp(now, val) == 0)
			goto out; /* already so */
		if (!plain_word(now)) {
			r = set_cause(cause, JF_ERR_PARSE, "MySQL at %s: "
			    "@@GLOBAL.%s is \"%s\": not a value jobfix can set "
			    "back", ep, var, now);
			goto out;
		}
		summary = xasprintf("set %s = %s in the running MySQL at %s "
		    "(now %s)", var, val, ep, now);
		plan(out, summary, xasprintf("SET GLOBAL %s = %s", var, val),
		    xasprintf("SET GLOBAL %s = %s", var, now));
		goto out;
	}
	if ((stmt = step_expand(st, ctx, "statement", NULL, cause)) == NULL) {
		r = -JF_ERR_NOTFOUND;
		goto out;
	}
	if (step_str(st, "check") != NULL) {
		if ((check = step_expand(st, ctx, "check", NULL, cause)) ==
		    NULL || (equals = step_expand(st, ctx, "equals", NULL,
		    cause)) == NULL) {
			r = -JF_ERR_NOTFOUND;
			goto out;
		}
		if ((r = connect_db(ctx, &db, &ep, cause)) != 0)
			goto out;
		if ((r = select_one(db, ep, check, &now, cause)) != 0)
			goto out;
		if (strcmp(now, equals) == 0)
			goto out;
	}
	if (step_str(st, "undo") != NULL &&
	    (undo = step_expand(st, ctx, "undo", NULL, cause)) == NULL) {
		r = -JF_ERR_NOTFOUND;
		goto out;
	}
	summary = xasprintf("run SQL in the running MySQL%s%s", ep ? " at " :
	    "", ep ? ep : "");
	plan(out, step_str(st, "summary") ? step_str(st, "summary") : summary,
	    stmt, undo);
	stmt = undo = NULL;
out:
	if (db != NULL)
		disconnect_db(db, ep);
	else
		free(ep);
	free(var);
	free(val);
	free(stmt);
	free(check);
	free(equals);
	free(undo);
	free(now);
	free(summary);
	return r;
}

static int
validate(const struct step *st, char **cause)
{
	int var = step_str(st, "variable") != NULL;
	int stmt = step_str(st, "statement") != NULL;

	if (var == stmt)
		return set_cause(cause, JF_ERR_PARSE, "give either variable "
		    "and value, or statement");
	if (var && step_str(st, "value") == NULL)
		return set_cause(cause, JF_ERR_PARSE, "variable needs value");
	if (var && (step_str(st, "check") || step_str(st, "undo") ||
	    step_str(st, "equals")))
		return set_cause(cause, JF_ERR_PARSE, "check, equals and undo "
		    "go with statement, not variable");
	if ((step_str(st, "check") != NULL) != (step_str(st, "equals") != NULL))
		return set_cause(cause, JF_ERR_PARSE, "check and equals go "
		    "together");
	if (step_str(st, "check") != NULL && !sql_is_query(step_str(st,
	    "check")))
		return set_cause(cause, JF_ERR_PARSE, "check must be a SELECT or "
		    "SHOW without INTO: it runs while planning, dry runs "
		    "included");
	return 0;
}

static const char *const params[] = { "variable", "value", "statement",
	"check", "equals", "undo", "when", "summary", NULL };

const struct step_type step_sql = {
	"sql", STEP_MUTATES, params,
	"change the running MySQL server: SET GLOBAL a variable, or run a "
	"statement unless a check says it is done",
	validate, prepare,
};
