/* Censuses joined into series: first appearance, absence as 0, a reused type address. */
#include <string.h>

#include "hs_census.h"
#include "hs_test.h"

int main(void) {
    static const hs_census_entry a[] = {{0x100, "dict", 10, 640}, {0x200, "app.Node", 1, 56}},
                                 b[] = {{0x200, "app.Node", 2, 112}, {0x100, "dict", 10, 640}},
                                 c[] = {{0x100, "dict", 10, 640},
                                        {0x200, "app.Other", 1, 32}, /* app.Node died; its address reused */
                                        {0x300, "list", 4, 224}};
    hs_census_view views[3] = {{a, 2}, {b, 2}, {c, 3}};
    hs_series s;
    uint32_t t;
    CHECK(hs_series_build(views, 3, 0, &s) == HS_OK);
    CHECK(s.ntypes == 4 && s.ncensus == 3);
    CHECK(strcmp(s.names[0], "dict") == 0 && strcmp(s.names[1], "app.Node") == 0);
    CHECK(strcmp(s.names[2], "app.Other") == 0 && strcmp(s.names[3], "list") == 0);
    CHECK(s.counts[1 * 3 + 0] == 1 && s.counts[1 * 3 + 1] == 2 && s.counts[1 * 3 + 2] == 0);
    CHECK(s.counts[2 * 3 + 0] == 0 && s.counts[2 * 3 + 2] == 1);
    CHECK(s.sizes[3 * 3 + 2] == 224 && s.sizes[3 * 3 + 0] == 0);
    hs_series_destroy(&s);
    CHECK(hs_series_build(views, 3, 1, &s) == HS_OK); /* dict never changed */
    CHECK(s.ntypes == 3);
    for (t = 0; t < s.ntypes; t++)
        CHECK(strcmp(s.names[t], "dict") != 0);
    hs_series_destroy(&s);
    hs_series_destroy(&s);
    CHECK(hs_series_build(views, 0, 1, &s) == HS_OK && s.ntypes == 0);
    hs_series_destroy(&s);
    TEST_DONE("test_census");
}
