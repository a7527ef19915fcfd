/*
 * hs_group: interning of fixed-size integer tuples.  hs_group_intern() maps
 * a tuple of `width` uint32_t tokens to a dense id (0, 1, 2, ... in order
 * of first appearance); the same tuple always gets the same id.
 *
 * heapscope builds retention-path "shapes" with it as a trie: the shape of
 * a node is intern(shape of its parent, its type, its generalised edge
 * label), so objects held the same way share one id and grouping thousands
 * of leaked objects costs one lookup per distinct node on their paths.
 *
 * Tuples are stored once in `tuples`; a 64-bit hash finds them through an
 * hs_addrmap, and a hash collision is resolved by comparing the stored tuple
 * and re-probing with a perturbed hash.
 */
#ifndef HS_GROUP_H
#define HS_GROUP_H

#include "hs_addrmap.h"

typedef struct hs_group {
    unsigned width;
    uint32_t count;
    uint32_t *tuples; /* count * width */
    size_t cap;       /* tuples capacity, in tuples */
    hs_addrmap index; /* perturbed hash -> id */
} hs_group;

int hs_group_init(hs_group *g, unsigned width);
void hs_group_destroy(hs_group *g);
/* *id gets the tuple's id; returns 1 when new, 0 when known, or HS_E*. */
int hs_group_intern(hs_group *g, const uint32_t *tuple, uint32_t *id);
/* The stored tuple of an id, or NULL when out of range. */
const uint32_t *hs_group_tuple(const hs_group *g, uint32_t id);

#endif
