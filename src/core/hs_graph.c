#include "hs_graph.h"

#include "hs_addrmap.h"
#include "hs_scratch.h"

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
    hs_scratch_free(g->indeg);
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

/* Counting sort of the edges by target, with no fill array: the end offsets
 * are counted down as the edges are placed (sources in descending order, so
 * each list comes out ascending), which leaves off[t + 1] at the start of t;
 * one shift makes them the start offsets. */
int hs_graph_build_reverse(hs_graph *g) {
    uint32_t v, e, n = g->n;
    uint32_t *off, *rev;
    free(g->rev_off);
    free(g->rev);
    g->rev_off = NULL;
    g->rev = NULL;
    off = calloc((size_t)n + 1, sizeof(uint32_t));
    rev = malloc(((size_t)g->m + 1) * sizeof(uint32_t));
    if (off == NULL || rev == NULL) {
        free(off);
        free(rev);
        return HS_ENOMEM;
    }
    for (e = 0; e < g->m; e++)
        off[g->fwd[e] + 1]++;
    for (v = 0; v < n; v++)
        off[v + 1] += off[v];
    for (v = n; v-- > 0;)
        for (e = g->fwd_off[v + 1]; e-- > g->fwd_off[v];)
            rev[--off[g->fwd[e] + 1]] = v;
    if (n > 0)
        memmove(off, off + 1, (size_t)n * sizeof(uint32_t));
    off[n] = g->m;
    g->rev_off = off;
    g->rev = rev;
    hs_scratch_free(g->indeg);
    g->indeg = NULL;
    return HS_OK;
}

int hs_graph_count_referrers(hs_graph *g) {
    uint32_t e;
    hs_scratch_free(g->indeg);
    g->indeg = hs_scratch_alloc((size_t)g->n + 1, sizeof(uint32_t));
    if (g->indeg == NULL)
        return HS_ENOMEM;
    for (e = 0; e < g->m; e++)
        g->indeg[g->fwd[e]]++;
    return HS_OK;
}

void hs_graph_drop_reverse(hs_graph *g) {
    free(g->rev_off);
    free(g->rev);
    hs_scratch_free(g->indeg);
    g->rev_off = NULL;
    g->rev = NULL;
    g->indeg = NULL;
}

size_t hs_graph_bytes(const hs_graph *g) {
    size_t b = g->off_cap * sizeof(uint32_t) + g->edge_cap * sizeof(uint32_t);
    if (g->rev_off)
        b += ((size_t)g->n + 1 + g->m) * sizeof(uint32_t);
    if (g->indeg)
        b += ((size_t)g->n + 1) * sizeof(uint32_t);
    return b;
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
 * cnt-1 the reachable nodes.  Working memory beside idom[] and order[]
 * (which hold the numbers and the preorder): 3 x 4 bytes per numbered
 * node, the DFS parent, the link-eval ancestor and its value (the least
 * semidominator on the compressed path, which also stands for the node's
 * own semidominator until it is found), and the referrers that can lower
 * a semidominator, by number (4 bytes each), built from the forward edges
 * once the search is done.  The search keeps no stack: the node it stands
 * on is the last one numbered, or its DFS parent when it backs up, and
 * each node's next edge waits in label[] until the values are set.  The
 * compression reverses the ancestor links it climbs instead of stacking
 * them.  Each semidominator, once found, waits for the second pass in the
 * slot of the referrer offsets that is no longer read.
 *
 * A leaf with a single referrer (most strings, numbers and bytes of a
 * heap) lies on no path to anything else, and its referrer is its
 * immediate dominator: such leaves are not numbered, only given their
 * referrer at the end and put after the numbered nodes in order[].  A
 * leaf that is also a root is numbered when the roots are.
 */

unsigned long long hs_graph_dominator_steps = 0;

/* Path compression of the link-eval forest, without recursion (a chain of
 * a million objects would overflow the C stack) and without a stack: the
 * climb points each ancestor link back down, the descent restores it.
 * best[] holds values, not vertices: the least semidominator on the
 * compressed path from a node up to (not including) its tree's root, so
 * eval(v) is best[v] once v is compressed. */
static void hs__compress(uint32_t *anc, uint32_t *best, uint32_t v) {
    uint32_t below = HS_NONE, x = v, a, y;
    while (anc[anc[x]] != HS_NONE) {
        uint32_t up = anc[x];
        anc[x] = below;
        below = x;
        x = up;
        hs_graph_dominator_steps++;
    }
    for (a = x, y = below; y != HS_NONE; a = y, y = below) {
        below = anc[y];
        if (best[a] < best[y])
            best[y] = best[a];
        anc[y] = anc[a];
    }
}

/* The leaves with one referrer, a bit a node, from the in-degrees. */
static uint8_t *hs__simple_leaves(const hs_graph *g) {
    uint32_t x;
    uint8_t *bits = calloc(((size_t)g->n + 7) / 8 + 1, 1);
    if (bits == NULL)
        return NULL;
    for (x = 0; x < g->n; x++)
        if (g->fwd_off[x] == g->fwd_off[x + 1] && hs_graph_in_degree(g, x) == 1)
            bits[x >> 3] |= (uint8_t)(1u << (x & 7));
    return bits;
}

uint8_t *hs_graph_take_leaves(hs_graph *g) {
    uint8_t *bits;
    if (g->rev_off == NULL && g->indeg == NULL && hs_graph_count_referrers(g) != HS_OK)
        return NULL;
    bits = hs__simple_leaves(g);
    if (bits != NULL)
        hs_graph_drop_reverse(g);
    return bits;
}

static inline int hs__leaf(const uint8_t *leaves, uint32_t x) {
    return leaves != NULL && (leaves[x >> 3] >> (x & 7)) & 1;
}

/* idom[] of a node not numbered, until the leaves get their referrer. */
#define HS__UNNUMBERED (HS_NONE - 1)

int hs_graph_dominators(const hs_graph *g, const uint8_t *leaves, const uint32_t *roots, uint32_t nroots,
                        uint32_t *idom, uint32_t *order, uint32_t *norder) {
    uint32_t n = g->n, cnt = 1, i, k, w, nleaves = 0;
    /* Preorder numbers live in idom[] until they become the answer, the
     * vertex of number k in order[k - 1] (number 0 is the virtual root). */
    uint32_t *pre = idom, *vtx = order, *own_vtx = NULL, *par = NULL, *label = NULL;
    uint32_t *anc = NULL, *poff = NULL, *own_poff = NULL, *pred = NULL;
    size_t cap = 2 + (size_t)nroots, npred = 0; /* numbered nodes, at most: the non-leaves, the roots, 0 */
    int rc = HS_ENOMEM;

    if (n >= UINT32_MAX - 2)
        return HS_ETOOBIG;
    for (i = 0; i < n; i++)
        cap += !hs__leaf(leaves, i);
    if (cap > (size_t)n + 2)
        cap = (size_t)n + 2;
    if (vtx == NULL)
        vtx = own_vtx = hs_scratch_alloc((size_t)n + 1, sizeof(uint32_t));
    par = hs_scratch_alloc(cap, sizeof(uint32_t));
    label = hs_scratch_alloc(cap, sizeof(uint32_t)); /* first each node's next edge */
    if (!vtx || !par || !label)
        goto done;

    /* Depth-first search from the virtual root, whose children are the
     * roots in the order given; numbers are given in preorder. */
    for (i = 0; i < n; i++)
        pre[i] = HS_NONE;
    par[0] = 0;
    for (i = 0; i < nroots; i++) {
        uint32_t r = roots[i], cur;
        if (r >= n || pre[r] != HS_NONE)
            continue;
        pre[r] = cur = cnt;
        vtx[cnt - 1] = r;
        label[cnt] = g->fwd_off[r];
        par[cnt++] = 0;
        while (cur != 0) {
            uint32_t v = vtx[cur - 1], e = label[cur];
            if (e < g->fwd_off[v + 1]) {
                uint32_t x = g->fwd[e];
                label[cur] = e + 1;
                if (pre[x] == HS_NONE && !hs__leaf(leaves, x)) {
                    pre[x] = cnt;
                    vtx[cnt - 1] = x;
                    label[cnt] = g->fwd_off[x];
                    par[cnt] = cur;
                    cur = cnt++;
                }
            } else
                cur = par[cur];
        }
    }
    anc = hs_scratch_alloc(cnt, sizeof(uint32_t));
    if (!anc)
        goto done;
    /* A root has an edge from the virtual root: its semidominator is 0,
     * whoever its DFS parent (another root may reach it first).  anc[]
     * marks them until the forest starts. */
    for (i = 0; i < cnt; i++)
        anc[i] = HS_NONE;
    for (i = 0; i < nroots; i++)
        if (roots[i] < n && pre[roots[i]] < cnt)
            anc[pre[roots[i]]] = 0;

    /* Each numbered node's referrers among the numbered ones, by number
     * (counted into label[], then placed).  Only a
     * referrer that can lower the semidominator is kept.  One numbered
     * after x (k > x) can, through the forest.  One numbered before x
     * offers its own number, which helps only below x's DFS parent, where
     * semi[x] starts: so the parent's own edge is left out, and so are the
     * edges from the subtrees the search finished between the parent and
     * x.  A root keeps none: its semidominator is 0. */
    for (k = 0; k <= cnt; k++)
        label[k] = 0;
    for (k = 1; k < cnt; k++) {
        uint32_t v = vtx[k - 1], e;
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            uint32_t x = g->fwd[e], px = pre[x];
            if (px < cnt && anc[px] != 0 && (k > px || k < par[px]))
                label[px]++;
        }
    }
    for (k = 0; k < cnt; k++) { /* label[k]: where k's first referrer goes */
        uint32_t c = label[k];
        label[k] = (uint32_t)npred;
        npred += c;
        if (npred > UINT32_MAX) {
            rc = HS_ETOOBIG;
            goto done;
        }
    }
    pred = hs_scratch_alloc(npred + 1, sizeof(uint32_t));
    if (!pred)
        goto done;
    for (k = 1; k < cnt; k++) {
        uint32_t v = vtx[k - 1], e;
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            uint32_t px = pre[g->fwd[e]];
            if (px < cnt && anc[px] != 0 && (k > px || k < par[px]))
                pred[label[px]++] = k;
        }
    }
    /* label[k] is now where k + 1's referrers start.  The preorder numbers
     * are not read again (vtx[] has them), so idom[] holds the offsets
     * while the semidominators are found, when it is long enough. */
    poff = cnt + 1 <= n ? idom : (own_poff = hs_scratch_alloc((size_t)cnt + 1, sizeof(uint32_t)));
    if (!poff)
        goto done;
    poff[0] = 0;
    for (k = 0; k < cnt; k++)
        poff[k + 1] = label[k];
    /* label[] becomes the forest's values (hs__compress), and carries the
     * roots' mark (0) until each is reached. */
    for (i = 0; i < cnt; i++) {
        label[i] = anc[i] == 0 ? 0 : HS_NONE;
        anc[i] = HS_NONE;
    }

    /* Semidominators, in reverse preorder.  A referrer not yet processed
     * (numbered below w, outside the forest) offers its own number; one
     * processed offers the least semidominator on its forest path.  Once
     * w is done its referrers' offset poff[w + 1] is not read again, and
     * keeps semi[w] for the next step. */
    for (w = cnt - 1; w >= 1; w--) {
        uint32_t e, sw = label[w] == 0 ? 0 : par[w];
        for (e = poff[w]; e < poff[w + 1] && sw > 0; e++) {
            uint32_t u = pred[e], cand;
            hs_graph_dominator_steps++;
            if (anc[u] == HS_NONE)
                cand = u;
            else {
                hs__compress(anc, label, u);
                cand = label[u];
            }
            if (cand < sw)
                sw = cand;
        }
        label[w] = sw;
        poff[w + 1] = sw;
        anc[w] = par[w]; /* link */
    }
    hs_scratch_free(pred);
    pred = NULL;

    /* Immediate dominators, in preorder: the nearest ancestor of the DFS
     * parent, in the dominator tree so far, numbered at most semi.  par[]
     * becomes the immediate dominator's number. */
    for (w = 1; w < cnt; w++) {
        uint32_t x = par[w];
        while (x > poff[w + 1]) { /* semi[w] */
            x = par[x];
            hs_graph_dominator_steps++;
        }
        par[w] = x;
    }

    hs_scratch_free(label);
    label = NULL;
    hs_scratch_free(anc);
    anc = NULL;
    for (i = 0; i < n; i++)
        idom[i] = HS__UNNUMBERED;
    for (k = 1; k < cnt; k++) /* HS_NONE: dominated by the virtual root alone */
        idom[vtx[k - 1]] = par[k] != 0 ? vtx[par[k] - 1] : HS_NONE;
    /* A leaf with one referrer, when that is a numbered node, gets it as
     * its immediate dominator and is listed after the numbered nodes.
     * Only now are those pages of order[] touched: once the forest's
     * memory is gone, not beside it. */
    for (k = 1; k < cnt; k++) {
        uint32_t v = vtx[k - 1], e;
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            uint32_t x = g->fwd[e];
            if (idom[x] == HS__UNNUMBERED && hs__leaf(leaves, x)) {
                idom[x] = v;
                vtx[cnt - 1 + nleaves++] = x;
            }
        }
    }
    for (i = 0; i < n; i++)
        if (idom[i] == HS__UNNUMBERED)
            idom[i] = HS_NONE; /* unreachable */
    /* order[] is the preorder, then the leaves: every node comes after its
     * dominator (a DFS ancestor, or a leaf's referrer). */
    if (norder != NULL)
        *norder = cnt - 1 + nleaves;
    rc = HS_OK;
done:
    hs_scratch_free(own_vtx);
    hs_scratch_free(par);
    hs_scratch_free(label);
    hs_scratch_free(anc);
    hs_scratch_free(own_poff);
    hs_scratch_free(pred);
    return rc;
}

/* Sums of 4 GiB or more while the retained sizes add up: node -> entry,
 * entries in arrival order, sorted into the side table at the end. */
typedef struct {
    uint64_t val;
    uint32_t node;
} hs__big_sum;

typedef struct {
    hs_addrmap map; /* node + 1 -> index in sums */
    hs__big_sum *sums;
    uint32_t n, cap;
} hs__big_sums;

static uint64_t hs__sum_get(const hs_sizes *out, const hs__big_sums *b, uint32_t v) {
    uint32_t i = 0;
    if (out->v[v] != HS_SIZE_BIG)
        return out->v[v];
    hs_addrmap_get(&b->map, (uintptr_t)v + 1, &i);
    return b->sums[i].val;
}

static int hs__sum_set(hs_sizes *out, hs__big_sums *b, uint32_t v, uint64_t r) {
    uint32_t i = 0;
    int rc;
    if (r < HS_SIZE_BIG && out->v[v] != HS_SIZE_BIG) {
        out->v[v] = (uint32_t)r;
        return HS_OK;
    }
    rc = hs_addrmap_put(&b->map, (uintptr_t)v + 1, b->n, &i);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (b->n == b->cap) {
            uint32_t cap = b->cap < 16 ? 16 : b->cap * 2;
            hs__big_sum *sums = cap > b->cap ? realloc(b->sums, (size_t)cap * sizeof(*sums)) : NULL;
            if (sums == NULL)
                return HS_ENOMEM;
            b->sums = sums;
            b->cap = cap;
        }
        i = b->n++;
        b->sums[i].node = v;
    }
    b->sums[i].val = r;
    out->v[v] = HS_SIZE_BIG;
    return HS_OK;
}

static int hs__by_node(const void *x, const void *y) {
    uint32_t a = ((const hs__big_sum *)x)->node, c = ((const hs__big_sum *)y)->node;
    return a < c ? -1 : a > c;
}

int hs_graph_retained(uint32_t n, const uint32_t *idom, const uint32_t *order, uint32_t norder,
                      const hs_sizes *shallow, hs_sizes *out) {
    hs__big_sums b;
    uint32_t i;
    int rc = HS_ENOMEM;
    memset(out, 0, sizeof(*out));
    memset(&b, 0, sizeof(b));
    out->v = hs_scratch_alloc((size_t)n + 1, sizeof(uint32_t));
    if (out->v == NULL || hs_addrmap_init(&b.map, 16, 1) != HS_OK)
        goto done;
    for (i = 0; i < n; i++)
        if ((rc = hs__sum_set(out, &b, i, hs_sizes_get(shallow, i))) != HS_OK)
            goto done;
    /* Children come after their dominator in reverse postorder: walk it
     * backwards so every subtree is complete before it is added upwards. */
    for (i = norder; i-- > 0;) {
        uint32_t v = order[i];
        if (idom[v] != HS_NONE &&
            (rc = hs__sum_set(out, &b, idom[v], hs__sum_get(out, &b, idom[v]) + hs__sum_get(out, &b, v))) !=
                HS_OK)
            goto done;
    }
    /* The large sums become the side table, in node order. */
    rc = HS_ENOMEM;
    if (b.n > 0) {
        qsort(b.sums, b.n, sizeof(*b.sums), hs__by_node);
        out->big_node = malloc((size_t)b.n * sizeof(uint32_t));
        out->big_size = malloc((size_t)b.n * sizeof(uint64_t));
        if (out->big_node == NULL || out->big_size == NULL)
            goto done;
        for (i = 0; i < b.n; i++) {
            out->big_node[i] = b.sums[i].node;
            out->big_size[i] = b.sums[i].val;
        }
        out->nbig = out->capbig = b.n;
    }
    rc = HS_OK;
done:
    hs_addrmap_destroy(&b.map);
    free(b.sums);
    if (rc != HS_OK)
        hs_graph_retained_destroy(out);
    return rc;
}

void hs_graph_retained_destroy(hs_sizes *retained) {
    hs_scratch_free(retained->v);
    hs_sizes_destroy_big(retained);
    retained->v = NULL;
}
