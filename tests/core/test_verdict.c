/* The leak rule. */
#include "hs_test.h"
#include "hs_verdict.h"

static int v(const int64_t *c, size_t n) {
    int64_t sizes[16] = {0};
    size_t i;
    for (i = 0; i < n; i++)
        sizes[i] = c[i] * 8;
    return hs_verdict(c, sizes, n);
}

int main(void) {
    static const int64_t leak[] = {10, 11, 12, 13}, flat[] = {10, 15, 18, 18}, noise[] = {10, 12, 10, 12},
                         shrink[] = {10, 9, 8}, one[] = {10}, two[] = {10, 11}, late[] = {10, 10, 12};
    int64_t same_count[] = {5, 5}, bigger[] = {100, 200};
    CHECK(v(leak, 4) == (HS_VERDICT_GREW | HS_VERDICT_LEAK));
    CHECK(v(flat, 4) == (HS_VERDICT_GREW | HS_VERDICT_FLATTENED));
    CHECK(v(noise, 4) == HS_VERDICT_GREW); /* grew overall, not every run, not flattened */
    CHECK(v(shrink, 3) == 0);
    CHECK(v(one, 1) == 0); /* no run: no verdict */
    CHECK(v(two, 2) == (HS_VERDICT_GREW | HS_VERDICT_LEAK));
    CHECK(v(late, 3) == HS_VERDICT_GREW);                        /* grew only at the end: not flattened */
    CHECK(hs_verdict(same_count, bigger, 2) == HS_VERDICT_GREW); /* same count, more bytes */
    CHECK(hs_verdict(leak, leak, 0) == 0);
    TEST_DONE("test_verdict");
}
