/*
 * probe-svc.h - what the service probes (mysql, rabbitmq, redis) share:
 * finding a connection setting in job.conf through the key name jobfix.conf
 * maps it to (keys.mysql_host = "job.mysql.host"), and saying where each
 * part of a connection came from, so `jobfix facts` shows why jobfix
 * connected where it did.
 */
#ifndef JOBFIX_PROBE_SVC_H
#define JOBFIX_PROBE_SVC_H

#include "probe.h"

/*
 * The job.conf value for the key that setting (a keys.* name) names, or
 * NULL when job.conf has no such key.  *key is set to the key name.
 * "what: job.conf key K (FILE:LINE)" (or "... not in job.conf") is appended
 * to from, "; "-separated; a secret value is never shown.
 */
const char *svc_key(const struct probe_ctx *, const char *setting,
    const char *what, const char **key, struct buf *from);

/* A fact whose value (not evidence) is formatted; evidence may be NULL. */
void svc_set(struct facts *, const char *name, const char *evidence,
    const char *fmt, ...) JF_PRINTF(4, 5);

/* Splits "host:port" (or "host", or "[v6]:port"); 0, or -JF_ERR_PARSE. */
int svc_host_port(const char *text, int defport, char **host, int *port);

/* A TCP connection within ms milliseconds (blocking once made), with the
 * exact reason when there is none: refused, timed out, unresolved. */
int svc_tcp_connect(const char *host, int port, int ms, int *fd,
    char **cause);

/* The probe's time left as a timeval, at least 1 ms. */
struct timeval;
void svc_timeval(const struct probe_ctx *, struct timeval *);

/*
 * MySQL, shared by probe-mysql.c and step-sql.c.  svc_mysql_begin() makes
 * the client library ready for this thread (mysql_library_init once per
 * process, mysql_thread_init per thread); svc_mysql_end() undoes the
 * thread part.  svc_mysql_connect() logs in with the job.conf settings
 * found in facts (jobconf.*), every timeout from timeout_ms (rounded up to
 * whole seconds, the library's unit); *ep is set to "HOST:PORT".
 */
typedef struct st_mysql MYSQL;
int svc_mysql_begin(char **cause);
void svc_mysql_end(void);
int svc_mysql_connect(struct conf *, const struct facts *, int timeout_ms,
    MYSQL **out, char **ep, char **cause);

#endif
