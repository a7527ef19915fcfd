#include "hs_objindex.h"

#include <stdlib.h>
#include <string.h>

#define HS__SPARSE_BYTES_PER_KEY 128
#define HS__SPARSE_SLACK ((size_t)16 << 20)

static inline size_t hs__page_hash(uintptr_t id, size_t mask) {
    uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & mask;
}

/* The hash map's key for an address: its granule, never 0. */
static inline uintptr_t hs__granule_key(uintptr_t key) {
    return ((key >> 4) + 1) << 4;
}

static int hs__dir_alloc(hs_objindex *x, size_t cap) {
    x->page_ids = calloc(cap, sizeof(uintptr_t));
    x->pages = calloc(cap, sizeof(uint32_t *));
    if (x->page_ids == NULL || x->pages == NULL) {
        free(x->page_ids);
        free(x->pages);
        x->page_ids = NULL;
        x->pages = NULL;
        return HS_ENOMEM;
    }
    x->mask = cap - 1;
    return HS_OK;
}

int hs_objindex_init(hs_objindex *x) {
    memset(x, 0, sizeof(*x));
    return hs__dir_alloc(x, 256);
}

static void hs__free_pages(hs_objindex *x) {
    size_t i;
    for (i = 0; i < x->nslabs; i++)
        free(x->slabs[i]);
    free(x->slabs);
    x->slabs = NULL;
    x->nslabs = x->slab_cap = x->slab_used = 0;
    free(x->pages);
    free(x->page_ids);
    x->pages = NULL;
    x->page_ids = NULL;
    x->npages = 0;
    x->last_id = 0;
    x->last_page = NULL;
}

void hs_objindex_destroy(hs_objindex *x) {
    if (x == NULL)
        return;
    hs__free_pages(x);
    hs_addrmap_destroy(&x->map);
    memset(x, 0, sizeof(*x));
}

static size_t hs__find(const hs_objindex *x, uintptr_t id) {
    size_t j = hs__page_hash(id, x->mask);
    while (x->page_ids[j] != 0 && x->page_ids[j] != id)
        j = (j + 1) & x->mask;
    return j;
}

static uint32_t *hs__page(const hs_objindex *x, uintptr_t id) {
    size_t j;
    if (id == x->last_id)
        return x->last_page;
    j = hs__find(x, id);
    return x->page_ids[j] == id ? x->pages[j] : NULL;
}

static int hs__grow_dir(hs_objindex *x) {
    hs_objindex bigger;
    size_t i;
    int rc;
    memset(&bigger, 0, sizeof(bigger));
    if (x->mask + 1 > SIZE_MAX / 4 / sizeof(uint32_t *))
        return HS_ETOOBIG;
    rc = hs__dir_alloc(&bigger, (x->mask + 1) * 2);
    if (rc != HS_OK)
        return rc;
    for (i = 0; i <= x->mask; i++) {
        size_t j;
        if (x->page_ids[i] == 0)
            continue;
        j = hs__find(&bigger, x->page_ids[i]);
        bigger.page_ids[j] = x->page_ids[i];
        bigger.pages[j] = x->pages[i];
    }
    free(x->page_ids);
    free(x->pages);
    x->page_ids = bigger.page_ids;
    x->pages = bigger.pages;
    x->mask = bigger.mask;
    return HS_OK;
}

/* Moves every key into the hash map and frees the pages. */
static int hs__to_hashed(hs_objindex *x) {
    size_t i;
    uint32_t s;
    int rc = hs_addrmap_init(&x->map, x->count * 2 + 1024, 1);
    if (rc != HS_OK)
        return rc;
    for (i = 0; i <= x->mask; i++) {
        if (x->page_ids[i] == 0)
            continue;
        for (s = 0; s < HS_OBJINDEX_SLOTS; s++) {
            uintptr_t addr;
            if (x->pages[i][s] == HS_NONE)
                continue;
            addr = ((x->page_ids[i] - 1) << HS_OBJINDEX_PAGE_SHIFT) | ((uintptr_t)s << 4);
            rc = hs_addrmap_put(&x->map, hs__granule_key(addr), x->pages[i][s], NULL);
            if (rc < 0) {
                hs_addrmap_destroy(&x->map);
                return rc;
            }
        }
    }
    hs__free_pages(x);
    x->hashed = 1;
    return HS_OK;
}

static int hs__hashed_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    int rc = hs_addrmap_put(&x->map, hs__granule_key(key), val, found);
    if (rc == 1)
        x->count++;
    return rc;
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

static uint32_t *hs__new_page(hs_objindex *x, uintptr_t id) {
    size_t j;
    uint32_t *page;
    if ((x->npages + 1) * 2 > x->mask + 1 && hs__grow_dir(x) != HS_OK)
        return NULL;
    page = hs__take_page(x);
    if (page == NULL)
        return NULL;
    memset(page, 0xFF, HS_OBJINDEX_SLOTS * sizeof(uint32_t)); /* HS_NONE */
    j = hs__find(x, id);
    x->page_ids[j] = id;
    x->pages[j] = page;
    x->npages++;
    return page;
}

int hs_objindex_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    uintptr_t id = (key >> HS_OBJINDEX_PAGE_SHIFT) + 1;
    uint32_t *page, *slot;
    if (key == 0 || val == HS_NONE)
        return HS_EINVAL;
    if (x->hashed)
        return hs__hashed_put(x, key, val, found);
    if (x->page_ids == NULL)
        return HS_EINVAL;
    page = hs__page(x, id);
    if (page == NULL) {
        size_t page_bytes = (x->npages + 1) * HS_OBJINDEX_SLOTS * sizeof(uint32_t);
        if (page_bytes > HS__SPARSE_SLACK && page_bytes > (x->count + 1) * HS__SPARSE_BYTES_PER_KEY) {
            int rc = hs__to_hashed(x);
            if (rc != HS_OK)
                return rc;
            return hs__hashed_put(x, key, val, found);
        }
        page = hs__new_page(x, id);
        if (page == NULL)
            return HS_ENOMEM;
    }
    x->last_id = id;
    x->last_page = page;
    slot = &page[(key >> 4) & (HS_OBJINDEX_SLOTS - 1)];
    if (*slot != HS_NONE) {
        if (found != NULL)
            *found = *slot;
        return 0;
    }
    *slot = val;
    x->count++;
    return 1;
}

int hs_objindex_get(const hs_objindex *x, uintptr_t key, uint32_t *val) {
    const uint32_t *page;
    uint32_t v;
    if (key == 0)
        return 0;
    if (x->hashed)
        return hs_addrmap_get(&x->map, hs__granule_key(key), val);
    if (x->page_ids == NULL)
        return 0;
    page = hs__page(x, (key >> HS_OBJINDEX_PAGE_SHIFT) + 1);
    if (page == NULL)
        return 0;
    v = page[(key >> 4) & (HS_OBJINDEX_SLOTS - 1)];
    if (v == HS_NONE)
        return 0;
    if (val != NULL)
        *val = v;
    return 1;
}

size_t hs_objindex_bytes(const hs_objindex *x) {
    if (x->hashed)
        return hs_addrmap_bytes(&x->map);
    if (x->page_ids == NULL)
        return 0;
    return (x->mask + 1) * (sizeof(uintptr_t) + sizeof(uint32_t *)) +
           x->npages * HS_OBJINDEX_SLOTS * sizeof(uint32_t);
}
