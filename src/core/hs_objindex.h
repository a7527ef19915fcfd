/*
 * hs_objindex: object address -> uint32_t index, direct-mapped while the
 * addresses are dense.
 *
 * A heap walk looks an address up for every reference it follows.  In a
 * hash map each lookup is a random cache miss; here an address's 16-byte
 * granule has a fixed bit in a page (one page per 4 KiB of address space,
 * made when first touched), found through a two-level radix directory (a
 * table of page pointers per GiB), so objects that live side by side share
 * cache lines, and so do their pages.
 *
 * A page is a rank directory: a bit per granule says which hold a key, and
 * the values of the keys present are packed in address order, so the value
 * of a granule is vals[the number of keys below it in the page] (a prefix
 * count per 64-bit word and one popcount).  It costs about 4 bytes per key
 * and a 56-byte header per page, where a slot per granule cost 4 bytes per
 * 16 bytes of address space (a heap's objects average 60 to 80 bytes apart,
 * so 16 to 20 bytes per key).  An insertion below the page's highest key
 * moves the values above it, at most 255 of them.
 *
 * Distinct objects start at least 16 bytes apart, so the granule
 * (address >> 4) identifies an object; an address and another in the same
 * granule are the same key.  HS_NONE cannot be stored.
 *
 * Sparse addresses (a hostile snapshot file, a heap of huge objects) would
 * cost a page (and a table) each: once pages and tables hold more than 128
 * bytes per key (past the first 16 MiB, or 128 bytes per expected key), or a
 * key lies beyond 48 bits, the index moves its keys into an hs_addrmap and
 * stays a hash map.  Lookups and results are the same either way.
 */
#ifndef HS_OBJINDEX_H
#define HS_OBJINDEX_H

#include "hs_addrmap.h"
#include "hs_core.h"

#define HS_OBJINDEX_PAGE_SHIFT 12 /* 4 KiB of address space per page */
#define HS_OBJINDEX_SLOTS (1u << (HS_OBJINDEX_PAGE_SHIFT - 4))
#define HS_OBJINDEX_WORDS (HS_OBJINDEX_SLOTS / 64)
#define HS_OBJINDEX_SLAB_PAGES 4096
#define HS_OBJINDEX_REGION_SHIFT 30 /* a table of page pointers per GiB */
#define HS_OBJINDEX_REGION_PAGES (1u << (HS_OBJINDEX_REGION_SHIFT - HS_OBJINDEX_PAGE_SHIFT))
#define HS_OBJINDEX_ADDR_BITS 48 /* user space on x86_64 and aarch64; beyond it, hashed */
#define HS_OBJINDEX_REGIONS ((size_t)1 << (HS_OBJINDEX_ADDR_BITS - HS_OBJINDEX_REGION_SHIFT))

/* One page: which granules hold a key, and their values in address order. */
typedef struct hs_objindex_page {
    uint64_t bits[HS_OBJINDEX_WORDS];
    uint16_t before[HS_OBJINDEX_WORDS]; /* keys in the words below word w */
    uint16_t count, cap;
    uint32_t *vals; /* count used of cap */
} hs_objindex_page;

typedef struct hs_objindex {
    /* A radix directory, as a page table: region -> its table of pages ->
     * the page; tables and pages appear when first touched. */
    hs_objindex_page ***regions; /* HS_OBJINDEX_REGIONS entries, or NULL */
    size_t nregions;
    size_t npages;
    size_t count;
    size_t expected;
    size_t val_bytes; /* the pages' value arrays, by capacity */
    int hashed;       /* sparse: the keys live in map */
    hs_addrmap map;
    /* Page headers are carved from slabs of up to HS_OBJINDEX_SLAB_PAGES:
     * one allocation per 4,096 pages, not one each. */
    hs_objindex_page **slabs;
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
/* Bytes held: directory tables, page headers, value arrays (or the map). */
size_t hs_objindex_bytes(const hs_objindex *x);
/* 1 once initialised (and not destroyed). */
static inline int hs_objindex_ready(const hs_objindex *x) {
    return x->regions != NULL || x->hashed;
}

/* Bits set in a word.  Portable builds have no POPCNT instruction, and
 * __builtin_popcountll would be a call into libgcc on every lookup. */
static inline unsigned hs_objindex_popcount(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* The page of an address (no key there, or the index hashed: NULL). */
static inline hs_objindex_page *hs_objindex_page_of(const hs_objindex *x, uintptr_t key) {
    hs_objindex_page **table;
    if (x->regions == NULL || (key >> HS_OBJINDEX_ADDR_BITS) != 0)
        return NULL;
    table = x->regions[key >> HS_OBJINDEX_REGION_SHIFT];
    if (table == NULL)
        return NULL;
    return table[(key >> HS_OBJINDEX_PAGE_SHIFT) & (HS_OBJINDEX_REGION_PAGES - 1)];
}

/* 1 and *val when present, else 0. */
static inline int hs_objindex_get(const hs_objindex *x, uintptr_t key, uint32_t *val) {
    const hs_objindex_page *page;
    unsigned g, w;
    uint64_t word, bit;
    if (x->hashed)
        return hs_objindex_get_hashed(x, key, val);
    if (key == 0)
        return 0;
    page = hs_objindex_page_of(x, key);
    if (page == NULL)
        return 0;
    g = (unsigned)(key >> 4) & (HS_OBJINDEX_SLOTS - 1);
    w = g >> 6;
    bit = (uint64_t)1 << (g & 63);
    word = page->bits[w];
    if ((word & bit) == 0)
        return 0;
    if (val != NULL)
        *val = page->vals[page->before[w] + hs_objindex_popcount(word & (bit - 1))];
    return 1;
}

#endif
