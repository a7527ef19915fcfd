/*
 * hs_sizes: the shallow size of every node in 4 bytes.
 *
 * A size below HS_SIZE_BIG (4 GiB - 1) is stored as it is; a larger one (a
 * huge bytearray, or a hostile file's claim) is HS_SIZE_BIG in v[] and its
 * value in a side table sorted by node, found by binary search.  A walk of
 * 20M objects keeps 80 MB of sizes instead of 160.
 *
 * v[] belongs to whoever allocated it (the glue's allocator or the file
 * reader's); the side table is the core's, freed by hs_sizes_destroy_big().
 * A zeroed struct is empty.
 */
#ifndef HS_CORE_SIZES_H
#define HS_CORE_SIZES_H

#include "hs_core.h"

#define HS_SIZE_BIG UINT32_MAX

typedef struct hs_sizes {
    uint32_t *v;        /* n */
    uint32_t nbig;      /* entries of the side table */
    uint32_t capbig;    /* its capacity */
    uint32_t *big_node; /* nbig, ascending */
    uint64_t *big_size; /* nbig */
} hs_sizes;

/* The value of a node whose v[] is HS_SIZE_BIG (HS_SIZE_BIG if it is
 * missing from the side table, which a caller never makes). */
uint64_t hs_sizes_big(const hs_sizes *z, uint32_t node);
/* Puts a size of HS_SIZE_BIG or more in the side table (replacing the
 * node's value if it is there); HS_OK or HS_ENOMEM. */
int hs_sizes_set_big(hs_sizes *z, uint32_t node, uint64_t size);
void hs_sizes_destroy_big(hs_sizes *z);

static inline uint64_t hs_sizes_get(const hs_sizes *z, uint32_t node) {
    uint32_t s = z->v[node];
    return s != HS_SIZE_BIG ? s : hs_sizes_big(z, node);
}

/* v[node] = size; HS_OK, or HS_ENOMEM when the side table cannot grow. */
static inline int hs_sizes_set(hs_sizes *z, uint32_t node, uint64_t size) {
    if (size < HS_SIZE_BIG) {
        z->v[node] = (uint32_t)size;
        return HS_OK;
    }
    return hs_sizes_set_big(z, node, size);
}

#endif
