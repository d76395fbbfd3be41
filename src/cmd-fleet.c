/*
 * cmd-fleet.c - jobfix fleet -i INVENTORY [-f FORKS] [--dry-run]
 *               [diagnose | fix | run PLAYBOOK]
 *
 * It parses its own options (CMD_ARGS): -i is the inventory here, so the SSH
 * key is --identity.  Changing hosts needs --yes, or a yes on a terminal.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "i18n.h"
#include "exitcode.h"
#include "fleet.h"
#include "log.h"

enum {
	FO_JSON = 256, FO_CANARY, FO_MAX_FAIL, FO_GO_ON, FO_IDENTITY,
	FO_KNOWN_HOSTS, FO_ACCEPT_NEW, FO_ALLOW_RESTART, FO_NO_PROGRESS,
};

static const struct option fleet_longopts[] = {
	{ "inventory", required_argument, NULL, 'i' },
	{ "forks", required_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "yes", no_argument, NULL, 'y' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, FO_JSON },
	{ "canary", required_argument, NULL, FO_CANARY },
	{ "max-fail", required_argument, NULL, FO_MAX_FAIL },
	{ "go-on", no_argument, NULL, FO_GO_ON },
	{ "identity", required_argument, NULL, FO_IDENTITY },
	{ "known-hosts", required_argument, NULL, FO_KNOWN_HOSTS },
	{ "accept-new-hostkey", no_argument, NULL, FO_ACCEPT_NEW },
	{ "allow-restart", no_argument, NULL, FO_ALLOW_RESTART },
	{ "no-progress", no_argument, NULL, FO_NO_PROGRESS },
	{ NULL, 0, NULL, 0 },
};

static void
fleet_usage(FILE *fp)
{
	fprintf(fp, _("usage: jobfix [options] fleet -i INVENTORY [-f FORKS] "
	    "[--dry-run] [--yes] [--json]\n"
	    "         [--canary N] [--max-fail PERCENT] [--go-on] "
	    "[--identity FILE]\n"
	    "         [--known-hosts FILE] [--accept-new-hostkey] "
	    "[diagnose | fix | run PLAYBOOK]\n\n"
	    "  -i, --inventory FILE  hosts, one a line: [USER@]HOST[:PORT] "
	    "[KEY=VALUE ...]\n"
	    "  -f, --forks N         hosts at once (fleet.forks, default 50)\n"
	    "      --canary N        the first N hosts first; stop if one "
	    "fails\n"
	    "      --max-fail PCT    start no host once more than PCT%% of "
	    "all failed\n"
	    "      --go-on           repair host by host even when most show "
	    "one shared fault\n"
	    "exit status: 0 only when every host ended healthy; else the "
	    "worst host's.\n"));
}

static int
number(const char *opt, const char *s, long min, long max, long *out)
{
	if (str_to_long(s, out) != 0 || *out < min || *out > max) {
		error(_("%s takes a number from %ld to %ld, not \"%s\""), opt, min,
		    max, s);
		return -1;
	}
	return 0;
}

static int
fleet_exec(struct cmd_ctx *c, int argc, char **argv)
{
	struct fleet_opts o;
	struct inventory *inv = NULL;
	const char *inv_path = NULL;
	char *cause = NULL, line[16];
	size_t i;
	long v;
	int ch, r = EXIT_USAGE, yes = c->opts.yes;

	memset(&o, 0, sizeof o);
	o.dry_run = c->opts.dry_run;
	o.json = c->opts.json;
	o.quiet = c->opts.quiet;
	o.verbose = c->opts.verbose;
	o.allow_restart = c->opts.allow_restart;
	o.max_fail = -1;
	o.cli.identity = c->opts.identity;
	o.cli.known_hosts = c->opts.known_hosts;
	o.cli.accept_new = c->opts.accept_new_hostkey;
	o.progress = isatty(STDERR_FILENO);
	/* argv[-1] is "fleet": getopt skips its argv[0] */
	optind = 0;
	while ((ch = getopt_long(argc + 1, argv - 1, "+:i:f:nyqvh",
	    fleet_longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': inv_path = optarg; break;
		case 'f':
			if (number("-f", optarg, 1, 10000, &v) != 0)
				return EXIT_USAGE;
			o.forks = (int)v;
			break;
		case 'n': o.dry_run = 1; break;
		case 'y': yes = 1; break;
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose++; break;
		case 'h': fleet_usage(stdout); return EXIT_HEALTHY;
		case FO_JSON: o.json = 1; break;
		case FO_CANARY:
			if (number("--canary", optarg, 1, INVENTORY_HOSTS_MAX,
			    &v) != 0)
				return EXIT_USAGE;
			o.canary = (int)v;
			break;
		case FO_MAX_FAIL:
			if (number("--max-fail", optarg, 0, 100, &v) != 0)
				return EXIT_USAGE;
			o.max_fail = (int)v;
			break;
		case FO_GO_ON: o.go_on = 1; break;
		case FO_IDENTITY: o.cli.identity = optarg; break;
		case FO_KNOWN_HOSTS: o.cli.known_hosts = optarg; break;
		case FO_ACCEPT_NEW: o.cli.accept_new = 1; break;
		case FO_ALLOW_RESTART: o.allow_restart = 1; break;
		case FO_NO_PROGRESS: o.progress = 0; break;
		default:
			cmd_getopt_error(ch, argv - 1);
			fleet_usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	o.command = argc > 0 ? argv[0] : "fix";
	if (strcmp(o.command, "run") == 0) {
		if (argc != 2) {
			error(_("usage: jobfix fleet -i INVENTORY run PLAYBOOK"));
			return EXIT_USAGE;
		}
		if (playbook_find(&c->playbooks, argv[1]) == NULL) {
			error(_("no playbook \"%s\" (see jobfix playbooks list)"),
			    argv[1]);
			return EXIT_USAGE;
		}
		o.playbook = argv[1];
	} else if (strcmp(o.command, "fix") != 0 &&
	    strcmp(o.command, "diagnose") != 0) {
		error(_("fleet: unknown command \"%s\" (diagnose, fix or run "
		    "PLAYBOOK)"), o.command);
		return EXIT_USAGE;
	} else if (argc > 1) {
		error(_("fleet %s takes no arguments (\"%s\")"), o.command,
		    argv[1]);
		return EXIT_USAGE;
	}
	if (inv_path == NULL) {
		error(_("fleet needs an inventory: -i FILE"));
		return EXIT_USAGE;
	}
	if ((inv = inventory_load(inv_path, &cause)) == NULL ||
	    inventory_check_ports(inv, (int)conf_int(c->conf, "ssh.port"),
	    &cause) != 0) {
		error("%s", cause);
		free(cause);
		inventory_free(inv);
		return EXIT_USAGE;
	}
	if (inv->n == 0) {
		error(_("%s: no hosts"), inv_path);
		goto out;
	}
	/* a host's settings must expand within the bounds, before any host
	 * is contacted */
	for (i = 0; i < inv->n; i++) {
		struct conf *hc = conf_dup(c->conf);
		size_t j;

		for (j = 0; j < inv->hosts[i].nset; j++)
			conf_override(hc, inv->hosts[i].set[j].key,
			    inv->hosts[i].set[j].value);
		j = conf_check(hc, &cause) != 0;
		conf_free(hc);
		if (j) {
			error(_("%s:%d: host %s: %s"), inv_path,
			    inv->hosts[i].line, inv->hosts[i].spec, cause);
			free(cause);
			goto out;
		}
	}
	if (o.json || o.quiet)
		o.progress = 0;
	if (strcmp(o.command, "diagnose") != 0 && !o.dry_run && !yes) {
		if (!isatty(STDIN_FILENO) || o.json) {
			error(_("nothing was changed: fleet %s changes up to %zu "
			    "hosts; run with --yes, or --dry-run to see the "
			    "plan"), o.command, inv->n);
			goto out;
		}
		fprintf(stderr, ngettext("Run %s on %zu host of %s? [y/N] ",
		    "Run %s on %zu hosts of %s? [y/N] ", inv->n), o.command,
		    inv->n, inv_path);
		fflush(stderr);
		if (fgets(line, sizeof line, stdin) == NULL ||
		    (line[0] != 'y' && line[0] != 'Y')) {
			fprintf(stderr, _("jobfix: nothing was changed\n"));
			r = EXIT_FINDINGS;
			goto out;
		}
	}
	r = fleet_run(c->conf, &c->playbooks, inv, &o, stdout);
out:
	inventory_free(inv);
	return r;
}

const struct cmd_entry cmd_fleet = {
	"fleet", "-i INVENTORY [diagnose|fix|run PB]",
	N_("the same on many hosts over SSH, with one summary"),
	CMD_PLAYBOOKS | CMD_ARGS | CMD_CHANGES, fleet_exec,
};
