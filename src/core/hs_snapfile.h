/*
 * hs_snapfile: heapscope's snapshot file, version 1.  See docs/snapshot-format.md.
 *
 * Layout (all integers little-endian):
 *   header, 64 bytes: magic "HEAPSCP\x1a", u32 version, u32 header size,
 *     u32 section count, u32 flags, u64 file size, u32 CRC-32 of the section
 *     table, then zero padding;
 *   section table: per section 32 bytes: u32 id, u32 reserved, u64 offset,
 *     u64 length, u32 CRC-32 of the section's bytes, u32 record count;
 *   sections, each starting on an 8-byte boundary.
 *
 * The reader treats every byte as hostile: every offset, length and count
 * is checked against the file's real size before anything is allocated, so
 * a corrupt file gives an error message, never a crash or a huge
 * allocation.  hs_snap_read_buffer() is the fuzz target's entry point.
 */
#ifndef HS_SNAPFILE_H
#define HS_SNAPFILE_H

#include "hs_graph.h"

#define HS_SNAP_VERSION 1u
#define HS_SNAP_HEADER_SIZE 64u

enum {
    HS_SEC_META = 1,      /* UTF-8 text: key=value lines */
    HS_SEC_TYPENAMES = 2, /* count names, each NUL-terminated */
    HS_SEC_OBJECTS = 3,   /* count records of 16 bytes: u64 address, u32 type, u32 size */
    HS_SEC_TIERS = 4,     /* count bytes: root tier per object, 0 = not a root */
    HS_SEC_EDGE_OFF = 5,  /* count = objects + 1 u32: CSR offsets */
    HS_SEC_EDGES = 6,     /* count u32: edge targets */
    HS_SEC_RESULTS = 7,   /* UTF-8 JSON: answers computed while the heap was live */
    HS_SEC_NAMES = 8,     /* UTF-8 lines "index<TAB>name": modules, their dicts, classes */
};

/* What a snapshot holds, in memory.  Arrays are malloc'ed by the reader
 * (hs_snapdata_destroy frees them); the writer only reads them. */
typedef struct hs_snapdata {
    uint32_t n;
    uint32_t ntypes;
    uint64_t *addr;    /* n */
    uint32_t *type_id; /* n, each < ntypes */
    uint64_t *size;    /* n */
    uint8_t *tier;     /* n */
    hs_graph graph;    /* forward CSR (n nodes) */
    char **type_names; /* ntypes */
    char *meta;        /* NUL-terminated, may be NULL */
    char *results;     /* NUL-terminated, may be NULL */
    char *names;       /* NUL-terminated "index\tname\n" lines, may be NULL */
} hs_snapdata;

/* Writes `d` to `path` (via a temporary file and rename).  0 or HS_E*. */
int hs_snap_write(const char *path, const hs_snapdata *d);

/* Parses a whole file held in memory.  On error, `err` gets one sentence. */
int hs_snap_read_buffer(const uint8_t *buf, size_t len, hs_snapdata *out, char *err, size_t errlen);
int hs_snap_read_file(const char *path, hs_snapdata *out, char *err, size_t errlen);
/* Well-formed UTF-8 with no NUL byte (what the reader requires of text sections). */
int hs_utf8_valid(const uint8_t *p, size_t len);
void hs_snapdata_destroy(hs_snapdata *d);

uint32_t hs_crc32(const void *data, size_t len);

#endif
