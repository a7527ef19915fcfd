#include <stdlib.h>

#include "hs_addrmap.h"
#include "hs_group.h"
#include "hs_test.h"

static void test_put_get_grow(void) {
    hs_addrmap m;
    uint32_t v = 0, i;
    CHECK(hs_addrmap_init(&m, 4, 1) == HS_OK);
    /* Aligned addresses like CPython's, enough to force several rehashes. */
    for (i = 1; i <= 100000; i++)
        CHECK(hs_addrmap_put(&m, (uintptr_t)i * 16, i, NULL) == 1 || (i = 100001, 0));
    CHECK(m.count == 100000);
    for (i = 1; i <= 100000; i += 997) {
        CHECK(hs_addrmap_get(&m, (uintptr_t)i * 16, &v) == 1);
        CHECK(v == i);
    }
    CHECK(hs_addrmap_get(&m, 8, &v) == 0);
    CHECK(hs_addrmap_get(&m, (uintptr_t)100001 * 16, &v) == 0);
    /* A second put keeps the first value and reports it. */
    CHECK(hs_addrmap_put(&m, 32, 777, &v) == 0);
    CHECK(v == 2);
    /* Key 0 is reserved. */
    CHECK(hs_addrmap_put(&m, 0, 1, NULL) == HS_EINVAL);
    CHECK(hs_addrmap_bytes(&m) >= 100000 * (sizeof(uintptr_t) + sizeof(uint32_t)));
    hs_addrmap_destroy(&m);
    hs_addrmap_destroy(&m); /* destroy twice is harmless */
}

static void test_set_mode(void) {
    hs_addrmap m;
    CHECK(hs_addrmap_init(&m, 0, 0) == HS_OK);
    CHECK(m.vals == NULL);
    CHECK(hs_addrmap_put(&m, 0x1000, 5, NULL) == 1);
    CHECK(hs_addrmap_put(&m, 0x1000, 5, NULL) == 0);
    CHECK(hs_addrmap_get(&m, 0x1000, NULL) == 1);
    hs_addrmap_destroy(&m);
}

static void test_random_against_array(void) {
    /* Property: the map agrees with a plain array on random keys. */
    enum { N = 20000 };
    uintptr_t *keys = malloc(N * sizeof(uintptr_t));
    hs_addrmap m;
    uint32_t i, v;
    CHECK(hs_addrmap_init(&m, 16, 1) == HS_OK);
    for (i = 0; i < N; i++) {
        keys[i] = (uintptr_t)(hs_test_rand() | 1);
        hs_addrmap_put(&m, keys[i], i, NULL);
    }
    for (i = 0; i < N; i++) {
        CHECK(hs_addrmap_get(&m, keys[i], &v) == 1);
        /* A duplicate random key keeps its first index. */
        CHECK(keys[v] == keys[i]);
    }
    hs_addrmap_destroy(&m);
    free(keys);
}

static void test_group(void) {
    hs_group g;
    uint32_t a[3] = {1, 2, 3}, b[3] = {1, 2, 4}, id1, id2, id3, i;
    CHECK(hs_group_init(&g, 3) == HS_OK);
    CHECK(hs_group_intern(&g, a, &id1) == 1);
    CHECK(hs_group_intern(&g, b, &id2) == 1);
    CHECK(hs_group_intern(&g, a, &id3) == 0);
    CHECK(id1 == 0 && id2 == 1 && id3 == 0);
    CHECK(hs_group_tuple(&g, 1)[2] == 4);
    CHECK(hs_group_tuple(&g, 2) == NULL);
    for (i = 0; i < 50000; i++) {
        uint32_t t[3] = {i, i * 7, i ^ 0x55};
        uint32_t id;
        CHECK(hs_group_intern(&g, t, &id) == 1 || (i = 50000, 0));
    }
    for (i = 0; i < 50000; i += 101) {
        uint32_t t[3] = {i, i * 7, i ^ 0x55};
        uint32_t id;
        CHECK(hs_group_intern(&g, t, &id) == 0);
        CHECK(hs_group_tuple(&g, id)[0] == i);
    }
    hs_group_destroy(&g);
    CHECK(hs_group_init(&g, 0) == HS_EINVAL);
}

int main(void) {
    test_put_get_grow();
    test_set_mode();
    test_random_against_array();
    test_group();
    TEST_DONE("test_addrmap");
}
