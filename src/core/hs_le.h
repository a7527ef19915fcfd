/* Little-endian integers in snapshot files (internal to the reader and writer). */
#ifndef HS_LE_H
#define HS_LE_H

#include <stdint.h>

static inline void hs_le_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void hs_le_put64(uint8_t *p, uint64_t v) {
    hs_le_put32(p, (uint32_t)v);
    hs_le_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t hs_le_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hs_le_get64(const uint8_t *p) {
    return (uint64_t)hs_le_get32(p) | (uint64_t)hs_le_get32(p + 4) << 32;
}

#endif
