/* hs_sizes: 4-byte shallow sizes with a side table for the huge ones. */
#include <stdio.h>
#include <stdlib.h>

#include "hs_sizes.h"
#include "hs_test.h"

/* In node order (as a walk sets them), out of order (as the sizes of the
 * objects asked about arrive), replaced both ways: every value reads back. */
static void test_sizes_round_trip(void) {
    enum { N = 5000 };
    static uint64_t want[N];
    hs_sizes z = {0};
    uint32_t v, k;
    z.v = malloc(N * sizeof(uint32_t));
    for (v = 0; v < N; v++) {
        want[v] = v % 97 == 0 ? ((uint64_t)5 << 30) + v : v % 89 == 0 ? HS_SIZE_BIG : v * 8u;
        CHECK(hs_sizes_set(&z, v, want[v]) == HS_OK);
    }
    for (k = 0; k < 3 * N; k++) {
        v = (uint32_t)(hs_test_rand() % N);
        switch (hs_test_rand() % 3) {
        case 0:
            want[v] = UINT64_MAX - v;
            break;
        case 1:
            want[v] = HS_SIZE_BIG - 1;
            break;
        default:
            want[v] = ((uint64_t)1 << 32) + k;
        }
        CHECK(hs_sizes_set(&z, v, want[v]) == HS_OK);
    }
    for (v = 0; v < N; v++)
        CHECK(hs_sizes_get(&z, v) == want[v]);
    for (k = 1; k < z.nbig; k++)
        CHECK(z.big_node[k - 1] < z.big_node[k]);
    CHECK(z.nbig <= N);
    hs_sizes_destroy_big(&z);
    CHECK(z.nbig == 0 && z.big_node == NULL);
    hs_sizes_destroy_big(&z); /* twice: a destroyed table is empty */
    free(z.v);
}

int main(void) {
    test_sizes_round_trip();
    TEST_DONE("test_sizes");
}
