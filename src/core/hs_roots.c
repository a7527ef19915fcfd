#include "hs_roots.h"

#include "hs_bits.h"

#include <stdlib.h>

uint32_t hs_roots_by_refcount(const hs_graph *g, uint32_t *refcnt, uint32_t ntracked, int listed_ref,
                              uint8_t *tier, uint64_t *referenced) {
    uint32_t v, e, count = 0;
    int fold = g->rev_off == NULL && g->indeg == NULL;
    for (e = 0; e < g->m && (fold || referenced != NULL); e++) {
        uint32_t t = g->fwd[e];
        if (referenced != NULL)
            hs_bits_set(referenced, t);
        if (fold && refcnt[t] != HS_REFCNT_IMMORTAL && refcnt[t] > 0)
            refcnt[t]--;
    }
    for (v = 0; v < g->n; v++) {
        int64_t ext = (int64_t)refcnt[v] - (fold ? 0 : (int64_t)hs_graph_in_degree(g, v));
        if (listed_ref && v < ntracked)
            ext -= 1;
        if (ext > 0 || refcnt[v] == HS_REFCNT_IMMORTAL) {
            tier[v] = HS_TIER_C;
            count++;
        }
    }
    return count;
}

uint32_t hs_roots_ordered(uint32_t n, const uint8_t *tier, const uint8_t *tiers, const uint8_t *exclude,
                          uint32_t *out) {
    static const uint8_t all[HS_NTIERS] = {HS_TIER_MODULE, HS_TIER_STACK, HS_TIER_C,
                                           HS_TIER_INTERP, HS_TIER_TOOL,  0};
    uint32_t k = 0, v;
    int i;
    if (tiers == NULL)
        tiers = all;
    for (i = 0; i < HS_NTIERS && tiers[i] != 0; i++)
        for (v = 0; v < n; v++)
            if (tier[v] == tiers[i] && !(exclude && exclude[v]))
                out[k++] = v;
    return k;
}

int hs_roots_search(const hs_graph *g, const uint8_t *tier, const uint8_t *exclude, const uint8_t *skip,
                    uint32_t *parent) {
    static const uint8_t phases[] = {HS_TIER_MODULE, HS_TIER_C, HS_TIER_STACK, HS_TIER_INTERP, HS_TIER_TOOL};
    uint32_t *roots = malloc(((size_t)g->n + 1) * sizeof(uint32_t));
    int ph, rc = HS_OK;
    if (roots == NULL)
        return HS_ENOMEM;
    for (ph = 0; ph < (int)sizeof(phases) && rc == HS_OK; ph++) {
        const uint8_t one[2] = {phases[ph], 0};
        uint32_t nroots = hs_roots_ordered(g->n, tier, one, exclude, roots);
        rc = ph == 0 ? hs_graph_bfs(g, roots, nroots, skip, parent, NULL)
                     : hs_graph_bfs_extend(g, roots, nroots, skip, parent, NULL);
    }
    free(roots);
    return rc;
}
