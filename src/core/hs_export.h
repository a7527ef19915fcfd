/*
 * hs_export: a snapshot's graph in other tools' formats, over integers.
 *
 * Chrome DevTools heap snapshots (.heapsnapshot, read by DevTools, memlab
 * and others): one JSON document with flat integer arrays, written
 * streaming (a buffered file, nothing the size of the document in memory).
 * Node 0 is a synthetic root; its children are one synthetic node per root
 * tier ("(modules)", "(running frames)", ...), whose children are the
 * roots of that tier; then one node per heap object, in snapshot order.
 *
 * Edge labels: a snapshot file names each object's shortest-path edge
 * (how its path parent holds it, HS_LBL_*).  hs_edge_labels_fill() gives
 * every edge its kind and name: the path edge its label, every other edge
 * HS_EDGE_REF (a reference the file does not name).
 */
#ifndef HS_EXPORT_H
#define HS_EXPORT_H

#include "hs_graph.h"
#include "hs_progress.h"
#include "hs_roots.h"
#include "hs_snapfile.h"

/* An edge's kind: the HS_LBL_* of a path edge, or this for any other. */
#define HS_EDGE_REF 255u

typedef struct {
    const hs_snapdata *d;    /* objects, types, tiers, graph, labels (label_* may be NULL) */
    const uint32_t *parent;  /* n: path parent (v itself for a root, HS_NONE unreached); may be NULL */
    const uint32_t *name_of; /* n or NULL: index into names[] of a module's, dict's or class's name */
    const char *const *names;
    uint32_t nnames;
} hs_export_in;

/*
 * Every edge's kind (HS_LBL_* or HS_EDGE_REF) and name (a label_strs index,
 * the index itself for HS_LBL_INDEX, HS_NONE when it has none), in edge
 * order.  A node's path edge is the first edge from its parent to it.
 * kind and name each have room for d->graph.m entries.  0 or HS_ENOMEM.
 */
int hs_edge_labels_fill(const hs_export_in *in, uint8_t *kind, uint32_t *name);

/* A snapshot's objects and edges as table columns (Apache Arrow's layout:
 * values, and validity bitmaps with bit i set when row i has a value). */
typedef struct {
    uint64_t *edge_from, *edge_to; /* m: the addresses at each end */
    uint8_t *edge_kind;            /* m: HS_LBL_* or HS_EDGE_REF */
    int32_t *edge_label;           /* m: label_strs index (valid: a named kind with a name) */
    uint8_t *edge_label_valid;     /* bitmap */
    uint32_t *edge_index;          /* m: the index of an HS_LBL_INDEX edge */
    uint8_t *edge_index_valid;     /* bitmap */
    uint8_t *reached;              /* n bits: reached from a root */
    uint8_t *root_valid;           /* n bits: a root (its tier is its kind) */
} hs_columns;

/* Fills `out` (allocating every array); 0 or HS_ENOMEM.  `in->parent` is required. */
int hs_columns_build(const hs_export_in *in, hs_columns *out);
void hs_columns_destroy(hs_columns *c);
/* Bytes of a validity bitmap of `rows` rows. */
static inline size_t hs_bitmap_bytes(size_t rows) {
    return (rows + 7) / 8;
}

/* Writes a DevTools heap snapshot to `path` (via a temporary file and
 * rename).  `progress` may be NULL.  0 or HS_E*. */
int hs_heapsnap_write(const char *path, const hs_export_in *in, hs_progress *progress);

/* The synthetic node names of the root tiers, by tier (1..HS_NTIERS-1). */
extern const char *const hs_tier_names[];

#endif
