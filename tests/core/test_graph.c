#include <stdlib.h>
#include <string.h>

#include "hs_bits.h"
#include "hs_graph.h"
#include "hs_test.h"

static int build(hs_graph *g, uint32_t n, const uint32_t (*edges)[2], size_t m) {
    /* Edges must be sorted by source for the CSR builder. */
    uint32_t v;
    size_t e = 0;
    if (hs_graph_init(g, n, m) != HS_OK)
        return -1;
    for (v = 0; v < n; v++) {
        if (hs_graph_begin_node(g, v) != HS_OK)
            return -1;
        while (e < m && edges[e][0] == v)
            if (hs_graph_add_edge(g, edges[e++][1]) != HS_OK)
                return -1;
    }
    if (hs_graph_finish(g, n) != HS_OK)
        return -1;
    return hs_graph_build_reverse(g);
}

/* As the snapshot calls it: the leaves from the in-degrees, the referrers
 * dropped, then the dominators from the forward edges alone. */
static int dominators(hs_graph *g, const uint32_t *roots, uint32_t nroots, uint32_t *idom, uint32_t *order,
                      uint32_t *norder) {
    uint8_t *leaves = hs_graph_take_leaves(g);
    int rc;
    if (leaves == NULL)
        return HS_ENOMEM;
    CHECK(g->rev_off == NULL && g->indeg == NULL);
    rc = hs_graph_dominators(g, leaves, roots, nroots, idom, order, norder);
    free(leaves);
    return rc;
}

static void test_csr_and_reverse(void) {
    static const uint32_t E[][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 0}, {2, 2}, {3, 1}};
    hs_graph g;
    CHECK(build(&g, 5, E, 6) == 0);
    CHECK(g.n == 5 && g.m == 6);
    CHECK(g.fwd_off[1] - g.fwd_off[0] == 2);
    CHECK(g.fwd_off[5] - g.fwd_off[4] == 0);
    /* In-degrees: 0<-2, 1<-0,3, 2<-0,1,2 */
    CHECK(g.rev_off[1] - g.rev_off[0] == 1);
    CHECK(g.rev_off[2] - g.rev_off[1] == 2);
    CHECK(g.rev_off[3] - g.rev_off[2] == 3);
    CHECK(g.rev_off[5] - g.rev_off[4] == 0);
    CHECK(g.rev_off[0] == 0 && g.rev_off[5] == 6);
    /* Each referrer list in ascending order: 0: [2]; 1: [0, 3]; 2: [0, 1, 2]. */
    CHECK(g.rev[0] == 2 && g.rev[1] == 0 && g.rev[2] == 3 && g.rev[3] == 0 && g.rev[4] == 1 && g.rev[5] == 2);
    CHECK(hs_graph_begin_node(&g, 9) == HS_EINVAL); /* out of order */
    hs_graph_destroy(&g);
    hs_graph_destroy(&g);
}

/* In-degrees without the reverse lists, as a walk for paths alone keeps
 * them; building the lists afterwards supersedes them. */
static void test_count_referrers(void) {
    static const uint32_t E[][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 0}, {2, 2}, {3, 1}, {3, 1}};
    static const uint32_t want[5] = {1, 3, 3, 0, 0};
    hs_graph g;
    uint32_t v;
    size_t bytes;
    CHECK(hs_graph_init(&g, 5, 7) == HS_OK);
    for (v = 0; v < 5; v++) {
        size_t e;
        CHECK(hs_graph_begin_node(&g, v) == HS_OK);
        for (e = 0; e < 7; e++)
            if (E[e][0] == v)
                CHECK(hs_graph_add_edge(&g, E[e][1]) == HS_OK);
    }
    CHECK(hs_graph_finish(&g, 5) == HS_OK);
    bytes = hs_graph_bytes(&g);
    CHECK(hs_graph_count_referrers(&g) == HS_OK);
    CHECK(g.rev_off == NULL && g.rev == NULL && g.indeg != NULL);
    CHECK(hs_graph_bytes(&g) == bytes + 6 * sizeof(uint32_t));
    for (v = 0; v < 5; v++)
        CHECK(hs_graph_in_degree(&g, v) == want[v]);
    CHECK(hs_graph_build_reverse(&g) == HS_OK);
    CHECK(g.indeg == NULL);
    for (v = 0; v < 5; v++)
        CHECK(hs_graph_in_degree(&g, v) == want[v]);
    /* Dropped after the dominators: back to the forward edges alone, which
     * are untouched, and the lists can be built again. */
    hs_graph_drop_reverse(&g);
    CHECK(g.rev_off == NULL && g.rev == NULL && g.indeg == NULL);
    CHECK(hs_graph_bytes(&g) == bytes);
    CHECK(g.fwd_off[4] == 7 && g.fwd[0] == 1 && g.fwd[6] == 1);
    CHECK(hs_graph_build_reverse(&g) == HS_OK);
    for (v = 0; v < 5; v++)
        CHECK(hs_graph_in_degree(&g, v) == want[v]);
    hs_graph_destroy(&g);
}

static void test_bfs_prefers_earlier_roots(void) {
    /* 0 -> 2 -> 4, 1 -> 3 -> 4: both paths have two hops; root 1 listed
     * first wins.  5 is skipped, so 6 (only reachable through 5) is not. */
    static const uint32_t E[][2] = {{0, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 5}, {5, 6}};
    hs_graph g;
    uint32_t roots[2] = {1, 0}, parent[7], dist[7];
    uint8_t skip[7] = {0, 0, 0, 0, 0, 1, 0};
    CHECK(build(&g, 7, E, 6) == 0);
    CHECK(hs_graph_bfs(&g, roots, 2, skip, parent, dist) == HS_OK);
    CHECK(parent[4] == 3);
    CHECK(dist[4] == 2);
    CHECK(parent[1] == 1 && parent[0] == 0);
    CHECK(parent[5] == HS_NONE && parent[6] == HS_NONE);
    roots[0] = 0;
    roots[1] = 1;
    CHECK(hs_graph_bfs(&g, roots, 2, NULL, parent, dist) == HS_OK);
    CHECK(parent[4] == 2);
    CHECK(parent[6] == 5 && dist[6] == 4);
    hs_graph_destroy(&g);
}

/* Levels long enough to be kept as bit sets (n / 16 nodes and more) and
 * chains of short ones: every node reached at its shortest distance, from
 * a parent one hop nearer that has an edge to it, as a plain FIFO queue
 * finds it; skipped nodes never entered; an extension keeps the parents
 * found. */
static void test_bfs_levels_as_bits(void) {
    int trial;
    for (trial = 0; trial < 40; trial++) {
        uint32_t n = 300 + (uint32_t)(hs_test_rand() % 20000), v, i, head = 0, tail = 0;
        uint32_t *parent = malloc(n * sizeof(uint32_t)), *dist = malloc(n * sizeof(uint32_t));
        uint32_t *ref = malloc(n * sizeof(uint32_t)), *queue = malloc(n * sizeof(uint32_t)), roots[2];
        uint8_t *skip = calloc(n, 1);
        uint32_t fan = trial % 4 == 0 ? 1 : 1 + (uint32_t)(hs_test_rand() % 6);
        hs_graph g;
        CHECK(hs_graph_init(&g, n, (size_t)n * 3) == HS_OK);
        for (v = 0; v < n; v++) {
            uint32_t k, deg = v == 0 && trial % 3 == 0 ? n / 8 : (uint32_t)(hs_test_rand() % (fan + 1));
            CHECK(hs_graph_begin_node(&g, v) == HS_OK);
            for (k = 0; k < deg; k++) /* mostly forward, some back: long and wide levels both */
                CHECK(hs_graph_add_edge(&g, fan == 1 ? (v + 1) % n : (uint32_t)(hs_test_rand() % n)) ==
                      HS_OK);
        }
        CHECK(hs_graph_finish(&g, n) == HS_OK);
        for (v = 0; v < n; v++)
            skip[v] = hs_test_rand() % 50 == 0 && v > 1;
        roots[0] = 0;
        roots[1] = 1;
        /* the reference */
        for (v = 0; v < n; v++)
            ref[v] = HS_NONE;
        for (i = 0; i < 2; i++) {
            ref[roots[i]] = 0;
            queue[tail++] = roots[i];
        }
        while (head < tail) {
            uint32_t x = queue[head++], e;
            for (e = g.fwd_off[x]; e < g.fwd_off[x + 1]; e++)
                if (ref[g.fwd[e]] == HS_NONE && !skip[g.fwd[e]]) {
                    ref[g.fwd[e]] = ref[x] + 1;
                    queue[tail++] = g.fwd[e];
                }
        }
        CHECK(hs_graph_bfs(&g, roots, 2, skip, parent, dist) == HS_OK);
        for (v = 0; v < n; v++) {
            CHECK((parent[v] == HS_NONE) == (ref[v] == HS_NONE));
            if (parent[v] == HS_NONE || parent[v] == v)
                continue;
            {
                uint32_t p = parent[v], e, has = 0;
                CHECK(dist[v] == ref[v] && dist[p] + 1 == dist[v] && !skip[v]);
                for (e = g.fwd_off[p]; e < g.fwd_off[p + 1]; e++)
                    has |= g.fwd[e] == v;
                CHECK(has);
            }
        }
        /* Extended from the last node: what was reached keeps its parent. */
        memcpy(ref, parent, n * sizeof(uint32_t));
        roots[0] = n - 1;
        CHECK(hs_graph_bfs_extend(&g, roots, 1, NULL, parent, NULL) == HS_OK);
        for (v = 0; v < n; v++)
            CHECK(ref[v] == HS_NONE || parent[v] == ref[v]);
        hs_graph_destroy(&g);
        free(parent);
        free(dist);
        free(ref);
        free(queue);
        free(skip);
    }
}

/* What the first k nodes reach, edges up and down the numbering alike,
 * against a plain search from them. */
static void test_reach_from_first(void) {
    int trial;
    for (trial = 0; trial < 200; trial++) {
        uint32_t n = 1 + (uint32_t)(hs_test_rand() % 300), k = (uint32_t)(hs_test_rand() % (n + 1)), v,
                 sp = 0;
        uint32_t *stack = malloc(n * sizeof(uint32_t)), *todo = malloc(n * sizeof(uint32_t));
        uint64_t *bits = malloc(hs_bits_words(n) * sizeof(uint64_t));
        uint8_t *ref = calloc(n, 1);
        hs_graph g;
        CHECK(hs_graph_init(&g, n, (size_t)n * 2) == HS_OK);
        for (v = 0; v < n; v++) {
            uint32_t j, deg = (uint32_t)(hs_test_rand() % 3);
            CHECK(hs_graph_begin_node(&g, v) == HS_OK);
            for (j = 0; j < deg; j++)
                CHECK(hs_graph_add_edge(&g, (uint32_t)(hs_test_rand() % n)) == HS_OK);
        }
        CHECK(hs_graph_finish(&g, n) == HS_OK);
        for (v = 0; v < k; v++) {
            ref[v] = 1;
            todo[sp++] = v;
        }
        while (sp > 0) {
            uint32_t x = todo[--sp], e;
            for (e = g.fwd_off[x]; e < g.fwd_off[x + 1]; e++)
                if (!ref[g.fwd[e]]) {
                    ref[g.fwd[e]] = 1;
                    todo[sp++] = g.fwd[e];
                }
        }
        hs_graph_reach_from_first(&g, k, bits, stack);
        for (v = 0; v < n; v++)
            CHECK(hs_bits_test(bits, v) == ref[v]);
        hs_graph_destroy(&g);
        free(stack);
        free(todo);
        free(bits);
        free(ref);
    }
}

/* Reference: d dominates v (both reachable) iff v is unreachable from the
 * roots once d is removed.  O(n * (n + m)). */
static void reach(const hs_graph *g, const uint32_t *roots, uint32_t nroots, uint32_t removed,
                  uint8_t *seen) {
    uint32_t *stack = malloc((g->n + 1) * sizeof(uint32_t)), sp = 0, i, e;
    memset(seen, 0, g->n);
    for (i = 0; i < nroots; i++)
        if (roots[i] != removed && !seen[roots[i]]) {
            seen[roots[i]] = 1;
            stack[sp++] = roots[i];
        }
    while (sp) {
        uint32_t v = stack[--sp];
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            uint32_t w = g->fwd[e];
            if (w != removed && !seen[w]) {
                seen[w] = 1;
                stack[sp++] = w;
            }
        }
    }
    free(stack);
}

static void test_dominators_random(void) {
    int trial;
    for (trial = 0; trial < 300; trial++) {
        uint32_t n = 2 + (uint32_t)(hs_test_rand() % 40), v, d, nroots = 1 + (uint32_t)(hs_test_rand() % 3);
        uint64_t unit = trial % 2 ? (uint64_t)3 << 30 : 1;
        size_t m = (size_t)(hs_test_rand() % (3 * n)), e;
        uint32_t (*E)[2] = malloc((m + 1) * sizeof(*E));
        uint32_t roots[3], *idom = malloc(n * sizeof(uint32_t)), *order = malloc(n * sizeof(uint32_t)),
                           norder;
        uint8_t *all = malloc(n), *without = malloc(n);
        hs_sizes shallow = {0}, ret = {0};
        hs_graph g;
        for (e = 0; e < m; e++) {
            E[e][0] = (uint32_t)(hs_test_rand() % n);
            E[e][1] = (uint32_t)(hs_test_rand() % n);
        }
        /* sort by source (insertion sort: small) */
        for (e = 1; e < m; e++) {
            uint32_t a = E[e][0], b = E[e][1];
            size_t k = e;
            while (k > 0 && E[k - 1][0] > a) {
                E[k][0] = E[k - 1][0];
                E[k][1] = E[k - 1][1];
                k--;
            }
            E[k][0] = a;
            E[k][1] = b;
        }
        for (v = 0; v < nroots; v++)
            roots[v] = (uint32_t)(hs_test_rand() % n);
        CHECK(build(&g, n, (const uint32_t (*)[2])E, m) == 0);
        CHECK(dominators(&g, roots, nroots, idom, order, &norder) == HS_OK);
        /* Every node numbered (no leaves given): the same dominators. */
        {
            uint32_t *idom2 = malloc(n * sizeof(uint32_t)), norder2;
            CHECK(hs_graph_dominators(&g, NULL, roots, nroots, idom2, NULL, &norder2) == HS_OK);
            CHECK(norder2 == norder && memcmp(idom, idom2, n * sizeof(uint32_t)) == 0);
            free(idom2);
        }
        reach(&g, roots, nroots, HS_NONE, all);
        for (v = 0; v < n; v++) {
            if (!all[v]) {
                CHECK(idom[v] == HS_NONE);
                continue;
            }
            /* Every reachable v: idom[v] dominates v, and no strict
             * dominator of v other than the chain exists below it. */
            for (d = 0; d < n; d++) {
                int dominates;
                uint32_t x;
                int on_chain = 0;
                if (d == v || !all[d])
                    continue;
                reach(&g, roots, nroots, d, without);
                dominates = !without[v];
                for (x = idom[v]; x != HS_NONE; x = idom[x])
                    if (x == d)
                        on_chain = 1;
                CHECK(dominates == on_chain);
            }
        }
        /* Retained sizes: with unit sizes, retained[v] = 1 + number of
         * nodes whose dominator chain contains v.  Every other graph's
         * unit is 3 GiB, so that sums (and sizes) pass the 4-byte limit. */
        shallow.v = malloc(n * sizeof(uint32_t));
        for (v = 0; v < n; v++)
            CHECK(hs_sizes_set(&shallow, v, unit) == HS_OK);
        CHECK(hs_graph_retained(n, idom, order, norder, &shallow, &ret) == HS_OK);
        for (v = 0; v < n; v++) {
            uint64_t expect = 1;
            uint32_t w, x;
            if (!all[v])
                continue;
            for (w = 0; w < n; w++) {
                if (w == v || !all[w])
                    continue;
                for (x = idom[w]; x != HS_NONE; x = idom[x])
                    if (x == v) {
                        expect++;
                        break;
                    }
            }
            CHECK(hs_sizes_get(&ret, v) == expect * unit);
        }
        hs_graph_destroy(&g);
        free(E);
        free(idom);
        free(order);
        free(all);
        free(without);
        free(shallow.v);
        hs_sizes_destroy_big(&shallow);
        hs_graph_retained_destroy(&ret);
    }
}

/*
 * A linked list of n class instances, as CPython lays it out: root -> node
 * 0; node i -> its __dict__ (n + i) -> node i + 1; every node -> its class
 * (2n).  Cooper-Harvey-Kennedy did quadratic work here (issue #11): the
 * work must grow linearly, and the dominators be right.
 */
static unsigned long long chain_steps(uint32_t n) {
    uint32_t N = 2 * n + 1, cls = 2 * n, i, root = 0, *idom, *order, norder = 0;
    uint32_t (*E)[2] = malloc((size_t)3 * n * sizeof(*E));
    size_t m = 0;
    unsigned long long before;
    hs_graph g;
    for (i = 0; i < n; i++) { /* sorted by source: nodes first, then dicts */
        E[m][0] = i;
        E[m++][1] = n + i;
        E[m][0] = i;
        E[m++][1] = cls;
    }
    for (i = 0; i + 1 < n; i++) {
        E[m][0] = n + i;
        E[m++][1] = i + 1;
    }
    CHECK(build(&g, N, (const uint32_t (*)[2])E, m) == 0);
    idom = malloc(N * sizeof(uint32_t));
    order = malloc(N * sizeof(uint32_t));
    before = hs_graph_dominator_steps;
    CHECK(dominators(&g, &root, 1, idom, order, &norder) == HS_OK);
    CHECK(norder == N);
    CHECK(idom[0] == HS_NONE);
    CHECK(idom[n + n / 2] == n / 2);     /* a node dominates its dict */
    CHECK(idom[n / 2 + 1] == n + n / 2); /* which dominates the next node */
    CHECK(idom[cls] == 0);               /* every node reaches the class: only the head dominates it */
    hs_graph_destroy(&g);
    free(E);
    free(idom);
    free(order);
    return hs_graph_dominator_steps - before;
}

static void test_dominators_linear_on_chains(void) {
    unsigned long long small = chain_steps(100000), big = chain_steps(1000000);
    /* Ten times the nodes: at most about ten times the work (quadratic would be 100x). */
    CHECK(big <= 12 * small);
    CHECK(big <= 20ULL * 3000000ULL);
}

static void test_empty_graph(void) {
    hs_graph g;
    uint32_t parent[1];
    CHECK(hs_graph_init(&g, 0, 0) == HS_OK);
    CHECK(hs_graph_finish(&g, 0) == HS_OK);
    CHECK(hs_graph_build_reverse(&g) == HS_OK);
    CHECK(hs_graph_bfs(&g, NULL, 0, NULL, parent, NULL) == HS_OK);
    hs_graph_destroy(&g);
}

int main(void) {
    test_csr_and_reverse();
    test_count_referrers();
    test_bfs_prefers_earlier_roots();
    test_bfs_levels_as_bits();
    test_reach_from_first();
    test_dominators_random();
    test_dominators_linear_on_chains();
    test_empty_graph();
    TEST_DONE("test_graph");
}
