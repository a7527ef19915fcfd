/*
 * hs_scratch: large working arrays that go back to the kernel when freed.
 *
 * A phase's peak memory should be what it holds.  glibc's malloc serves a
 * block below its mmap threshold from the heap, and raises that threshold
 * each time it frees a mapped block: after the walk frees an 8 MB array,
 * the dominators' 4 MB arrays come from the heap, and once freed they stay
 * resident under whatever is allocated after them.  Blocks of 256 KiB and
 * more are mapped here directly (zeroed by the kernel), the rest come from
 * calloc; both free with hs_scratch_free().
 */
#ifndef HS_CORE_SCRATCH_H
#define HS_CORE_SCRATCH_H

#include "hs_core.h"

/* `count` zeroed elements of `size` bytes, 16-byte aligned; NULL when out
 * of memory or when count * size overflows. */
void *hs_scratch_alloc(size_t count, size_t size);
/* Frees a block from hs_scratch_alloc(); NULL does nothing. */
void hs_scratch_free(void *p);

#endif
