/*
 * diff.h - unified diff of two texts in memory, for showing what a dry run
 * would change.
 */
#ifndef JOBFIX_DIFF_H
#define JOBFIX_DIFF_H

#include <stddef.h>

#include "util.h"

/* Over this many lines on either side, or too costly to align, a diff shows
 * the differing middle as a whole replacement instead of aligning it. */
#define DIFF_MAX_LINES ((size_t)1 << 21)

/*
 * Appends a unified diff of a and b to out, like `diff -u` with "--- label_a"
 * / "+++ label_b" headers, @@ -a,b +c,d @@ hunks with `context` lines of
 * context and "\ No newline at end of file" markers.  Identical input
 * appends nothing.  Lines are split at \n; a \r stays part of the line.
 * Secret-looking assignments have their value masked (see below) and the
 * whole diff passes through redact().  Returns 0, or -JF_ERR_TOOBIG when out
 * is full (out is then left as it was).
 */
int diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, int context, struct buf *out);

/*
 * If line looks like the assignment of a secret (KEY=VALUE, KEY: VALUE,
 * KEY VALUE, export KEY="VALUE", optionally commented out) where
 * is_secret_key(KEY), returns a copy with VALUE (inside its quotes, if
 * quoted) replaced by ******; else a plain copy.  The caller frees.
 */
char *mask_secret_assignment(const char *line);

#endif
