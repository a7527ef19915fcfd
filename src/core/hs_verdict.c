#include "hs_verdict.h"

int hs_verdict(const int64_t *counts, const int64_t *sizes, size_t n) {
    int flags = 0, every = n > 1;
    size_t i;
    int64_t total, total_size;
    if (n == 0)
        return 0;
    total = counts[n - 1] - counts[0];
    total_size = sizes[n - 1] - sizes[0];
    if (total > 0 || (total == 0 && total_size > 0))
        flags |= HS_VERDICT_GREW;
    for (i = 0; i + 1 < n; i++)
        if (counts[i + 1] <= counts[i])
            every = 0;
    if (every)
        flags |= HS_VERDICT_LEAK;
    else if (n > 1 && total > 0 && counts[n - 1] <= counts[n - 2] && counts[1] > counts[0])
        flags |= HS_VERDICT_FLATTENED;
    return flags;
}
