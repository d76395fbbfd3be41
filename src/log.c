/*
 * log.c - diagnostics on stderr.  Debug messages say file:line and function;
 * everything passes through redact(), then terminal_safe(): a message
 * quoting host data (a file's content, a process name, a path, a server's
 * error string) cannot act on the terminal or reorder what is read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

static enum log_level level = LOG_WARN;
static int use_colour;

void
log_init(enum log_level l, int colour)
{
	level = l;
	use_colour = colour;
}

enum log_level
log_get_level(void)
{
	return level;
}

void
log_emit(enum log_level l, const char *file, const char *func, int line,
    const char *fmt, ...)
{
	static const char *const colours[] = { "", "\033[31m", "\033[33m", "", "\033[2m" };
	va_list ap;
	char *msg, *masked, *safe;

	if (l > level)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	masked = redact(msg);
	safe = terminal_safe(masked, 0);
	free(masked);
	if (l == LOG_DEBUG)
		fprintf(stderr, _("%sjobfix: debug: %s:%d %s: %s%s\n"),
		    use_colour ? colours[l] : "", file, line, func, safe,
		    use_colour ? "\033[0m" : "");
	else if (l == LOG_INFO)
		fprintf(stderr, "jobfix: %s\n", safe);
	else if (l == LOG_ERROR)
		/* the prefix translated whole: "jobfix：错误：" under zh_CN */
		fprintf(stderr, _("%sjobfix: error:%s %s\n"), use_colour ?
		    colours[l] : "", use_colour ? "\033[0m" : "", safe);
	else
		fprintf(stderr, _("%sjobfix: warning:%s %s\n"), use_colour ?
		    colours[l] : "", use_colour ? "\033[0m" : "", safe);
	free(msg);
	free(safe);
}
