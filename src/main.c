/*
 * main.c - options, then the command table (cmd-table.c).
 *
 *   jobfix [options] [command [args]]      (the default command is fix)
 *
 * Everything a command needs is set up here from its entry's flags, so a
 * usage or configuration error is found before anything is probed, and
 * reported with exit code 2 and nothing changed.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exec.h"
#include "exitcode.h"
#include "i18n.h"
#include "lock.h"
#include "log.h"
#include "remote.h"
#include "transport.h"

enum {
	OPT_JSON = 256, OPT_NO_COLOR, OPT_VERSION, OPT_ALLOW_RESTART, OPT_WAIT,
	OPT_KEEP, OPT_ACCEPT_NEW, OPT_KNOWN_HOSTS, OPT_SINCE, OPT_AUTO, OPT_OFFLINE,
	OPT_LIST_COMMANDS, OPT_NO_HEAD,
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "root", required_argument, NULL, 'r' },
	{ "host", required_argument, NULL, 'H' },
	{ "identity", required_argument, NULL, 'i' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "yes", no_argument, NULL, 'y' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "allow-restart", no_argument, NULL, OPT_ALLOW_RESTART },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "accept-new-hostkey", no_argument, NULL, OPT_ACCEPT_NEW },
	{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "no-head", no_argument, NULL, OPT_NO_HEAD },
	{ "auto", no_argument, NULL, OPT_AUTO },
	{ "list-commands", no_argument, NULL, OPT_LIST_COMMANDS },
	{ NULL, 0, NULL, 0 },
};

void
cmd_usage(FILE *fp)
{
	const struct cmd_entry *const *t;
	size_t n, i;

	fprintf(fp, _("usage: jobfix [options] [command [args]]\n\n"
	    "options:\n"
	    "  -c, --config FILE   jobfix.conf (default %s/jobfix/jobfix.conf)\n"
	    "  -r, --root DIR      BlueKing install root (default /data/bkce)\n"
	    "  -H, --host [USER@]HOST[:PORT]  work on a remote host over SSH\n"
	    "  -i, --identity FILE SSH private key (default: ssh-agent, "
	    "~/.ssh/id_*)\n"
	    "      --known-hosts FILE  known_hosts (default ~/.ssh/known_hosts)\n"
	    "      --accept-new-hostkey  record the key of an unknown host\n"
	    "  -n, --dry-run       show what would change, change nothing\n"
	    "  -y, --yes           change without asking\n"
	    "      --auto          unattended (cron, timer): --yes --quiet, "
	    "with the\n                      policies and rate limits of "
	    "jobfix.conf\n"
	    "      --allow-restart allow restarts marked explicit (MySQL)\n"
	    "      --json          one JSON document on stdout\n"
	    "  -q, --quiet         print nothing when healthy\n"
	    "  -v, --verbose       more detail (-vv: debug)\n"
	    "      --no-color      no colour (also: NO_COLOR set)\n"
	    "      --wait SECONDS  wait for another run's lock\n"
	    "      --offline       skip the probes that talk to services\n"
	    "      --since TIME    audit show: records from TIME (ISO 8601, "
	    "or 30m, 2h, 7d)\n"
	    "      --no-head       audit verify: a copy of a log, without "
	    "its head file\n"
	    "      --version, -h, --help\n\ncommands:\n"), JOBFIX_SYSCONFDIR);
	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		/* two spaces at least between the columns: bash completion
		 * reads the arguments from here */
		fprintf(fp, "  %-10s %-24s%s %s\n", t[i]->name, t[i]->args,
		    strlen(t[i]->args) >= 24 ? " " : "", _(t[i]->summary));
	fprintf(fp, "%s", _("\nexit status: 0 healthy, 1 findings remain, 2 "
	    "usage or configuration error,\n3 fix failed and undone, 4 locked, "
	    "5 fix failed and not fully undone,\n6 host unreachable.  See "
	    "jobfix(8).\n"));
}

/*
 * --list-commands (not in --help: for tests and completion): one line a
 * command, its name and what it may change, from the command table:
 * "changes" (the host), "state" (jobfix's own state), "sandbox" (its own
 * sandbox) or "nothing".
 */
static void
list_commands(void)
{
	const struct cmd_entry *const *t;
	size_t n, i;

	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		printf("%s %s\n", t[i]->name, (t[i]->flags & CMD_CHANGES) ?
		    "changes" : (t[i]->flags & CMD_STATE) ? "state" :
		    (t[i]->flags & CMD_SANDBOX) ? "sandbox" : "nothing");
}

static int usage_error(const char *, ...) JF_PRINTF(1, 2);
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jobfix: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", _("try 'jobfix --help'"));
	return EXIT_USAGE;
}

void
cmd_getopt_error(int ch, char *const *argv)
{
	const char *word = argv[optind - 1];
	size_t n;

	/* a long option as typed, up to its '='; a short one by optopt
	 * (which may sit inside a cluster such as -nZ) */
	if (word != NULL && strncmp(word, "--", 2) == 0) {
		n = strcspn(word, "=");
		if (ch == ':')
			fprintf(stderr, _("jobfix: option %.*s needs an "
			    "argument\n"), (int)n, word);
		else
			fprintf(stderr, _("jobfix: unknown option %.*s\n"),
			    (int)n, word);
	} else if (ch == ':')
		fprintf(stderr, _("jobfix: option -%c needs an argument\n"),
		    optopt);
	else
		fprintf(stderr, _("jobfix: unknown option -%c\n"), optopt);
}

/* The configuration file: -c, else the default if it exists. */
static struct conf *
load_conf(struct cmd_ctx *c)
{
	char *cause = NULL, *def;
	struct conf *conf;
	const char *env;

	if (c->opts.conf_file != NULL)
		conf = conf_load(c->opts.conf_file, &cause);
	else {
		def = xasprintf("%s/jobfix/jobfix.conf", JOBFIX_SYSCONFDIR);
		conf = conf_load(access(def, F_OK) == 0 ? def : NULL, &cause);
		free(def);
	}
	if (conf == NULL) {
		error("%s", cause);
		free(cause);
		return NULL;
	}
	if (c->opts.root != NULL) {
		/* resolved once: restarts need absolute paths, and the audit
		 * and undo records must name the files wherever undo runs */
		char *abs = NULL, cwd[PATH_MAX];

		if (c->opts.root[0] != '/' && c->opts.host != NULL) {
			error(_("-r \"%s\": the install root of a remote host must "
			    "be an absolute path"), c->opts.root);
			conf_free(conf);
			return NULL;
		}
		if (c->opts.root[0] != '/' &&
		    (abs = realpath(c->opts.root, NULL)) == NULL &&
		    getcwd(cwd, sizeof cwd) != NULL)
			abs = path_join(cwd, c->opts.root);
		conf_override(conf, "site.root", abs != NULL ? abs :
		    c->opts.root);
		free(abs);
	}
	if (c->opts.offline)
		conf_override(conf, "probes.network", "false");
	if ((env = getenv("JOBFIX_STATE_DIR")) != NULL && *env != '\0')
		conf_override(conf, "state_dir", env);
	if ((env = getenv("JOBFIX_AUDIT_LOG")) != NULL && *env != '\0')
		conf_override(conf, "audit_log", env);
	if (conf_check(conf, &cause) != 0) {
		error(_("-r, JOBFIX_STATE_DIR or JOBFIX_AUDIT_LOG: %s"), cause);
		free(cause);
		conf_free(conf);
		return NULL;
	}
	return conf;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx c;
	const struct cmd_entry *e;
	char *cause = NULL, *end, *rhost = NULL, *rhost_dir = NULL;
	/* ':' first: getopt reports nothing itself (its messages are
	 * glibc's), cmd_getopt_error does, in the user's language */
	const char *optstring = "+:c:r:H:i:nyqvh", *word = NULL;
	struct remote_cli rcli;
	int ch, r, lockfd = -1, verbose = 0;

	i18n_init();
	memset(&c, 0, sizeof c);
	c.argv0 = argv[0];
	c.opts.colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	/* The options before the command, then those after it, unless the
	 * command parses its own (CMD_ARGS: fleet, whose -i is the inventory). */
again:
	while ((ch = getopt_long(argc, argv, optstring, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': c.opts.conf_file = optarg; break;
		case 'r': c.opts.root = optarg; break;
		case 'H': c.opts.host = optarg; break;
		case 'i': c.opts.identity = optarg; break;
		case 'n': c.opts.dry_run = 1; break;
		case 'y': c.opts.yes = 1; break;
		case 'q': c.opts.quiet = 1; break;
		case 'v': verbose++; break;
		case 'h': cmd_usage(stdout); return EXIT_HEALTHY;
		case OPT_JSON: c.opts.json = 1; break;
		case OPT_NO_COLOR: c.opts.colour = 0; break;
		case OPT_VERSION: printf("jobfix %s\n", PACKAGE_VERSION);
			return EXIT_HEALTHY;
		case OPT_ALLOW_RESTART: c.opts.allow_restart = 1; break;
		case OPT_WAIT:
			errno = 0;
			c.opts.wait_seconds = (int)strtol(optarg, &end, 10);
			if (errno || *end || c.opts.wait_seconds < 0)
				return usage_error(_("--wait takes seconds, "
				    "not \"%s\""), optarg);
			break;
		case OPT_KEEP: c.opts.keep = optarg; break;
		case OPT_ACCEPT_NEW: c.opts.accept_new_hostkey = 1; break;
		case OPT_KNOWN_HOSTS: c.opts.known_hosts = optarg; break;
		case OPT_OFFLINE: c.opts.offline = 1; break;
		case OPT_SINCE: c.opts.since = optarg; break;
		case OPT_NO_HEAD: c.opts.no_head = 1; break;
		case OPT_AUTO:
			c.opts.unattended = c.opts.yes = c.opts.quiet = 1;
			break;
		case OPT_LIST_COMMANDS:
			list_commands();
			return EXIT_HEALTHY;
		default:
			cmd_getopt_error(ch, argv);
			fprintf(stderr, "%s\n", _("try 'jobfix --help'"));
			return EXIT_USAGE;
		}
	}
	if (word == NULL && optind < argc) {
		word = argv[optind];
		if ((e = cmd_find(word)) != NULL && !(e->flags & CMD_ARGS)) {
			argc -= optind;
			argv += optind; /* argv[0] is the command word now */
			optind = 0;     /* GNU getopt: start afresh */
			optstring++;    /* and permute */
			goto again;
		}
	}
	if (word != NULL && optstring[0] != '+')
		argv[--optind] = (char *)word; /* where the code below wants it */
	c.opts.verbose = verbose;
	/* what --json prints is for programs: the same in every language */
	if (c.opts.json)
		setlocale(LC_MESSAGES, "C");
	log_init(c.opts.quiet ? LOG_ERROR : (verbose > 1 ? LOG_DEBUG :
	    (verbose ? LOG_INFO : LOG_WARN)), isatty(STDERR_FILENO) &&
	    getenv("NO_COLOR") == NULL && c.opts.colour);
	argc -= optind;
	argv += optind;
	if ((e = cmd_find(argc > 0 ? argv[0] : "fix")) == NULL)
		return usage_error(_("unknown command \"%s\""), argv[0]);
	if (argc > 0) {
		argc--;
		argv++;
	}

	r = EXIT_USAGE;
	if ((e->flags & CMD_THIS_HOST) && c.opts.host != NULL) {
		error(_("%s -H %s: the maintenance flag of this machine holds "
		    "every run from it, to every host; to %s %s alone, run "
		    "`jobfix %s` there (its remote.maintenance_file)"), e->name,
		    c.opts.host, e->name, c.opts.host, e->name);
		goto out;
	}
	if ((e->flags & (CMD_SITE | CMD_PLAYBOOKS)) &&
	    (c.conf = load_conf(&c)) == NULL)
		goto out;
	if (e->flags & CMD_PLAYBOOKS) {
		if (playbook_load_all(conf_list(c.conf, "playbook_dirs"),
		    &c.playbooks, &cause) != 0) {
			error("%s", cause);
			goto out;
		}
	}
	if (e->flags & CMD_SITE) {
		if (c.opts.host != NULL && !(e->flags & CMD_HOST_FILTER)) {
			memset(&rcli, 0, sizeof rcli);
			rcli.identity = c.opts.identity;
			rcli.known_hosts = c.opts.known_hosts;
			rcli.accept_new = c.opts.accept_new_hostkey;
			if ((r = remote_connect_spec(c.conf, c.opts.host, &rcli,
			    &c.tp, &rhost, &cause)) != 0) {
				error("%s", cause);
				r = r == -JF_ERR_USAGE ? EXIT_USAGE :
				    EXIT_UNREACHABLE;
				goto out;
			}
			r = EXIT_USAGE;
			c.site = site_new(c.conf, c.tp, rhost);
		} else {
			c.tp = transport_local_new();
			c.site = site_new(c.conf, c.tp, conf_str(c.conf,
			    "site.host_name"));
		}
	}
	if ((e->flags & CMD_INSTALL) && site_check_root(c.site, &cause) != 0) {
		error("%s", cause);
		r = EXIT_USAGE;
		goto out;
	}
	/* the state directory is trusted as OpenSSH and sudo trust their
	 * files, or not used at all (jobfix(8), STATE DIRECTORY) */
	if ((e->flags & (CMD_SITE | CMD_STATE | CMD_CHANGES)) &&
	    state_dir_trusted(conf_str(c.conf, "state_dir"), &cause) != 0) {
		error("%s", cause);
		r = EXIT_USAGE;
		goto out;
	}
	if (c.site != NULL)
		c.site->keep_state = (e->flags & (CMD_CHANGES | CMD_LOCK)) &&
		    !c.opts.dry_run;
	/* every command that changes things takes the lock; one that parses
	 * its own options (fleet) takes it once it knows */
	if ((e->flags & (CMD_CHANGES | CMD_LOCK)) && !(e->flags & CMD_ARGS) &&
	    !c.opts.dry_run) {
		/* a remote host's lock is in its own state directory */
		if (c.site != NULL && !c.site->local && site_state_subdir(c.site,
		    NULL, &rhost_dir, &cause) != 0) {
			error("%s", cause);
			goto out;
		}
		lockfd = lock_acquire(rhost_dir != NULL ? rhost_dir :
		    conf_str(c.conf, "state_dir"), c.opts.wait_seconds, &cause);
		if (lockfd < 0) {
			error("%s", cause);
			r = lockfd == -JF_ERR_REFUSED ? EXIT_LOCKED : EXIT_USAGE;
			goto out;
		}
	}
	if (lockfd >= 0 && c.site != NULL)
		exec_sweep_litter(c.site);
	r = e->exec(&c, argc, argv);
out:
	lock_release(lockfd);
	free(cause);
	free(rhost);
	free(rhost_dir);
	/* A probe abandoned at its deadline may still be using the site, its
	 * transport and its settings: give it a moment, and if it still runs,
	 * exit without freeing what it uses (the kernel frees it). */
	if (site_drain(c.site, 5000) != 0) {
		warnx("%s", _("a probe still runs past its deadline; leaving "
		    "it behind"));
		return r;
	}
	site_free(c.site);
	transport_free(c.tp);
	playbook_set_free(&c.playbooks);
	conf_free(c.conf);
	secret_clear_all();
	return r;
}
