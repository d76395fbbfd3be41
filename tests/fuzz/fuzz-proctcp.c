/*
 * fuzz-proctcp.c - arbitrary bytes as /proc/net/tcp (or tcp6, by the first
 * byte) and as a /proc/PID/cmdline, checking what the parsers hand back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport-local.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsock *s = NULL;
	char *cause = NULL, *cmd;
	size_t n = 0, i;
	int v6, r;

	if (size == 0)
		return 0;
	v6 = data[0] & 1;
	r = tlocal_parse_proc_net_tcp((const char *)data + 1, size - 1, v6,
	    "fuzz", &s, &n, &cause);
	if (r != 0 && (r != -JF_ERR_PARSE || cause == NULL))
		abort();
	for (i = 0; i < n; i++) {
		if (memchr(s[i].local, '\0', sizeof s[i].local) == NULL ||
		    memchr(s[i].remote, '\0', sizeof s[i].remote) == NULL ||
		    s[i].lport < 0 || s[i].lport > 65535 || s[i].rport < 0 ||
		    s[i].rport > 65535 || s[i].state < 0 || s[i].state > 255)
			abort();
	}
	free(s);
	free(cause);

	cmd = tlocal_cmdline_string((const char *)data, size);
	if (cmd != NULL && (strlen(cmd) == 0 || strlen(cmd) > size ||
	    (cmd[strlen(cmd) - 1] == ' ' && data[strlen(cmd) - 1] == '\0')))
		abort();
	free(cmd);
	return 0;
}
