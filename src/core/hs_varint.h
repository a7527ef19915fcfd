/*
 * hs_varint: the variable-length integers of snapshot files, version 2.
 *
 * Unsigned LEB128: seven bits a byte, least significant first, the high bit
 * set on every byte but the last.  Signed values go through the zigzag map
 * (0, -1, 1, -2, ... to 0, 1, 2, 3, ...) first, so small deltas of either
 * sign take one byte.  The decoder treats its input as hostile: it never
 * reads past `end`, and refuses a value longer than 10 bytes or one that
 * does not fit 64 bits.
 */
#ifndef HS_VARINT_H
#define HS_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define HS_VARINT_MAX 10 /* bytes of the longest 64-bit value */

/* Writes v at p (room for HS_VARINT_MAX bytes); the bytes written. */
static inline size_t hs_varint_put(uint8_t *p, uint64_t v) {
    size_t k = 0;
    while (v >= 0x80) {
        p[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[k++] = (uint8_t)v;
    return k;
}

/* Reads one value from *p (< end) into *v and moves *p past it; 0, or -1 for
 * a value cut off by `end`, longer than 10 bytes or beyond 64 bits. */
static inline int hs_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    const uint8_t *q = *p;
    uint64_t x = 0;
    unsigned shift = 0;
    if (q < end && *q < 0x80) { /* the common case: one byte */
        *v = *q;
        *p = q + 1;
        return 0;
    }
    while (q < end) {
        uint8_t b = *q++;
        if (shift == 63 && b > 1)
            return -1;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) {
            *v = x;
            *p = q;
            return 0;
        }
        shift += 7;
        if (shift > 63)
            return -1;
    }
    return -1;
}

static inline uint64_t hs_zigzag(int64_t v) {
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t hs_unzigzag(uint64_t u) {
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

#endif
