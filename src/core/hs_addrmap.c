#include "hs_addrmap.h"

#include <stdlib.h>
#include <string.h>

static inline size_t hs__addr_hash(uintptr_t key, size_t mask) {
    uint64_t h = (uint64_t)(key >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h ^ (h >> 29)) & mask;
}

static int hs__addrmap_alloc(hs_addrmap *m, size_t cap, int with_values) {
    m->keys = calloc(cap, sizeof(uintptr_t));
    if (m->keys == NULL)
        return HS_ENOMEM;
    m->vals = NULL;
    if (with_values) {
        m->vals = malloc(cap * sizeof(uint32_t));
        if (m->vals == NULL) {
            free(m->keys);
            m->keys = NULL;
            return HS_ENOMEM;
        }
    }
    m->mask = cap - 1;
    m->count = 0;
    return HS_OK;
}

int hs_addrmap_init(hs_addrmap *m, size_t expected, int with_values) {
    size_t cap = 64;
    memset(m, 0, sizeof(*m));
    while (cap / 4 * 3 < expected + 1) {
        if (cap > SIZE_MAX / 2 / sizeof(uintptr_t))
            return HS_ETOOBIG;
        cap *= 2;
    }
    return hs__addrmap_alloc(m, cap, with_values);
}

void hs_addrmap_destroy(hs_addrmap *m) {
    if (m == NULL)
        return;
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* Double the capacity; rehash every key.  O(capacity), amortised O(1). */
static int hs__addrmap_grow(hs_addrmap *m) {
    hs_addrmap bigger;
    size_t cap = (m->mask + 1) * 2, i;
    int rc;
    if (cap > SIZE_MAX / 2 / sizeof(uintptr_t))
        return HS_ETOOBIG;
    rc = hs__addrmap_alloc(&bigger, cap, m->vals != NULL);
    if (rc != HS_OK)
        return rc;
    for (i = 0; i <= m->mask; i++) {
        uintptr_t key = m->keys[i];
        size_t j;
        if (key == 0)
            continue;
        j = hs__addr_hash(key, bigger.mask);
        while (bigger.keys[j] != 0)
            j = (j + 1) & bigger.mask;
        bigger.keys[j] = key;
        if (bigger.vals)
            bigger.vals[j] = m->vals[i];
    }
    bigger.count = m->count;
    free(m->keys);
    free(m->vals);
    *m = bigger;
    return HS_OK;
}

int hs_addrmap_put(hs_addrmap *m, uintptr_t key, uint32_t val, uint32_t *found) {
    size_t j;
    if (key == 0 || m->keys == NULL)
        return HS_EINVAL;
    if ((m->count + 1) > (m->mask + 1) / 4 * 3) {
        int rc = hs__addrmap_grow(m);
        if (rc != HS_OK)
            return rc;
    }
    j = hs__addr_hash(key, m->mask);
    for (;;) {
        uintptr_t k = m->keys[j];
        if (k == key) {
            if (found != NULL && m->vals != NULL)
                *found = m->vals[j];
            return 0;
        }
        if (k == 0)
            break;
        j = (j + 1) & m->mask;
    }
    m->keys[j] = key;
    if (m->vals)
        m->vals[j] = val;
    m->count++;
    return 1;
}

int hs_addrmap_get(const hs_addrmap *m, uintptr_t key, uint32_t *val) {
    size_t j;
    if (key == 0 || m->keys == NULL)
        return 0;
    j = hs__addr_hash(key, m->mask);
    for (;;) {
        uintptr_t k = m->keys[j];
        if (k == key) {
            if (val != NULL && m->vals != NULL)
                *val = m->vals[j];
            return 1;
        }
        if (k == 0)
            return 0;
        j = (j + 1) & m->mask;
    }
}

size_t hs_addrmap_bytes(const hs_addrmap *m) {
    size_t cap = m->keys ? m->mask + 1 : 0;
    return cap * sizeof(uintptr_t) + (m->vals ? cap * sizeof(uint32_t) : 0);
}
