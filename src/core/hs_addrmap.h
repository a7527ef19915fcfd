/*
 * hs_addrmap: an open-addressing hash map from a non-zero address (uintptr_t)
 * to a uint32_t value.
 *
 * Invariants:
 *   - capacity is a power of two and count <= capacity * 3 / 4, so a probe
 *     sequence always ends at an empty slot;
 *   - key 0 marks an empty slot (no object lives at address 0);
 *   - keys and values live in two parallel arrays: a lookup touches the
 *     8-byte key array first, which keeps the probe loop within few cache
 *     lines, and a map built with_values == 0 (a plain set) costs 8 bytes a
 *     slot, about 11-16 bytes per key at the load we run at.
 *
 * Linear probing on a multiplicative hash of (address >> 4): CPython objects
 * are 16-byte aligned, so the low four bits carry no information.
 */
#ifndef HS_ADDRMAP_H
#define HS_ADDRMAP_H

#include "hs_core.h"

typedef struct hs_addrmap {
    uintptr_t *keys;
    uint32_t *vals; /* NULL for a set */
    size_t mask;    /* capacity - 1 */
    size_t count;
} hs_addrmap;

/* Prepare a map for about `expected` keys.  with_values == 0 makes a set. */
int hs_addrmap_init(hs_addrmap *m, size_t expected, int with_values);
void hs_addrmap_destroy(hs_addrmap *m);

/*
 * Insert key with value val unless it is present.  Returns 1 when inserted,
 * 0 when it was already there (then *found, if not NULL, gets its value),
 * or a negative HS_E* code.
 */
int hs_addrmap_put(hs_addrmap *m, uintptr_t key, uint32_t val, uint32_t *found);

/* 1 and *val (if not NULL) when present, 0 when absent. */
int hs_addrmap_get(const hs_addrmap *m, uintptr_t key, uint32_t *val);

/* Bytes the map holds right now (for memory accounting). */
size_t hs_addrmap_bytes(const hs_addrmap *m);

#endif
