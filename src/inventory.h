/*
 * inventory.h - the fleet inventory: one host a line, groups, settings.
 *
 *   # comment (also ';'); a '#' after a blank starts a comment too
 *   [agents]                       a group: the hosts below belong to it
 *   10.0.0.5
 *   root@10.0.0.6:2222 cloudid=0 root=/data/bkce
 *   deploy@[fe80::1]:22 agent.port=48534 name="gse agent 7"
 *
 * A host is [USER@]HOST[:PORT] (an IPv6 address in brackets).  Settings are
 * KEY=VALUE words; a value may be in double quotes (\" and \\ inside).  KEY
 * is a jobfix.conf setting ("agent.port") or one of the short names of
 * inventory_alias() ("root" is site.root, "cloudid" is agent.cloudid).
 * Every error names the file and line.  A host listed twice is an error.
 */
#ifndef JOBFIX_INVENTORY_H
#define JOBFIX_INVENTORY_H

#include <stddef.h>

/* Caps: a bigger file or line is refused with a message saying so. */
#define INVENTORY_FILE_MAX ((size_t)16 << 20)
#define INVENTORY_LINE_MAX 4096
#define INVENTORY_HOSTS_MAX 100000

struct inv_setting {
	char *key;   /* the jobfix.conf name, aliases resolved */
	char *value;
};

struct inv_host {
	char *spec;   /* as written: "root@10.0.0.6:2222" */
	char *user;   /* or NULL */
	char *host;   /* without brackets */
	int port;     /* 0: not given */
	const char *group; /* owned by the inventory; NULL: none */
	struct inv_setting *set;
	size_t nset;
	int line;
};

struct inventory {
	char *path;
	struct inv_host *hosts;
	size_t n;
	char **groups;
	size_t ngroups;
};

/* Parses text (len bytes, may hold anything); name is for messages.
 * Returns NULL with *cause "NAME:LINE: ..." on an error. */
struct inventory *inventory_parse(const char *name, const char *text,
    size_t len, char **cause);
/* Reads and parses a local file. */
struct inventory *inventory_load(const char *path, char **cause);
/* -JF_ERR_PARSE (file and line in cause) when two hosts are reached on the
 * same address and port once ports not written are known: the host's
 * ssh.port setting, else defport (jobfix.conf's ssh.port).  "h" and
 * "h:22" are one host. */
int inventory_check_ports(struct inventory *, int defport, char **cause);
void inventory_free(struct inventory *);

/* [USER@]HOST[:PORT]; *user NULL when not given, *port 0 when not given. */
int hostspec_parse(const char *spec, char **user, char **host, int *port,
    char **cause);

/* The jobfix.conf name of an inventory short name ("root" -> "site.root"),
 * or NULL. */
const char *inventory_alias(const char *key);

#endif
