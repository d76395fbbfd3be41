/*
 * transport-local.h - what is particular to the local transport: its limits,
 * a hook for tests, and the /proc parsers (exposed for tests and fuzzing).
 */
#ifndef JOBFIX_TRANSPORT_LOCAL_H
#define JOBFIX_TRANSPORT_LOCAL_H

#include <stddef.h>

#include "transport.h"

/* run(): stdout and stderr are each kept up to this; the rest is drained. */
#define TLOCAL_RUN_OUTPUT_MAX ((size_t)1 << 20)
/* run(): after SIGTERM on timeout, SIGKILL to the process group this later. */
#define TLOCAL_RUN_KILL_GRACE_MS 1000
/* run(): once the program has exited, how long a descendant that kept its
 * stdout or stderr open (a daemon it started) may hold us. */
#define TLOCAL_RUN_EXIT_GRACE_MS 200
/* run(): the PATH of the minimal environment. */
#define TLOCAL_RUN_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
/* write_file(): temp files of a target older than this are debris of a crash. */
#define TLOCAL_STALE_TEMP_SEC 60
/* list_procs(): a command line longer than this is cut. */
#define TLOCAL_CMDLINE_MAX ((size_t)64 << 10)
/* list_dir(): more entries than this is an error. */
#define TLOCAL_LIST_DIR_MAX ((size_t)1 << 20)

/*
 * write_file() for jobfix's own files in its state directory: a symbolic
 * link at path is never followed (-JF_ERR_REFUSED), so a link planted there
 * cannot redirect the write to another file.
 */
int tlocal_write_nofollow(const char *path, const void *data, size_t len,
    mode_t mode, char **cause);

/*
 * For tests only: when set, write_file calls it with "after-fsync" once the
 * temp file is written and synced, right before the rename, so a test can
 * simulate a crash there (by _exit() in a forked child).
 */
extern void (*transport_local_crash_hook)(const char *stage);

/*
 * Parse the text of /proc/net/tcp (v6 = 0) or /proc/net/tcp6 (v6 = 1),
 * appending to *socks / *n (which may start as NULL / 0).  name is used in
 * messages ("/proc/net/tcp:3: ...").  On error *socks and *n still describe
 * a valid array (what was parsed before the bad line) the caller frees.
 */
int tlocal_parse_proc_net_tcp(const char *text, size_t len, int v6,
    const char *name, struct tsock **socks, size_t *n, char **cause);

/* Turn a raw /proc/PID/cmdline into a printable string: NULs become spaces,
 * trailing ones are dropped.  Returns NULL for an empty command line. */
char *tlocal_cmdline_string(const char *raw, size_t len);

#endif
