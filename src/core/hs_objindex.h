/*
 * hs_objindex: object address -> uint32_t index, direct-mapped while the
 * addresses are dense.
 *
 * A heap walk looks an address up for every reference it follows.  In a
 * hash map each lookup is a random cache miss; here an address's 16-byte
 * granule has a fixed slot in a page of 1024 slots (one page per 16 KiB of
 * address space, allocated when first touched), found through a two-level
 * radix directory (a table of page pointers per GiB), so objects that live
 * side by side share cache lines, and so do their pages' pointers.
 *
 * Distinct objects start at least 16 bytes apart, so the granule
 * (address >> 4) identifies an object; an address and another in the same
 * granule are the same key.  HS_NONE cannot be stored (it marks a free slot).
 *
 * Sparse addresses (a hostile snapshot file, a heap of huge objects) would
 * cost a page (and a table) each: once pages and tables hold more than 128
 * bytes per key (past the first 16 MiB, or 128 bytes per expected key), or a
 * key lies beyond 48 bits, the
 * index moves its keys into an hs_addrmap and stays a hash map.  Lookups and
 * results are the same either way.
 */
#ifndef HS_OBJINDEX_H
#define HS_OBJINDEX_H

#include "hs_addrmap.h"
#include "hs_core.h"

#define HS_OBJINDEX_PAGE_SHIFT 14 /* 16 KiB of address space per page */
#define HS_OBJINDEX_SLOTS (1u << (HS_OBJINDEX_PAGE_SHIFT - 4))
#define HS_OBJINDEX_SLAB_PAGES 2048
#define HS_OBJINDEX_REGION_SHIFT 30 /* a table of page pointers per GiB */
#define HS_OBJINDEX_REGION_PAGES (1u << (HS_OBJINDEX_REGION_SHIFT - HS_OBJINDEX_PAGE_SHIFT))
#define HS_OBJINDEX_ADDR_BITS 48 /* user space on x86_64 and aarch64; beyond it, hashed */
#define HS_OBJINDEX_REGIONS ((size_t)1 << (HS_OBJINDEX_ADDR_BITS - HS_OBJINDEX_REGION_SHIFT))

typedef struct hs_objindex {
    /* A radix directory, as a page table: region -> its table of pages ->
     * the page; tables and pages appear when first touched. */
    uint32_t ***regions; /* HS_OBJINDEX_REGIONS entries, or NULL */
    size_t nregions;
    size_t npages;
    size_t count;
    size_t expected;
    int hashed; /* sparse: the keys live in map */
    hs_addrmap map;
    /* Pages are carved from slabs of up to HS_OBJINDEX_SLAB_PAGES (8 MiB):
     * one allocation per 2,048 pages, not one each. */
    uint32_t **slabs;
    size_t nslabs, slab_cap;
    size_t slab_pages, slab_used; /* the last slab's pages, and how many are taken */
} hs_objindex;

/* `expected`: about how many keys will come (0 if unknown).  Pages may take
 * up to 128 bytes per expected key before the index counts as sparse, so
 * keys that arrive in scattered order (a heap's oldest objects first) do not
 * turn it into a hash map early. */
int hs_objindex_init(hs_objindex *x, size_t expected);
void hs_objindex_destroy(hs_objindex *x);
/* As hs_addrmap_put: 1 inserted, 0 present (*found gets its value), or HS_E*. */
int hs_objindex_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found);
int hs_objindex_get_hashed(const hs_objindex *x, uintptr_t key, uint32_t *val);
size_t hs_objindex_bytes(const hs_objindex *x);
/* 1 once initialised (and not destroyed). */
static inline int hs_objindex_ready(const hs_objindex *x) {
    return x->regions != NULL || x->hashed;
}

/* 1 and *val when present, else 0. */
static inline int hs_objindex_get(const hs_objindex *x, uintptr_t key, uint32_t *val) {
    uint32_t **table, *page, v;
    if (x->hashed)
        return hs_objindex_get_hashed(x, key, val);
    if (key == 0 || x->regions == NULL || (key >> HS_OBJINDEX_ADDR_BITS) != 0)
        return 0;
    table = x->regions[key >> HS_OBJINDEX_REGION_SHIFT];
    if (table == NULL)
        return 0;
    page = table[(key >> HS_OBJINDEX_PAGE_SHIFT) & (HS_OBJINDEX_REGION_PAGES - 1)];
    if (page == NULL)
        return 0;
    v = page[(key >> 4) & (HS_OBJINDEX_SLOTS - 1)];
    if (v == HS_NONE)
        return 0;
    if (val != NULL)
        *val = v;
    return 1;
}

#endif
