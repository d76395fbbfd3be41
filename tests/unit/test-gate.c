/*
 * test-gate.c - the gate is structural: the read-only view refuses every
 * write as a programming error and changes nothing; the query entry runs a
 * reading program through it; a site hands probes and planning only the
 * view; the executor refuses a change without the run lock or without an
 * audit log, and records one it makes ("applying", then "applied").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "exec.h"
#include "lock.h"
#include "log.h"
#include "report.h"
#include "site.h"
#include "tap.h"
#include "transport.h"

static char dir[64];

static char *
in_dir(const char *name)
{
	return path_join(dir, name);
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0)
		fatal("\"%s\": cannot write", path);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
test_view(void)
{
	struct transport *local = transport_local_new();
	struct transport *ro = transport_readonly_new(local);
	struct trun_result res;
	struct buf b = BUF_INIT;
	struct tstat st;
	char *target = in_dir("written"), *cause = NULL, *made;
	const char *argv_touch[3], *argv_echo[3];
	int r;

	ok(transport_is_readonly(ro) && !transport_is_readonly(local),
	    "the view says it is read-only, the transport not");
	is_str(ro->ops->name, "local", "the view keeps the inner name");

	r = tp_write(ro, target, "x", 1, 0644, &cause);
	is_int(r, -JF_ERR_PROGRAM, "a write through the view is a "
	    "programming error");
	ok(cause != NULL && strstr(cause, "read-only view") != NULL,
	    "and says so: %s", cause ? cause : "(none)");
	ok(!exists(target), "and the file was not made");
	free(cause);
	cause = NULL;

	r = tp_write(local, target, "x", 1, 0644, &cause);
	is_int(r, 0, "the writable transport writes");
	r = ro->ops->unlink(ro, target, &cause);
	is_int(r, -JF_ERR_PROGRAM, "unlink through the view is refused");
	ok(exists(target), "and the file is still there");
	free(cause);
	cause = NULL;

	made = in_dir("made-by-run");
	argv_touch[0] = "/usr/bin/touch";
	argv_touch[1] = made;
	argv_touch[2] = NULL;
	trun_result_init(&res);
	r = ro->ops->run(ro, argv_touch, NULL, NULL, 0, 5000, &res, &cause);
	is_int(r, -JF_ERR_PROGRAM, "run through the view is refused");
	ok(!exists(made), "and the program never ran");
	trun_result_free(&res);
	free(cause);
	cause = NULL;

	argv_echo[0] = "/bin/echo";
	argv_echo[1] = "listing";
	argv_echo[2] = NULL;
	trun_result_init(&res);
	r = tp_query(ro, argv_echo, NULL, NULL, 0, 5000, &res, &cause);
	ok(r == 0 && res.status == 0 && res.out.len > 0 &&
	    strncmp(res.out.data, "listing", 7) == 0,
	    "the query entry runs a reading program through the view");
	trun_result_free(&res);

	r = tp_read(ro, target, &b, 0, &cause);
	ok(r == 0 && b.len == 1, "reads pass through the view");
	memset(&st, 0, sizeof st);
	ok(tp_stat(ro, target, &st, &cause) == 0 && st.exists,
	    "stat passes through the view");
	buf_free(&b);
	free(made);
	free(target);
	transport_free(ro);
	transport_free(local);
}

/* A change of one file, as a step's prepare() would plan it. */
static struct change *
file_change(const char *path, const char *after)
{
	struct change *c = change_new(CHANGE_FILE, "set the test file");

	c->path = xstrdup(path);
	c->existed = 1;
	buf_set(&c->before, "old\n", 4);
	buf_set(&c->after, after, strlen(after));
	c->mode = 0644;
	return c;
}

static void
test_executor(void)
{
	struct conf *conf;
	struct transport *local = transport_local_new();
	struct site *site;
	struct report *rep;
	struct exec_ctx ctx;
	struct exec_opts xo;
	struct change *c;
	struct buf b = BUF_INIT;
	char *state = in_dir("state"), *logp = in_dir("audit.log");
	char *target = in_dir("conf-file"), *cause = NULL;
	char *badlog = in_dir("no-such-dir/x/audit.log"), *blocker;
	enum outcome o;
	int fd;

	conf = conf_load(NULL, &cause);
	ok(conf != NULL, "default settings load");
	conf_override(conf, "state_dir", state);
	conf_override(conf, "audit_log", logp);
	conf_override(conf, "audit.syslog", "false");
	site = site_new(conf, local, "testhost");
	ok(transport_is_readonly(site->tp), "the site hands out the read-only "
	    "view");
	ok(site->writable == local, "and keeps the writable one apart");

	put(target, "old\n");
	rep = report_new("fix", "testhost", "/", 0);
	memset(&xo, 0, sizeof xo);

	/* planning cannot write */
	exec_init(&ctx, site, NULL, rep, &xo);
	is_int(tp_write(ctx.tp, target, "new\n", 4, 0644, &cause),
	    -JF_ERR_PROGRAM, "a step's planning view refuses a write");
	free(cause);
	cause = NULL;

	/* no lock: refused, nothing changed, nothing recorded as applied */
	c = file_change(target, "new\n");
	o = exec_change(&ctx, c);
	is_int(o, OUT_SKIPPED, "a change without the run lock is refused");
	ok(c->message != NULL && strstr(c->message, "run lock") != NULL,
	    "saying why: %s", c->message ? c->message : "(none)");
	read_file_local(target, &b, 0, NULL);
	is_mem(b.data, b.len, "old\n", 4, "the file is untouched");
	buf_reset(&b);
	change_free(c);
	exec_cleanup(&ctx);

	/* the lock held: applied, recorded before and after */
	fd = lock_acquire(state, 0, &cause);
	ok(fd >= 0, "the run lock is taken");
	ok(lock_held(state), "and known to be held");
	exec_init(&ctx, site, NULL, rep, &xo);
	c = file_change(target, "new\n");
	o = exec_change(&ctx, c);
	is_int(o, OUT_CHANGED, "with the lock and the audit log, the change "
	    "is made");
	read_file_local(target, &b, 0, NULL);
	is_mem(b.data, b.len, "new\n", 4, "the file holds the new content");
	buf_reset(&b);
	exec_cleanup(&ctx); /* the change is on ctx.applied, owned here */
	change_free(c);
	read_file_local(logp, &b, 0, NULL);
	ok(b.data != NULL && strstr(b.data, "\"event\":\"applying\"") !=
	    NULL && strstr(b.data, "\"event\":\"applied\"") != NULL,
	    "the audit log has the applying and the applied record");
	ok(b.data != NULL && strstr(b.data, "\"host\":\"testhost\"") != NULL,
	    "records name the host");
	buf_reset(&b);

	/* no audit log (a file stands where its directory would be) */
	conf_override(conf, "audit_log", badlog);
	blocker = in_dir("no-such-dir");
	put(blocker, "not a directory\n");
	free(blocker);
	exec_init(&ctx, site, NULL, rep, &xo);
	c = file_change(target, "newer\n");
	buf_set(&c->before, "new\n", 4);
	o = exec_change(&ctx, c);
	is_int(o, OUT_SKIPPED, "a change without an audit log is refused");
	ok(c->message != NULL && strstr(c->message, "audit log") != NULL,
	    "saying why: %s", c->message ? c->message : "(none)");
	read_file_local(target, &b, 0, NULL);
	is_mem(b.data, b.len, "new\n", 4, "the file is untouched");
	buf_reset(&b);
	change_free(c);
	exec_cleanup(&ctx);

	/* a dry run opens no gate and changes nothing */
	xo.dry_run = 1;
	exec_init(&ctx, site, NULL, rep, &xo);
	ok(ctx.gate == NULL, "a dry run opens no gate");
	c = file_change(target, "dry\n");
	o = exec_change(&ctx, c);
	is_int(o, OUT_CHANGED, "a dry run plans the change");
	read_file_local(target, &b, 0, NULL);
	is_mem(b.data, b.len, "new\n", 4, "and changes nothing");
	buf_free(&b);
	change_free(c);
	exec_cleanup(&ctx);

	lock_release(fd);
	ok(!lock_held(state), "the lock is released");
	report_free(rep);
	site_free(site);
	transport_free(local);
	conf_free(conf);
	free(state);
	free(logp);
	free(badlog);
	free(target);
}

int
main(void)
{
	char *cmd;

	snprintf(dir, sizeof dir, "/tmp/jobfix-gate-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_view();
	test_executor();
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
