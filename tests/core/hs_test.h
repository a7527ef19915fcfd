/* A minimal test harness: CHECK() records a failure and goes on; main()
 * returns non-zero when anything failed. */
#ifndef HS_TEST_H
#define HS_TEST_H
#include <stdio.h>

static int hs_test_failures = 0;
static int hs_test_checks = 0;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        hs_test_checks++;                                                                                    \
        if (!(cond)) {                                                                                       \
            hs_test_failures++;                                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

#define TEST_DONE(name)                                                                                      \
    do {                                                                                                     \
        printf("%s: %d checks, %d failed\n", name, hs_test_checks, hs_test_failures);                        \
        return hs_test_failures ? 1 : 0;                                                                     \
    } while (0)

/* xorshift64*: deterministic pseudo-random numbers for property tests. */
static unsigned long long hs_test_rng = 0x9E3779B97F4A7C15ULL;
static inline unsigned long long hs_test_rand(void) {
    hs_test_rng ^= hs_test_rng >> 12;
    hs_test_rng ^= hs_test_rng << 25;
    hs_test_rng ^= hs_test_rng >> 27;
    return hs_test_rng * 2685821657736338717ULL;
}
#endif
