/*
 * probe-agent.h - the GSE agent probe's parts that tests reach directly.
 */
#ifndef JOBFIX_PROBE_AGENT_H
#define JOBFIX_PROBE_AGENT_H

#include <stddef.h>

#include "transport.h"

/* What agent.conf says (PLATFORM.md: JSON with cloudid and taskserver, a
 * list of { "ip": ..., "port": ... }). */
struct agent_conf {
	char *cloudid;    /* as text; NULL when absent */
	char **ips;       /* taskserver addresses */
	int *ports;       /* their ports, 0 when not given */
	size_t nips;
};

/* Parses agent.conf; name is for messages.  A taskserver given as a string
 * "IP[:PORT],..." is accepted too. */
int agent_conf_parse(const char *name, const char *text, size_t len,
    struct agent_conf *, char **cause);
void agent_conf_free(struct agent_conf *);

/* Counts the sockets ESTABLISHED to one of ips (any, when nips is 0) on
 * port; *first is set to the first one's index, or -1. */
size_t agent_links(const struct tsock *, size_t n, char *const *ips,
    size_t nips, int port, long *first);

#endif
