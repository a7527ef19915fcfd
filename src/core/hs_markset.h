/*
 * hs_markset: a set of object addresses as bits, for addresses that cluster.
 *
 * CPython's objects live in a few regions (pymalloc's arenas, malloc's heap,
 * the interpreter's static data), and a heap walk meets them roughly in the
 * order they were allocated.  A hash set of addresses turns each membership
 * test into a random cache miss; this set keeps one bit per 16-byte granule
 * instead, in a bitmap per 1 MiB chunk of address space, so neighbouring
 * objects share cache lines and the whole set costs about 1/128 of the
 * memory its objects occupy (plus 8 KiB per chunk touched).
 *
 * Distinct objects start at least 16 bytes apart (an object holds a refcount
 * and a type pointer), so address >> 4 is unique per object even where an
 * object is only 8-byte aligned.
 *
 * Invariants: the directory's capacity is a power of two and holds at most
 * 1/2 load; chunk number 0 marks an empty directory slot, so a chunk's
 * number is stored plus one.
 */
#ifndef HS_MARKSET_H
#define HS_MARKSET_H

#include "hs_core.h"

#define HS_MARKSET_CHUNK_SHIFT 20  /* 1 MiB of address space */
#define HS_MARKSET_GRANULE_SHIFT 4 /* 16 bytes */
#define HS_MARKSET_BITS (1u << (HS_MARKSET_CHUNK_SHIFT - HS_MARKSET_GRANULE_SHIFT))
#define HS_MARKSET_WORDS (HS_MARKSET_BITS / 64)

typedef struct hs_markset {
    uintptr_t *chunk_ids; /* chunk number + 1, or 0 for an empty slot */
    uint64_t **bitmaps;   /* parallel to chunk_ids */
    size_t mask;          /* directory capacity - 1 */
    size_t nchunks;
    size_t count;      /* addresses in the set */
    uintptr_t last_id; /* the chunk of the previous call, + 1 (0: none) */
    uint64_t *last_bitmap;
} hs_markset;

int hs_markset_init(hs_markset *s);
void hs_markset_destroy(hs_markset *s);

/* Slow path of hs_markset_add: finds or makes the chunk's bitmap. */
uint64_t *hs_markset_chunk(hs_markset *s, uintptr_t id);

/* Adds addr; 1 when it was new, 0 when it was in the set already, or a
 * negative HS_E* code (addr 0, out of memory). */
static inline int hs_markset_add(hs_markset *s, uintptr_t addr) {
    uintptr_t id = (addr >> HS_MARKSET_CHUNK_SHIFT) + 1;
    size_t bit = (addr >> HS_MARKSET_GRANULE_SHIFT) & (HS_MARKSET_BITS - 1);
    uint64_t *bm = s->last_bitmap, word, m;
    if (addr == 0)
        return HS_EINVAL;
    if (id != s->last_id) {
        bm = hs_markset_chunk(s, id);
        if (bm == NULL)
            return HS_ENOMEM;
        s->last_id = id;
        s->last_bitmap = bm;
    }
    m = (uint64_t)1 << (bit & 63);
    word = bm[bit >> 6];
    if (word & m)
        return 0;
    bm[bit >> 6] = word | m;
    s->count++;
    return 1;
}

/* 1 when addr is in the set, else 0. */
int hs_markset_has(const hs_markset *s, uintptr_t addr);

/* Bytes the set holds (directory and bitmaps). */
size_t hs_markset_bytes(const hs_markset *s);

#endif
