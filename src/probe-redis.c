/*
 * probe-redis.c - Job's Redis, through hiredis, with the address and
 * password of job.conf (key names mapped by keys.redis_* in jobfix.conf).
 * Reads only: AUTH, PING, INFO.
 *
 *   redis.endpoint        HOST:PORT; evidence: the job.conf key of each part
 *   redis.status          ok | down | auth_failed | oom | unconfigured
 *   redis.error           why not ok, naming the endpoint and the keys
 *   redis.bad_keys        job.conf keys to check (start.credentials)
 *   redis.used_memory     INFO memory: used_memory (bytes)
 *   redis.maxmemory       INFO memory: maxmemory (0: no limit)
 *   redis.maxmemory_policy
 *   redis.oom_errors      INFO errorstats: errorstat_OOM count since start
 *
 *   redis.keys_with_ttl   INFO keyspace: keys that have an expiry (the
 *                         sum of expires= over the databases)
 *   redis.unchecked       what could not be asked (INFO had no answer):
 *                         "could not check", never "ok"
 *
 * oom: a maxmemory is set, memory is full, and Redis cannot evict: the
 * policy is noeviction, or a volatile-* policy while no key has a TTL
 * (volatile-* evicts only keys with one).  Every write Job makes is
 * refused with OOM (1250002).  allkeys-* policies evict any key.  Full is
 * used_memory at maxmemory, or within REDIS_FULL_MARGIN of it while writes
 * have been refused with OOM.  The margin is there because used_memory
 * counts the buffers of the clients connected at the time: when the client
 * that filled Redis goes away, used_memory drops a little below maxmemory,
 * and the next write of any size fills it again.
 */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "probe-svc.h"

/* within 1/REDIS_FULL_MARGIN of maxmemory counts as full once writes have
 * been refused with OOM (see above) */
#define REDIS_FULL_MARGIN 20

/* "name:value\r\n" in an INFO text; a new string or NULL. */
static char *
info_field(const char *info, const char *name)
{
	size_t n = strlen(name);
	const char *p = info, *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			end = p + strcspn(p, "\r\n");
			return xstrndup(p, (size_t)(end - p));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* The sum of "expires=N" over the "dbK:keys=..,expires=N,.." lines of
 * INFO keyspace (0 when no database has keys). */
static long
keys_with_ttl(const char *info)
{
	const char *p = info, *q;
	long sum = 0, v;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "db", 2) == 0 && (q = strstr(p, "expires=")) !=
		    NULL && q < p + strcspn(p, "\r\n")) {
			char *num = xstrndup(q + 8, strspn(q + 8, "0123456789"));
			if (str_to_long(num, &v) == 0)
				sum += v;
			free(num);
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return sum;
}

/* Why a command had no reply, in words: hiredis says "Resource
 * temporarily unavailable" when its read timeout expired. */
static const char *
silent(const redisContext *c)
{
	if (c->err == REDIS_ERR_IO && (strstr(c->errstr, "temporarily") !=
	    NULL || strstr(c->errstr, "timed out") != NULL))
		return "it accepted the TCP connection but did not answer "
		    "within the probe's deadline (a frozen or overloaded "
		    "server, or a proxy without its backend)";
	return c->errstr;
}

static redisReply *
command(redisContext *c, const struct probe_ctx *ctx, const char *fmt,
    const char *arg)
{
	struct timeval tv;

	svc_timeval(ctx, &tv);
	redisSetTimeout(c, tv);
	return arg ? redisCommand(c, fmt, arg) : redisCommand(c, fmt);
}

static void
memory_facts(redisContext *c, const struct probe_ctx *ctx, struct facts *out,
    const char *ep)
{
	redisReply *rep;
	char *used = NULL, *max = NULL, *policy = NULL, *oom = NULL;
	long u = 0, m = 0, n = 0, expires = -2; /* -2: not asked */
	int full;

	rep = command(c, ctx, "INFO memory", NULL);
	if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
		char *why = rep == NULL ? xstrdup(c->errstr) :
		    rep->type == REDIS_REPLY_ERROR ? redact(rep->str) :
		    xstrdup("not a text reply");
		svc_set(out, "redis.unchecked", NULL, "%s answered PING but "
		    "not INFO memory: %s", ep, why);
		svc_set(out, "redis.error", NULL, "%s answered PING but not "
		    "INFO memory (%s): its memory could not be checked", ep,
		    why);
		free(why);
		goto out;
	}
	used = info_field(rep->str, "used_memory");
	max = info_field(rep->str, "maxmemory");
	policy = info_field(rep->str, "maxmemory_policy");
	freeReplyObject(rep);
	rep = command(c, ctx, "INFO errorstats", NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
	    (oom = info_field(rep->str, "errorstat_OOM")) != NULL) {
		const char *q = strstr(oom, "count=");
		if (q == NULL || str_to_long(q + 6, &n) != 0)
			n = 0;
	}
	if (rep != NULL)
		freeReplyObject(rep);
	rep = NULL;
	if (policy != NULL && strncmp(policy, "volatile-", 9) == 0) {
		rep = command(c, ctx, "INFO keyspace", NULL);
		if (rep != NULL && rep->type == REDIS_REPLY_STRING)
			expires = keys_with_ttl(rep->str);
		if (rep != NULL)
			freeReplyObject(rep);
		rep = NULL;
		if (expires < 0) {
			svc_set(out, "redis.unchecked", NULL, "%s: no answer "
			    "to INFO keyspace: %s", ep, c->errstr);
			svc_set(out, "redis.error", NULL, "%s did not answer "
			    "INFO keyspace: whether it can evict under %s could "
			    "not be checked", ep, policy);
			goto out;
		}
		facts_set_long(out, "redis.keys_with_ttl", expires, "INFO "
		    "keyspace on %s: expires= summed over the databases", ep);
	}
	if (used == NULL || str_to_long(used, &u) != 0)
		u = 0;
	if (max == NULL || str_to_long(max, &m) != 0)
		m = 0;
	facts_set_long(out, "redis.used_memory", u, "INFO memory on %s", ep);
	facts_set_long(out, "redis.maxmemory", m, "INFO memory on %s", ep);
	facts_set(out, "redis.maxmemory_policy", policy ? policy : "?", 0,
	    "INFO memory on %s", ep);
	facts_set_long(out, "redis.oom_errors", n, "INFO errorstats on %s: "
	    "writes refused with OOM since Redis started", ep);
	full = m > 0 && (u >= m || (n > 0 && u >= m - m / REDIS_FULL_MARGIN));
	if (full && policy != NULL && strcmp(policy, "noeviction") == 0) {
		facts_set(out, "redis.status", "oom", 0, "used_memory %ld of "
		    "maxmemory %ld with policy noeviction on %s; %ld writes "
		    "refused with OOM since Redis started", u, m, ep, n);
		svc_set(out, "redis.error", NULL, "%s is full: used_memory "
		    "%ld of maxmemory %ld, policy noeviction: writes fail with "
		    "OOM (%ld so far)", ep, u, m, n);
	} else if (full && expires == 0) {
		facts_set(out, "redis.status", "oom", 0, "used_memory %ld of "
		    "maxmemory %ld with policy %s and no key with a TTL on %s; "
		    "%ld writes refused with OOM since Redis started", u, m,
		    policy, ep, n);
		svc_set(out, "redis.error", NULL, "%s is full: used_memory "
		    "%ld of maxmemory %ld, policy %s and no key has a TTL, so "
		    "nothing can be evicted: writes fail with OOM (%ld so far)",
		    ep, u, m, policy, n);
	} else
		facts_set(out, "redis.status", "ok", 0, "PING answered on %s; "
		    "used_memory %ld of maxmemory %ld", ep, u, m);
out:
	free(used);
	free(max);
	free(policy);
	free(oom);
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct buf from = BUF_INIT;
	const char *host, *port_s, *pass, *khost, *kport, *kpass;
	redisContext *c = NULL;
	redisReply *rep = NULL;
	struct timeval tv;
	char *ep = NULL, *msg;
	long port = 6379;

	(void)cause;
	host = svc_key(ctx, "keys.redis_host", "host", &khost, &from);
	port_s = svc_key(ctx, "keys.redis_port", "port", &kport, &from);
	pass = svc_key(ctx, "keys.redis_password", "password", &kpass, &from);
	if (port_s != NULL && *port_s != '\0' && (str_to_long(port_s, &port) !=
	    0 || port < 1 || port > 65535)) {
		facts_set(out, "redis.status", "unconfigured", 0, "%s", from.data);
		svc_set(out, "redis.error", from.data, "job.conf key %s is not "
		    "a port: \"%s\"", kport, port_s);
		facts_set(out, "redis.bad_keys", kport, 0, "not a port");
		goto out;
	}
	ep = xasprintf("%s:%ld", host && *host ? host : "?", port);
	facts_set(out, "redis.endpoint", ep, 0, "%s", from.data);
	if (host == NULL || *host == '\0') {
		/* the key names are guesses: only an empty value is a fault */
		facts_set(out, "redis.status", "unconfigured", 0, "%s", from.data);
		svc_set(out, "redis.error", from.data, "job.conf has no Redis "
		    "host in key %s (keys.redis_host in jobfix.conf maps the "
		    "name)", khost);
		if (host != NULL)
			facts_set(out, "redis.bad_keys", khost, 0, "empty");
		goto out;
	}
	svc_timeval(ctx, &tv);
	c = redisConnectWithTimeout(host, (int)port, tv);
	if (c == NULL || c->err) {
		facts_set(out, "redis.status", "down", 0, "connecting to %s "
		    "within %d ms", ep, ctx->timeout_ms);
		svc_set(out, "redis.error", from.data, "cannot connect to %s: "
		    "%s", ep, c ? c->errstr : "out of memory");
		goto out;
	}
	if (pass != NULL && *pass != '\0') {
		rep = command(c, ctx, "AUTH %s", pass);
		if (rep == NULL) {
			facts_set(out, "redis.status", "down", 0, "AUTH on %s",
			    ep);
			svc_set(out, "redis.error", from.data, "%s: no answer "
			    "to AUTH: %s", ep, silent(c));
			goto out;
		}
		if (rep->type == REDIS_REPLY_ERROR) {
			msg = redact(rep->str);
			facts_set(out, "redis.status", "auth_failed", 0,
			    "AUTH on %s with the password of job.conf key %s",
			    ep, kpass);
			svc_set(out, "redis.error", from.data, "%s refused the "
			    "password of job.conf key %s: %s", ep, kpass, msg);
			facts_set(out, "redis.bad_keys", kpass, 0, "Redis "
			    "refused this password");
			free(msg);
			goto out;
		}
		freeReplyObject(rep);
		rep = NULL;
	}
	rep = command(c, ctx, "PING", NULL);
	if (rep == NULL) {
		facts_set(out, "redis.status", "down", 0, "PING on %s", ep);
		svc_set(out, "redis.error", from.data, "%s: no answer to PING: "
		    "%s", ep, silent(c));
		goto out;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		msg = redact(rep->str);
		if (strncmp(msg, "NOAUTH", 6) == 0) {
			facts_set(out, "redis.status", "auth_failed", 0, "PING "
			    "on %s: %s", ep, msg);
			svc_set(out, "redis.error", from.data, "%s requires a "
			    "password and job.conf key %s %s", ep, kpass,
			    pass == NULL ? "is missing" : "is empty");
			facts_set(out, "redis.bad_keys", kpass, 0, "Redis "
			    "requires a password");
		} else {
			facts_set(out, "redis.status", "down", 0, "PING on %s",
			    ep);
			svc_set(out, "redis.error", from.data, "%s answered "
			    "PING with: %s", ep, msg);
		}
		free(msg);
		goto out;
	}
	memory_facts(c, ctx, out, ep);
out:
	if (rep != NULL)
		freeReplyObject(rep);
	if (c != NULL)
		redisFree(c);
	free(ep);
	buf_free(&from);
	return 0;
}

const struct probe probe_redis = {
	"redis", "redis.", 1, PROBE_NETWORK,
	"Redis: connect, AUTH and PING with job.conf's settings; memory "
	"against maxmemory",
	run,
};
