/*
 * hs_bits: one bit per node, for a per-node flag that must cost less than
 * the byte a uint8_t array spends (10M nodes: 1.25 MB instead of 10 MB).
 *
 * The array is plain uint64_t words, allocated and freed by the caller:
 * calloc(hs_bits_words(n), sizeof(uint64_t)) gives n clear bits.
 */
#ifndef HS_CORE_BITS_H
#define HS_CORE_BITS_H

#include "hs_core.h"

/* Words that hold n bits (at least one, so calloc never sees 0). */
static inline size_t hs_bits_words(size_t n) {
    return n / 64 + 1;
}

static inline void hs_bits_set(uint64_t *b, uint32_t i) {
    b[i >> 6] |= (uint64_t)1 << (i & 63);
}

static inline int hs_bits_test(const uint64_t *b, uint32_t i) {
    return (int)((b[i >> 6] >> (i & 63)) & 1);
}

#endif
