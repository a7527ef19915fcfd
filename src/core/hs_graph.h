/*
 * hs_graph: a compact directed graph of heap objects in CSR form.
 *
 * Nodes are 0..n-1.  The out-edges of node v are fwd[fwd_off[v] ..
 * fwd_off[v+1]); the in-edges, once hs_graph_build_reverse() ran, are
 * rev[rev_off[v] .. rev_off[v+1]).  Offsets are uint32_t, so a graph holds
 * at most 2^32-1 edges (HS_ETOOBIG beyond): 4 bytes a node and 4 an edge per
 * direction, which is what lets a 12M-object heap fit in a few hundred MB.
 *
 * Building: the walk visits nodes in index order, so edges arrive grouped by
 * source.  Call hs_graph_begin_node(g, v) for v = 0, 1, 2, ... (each exactly
 * once, in order), hs_graph_add_edge() for its out-edges, and
 * hs_graph_finish(g, n) when done.  Duplicate edges are kept: CPython
 * containers may hold the same object twice, and each holds a reference.
 */
#ifndef HS_GRAPH_H
#define HS_GRAPH_H

#include "hs_core.h"
#include "hs_sizes.h"

typedef struct hs_graph {
    uint32_t n;        /* nodes */
    uint32_t m;        /* edges */
    uint32_t *fwd_off; /* n + 1 */
    uint32_t *fwd;     /* m */
    uint32_t *rev_off; /* n + 1, NULL until hs_graph_build_reverse() */
    uint32_t *rev;     /* m */
    uint32_t *indeg;   /* n, or NULL: in-degrees alone (hs_graph_count_referrers), until rev_off exists */
    size_t off_cap;    /* capacity of fwd_off during building */
    size_t edge_cap;   /* capacity of fwd during building */
} hs_graph;

int hs_graph_init(hs_graph *g, size_t expected_nodes, size_t expected_edges);
void hs_graph_destroy(hs_graph *g);
int hs_graph_begin_node(hs_graph *g, uint32_t v);
int hs_graph_add_edge(hs_graph *g, uint32_t to);
int hs_graph_finish(hs_graph *g, uint32_t n);
/* Builds rev/rev_off from fwd (a counting sort: O(n + m)); frees indeg. */
int hs_graph_build_reverse(hs_graph *g);
/* Counts each node's referrers into indeg, without the lists: 4 bytes a
 * node where the reverse edges take 4 more an edge. */
int hs_graph_count_referrers(hs_graph *g);
/* Frees the reverse edges and the in-degrees, once nothing will ask for
 * them (the dominators need only hs_graph_take_leaves()):
 * hs_graph_in_degree() must not be called again until one of them is
 * rebuilt. */
void hs_graph_drop_reverse(hs_graph *g);
/* v's referrers, counted: from the reverse edges or from indeg (one of them
 * must have been built). */
static inline uint32_t hs_graph_in_degree(const hs_graph *g, uint32_t v) {
    return g->rev_off != NULL ? g->rev_off[v + 1] - g->rev_off[v] : g->indeg[v];
}
size_t hs_graph_bytes(const hs_graph *g);

/*
 * Multi-source breadth-first search over out-edges from `roots`, in the
 * order given: among paths of equal length the one from the earlier root
 * wins, so callers list the roots they prefer first.  A level of the search
 * that holds n / 16 nodes or more is kept as a bit per node and taken in
 * node order (below it, in the order reached): past such a level, a tie
 * goes to the lower-numbered node.  Working memory: n / 4 bytes at most
 * (no queue of every node reached).  Nodes with skip[v] != 0 (may be NULL)
 * are never entered: weak or excluded objects.
 *
 * parent[v] gets the predecessor on a shortest path, v itself for a root,
 * HS_NONE when unreachable; dist (may be NULL) gets the hop count.
 */
int hs_graph_bfs(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                 uint32_t *parent, uint32_t *dist);

/*
 * The same search, continued: nodes that already have a parent keep it, and
 * only the rest are reached from `roots`.  Phased searches use it to take
 * roots of a lower preference only for what the better ones cannot reach.
 */
int hs_graph_bfs_extend(const hs_graph *g, const uint32_t *roots, uint32_t nroots, const uint8_t *skip,
                        uint32_t *parent, uint32_t *dist);

/*
 * What the first k nodes reach, those included: a bit per node in reached
 * (hs_bits.h: hs_bits_words(n) words), with stack (n entries) as scratch.  A census lists
 * the collector's objects alone, which a walk numbers first: it could see
 * only what they reach, not what only a running frame holds.
 */
void hs_graph_reach_from_first(const hs_graph *g, uint32_t k, uint64_t *reached, uint32_t *stack);

/* The leaves with one referrer, one bit a node ((n + 7) / 8 bytes,
 * malloc'ed): nodes with no out-edge and one in-edge, which
 * hs_graph_dominators() does not number.  From the in-degrees, counted
 * first if the graph has neither them nor its reverse edges (a snapshot
 * read from a file); then the referrers are dropped, as nothing after the
 * roots reads them.  NULL when out of memory. */
uint8_t *hs_graph_take_leaves(hs_graph *g);

/*
 * Immediate dominators from a virtual root whose children are `roots`
 * (Semi-NCA: Georgiadis, Tarjan & Werneck, 2006; O(m log n)).  It reads
 * the forward edges only, and `leaves` (from hs_graph_take_leaves(), or
 * NULL to number every node).  Working memory beyond idom and order,
 * which it uses as scratch on the way: 12 bytes per numbered node (none
 * for a leaf with one referrer; 4 more when nearly every node is
 * numbered) and 4 per edge between numbered nodes that can lower a
 * semidominator (not the search tree's, nor one into a root, nor one from
 * a subtree finished between a node's DFS parent and the node); 4 more
 * per node when order is NULL.  idom[v] is HS_NONE for the nodes
 * dominated only by the virtual root (the roots, and what several roots
 * reach) and for unreachable nodes.
 *
 * order (may be NULL, n entries) gets the reachable nodes, in DFS preorder
 * and then the leaves with one referrer, and *norder their number: a
 * node's dominator always comes before it,
 * which hs_graph_retained() relies on.
 */
/* Inner-loop steps of every hs_graph_dominators() call so far: the unit
 * tests check that the work grows linearly with the graph. */
extern unsigned long long hs_graph_dominator_steps;

int hs_graph_dominators(const hs_graph *g, const uint8_t *leaves, const uint32_t *roots, uint32_t nroots,
                        uint32_t *idom, uint32_t *order, uint32_t *norder);

/*
 * Retained size: the shallow sizes of each node's dominator subtree.
 * `order` and `norder` come from hs_graph_dominators().  Unreachable nodes
 * retain their own shallow size.  *retained (empty on entry) gets them in 4
 * bytes a node, v[] from hs_scratch_alloc(), summed there: a sum of 4 GiB or
 * more moves to a hash map as it arises, and from it to the side table,
 * sorted, at the end.  HS_OK or HS_ENOMEM.
 */
int hs_graph_retained(uint32_t n, const uint32_t *idom, const uint32_t *order, uint32_t norder,
                      const hs_sizes *shallow, hs_sizes *retained);

/* Frees retained sizes whose v[] came from hs_scratch_alloc() (this or the
 * file reader) and zeroes them; an empty one does nothing. */
void hs_graph_retained_destroy(hs_sizes *retained);

#endif
