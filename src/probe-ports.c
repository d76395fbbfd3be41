/*
 * probe-ports.c - port conflicts (FAQ 1 start.port): the ports of the
 * job.conf keys listed in keys.ports clash with each other, or one is
 * already bound (a listening TCP socket) by a process that is not Job's
 * JVM (job.process_pattern, and the identity checks of probe-job.c: a
 * process named java holding Job's port is no proof).  The owner is named by pid and command line,
 * found by matching the socket's inode with /proc/PID/fd on this host (a
 * remote host's owner is not looked up).
 *
 *   ports.checked    KEY=PORT pairs looked at
 *   ports.conflict   what clashes, "; "-separated (absent when fine)
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netcheck.h"

#define PROC_ROOT "/proc"

struct jport {
	const char *key;
	long port;
};

/* The pid whose descriptors hold socket inode ino on this host, or 0. */
static pid_t
socket_owner(uint64_t ino)
{
	char want[64], path[PATH_MAX], link[64];
	struct dirent *p, *f;
	DIR *pd, *fd;
	ssize_t n;
	pid_t found = 0;

	snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)ino);
	if ((pd = opendir(PROC_ROOT)) == NULL)
		return 0;
	while (found == 0 && (p = readdir(pd)) != NULL) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, PROC_ROOT "/%s/fd", p->d_name);
		if ((fd = opendir(path)) == NULL)
			continue;
		while ((f = readdir(fd)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, PROC_ROOT "/%s/fd/%s",
			    p->d_name, f->d_name);
			n = readlink(path, link, sizeof link - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, want) == 0) {
				found = (pid_t)atol(p->d_name);
				break;
			}
		}
		closedir(fd);
	}
	closedir(pd);
	return found;
}

/* A port: "8008", or the port of "HOST:PORT". */
static int
parse_port(const char *val, long *port)
{
	char *host = NULL;
	int p;

	if (str_to_long(val, port) == 0)
		return *port >= 1 && *port <= 65535 ? 0 : -1;
	if (net_split_host_port(val, 0, &host, &p) == 0 && p > 0) {
		free(host);
		*port = p;
		return 0;
	}
	free(host);
	return -1;
}

static const char *
cmdline_of(const struct tproc *procs, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return procs[i].cmdline;
	return NULL;
}

static int
run(struct probe_ctx *ctx, struct facts *out, char **cause)
{
	struct conf *conf = ctx->site->conf;
	const char *const *keys = conf_list(conf, "keys.ports");
	const char *pattern;
	struct buf probs = BUF_INIT, checked = BUF_INIT;
	struct tsock *socks = NULL;
	struct tproc *procs = NULL;
	struct jport *v = NULL;
	size_t nv = 0, ns = 0, np = 0, i, j;
	regex_t re;
	int have_re, job_runs = 0, k, r;
	char *name;
	const char *val, *cmd;
	pid_t owner;
	char *origin, *otext;

	pattern = job_process_pattern(ctx, &origin, &otext);
	free(origin);
	free(otext);
	have_re = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0;
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		long port;
		name = xasprintf("jobconf.%s", keys[i]);
		val = facts_get(ctx->in, name);
		free(name);
		if (val == NULL || *val == '\0')
			continue;
		if (parse_port(val, &port) != 0) {
			buf_printf(&probs, "%s%s in job.conf is \"%s\", not a "
			    "port", probs.len ? "; " : "", keys[i], val);
			continue;
		}
		v = xreallocarray(v, nv + 1, sizeof *v);
		v[nv].key = keys[i];
		v[nv].port = port;
		buf_printf(&checked, "%s%s=%ld", checked.len ? " " : "",
		    keys[i], port);
		nv++;
	}
	if (nv == 0) {
		facts_set(out, "ports.checked", "", 0, "none of the job.conf "
		    "keys of keys.ports is set");
		goto done;
	}
	facts_setv(out, "ports.checked", checked.data, 0, "job.conf keys of "
	    "the setting keys.ports");
	for (i = 0; i < nv; i++)
		for (j = i + 1; j < nv; j++)
			if (v[i].port == v[j].port)
				buf_printf(&probs, "%s%s and %s in job.conf are both "
				    "%ld", probs.len ? "; " : "", v[i].key,
				    v[j].key, v[i].port);
	if ((r = ctx->tp->ops->list_tcp(ctx->tp, &socks, &ns, cause)) != 0 ||
	    (r = ctx->tp->ops->list_procs(ctx->tp, &procs, &np, cause)) != 0) {
		if (have_re)
			regfree(&re);
		free(v);
		free(socks);
		buf_free(&probs);
		buf_free(&checked);
		return r;
	}
	/* a command line is only a claim: Job is a match that passes the
	 * identity checks of probe-job.c (owner, java, its jar) */
	for (i = 0; have_re && job_runs != 1 && i < np; i++)
		if (regexec(&re, procs[i].cmdline, 0, NULL, 0) == 0 &&
		    (k = job_process_verified(ctx, procs[i].pid)) != 0)
			job_runs = k; /* -1: maybe Job, it cannot be checked */
	for (i = 0; i < nv; i++) {
		for (j = 0; j < ns; j++) {
			if (socks[j].state != 10 || socks[j].lport != v[i].port)
				continue;
			owner = ctx->site->local ? socket_owner(socks[j].inode) : 0;
			cmd = owner ? cmdline_of(procs, np, owner) : NULL;
			if (owner != 0 && cmd != NULL && have_re &&
			    regexec(&re, cmd, 0, NULL, 0) == 0 &&
			    job_process_verified(ctx, owner) != 0)
				break; /* Job's own socket, or maybe (unchecked) */
			if (owner != 0)
				buf_printf(&probs, "%sport %ld (job.conf %s) is "
				    "bound on %s by pid %ld: %.200s",
				    probs.len ? "; " : "", v[i].port, v[i].key,
				    socks[j].local, (long)owner,
				    cmd ? cmd : "(command unknown)");
			else if (job_runs == 0)
				buf_printf(&probs, "%sport %ld (job.conf %s) is "
				    "bound on %s by a process jobfix cannot see",
				    probs.len ? "; " : "", v[i].port, v[i].key,
				    socks[j].local);
			break;
		}
	}
done:
	if (probs.len > 0)
		facts_setv(out, "ports.conflict", probs.data, 0, "job.conf "
		    "ports against each other and the listening sockets");
	if (have_re)
		regfree(&re);
	free(v);
	free(socks);
	tprocs_free(procs, np);
	buf_free(&probs);
	buf_free(&checked);
	return 0;
}

const struct probe probe_ports = {
	"ports", "ports.", 1, PROBE_HOST,
	"Job's ports in job.conf: clashes, and sockets bound by other processes",
	run,
};
