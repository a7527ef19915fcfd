/*
 * hs_story: leaked objects grouped into stories, over integers only.
 *
 * A story is a path shape: the shape of a node is intern(shape of its
 * parent on the shortest-path forest, its type, the generalised label of
 * the edge from its parent) in an hs_group trie, so objects held the same
 * way share one id; along a chain (a node held by one of its own type the
 * same way that one is held) the shape repeats, so a linked list is one
 * story.  What the edge label is depends on who can look: the live glue
 * reads the containers (a dict value, a list index), a snapshot file only
 * has the edge's position.  That is the one callback here.
 *
 * Also here: folding objects retained by a leaked object of the same type
 * into it (leaked ancestors on the dominator tree), payload (objects of
 * built-in types inside another type's leaked objects), story accumulation,
 * per-type budgets and order, and the top-N retained-size selection shared
 * by live and offline reports.
 */
#ifndef HS_STORY_H
#define HS_STORY_H

#include "hs_graph.h"
#include "hs_group.h"
#include "hs_typeids.h"

/* Generalised edge tokens (the third element of a shape tuple). */
enum {
    HS_TOK_ROOT = 1, /* detail: the root's tier */
    HS_TOK_VALUE,    /* a dict value */
    HS_TOK_NAMED,    /* an attribute dict's value; detail: the key's node */
    HS_TOK_KEY,      /* a dict key */
    HS_TOK_INDEX,    /* a list or tuple item */
    HS_TOK_MEMBER,   /* a set member */
    HS_TOK_EDGE,     /* anything else; detail: the edge's position in its parent */
};

/* The edge parent -> child as (kind, detail); 0 or a negative HS_E* code. */
typedef int (*hs_edge_token_fn)(void *ctx, uint32_t parent, uint32_t child, uint32_t *kind, uint32_t *detail);

/*
 * The shape id of node v, memoised in shape[] (HS_NONE = not yet computed;
 * the caller fills it before the first call).  parent[] is the shortest-path
 * forest (parent[r] == r for a root; v must be reachable), tier[] the root
 * tiers.  stack needs room for the longest path.  0 or HS_E*.
 */
int hs_path_shape(hs_group *trie, const uint32_t *parent, const hs_type_ids *type_id, const uint8_t *tier,
                  hs_edge_token_fn token, void *ctx, uint32_t *shape, uint32_t *stack, uint32_t v,
                  uint32_t *out);

/* The position of the edge p -> v among p's out-edges, when p has at most
 * HS_EDGE_POSITIONS of them (fixed-layout objects: which field it is);
 * HS_NONE otherwise: an object holding more is a container whose edges are
 * alike (a C object's list of callbacks), and must not split a story. */
#define HS_EDGE_POSITIONS 16
uint32_t hs_edge_position(const hs_graph *g, uint32_t p, uint32_t v);

/*
 * anc[v]: the nearest strict dominator of v that is leaked, or HS_NONE.
 * A story leaves out objects retained by a leaked object of the same type,
 * so a leaked linked list is counted once.  stack: n entries.
 */
void hs_leaked_ancestors(uint32_t n, const uint32_t *idom, const uint8_t *leaked, uint32_t *anc,
                         uint32_t *stack);

typedef struct {
    uint32_t shape;
    uint32_t orig; /* index in order of first appearance */
    uint32_t rep;  /* representative object: the first seen */
    uint32_t type_id;
    uint64_t count;
    uint64_t size;
    uint64_t retained;
} hs_story;

/* Objects of another type inside a story's leaked objects (dominated by
 * them): a Conn's dict and buffer.  They are counted in the story that
 * holds them instead of getting stories of their own. */
typedef struct {
    uint32_t story; /* orig of the story */
    uint32_t type_id;
    uint64_t count;
    uint64_t size;
} hs_payload;

typedef struct {
    hs_story *items;
    uint32_t n;
    size_t cap;
    hs_addrmap by_shape; /* shape -> orig */
    hs_payload *payload;
    uint32_t npayload;
    size_t pcap;
    hs_addrmap payload_of; /* (story, type) -> index in payload */
} hs_story_set;

int hs_story_set_init(hs_story_set *set);
void hs_story_set_destroy(hs_story_set *set);
/* Adds object v (of shape `shape`) to its story; 0 or HS_ENOMEM. */
int hs_story_set_add(hs_story_set *set, uint32_t shape, uint32_t v, uint32_t type_id, uint64_t size,
                     uint64_t retained);
/* Counts an object of type `type_id` as payload of the story of `shape`
 * (which must exist: HS_EINVAL otherwise); 0 or HS_E*. */
int hs_story_set_add_payload(hs_story_set *set, uint32_t shape, uint32_t type_id, uint64_t size);
/* The story of a shape, by its first-appearance index; 0 when none. */
int hs_story_set_find(const hs_story_set *set, uint32_t shape, uint32_t *orig);
/* Largest retained size first, then count, then the representative's index. */
void hs_story_set_sort(hs_story_set *set);

/*
 * The stories to show, in order: at most `per_type` of each type (a type
 * with one big story does not take every other type's place); their
 * indexes into set->items go to shown[] (room for set->n).  Returns how
 * many.  type_count: room for every type id, zeroed by the caller.
 */
uint32_t hs_story_set_pick(const hs_story_set *set, uint32_t per_type, uint32_t *type_count, uint32_t *shown);

/*
 * The top leaked ancestor of v on the dominator tree: follow anc[] (from
 * hs_leaked_ancestors) to a leaked node no leaked node dominates.  v itself
 * when nothing leaked dominates it.
 */
uint32_t hs_leaked_top(const uint32_t *anc, uint32_t v);

/*
 * The nearest common ancestor of a story's members' holders in the path
 * forest (parent[r] == r at a root): the hops down to it are the same edges
 * for every member, so a story can name them exactly ("['default']" where
 * the shape says "[<str>]").  Zero the struct, then add each member's
 * holder (its parent; a root adds itself).  `node` is HS_NONE until the
 * first holder; `depth` becomes HS_NONE (for good) when two holders lie
 * under different roots, a holder is unreachable, or the walks have used
 * up *budget steps (each add walks its holder's path once).
 */
typedef struct hs_common_anc {
    uint32_t node;  /* HS_NONE (after init) until the first holder */
    uint32_t depth; /* node's hops from its root, or HS_NONE: no common ancestor */
} hs_common_anc;

void hs_common_anc_init(hs_common_anc *c);
void hs_common_anc_add(hs_common_anc *c, const uint32_t *parent, uint32_t v, uint64_t *budget);

/*
 * The `top` eligible nodes retaining most, largest first, into best[]
 * (room for `top`); returns how many.  Ties keep the lower index first.
 */
uint32_t hs_top_retained(uint32_t n, const hs_sizes *retained, const uint8_t *eligible, uint32_t top,
                         uint32_t *best);

#endif
