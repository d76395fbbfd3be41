/*
 * test-probe-logs.c - the logs probe on a temporary log directory through
 * the local transport: the facts other code depends on, by their exact
 * names, and their evidence.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "facts.h"
#include "probe.h"
#include "site.h"
#include "tap.h"

extern const struct probe probe_logs;

static char dir[] = "/tmp/test-probe-logs-XXXXXX";
static struct site *site;
static struct transport *tp;

static void
append(const char *name, const char *text)
{
	char *p = xasprintf("%s/logs/%s", dir, name);
	FILE *f = fopen(p, "a");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	free(p);
}

static struct facts *
probe(void)
{
	struct probe_ctx ctx;
	struct facts *out = facts_new();
	char *cause = NULL;
	int r;

	memset(&ctx, 0, sizeof ctx);
	ctx.site = site;
	ctx.tp = tp;
	ctx.deadline = now_ms() + 10000;
	ctx.timeout_ms = 10000;
	r = probe_logs.run(&ctx, out, &cause);
	if (r != 0)
		printf("# probe: %s\n", cause);
	ok(r == 0, "probe runs");
	free(cause);
	return out;
}

static const char *
ev(const struct facts *f, const char *name)
{
	const struct fact *x = facts_find(f, name);

	return x != NULL ? x->evidence : NULL;
}

int
main(void)
{
	struct conf *conf;
	struct facts *f;
	struct timeval old[2];
	char *cause = NULL, *p, *want, longline[2048];
	const char *v;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((conf = conf_load(NULL, &cause)) == NULL) {
		printf("Bail out! conf_load: %s\n", cause);
		return 1;
	}
	p = xasprintf("%s/logs", dir);
	conf_override(conf, "site.log_dir", p);
	free(p);
	p = xasprintf("%s/state", dir);
	conf_override(conf, "state_dir", p);
	free(p);
	tp = transport_local_new();
	site = site_new(conf, tp, "localhost");
	site->keep_state = 1; /* a fixing run: the offsets are kept */
	is_str(probe_logs.name, "logs", "name");
	is_str(probe_logs.prefix, "log.", "prefix");
	is_int(probe_logs.stage, 1, "stage 1");
	ok(probe_logs.flags & PROBE_HOST, "reads the host");

	/* no log directory at all: facts, no error */
	f = probe();
	is_str(facts_get(f, "log.job.exists"), "no", "job.log missing");
	is_str(facts_get(f, "log.error.exists"), "no", "error.log missing");
	is_str(facts_get(f, "log.job.fresh"), "no", "a missing log is not fresh");
	is_str(facts_get(f, "log.partition.count"), "0", "count 0");
	is_str(facts_get(f, "log.code_1213002.new"), "0", "new 0 for a code");
	ok(facts_get(f, "log.partition.last") == NULL, "no last line");
	ok(facts_get(f, "log.script_timeout.class") == NULL,
	    "no timeout class without a timeout line");
	facts_free(f);

	/* the logs appear */
	p = xasprintf("%s/logs", dir);
	mkdir(p, 0755);
	free(p);
	secret_register("s3cr3t-value");
	append("job.log", "2024-05-01 10:00:00 INFO start\n"
	    "2024-05-01 10:00:01 ERROR   Table has no partition for value 738001"
	    "  \n"
	    "2024-05-01 10:00:02 WARN ACCESS_REFUSED password s3cr3t-value\n"
	    "2024-05-01 10:00:03 ERROR Script log timed out, timeout 1000 s, "
	    "elapsed 1250 s\n");
	append("error.log", "Table has no partition for value 738002\r\n");
	f = probe();
	is_str(facts_get(f, "log.job.exists"), "yes", "job.log exists");
	is_str(facts_get(f, "log.error.exists"), "yes", "error.log exists");
	is_str(facts_get(f, "log.job.fresh"), "yes", "job.log fresh");
	is_str(facts_get(f, "log.partition.count"), "2", "counts of both files");
	is_str(facts_get(f, "log.partition.new"), "2", "both new");
	is_str(facts_get(f, "log.partition.last"),
	    "Table has no partition for value 738002",
	    "last line (error.log wins a tie), CR dropped");
	want = xasprintf("%s/logs/error.log:1", dir);
	is_str(ev(f, "log.partition.last"), want, "evidence FILE:LINE");
	free(want);
	is_str(facts_get(f, "log.amqp_access_refused.last"),
	    "2024-05-01 10:00:02 WARN ACCESS_REFUSED password ******",
	    "secrets redacted");
	is_str(facts_get(f, "log.script_timeout.class"), "agent",
	    "timeout class");
	v = ev(f, "log.script_timeout.class");
	ok(v != NULL && strstr(v, "1000") && strstr(v, "1250") &&
	    strstr(v, "job.log:4"), "class evidence quotes the numbers: %s",
	    v ? v : "");
	is_str(facts_get(f, "log.ssl.count"), "0", "ssl 0");
	facts_free(f);

	/* nothing new; then a new line in job.log only */
	f = probe();
	is_str(facts_get(f, "log.partition.count"), "2", "count kept");
	is_str(facts_get(f, "log.partition.new"), "0", "nothing new");
	facts_free(f);
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	memcpy(longline + 10, " SSLException ", 14);
	longline[sizeof longline - 2] = '\n';
	append("job.log", longline);
	append("job.log", "Script log timed out, timeout 1000 s, elapsed 1100 s\n");
	f = probe();
	is_str(facts_get(f, "log.ssl.new"), "1", "new ssl line");
	v = facts_get(f, "log.ssl.last");
	ok(v != NULL && strlen(v) == 300, "last line cut at 300 bytes");
	is_str(facts_get(f, "log.script_timeout.class"), "script",
	    "the latest timeout line decides");
	facts_free(f);

	/* an old job.log is not fresh */
	p = xasprintf("%s/logs/job.log", dir);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 3600;
	old[0].tv_usec = old[1].tv_usec = 0;
	utimes(p, old);
	free(p);
	f = probe();
	is_str(facts_get(f, "log.job.fresh"), "no", "an hour old: not fresh");
	facts_free(f);
	conf_override(conf, "logs.fresh_seconds", "7200");
	f = probe();
	is_str(facts_get(f, "log.job.fresh"), "yes", "logs.fresh_seconds read");
	facts_free(f);

	/* numbers the regexes cannot find: unclear */
	append("job.log", "Script log timed out\n");
	f = probe();
	is_str(facts_get(f, "log.script_timeout.class"), "unclear",
	    "no numbers: unclear");
	facts_free(f);

	site_free(site);
	transport_free(tp);
	conf_free(conf);
	p = xasprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		printf("# could not remove %s\n", dir);
	free(p);
	return tap_done();
}
