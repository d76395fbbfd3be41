/*
 * test-conf.c - jobfix.conf lookups: defaults, ${name} expansion, overrides,
 * and that a string conf_str() handed out stays valid after an override
 * (fleet and -H override settings while probes still hold their values).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"

int
main(void)
{
	struct conf *c;
	const char *root, *job_conf, *again;
	char *cause = NULL;
	char copy[256];

	c = conf_load(NULL, &cause);
	ok(c != NULL, "defaults load without a file");
	root = conf_str(c, "site.root");
	is_str(root, "/data/bkce", "site.root defaults to /data/bkce");
	job_conf = conf_str(c, "site.job_conf");
	is_str(job_conf, "/data/bkce/etc/job.conf", "site.job_conf expands ${site.root}");
	snprintf(copy, sizeof copy, "%s", job_conf);

	conf_override(c, "site.root", "/srv/bk");
	/* the old strings are still readable (ASan would catch a free) */
	is_str(job_conf, copy, "a string handed out before the override stays valid");
	is_str(root, "/data/bkce", "so does the old root");
	again = conf_str(c, "site.job_conf");
	is_str(again, "/srv/bk/etc/job.conf", "after the override the expansion follows");
	conf_override(c, "site.root", "/opt/b");
	is_str(conf_str(c, "site.job_conf"), "/opt/b/etc/job.conf", "a second override");
	is_str(again, "/srv/bk/etc/job.conf", "and the first override's string still reads");

	conf_override(c, "probes.disable", "mysql,redis");
	is_str(conf_list(c, "probes.disable")[1], "redis", "a list override splits at commas");
	is_int(conf_int(c, "probes.deadline_ms"), 3000, "an int default");
	ok(conf_str(c, "no.such.setting") == NULL, "an unknown setting has no value");
	conf_free(c);
	free(cause);
	return tap_done();
}
