#include "hs_objindex.h"

#include <stdlib.h>
#include <string.h>

#define HS__SPARSE_BYTES_PER_KEY 128
#define HS__SPARSE_SLACK ((size_t)16 << 20)
#define HS__TABLE_BYTES ((size_t)HS_OBJINDEX_REGION_PAGES * sizeof(hs_objindex_page *))

/* The hash map's key for an address: its granule, never 0. */
static inline uintptr_t hs__granule_key(uintptr_t key) {
    return ((key >> 4) + 1) << 4;
}

/* Pages in slab i: the first ones small, for small heaps. */
static size_t hs__slab_size(size_t i) {
    return i < 4 ? (size_t)16 << (2 * i) : HS_OBJINDEX_SLAB_PAGES;
}

int hs_objindex_init(hs_objindex *x, size_t expected) {
    memset(x, 0, sizeof(*x));
    x->expected = expected;
    /* 2 MiB, touched only where used */
    x->regions = calloc(HS_OBJINDEX_REGIONS, sizeof(hs_objindex_page **));
    return x->regions == NULL ? HS_ENOMEM : HS_OK;
}

static void hs__free_pages(hs_objindex *x) {
    size_t i, p;
    for (i = 0; i < x->nslabs; i++) {
        size_t used = i + 1 == x->nslabs ? x->slab_used : hs__slab_size(i);
        for (p = 0; p < used; p++)
            free(x->slabs[i][p].vals);
        free(x->slabs[i]);
    }
    free(x->slabs);
    x->slabs = NULL;
    x->nslabs = x->slab_cap = x->slab_used = x->slab_pages = 0;
    if (x->regions != NULL)
        for (i = 0; i < HS_OBJINDEX_REGIONS; i++)
            free(x->regions[i]);
    free(x->regions);
    x->regions = NULL;
    x->nregions = x->npages = x->val_bytes = 0;
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
    int rc = hs_addrmap_init(&x->map, x->count * 2 + 1024, 1);
    if (rc != HS_OK)
        return rc;
    for (r = 0; r < HS_OBJINDEX_REGIONS; r++) {
        if (x->regions[r] == NULL)
            continue;
        for (pg = 0; pg < HS_OBJINDEX_REGION_PAGES; pg++) {
            const hs_objindex_page *page = x->regions[r][pg];
            unsigned w, k = 0;
            if (page == NULL)
                continue;
            for (w = 0; w < HS_OBJINDEX_WORDS; w++) {
                uint64_t bits = page->bits[w];
                while (bits != 0) {
                    unsigned g = w * 64 + (unsigned)__builtin_ctzll(bits);
                    uintptr_t addr = ((uintptr_t)r << HS_OBJINDEX_REGION_SHIFT) |
                                     ((uintptr_t)pg << HS_OBJINDEX_PAGE_SHIFT) | ((uintptr_t)g << 4);
                    bits &= bits - 1;
                    rc = hs_addrmap_put(&x->map, hs__granule_key(addr), page->vals[k++], NULL);
                    if (rc < 0) {
                        hs_addrmap_destroy(&x->map);
                        return rc;
                    }
                }
            }
        }
    }
    hs__free_pages(x);
    x->hashed = 1;
    return HS_OK;
}

/* A zeroed page header from the current slab; a new slab when it is used up. */
static hs_objindex_page *hs__take_page(hs_objindex *x) {
    hs_objindex_page *page;
    if (x->nslabs == 0 || x->slab_used == x->slab_pages) {
        size_t pages_in_slab = hs__slab_size(x->nslabs);
        hs_objindex_page *slab;
        if (x->nslabs == x->slab_cap) {
            size_t ncap = x->slab_cap ? x->slab_cap * 2 : 16;
            hs_objindex_page **sl = realloc(x->slabs, ncap * sizeof(*sl));
            if (sl == NULL)
                return NULL;
            x->slabs = sl;
            x->slab_cap = ncap;
        }
        slab = malloc(pages_in_slab * sizeof(*slab));
        if (slab == NULL)
            return NULL;
        x->slabs[x->nslabs++] = slab;
        x->slab_pages = pages_in_slab;
        x->slab_used = 0;
    }
    page = &x->slabs[x->nslabs - 1][x->slab_used++];
    memset(page, 0, sizeof(*page));
    return page;
}

static int hs__hashed_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    int rc = hs_addrmap_put(&x->map, hs__granule_key(key), val, found);
    if (rc == 1)
        x->count++;
    return rc;
}

/* Too sparse for pages: more than 128 bytes of tables, pages and values per
 * key, with this key's new page (and table) counted. */
static int hs__too_sparse(const hs_objindex *x, int new_table) {
    size_t bytes = (x->nregions + (size_t)new_table) * HS__TABLE_BYTES +
                   (x->npages + 1) * sizeof(hs_objindex_page) + x->val_bytes + 8 * sizeof(uint32_t);
    size_t keys = x->count + 1 > x->expected ? x->count + 1 : x->expected;
    return bytes > HS__SPARSE_SLACK && bytes / HS__SPARSE_BYTES_PER_KEY > keys;
}

/* Makes room for one more value: capacities 8, 16, 24, 40, ... (about 1.5x,
 * in steps of 8), never above a page's granules. */
static int hs__grow_vals(hs_objindex *x, hs_objindex_page *page) {
    unsigned ncap = page->cap == 0 ? 8u : ((unsigned)page->cap * 3 / 2 + 7u) & ~7u;
    uint32_t *v;
    if (ncap > HS_OBJINDEX_SLOTS)
        ncap = HS_OBJINDEX_SLOTS;
    v = realloc(page->vals, ncap * sizeof(uint32_t));
    if (v == NULL)
        return HS_ENOMEM;
    x->val_bytes += (ncap - page->cap) * sizeof(uint32_t);
    page->vals = v;
    page->cap = (uint16_t)ncap;
    return HS_OK;
}

int hs_objindex_put(hs_objindex *x, uintptr_t key, uint32_t val, uint32_t *found) {
    hs_objindex_page **table, **slot_page, *page;
    unsigned g, w, rank, i;
    uint64_t bit, word;
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
        table = calloc(HS_OBJINDEX_REGION_PAGES, sizeof(hs_objindex_page *));
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
        x->npages++;
    }
    page = *slot_page;
    g = (unsigned)(key >> 4) & (HS_OBJINDEX_SLOTS - 1);
    w = g >> 6;
    bit = (uint64_t)1 << (g & 63);
    word = page->bits[w];
    rank = page->before[w] + hs_objindex_popcount(word & (bit - 1));
    if (word & bit) {
        if (found != NULL)
            *found = page->vals[rank];
        return 0;
    }
    if (page->count == page->cap && hs__grow_vals(x, page) != HS_OK)
        return HS_ENOMEM;
    if (rank < page->count)
        memmove(&page->vals[rank + 1], &page->vals[rank], (page->count - rank) * sizeof(uint32_t));
    page->vals[rank] = val;
    page->bits[w] = word | bit;
    for (i = w + 1; i < HS_OBJINDEX_WORDS; i++)
        page->before[i]++;
    page->count++;
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
    return x->nregions * HS__TABLE_BYTES + x->npages * sizeof(hs_objindex_page) + x->val_bytes;
}
