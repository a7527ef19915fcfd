/*
 * hs_verdict: the leak rule, over one type's census series (the baseline,
 * then one census after each run or interval).  Every front end asks it:
 * check, run, attach (inside the target, through the agent), the pytest
 * plugin.  (The order growth is shown in is heapscope.model.growth_key.)
 *
 *   grew       the count ended higher than it started, or the same count
 *              ended larger in bytes
 *   leak       the count grew in every run (at least one run)
 *   flattened  it grew overall and in the first run, but not in the last
 *              (a cache filling up)
 */
#ifndef HS_VERDICT_H
#define HS_VERDICT_H

#include "hs_core.h"

#define HS_VERDICT_GREW 1
#define HS_VERDICT_LEAK 2
#define HS_VERDICT_FLATTENED 4

/* Flags for counts[0..n) and sizes[0..n) (n >= 1). */
int hs_verdict(const int64_t *counts, const int64_t *sizes, size_t n);

#endif
