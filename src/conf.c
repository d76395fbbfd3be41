/*
 * conf.c - jobfix.conf: the table of every setting, and lookups.
 *
 * The file is read once with libconfig; every leaf is checked against the
 * table (unknown name or wrong type: an error naming file and line) and kept
 * as text.  A lookup takes, in order, an override (command line, fleet
 * inventory), the file's value, the table's default, then expands ${name}
 * references to other settings.  References to names that are not settings
 * (${jobsh.path}) are left alone: the executor expands those from facts.
 *
 * Expanded values are cached; the cache is guarded by a mutex because probes
 * read settings from their own threads.  Each cached entry is allocated on
 * its own and never moves, so the strings and lists handed out stay put
 * while the cache grows.  Every lookup by name (the table, the file's
 * values, the overrides, the cache) goes through the string map
 * (strmap.h).
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "strmap.h"

static const struct conf_key keys[] = {
	/* The install and its files. */
	{ "site.root", CONF_STR, "/data/bkce", "install root of BlueKing (the standard layout is found under it)" },
	{ "site.job_conf", CONF_STR, "${site.root}/etc/job.conf", "Job's main configuration (Java properties)" },
	{ "site.job_sh", CONF_STR, "${site.root}/job/job/bin/job.sh", "Job's start script" },
	{ "site.job_sh_alt", CONF_STR, "${site.root}/job/job/bin/jo.sh", "start script name the FAQ uses, tried when job.sh is missing" },
	{ "site.mycnf", CONF_STR, "${site.root}/etc/my.cnf", "MySQL option file the server reads" },
	{ "site.log_dir", CONF_STR, "${site.root}/logs/job", "directory of job.log and error.log" },
	{ "site.cert_dir", CONF_STR, "${site.root}/cert", "certificate directory" },
	{ "site.templates_dir", CONF_STR, "${site.root}/../src", "rendering templates (MODULE/support-files/templates), beside the root (/data/src for /data/bkce), so -r on a copy edits the copy's; empty: none" },
	{ "site.agent_dir", CONF_STR, "/usr/local/gse/agent", "GSE agent install directory" },
	{ "site.host_name", CONF_STR, "", "name of this host in reports and the audit log; empty: the host name" },

	/* jobfix itself. */
	{ "state_dir", CONF_STR, JOBFIX_LOCALSTATEDIR "/lib/jobfix", "state: backups, log offsets, counters (env JOBFIX_STATE_DIR overrides)" },
	{ "audit_log", CONF_STR, JOBFIX_LOCALSTATEDIR "/log/jobfix/audit.log", "append-only audit log (env JOBFIX_AUDIT_LOG overrides)" },
	{ "metrics.textfile", CONF_STR, "", "Prometheus metrics of every run, for node_exporter's textfile collector: an absolute path ending in .prom (empty: none)" },
	{ "audit.syslog", CONF_BOOL, "true", "send each audit record to syslog too (one line, with its hash)" },

	/* Unattended runs (--auto, or --yes without a terminal); per playbook:
	 * policy.NAME.mode = "auto" | "confirm", policy.NAME.max_runs,
	 * policy.NAME.window_seconds. */
	{ "unattended.max_runs", CONF_INT, "3", "unattended runs of one playbook allowed per window; then it is held (0: never run unattended)" },
	{ "unattended.window_seconds", CONF_INT, "3600", "the rate-limit window, in seconds" },
	{ "unattended.maintenance_file", CONF_STR, "${state_dir}/maintenance", "while this file exists, unattended runs change nothing (jobfix pause / resume)" },
	/* A remote host's own jobfix (-H and fleet runs honour them). */
	{ "remote.state_dir", CONF_STR, JOBFIX_LOCALSTATEDIR "/lib/jobfix", "jobfix's state directory on a remote host: a run there holding its lock holds -H and fleet changes" },
	{ "remote.maintenance_file", CONF_STR, "${remote.state_dir}/maintenance", "a remote host's maintenance flag (jobfix pause there): while it exists, fleet and unattended -H runs change nothing there" },
	{ "remote.flock", CONF_STR, "/usr/bin/flock", "flock(1) on remote hosts, to test their run lock without taking it" },
	{ "playbook_dirs", CONF_LIST, JOBFIX_DATADIR "/playbooks," JOBFIX_SYSCONFDIR "/jobfix/playbooks.d", "directories of playbooks; a later one replaces an earlier by name" },
	{ "probes.deadline_ms", CONF_INT, "3000", "deadline of each probe" },
	{ "probes.disable", CONF_LIST, "", "probes not to run (names as in `jobfix facts`)" },
	{ "probes.only", CONF_LIST, "", "run only these probes after the site's files are read (empty: all)" },
	{ "probes.network", CONF_BOOL, "true", "run the probes that talk to services (false, or --offline: only the host's files and processes)" },

	/* How to act on services. */
	{ "commands.job_restart", CONF_LIST, "${jobsh.path},restart", "argv restarting Job" },
	{ "commands.job_status", CONF_LIST, "${jobsh.path},status", "argv asking Job's status" },
	{ "job.process_pattern", CONF_STR, "", "extended regex matching the command line of Job's JVM; empty: derived from the jar or main class Job's start script launches, else " JOB_PROCESS_FALLBACK },
	{ "job.console_log", CONF_STR, "job_jvm_console.log", "NOHUPLOG value that gives Job a console log" },
	{ "job.restart_wait_ms", CONF_INT, "5000", "how long to wait for Job's console log after a restart" },

	/* What job.conf must hold. */
	{ "jobconf.required", CONF_LIST, "${keys.amqp_addresses},${keys.amqp_username},${keys.amqp_password},app.code,app.secret,bk.paas.host,gse.taskserver.ip", "keys of job.conf that must be present and not empty (start.credentials); ${keys.NAME}: the key that setting names" },

	/* MySQL option files. */
	{ "mysql.groups", CONF_LIST, "mysqld,server,mariadb,mariadbd", "option-file groups the server reads; the first is where jobfix writes" },
	{ "mysql.log_schema", CONF_STR, "jobLog", "schema of Job's partitioned log tables (partition headroom)" },
	{ "mysql.event_schemas", CONF_LIST, "jobLog", "schemas whose events in information_schema.EVENTS are Job's" },
	{ "mysql.admin_defaults_file", CONF_STR, "", "a MySQL client option file ([client] user, password; mode 600) naming a login allowed to change the running server (SET GLOBAL); the sql step uses it instead of Job's login (empty: Job's login)" },
	{ "mysql.admin_socket", CONF_STR, "", "the running server's Unix socket on this host: the sql step logs in there as the user running jobfix (root) by socket authentication (empty: Job's login)" },
	{ "commands.mysql_restart", CONF_LIST, "/bin/systemctl,restart,mysql", "argv restarting MySQL (a guess: set it to how this site restarts its MySQL); runs only with --allow-restart or policy.PLAYBOOK.allow_restart" },

	/* Where Job's connection settings are in job.conf.  The MySQL and Redis
	 * key names are not documented publicly (PLATFORM.md): the defaults
	 * are guesses each site must check and map. */
	{ "keys.mysql_host", CONF_STR, "job.mysql.host", "job.conf key of MySQL's host (a guess: map it)" },
	{ "keys.mysql_port", CONF_STR, "job.mysql.port", "job.conf key of MySQL's port; absent: 3306 (a guess: map it)" },
	{ "keys.mysql_user", CONF_STR, "job.mysql.username", "job.conf key of the MySQL user (a guess: map it)" },
	{ "keys.mysql_password", CONF_STR, "job.mysql.password", "job.conf key of the MySQL password (a guess: map it)" },
	{ "keys.redis_host", CONF_STR, "job.redis.host", "job.conf key of Redis's host (a guess: map it)" },
	{ "keys.redis_port", CONF_STR, "job.redis.port", "job.conf key of Redis's port; absent: 6379 (a guess: map it)" },
	{ "keys.redis_password", CONF_STR, "job.redis.password", "job.conf key of the Redis password; absent or empty: no AUTH (a guess: map it)" },
	{ "keys.amqp_addresses", CONF_STR, "ijobs.amqp.addresses", "job.conf key of the RabbitMQ addresses, HOST:PORT[,HOST:PORT]" },
	{ "keys.amqp_username", CONF_STR, "ijobs.amqp.username", "job.conf key of the RabbitMQ user" },
	{ "keys.amqp_password", CONF_STR, "ijobs.amqp.password", "job.conf key of the RabbitMQ password" },

	/* RabbitMQ administration (playbook rabbitmq-bk-job-grant). */
	{ "rabbitmq.vhost", CONF_STR, "bk_job", "vhost Job logs in to" },
	{ "rabbitmq.ctl", CONF_STR, "/usr/sbin/rabbitmqctl", "rabbitmqctl on the RabbitMQ host" },
	{ "rabbitmq.node", CONF_STR, "", "node name for rabbitmqctl -n; empty: its default" },
	{ "rabbitmq.ctl_env", CONF_LIST, "", "NAME=VALUE environment for rabbitmqctl (HOME holding the Erlang cookie, ...)" },
	{ "rabbitmq.ctl_timeout_ms", CONF_INT, "60000", "deadline of one rabbitmqctl call" },
	{ "rabbitmq.api_url", CONF_STR, "http://127.0.0.1:15672", "the management plugin's HTTP API, as the jobfix process reaches it (also when the host is remote); the rabbitmq_account step uses it when rabbitmq.api_credentials_file is set too (empty: never; rabbitmqctl)" },
	{ "rabbitmq.api_credentials_file", CONF_STR, "", "a file (user = NAME, password = SECRET lines; mode 600 or 640, owned by root or the user running jobfix) with an administrator's login to the management API (empty: the API is not used; rabbitmqctl)" },
	{ "rabbitmq.api_timeout_ms", CONF_INT, "10000", "deadline of one management API request (connecting: at most 2 s of it)" },
	{ "rabbitmq.manage_password", CONF_BOOL, "false", "when the broker refuses Job's password, set the user's password to it (change_password)" },

	/* Logs. */
	{ "logs.fresh_seconds", CONF_INT, "600", "job.log younger than this counts as fresh" },
	{ "logs.timeout_limit_regex", CONF_STR, "[Tt]imeout[^0-9]{0,16}([0-9]+)", "extended regex; group 1 = the script's timeout in seconds" },
	{ "logs.timeout_elapsed_regex", CONF_STR, "([Cc]ost|[Ee]lapsed|[Rr]un)[^0-9]{0,16}([0-9]+)", "extended regex; last group = the time the script ran, in seconds" },

	/* The GSE agent (probe agent, playbook gse-agent-restart). */
	{ "agent.conf", CONF_STR, "${site.agent_dir}/etc/agent.conf", "the agent's configuration (JSON: cloudid, taskserver)" },
	{ "agent.gsectl", CONF_STR, "${site.agent_dir}/bin/gsectl", "the agent's control script (start|stop|restart)" },
	{ "agent.process_pattern", CONF_STR, "(^|/)gse_agent( |$)", "extended regex matching the command line of an agent process" },
	{ "agent.processes", CONF_INT, "2", "processes a healthy agent runs (1.x: master and worker)" },
	{ "agent.required", CONF_BOOL, "false", "a host without agent.conf or agent process has a dead agent (fleet runs set it); false: such a host has no agent" },
	{ "agent.port", CONF_INT, "48533", "gse_task's port for agents" },
	{ "agent.cloudid", CONF_STR, "", "expected cloud area ID of the agent; empty: not compared (inventory: cloudid=N)" },
	{ "agent.log_dir", CONF_STR, "/var/log/gse", "the agent's logs, quoted when a restart does not bring the link back" },
	{ "agent.log_lines", CONF_INT, "20", "lines of the agent log quoted on failure" },
	{ "agent.restart_wait_ms", CONF_INT, "20000", "how long a restarted agent has to run its processes and reach gse_task" },
	{ "commands.gse_agent_restart", CONF_LIST, "${agent.gsectl},restart", "argv restarting the GSE agent" },

	/* Remote hosts (-H, fleet). */
	{ "ssh.user", CONF_STR, "", "remote user; empty: the current user (USER@HOST wins)" },
	{ "ssh.port", CONF_INT, "22", "remote port (HOST:PORT wins)" },
	{ "ssh.identity", CONF_STR, "", "private key file; empty: ssh-agent, then ~/.ssh/id_ed25519 and id_rsa (-i, --identity win)" },
	{ "ssh.known_hosts", CONF_STR, "", "known_hosts file; empty: ~/.ssh/known_hosts (--known-hosts wins)" },
	{ "ssh.accept_new_hostkey", CONF_BOOL, "false", "record the key of a host not in known_hosts (never a changed key)" },
	{ "ssh.connect_timeout_ms", CONF_INT, "10000", "deadline of connect, key exchange and authentication" },
	{ "ssh.op_timeout_ms", CONF_INT, "20000", "deadline of every remote operation" },

	/* jobfix fleet. */
	{ "fleet.forks", CONF_INT, "50", "hosts worked on at once (-f)" },
	{ "fleet.probes", CONF_LIST, "agent", "the probes a fleet run uses on every host (the others are disabled); an inventory host may set probes.disable itself" },
	{ "fleet.host_timeout_ms", CONF_INT, "300000", "deadline of one host's whole run; past it the host ends failed" },
	{ "fleet.shared_faults", CONF_LIST, "agent.link,agent.tls,agent.cloud", "faults that, on many hosts at once, point to one shared cause rather than to each host" },
	{ "fleet.shared_percent", CONF_INT, "50", "share of the first wave of hosts showing one shared fault that stops a fix (--go-on overrides)" },
	{ "fleet.shared_min_hosts", CONF_INT, "5", "fewest hosts with the same shared fault before it counts as shared" },

	/* GSE, license, certificates, PaaS, CMDB, consul, ports, NFS.
	 * Key names marked "a guess" are not documented publicly
	 * (PLATFORM.md [U]): map them to this site's job.conf. */
	{ "keys.gse_task_port", CONF_STR, "gse.taskserver.port", "job.conf key of gse_task's port for Job; absent: gse.task_port (a guess: map it)" },
	{ "gse.task_port", CONF_INT, "48669", "gse_task's port for Job when job.conf does not say" },
	{ "gse.tls_ca", CONF_STR, "${site.cert_dir}/gseca.crt", "CA that signed gse_task's certificate (PEM)" },
	{ "gse.tls_cert", CONF_STR, "${site.cert_dir}/gse_api_client.crt", "client certificate Job presents to gse_task (PEM; the .p12 keystore holds the same)" },
	{ "gse.tls_key", CONF_STR, "${site.cert_dir}/gse_api_client.key", "its private key (PEM, unencrypted)" },
	{ "gse.gsectl", CONF_STR, "${site.root}/gse/server/bin/gsectl", "GSE server control script; when it exists, GSE runs on this host" },
	{ "gse.processes", CONF_LIST, "gse_task", "GSE server programs that must run when GSE runs on this host" },
	{ "commands.gse_task_restart", CONF_LIST, "${gse.gsectl},restart,task", "argv restarting gse_task (playbook gse-task-restart, only where GSE runs locally)" },
	{ "keys.license_url", CONF_STR, "license.server.url", "job.conf key of the license server, URL or HOST[:PORT] (a guess: map it)" },
	{ "license.port", CONF_INT, "8443", "license server port when its address has none" },
	{ "license.platform_cert", CONF_STR, "${site.cert_dir}/platform.cert", "file POSTed to the license server's /certificate health check" },
	{ "license.ca", CONF_STR, "${site.cert_dir}/gseca.crt", "CA of the license server's certificate (PEM); empty: the system's CAs" },
	{ "license.client_cert", CONF_STR, "", "client certificate for the license server (PEM); empty: none" },
	{ "license.client_key", CONF_STR, "", "its private key (PEM)" },
	{ "cert.ca", CONF_STR, "gseca.crt", "the CA in site.cert_dir (or an absolute path) the certificates must verify against" },
	{ "cert.names", CONF_LIST, "gse_server,gse_api_client", "NAME.crt/NAME.key pairs in site.cert_dir to check (start.cert); missing ones are skipped" },
	{ "cert.server_name", CONF_STR, "gse_server", "which of cert.names is gse_task's certificate" },
	{ "cert.agent_name", CONF_STR, "gse_agent", "the agent's NAME.crt/NAME.key in site.cert_dir (agent.tls)" },
	{ "cert.expiry_days", CONF_INT, "30", "a certificate expiring within this many days is reported" },
	{ "paas.check_path", CONF_STR, "/login/accounts/is_login/", "path asked of bk.paas.host; PaaS answers it with JSON (a guess: any JSON path of PaaS works)" },
	{ "keys.cmdb_url", CONF_STR, "cmdb.server.url", "job.conf key of CMDB's address, URL or HOST[:PORT] (a guess: map it)" },
	{ "cmdb.check_path", CONF_STR, "/healthz", "path asked of CMDB; it answers JSON (a guess)" },
	{ "consul.resolv_conf", CONF_STR, "/etc/resolv.conf", "resolver configuration that must list 127.0.0.1 first and no rotate" },
	{ "consul.system_resolver", CONF_STR, "libc", "how names are resolved \"through the system\": libc (getaddrinfo) or resolv.conf (ask its first nameserver on consul.resolv_port; sandboxes)" },
	{ "consul.resolv_port", CONF_INT, "53", "port of resolv.conf's nameservers when consul.system_resolver = resolv.conf" },
	{ "consul.dns_address", CONF_STR, "127.0.0.1", "consul's DNS interface" },
	{ "consul.dns_port", CONF_INT, "53", "its port (consul's own default is 8600; BlueKing serves it on 53)" },
	{ "keys.ports", CONF_LIST, "job.web.port,job.api.port", "job.conf keys of the ports Job binds (start.port; a guess: map them)" },
	{ "keys.nfs_path", CONF_STR, "job.storage.path", "job.conf key of Job's NFS storage path (a guess: map it)" },
	{ "nfs.path", CONF_STR, "", "Job's NFS storage path; empty: the job.conf key keys.nfs_path" },
	{ "nfs.mountinfo", CONF_STR, "/proc/self/mountinfo", "mount table read to find the storage path's file system" },
	{ "nfs.fstypes", CONF_LIST, "nfs,nfs4", "file system types that count as NFS" },
	{ "nfs.stat", CONF_STR, "/usr/bin/stat", "stat(1), asked for the storage's free blocks (stat -f, a read-only query)" },
	{ "job.health_url", CONF_STR, "", "Job's health URL (http://JOB/healthz); empty: not checked" },
};

/* Settings whose names are not known in advance (playbook names). */
static const char *const dynamic_prefixes[] = { "policy." };

struct conf_value {
	char *name;
	char *value;      /* scalars */
	char **list;      /* lists, NULL-terminated */
	int line;
};

/* Values by name, in the order first set. */
struct conf_values {
	struct conf_value *v;
	size_t n, cap;
	struct strmap *index; /* name -> position in v */
};

struct conf_cache {
	char *name;
	char *value;
	char **list;
};

/* Expanded values by name; each entry allocated on its own. */
struct conf_cache_set {
	struct conf_cache **v;
	size_t n, cap;
	struct strmap *index;
};

struct conf {
	char *path;
	struct conf_values vals;
	struct conf_values over;
	struct conf_cache_set cache;
	/* Caches an override made stale.  Their strings were handed out by
	 * conf_str() and may still be in use, so they live until conf_free. */
	struct conf_cache_set *retired;
	size_t nretired;
	pthread_mutex_t lock;
};

const struct conf_key *
conf_keys(size_t *n)
{
	*n = nitems(keys);
	return keys;
}

/* The table by name, built once. */
static struct strmap *key_index;
static pthread_once_t key_index_once = PTHREAD_ONCE_INIT;

static void
key_index_build(void)
{
	size_t i;

	key_index = strmap_new();
	for (i = 0; i < nitems(keys); i++)
		strmap_put(key_index, keys[i].name, i);
}

static const struct conf_key *
key_find(const char *name)
{
	size_t i;

	pthread_once(&key_index_once, key_index_build);
	i = strmap_get(key_index, name);
	return i == STRMAP_NONE ? NULL : &keys[i];
}

static int
is_dynamic(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(dynamic_prefixes); i++)
		if (str_startswith(name, dynamic_prefixes[i]))
			return 1;
	return 0;
}

static void
values_init(struct conf_values *vs)
{
	memset(vs, 0, sizeof *vs);
	vs->index = strmap_new();
}

static void
values_free(struct conf_values *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
		strv_free(vs->v[i].list);
	}
	free(vs->v);
	strmap_free(vs->index);
}

static const struct conf_value *
values_find(const struct conf_values *vs, const char *name)
{
	size_t i = strmap_get(vs->index, name);

	return i == STRMAP_NONE ? NULL : &vs->v[i];
}

/* Sets name; takes list. */
static void
value_add(struct conf_values *vs, const char *name, const char *value,
    char **list, int line)
{
	struct conf_value *e;
	size_t i = strmap_get(vs->index, name);

	if (i == STRMAP_NONE) {
		if (vs->n == vs->cap) {
			vs->cap = vs->cap ? vs->cap * 2 : 16;
			vs->v = xreallocarray(vs->v, vs->cap, sizeof *vs->v);
		}
		e = &vs->v[vs->n];
		e->name = xstrdup(name);
		strmap_put(vs->index, e->name, vs->n++);
	} else {
		e = &vs->v[i]; /* its name (the index's key) stays */
		free(e->value);
		strv_free(e->list);
	}
	e->value = value ? xstrdup(value) : NULL;
	e->list = list;
	e->line = line;
}

/* Walks the libconfig tree, checking every leaf against the table. */
static int
walk(struct conf *c, config_setting_t *s, const char *prefix, char **cause)
{
	config_setting_t *e;
	const struct conf_key *k;
	char *name, num[32], **list;
	const char *str;
	int i, n, type = config_setting_type(s), r = 0;
	int line = (int)config_setting_source_line(s);

	name = prefix[0] ? (config_setting_name(s) ?
	    xasprintf("%s.%s", prefix, config_setting_name(s)) : xstrdup(prefix)) :
	    xstrdup(config_setting_name(s) ? config_setting_name(s) : "");
	if (type == CONFIG_TYPE_GROUP) {
		n = config_setting_length(s);
		for (i = 0; i < n && r == 0; i++)
			r = walk(c, config_setting_get_elem(s, (unsigned)i),
			    name, cause);
		goto out;
	}
	k = key_find(name);
	if (k == NULL && !is_dynamic(name)) {
		r = set_cause(cause, JF_ERR_PARSE,
		    "%s:%d: unknown setting \"%s\"", c->path, line, name);
		goto out;
	}
	if (type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) {
		if (k != NULL && k->type != CONF_LIST) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: \"%s\" takes one value, not a list",
			    c->path, line, name);
			goto out;
		}
		n = config_setting_length(s);
		list = xcalloc((size_t)n + 1, sizeof *list);
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				strv_free(list);
				r = set_cause(cause, JF_ERR_PARSE,
				    "%s:%d: \"%s\" is a list of strings",
				    c->path, line, name);
				goto out;
			}
			list[i] = xstrdup(config_setting_get_string(e));
		}
		value_add(&c->vals, name, NULL, list, line);
		goto out;
	}
	if (k != NULL && k->type == CONF_LIST) {
		r = set_cause(cause, JF_ERR_PARSE,
		    "%s:%d: \"%s\" takes a list: [ \"...\", ... ]", c->path,
		    line, name);
		goto out;
	}
	switch (type) {
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		if (k != NULL && k->type != CONF_STR) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: \"%s\" takes a %s, not a string", c->path,
			    line, name, k->type == CONF_INT ? "number" :
			    "true or false");
			goto out;
		}
		if (strcmp(name, "metrics.textfile") == 0 && *str != '\0' &&
		    (str[0] != '/' || !str_endswith(str, ".prom"))) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: \"%s\" is an absolute path ending in .prom "
			    "(node_exporter's textfile collector reads only "
			    "those), not \"%s\"", c->path, line, name, str);
			goto out;
		}
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (k != NULL && k->type != CONF_INT) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: \"%s\" takes a %s, not a number", c->path,
			    line, name, k->type == CONF_STR ? "string" :
			    "true or false");
			goto out;
		}
		snprintf(num, sizeof num, "%lld",
		    (long long)config_setting_get_int64(s));
		str = num;
		break;
	case CONFIG_TYPE_BOOL:
		if (k != NULL && k->type != CONF_BOOL) {
			r = set_cause(cause, JF_ERR_PARSE,
			    "%s:%d: \"%s\" does not take true or false",
			    c->path, line, name);
			goto out;
		}
		str = config_setting_get_bool(s) ? "true" : "false";
		break;
	default:
		r = set_cause(cause, JF_ERR_PARSE,
		    "%s:%d: \"%s\" has a type jobfix does not use", c->path,
		    line, name);
		goto out;
	}
	value_add(&c->vals, name, str, NULL, line);
out:
	free(name);
	return r;
}

static void cache_init(struct conf_cache_set *);

static struct conf *
conf_alloc(const char *path)
{
	struct conf *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->lock, NULL);
	c->path = xstrdup(path);
	values_init(&c->vals);
	values_init(&c->over);
	cache_init(&c->cache);
	return c;
}

struct conf *
conf_load(const char *path, char **cause)
{
	struct conf *c;
	config_t cfg;
	struct buf b = BUF_INIT;
	int r;

	c = conf_alloc(path ? path : "(defaults)");
	if (path == NULL)
		return c;
	/* Read it ourselves: a clear error for missing, unreadable, huge or
	 * binary files, and libconfig never opens @include'd files for us. */
	if ((r = read_file_local(path, &b, 1 << 20, cause)) != 0) {
		conf_free(c);
		return NULL;
	}
	if (memchr(b.data, '\0', b.len) != NULL) {
		set_cause(cause, JF_ERR_PARSE, "%s: binary data (NUL byte)",
		    path);
		buf_free(&b);
		conf_free(c);
		return NULL;
	}
	config_init(&cfg);
	if (config_read_string(&cfg, b.data) != CONFIG_TRUE) {
		set_cause(cause, JF_ERR_PARSE, "%s:%d: %s", path,
		    config_error_line(&cfg), config_error_text(&cfg));
		goto fail;
	}
	if (walk(c, config_root_setting(&cfg), "", cause) != 0 ||
	    conf_check(c, cause) != 0)
		goto fail;
	config_destroy(&cfg);
	buf_free(&b);
	return c;
fail:
	config_destroy(&cfg);
	buf_free(&b);
	conf_free(c);
	return NULL;
}

static void
cache_init(struct conf_cache_set *cs)
{
	memset(cs, 0, sizeof *cs);
	cs->index = strmap_new();
}

static void
cache_free(struct conf_cache_set *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i]->name);
		free(cs->v[i]->value);
		strv_free(cs->v[i]->list);
		free(cs->v[i]);
	}
	free(cs->v);
	strmap_free(cs->index);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	values_free(&c->vals);
	values_free(&c->over);
	cache_free(&c->cache);
	for (i = 0; i < c->nretired; i++)
		cache_free(&c->retired[i]);
	free(c->retired);
	free(c->path);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

const char *
conf_path(const struct conf *c)
{
	return c->path;
}

struct conf *
conf_dup(const struct conf *c)
{
	struct conf *d;
	size_t i;

	d = conf_alloc(c->path);
	for (i = 0; i < c->vals.n; i++)
		value_add(&d->vals, c->vals.v[i].name, c->vals.v[i].value,
		    c->vals.v[i].list ? strv_dup(c->vals.v[i].list) : NULL,
		    c->vals.v[i].line);
	for (i = 0; i < c->over.n; i++)
		value_add(&d->over, c->over.v[i].name, c->over.v[i].value,
		    c->over.v[i].list ? strv_dup(c->over.v[i].list) : NULL, 0);
	return d;
}

/* An override may change any expansion: start a new cache, and keep the
 * old one's strings alive (callers may hold them) until conf_free. */
static void
cache_retire(struct conf *c)
{
	if (c->cache.n == 0)
		return;
	c->retired = xreallocarray(c->retired, c->nretired + 1,
	    sizeof *c->retired);
	c->retired[c->nretired++] = c->cache;
	cache_init(&c->cache);
}

void
conf_override(struct conf *c, const char *name, const char *value)
{
	const struct conf_key *k = key_find(name);

	pthread_mutex_lock(&c->lock);
	value_add(&c->over, name,
	    (k != NULL && k->type == CONF_LIST) ? NULL : value,
	    (k != NULL && k->type == CONF_LIST) ? strv_split(value, ",") : NULL,
	    0);
	cache_retire(c);
	pthread_mutex_unlock(&c->lock);
}

static const struct conf_value *
raw_find(const struct conf *c, const char *name)
{
	const struct conf_value *v;

	if ((v = values_find(&c->over, name)) != NULL)
		return v;
	return values_find(&c->vals, name);
}

/* The unexpanded text of a scalar setting; NULL if unset. */
static const char *
raw_str(const struct conf *c, const char *name)
{
	const struct conf_value *v = raw_find(c, name);
	const struct conf_key *k;

	if (v != NULL && v->value != NULL)
		return v->value;
	if (v == NULL && (k = key_find(name)) != NULL && k->type != CONF_LIST)
		return k->def;
	return NULL;
}

/*
 * Expands ${name} where name is a scalar setting, into b.  Bounded three
 * ways, so that no configuration or inventory line can make it explode:
 * depth (8), size (CONF_EXPAND_MAX bytes of output) and work (references
 * followed, CONF_EXPAND_REFS: values of empty references cost no output).
 * Returns -1 past a bound, -2 when references nest deeper than 8 (a
 * cycle: ${a} in b and ${b} in a), with b holding what fitted.
 */
static int
expand_into(const struct conf *c, const char *s, int depth, struct buf *b,
    size_t *refs)
{
	const char *p, *end, *v;
	char *name;
	int r;

	for (p = s; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] == '{' &&
		    (end = strchr(p + 2, '}')) != NULL) {
			name = xstrndup(p + 2, (size_t)(end - p - 2));
			v = key_find(name) ? raw_str(c, name) : NULL;
			free(name);
			if (v != NULL && depth >= 8)
				return -2; /* a cycle, or nested too deep */
			if (v != NULL) {
				if (++*refs > CONF_EXPAND_REFS)
					return -1;
				if ((r = expand_into(c, v, depth + 1, b,
				    refs)) != 0)
					return r;
				p = end;
				continue;
			}
		}
		if (b->len >= CONF_EXPAND_MAX)
			return -1;
		buf_addch(b, *p);
	}
	return 0;
}

static char *
expand(const struct conf *c, const char *s, int depth)
{
	struct buf b = BUF_INIT;
	size_t refs = 0;

	(void)expand_into(c, s, depth, &b, &refs); /* conf_check() said */
	if (b.data == NULL)
		buf_addstr(&b, "");
	return buf_detach(&b);
}

/* Does the value of one setting stay within the bounds? */
static int
check_one(const struct conf *c, const char *name, const char *raw, int line,
    int overridden, char **cause)
{
	struct buf b = BUF_INIT;
	size_t refs = 0;
	int r = 0;

	if (raw == NULL || strstr(raw, "${") == NULL)
		return 0;
	if ((r = expand_into(c, raw, 0, &b, &refs)) == -2) {
		if (overridden)
			r = set_cause(cause, JF_ERR_PARSE, "setting \"%s\": "
			    "${...} refers back to itself (a cycle, or more "
			    "than 8 levels)", name);
		else
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: setting "
			    "\"%s\": ${...} refers back to itself (a cycle, "
			    "or more than 8 levels)", c->path, line, name);
	} else if (r != 0) {
		if (overridden)
			r = set_cause(cause, JF_ERR_PARSE, "setting \"%s\": "
			    "${...} expands to more than %zu bytes (or more "
			    "than %d references)", name, CONF_EXPAND_MAX,
			    CONF_EXPAND_REFS);
		else
			r = set_cause(cause, JF_ERR_PARSE, "%s:%d: setting "
			    "\"%s\": ${...} expands to more than %zu bytes "
			    "(or more than %d references)", c->path, line,
			    name, CONF_EXPAND_MAX, CONF_EXPAND_REFS);
	}
	buf_free(&b);
	return r;
}

int
conf_check(const struct conf *c, char **cause)
{
	const struct conf_value *v;
	size_t i, j, k;
	int r;

	for (k = 0; k < 2; k++) {
		const struct conf_values *set = k == 0 ? &c->over : &c->vals;
		for (i = 0; i < set->n; i++) {
			v = &set->v[i];
			if (k == 1 && raw_find(c, v->name) != v)
				continue; /* overridden */
			if ((r = check_one(c, v->name, v->value, v->line,
			    k == 0, cause)) != 0)
				return r;
			for (j = 0; v->list != NULL && v->list[j] != NULL; j++)
				if ((r = check_one(c, v->name, v->list[j],
				    v->line, k == 0, cause)) != 0)
					return r;
		}
	}
	/* defaults refer to settings: a setting can make a default explode */
	for (i = 0; i < nitems(keys); i++)
		if (raw_find(c, keys[i].name) == NULL && (r = check_one(c,
		    keys[i].name, keys[i].def, 0, 1, cause)) != 0)
			return r;
	return 0;
}

static struct conf_cache *
cache_find(struct conf *c, const char *name)
{
	size_t i = strmap_get(c->cache.index, name);

	return i == STRMAP_NONE ? NULL : c->cache.v[i];
}

static struct conf_cache *
cache_add(struct conf *c, const char *name)
{
	struct conf_cache_set *cs = &c->cache;
	struct conf_cache *e;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 32;
		cs->v = xreallocarray(cs->v, cs->cap, sizeof *cs->v);
	}
	e = xcalloc(1, sizeof *e);
	e->name = xstrdup(name);
	cs->v[cs->n] = e;
	strmap_put(cs->index, e->name, cs->n++);
	return e;
}

const char *
conf_str(struct conf *c, const char *name)
{
	struct conf_cache *e;
	const char *raw, *out;

	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, name)) == NULL) {
		raw = raw_str(c, name);
		e = cache_add(c, name);
		e->value = raw ? expand(c, raw, 0) : NULL;
	}
	out = e->value;
	pthread_mutex_unlock(&c->lock);
	return out;
}

const char *
conf_str_dynamic(struct conf *c, const char *name)
{
	return conf_str(c, name);
}

long
conf_int(struct conf *c, const char *name)
{
	const char *s = conf_str(c, name);
	long v;

	if (s == NULL || str_to_long(s, &v) != 0)
		return 0;
	return v;
}

long
conf_int_dynamic(struct conf *c, const char *name, long def)
{
	const char *s = conf_str(c, name);
	long v;

	if (s == NULL || str_to_long(s, &v) != 0)
		return def;
	return v;
}

int
conf_bool(struct conf *c, const char *name)
{
	const char *s = conf_str(c, name);

	return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "1") == 0);
}

const char *const *
conf_list(struct conf *c, const char *name)
{
	struct conf_cache *e;
	const struct conf_value *v;
	const struct conf_key *k;
	char **raw = NULL, **out;
	size_t i, n = 0;

	pthread_mutex_lock(&c->lock);
	if ((e = cache_find(c, name)) == NULL) {
		v = raw_find(c, name);
		if (v != NULL && v->list != NULL)
			raw = strv_dup(v->list);
		else if (v != NULL && v->value != NULL)
			raw = strv_split(v->value, ",");
		else if ((k = key_find(name)) != NULL)
			raw = strv_split(k->def, ",");
		else
			raw = xcalloc(1, sizeof *raw);
		while (raw[n] != NULL)
			n++;
		out = xcalloc(n + 1, sizeof *out);
		for (i = 0; i < n; i++)
			out[i] = expand(c, raw[i], 0);
		strv_free(raw);
		e = cache_add(c, name);
		e->list = out;
	}
	out = e->list;
	pthread_mutex_unlock(&c->lock);
	return (const char *const *)out;
}
