#include "hs_graph.h"

#include <stdlib.h>
#include <string.h>

int hs_graph_init(hs_graph *g, size_t expected_nodes, size_t expected_edges) {
    memset(g, 0, sizeof(*g));
    if (expected_nodes < 16)
        expected_nodes = 16;
    if (expected_edges < 16)
        expected_edges = 16;
    g->fwd_off = malloc((expected_nodes + 1) * sizeof(uint32_t));
    g->fwd = malloc(expected_edges * sizeof(uint32_t));
    if (g->fwd_off == NULL || g->fwd == NULL) {
        hs_graph_destroy(g);
        return HS_ENOMEM;
    }
    g->off_cap = expected_nodes + 1;
    g->edge_cap = expected_edges;
    g->fwd_off[0] = 0;
    return HS_OK;
}

void hs_graph_destroy(hs_graph *g) {
    if (g == NULL)
        return;
    free(g->fwd_off);
    free(g->fwd);
    free(g->rev_off);
    free(g->rev);
    memset(g, 0, sizeof(*g));
}

static int hs__grow(void **p, size_t *cap, size_t need, size_t elem) {
    size_t ncap = *cap;
    void *q;
    if (need <= *cap)
        return HS_OK;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return HS_ETOOBIG;
        ncap = ncap < 16 ? 16 : ncap + ncap / 2;
    }
    q = realloc(*p, ncap * elem);
    if (q == NULL)
        return HS_ENOMEM;
    *p = q;
    *cap = ncap;
    return HS_OK;
}

int hs_graph_begin_node(hs_graph *g, uint32_t v) {
    int rc;
    if (v != g->n)
        return HS_EINVAL;
    if (v == HS_NONE - 1)
        return HS_ETOOBIG;
    rc = hs__grow((void **)&g->fwd_off, &g->off_cap, (size_t)v + 2, sizeof(uint32_t));
    if (rc != HS_OK)
        return rc;
    g->fwd_off[v] = g->m;
    g->fwd_off[v + 1] = g->m;
    g->n = v + 1;
    return HS_OK;
}

int hs_graph_add_edge(hs_graph *g, uint32_t to) {
    if (g->n == 0)
        return HS_EINVAL;
    if (g->m == UINT32_MAX)
        return HS_ETOOBIG;
    if (g->m >= g->edge_cap) {
        int rc = hs__grow((void **)&g->fwd, &g->edge_cap, (size_t)g->m + 1, sizeof(uint32_t));
        if (rc != HS_OK)
            return rc;
    }
    g->fwd[g->m++] = to;
    g->fwd_off[g->n] = g->m;
    return HS_OK;
}

int hs_graph_finish(hs_graph *g, uint32_t n) {
    uint32_t v;
    int rc;
    /* Nodes never begun (leaves found last) get empty edge lists. */
    for (v = g->n; v < n; v++) {
        rc = hs_graph_begin_node(g, v);
        if (rc != HS_OK)
            return rc;
    }
    if (g->n == 0) {
        rc = hs__grow((void **)&g->fwd_off, &g->off_cap, 1, sizeof(uint32_t));
        if (rc != HS_OK)
            return rc;
        g->fwd_off[0] = 0;
    }
    for (v = 0; v < g->m; v++)
        if (g->fwd[v] >= n)
            return HS_EINVAL;
    return HS_OK;
}

int hs_graph_build_reverse(hs_graph *g) {
    uint32_t v, e, n = g->n;
    uint32_t *off, *rev, *fill;
    free(g->rev_off);
    free(g->rev);
    g->rev_off = NULL;
    g->rev = NULL;
    off = calloc((size_t)n + 1, sizeof(uint32_t));
    rev = malloc(((size_t)g->m + 1) * sizeof(uint32_t));
    fill = malloc(((size_t)n + 1) * sizeof(uint32_t));
    if (off == NULL || rev == NULL || fill == NULL) {
        free(off);
        free(rev);
        free(fill);
        return HS_ENOMEM;
    }
    for (e = 0; e < g->m; e++)
        off[g->fwd[e] + 1]++;
    for (v = 0; v < n; v++)
        off[v + 1] += off[v];
    memcpy(fill, off, ((size_t)n + 1) * sizeof(uint32_t));
    for (v = 0; v < n; v++)
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++)
            rev[fill[g->fwd[e]]++] = v;
    free(fill);
    g->rev_off = off;
    g->rev = rev;
    return HS_OK;
}

size_t hs_graph_bytes(const hs_graph *g) {
    size_t b = g->off_cap * sizeof(uint32_t) + g->edge_cap * sizeof(uint32_t);
    if (g->rev_off)
        b += ((size_t)g->n + 1 + g->m) * sizeof(uint32_t);
    return b;
}

int hs_graph_bfs(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                 uint32_t *parent, uint32_t *dist) {
    uint32_t i;
    for (i = 0; i < g->n; i++)
        parent[i] = HS_NONE;
    return hs_graph_bfs_extend(g, roots, nroots, skip, parent, dist);
}

int hs_graph_bfs_extend(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                        uint32_t *parent, uint32_t *dist) {
    uint32_t n = g->n, head = 0, tail = 0, i;
    uint32_t *queue;
    if (n == 0)
        return HS_OK;
    queue = malloc((size_t)n * sizeof(uint32_t));
    if (queue == NULL)
        return HS_ENOMEM;
    for (i = 0; i < nroots; i++) {
        uint32_t r = roots[i];
        if (r >= n || parent[r] != HS_NONE || (skip && skip[r]))
            continue;
        parent[r] = r;
        if (dist)
            dist[r] = 0;
        queue[tail++] = r;
    }
    while (head < tail) {
        uint32_t v = queue[head++], e;
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            uint32_t w = g->fwd[e];
            if (parent[w] != HS_NONE || (skip && skip[w]))
                continue;
            parent[w] = v;
            if (dist)
                dist[w] = dist[v] + 1;
            queue[tail++] = w;
        }
    }
    free(queue);
    return HS_OK;
}

/*
 * Walk up the (partial) dominator tree from a and b until they meet.  po[]
 * is the postorder number; the virtual root has the highest.
 */
static inline uint32_t hs__intersect(const uint32_t *idom, const uint32_t *po, uint32_t a, uint32_t b) {
    while (a != b) {
        while (po[a] < po[b])
            a = idom[a];
        while (po[b] < po[a])
            b = idom[b];
    }
    return a;
}

int hs_graph_dominators(const hs_graph *g, const uint32_t *roots, uint32_t nroots, uint32_t *idom,
                        uint32_t *order, uint32_t *norder) {
    /* Node n is the virtual root.  Internally idom[] uses n for it. */
    uint32_t n = g->n, vroot = g->n, count = 0, i, sp = 0;
    uint32_t *po = NULL, *rpo = NULL, *dom = NULL, *stack_v = NULL, *stack_e = NULL;
    uint8_t *is_root = NULL;
    int rc = HS_ENOMEM, changed;

    if (g->rev_off == NULL)
        return HS_EINVAL;
    if (n == UINT32_MAX)
        return HS_ETOOBIG;
    po = malloc(((size_t)n + 1) * sizeof(uint32_t));
    rpo = malloc(((size_t)n + 1) * sizeof(uint32_t));
    dom = malloc(((size_t)n + 1) * sizeof(uint32_t));
    stack_v = malloc(((size_t)n + 1) * sizeof(uint32_t));
    stack_e = malloc(((size_t)n + 1) * sizeof(uint32_t));
    is_root = calloc((size_t)n + 1, 1);
    if (!po || !rpo || !dom || !stack_v || !stack_e || !is_root)
        goto done;

    /* Iterative DFS from the virtual root; po[v] = HS_NONE means unvisited. */
    for (i = 0; i <= n; i++)
        po[i] = HS_NONE;
    for (i = 0; i < nroots; i++)
        if (roots[i] < n)
            is_root[roots[i]] = 1;
    po[vroot] = HS_NONE - 1; /* visited, number pending */
    for (i = 0; i < nroots; i++) {
        uint32_t r = roots[i];
        if (r >= n || po[r] != HS_NONE)
            continue;
        po[r] = HS_NONE - 1;
        stack_v[sp] = r;
        stack_e[sp] = g->fwd_off[r];
        sp++;
        while (sp > 0) {
            uint32_t v = stack_v[sp - 1];
            uint32_t e = stack_e[sp - 1];
            if (e < g->fwd_off[v + 1]) {
                uint32_t w = g->fwd[e];
                stack_e[sp - 1] = e + 1;
                if (po[w] == HS_NONE) {
                    po[w] = HS_NONE - 1;
                    stack_v[sp] = w;
                    stack_e[sp] = g->fwd_off[w];
                    sp++;
                }
            } else {
                po[v] = count;
                rpo[count] = v; /* postorder for now */
                count++;
                sp--;
            }
        }
    }
    po[vroot] = count;
    /* Reverse into reverse postorder (virtual root excluded). */
    for (i = 0; i < count / 2; i++) {
        uint32_t t = rpo[i];
        rpo[i] = rpo[count - 1 - i];
        rpo[count - 1 - i] = t;
    }

    for (i = 0; i <= n; i++)
        dom[i] = HS_NONE;
    dom[vroot] = vroot;
    do {
        changed = 0;
        for (i = 0; i < count; i++) {
            uint32_t v = rpo[i], e, nd = HS_NONE;
            if (is_root[v])
                nd = vroot;
            for (e = g->rev_off[v]; e < g->rev_off[v + 1]; e++) {
                uint32_t p = g->rev[e];
                if (dom[p] == HS_NONE || po[p] >= HS_NONE - 1)
                    continue; /* not processed yet, or unreachable */
                nd = (nd == HS_NONE) ? p : hs__intersect(dom, po, p, nd);
                if (nd == vroot)
                    break; /* cannot go higher */
            }
            if (nd != HS_NONE && dom[v] != nd) {
                dom[v] = nd;
                changed = 1;
            }
        }
    } while (changed);

    for (i = 0; i < n; i++)
        idom[i] = (dom[i] == vroot) ? HS_NONE : dom[i];
    if (order != NULL)
        memcpy(order, rpo, (size_t)count * sizeof(uint32_t));
    if (norder != NULL)
        *norder = count;
    rc = HS_OK;
done:
    free(po);
    free(rpo);
    free(dom);
    free(stack_v);
    free(stack_e);
    free(is_root);
    return rc;
}

void hs_graph_retained(uint32_t n, const uint32_t *idom, const uint32_t *order, uint32_t norder,
                       const uint64_t *shallow, uint64_t *retained) {
    uint32_t i;
    for (i = 0; i < n; i++)
        retained[i] = shallow[i];
    /* Children come after their dominator in reverse postorder: walk it
     * backwards so every subtree is complete before it is added upwards. */
    for (i = norder; i-- > 0;) {
        uint32_t v = order[i];
        if (idom[v] != HS_NONE)
            retained[idom[v]] += retained[v];
    }
}
