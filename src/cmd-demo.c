/*
 * cmd-demo.c - demo [--keep DIR] [--files-only] [--step]: a sandbox
 * BlueKing install broken the way the FAQ describes, with real servers, then
 * diagnose -> dry run -> fix -> diagnose again, each a real jobfix run (this
 * binary, re-executed) on the sandbox, then the repairs checked with the
 * servers' own tools.
 *
 * The servers: a private MariaDB, RabbitMQ (with its own epmd) and Redis on
 * loopback, on ports nobody else uses, with their data in the sandbox, and
 * a stand-in for gse_task that the sandbox's fake GSE agent connects to.
 * They are started by sandbox/servers.sh (the recipe the tests use too,
 * compiled into jobfix and written into the sandbox), run as a supervisor:
 * it says on a pipe which ports it claimed and when each server is ready,
 * and stops every server by its pid when the pipe closes (however jobfix
 * ends: even killed, its end of the pipe closes) or on SIGTERM.  The
 * supervisor runs in a process group of its own: Ctrl-C on the terminal
 * reaches jobfix and the stage it runs, not the servers; jobfix then closes
 * the pipe, waits for "stopped" and kills whatever is left in that group
 * (a server whose pid the supervisor had not yet recorded).  The group's
 * leader is jobfix's child and is reaped only after that, so the group id
 * cannot be reused meanwhile.
 *
 * The faults: MySQL's event scheduler OFF in the running server (an
 * included my.cnf file turns it off) with "Table has no partition for
 * value" in error.log; vhost bk_job without Job's user or its permission;
 * NOHUPLOG=/dev/null while Job writes no log; the GSE agent dead.  Job's
 * start script is a fake that records its restarts and writes a console log
 * when NOHUPLOG allows.  A server that is not installed is named with its
 * Debian package and left out; the rest is shown.  --files-only is the
 * quick version without servers (and wrong AMQP credentials instead).
 */
#include "config.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "cmd.h"
#include "exitcode.h"
#include "i18n.h"
#include "log.h"
#include "sandbox.h"
#include "transport.h"

enum { SRV_MARIADB, SRV_RABBITMQ, SRV_REDIS, SRV_GSE_TASK, SRV_N };

static const struct {
	const char *name;    /* as servers.sh says it */
	const char *title;
	const char *package; /* Debian */
	const char *shows;   /* what is not shown without it */
} servers[SRV_N] = {
	{ "mariadb", "MariaDB", "mariadb-server",
	  N_("the event scheduler in the running server") },
	{ "rabbitmq", "RabbitMQ", "rabbitmq-server",
	  N_("the bk_job vhost grant") },
	{ "redis", "Redis", "redis-server", N_("Job's Redis") },
	{ "gse_task", "gse_task", "python3", N_("the GSE agent's restart") },
};

struct demo {
	char *root;
	int colour;
	int step;
	int tty;
	/* ports: mysql, amqp, epmd, dist, redis, gse */
	int port_mysql, port_amqp, port_epmd, port_dist, port_redis, port_gse;
	char node[128];
	int state[SRV_N]; /* 0 starting, 1 ready, -1 missing, -2 failed */
	int secs[SRV_N];
	char *failed_log[SRV_N];
	pid_t sup;        /* the supervisor (leader of its process group) */
	int sup_in, sup_out;
	struct buf line;  /* unread output of the supervisor */
};

static volatile sig_atomic_t demo_signal;
static volatile pid_t demo_child;

static void
demo_on_signal(int sig)
{
	demo_signal = sig;
	if (demo_child > 0)
		kill(demo_child, sig);
}

/* ------------------------------------------------------------ the sandbox */

struct demo_file {
	const char *path;
	mode_t mode;
	int when;         /* 0 always, 1 with servers, 2 files only */
	const char *text; /* @NAME@ is replaced, see fill() */
};

static const struct demo_file files[] = {
	{ "etc/job.conf", 0640, 1,
	  "# Job's configuration, rendered by bkcec from\n"
	  "# /data/src/job/support-files/templates/#etc#job.conf\n"
	  "app.code=bk_job\n"
	  "app.secret=Demo-Secret-7f3a9c\n"
	  "\n"
	  "# RabbitMQ: Job logs in as app.code with app.secret on vhost bk_job\n"
	  "ijobs.amqp.addresses=127.0.0.1:@AMQP_PORT@\n"
	  "ijobs.amqp.username=bk_job\n"
	  "ijobs.amqp.password=Demo-Secret-7f3a9c\n"
	  "ijobs.amqp.vhost=bk_job\n"
	  "\n"
	  "job.mysql.host=127.0.0.1\n"
	  "job.mysql.port=@MYSQL_PORT@\n"
	  "job.mysql.username=root\n"
	  "job.mysql.password=\n"
	  "job.redis.host=127.0.0.1\n"
	  "job.redis.port=@REDIS_PORT@\n"
	  "\n"
	  "bk.paas.host=http://paas.service.consul\n"
	  "gse.taskserver.ip=127.0.0.1\n"
	  "gse.taskserver.port=@GSE_PORT@\n" },
	{ "etc/job.conf", 0640, 2,
	  "# Job's configuration, rendered by bkcec from\n"
	  "# /data/src/job/support-files/templates/#etc#job.conf\n"
	  "app.code=bk_job\n"
	  "app.secret=Demo-Secret-7f3a9c\n"
	  "\n"
	  "# RabbitMQ\n"
	  "ijobs.amqp.addresses=127.0.0.1:5672\n"
	  "ijobs.amqp.username=admin\n"
	  "ijobs.amqp.password=guest-Pa55word\n"
	  "\n"
	  "bk.paas.host=http://paas.service.consul\n"
	  "gse.taskserver.ip=127.0.0.1\n" },
	{ "src/job/support-files/templates/#etc#job.conf", 0644, 0,
	  "app.code=__BK_JOB_APP_CODE__\n"
	  "app.secret=__BK_JOB_APP_SECRET__\n"
	  "ijobs.amqp.addresses=__RABBITMQ_HOST__:__RABBITMQ_PORT__\n"
	  "ijobs.amqp.username=__BK_JOB_APP_CODE__\n"
	  "ijobs.amqp.password=__BK_JOB_APP_SECRET__\n"
	  "bk.paas.host=http://__PAAS_FQDN__\n"
	  "gse.taskserver.ip=__GSE_IP__\n" },
	{ "etc/my.cnf", 0644, 0,
	  "[client]\n"
	  "port = @MYSQL_PORT@\n"
	  "socket = @ROOT@/mysql/mysql.sock\n"
	  "\n"
	  "[mysqld]\n"
	  "datadir = @ROOT@/mysql/data\n"
	  "port = @MYSQL_PORT@\n"
	  "max_connections = 3000\n"
	  "\n"
	  "!includedir @ROOT@/etc/my.cnf.d\n" },
	{ "etc/my.cnf.d/50-tuning.cnf", 0644, 0,
	  "# tuning left over from an old install\n"
	  "[mysqld]\n"
	  "innodb_buffer_pool_size = 16M\n"
	  "event-scheduler = OFF\n" },
	{ "job/job/bin/job.sh", 0755, 0,
	  "#!/bin/bash\n"
	  "# Job's start script (the jobfix demo's stand-in: it records what it\n"
	  "# is asked to do instead of starting a JVM).\n"
	  "\n"
	  "# where the JVM's console output goes\n"
	  "NOHUPLOG=/dev/null\n"
	  "#NOHUPLOG=job_jvm_console.log\n"
	  "\n"
	  "cd \"$(dirname \"$0\")\" || exit 1\n"
	  "root=../../..\n"
	  "echo \"$(date '+%F %T') job.sh $*\" >> \"$root/job-restarts.log\"\n"
	  "case \"$1\" in\n"
	  "start|restart)\n"
	  "\tif [ \"$NOHUPLOG\" != /dev/null ]; then\n"
	  "\t\tprintf '%s\\n' \"JVM console of the demo Job\" \\\n"
	  "\t\t    \"ERROR o.s.boot.SpringApplication - Application run failed\" \\\n"
	  "\t\t    \"Caused by: java.lang.OutOfMemoryError: Java heap space\" > \"$NOHUPLOG\"\n"
	  "\tfi\n"
	  "\t;;\n"
	  "esac\n"
	  "exit 0\n" },
	{ "logs/job/job.log", 0644, 0,
	  "2026-11-20 03:12:01.337 INFO  [main] c.t.b.j.JobApplication - Starting Job\n"
	  "2026-11-20 03:12:09.004 INFO  [main] c.t.b.j.JobApplication - Started\n" },
	{ "logs/job/error.log", 0644, 0,
	  "2026-11-22 00:00:03.118 ERROR [exec-3] c.t.b.j.l.LogServiceImpl - save log failed\n"
	  "java.sql.SQLException: Table has no partition for value 738846\n"
	  "\tat com.mysql.jdbc.SQLError.createSQLException(SQLError.java:965)\n" },
	{ "gse/agent/etc/agent.conf", 0644, 1,
	  "{\n"
	  "  \"cloudid\": 0,\n"
	  "  \"bizid\": 2,\n"
	  "  \"taskserver\": [ { \"ip\": \"127.0.0.1\", \"port\": @GSE_PORT@ } ]\n"
	  "}\n" },
	{ "gse/agent/log/agent.log", 0644, 1,
	  "2026-11-22 00:00:07 gse_agent: killed by the OOM killer\n" },
	{ "jobfix.conf", 0644, 0,
	  "# jobfix.conf of the demo sandbox: its root and, when the demo runs\n"
	  "# them, its private servers' ports and rabbitmqctl's node\n"
	  "site: {\n"
	  "  root = \"@ROOT@\";\n"
	  "  templates_dir = \"@ROOT@/src\";\n"
	  "  agent_dir = \"@ROOT@/gse/agent\";\n"
	  "};\n"
	  "state_dir = \"@ROOT@/state\";\n"
	  "audit_log = \"@ROOT@/state/audit.log\";\n"
	  "playbook_dirs = [ ];\n"
	  "@PROBES_CONF@"
	  "# the sandbox's Job, not any java process of this machine\n"
	  "job: { process_pattern = \"java .*@ROOT@/job/\"; restart_wait_ms = 2000; };\n"
	  "@SERVERS_CONF@" },
};

/* jobfix.conf's @PROBES_CONF@ and @SERVERS_CONF@: with the servers, and
 * for --files-only. */
static const char conf_probes_servers[] =
    "probes: { only = [ @PROBES@ ]; deadline_ms = 5000; };\n";
static const char conf_probes_files[] =
    "# nothing real runs in the sandbox: only its files, Job and its logs\n"
    "probes: { network = false; only = [ \"job\", \"logs\" ]; };\n";
static const char conf_servers[] =
    "rabbitmq: {\n"
    "  ctl = \"/usr/lib/rabbitmq/bin/rabbitmqctl\";\n"
    "  node = \"@NODE@\";\n"
    "  ctl_env = [ \"HOME=@ROOT@/rabbitmq\", \"ERL_EPMD_PORT=@EPMD_PORT@\",\n"
    "              \"RABBITMQ_CONF_ENV_FILE=@ROOT@/rabbitmq/rabbitmq-env.conf\" ];\n"
    "};\n"
    "agent: {\n"
    "  process_pattern = \"@ROOT@/gse/agent/bin/gse_agent( |$)\";\n"
    "  port = @GSE_PORT@;\n"
    "  log_dir = \"@ROOT@/gse/agent/log\";\n"
    "};\n";

/* The text with @ROOT@, @MYSQL_PORT@, ... replaced. */
static char *
fill(const struct demo *d, const char *text, int files_only)
{
	struct buf b = BUF_INIT, probes = BUF_INIT;
	const char *p, *q, *e;
	char *v;
	size_t i;
	static const char *const names[] = { "mysql", "rabbitmq", "redis",
	    "agent" };

	buf_addstr(&probes, "\"job\", \"logs\"");
	for (i = 0; i < nitems(names) && !files_only; i++)
		if (d->state[i] == 1)
			buf_printf(&probes, ", \"%s\"", names[i]);
	for (p = text; (q = strchr(p, '@')) != NULL &&
	    (e = strchr(q + 1, '@')) != NULL; p = e + 1) {
		buf_add(&b, p, (size_t)(q - p));
		v = xstrndup(q + 1, (size_t)(e - q - 1));
		if (strcmp(v, "ROOT") == 0)
			buf_addstr(&b, d->root);
		else if (strcmp(v, "MYSQL_PORT") == 0)
			buf_printf(&b, "%d", files_only ? 3306 : d->port_mysql);
		else if (strcmp(v, "AMQP_PORT") == 0)
			buf_printf(&b, "%d", d->port_amqp);
		else if (strcmp(v, "EPMD_PORT") == 0)
			buf_printf(&b, "%d", d->port_epmd);
		else if (strcmp(v, "REDIS_PORT") == 0)
			buf_printf(&b, "%d", d->port_redis);
		else if (strcmp(v, "GSE_PORT") == 0)
			buf_printf(&b, "%d", d->port_gse);
		else if (strcmp(v, "NODE") == 0)
			buf_addstr(&b, d->node);
		else if (strcmp(v, "PROBES") == 0)
			buf_addstr(&b, probes.data);
		else if (strcmp(v, "PROBES_CONF") == 0 ||
		    strcmp(v, "SERVERS_CONF") == 0) {
			char *part = fill(d, v[0] == 'P' ? (files_only ?
			    conf_probes_files : conf_probes_servers) :
			    files_only ? "" : conf_servers, files_only);

			buf_addstr(&b, part);
			free(part);
		}
		else {
			/* not a placeholder: keep the '@' and go on after it */
			buf_addch(&b, '@');
			e = q;
		}
		free(v);
	}
	buf_addstr(&b, p);
	buf_free(&probes);
	return buf_detach(&b);
}

static int
make_dirs(const char *path)
{
	char *copy = xstrdup(path), *p;

	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST) {
			error("\"%s\": %s", copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	return 0;
}

static int
write_file(struct transport *tp, const char *root, const char *rel,
    const char *text, size_t len, mode_t mode)
{
	char *path = path_join(root, rel), *cause = NULL;
	int r = 0;

	if (make_dirs(path) != 0 || tp_write(tp, path, text, len, mode,
	    &cause) != 0 || chmod(path, mode) != 0) {
		error(_("demo: %s"), cause ? cause : strerror(errno));
		r = -1;
	}
	free(cause);
	free(path);
	return r;
}

/* The helpers the supervisor and the fake agent need, before it starts. */
static int
write_helpers(const struct demo *d)
{
	struct transport *tp = transport_local_new();
	const char *rel;
	size_t i;
	int r = 0;

	for (i = 0; i < sandbox_files_n && r == 0; i++) {
		rel = sandbox_files[i].name;
		if (strcmp(rel, "fake-gsectl") == 0)
			rel = "gse/agent/bin/gsectl";
		r = write_file(tp, d->root, rel, sandbox_files[i].text,
		    sandbox_files[i].len, 0755);
	}
	transport_free(tp);
	return r;
}

/* The sandbox's files; conf: only jobfix.conf (written once the servers
 * are up: its probes are those of the servers that run), else the rest. */
static int
build(const struct demo *d, int files_only, int conf)
{
	struct transport *tp = transport_local_new();
	struct utimbuf old;
	char *path, *text;
	size_t i;
	int r = 0;

	for (i = 0; i < nitems(files) && r == 0; i++) {
		if (files[i].when == (files_only ? 1 : 2) ||
		    (strcmp(files[i].path, "jobfix.conf") == 0) != conf)
			continue;
		text = fill(d, files[i].text, files_only);
		r = write_file(tp, d->root, files[i].path, text, strlen(text),
		    files[i].mode);
		free(text);
	}
	/* job.log last written two days ago: Job writes no log now */
	if (!conf) {
		path = path_join(d->root, "logs/job/job.log");
		old.actime = old.modtime = time(NULL) - 2 * 86400;
		utime(path, &old);
		free(path);
	}
	transport_free(tp);
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* ------------------------------------------------------------ the servers */

static void
sup_spawn(struct demo *d)
{
	int in[2], out[2];
	char owner[32], *script = path_join(d->root, "servers.sh");

	snprintf(owner, sizeof owner, "%ld", (long)getpid());
	if (pipe(in) == -1 || pipe(out) == -1)
		fatal("pipe: %s", strerror(errno));
	if ((d->sup = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (d->sup == 0) {
		/* its own process group: the terminal's Ctrl-C is jobfix's */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execl("/bin/bash", "bash", script, "run", d->root, owner,
		    (char *)NULL);
		_exit(127);
	}
	setpgid(d->sup, d->sup); /* also here: no race with killpg */
	close(in[0]);
	close(out[1]);
	d->sup_in = in[1];
	d->sup_out = out[0];
	fcntl(d->sup_in, F_SETFD, FD_CLOEXEC);
	fcntl(d->sup_out, F_SETFD, FD_CLOEXEC);
	free(script);
}

/*
 * The next line of the supervisor into line (without the newline): 1, 0
 * when nothing came within timeout_ms (or a signal came), -1 at its end.
 */
static int
sup_line(struct demo *d, char *line, size_t size, int timeout_ms)
{
	struct pollfd pfd;
	char chunk[512], *nl;
	ssize_t n;
	size_t len;

	for (;;) {
		if (d->line.len > 0 && (nl = memchr(d->line.data, '\n',
		    d->line.len)) != NULL) {
			len = (size_t)(nl - d->line.data);
			snprintf(line, size, "%.*s", (int)len, d->line.data);
			memmove(d->line.data, nl + 1, d->line.len - len - 1);
			d->line.len -= len + 1;
			d->line.data[d->line.len] = '\0';
			return 1;
		}
		if (d->sup_out < 0)
			return -1;
		pfd.fd = d->sup_out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return 0;
		if ((n = read(d->sup_out, chunk, sizeof chunk)) <= 0) {
			if (n < 0 && errno == EINTR)
				return 0;
			close(d->sup_out);
			d->sup_out = -1;
			return -1;
		}
		buf_add(&d->line, chunk, (size_t)n);
	}
}

static int
srv_index(const char *name)
{
	int i;

	for (i = 0; i < SRV_N; i++)
		if (strcmp(servers[i].name, name) == 0)
			return i;
	return -1;
}

static int
srv_port(const struct demo *d, int i)
{
	switch (i) {
	case SRV_MARIADB: return d->port_mysql;
	case SRV_RABBITMQ: return d->port_amqp;
	case SRV_REDIS: return d->port_redis;
	default: return d->port_gse;
	}
}

/* The ports the supervisor claimed, and which servers are missing. */
static int
sup_ports(struct demo *d)
{
	char line[512], name[64], pkg[64];
	int i, r;

	while ((r = sup_line(d, line, sizeof line, 1000)) >= 0) {
		if (demo_signal)
			return -1;
		if (r == 0)
			continue;
		if (sscanf(line, "ports %d %d %d %d %d %d", &d->port_mysql,
		    &d->port_amqp, &d->port_epmd, &d->port_dist,
		    &d->port_redis, &d->port_gse) == 6)
			continue;
		if (sscanf(line, "node %127s", d->node) == 1)
			continue;
		if (sscanf(line, "missing %63s %63s", name, pkg) == 2 &&
		    (i = srv_index(name)) >= 0) {
			d->state[i] = -1;
			continue;
		}
		if (strcmp(line, "waiting") == 0)
			break;
		error(_("demo: the server helper says \"%s\""), line);
		return -1;
	}
	if (r < 0 || d->port_gse == 0 || d->node[0] == '\0') {
		error(_("demo: the server helper (%s/servers.sh) ended early"),
		    d->root);
		return -1;
	}
	return 0;
}

static void
progress(const struct demo *d, time_t t0)
{
	int i;

	printf("\r\033[K%s", _("starting private servers:"));
	for (i = 0; i < SRV_N; i++) {
		if (d->state[i] == 1)
			printf(_("  %s ready (%d s)"), servers[i].title,
			    d->secs[i]);
		else if (d->state[i] == 0)
			printf("  %s ... %ld s", servers[i].title,
			    (long)(time(NULL) - t0));
		else if (d->state[i] == -2)
			printf(_("  %s FAILED"), servers[i].title);
	}
	fflush(stdout);
}

/* Start them all, showing progress, until the supervisor says "up". */
static int
sup_start(struct demo *d)
{
	char line[1024], name[64], rest[900];
	time_t t0 = time(NULL);
	int i, r, secs;

	if (write(d->sup_in, "start\n", 6) != 6) {
		error(_("demo: the server helper: %s"), strerror(errno));
		return -1;
	}
	if (!d->tty) {
		printf(_("Starting private servers on 127.0.0.1 "
		    "(RabbitMQ takes a few seconds)...\n"));
		fflush(stdout); /* a pipe or file sees it now, not at the end */
	}
	for (;;) {
		if (d->tty)
			progress(d, t0);
		if ((r = sup_line(d, line, sizeof line, 1000)) < 0)
			break;
		if (demo_signal)
			break;
		if (r == 0)
			continue;
		if (strcmp(line, "up") == 0)
			break;
		if (sscanf(line, "ready %63s %d", name, &secs) == 2 &&
		    (i = srv_index(name)) >= 0) {
			d->state[i] = 1;
			d->secs[i] = secs;
			if (!d->tty) {
				printf(_("  %-9s ready on 127.0.0.1:%d\n"),
				    servers[i].title, srv_port(d, i));
				fflush(stdout);
			}
		} else if (sscanf(line, "failed %63s %899s", name, rest) == 2 &&
		    (i = srv_index(name)) >= 0) {
			d->state[i] = -2;
			free(d->failed_log[i]);
			d->failed_log[i] = xstrdup(rest);
		}
	}
	if (d->tty)
		printf("\r\033[K");
	fflush(stdout);
	if (demo_signal)
		return -1;
	if (r < 0) {
		error(_("demo: the server helper (%s/servers.sh) ended early"),
		    d->root);
		return -1;
	}
	return 0;
}

/* Stop the servers: close the pipe, wait for "stopped", kill what is left. */
static void
sup_stop(struct demo *d)
{
	char line[512];
	time_t end = time(NULL) + 90;
	int r;

	if (d->sup <= 0)
		return;
	kill(d->sup, SIGTERM); /* its trap stops the servers, even mid-start */
	if (d->sup_in >= 0) {
		close(d->sup_in);
		d->sup_in = -1;
	}
	while (time(NULL) < end && (r = sup_line(d, line, sizeof line,
	    1000)) >= 0)
		if (r == 1 && strcmp(line, "stopped") == 0)
			break;
	/* still in its group: what the supervisor could not stop; then the
	 * supervisor itself, if "stopped" never came */
	kill(-d->sup, SIGKILL);
	waitpid(d->sup, NULL, 0);
	d->sup = 0;
	if (d->sup_out >= 0) {
		close(d->sup_out);
		d->sup_out = -1;
	}
}

/*
 * Kills and reaps every child of the demo but keep (the supervisor): what a
 * stage left when a signal ended it.  The demo is its children's subreaper,
 * so their orphans come to it, not to init: a rabbitmqctl the stage ran (in
 * a process group of its own, out of the terminal's Ctrl-C; its Erlang VM
 * ignores SIGINT) and the epmd such a VM starts, on every address, when the
 * sandbox's epmd has gone.  Killing a child hands its own children to the
 * demo too, so it goes on until there are none.
 */
static void
reap_strays(pid_t keep)
{
	char path[64], stat[512], *p;
	struct dirent *de;
	long ppid;
	pid_t pid;
	ssize_t n;
	DIR *dir;
	int fd, found, round;

	for (round = 0; round < 20; round++) {
		if ((dir = opendir("/proc")) == NULL)
			return;
		found = 0;
		while ((de = readdir(dir)) != NULL) {
			pid = (pid_t)strtol(de->d_name, &p, 10);
			if (*p != '\0' || pid <= 0 || pid == keep)
				continue;
			snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
				continue;
			n = read(fd, stat, sizeof stat - 1);
			close(fd);
			if (n <= 0)
				continue;
			stat[n] = '\0';
			/* pid (comm) state ppid ...; comm may hold ") " */
			if ((p = strrchr(stat, ')')) == NULL ||
			    sscanf(p + 1, " %*c %ld", &ppid) != 1 ||
			    ppid != (long)getpid())
				continue;
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			found = 1;
		}
		closedir(dir);
		if (!found)
			return;
	}
}

/* ------------------------------------------------------------ the stages */

/* Waits for Enter (--step); 0, or -1 on a signal or end of input. */
static int
pause_step(const struct demo *d)
{
	struct pollfd pfd;
	char c;

	if (!d->step)
		return 0;
	printf(_("-- press Enter to go on --\n"));
	fflush(stdout);
	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	for (;;) {
		if (demo_signal)
			return -1;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1)
			return -1;
		if (c == '\n')
			return 0;
	}
}

/* Runs argv as a child (this binary, or a server's own tool); its exit
 * status, or -1 when a signal came. */
static int
run(const char *const *argv, const char *const *env)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		for (; env != NULL && *env != NULL; env++)
			putenv((char *)*env);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, _("jobfix demo: \"%s\": %s\n"), argv[0],
		    strerror(errno));
		_exit(127);
	}
	demo_child = pid;
	if (demo_signal)
		kill(pid, demo_signal);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	demo_child = 0;
	if (demo_signal)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Runs this binary on the sandbox; returns its exit status. */
static int
stage(const struct demo *d, const char *self, const char *title,
    const char *const *args)
{
	char *conf = path_join(d->root, "jobfix.conf");
	char *state = xasprintf("JOBFIX_STATE_DIR=%s/state", d->root);
	const char *argv[12], *env[] = { state, NULL };
	size_t n = 0;
	int status;

	if (pause_step(d) != 0) {
		free(state);
		free(conf);
		return -1;
	}
	printf("\n%s==> %s%s\n$ jobfix -c %s", d->colour ? "\033[1;36m" : "",
	    title, d->colour ? "\033[0m" : "", conf);
	argv[n++] = self;
	argv[n++] = "-c";
	argv[n++] = conf;
	if (!d->colour)
		argv[n++] = "--no-color";
	for (; *args != NULL && n < nitems(argv) - 1; args++) {
		argv[n++] = *args;
		printf(" %s", *args);
	}
	argv[n] = NULL;
	printf("\n");
	status = run(argv, env);
	if (status >= 0)
		printf(_("(exit status %d)\n"), status);
	free(state);
	free(conf);
	return status;
}

/* Shows a command of a server's own tools and runs it. */
static int
tool(const char *shown, const char *const *argv, const char *const *env)
{
	printf("$ %s\n", shown);
	return run(argv, env);
}

/* The value of KEY= in the sandbox's job.conf, or NULL. */
static char *
job_conf_value(const struct demo *d, const char *key)
{
	char *path = path_join(d->root, "etc/job.conf"), line[1024], *v = NULL;
	size_t klen = strlen(key);
	FILE *fp;

	if ((fp = fopen(path, "r")) != NULL) {
		while (v == NULL && fgets(line, sizeof line, fp) != NULL)
			if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
				line[strcspn(line, "\r\n")] = '\0';
				v = xstrdup(line + klen + 1);
			}
		fclose(fp);
	}
	free(path);
	return v;
}

/*
 * Job's AMQP login, as Job makes it: the user and password of job.conf on
 * vhost bk_job, a real handshake with the broker (librabbitmq), not
 * jobfix's probe.  0 when it let Job in, 1 when not, -1 on a signal.
 */
static int
amqp_check(const struct demo *d)
{
	char *user = job_conf_value(d, "ijobs.amqp.username");
	char *pass = job_conf_value(d, "ijobs.amqp.password");
	char *vhost = job_conf_value(d, "ijobs.amqp.vhost");
	amqp_connection_state_t conn = amqp_new_connection();
	amqp_socket_t *sock = amqp_tcp_socket_new(conn);
	struct timeval tv = { 10, 0 };
	amqp_rpc_reply_t rr;
	int r = 1;

	printf(_("$ (AMQP login to 127.0.0.1:%d as %s on vhost %s, with "
	    "job.conf's password, as Job logs in)\n"), d->port_amqp,
	    user ? user : "?", vhost ? vhost : "bk_job");
	fflush(stdout);
	if (user == NULL || pass == NULL)
		printf(_("job.conf has no ijobs.amqp.username or "
		    "ijobs.amqp.password\n"));
	else if (sock == NULL || amqp_socket_open_noblock(sock, "127.0.0.1",
	    d->port_amqp, &tv) != AMQP_STATUS_OK)
		printf(_("no connection to the broker\n"));
	else {
		amqp_set_handshake_timeout(conn, &tv);
		amqp_set_rpc_timeout(conn, &tv);
		rr = amqp_login(conn, vhost ? vhost : "bk_job", 0, 131072, 0,
		    AMQP_SASL_METHOD_PLAIN, user, pass);
		if (rr.reply_type == AMQP_RESPONSE_NORMAL) {
			printf(_("logged in: the broker opened vhost %s to "
			    "%s\n"), vhost ? vhost : "bk_job", user);
			amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
			r = 0;
		} else if (rr.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
		    rr.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = rr.reply.decoded;
			printf(_("refused: %u %.*s\n"), m->reply_code,
			    (int)m->reply_text.len,
			    (const char *)m->reply_text.bytes);
		} else
			printf(_("refused: the broker closed the connection\n"));
	}
	amqp_destroy_connection(conn);
	free(user);
	free(pass);
	free(vhost);
	return demo_signal ? -1 : r;
}

/* Stage 5: each repair checked on the thing itself, not by jobfix's
 * probes: the running MariaDB, an AMQP login, Job's start script and its
 * console log, the agent's processes and its link to gse_task. */
static int
check_servers(const struct demo *d)
{
	char *sock = xasprintf("%s/mysql/mysql.sock", d->root);
	char *jobsh = xasprintf("%s/job/job/bin/job.sh", d->root);
	char *console = xasprintf("%s/job/job/bin/job_jvm_console.log",
	    d->root);
	char *agent = xasprintf("^%s/gse/agent/bin/gse_agent", d->root);
	char *dport = xasprintf("( dport = :%d )", d->port_gse);
	char *shown;
	int r = 0;

	if (pause_step(d) != 0)
		r = -1;
	if (r == 0)
		printf("\n%s==> %s%s\n", d->colour ? "\033[1;36m" : "",
		    _("5. the repairs, checked on the running things "
		    "themselves"), d->colour ? "\033[0m" : "");
	if (r == 0 && d->state[SRV_MARIADB] == 1) {
		const char *argv[] = { "/usr/bin/mariadb", "--no-defaults",
		    "-S", sock, "-uroot", "-e", "SELECT @@event_scheduler",
		    NULL };
		shown = xasprintf("mariadb --no-defaults -S %s -uroot -e "
		    "'SELECT @@event_scheduler'", sock);
		if (tool(shown, argv, NULL) < 0)
			r = -1;
		free(shown);
	}
	if (r == 0 && d->state[SRV_RABBITMQ] == 1 && amqp_check(d) < 0)
		r = -1;
	if (r == 0) {
		const char *argv[] = { "/usr/bin/grep", "^NOHUPLOG=", jobsh,
		    NULL };
		shown = xasprintf("grep '^NOHUPLOG=' %s", jobsh);
		if (tool(shown, argv, NULL) < 0)
			r = -1;
		free(shown);
	}
	if (r == 0) {
		const char *argv[] = { "/usr/bin/head", "-n", "3", console,
		    NULL };
		shown = xasprintf("head -n 3 %s", console);
		if (tool(shown, argv, NULL) < 0)
			r = -1;
		free(shown);
	}
	if (r == 0 && d->state[SRV_GSE_TASK] == 1) {
		const char *argv[] = { "/usr/bin/pgrep", "-a", "-f", agent,
		    NULL };
		const char *argv2[] = { "/usr/bin/ss", "-tn", "state",
		    "established", dport, NULL };
		shown = xasprintf("pgrep -a -f '%s'", agent);
		if (tool(shown, argv, NULL) < 0)
			r = -1;
		free(shown);
		shown = xasprintf("ss -tn state established '%s'", dport);
		if (r == 0 && tool(shown, argv2, NULL) < 0)
			r = -1;
		free(shown);
	}
	free(sock);
	free(jobsh);
	free(console);
	free(agent);
	free(dport);
	return r;
}

/* The last lines of a server's log, indented. */
static void
print_tail(const char *path, size_t lines)
{
	char buf[8192];
	FILE *fp;
	size_t n, i, nl = 0;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return;
	if (fseek(fp, -(long)sizeof buf + 1, SEEK_END) != 0)
		rewind(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (i = n; i > 0; i--)
		if (buf[i - 1] == '\n' && i < n && ++nl == lines)
			break;
	for (char *line = strtok(buf + i, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		printf("    | %s\n", line);
}

static void
print_intro(const struct demo *d, int files_only)
{
	int i;

	if (files_only) {
		printf(_("with wrong AMQP credentials, NOHUPLOG=/dev/null while "
		    "Job writes no log,\nno event scheduler in my.cnf, and a "
		    "partition error in error.log.\n"));
		return;
	}
	printf(_("Its private servers on 127.0.0.1 (stopped when the demo "
	    "ends):\n"));
	for (i = 0; i < SRV_N; i++) {
		if (d->state[i] == 1)
			printf(_("  %-9s 127.0.0.1:%-6d ready in %d s\n"),
			    servers[i].title, srv_port(d, i), d->secs[i]);
		else if (d->state[i] == -1)
			printf(_("  %-9s not installed: apt-get install %s to "
			    "see %s\n"), servers[i].title, servers[i].package,
			    _(servers[i].shows));
		else {
			printf(_("  %-9s did not start: %s is not shown; the "
			    "end of %s:\n"), servers[i].title, _(servers[i].shows),
			    d->failed_log[i] ? d->failed_log[i] : _("its log"));
			print_tail(d->failed_log[i], 5);
		}
	}
	printf(_("It is broken the way the FAQ describes:\n"));
	if (d->state[SRV_MARIADB] == 1)
		printf(_("  - MySQL's event scheduler is OFF in the running "
		    "server (an included my.cnf file\n    turns it off), and "
		    "error.log says \"Table has no partition for value\";\n"));
	else
		printf(_("  - an included my.cnf file turns the event scheduler "
		    "off, and error.log says\n    \"Table has no partition for "
		    "value\";\n"));
	if (d->state[SRV_RABBITMQ] == 1)
		printf(_("  - vhost bk_job exists, but Job's user bk_job and its "
		    "permission do not;\n"));
	printf(_("  - NOHUPLOG=/dev/null in job.sh, and Job has written no "
	    "log for two days;\n"));
	if (d->state[SRV_GSE_TASK] == 1)
		printf(_("  - the GSE agent is dead.\n"));
}

static void
print_keep(const struct demo *d, int files_only)
{
	printf(_("\nThe sandbox is kept in %s (job-restarts.log shows the "
	    "restarts, state/ the backups).\n"), d->root);
	if (files_only) {
		printf(_("Each step again:\n"
		    "  JOBFIX_STATE_DIR=%s/state jobfix -c %s/jobfix.conf "
		    "diagnose\n"), d->root, d->root);
		return;
	}
	printf(_("Its servers are stopped.  To run each step again against "
	    "it, start them on the\nsame ports (in another terminal; Ctrl-D "
	    "stops them):\n"
	    "  (echo start; cat) | bash %s/servers.sh run %s $$\n"
	    "then, as in the demo:\n"
	    "  export JOBFIX_STATE_DIR=%s/state\n"
	    "  jobfix -c %s/jobfix.conf diagnose\n"
	    "  jobfix -c %s/jobfix.conf --dry-run\n"
	    "  jobfix -c %s/jobfix.conf fix --yes\n"
	    "  jobfix -c %s/jobfix.conf diagnose\n"),
	    d->root, d->root, d->root, d->root, d->root, d->root, d->root);
	printf(_("and check on the things themselves:\n"
	    "  mariadb --no-defaults -S %s/mysql/mysql.sock -uroot -e "
	    "'SELECT @@event_scheduler'\n"
	    "  HOME=%s/rabbitmq ERL_EPMD_PORT=%d "
	    "/usr/lib/rabbitmq/bin/rabbitmqctl -n %s list_permissions -p bk_job\n"
	    "  grep '^NOHUPLOG=' %s/job/job/bin/job.sh\n"
	    "  head -n 3 %s/job/job/bin/job_jvm_console.log\n"
	    "  ss -tn state established '( dport = :%d )'\n"),
	    d->root, d->root, d->port_epmd, d->node, d->root, d->root,
	    d->port_gse);
}

static int
demo_exec(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const diag[] = { "diagnose", NULL };
	static const char *const dry[] = { "--dry-run", NULL };
	static const char *const fix[] = { "fix", "--yes", NULL };
	struct sigaction sa, old_int, old_term, old_hup;
	struct demo d;
	const char *keep = c->opts.keep, *tmp;
	char self[4096], *tmpl;
	ssize_t len;
	int i, r = EXIT_USAGE, files_only = 0;

	memset(&d, 0, sizeof d);
	d.colour = c->opts.colour;
	d.sup_in = d.sup_out = -1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc)
			keep = argv[++i];
		else if (strncmp(argv[i], "--keep=", 7) == 0)
			keep = argv[i] + 7;
		else if (strcmp(argv[i], "--files-only") == 0)
			files_only = 1;
		else if (strcmp(argv[i], "--step") == 0)
			d.step = 1;
		else if (strcmp(argv[i], "--no-color") == 0 ||
		    strcmp(argv[i], "--no-colour") == 0)
			d.colour = 0;
		else {
			error(_("usage: jobfix demo [--keep DIR] [--files-only] "
			    "[--step]"));
			return EXIT_USAGE;
		}
	}
	d.tty = isatty(STDOUT_FILENO);
	if ((len = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		error(_("cannot find this program: %s"), strerror(errno));
		return EXIT_USAGE;
	}
	self[len] = '\0';
	if (keep != NULL) {
		if (mkdir(keep, 0755) == -1) {
			error(_("--keep \"%s\": %s (give a directory that does "
			    "not exist yet)"), keep, strerror(errno));
			return EXIT_USAGE;
		}
		d.root = realpath(keep, NULL);
	} else {
		tmp = getenv("TMPDIR");
		tmpl = xasprintf("%s/jobfix-demo.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(tmpl) == NULL) {
			error("\"%s\": %s", tmpl, strerror(errno));
			free(tmpl);
			return EXIT_USAGE;
		}
		d.root = realpath(tmpl, NULL);
		free(tmpl);
	}
	if (d.root == NULL) {
		error(_("demo: %s"), strerror(errno));
		return EXIT_USAGE;
	}

	/* From here on every way out goes through "out": the servers are
	 * stopped and the sandbox removed, on Ctrl-C and errors too; what a
	 * stage started and left comes to the demo (reap_strays). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = demo_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	signal(SIGPIPE, SIG_IGN);

	printf(_("jobfix demo: a sandbox BlueKing install in %s\n"), d.root);
	fflush(stdout);
	if (files_only) {
		d.port_mysql = 3306;
		if (build(&d, 1, 0) != 0 || build(&d, 1, 1) != 0)
			goto out;
	} else {
		if (write_helpers(&d) != 0)
			goto out;
		sup_spawn(&d);
		if (sup_ports(&d) != 0 || build(&d, 0, 0) != 0 ||
		    sup_start(&d) != 0 || build(&d, 0, 1) != 0)
			goto out;
	}
	print_intro(&d, files_only);
	if (stage(&d, self, _("1. diagnose: what is wrong"), diag) < 0 ||
	    stage(&d, self, _("2. dry run: what would change (nothing is "
	    "changed)"), dry) < 0 ||
	    stage(&d, self, _("3. fix"), fix) < 0)
		goto out;
	if ((r = stage(&d, self, _("4. diagnose again"), diag)) < 0)
		goto out;
	if (!files_only && check_servers(&d) < 0)
		goto out;
	if (keep != NULL)
		print_keep(&d, files_only);
out:
	fflush(stdout);
	reap_strays(d.sup);	/* first, so none of it outlives its server */
	sup_stop(&d);
	reap_strays(0);		/* servers whose starter was killed */
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	if (keep == NULL)
		nftw(d.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (demo_signal) {
		fprintf(stderr, "%s\n", keep == NULL ?
		    _("jobfix demo: interrupted; the servers are stopped and "
		    "the sandbox removed") : _("jobfix demo: interrupted; the "
		    "servers are stopped"));
		r = 128 + demo_signal;
	} else if (r < 0)
		r = EXIT_USAGE;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	for (i = 0; i < SRV_N; i++)
		free(d.failed_log[i]);
	buf_free(&d.line);
	free(d.root);
	return r;
}

const struct cmd_entry cmd_demo = {
	"demo", "[--keep DIR] [--files-only] [--step]",
	N_("show diagnose, dry run and fix on a sandbox with real servers"),
	CMD_ARGS | CMD_SANDBOX, demo_exec,
};
