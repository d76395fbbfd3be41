/*
 * strmap.c - the one string map (see strmap.h).
 *
 * Why our own and not uthash (Debian's uthash-dev).  uthash links the items
 * themselves (a 56-byte UT_hash_handle in each, pointing at its neighbours),
 * so an item may never move: every owner would have to allocate each entry
 * on its own.  Ours keep their entries in arrays that grow by realloc and
 * are walked in order (facts are printed in the order found or sorted,
 * props keys in the file's order), and only need "where is this name":
 * an index.  That is this file: open addressing with linear probing, 16
 * bytes a slot (the key pointer, its hash, the position), the table kept at
 * most three quarters full and doubled beyond, removal by shifting the
 * following run of slots back (no tombstones, so a table that sees many
 * removals stays as fast as a fresh one).
 *
 * The hash is FNV-1a, mixed by SplitMix64's finalizer before its low bits
 * pick the slot (FNV-1a's low bits alone are weak for keys that differ only
 * at the end, as "key.1", "key.2" ... do).  It is not keyed: the names come
 * from the probes and from root's own files (job.conf, jobfix.conf), not
 * from the network, so nobody can choose keys that collide.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

struct slot {
	const char *key; /* NULL: empty */
	uint32_t hash;
	uint32_t pos;
};

struct strmap {
	struct slot *slots;
	size_t nslots; /* a power of two, or 0 */
	size_t count;
};

static _Thread_local unsigned long steps;

unsigned long
strmap_steps(void)
{
	return steps;
}

static uint32_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(h ^ (h >> 31));
}

struct strmap *
strmap_new(void)
{
	return xcalloc(1, sizeof(struct strmap));
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

void
strmap_clear(struct strmap *m)
{
	if (m->nslots > 0)
		memset(m->slots, 0, m->nslots * sizeof *m->slots);
	m->count = 0;
}

size_t
strmap_count(const struct strmap *m)
{
	return m == NULL ? 0 : m->count;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
find(const struct strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->nslots - 1, i = h & mask;
	const struct slot *s;

	for (;; i = (i + 1) & mask) {
		s = &m->slots[i];
		steps++;
		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return i;
	}
}

size_t
strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (m == NULL || m->count == 0)
		return STRMAP_NONE;
	i = find(m, key, hash_key(key));
	return m->slots[i].key == NULL ? STRMAP_NONE : m->slots[i].pos;
}

static void
grow(struct strmap *m)
{
	struct slot *old = m->slots;
	size_t i, j, n = m->nslots, mask;

	m->nslots = n ? n * 2 : 16;
	if (m->nslots > SIZE_MAX / sizeof *m->slots)
		fatal("strmap: too many keys");
	m->slots = xcalloc(m->nslots, sizeof *m->slots);
	mask = m->nslots - 1;
	for (i = 0; i < n; i++) {
		if (old[i].key == NULL)
			continue;
		for (j = old[i].hash & mask; m->slots[j].key != NULL;
		    j = (j + 1) & mask)
			;
		m->slots[j] = old[i];
	}
	free(old);
}

/* The slot of key, filled with pos when key was absent (*added is then 1);
 * either way it takes the key pointer. */
static struct slot *
slot_for(struct strmap *m, const char *key, size_t pos, int *added)
{
	uint32_t h = hash_key(key);
	struct slot *s;

	if (pos >= UINT32_MAX)
		fatal("strmap: position %zu out of range", pos);
	if ((m->count + 1) * 4 > m->nslots * 3)
		grow(m);
	s = &m->slots[find(m, key, h)];
	*added = s->key == NULL;
	if (*added) {
		m->count++;
		s->hash = h;
		s->pos = (uint32_t)pos;
	}
	s->key = key;
	return s;
}

size_t
strmap_put(struct strmap *m, const char *key, size_t pos)
{
	struct slot *s;
	size_t old;
	int added;

	s = slot_for(m, key, pos, &added);
	old = added ? STRMAP_NONE : s->pos;
	s->pos = (uint32_t)pos;
	return old;
}

size_t
strmap_add(struct strmap *m, const char *key, size_t pos)
{
	struct slot *s;
	int added;

	s = slot_for(m, key, pos, &added);
	return added ? STRMAP_NONE : s->pos;
}

size_t
strmap_del(struct strmap *m, const char *key)
{
	size_t i, j, k, mask, pos;

	if (m == NULL || m->count == 0)
		return STRMAP_NONE;
	i = find(m, key, hash_key(key));
	if (m->slots[i].key == NULL)
		return STRMAP_NONE;
	pos = m->slots[i].pos;
	/* shift back every slot of the run after i that may move up to i:
	 * one whose home k does not lie cyclically in (i, j] */
	mask = m->nslots - 1;
	for (j = i;;) {
		j = (j + 1) & mask;
		if (m->slots[j].key == NULL)
			break;
		k = m->slots[j].hash & mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slots[i] = m->slots[j];
		i = j;
	}
	memset(&m->slots[i], 0, sizeof m->slots[i]);
	m->count--;
	return pos;
}
