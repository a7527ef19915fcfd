/*
 * hs_snapfile: heapscope's snapshot file, version 2 (version 1 is read too).
 * See docs/snapshot-format.md.
 *
 * Layout (all fixed-width integers little-endian):
 *   header, 64 bytes: magic "HEAPSCP\x1a", u32 version, u32 header size,
 *     u32 section count, u32 flags, u64 file size, u32 CRC-32 of the section
 *     table, then zero padding;
 *   section table: per section 32 bytes: u32 id, u32 reserved, u64 offset,
 *     u64 length, u32 CRC-32 of the section's bytes, u32 record count;
 *   sections, each starting on an 8-byte boundary.
 * Version 2 writes the per-object and per-edge numbers as varints
 * (hs_varint.h): addresses and edge targets as deltas, so a file is about
 * 2.5 times smaller than version 1's fixed-width records.
 *
 * The reader treats every byte as hostile: every offset, length and count
 * is checked against the file's real size before anything is allocated, so
 * a corrupt file gives an error message, never a crash or a huge
 * allocation.  hs_snap_read_buffer() is the fuzz target's entry point.
 */
#ifndef HS_SNAPFILE_H
#define HS_SNAPFILE_H

#include "hs_graph.h"
#include "hs_sizes.h"
#include "hs_typeids.h"

#define HS_SNAP_VERSION 2u     /* what the writer writes */
#define HS_SNAP_MIN_VERSION 1u /* the oldest the reader reads */
#define HS_SNAP_MAGIC "HEAPSCP\x1a"
#define HS_SNAP_HEADER_SIZE 64u

enum {                         /* "v1:" fixed width, version 1; "v2:" varints (hs_varint.h), version 2 */
       HS_SEC_META = 1,        /* UTF-8 text: key=value lines */
       HS_SEC_TYPENAMES = 2,   /* count names, each NUL-terminated */
       HS_SEC_OBJECTS = 3,     /* count records. v1: u64 address, u32 type, u32 size; v2: zigzag address
                                  delta from the previous object's, type, size */
       HS_SEC_TIERS = 4,       /* count bytes: root tier per object, 0 = not a root */
       HS_SEC_EDGE_OFF = 5,    /* v1: count = objects + 1 u32 CSR offsets; v2: count = objects out-degrees */
       HS_SEC_EDGES = 6,       /* count edge targets. v1: u32; v2: zigzag delta from the previous target
                                  of the same source (the first: from the source's index) */
       HS_SEC_RESULTS = 7,     /* UTF-8 JSON: answers computed while the heap was live */
       HS_SEC_NAMES = 8,       /* UTF-8 lines "index<TAB>name": modules, their dicts, classes */
       HS_SEC_LABELKINDS = 9,  /* count = objects bytes: how its path parent holds each (HS_LBL_*) */
       HS_SEC_LABELNAMES = 10, /* count (v1 u32, v2 varint): a string index per object whose kind has a
                                  name, in order */
       HS_SEC_LABELSTRS = 11,  /* count strings, each NUL-terminated UTF-8 */
       HS_SEC_RETAINED = 12,   /* optional: count = objects retained sizes (v1 u64, v2 varint) */
};
#define HS_SEC_LAST HS_SEC_RETAINED

/* How an object's shortest-path parent holds it (the label a file keeps). */
enum {
    HS_LBL_UNKNOWN = 0,
    HS_LBL_ATTR = 1,      /* .name (an attribute, a slot) */
    HS_LBL_VALUE_STR = 2, /* ['name']: a dict value under a str key */
    HS_LBL_VALUE = 3,     /* a dict value under another key */
    HS_LBL_KEY = 4,       /* a dict key */
    HS_LBL_INDEX = 5,     /* [i]: the name is the index */
    HS_LBL_MEMBER = 6,    /* a set member */
    HS_LBL_SPECIAL = 7,   /* .__closure__, .__self__, .tb_next, ... */
    HS_LBL_OWNDICT = 8,   /* the parent's own __dict__ */
    HS_LBL_LOCAL = 9,     /* a frame's local variable */
    HS_NLBL = 10,
};
/* Does a label kind carry a name (a string index, or the index for HS_LBL_INDEX)? */
static inline int hs_label_has_name(uint8_t kind) {
    return kind == HS_LBL_ATTR || kind == HS_LBL_VALUE_STR || kind == HS_LBL_INDEX ||
           kind == HS_LBL_SPECIAL || kind == HS_LBL_LOCAL;
}

/* What a snapshot holds, in memory.  Arrays are malloc'ed by the reader
 * (hs_snapdata_destroy frees them); the writer only reads them. */
typedef struct hs_snapdata {
    uint32_t n;
    uint32_t ntypes;
    uint64_t *addr;       /* n */
    hs_type_ids type_id;  /* n, each < ntypes (2 bytes each when ntypes <= 65,536) */
    hs_sizes size;        /* n shallow sizes */
    uint8_t *tier;        /* n */
    hs_graph graph;       /* forward CSR (n nodes) */
    char **type_names;    /* ntypes */
    char *meta;           /* NUL-terminated, may be NULL */
    char *results;        /* NUL-terminated, may be NULL */
    char *names;          /* NUL-terminated "index\tname\n" lines, may be NULL */
    uint8_t *label_kind;  /* n or NULL: HS_LBL_* of each object's path edge */
    uint32_t *label_name; /* n (expanded: per object) or NULL; HS_NONE when none */
    char **label_strs;    /* nlabel_strs strings */
    uint32_t nlabel_strs;
    hs_sizes retained; /* n retained sizes, v[] NULL when the writer had none (v[] from hs_scratch_alloc) */
} hs_snapdata;

/* Writes `d` to `path` as version HS_SNAP_VERSION (streamed, via a temporary
 * file and rename; hs_snapwrite.c).  0 or HS_E*. */
int hs_snap_write(const char *path, const hs_snapdata *d);

/* Parses a whole file held in memory.  On error, `err` gets one sentence. */
int hs_snap_read_buffer(const uint8_t *buf, size_t len, hs_snapdata *out, char *err, size_t errlen);
int hs_snap_read_file(const char *path, hs_snapdata *out, char *err, size_t errlen);
/* Well-formed UTF-8 with no NUL byte (what the reader requires of text sections). */
int hs_utf8_valid(const uint8_t *p, size_t len);
void hs_snapdata_destroy(hs_snapdata *d);

uint32_t hs_crc32(const void *data, size_t len);
/* The CRC-32 of the bytes before, `crc`, followed by data[0..len) (zlib's crc32()). */
uint32_t hs_crc32_update(uint32_t crc, const void *data, size_t len);

/* Internal to the reader (hs_snaplabels.c): the three label sections of a
 * file, by section id; 0 or HS_E* with `err` set. */
int hs_snap_read_labels(const uint8_t *const *sec_ptr, const uint64_t *sec_len, const uint32_t *sec_count,
                        uint32_t n, uint32_t version, hs_snapdata *out, char *err, size_t errlen);

#endif
