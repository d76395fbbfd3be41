/*
 * tap.h - the smallest TAP producer that does the job, for C unit tests.
 *
 *   int main(void) { ok(1 + 1 == 2, "sums"); is_str(a, "b", "name"); return tap_done(); }
 *
 * The plan is printed at the end ("1..N"), so tests need not count.
 */
#ifndef JOBFIX_TAP_H
#define JOBFIX_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do {                                      \
	long long g_ = (long long)(got), w_ = (long long)(want);         \
	if (!ok(g_ == w_, __VA_ARGS__))                                  \
		printf("#   got %lld, want %lld\n", g_, w_);               \
} while (0)
#define is_str(got, want, ...) do {                                      \
	const char *g_ = (got), *w_ = (want);                            \
	int same_ = (g_ == NULL && w_ == NULL) ||                        \
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);           \
	if (!ok(same_, __VA_ARGS__))                                     \
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",  \
		    w_ ? w_ : "(null)");                                     \
} while (0)
#define is_mem(got, glen, want, wlen, ...)                               \
	ok((glen) == (wlen) && memcmp((got), (want), (glen)) == 0, __VA_ARGS__)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
