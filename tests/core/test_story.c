/* Stories over integers: path shapes, leaked-ancestor folding, story
 * accumulation and order, top-N selection. */
#include <stdlib.h>
#include <string.h>

#include "hs_story.h"
#include "hs_test.h"

/* Token by parent parity: the same tokens on the same types give one shape. */
static int token_by_position(void *ctx, uint32_t p, uint32_t v, uint32_t *kind, uint32_t *detail) {
    (void)ctx;
    (void)p;
    *kind = HS_TOK_INDEX;
    *detail = v % 2 == 0 ? 0 : 0; /* generalised: the index does not split a story */
    return HS_OK;
}

static int token_fails(void *ctx, uint32_t p, uint32_t v, uint32_t *kind, uint32_t *detail) {
    (void)ctx;
    (void)p;
    (void)v;
    (void)kind;
    (void)detail;
    return HS_ENOMEM;
}

static void test_shapes_group_same_paths(void) {
    /* root 0 (type 0) -> list 1 (type 1) -> items 2..5 (type 2);
     * root 6 (type 0) -> list 7 (type 3) -> item 8 (type 2): another shape. */
    uint32_t parent[9] = {0, 0, 1, 1, 1, 1, 6, 6, 7};
    uint16_t ids[9] = {0, 1, 2, 2, 2, 2, 0, 3, 2}; /* narrow here, wide below: both widths */
    hs_type_ids type_id = {ids, NULL};
    uint8_t tier[9] = {1, 0, 0, 0, 0, 0, 1, 0, 0};
    uint32_t shape[9], stack[9], out[9], v;
    hs_group trie;
    CHECK(hs_group_init(&trie, 4) == HS_OK);
    for (v = 0; v < 9; v++)
        shape[v] = HS_NONE;
    for (v = 2; v < 9; v++)
        CHECK(hs_path_shape(&trie, parent, &type_id, tier, token_by_position, NULL, shape, stack, v,
                            &out[v]) == HS_OK);
    CHECK(out[2] == out[3] && out[3] == out[4] && out[4] == out[5]);
    CHECK(out[8] != out[2]);
    CHECK(shape[0] == shape[6]); /* both roots: same type, same tier */
    CHECK(shape[1] != shape[7]);
    hs_group_destroy(&trie);

    /* A failing token callback's code comes back; an unreachable node is refused. */
    CHECK(hs_group_init(&trie, 4) == HS_OK);
    for (v = 0; v < 9; v++)
        shape[v] = HS_NONE;
    CHECK(hs_path_shape(&trie, parent, &type_id, tier, token_fails, NULL, shape, stack, 2, &out[2]) ==
          HS_ENOMEM);
    parent[8] = HS_NONE;
    CHECK(hs_path_shape(&trie, parent, &type_id, tier, token_by_position, NULL, shape, stack, 8, &out[8]) ==
          HS_EINVAL);
    hs_group_destroy(&trie);
}

static void test_chains_are_one_shape(void) {
    /* root 0 -> 1 -> 2 -> 3 -> 4, all of type 1 but the root: a linked list. */
    uint32_t parent[5] = {0, 0, 1, 2, 3}, ids[5] = {0, 1, 1, 1, 1}, shape[5], stack[5], out, v;
    hs_type_ids type_id = {NULL, ids};
    uint8_t tier[5] = {1, 0, 0, 0, 0};
    hs_group trie;
    CHECK(hs_group_init(&trie, 4) == HS_OK);
    for (v = 0; v < 5; v++)
        shape[v] = HS_NONE;
    CHECK(hs_path_shape(&trie, parent, &type_id, tier, token_by_position, NULL, shape, stack, 4, &out) ==
          HS_OK);
    CHECK(shape[2] == shape[1] && shape[3] == shape[1] && out == shape[1]);
    CHECK(shape[1] != shape[0]);
    hs_group_destroy(&trie);
}

static void test_leaked_ancestors(void) {
    /* Dominator tree: 0 <- 1 <- 2 <- 3, 0 <- 4; leaked: 1, 3, 4. */
    uint32_t idom[5] = {HS_NONE, 0, 1, 2, 0}, anc[5], stack[5];
    uint8_t leaked[5] = {0, 1, 0, 1, 1};
    hs_leaked_ancestors(5, idom, leaked, anc, stack);
    CHECK(anc[0] == HS_NONE);
    CHECK(anc[1] == HS_NONE);
    CHECK(anc[2] == 1);
    CHECK(anc[3] == 1);
    CHECK(anc[4] == HS_NONE);
}

static void test_story_set(void) {
    hs_story_set set;
    uint32_t orig = 99, i;
    CHECK(hs_story_set_init(&set) == HS_OK);
    /* 40 stories (more than the initial capacity), story 7 the largest. */
    for (i = 0; i < 400; i++)
        CHECK(hs_story_set_add(&set, i % 40, i, 5, 16, i % 40 == 7 ? 1000 : 10) == HS_OK);
    CHECK(set.n == 40);
    CHECK(hs_story_set_find(&set, 7, &orig) && orig == 7);
    CHECK(!hs_story_set_find(&set, 41, &orig));
    hs_story_set_sort(&set);
    CHECK(set.items[0].shape == 7 && set.items[0].count == 10 && set.items[0].retained == 10000);
    CHECK(set.items[0].rep == 7 && set.items[0].size == 160);
    /* Equal retained and count: the lower representative first. */
    CHECK(set.items[1].rep == 0 && set.items[2].rep == 1);
    hs_story_set_destroy(&set);
    hs_story_set_destroy(&set);
}

static void test_top_retained(void) {
    /* 90 and 40 are past 4 GiB (the side table), 7 just below it. */
    uint64_t values[8] = {5, (uint64_t)90 << 32, ((uint64_t)1 << 32) - 2, (uint64_t)90 << 32, 1, 300,
                          2, (uint64_t)40 << 32};
    uint32_t v32[8], best[8], k;
    hs_sizes retained = {0};
    uint8_t eligible[8] = {1, 1, 1, 1, 1, 0, 1, 1};
    retained.v = v32;
    for (k = 0; k < 8; k++)
        CHECK(hs_sizes_set(&retained, k, values[k]) == HS_OK);
    CHECK(hs_top_retained(8, &retained, eligible, 3, best) == 3);
    CHECK(best[0] == 1 && best[1] == 3 && best[2] == 7); /* 5 is not eligible; ties by index */
    CHECK(hs_top_retained(8, &retained, eligible, 0, best) == 0);
    CHECK((k = hs_top_retained(8, &retained, eligible, 8, best)) == 7);
    CHECK(best[3] == 2);
    for (; k > 1; k--)
        CHECK(values[best[k - 2]] >= values[best[k - 1]]);
    hs_sizes_destroy_big(&retained);
}

static void test_edge_position(void) {
    hs_graph g;
    uint32_t v;
    CHECK(hs_graph_init(&g, 3, HS_EDGE_POSITIONS + 8) == HS_OK);
    CHECK(hs_graph_begin_node(&g, 0) == HS_OK);
    CHECK(hs_graph_add_edge(&g, 2) == HS_OK);
    CHECK(hs_graph_add_edge(&g, 1) == HS_OK);
    CHECK(hs_graph_begin_node(&g, 1) == HS_OK);
    for (v = 0; v < HS_EDGE_POSITIONS + 1; v++)
        CHECK(hs_graph_add_edge(&g, 2) == HS_OK);
    CHECK(hs_graph_begin_node(&g, 2) == HS_OK);
    CHECK(hs_graph_finish(&g, 3) == HS_OK);
    CHECK(hs_edge_position(&g, 0, 1) == 1);
    CHECK(hs_edge_position(&g, 0, 2) == 0);
    CHECK(hs_edge_position(&g, 2, 0) == HS_NONE);
    CHECK(hs_edge_position(&g, 1, 2) == HS_NONE); /* more edges than a fixed layout has */
    hs_graph_destroy(&g);
}

static hs_common_anc common_of(const uint32_t *parent, const uint32_t *members, int k, uint64_t budget) {
    hs_common_anc c;
    int i;
    hs_common_anc_init(&c);
    for (i = 0; i < k; i++)
        hs_common_anc_add(&c, parent, members[i], &budget);
    return c;
}

/* The members' holders' nearest common ancestor: by hand on a small forest,
 * then against brute force (the deepest node on every holder's root path). */
static void test_common_ancestor(void) {
    /* 0 <- 1 <- {2 <- 4, 3 <- 5}; 6 <- 7; 8 unreachable */
    const uint32_t parent[] = {0, 0, 1, 1, 2, 3, 6, 6, HS_NONE};
    const uint32_t m45[] = {4, 5}, m4[] = {4}, m42[] = {4, 2}, m47[] = {4, 7}, m0[] = {0}, m8[] = {8},
                   m48[] = {4, 8};
    hs_common_anc c = common_of(parent, m45, 2, 100);
    CHECK(c.node == 1 && c.depth == 1);
    c = common_of(parent, m4, 1, 100); /* one member: its holder */
    CHECK(c.node == 2 && c.depth == 2);
    c = common_of(parent, m42, 2, 100); /* a member above another (a chain) */
    CHECK(c.node == 1 && c.depth == 1);
    c = common_of(parent, m47, 2, 100);
    CHECK(c.node == HS_NONE && c.depth == HS_NONE);
    c = common_of(parent, m0, 1, 100); /* a root holds itself */
    CHECK(c.node == 0 && c.depth == 0);
    c = common_of(parent, m8, 1, 100);
    CHECK(c.depth == HS_NONE);
    c = common_of(parent, m48, 2, 100); /* and stays none */
    CHECK(c.depth == HS_NONE);
    c = common_of(parent, m45, 2, 2); /* 4's walk takes both steps: 5's runs out */
    CHECK(c.depth == HS_NONE);
    c = common_of(parent, m45, 2, 4);
    CHECK(c.node == 1);
    {
        enum { N = 200 };
        uint32_t par[N], members[8], on[N];
        int round, bad = 0;
        for (round = 0; round < 500; round++) {
            uint32_t v, best = HS_NONE, bestd = 0;
            int k = 1 + (int)(hs_test_rand() % 8), i;
            for (v = 0; v < N; v++) /* a few roots, the rest under an earlier node */
                par[v] = v == 0 || hs_test_rand() % 40 == 0 ? v : (uint32_t)(hs_test_rand() % v);
            for (i = 0; i < k; i++)
                members[i] = (uint32_t)(hs_test_rand() % N);
            memset(on, 0, sizeof(on));
            for (i = 0; i < k; i++) {
                uint32_t x = par[members[i]];
                for (;;) {
                    on[x]++;
                    if (par[x] == x)
                        break;
                    x = par[x];
                }
            }
            for (v = 0; v < N; v++)
                if (on[v] == (uint32_t)k) {
                    uint32_t d = 0, x = v;
                    while (par[x] != x) {
                        x = par[x];
                        d++;
                    }
                    if (best == HS_NONE || d > bestd) {
                        best = v;
                        bestd = d;
                    }
                }
            c = common_of(par, members, k, (uint64_t)N * N);
            bad += c.node != best || (best != HS_NONE && c.depth != bestd);
        }
        CHECK(bad == 0);
    }
}

int main(void) {
    test_shapes_group_same_paths();
    test_common_ancestor();
    test_chains_are_one_shape();
    test_leaked_ancestors();
    test_story_set();
    test_top_retained();
    test_edge_position();
    TEST_DONE("test_story");
}
