/*
 * log.h - diagnostics on stderr, saying where they come from.
 *
 * Messages are lower case, with no trailing full stop, the failing thing
 * first and quoted: error("\"%s\": %s", path, strerror(errno)).  Every message
 * passes through redact() so a secret can never reach the terminal or syslog.
 */
#ifndef JOBFIX_LOG_H
#define JOBFIX_LOG_H

#include "util.h"

enum log_level { LOG_QUIET = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(enum log_level, int colour);
enum log_level log_get_level(void);
void log_emit(enum log_level, const char *file, const char *func, int line,
    const char *fmt, ...) JF_PRINTF(5, 6);

#define error(...) log_emit(LOG_ERROR, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define warnx(...) log_emit(LOG_WARN, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define info(...) log_emit(LOG_INFO, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define debug(...) log_emit(LOG_DEBUG, __FILE__, __func__, __LINE__, __VA_ARGS__)

#endif
