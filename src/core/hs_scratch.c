#include "hs_scratch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HS__SCRATCH_HEAD 16 /* keeps the block 16-byte aligned */
#define HS__SCRATCH_MAP ((size_t)256 << 10)

/* Under AddressSanitizer every block comes from calloc, whose bounds it
 * checks; a mapping's it would not. */
#if defined(__SANITIZE_ADDRESS__)
#define HS__SCRATCH_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HS__SCRATCH_MMAP 0
#endif
#endif
#if !defined(HS__SCRATCH_MMAP) && defined(__linux__)
#define HS__SCRATCH_MMAP 1
#elif !defined(HS__SCRATCH_MMAP)
#define HS__SCRATCH_MMAP 0
#endif

/* The header before the block: the mapping's length, or 0 for calloc. */
void *hs_scratch_alloc(size_t count, size_t size) {
    size_t bytes, total;
    unsigned char *p;
    if (size != 0 && count > (SIZE_MAX - HS__SCRATCH_HEAD) / size)
        return NULL;
    bytes = count * size;
    total = bytes + HS__SCRATCH_HEAD;
#if HS__SCRATCH_MMAP
    if (bytes >= HS__SCRATCH_MAP) {
        void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        p = m;
        memcpy(p, &total, sizeof(total));
        return p + HS__SCRATCH_HEAD;
    }
#endif
    p = calloc(1, total);
    if (p == NULL)
        return NULL;
    total = 0;
    memcpy(p, &total, sizeof(total));
    return p + HS__SCRATCH_HEAD;
}

void hs_scratch_free(void *block) {
    unsigned char *p;
    size_t total;
    if (block == NULL)
        return;
    p = (unsigned char *)block - HS__SCRATCH_HEAD;
    memcpy(&total, p, sizeof(total));
#if HS__SCRATCH_MMAP
    if (total != 0) {
        munmap(p, total);
        return;
    }
#endif
    free(p);
}
