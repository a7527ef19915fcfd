/*
 * hs_roots: roots of the heap graph, over integers.
 *
 * A root is what the collector cannot explain: an object whose reference
 * count is larger than the references heap objects hold to it (refcount
 * subtraction).  The glue then sorts roots into tiers (what a module holds,
 * a running frame's local, interpreter internals, heapscope's own), and the
 * path search takes them in phases: each phase reaches only what the
 * earlier ones could not, so a path starts where a Python developer's
 * answer does.
 */
#ifndef HS_ROOTS_H
#define HS_ROOTS_H

#include "hs_graph.h"

/* Root tiers, in the order the path search prefers them.  0: not a root. */
enum {
    HS_TIER_NONE = 0,
    HS_TIER_MODULE = 1, /* sys.modules, a module or its globals */
    HS_TIER_STACK = 2,  /* a running frame's local (or the frame, < 3.11) */
    HS_TIER_C = 3,      /* a reference from C code the graph cannot see */
    HS_TIER_INTERP = 4, /* interpreter internals: static types, immortal objects */
    HS_TIER_TOOL = 5,   /* heapscope's own frames */
    HS_NTIERS = 6,
};

/* The refcount of an immortal object (or one past 32 bits). */
#define HS_REFCNT_IMMORTAL UINT32_MAX

/*
 * Marks tier[v] = HS_TIER_C for every node with more references than the
 * graph's in-edges explain (the listing's own reference subtracted for the
 * first `ntracked` nodes when `listed_ref`), or immortal; returns how many.
 * The in-degrees come from the reverse edges or hs_graph_count_referrers();
 * when the graph has neither, each edge is taken off its target's count in
 * refcnt[] itself (never below 0, an immortal count left as it is), which
 * then holds the references nothing in the graph explains: a walk for paths
 * alone needs no 4 bytes a node for the in-degrees beside the counts.
 * referenced (may be NULL; hs_bits.h, hs_bits_words(n) zeroed words) gets a bit for each
 * node that some edge reaches.
 */
uint32_t hs_roots_by_refcount(const hs_graph *g, uint32_t *refcnt, uint32_t ntracked, int listed_ref,
                              uint8_t *tier, uint64_t *referenced);

/*
 * The roots of the listed tiers (`tiers` 0-terminated; NULL for all, in
 * preference order) in that order, `exclude` (may be NULL) left out, into
 * out[] (room for every root); returns how many.
 */
uint32_t hs_roots_ordered(uint32_t n, const uint8_t *tier, const uint8_t *tiers, const uint8_t *exclude,
                          uint32_t *out);

/*
 * Shortest paths from the roots, in phases: modules first, then references
 * from C (what outlives a call), then running frames, then interpreter
 * internals, then heapscope's own frames.  A module's path wins over a
 * nearer reference from C: the reference a running frame's evaluation
 * stack holds looks like one from C (no traversal sees it), and an object a
 * module reaches stays alive through that path whatever C code does.
 * parent[] as hs_graph_bfs(); skip (may be NULL) is never entered.
 * 0 or HS_ENOMEM.
 */
int hs_roots_search(const hs_graph *g, const uint8_t *tier, const uint8_t *exclude, const uint8_t *skip,
                    uint32_t *parent);

#endif
