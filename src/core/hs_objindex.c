#include "hs_objindex.h"

#include <stdlib.h>
#include <string.h>

#define HS__SPARSE_BYTES_PER_KEY 128
#define HS__SPARSE_SLACK ((size_t)16 << 20)

/* The hash map's key for an address: its granule, never 0. */
static inline uintptr_t hs__granule_key(uintptr_t key) {
    return ((key >> 4) + 1) << 4;
}

int hs_objindex_init(hs_objindex *x, size_t expected) {
    memset(x, 0, sizeof(*x));
    x->expected = expected;
    x->regions = calloc(HS_OBJINDEX_REGIONS, sizeof(uint32_t **)); /* 2 MiB, touched only where used */
    return x->regions == NULL ? HS_ENOMEM : HS_OK;
}

static void hs__free_pages(hs_objindex *x) {
    size_t i;
    for (i = 0; i < x->nslabs; i++)
        free(x->slabs[i]);
    free(x->slabs);
    x->slabs = NULL;
    x->nslabs = x->slab_cap = x->slab_used = 0;
    if (x->regions != NULL)
        for (i = 0; i < HS_OBJINDEX_REGIONS; i++)
            free(x->regions[i]);
    free(x->regions);
    x->regions = NULL;
    x->nregions = x->npages = 0;
}

void hs_objindex_destroy(hs_objindex *x) {
    if (x == NULL)
        return;
    hs__free_pages(x);
    hs_addrmap_destroy(&x->map);
    memset(x, 0, sizeof(*x));
}

/* Moves every key into the hash map and frees the pages. */
static int hs__to_hashed(hs_objindex *x) {
    size_t r, pg;
    uint32_t s;
    int rc = hs_addrmap_init(&x->map, x->count * 2 + 1024, 1);
    if (rc != HS_OK)
        return rc;
    for (r = 0; r < HS_OBJINDEX_REGIONS; r++) {
        if (x->regions[r] == NULL)
            continue;
        for (pg = 0; pg < HS_OBJINDEX_REGION_PAGES; pg++) {
            const uint32_t *page = x->regions[r][pg];
            if (page == NULL)
                continue;
            for (s = 0; s < HS_OBJINDEX_SLOTS; s++) {
                uintptr_t addr;
                if (page[s] == HS_NONE)
                    continue;
                addr = ((uintptr_t)r << HS_OBJINDEX_REGION_SHIFT) |
                       ((uintptr_t)pg << HS_OBJINDEX_PAGE_SHIFT) | ((uintptr_t)s << 4);
                rc = hs_addrmap_put(&x->map, hs__granule_key(addr), page[s], NULL);
                if (rc < 0) {
                    hs_addrmap_destroy(&x->map);
                    return rc;
                }
            }
        }
    }
    hs__free_pages(x);
    x->hashed = 1;
    return HS_OK;
}

/* A page from the current slab; a new slab (the first ones small, for small
 * heaps) when it is used up. */
static uint32_t *hs__take_page(hs_objindex *x) {
    size_t pages_in_slab = x->nslabs < 4 ? (size_t)16 << (2 * x->nslabs) : HS_OBJINDEX_SLAB_PAGES;
    if (pages_in_slab > HS_OBJINDEX_SLAB_PAGES)
        pages_in_slab = HS_OBJINDEX_SLAB_PAGES;
    if (x->nslabs == 0 || x->slab_used == x->slab_pages) {
        uint32_t *slab;
        if (x->nslabs == x->slab_cap) {
            size_t ncap = x->slab_cap ? x->slab_cap * 2 : 16;
            uint32_t **sl = realloc(x->slabs, ncap * sizeof(uint32_t *));
            if (sl == NULL)
                return NULL;
            x->slabs = sl;
            x->slab_cap = ncap;
        }
        slab = malloc(pages_in_slab * HS_OBJINDEX_SLOTS * sizeof(uint32_t));
        if (slab == NULL)
            return NULL;
        x->slabs[x->nslabs++] = slab;
        x->slab_pages = pages_in_slab;
        x->slab_used = 0;
    }
    return x->slabs[x->nslabs - 1] + (x->slab_used++) * HS_OBJINDEX_SLOTS;
}

static int hs__hashed_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    int rc = hs_addrmap_put(&x->map, hs__granule_key(key), val, found);
    if (rc == 1)
        x->count++;
    return rc;
}

/* Too sparse for pages: more than 128 bytes of pages and tables per key. */
static int hs__too_sparse(const hs_objindex *x, int new_table) {
    size_t bytes = (x->npages + 1) * HS_OBJINDEX_SLOTS * sizeof(uint32_t) +
                   (x->nregions + (size_t)new_table) * HS_OBJINDEX_REGION_PAGES * sizeof(uint32_t *);
    size_t keys = x->count + 1 > x->expected ? x->count + 1 : x->expected;
    return bytes > HS__SPARSE_SLACK && bytes / HS__SPARSE_BYTES_PER_KEY > keys;
}

int hs_objindex_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    uint32_t **table, **slot_page, *slot;
    if (key == 0 || val == HS_NONE)
        return HS_EINVAL;
    if (x->hashed)
        return hs__hashed_put(x, key, val, found);
    if (x->regions == NULL)
        return HS_EINVAL;
    if ((key >> HS_OBJINDEX_ADDR_BITS) != 0)
        goto hashed;
    table = x->regions[key >> HS_OBJINDEX_REGION_SHIFT];
    if (table == NULL) {
        if (hs__too_sparse(x, 1))
            goto hashed;
        table = calloc(HS_OBJINDEX_REGION_PAGES, sizeof(uint32_t *));
        if (table == NULL)
            return HS_ENOMEM;
        x->regions[key >> HS_OBJINDEX_REGION_SHIFT] = table;
        x->nregions++;
    }
    slot_page = &table[(key >> HS_OBJINDEX_PAGE_SHIFT) & (HS_OBJINDEX_REGION_PAGES - 1)];
    if (*slot_page == NULL) {
        if (hs__too_sparse(x, 0))
            goto hashed;
        *slot_page = hs__take_page(x);
        if (*slot_page == NULL)
            return HS_ENOMEM;
        memset(*slot_page, 0xFF, HS_OBJINDEX_SLOTS * sizeof(uint32_t)); /* HS_NONE */
        x->npages++;
    }
    slot = &(*slot_page)[(key >> 4) & (HS_OBJINDEX_SLOTS - 1)];
    if (*slot != HS_NONE) {
        if (found != NULL)
            *found = *slot;
        return 0;
    }
    *slot = val;
    x->count++;
    return 1;
hashed:
    {
        int rc = hs__to_hashed(x);
        if (rc != HS_OK)
            return rc;
        return hs__hashed_put(x, key, val, found);
    }
}

int hs_objindex_get_hashed(const hs_objindex *x, uintptr_t key, uint32_t *val) {
    if (key == 0)
        return 0;
    return hs_addrmap_get(&x->map, hs__granule_key(key), val);
}

size_t hs_objindex_bytes(const hs_objindex *x) {
    if (x->hashed)
        return hs_addrmap_bytes(&x->map);
    if (x->regions == NULL)
        return 0;
    return x->nregions * HS_OBJINDEX_REGION_PAGES * sizeof(uint32_t *) +
           x->npages * HS_OBJINDEX_SLOTS * sizeof(uint32_t);
}
