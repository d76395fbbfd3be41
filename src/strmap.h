/*
 * strmap.h - the one string map: a hash index from a string to a position.
 *
 * Every lookup by name goes through it: facts by name, job.conf keys
 * (props.c), jobfix.conf settings and their cache (conf.c).  Each owner
 * keeps its entries in its own array, in the order it wants them (props:
 * first appearance in the file; facts: as found), and the map tells where
 * a name is: strmap_get() returns the position given to strmap_put().
 *
 * Keys are borrowed, not copied: the string passed to strmap_put() must
 * stay valid and unchanged until the key is removed, the map cleared or
 * freed, or the key put again with another pointer to the same text.  The
 * owners' entries hold their names anyway; a second copy of 200,000
 * job.conf keys would only cost memory.
 *
 * Threads: lookups (strmap_get, strmap_count) only read, so any number of
 * threads may look up at once while nobody writes; a writer needs the map
 * to itself (the owner's lock, or a map nobody else sees yet).
 */
#ifndef JOBFIX_STRMAP_H
#define JOBFIX_STRMAP_H

#include <stddef.h>

#define STRMAP_NONE ((size_t)-1) /* strmap_get(): no such key */

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *);
/* Forgets every key; keeps the table's memory for reuse. */
void strmap_clear(struct strmap *);
size_t strmap_count(const struct strmap *);

/* The position stored for key, or STRMAP_NONE. */
size_t strmap_get(const struct strmap *, const char *key);
/* Stores pos (not STRMAP_NONE) for key, replacing its position and its key
 * pointer if key is there already; returns the old position or STRMAP_NONE. */
size_t strmap_put(struct strmap *, const char *key, size_t pos);
/* Adds key with pos unless it is there already, in which case its position
 * stays and the map takes the new key pointer (the same text): one search
 * where strmap_get() and strmap_put() would take two.  Returns the position
 * key had, or STRMAP_NONE when it was added. */
size_t strmap_add(struct strmap *, const char *key, size_t pos);
/* Removes key; returns its position, or STRMAP_NONE if it was not there. */
size_t strmap_del(struct strmap *, const char *key);

/* Table slots examined by this thread's lookups so far (every operation
 * looks up first): tests check with it that the cost of a lookup stays
 * constant as the map grows. */
unsigned long strmap_steps(void);

#endif
