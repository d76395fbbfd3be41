/*
 * props.h - Java properties files (Job's etc/job.conf): read them exactly as
 * java.util.Properties.load(Reader) does, and edit one key while keeping
 * every other byte of the file as it was.
 *
 * Encoding: bytes >= 0x80 are never special in this format and are kept as
 * they are in keys and values (a UTF-8 file gives UTF-8 strings, a Latin-1
 * file gives Latin-1 bytes); \uXXXX escapes are decoded to UTF-8 (a pair of
 * surrogate escapes becomes one 4-byte sequence, a lone surrogate its 3-byte
 * WTF-8 form).  props_set() writes non-ASCII characters as \uXXXX, so the
 * result reads the same whichever charset Java uses for the file.
 *
 * Values of keys that look secret (is_secret_key()) are registered with
 * secret_register() when parsed; this module never prints a value.
 */
#ifndef JOBFIX_PROPS_H
#define JOBFIX_PROPS_H

#include <stddef.h>

#include "util.h"

#define PROPS_MAX_SIZE ((size_t)16 << 20) /* whole file */
#define PROPS_MAX_LINE ((size_t)1 << 20)  /* one physical line */

struct props;

/*
 * Parses data as java.util.Properties.load(Reader) (JDK 9 and later) reads
 * it.  origin names the file in messages ("ORIGIN:LINE: ...").  Errors: a NUL
 * byte, more than PROPS_MAX_SIZE bytes or a line longer than PROPS_MAX_LINE
 * (-JF_ERR_TOOBIG), a malformed \uxxxx escape (Java throws too) and a \u0000
 * escape, which a C string cannot hold (-JF_ERR_PARSE).
 */
struct props *props_parse(const char *data, size_t len, const char *origin,
    char **cause);
/* The same, taking the text's buffer (left empty, freed on error) instead
 * of copying it: a large file is held once. */
struct props *props_parse_buf(struct buf *text, const char *origin,
    char **cause);
void props_free(struct props *);

/* The decoded value that wins (the last one), or NULL if key is absent. */
const char *props_get(const struct props *, const char *key);
/* The 1-based line where the winning entry starts, 0 if key is absent. */
int props_line(const struct props *, const char *key);
/* Distinct keys, in order of first appearance. */
size_t props_count(const struct props *);
const char *props_key_at(const struct props *, size_t i);

/*
 * Makes value the value of key that wins.  The winning entry is rewritten in
 * place (its key text, separator and the whitespace around them kept, a
 * continued entry becoming one line); an absent key is appended as
 * "key=value" with the file's line ending.  Nothing changes if the value is
 * already the one that wins.  The result is parsed again and checked (the
 * key has the new value, every other key its old one) before it replaces the
 * old content; on any error the object is unchanged.
 */
int props_set(struct props *, const char *key, const char *value,
    char **cause);

/* Appends the whole file, as edited, to out. */
int props_serialize(const struct props *, struct buf *out);

#endif
