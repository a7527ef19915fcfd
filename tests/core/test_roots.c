/* Roots by refcount subtraction, their order, and the phased path search. */
#include <string.h>

#include "hs_bits.h"
#include "hs_roots.h"
#include "hs_test.h"

static void build(hs_graph *g, uint32_t n, const uint32_t (*e)[2], size_t m, int reverse) {
    uint32_t v;
    size_t k = 0;
    CHECK(hs_graph_init(g, n, m) == HS_OK);
    for (v = 0; v < n; v++) {
        CHECK(hs_graph_begin_node(g, v) == HS_OK);
        while (k < m && e[k][0] == v)
            CHECK(hs_graph_add_edge(g, e[k++][1]) == HS_OK);
    }
    CHECK(hs_graph_finish(g, n) == HS_OK);
    /* reverse: 1 the reverse edges, 0 the in-degrees, -1 neither */
    if (reverse >= 0)
        CHECK((reverse ? hs_graph_build_reverse(g) : hs_graph_count_referrers(g)) == HS_OK);
}

int main(void) {
    /* 0 -> 1 -> 2, 3 -> 2, 4 alone; 5 immortal. */
    static const uint32_t E[][2] = {{0, 1}, {1, 2}, {3, 2}};
    uint32_t refcnt[6] = {1, 1, 2, 2, 0, HS_REFCNT_IMMORTAL}, parent[6], out[6], k;
    uint8_t tier[6] = {0}, exclude[6] = {0};
    uint64_t referenced[1] = {0};
    hs_graph g;
    /* The roots need only the in-degrees (a walk for paths alone builds no
     * reverse lists): the same answer either way. */
    build(&g, 6, E, 3, 0);
    CHECK(hs_roots_by_refcount(&g, refcnt, 0, 0, tier, referenced) == 3);
    CHECK(tier[0] == HS_TIER_C && tier[1] == 0 && tier[2] == 0 && tier[3] == HS_TIER_C &&
          tier[5] == HS_TIER_C);
    CHECK(referenced[0] == ((1u << 1) | (1u << 2))); /* 1 and 2 have referrers: bits 1 and 2 */
    CHECK(refcnt[2] == 2);                           /* counts read, not changed */
    hs_graph_destroy(&g);
    /* Neither: the edges are taken off the counts themselves, the same roots. */
    {
        uint32_t rc2[6] = {1, 1, 2, 2, 0, HS_REFCNT_IMMORTAL};
        uint8_t t3[6] = {0};
        uint64_t ref3[1] = {0};
        build(&g, 6, E, 3, -1);
        CHECK(hs_roots_by_refcount(&g, rc2, 0, 0, t3, ref3) == 3);
        CHECK(t3[0] == HS_TIER_C && t3[1] == 0 && t3[2] == 0 && t3[3] == HS_TIER_C && t3[4] == 0 &&
              t3[5] == HS_TIER_C);
        CHECK(rc2[0] == 1 && rc2[1] == 0 && rc2[2] == 0 && rc2[3] == 2 && rc2[5] == HS_REFCNT_IMMORTAL);
        CHECK(ref3[0] == ((1u << 1) | (1u << 2)));
        /* More in-edges than references (a traverse that visits a borrowed
         * one): the count stops at 0, the node is no root. */
        hs_graph_destroy(&g);
        {
            static const uint32_t G[][2] = {{0, 2}, {1, 2}, {3, 2}};
            uint32_t rc3[4] = {1, 1, 1, 1};
            uint8_t t4[4] = {0};
            build(&g, 4, G, 3, -1);
            CHECK(hs_roots_by_refcount(&g, rc3, 0, 0, t4, NULL) == 3);
            CHECK(rc3[2] == 0 && t4[2] == 0);
            hs_graph_destroy(&g);
        }
    }
    memset(tier, 0, sizeof(tier));
    build(&g, 6, E, 3, 1);
    /* 0: one reference, no in-edge: a root.  1: explained.  2: two refs, two
     * in-edges: explained.  3: two refs, none in the graph.  5: immortal. */
    CHECK(hs_roots_by_refcount(&g, refcnt, 0, 0, tier, NULL) == 3);
    CHECK(tier[0] == HS_TIER_C && tier[1] == 0 && tier[2] == 0 && tier[3] == HS_TIER_C && tier[4] == 0);
    CHECK(tier[5] == HS_TIER_C);
    /* The listing's own reference, for tracked objects: 3 has 2 - 1 = 1 still. */
    memset(tier, 0, sizeof(tier));
    CHECK(hs_roots_by_refcount(&g, refcnt, 6, 1, tier, NULL) == 2);
    CHECK(tier[0] == 0 && tier[3] == HS_TIER_C && tier[5] == HS_TIER_C);

    /* Order and phases: 3 as a running frame's local, 0 as a module. */
    memset(tier, 0, sizeof(tier));
    tier[0] = HS_TIER_STACK;
    tier[3] = HS_TIER_MODULE;
    tier[5] = HS_TIER_INTERP;
    k = hs_roots_ordered(6, tier, NULL, NULL, out);
    CHECK(k == 3 && out[0] == 3 && out[1] == 0 && out[2] == 5);
    exclude[3] = 1;
    CHECK(hs_roots_ordered(6, tier, NULL, exclude, out) == 2 && out[0] == 0);
    CHECK(hs_roots_search(&g, tier, NULL, NULL, parent) == HS_OK);
    /* 2 is reached from the module (phase 1) though the frame's path is as short. */
    CHECK(parent[2] == 3 && parent[3] == 3);
    CHECK(parent[1] == 0 && parent[0] == 0); /* only the frame reaches 1 */
    CHECK(parent[4] == HS_NONE);
    hs_graph_destroy(&g);

    /* A module's path wins over a nearer reference from C (a running frame's
     * evaluation stack looks like one): module 0 -> 1 -> 2, C root 2 -> 3;
     * the C root 4 -> 3 reaches 3 sooner than the module does, but 3 is
     * reached from the module first all the same. */
    {
        static const uint32_t F[][2] = {{0, 1}, {1, 2}, {2, 3}, {4, 3}};
        uint8_t t2[5] = {HS_TIER_MODULE, 0, HS_TIER_C, 0, HS_TIER_C};
        uint32_t p2[5];
        build(&g, 5, F, 4, 0);
        CHECK(hs_roots_search(&g, t2, NULL, NULL, p2) == HS_OK);
        CHECK(p2[2] == 1 && p2[1] == 0 && p2[3] == 2 && p2[4] == 4);
        hs_graph_destroy(&g);
    }
    TEST_DONE("test_roots");
}
