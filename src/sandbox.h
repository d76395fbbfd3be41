/*
 * sandbox.h - the helper files jobfix demo writes into its sandbox: the
 * server recipes (sandbox/servers.sh, shared with the tests), the fake GSE
 * agent's gsectl and the gse_task stand-in.  Generated into
 * sandbox-files.c by build-aux/embed-files.sh.
 */
#ifndef JOBFIX_SANDBOX_H
#define JOBFIX_SANDBOX_H

#include <stddef.h>

struct sandbox_file {
	const char *name; /* base name, as in sandbox/ */
	size_t len;
	const char *text;
};

extern const struct sandbox_file sandbox_files[];
extern const size_t sandbox_files_n;

#endif
