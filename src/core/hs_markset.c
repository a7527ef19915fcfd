#include "hs_markset.h"

#include <stdlib.h>
#include <string.h>

static inline size_t hs__chunk_hash(uintptr_t id, size_t mask) {
    uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & mask;
}

static int hs__markset_dir_alloc(hs_markset *s, size_t cap) {
    s->chunk_ids = calloc(cap, sizeof(uintptr_t));
    s->bitmaps = calloc(cap, sizeof(uint64_t *));
    if (s->chunk_ids == NULL || s->bitmaps == NULL) {
        free(s->chunk_ids);
        free(s->bitmaps);
        s->chunk_ids = NULL;
        s->bitmaps = NULL;
        return HS_ENOMEM;
    }
    s->mask = cap - 1;
    return HS_OK;
}

int hs_markset_init(hs_markset *s) {
    memset(s, 0, sizeof(*s));
    return hs__markset_dir_alloc(s, 64);
}

void hs_markset_destroy(hs_markset *s) {
    size_t i;
    if (s == NULL)
        return;
    if (s->bitmaps != NULL)
        for (i = 0; i <= s->mask; i++)
            free(s->bitmaps[i]);
    free(s->bitmaps);
    free(s->chunk_ids);
    memset(s, 0, sizeof(*s));
}

static size_t hs__markset_find(const hs_markset *s, uintptr_t id) {
    size_t j = hs__chunk_hash(id, s->mask);
    while (s->chunk_ids[j] != 0 && s->chunk_ids[j] != id)
        j = (j + 1) & s->mask;
    return j;
}

static int hs__markset_grow(hs_markset *s) {
    hs_markset bigger;
    size_t i;
    int rc;
    memset(&bigger, 0, sizeof(bigger));
    if (s->mask + 1 > SIZE_MAX / 4 / sizeof(uint64_t *))
        return HS_ETOOBIG;
    rc = hs__markset_dir_alloc(&bigger, (s->mask + 1) * 2);
    if (rc != HS_OK)
        return rc;
    for (i = 0; i <= s->mask; i++) {
        size_t j;
        if (s->chunk_ids[i] == 0)
            continue;
        j = hs__markset_find(&bigger, s->chunk_ids[i]);
        bigger.chunk_ids[j] = s->chunk_ids[i];
        bigger.bitmaps[j] = s->bitmaps[i];
    }
    free(s->chunk_ids);
    free(s->bitmaps);
    s->chunk_ids = bigger.chunk_ids;
    s->bitmaps = bigger.bitmaps;
    s->mask = bigger.mask;
    return HS_OK;
}

uint64_t *hs_markset_chunk(hs_markset *s, uintptr_t id) {
    size_t j;
    uint64_t *bm;
    if (s->chunk_ids == NULL)
        return NULL;
    j = hs__markset_find(s, id);
    if (s->chunk_ids[j] == id)
        return s->bitmaps[j];
    if ((s->nchunks + 1) * 2 > s->mask + 1) {
        if (hs__markset_grow(s) != HS_OK)
            return NULL;
        j = hs__markset_find(s, id);
    }
    bm = calloc(HS_MARKSET_WORDS, sizeof(uint64_t));
    if (bm == NULL)
        return NULL;
    s->chunk_ids[j] = id;
    s->bitmaps[j] = bm;
    s->nchunks++;
    return bm;
}

int hs_markset_has(const hs_markset *s, uintptr_t addr) {
    uintptr_t id = (addr >> HS_MARKSET_CHUNK_SHIFT) + 1;
    size_t bit = (addr >> HS_MARKSET_GRANULE_SHIFT) & (HS_MARKSET_BITS - 1);
    const uint64_t *bm;
    size_t j;
    if (addr == 0)
        return 0;
    if (s->chunk_ids == NULL)
        return 0;
    j = hs__markset_find(s, id);
    bm = s->chunk_ids[j] == id ? s->bitmaps[j] : NULL;
    return bm != NULL && ((bm[bit >> 6] >> (bit & 63)) & 1) != 0;
}

size_t hs_markset_bytes(const hs_markset *s) {
    if (s->chunk_ids == NULL)
        return 0;
    return (s->mask + 1) * (sizeof(uintptr_t) + sizeof(uint64_t *)) +
           s->nchunks * HS_MARKSET_WORDS * sizeof(uint64_t);
}
