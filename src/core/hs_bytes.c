/* Byte-level helpers of the snapshot file: CRC-32 and UTF-8 validation. */
#include "hs_snapfile.h"

/* ---- CRC-32 (IEEE 802.3), slicing-by-8 --------------------------------- */

/* hs__crc[k][b]: the CRC of byte b followed by k zero bytes.  Eight bytes are
 * folded per step instead of one (the byte-at-a-time loop was most of a
 * snapshot file's read time). */
static uint32_t hs__crc[8][256];
static volatile int hs__crc_ready = 0;

static void hs__crc_init(void) {
    uint32_t i, j, k;
    for (i = 0; i < 256; i++) {
        uint32_t c = i;
        for (j = 0; j < 8; j++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        hs__crc[0][i] = c;
    }
    for (i = 0; i < 256; i++)
        for (k = 1; k < 8; k++)
            hs__crc[k][i] = (hs__crc[k - 1][i] >> 8) ^ hs__crc[0][hs__crc[k - 1][i] & 0xFF];
    hs__crc_ready = 1; /* two threads may both build it: the same values */
}

/* ---- CRC-32 by carry-less multiplication (x86_64 PCLMULQDQ) ------------
 * Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
 * Instruction" (Intel, 2009), in the bit-reflected form: four 128-bit lanes
 * are folded forward by 512 bits at a time (constants x^(512+-32) mod P),
 * then into one lane (x^(128+-32) mod P), to 64 and 32 bits, and reduced
 * with Barrett's method (mu = x^64 / P).  Each constant is the 33-bit
 * reflected remainder.  A snapshot file is mostly large arrays: about ten
 * times the tables' speed on them. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HS_CRC_CLMUL 1

__attribute__((target("pclmul,sse4.1"))) static inline __m128i hs__fold(__m128i x, __m128i k, __m128i data) {
    return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)),
                         data);
}

/* crc (not inverted) of p[0..len), len >= 64 and a multiple of 16. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t hs__crc32_clmul(uint32_t crc, const uint8_t *p,
                                                                         size_t len) {
    const __m128i k512 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i k128 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    const __m128i k64 = _mm_set_epi64x(0, 0x163cd6124LL);
    const __m128i barrett = _mm_set_epi64x(0x1f7011641LL, 0x1db710641LL); /* mu, P */
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)crc));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    __m128i t;
    p += 64;
    len -= 64;
    while (len >= 64) {
        x1 = hs__fold(x1, k512, _mm_loadu_si128((const __m128i *)p));
        x2 = hs__fold(x2, k512, _mm_loadu_si128((const __m128i *)(p + 16)));
        x3 = hs__fold(x3, k512, _mm_loadu_si128((const __m128i *)(p + 32)));
        x4 = hs__fold(x4, k512, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        len -= 64;
    }
    x1 = hs__fold(x1, k128, x2);
    x1 = hs__fold(x1, k128, x3);
    x1 = hs__fold(x1, k128, x4);
    for (; len >= 16; p += 16, len -= 16)
        x1 = hs__fold(x1, k128, _mm_loadu_si128((const __m128i *)p));
    /* 128 -> 64 bits (and the 32 zero bits a CRC appends) */
    t = _mm_clmulepi64_si128(x1, k128, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
    /* 64 -> 32 */
    t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k64, 0x00);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), t);
    /* Barrett reduction */
    t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), barrett, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), barrett, 0x00);
    x1 = _mm_xor_si128(x1, t);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

static int hs__clmul_ok = -1;
#endif

uint32_t hs_crc32(const void *data, size_t len) {
    return hs_crc32_update(0, data, len);
}

uint32_t hs_crc32_update(uint32_t crc, const void *data, size_t len) {
    const uint8_t *p = data;
    uint32_t c = crc ^ 0xFFFFFFFFu;
    if (!hs__crc_ready)
        hs__crc_init();
#ifdef HS_CRC_CLMUL
    if (hs__clmul_ok < 0)
        hs__clmul_ok = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    if (hs__clmul_ok && len >= 64) {
        c = hs__crc32_clmul(c, p, len & ~(size_t)15);
        p += len & ~(size_t)15;
        len &= 15;
    }
#endif
    while (len >= 8) {
        uint32_t lo =
            c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = hs__crc[7][lo & 0xFF] ^ hs__crc[6][(lo >> 8) & 0xFF] ^ hs__crc[5][(lo >> 16) & 0xFF] ^
            hs__crc[4][lo >> 24] ^ hs__crc[3][hi & 0xFF] ^ hs__crc[2][(hi >> 8) & 0xFF] ^
            hs__crc[1][(hi >> 16) & 0xFF] ^ hs__crc[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len-- > 0)
        c = hs__crc[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Is p[0..len) well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF) with no NUL byte?  The text sections become Python
 * str objects and C strings. */
int hs_utf8_valid(const uint8_t *p, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t need, k;
        uint32_t cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else
            return 0;
        if (len - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += need + 1;
    }
    return 1;
}
