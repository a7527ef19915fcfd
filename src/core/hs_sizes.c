#include "hs_sizes.h"

#include <stdlib.h>
#include <string.h>

/* The first entry of the side table whose node is >= node. */
static uint32_t hs__lower(const hs_sizes *z, uint32_t node) {
    uint32_t lo = 0, hi = z->nbig;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->big_node[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t hs_sizes_big(const hs_sizes *z, uint32_t node) {
    uint32_t i = hs__lower(z, node);
    return i < z->nbig && z->big_node[i] == node ? z->big_size[i] : HS_SIZE_BIG;
}

int hs_sizes_set_big(hs_sizes *z, uint32_t node, uint64_t size) {
    /* A walk sets nodes in ascending order: the search ends at the end. */
    uint32_t i = z->nbig > 0 && z->big_node[z->nbig - 1] < node ? z->nbig : hs__lower(z, node);
    if (i < z->nbig && z->big_node[i] == node) {
        z->big_size[i] = size;
        z->v[node] = HS_SIZE_BIG;
        return HS_OK;
    }
    if (z->nbig == z->capbig) {
        uint32_t cap = z->capbig < 16 ? 16 : z->capbig * 2;
        uint32_t *nodes;
        uint64_t *sizes;
        if (cap <= z->capbig)
            return HS_ENOMEM;
        nodes = realloc(z->big_node, (size_t)cap * sizeof(uint32_t));
        if (nodes == NULL)
            return HS_ENOMEM;
        z->big_node = nodes;
        sizes = realloc(z->big_size, (size_t)cap * sizeof(uint64_t));
        if (sizes == NULL)
            return HS_ENOMEM;
        z->big_size = sizes;
        z->capbig = cap;
    }
    memmove(z->big_node + i + 1, z->big_node + i, (size_t)(z->nbig - i) * sizeof(uint32_t));
    memmove(z->big_size + i + 1, z->big_size + i, (size_t)(z->nbig - i) * sizeof(uint64_t));
    z->big_node[i] = node;
    z->big_size[i] = size;
    z->nbig++;
    z->v[node] = HS_SIZE_BIG;
    return HS_OK;
}

void hs_sizes_destroy_big(hs_sizes *z) {
    free(z->big_node);
    free(z->big_size);
    z->big_node = NULL;
    z->big_size = NULL;
    z->nbig = z->capbig = 0;
}
