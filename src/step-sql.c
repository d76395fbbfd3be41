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
 * The connection is Job's: the MySQL settings of job.conf, as the mysql
 * probe uses them (keys.mysql_* in jobfix.conf).  Statements are written in
 * the playbook; the value of `variable = ...; value = ...;` is checked to be
 * a plain word or number, so data from facts can never make it another
 * statement.  Each apply and undo opens its own connection.
 */
#include "config.h"

#include <ctype.h>
#include <mysql.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* A statement that only reads: SELECT or SHOW. */
static int
sql_is_query(const char *sql)
{
	while (isspace((unsigned char)*sql) || *sql == '(')
		sql++;
	return (strncasecmp(sql, "SELECT", 6) == 0 && !isalnum((unsigned
	    char)sql[6])) || (strncasecmp(sql, "SHOW", 4) == 0 &&
	    !isalnum((unsigned char)sql[4]));
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

static int
run_statement(struct exec_ctx *ctx, const char *sql, char **cause)
{
	MYSQL *db;
	MYSQL_RES *res;
	char *ep;
	int r;

	if ((r = connect_db(ctx, &db, &ep, cause)) != 0)
		return r;
	if (mysql_query(db, sql) != 0)
		r = set_cause(cause, JF_ERR_IO, "MySQL at %s: \"%s\": error "
		    "%u: %s", ep, sql, mysql_errno(db), mysql_error(db));
	else if ((res = mysql_store_result(db)) != NULL)
		mysql_free_result(res);
	disconnect_db(db, ep);
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
		    "SHOW: it runs while planning, dry runs included");
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
