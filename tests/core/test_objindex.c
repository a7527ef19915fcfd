#include <stdlib.h>

#include "hs_addrmap.h"
#include "hs_objindex.h"
#include "hs_test.h"

static void test_basic(void) {
    hs_objindex x;
    uint32_t v = 0;
    CHECK(hs_objindex_init(&x, 0) == HS_OK);
    CHECK(hs_objindex_put(&x, 0x1000, 7, NULL) == 1);
    CHECK(hs_objindex_put(&x, 0x1000, 9, &v) == 0 && v == 7);
    CHECK(hs_objindex_get(&x, 0x1000, &v) == 1 && v == 7);
    CHECK(hs_objindex_get(&x, 0x1010, &v) == 0);
    CHECK(hs_objindex_put(&x, 0x2008, 1, NULL) == 1); /* 8-aligned, 16 apart */
    CHECK(hs_objindex_put(&x, 0x2018, 2, NULL) == 1);
    CHECK(hs_objindex_get(&x, 0x2018, &v) == 1 && v == 2);
    CHECK(hs_objindex_put(&x, 0, 1, NULL) == HS_EINVAL);
    CHECK(hs_objindex_put(&x, 0x3000, HS_NONE, NULL) == HS_EINVAL);
    CHECK(hs_objindex_get(&x, 0, &v) == 0);
    CHECK(x.count == 3 && !x.hashed);
    CHECK(hs_objindex_bytes(&x) >= x.npages * sizeof(hs_objindex_page) + x.count * sizeof(uint32_t));
    hs_objindex_destroy(&x);
    hs_objindex_destroy(&x);
    CHECK(hs_objindex_get(&x, 0x1000, &v) == 0);
    /* A key beyond the directory's 48 bits (a hostile file's) turns the index
     * into a hash map, keeping what it held. */
    CHECK(hs_objindex_init(&x, 0) == HS_OK);
    CHECK(hs_objindex_put(&x, 0x7f0000001000ULL, 5, NULL) == 1);
    CHECK(hs_objindex_put(&x, (uintptr_t)0xffff800000001230ULL, 6, NULL) == 1);
    CHECK(x.hashed == 1 && x.count == 2);
    CHECK(hs_objindex_get(&x, 0x7f0000001000ULL, &v) == 1 && v == 5);
    CHECK(hs_objindex_get(&x, (uintptr_t)0xffff800000001230ULL, &v) == 1 && v == 6);
    CHECK(hs_objindex_put(&x, 0x7f0000001000ULL, 9, &v) == 0 && v == 5);
    hs_objindex_destroy(&x);
}

/* Property: agrees with the hash map, dense (stays direct) or sparse
 * (moves to the hash map part-way, keeping every value). */
static void run_against_addrmap(int sparse, int expect_hashed) {
    enum { N = 300000 };
    hs_objindex x;
    hs_addrmap m;
    uint32_t i, a_v = 0, b_v = 0;
    int agree = 1;
    CHECK(hs_objindex_init(&x, 0) == HS_OK);
    CHECK(hs_addrmap_init(&m, 16, 1) == HS_OK);
    for (i = 0; i < N; i++) {
        unsigned long long r = hs_test_rand();
        uintptr_t a;
        int pa, pb;
        if (sparse && r % 2 == 0)
            a = (uintptr_t)((r >> 8) & 0xFFFFFFFFFFF0ULL);
        else
            a = (uintptr_t)(0x7f0000000000ULL + ((r >> 20) % 16) * 0x100000 + ((r >> 4) % 65536) * 16);
        if (a == 0)
            continue;
        pa = hs_objindex_put(&x, a, i, &a_v);
        pb = hs_addrmap_put(&m, a, i, &b_v);
        if (pa != pb || (pa == 0 && a_v != b_v))
            agree = 0;
    }
    CHECK(agree);
    CHECK(x.count == m.count);
    CHECK(x.hashed == expect_hashed);
    for (i = 0; i < 50000; i++) {
        unsigned long long r = hs_test_rand();
        uintptr_t a =
            i % 2 ? (uintptr_t)((r >> 8) & 0xFFFFFFFFFFF0ULL)
                  : (uintptr_t)(0x7f0000000000ULL + ((r >> 20) % 16) * 0x100000 + ((r >> 4) % 65536) * 16);
        int ga = hs_objindex_get(&x, a, &a_v), gb = hs_addrmap_get(&m, a, &b_v);
        if (ga != gb || (ga && a_v != b_v))
            agree = 0;
    }
    CHECK(agree);
    hs_objindex_destroy(&x);
    hs_addrmap_destroy(&m);
}

/* Keys in scattered order over a dense range (128 bytes apart, 128 MiB):
 * the index stays direct with or without the count expected, answers every
 * key, and costs about 4 bytes per key plus a page header per 4 KiB (the
 * values are packed, not a slot per granule). */
static void test_expected_keeps_pages(void) {
    enum { N = 1 << 20 };
    hs_objindex x;
    uint32_t i, v;
    int ok = 1, e;
    for (e = 0; e < 2; e++) {
        CHECK(hs_objindex_init(&x, e ? N : 0) == HS_OK);
        for (i = 0; i < N; i++) { /* i -> i * 40503 mod 2^20: a permutation */
            uintptr_t a = (uintptr_t)0x7f0000000000ULL + (uintptr_t)(((uint64_t)i * 40503u) & (N - 1)) * 128;
            if (hs_objindex_put(&x, a, i, NULL) != 1)
                ok = 0;
        }
        CHECK(x.hashed == 0);
        CHECK(x.count == N);
        CHECK(x.npages == (size_t)N * 128 / 4096);
        CHECK(hs_objindex_bytes(&x) < (size_t)N * 10);
        for (i = 0; i < N; i += 999) {
            uintptr_t a = (uintptr_t)0x7f0000000000ULL + (uintptr_t)(((uint64_t)i * 40503u) & (N - 1)) * 128;
            if (!hs_objindex_get(&x, a, &v) || v != i)
                ok = 0;
            if (hs_objindex_get(&x, a + 16, &v)) /* the granule above: no key */
                ok = 0;
        }
        hs_objindex_destroy(&x);
    }
    CHECK(ok);
}

/* Every granule of one page, inserted from the top down (each insertion
 * moves all the values above it), then the page read back in full. */
static void test_full_page_descending(void) {
    hs_objindex x;
    uint32_t v;
    int g, ok = 1;
    CHECK(hs_objindex_init(&x, 0) == HS_OK);
    for (g = (int)HS_OBJINDEX_SLOTS - 1; g >= 0; g--)
        if (hs_objindex_put(&x, 0x550000000000ULL + (uintptr_t)g * 16 + 8, (uint32_t)g * 3, NULL) != 1)
            ok = 0;
    CHECK(x.npages == 1 && x.count == HS_OBJINDEX_SLOTS);
    for (g = 0; g < (int)HS_OBJINDEX_SLOTS; g++)
        if (!hs_objindex_get(&x, 0x550000000000ULL + (uintptr_t)g * 16, &v) || v != (uint32_t)g * 3)
            ok = 0;
    CHECK(!hs_objindex_get(&x, 0x550000000000ULL + 4096, &v));
    CHECK(ok);
    hs_objindex_destroy(&x);
}

int main(void) {
    test_expected_keeps_pages();
    test_basic();
    test_full_page_descending();
    run_against_addrmap(0, 0);
    run_against_addrmap(1, 1);
    TEST_DONE("test_objindex");
}
