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

uint32_t hs_crc32(const void *data, size_t len) {
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    if (!hs__crc_ready)
        hs__crc_init();
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
