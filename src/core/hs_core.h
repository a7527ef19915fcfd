/*
 * heapscope core: shared definitions.
 *
 * The core is plain C11 and never includes Python.h: it works on integer
 * object indexes, addresses and sizes that the CPython glue (src/ext/) hands
 * it.  That keeps it testable, sanitizable and fuzzable without an
 * interpreter.
 *
 * Conventions (after libuv): public functions are hs_<noun>_<verb>(), they
 * return 0 or a negative HS_E* code, memory is owned by the caller unless a
 * *_destroy() says otherwise, and every *_destroy() accepts a zeroed or
 * already destroyed struct.
 */
#ifndef HS_CORE_H
#define HS_CORE_H

#include <stddef.h>
#include <stdint.h>

#define HS_OK 0
#define HS_ENOMEM (-1)    /* an allocation failed */
#define HS_EINVAL (-2)    /* a bad argument */
#define HS_ETOOBIG (-3)   /* more nodes or edges than 32-bit indexes hold */
#define HS_EFORMAT (-4)   /* a snapshot file is malformed */
#define HS_EVERSION (-5)  /* a snapshot file has an unknown version */
#define HS_EIO (-6)       /* reading or writing a file failed */
#define HS_ETRUNC (-7)    /* a snapshot file ends early */
#define HS_ECHECKSUM (-8) /* a snapshot section's checksum does not match */
#define HS_ECALLBACK (-9) /* a caller's callback failed (the caller knows why) */

/* The "no node" marker for uint32_t node indexes. */
#define HS_NONE UINT32_MAX

/* A short English description of an HS_E* code; never NULL. */
const char *hs_strerror(int err);

#endif /* HS_CORE_H */
