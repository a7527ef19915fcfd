/*
 * The path search's breadth-first search over a graph's forward edges
 * (hs_graph.h): level by level, each level a short list or a bit set.
 */
#include "hs_bits.h"
#include "hs_graph.h"

#include <stdlib.h>
#include <string.h>

int hs_graph_bfs(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                 uint32_t *parent, uint32_t *dist) {
    uint32_t i;
    for (i = 0; i < g->n; i++)
        parent[i] = HS_NONE;
    return hs_graph_bfs_extend(g, roots, nroots, skip, parent, dist);
}

/*
 * A level of the search: a list of nodes in the order they were reached
 * while it is short, a bit per node once it is long (then taken in node
 * order).  The FIFO queue it replaces took 4 bytes for every node reached;
 * a level here takes at most 4 bytes for each of n / 16 nodes, or n / 8
 * bytes, and a bit set is scanned only when it holds n / 16 nodes or more,
 * so the scans cost no more than the nodes they find.
 */
typedef struct {
    uint32_t *list; /* cap entries, of which len used; NULL until needed */
    uint32_t len, cap, limit;
    uint64_t *bits; /* words entries when in use; NULL until needed */
    size_t words;
    int as_bits;   /* the level is in bits[] */
    uint32_t size; /* nodes in the level */
} hs__level;

static void hs__level_free(hs__level *l) {
    free(l->list);
    free(l->bits);
}

/* Adds v to the level: HS_OK or HS_ENOMEM. */
static int hs__level_add(hs__level *l, uint32_t v) {
    if (!l->as_bits && l->len == l->cap) {
        uint32_t k;
        if (l->cap < l->limit) {
            uint32_t ncap = l->cap < 256 ? 256 : l->cap * 2;
            uint32_t *p = realloc(l->list, (size_t)(ncap < l->limit ? ncap : l->limit) * sizeof(uint32_t));
            if (p == NULL)
                return HS_ENOMEM;
            l->list = p;
            l->cap = ncap < l->limit ? ncap : l->limit;
        } else { /* long: move it into the bit set */
            if (l->bits == NULL && (l->bits = calloc(l->words, sizeof(uint64_t))) == NULL)
                return HS_ENOMEM;
            for (k = 0; k < l->len; k++)
                hs_bits_set(l->bits, l->list[k]);
            l->len = 0;
            l->as_bits = 1;
        }
    }
    if (l->as_bits)
        hs_bits_set(l->bits, v);
    else
        l->list[l->len++] = v;
    l->size++;
    return HS_OK;
}

/* Follows the out-edges of v into next; HS_OK or HS_ENOMEM. */
static int hs__bfs_expand(const hs_graph *g, uint32_t v, const uint8_t *skip, uint32_t *parent,
                          uint32_t *dist, hs__level *next) {
    uint32_t e;
    for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
        uint32_t w = g->fwd[e];
        if (parent[w] != HS_NONE || (skip && skip[w]))
            continue;
        parent[w] = v;
        if (dist)
            dist[w] = dist[v] + 1;
        if (hs__level_add(next, w) != HS_OK)
            return HS_ENOMEM;
    }
    return HS_OK;
}

int hs_graph_bfs_extend(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                        uint32_t *parent, uint32_t *dist) {
    hs__level lv[2], *cur = &lv[0], *next = &lv[1], *t;
    uint32_t n = g->n, i, k;
    int rc = HS_OK;
    if (n == 0)
        return HS_OK;
    memset(lv, 0, sizeof(lv));
    lv[0].limit = lv[1].limit = n / 16 < 256 ? 256 : n / 16;
    lv[0].words = lv[1].words = hs_bits_words(n);
    for (i = 0; i < nroots && rc == HS_OK; i++) {
        uint32_t r = roots[i];
        if (r >= n || parent[r] != HS_NONE || (skip && skip[r]))
            continue;
        parent[r] = r;
        if (dist)
            dist[r] = 0;
        rc = hs__level_add(cur, r);
    }
    while (rc == HS_OK && cur->size > 0) {
        if (cur->as_bits) { /* in node order, each bit cleared as it is taken */
            size_t wd;
            for (wd = 0; wd < cur->words && rc == HS_OK; wd++)
                while (cur->bits[wd] != 0 && rc == HS_OK) {
                    uint64_t word = cur->bits[wd];
                    uint32_t v = (uint32_t)(wd * 64 + (size_t)__builtin_ctzll(word));
                    cur->bits[wd] = word & (word - 1);
                    rc = hs__bfs_expand(g, v, skip, parent, dist, next);
                }
        } else
            for (k = 0; k < cur->len && rc == HS_OK; k++)
                rc = hs__bfs_expand(g, cur->list[k], skip, parent, dist, next);
        cur->len = cur->size = 0;
        cur->as_bits = 0;
        t = cur;
        cur = next;
        next = t;
    }
    hs__level_free(&lv[0]);
    hs__level_free(&lv[1]);
    return rc;
}

void hs_graph_reach_from_first(const hs_graph *g, uint32_t k, uint64_t *reached, uint32_t *stack) {
    uint32_t n = g->n, v, e;
    memset(reached, 0, hs_bits_words(n) * sizeof(uint64_t));
    for (v = 0; v < k && v < n; v++)
        hs_bits_set(reached, v);
    /* Each node reached is expanded once: one numbered above v when the
     * loop comes to it, one below v at once, from the stack. */
    for (v = 0; v < n; v++) {
        uint32_t x = v, sp = 0;
        if (!hs_bits_test(reached, v))
            continue;
        for (;;) {
            for (e = g->fwd_off[x]; e < g->fwd_off[x + 1]; e++) {
                uint32_t c = g->fwd[e];
                if (hs_bits_test(reached, c))
                    continue;
                hs_bits_set(reached, c);
                if (c < v)
                    stack[sp++] = c;
            }
            if (sp == 0)
                break;
            x = stack[--sp];
        }
    }
}
