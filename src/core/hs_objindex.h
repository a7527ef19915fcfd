/*
 * hs_objindex: object address -> uint32_t index, direct-mapped while the
 * addresses are dense.
 *
 * A heap walk looks an address up for every reference it follows.  In a
 * hash map each lookup is a random cache miss; here an address's 16-byte
 * granule has a fixed slot in a page of 1024 slots (one page per 16 KiB of
 * address space, allocated when first touched), found through a small
 * directory, so objects that live side by side share cache lines.
 *
 * Distinct objects start at least 16 bytes apart, so the granule
 * (address >> 4) identifies an object; an address and another in the same
 * granule are the same key.  HS_NONE cannot be stored (it marks a free slot).
 *
 * Sparse addresses (a hostile snapshot file, a heap of huge objects) would
 * cost a page each: once pages hold more than 128 bytes per key (past the
 * first 16 MiB), the index moves its keys into an hs_addrmap and stays a hash
 * map.  Lookups and results are the same either way.
 */
#ifndef HS_OBJINDEX_H
#define HS_OBJINDEX_H

#include "hs_addrmap.h"
#include "hs_core.h"

#define HS_OBJINDEX_PAGE_SHIFT 14 /* 16 KiB of address space per page */
#define HS_OBJINDEX_SLOTS (1u << (HS_OBJINDEX_PAGE_SHIFT - 4))
#define HS_OBJINDEX_SLAB_PAGES 2048

typedef struct hs_objindex {
    uintptr_t *page_ids; /* (address >> PAGE_SHIFT) + 1, or 0 for a free slot */
    uint32_t **pages;    /* parallel to page_ids */
    size_t mask;         /* directory capacity - 1 */
    size_t npages;
    size_t count;
    uintptr_t last_id;
    uint32_t *last_page;
    int hashed; /* sparse: the keys live in map */
    hs_addrmap map;
    /* Pages are carved from slabs of up to HS_OBJINDEX_SLAB_PAGES (8 MiB):
     * one allocation per 2,048 pages, not one each. */
    uint32_t **slabs;
    size_t nslabs, slab_cap;
    size_t slab_pages, slab_used; /* the last slab's pages, and how many are taken */
} hs_objindex;

int hs_objindex_init(hs_objindex *x);
void hs_objindex_destroy(hs_objindex *x);
/* As hs_addrmap_put: 1 inserted, 0 present (*found gets its value), or HS_E*. */
int hs_objindex_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found);
/* 1 and *val when present, else 0. */
int hs_objindex_get(const hs_objindex *x, uintptr_t key, uint32_t *val);
size_t hs_objindex_bytes(const hs_objindex *x);
/* 1 once initialised (and not destroyed). */
static inline int hs_objindex_ready(const hs_objindex *x) {
    return x->page_ids != NULL || x->hashed;
}

#endif
