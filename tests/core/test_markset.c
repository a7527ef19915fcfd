#include <stdlib.h>

#include "hs_addrmap.h"
#include "hs_bits.h"
#include "hs_markset.h"
#include "hs_test.h"

static void test_basic(void) {
    hs_markset s;
    CHECK(hs_markset_init(&s) == HS_OK);
    CHECK(hs_markset_add(&s, 0x1000) == 1);
    CHECK(hs_markset_add(&s, 0x1000) == 0);
    CHECK(hs_markset_has(&s, 0x1000) == 1);
    CHECK(hs_markset_has(&s, 0x1010) == 0);
    /* Objects only 8-byte aligned still start 16 bytes apart: distinct bits. */
    CHECK(hs_markset_add(&s, 0x2008) == 1);
    CHECK(hs_markset_add(&s, 0x2018) == 1);
    CHECK(hs_markset_has(&s, 0x2008) == 1 && hs_markset_has(&s, 0x2018) == 1);
    /* The last granule of a chunk and the first of the next. */
    CHECK(hs_markset_add(&s, ((uintptr_t)1 << 20) - 16) == 1);
    CHECK(hs_markset_add(&s, (uintptr_t)1 << 20) == 1);
    CHECK(hs_markset_has(&s, ((uintptr_t)1 << 20) - 16) == 1);
    /* High addresses, as mmap gives them. */
    CHECK(hs_markset_add(&s, (uintptr_t)0x7fffffffeff0ULL) == 1);
    CHECK(hs_markset_has(&s, (uintptr_t)0x7fffffffeff0ULL) == 1);
    CHECK(hs_markset_add(&s, 0) == HS_EINVAL);
    CHECK(hs_markset_has(&s, 0) == 0);
    CHECK(s.count == 6);
    CHECK(hs_markset_bytes(&s) >= s.nchunks * HS_MARKSET_WORDS * sizeof(uint64_t));
    hs_markset_destroy(&s);
    hs_markset_destroy(&s); /* twice is harmless */
    CHECK(hs_markset_has(&s, 0x1000) == 0);
}

/* Property: the set agrees with the hash map on a mix of clustered runs
 * (arenas) and scattered addresses, across many directory growths. */
static void test_against_addrmap(void) {
    enum { N = 200000 };
    hs_markset s;
    hs_addrmap m;
    uint32_t i;
    int agree = 1;
    CHECK(hs_markset_init(&s) == HS_OK);
    CHECK(hs_addrmap_init(&m, 16, 0) == HS_OK);
    for (i = 0; i < N; i++) {
        uintptr_t a;
        unsigned long long r = hs_test_rand();
        if (r % 3 == 0) /* scattered over 48 bits of address space */
            a = (uintptr_t)((r >> 8) & 0xFFFFFFFFFFF0ULL);
        else /* a few dense arenas, with repeats */
            a = (uintptr_t)(0x7f0000000000ULL + ((r >> 20) % 8) * 0x100000 + ((r >> 4) % 4096) * 16);
        if (a == 0)
            continue;
        if (hs_markset_add(&s, a) != hs_addrmap_put(&m, a, 0, NULL))
            agree = 0;
    }
    CHECK(agree);
    CHECK(s.count == m.count);
    for (i = 0; i < 20000; i++) {
        uintptr_t a = (uintptr_t)((hs_test_rand() >> 8) & 0xFFFFFFFFFFF0ULL);
        if (hs_markset_has(&s, a) != hs_addrmap_get(&m, a, NULL))
            agree = 0;
    }
    CHECK(agree);
    hs_markset_destroy(&s);
    hs_addrmap_destroy(&m);
}

/* hs_bits against a byte per node, across word edges and at random. */
static void test_bits(void) {
    enum { N = 1000 };
    uint64_t *b = calloc(hs_bits_words(N), sizeof(uint64_t));
    unsigned char ref[N] = {0};
    uint32_t i, k, bad = 0;
    CHECK(b != NULL);
    if (b == NULL)
        return;
    CHECK(hs_bits_words(0) == 1 && hs_bits_words(63) == 1 && hs_bits_words(64) == 2);
    for (i = 0; i < N; i++)
        bad += hs_bits_test(b, i) != 0;
    CHECK(bad == 0);
    ref[0] = ref[63] = ref[64] = ref[N - 1] = 1;
    hs_bits_set(b, 0);
    hs_bits_set(b, 63);
    hs_bits_set(b, 64);
    hs_bits_set(b, N - 1);
    for (k = 0; k < 300; k++) {
        i = (uint32_t)(hs_test_rand() % N);
        ref[i] = 1;
        hs_bits_set(b, i);
    }
    hs_bits_set(b, 63); /* twice is harmless */
    for (i = 0; i < N; i++)
        bad += hs_bits_test(b, i) != ref[i];
    CHECK(bad == 0);
    free(b);
}

int main(void) {
    test_basic();
    test_bits();
    test_against_addrmap();
    TEST_DONE("test_markset");
}
