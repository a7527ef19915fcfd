#include "hs_group.h"

#include <stdlib.h>
#include <string.h>

int hs_group_init(hs_group *g, unsigned width) {
    memset(g, 0, sizeof(*g));
    if (width == 0 || width > 64)
        return HS_EINVAL;
    g->width = width;
    return hs_addrmap_init(&g->index, 64, 1);
}

void hs_group_destroy(hs_group *g) {
    if (g == NULL)
        return;
    free(g->tuples);
    hs_addrmap_destroy(&g->index);
    memset(g, 0, sizeof(*g));
}

static uint64_t hs__tuple_hash(const uint32_t *t, unsigned width, uint64_t salt) {
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ salt;
    unsigned i;
    for (i = 0; i < width; i++) {
        h ^= t[i];
        h *= UINT64_C(0x100000001b3);
        h ^= h >> 32;
    }
    /* hs_addrmap drops the low four bits and reserves key 0. */
    h <<= 4;
    return h ? h : 16;
}

int hs_group_intern(hs_group *g, const uint32_t *tuple, uint32_t *id) {
    uint64_t salt;
    for (salt = 0;; salt++) {
        uintptr_t key = (uintptr_t)hs__tuple_hash(tuple, g->width, salt);
        uint32_t found = 0;
        int rc;
        if (hs_addrmap_get(&g->index, key, &found)) {
            if (memcmp(g->tuples + (size_t)found * g->width, tuple, g->width * sizeof(uint32_t)) == 0) {
                *id = found;
                return 0;
            }
            continue; /* hash collision: probe with the next salt */
        }
        if (g->count == UINT32_MAX - 1)
            return HS_ETOOBIG;
        if (g->count >= g->cap) {
            size_t ncap = g->cap ? g->cap * 2 : 64;
            uint32_t *t = realloc(g->tuples, ncap * g->width * sizeof(uint32_t));
            if (t == NULL)
                return HS_ENOMEM;
            g->tuples = t;
            g->cap = ncap;
        }
        memcpy(g->tuples + (size_t)g->count * g->width, tuple, g->width * sizeof(uint32_t));
        rc = hs_addrmap_put(&g->index, key, g->count, NULL);
        if (rc < 0)
            return rc;
        *id = g->count++;
        return 1;
    }
}

const uint32_t *hs_group_tuple(const hs_group *g, uint32_t id) {
    if (id >= g->count)
        return NULL;
    return g->tuples + (size_t)id * g->width;
}
