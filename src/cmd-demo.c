/*
 * cmd-demo.c - demo [--keep DIR]: a sandbox BlueKing install with real
 * faults in its files, then diagnose -> dry run -> fix -> diagnose, each a
 * real jobfix run (this binary, re-executed) on the sandbox.
 *
 * The faults: AMQP credentials that differ from app.code/app.secret,
 * NOHUPLOG=/dev/null while Job writes no log, a my.cnf without the event
 * scheduler (and an included file turning it OFF), and "Table has no
 * partition for value" in error.log.  Job's start script is a fake that
 * records its restarts and writes a console log when NOHUPLOG allows.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "log.h"
#include "transport.h"

struct demo_file {
	const char *path;
	mode_t mode;
	const char *text; /* "@ROOT@" is replaced by the sandbox root */
};

static const struct demo_file files[] = {
	{ "etc/job.conf", 0640,
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
	{ "src/job/support-files/templates/#etc#job.conf", 0644,
	  "app.code=__BK_JOB_APP_CODE__\n"
	  "app.secret=__BK_JOB_APP_SECRET__\n"
	  "ijobs.amqp.addresses=__RABBITMQ_HOST__:__RABBITMQ_PORT__\n"
	  "ijobs.amqp.username=__BK_JOB_APP_CODE__\n"
	  "ijobs.amqp.password=__BK_JOB_APP_SECRET__\n"
	  "bk.paas.host=http://__PAAS_FQDN__\n"
	  "gse.taskserver.ip=__GSE_IP__\n" },
	{ "etc/my.cnf", 0644,
	  "[client]\n"
	  "port = 3306\n"
	  "socket = @ROOT@/logs/mysql/mysql.sock\n"
	  "\n"
	  "[mysqld]\n"
	  "datadir = @ROOT@/public/mysql\n"
	  "port = 3306\n"
	  "max_connections = 3000\n"
	  "\n"
	  "!includedir @ROOT@/etc/my.cnf.d\n" },
	{ "etc/my.cnf.d/50-tuning.cnf", 0644,
	  "# tuning left over from an old install\n"
	  "[mysqld]\n"
	  "innodb_buffer_pool_size = 1G\n"
	  "event-scheduler = OFF\n" },
	{ "job/job/bin/job.sh", 0755,
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
	  "\t\t    \"Caused by: java.net.ConnectException: Connection refused (Connection refused) to 127.0.0.1:3306\" > \"$NOHUPLOG\"\n"
	  "\tfi\n"
	  "\t;;\n"
	  "esac\n"
	  "exit 0\n" },
	{ "logs/job/job.log", 0644,
	  "2026-11-20 03:12:01.337 INFO  [main] c.t.b.j.JobApplication - Starting Job\n"
	  "2026-11-20 03:12:09.004 INFO  [main] c.t.b.j.JobApplication - Started\n" },
	{ "logs/job/error.log", 0644,
	  "2026-11-22 00:00:03.118 ERROR [exec-3] c.t.b.j.l.LogServiceImpl - save log failed\n"
	  "java.sql.SQLException: Table has no partition for value 738846\n"
	  "\tat com.mysql.jdbc.SQLError.createSQLException(SQLError.java:965)\n" },
	{ "jobfix.conf", 0644,
	  "# jobfix.conf of the demo sandbox\n"
	  "site: {\n"
	  "  root = \"@ROOT@\";\n"
	  "  templates_dir = \"@ROOT@/src\";\n"
	  "  agent_dir = \"@ROOT@/gse/agent\";\n"
	  "};\n"
	  "state_dir = \"@ROOT@/state\";\n"
	  "audit_log = \"@ROOT@/state/audit.log\";\n"
	  "playbook_dirs = [ ];\n"
	  "# nothing real runs in the sandbox: only its files, Job and its logs\n"
	  "probes: { network = false; only = [ \"job\", \"logs\" ]; };\n"
	  "job: { restart_wait_ms = 2000; };\n" },
};

static char *
fill(const char *text, const char *root)
{
	struct buf b = BUF_INIT;
	const char *p, *q;

	for (p = text; (q = strstr(p, "@ROOT@")) != NULL; p = q + 6) {
		buf_add(&b, p, (size_t)(q - p));
		buf_addstr(&b, root);
	}
	buf_addstr(&b, p);
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
build(const char *root)
{
	struct transport *tp = transport_local_new();
	struct utimbuf old;
	char *path, *text, *cause = NULL;
	size_t i;
	int r = 0;

	for (i = 0; i < nitems(files) && r == 0; i++) {
		path = path_join(root, files[i].path);
		text = fill(files[i].text, root);
		if (make_dirs(path) != 0 || tp_write(tp, path, text,
		    strlen(text), files[i].mode, &cause) != 0 ||
		    chmod(path, files[i].mode) != 0) {
			error(_("demo: %s"), cause ? cause : strerror(errno));
			r = -1;
		}
		free(text);
		free(path);
	}
	/* job.log last written two days ago: Job writes no log now */
	path = path_join(root, "logs/job/job.log");
	old.actime = old.modtime = time(NULL) - 2 * 86400;
	utime(path, &old);
	free(path);
	free(cause);
	transport_free(tp);
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* Runs this binary on the sandbox; returns its exit status. */
static int
stage(const char *self, const char *root, const char *title,
    const char *const *args, int colour)
{
	char *conf = path_join(root, "jobfix.conf"), *state;
	const char *argv[12];
	size_t n = 0;
	pid_t pid;
	int status;

	printf(_("\n%s==> %s%s\n$ jobfix -c %s"), colour ? "\033[1;36m" : "",
	    title, colour ? "\033[0m" : "", conf);
	argv[n++] = self;
	argv[n++] = "-c";
	argv[n++] = conf;
	if (!colour)
		argv[n++] = "--no-color";
	for (; *args != NULL && n < nitems(argv) - 1; args++) {
		argv[n++] = *args;
		printf(" %s", *args);
	}
	argv[n] = NULL;
	printf("\n");
	fflush(stdout);
	state = path_join(root, "state");
	if ((pid = fork()) == 0) {
		setenv("JOBFIX_STATE_DIR", state, 1);
		execv(self, (char *const *)argv);
		_exit(127);
	}
	free(state);
	free(conf);
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		return -1;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	printf(_("(exit status %d)\n"), status);
	return status;
}

static int
demo_exec(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const diag[] = { "diagnose", NULL };
	static const char *const dry[] = { "--dry-run", NULL };
	static const char *const fix[] = { "fix", "--yes", NULL };
	char tmpl[] = "/tmp/jobfix-demo.XXXXXX", self[4096], *root;
	ssize_t len;
	int r;

	if (argc > 0) {
		error(_("usage: jobfix demo [--keep DIR]"));
		return EXIT_USAGE;
	}
	if ((len = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		error(_("cannot find this program: %s"), strerror(errno));
		return EXIT_USAGE;
	}
	self[len] = '\0';
	if (c->opts.keep != NULL) {
		if (mkdir(c->opts.keep, 0755) == -1) {
			error(_("--keep \"%s\": %s (give a directory that does "
			    "not exist yet)"), c->opts.keep, strerror(errno));
			return EXIT_USAGE;
		}
		root = realpath(c->opts.keep, NULL);
	} else {
		if (mkdtemp(tmpl) == NULL) {
			error("\"%s\": %s", tmpl, strerror(errno));
			return EXIT_USAGE;
		}
		root = xstrdup(tmpl);
	}
	if (build(root) != 0) {
		free(root);
		return EXIT_USAGE;
	}
	printf(_("jobfix demo: a sandbox BlueKing install in %s\n"
	    "with wrong AMQP credentials, NOHUPLOG=/dev/null while Job writes "
	    "no log,\nno event scheduler in my.cnf, and a partition error in "
	    "error.log.\n"), root);
	stage(self, root, _("1. diagnose: what is wrong"), diag,
	    c->opts.colour);
	stage(self, root, _("2. dry run: what would change (nothing is "
	    "changed)"), dry, c->opts.colour);
	stage(self, root, _("3. fix"), fix, c->opts.colour);
	r = stage(self, root, _("4. diagnose again"), diag, c->opts.colour);
	if (c->opts.keep != NULL)
		printf(_("\nThe sandbox is kept in %s (job-restarts.log shows "
		    "the restarts, state/ the backups).\n"), root);
	else
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
	return r < 0 ? EXIT_USAGE : r;
}

const struct cmd_entry cmd_demo = {
	"demo", "[--keep DIR]", N_("show diagnose, dry run and fix on a sandbox"),
	CMD_SANDBOX, demo_exec,
};
