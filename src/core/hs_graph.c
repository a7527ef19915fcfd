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
 * Dominators by Semi-NCA (Georgiadis, Tarjan & Werneck, "Finding Dominators
 * in Practice", 2006): semidominators as in Lengauer-Tarjan, with the
 * simple link-eval (path compression only), then each immediate dominator
 * as the nearest common ancestor of the node's DFS parent and its
 * semidominator in the dominator tree built so far.  O(m log n) on any
 * graph; the iterative Cooper-Harvey-Kennedy scheme it replaces was
 * quadratic on a chain of class instances (each also points at its class).
 *
 * Everything below runs on preorder numbers: 0 is the virtual root, 1 ..
 * cnt-1 the reachable nodes.  Working memory: 4 bytes per node for the
 * number, 7 x 4 bytes per reachable node, 1 byte per node for the roots.
 */

unsigned long long hs_graph_dominator_steps = 0;

/* Path compression of the link-eval forest, without recursion (a chain
 * of a million objects would overflow the C stack). */
static void hs__compress(uint32_t *anc, uint32_t *label, const uint32_t *semi, uint32_t *stack, uint32_t v) {
    uint32_t sp = 0, x = v;
    while (anc[anc[x]] != HS_NONE) {
        stack[sp++] = x;
        x = anc[x];
    }
    hs_graph_dominator_steps += sp;
    while (sp > 0) {
        uint32_t y = stack[--sp], a = anc[y];
        if (semi[label[a]] < semi[label[y]])
            label[y] = label[a];
        anc[y] = anc[a];
    }
}

int hs_graph_dominators(const hs_graph *g, const uint32_t *roots, uint32_t nroots, uint32_t *idom,
                        uint32_t *order, uint32_t *norder) {
    uint32_t n = g->n, cnt = 1, i, sp = 0, w;
    /* Scratch kept small (the heap's own arrays are all in memory too):
     * preorder numbers live in idom[] until they become the answer, the
     * vertex of number k in order[k - 1] (number 0 is the virtual root),
     * and semi[] in the DFS stack once the search is done. */
    uint32_t *pre = idom, *vtx = order, *own_vtx = NULL, *par = NULL, *semi = NULL, *label = NULL;
    uint32_t *anc = NULL, *stack_v = NULL, *stack_e = NULL;
    uint8_t *is_root = NULL;
    int rc = HS_ENOMEM;

    if (g->rev_off == NULL)
        return HS_EINVAL;
    if (n >= UINT32_MAX - 1)
        return HS_ETOOBIG;
    if (vtx == NULL)
        vtx = own_vtx = malloc(((size_t)n + 1) * sizeof(uint32_t));
    par = malloc(((size_t)n + 2) * sizeof(uint32_t));
    stack_v = malloc(((size_t)n + 2) * sizeof(uint32_t));
    stack_e = malloc(((size_t)n + 2) * sizeof(uint32_t));
    is_root = calloc((size_t)n + 1, 1);
    if (!vtx || !par || !stack_v || !stack_e || !is_root)
        goto done;

    /* Depth-first search from the virtual root, whose children are the
     * roots in the order given; numbers are given in preorder. */
    for (i = 0; i < n; i++)
        pre[i] = HS_NONE;
    par[0] = 0;
    for (i = 0; i < nroots; i++) {
        uint32_t r = roots[i];
        if (r >= n)
            continue;
        is_root[r] = 1;
        if (pre[r] != HS_NONE)
            continue;
        pre[r] = cnt;
        vtx[cnt - 1] = r;
        par[cnt++] = 0;
        stack_v[sp] = r;
        stack_e[sp++] = g->fwd_off[r];
        while (sp > 0) {
            uint32_t v = stack_v[sp - 1], e = stack_e[sp - 1];
            if (e < g->fwd_off[v + 1]) {
                uint32_t x = g->fwd[e];
                stack_e[sp - 1] = e + 1;
                if (pre[x] == HS_NONE) {
                    pre[x] = cnt;
                    vtx[cnt - 1] = x;
                    par[cnt++] = pre[v];
                    stack_v[sp] = x;
                    stack_e[sp++] = g->fwd_off[x];
                }
            } else
                sp--;
        }
    }
    semi = stack_v; /* n + 2 >= cnt entries */
    stack_v = NULL;
    label = malloc((size_t)cnt * sizeof(uint32_t));
    anc = malloc(((size_t)cnt + 1) * sizeof(uint32_t));
    if (!semi || !label || !anc)
        goto done;
    for (i = 0; i < cnt; i++) {
        semi[i] = i;
        label[i] = i;
        anc[i] = HS_NONE;
    }

    /* Semidominators, in reverse preorder. */
    for (w = cnt - 1; w >= 1; w--) {
        uint32_t v = vtx[w - 1], e;
        if (is_root[v])
            semi[w] = 0; /* an edge from the virtual root */
        for (e = g->rev_off[v]; e < g->rev_off[v + 1] && semi[w] > 0; e++) {
            uint32_t u = pre[g->rev[e]], x;
            hs_graph_dominator_steps++;
            if (u == HS_NONE)
                continue; /* an unreachable referrer */
            if (anc[u] == HS_NONE)
                x = u;
            else {
                hs__compress(anc, label, semi, stack_e, u);
                x = label[u];
            }
            if (semi[x] < semi[w])
                semi[w] = semi[x];
        }
        anc[w] = par[w]; /* link */
    }

    /* Immediate dominators, in preorder: the nearest ancestor of the DFS
     * parent, in the dominator tree so far, numbered at most semi.  par[]
     * becomes the immediate dominator's number. */
    for (w = 1; w < cnt; w++) {
        uint32_t x = par[w];
        while (x > semi[w]) {
            x = par[x];
            hs_graph_dominator_steps++;
        }
        par[w] = x;
    }

    for (i = 0; i < n; i++) /* in place: pre[i] is idom[i] */
        idom[i] = (pre[i] == HS_NONE || par[pre[i]] == 0) ? HS_NONE : vtx[par[pre[i]] - 1];
    /* order[] is the preorder: every node comes after its dominator (a DFS ancestor). */
    if (norder != NULL)
        *norder = cnt - 1;
    rc = HS_OK;
done:
    free(own_vtx);
    free(par);
    free(semi);
    free(label);
    free(anc);
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
