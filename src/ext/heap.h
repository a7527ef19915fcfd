/*
 * The object graph glue's shared definitions: the Snapshot object (the
 * graph of one heap walk as integers, plus the answers computed from it)
 * and the live context that exists only inside analyze(), while the
 * raw-pointer window (window.h) is open.
 *
 * The files, in pipeline order:
 *   analyze.c    analyze(): walk, types and sizes, roots, paths, dominators,
 *                stories, then the window closes and allocation sites are read
 *   roots.c      root tiers: refcount subtraction, modules, interpreter
 *                internals, running frames, heapscope's own objects
 *   paths.c      one hop list per path, live or offline (they differ only in
 *                how an edge is named), and the top retainers
 *   stories.c    leaked objects grouped by path shape, their facts and
 *                allocation sites; born_after() between two snapshots
 *   snapshot.c   the Snapshot type: queries, save, load
 * The integer algorithms they call live in src/core/.
 */
#ifndef HS_HEAP_H
#define HS_HEAP_H

#include "../core/hs_addrmap.h"
#include "../core/hs_bits.h"
#include "../core/hs_objindex.h"
#include "../core/hs_graph.h"
#include "../core/hs_roots.h"
#include "../core/hs_story.h"
#include "../core/hs_typeids.h"
#include "errors.h"
#include "labels.h"
#include "state.h"

/* The root kind of each tier, as reports say it. */
extern const char *const hs_tier_kind[HS_NTIERS];

/* What a snapshot of paths alone (leaves_out) says when asked for retained sizes. */
#define HS_NO_RETAINED_SIZES                                                                                 \
    "this snapshot left out the objects that reference nothing (a why without dominators): it has no "       \
    "retained sizes; take heapscope.snapshot() for them"

typedef struct {
    PyObject_HEAD uint32_t n;
    uint32_t ntypes;
    uint32_t nroots;
    uintptr_t *addr;     /* n: object addresses (integers, never dereferenced) */
    hs_type_ids type_id; /* n (2 bytes each while the types number 65,536 at most): hs_heap_type */
    hs_sizes size;       /* n shallow sizes, 4 bytes each (hs_heap_size) */
    uint8_t *tier;       /* n: HS_TIER_* of roots, 0 otherwise */
    uint32_t *parent;    /* n: BFS parent; the node itself for a root; HS_NONE unreachable */
    uint32_t *idom;      /* n or NULL: immediate dominator, HS_NONE below the virtual root */
    hs_sizes retained;   /* n retained sizes in 4 bytes each (hs_heap_retained); v NULL until computed */
    hs_graph graph;
    hs_objindex index; /* address -> node */
    char **type_names;
    uintptr_t *type_addr;
    double seconds[5];     /* walk, roots, dominators, paths, answers */
    int from_file;         /* arrays were malloc'ed by the core's file reader */
    int leaves_out;        /* paths alone: nothing that references nothing, unless asked */
    PyObject *results;     /* dict of the answers computed while the heap was live */
    PyObject *names;       /* dict: node -> name of modules, their dicts and classes (for files) */
    PyObject *stack_names; /* dict: node -> name of running frames' locals that are roots, or NULL */
    uint8_t *label_kind;   /* n or NULL: HS_LBL_* of each node's path edge (malloc'ed) */
    uint32_t *label_name;  /* n or NULL: its name's index in label_strs (or the index) */
    char **label_strs;
    uint32_t nlabel_strs;
} hs_snapshot_object;

/* The live context: valid only inside analyze(), GC paused, window open. */
typedef struct {
    hs_snapshot_object *s;
    PyObject **objs;      /* the walk's array */
    uint8_t *skip;        /* nodes the path search must not enter (NULL once it ran) */
    hs_addrmap modmap;    /* module or module-dict node -> index in modnames */
    PyObject *modnames;   /* list of str */
    PyObject *stackinfo;  /* dict: node (int) -> frame info dict */
    uint32_t *root_cells; /* cells that are roots: a running frame's cell variables */
    uint32_t nroot_cells;
    uint32_t sysmodules;     /* node of the sys.modules dict, or HS_NONE */
    uint32_t atexit_list;    /* node of atexit's callback list (3.14+), or HS_NONE */
    Py_ssize_t atexit_count; /* its length, asked before the window (-1: unknown) */
    uint64_t *referenced;    /* a bit per node some edge reaches, while the roots are found, or NULL */
    uint32_t ntracked;       /* nodes 0 .. ntracked-1 are the collector's listing (hs_walk) */
    const char *tool_dir;    /* heapscope's package directory, or NULL */
} hs_live;

/* A node's shallow size. */
static inline uint64_t hs_heap_size(const hs_snapshot_object *s, uint32_t v) {
    return hs_sizes_get(&s->size, v);
}

/* A node's type id (an index in type_names). */
static inline uint32_t hs_heap_type(const hs_snapshot_object *s, uint32_t v) {
    return hs_type_ids_get(&s->type_id, v);
}

/* A node's retained size: its shallow size until the dominators ran. */
static inline uint64_t hs_heap_retained(const hs_snapshot_object *s, uint32_t v) {
    return s->retained.v != NULL ? hs_sizes_get(&s->retained, v) : hs_heap_size(s, v);
}

/* Node of an object address, or HS_NONE. */
static inline uint32_t hs_heap_node(const hs_snapshot_object *s, const void *obj) {
    uint32_t v;
    if (obj == NULL || !hs_objindex_get(&s->index, (uintptr_t)obj, &v))
        return HS_NONE;
    return v;
}

/* Hop kinds, NULL-terminated (paths.c): exported as HOP_KINDS. */
extern const char *const hs_hop_kinds[];

/* roots.c */
int hs_roots_modules(hs_live *L);
void hs_roots_interp(hs_live *L);
int hs_roots_stacks(hs_live *L);
void hs_roots_mark_own(hs_snapshot_object *s, PyObject *obj);
/* References from heapscope's own objects that the walk left out (this
 * call's argument tuple and keyword dict, the lists made from them, the
 * Snapshots it met): before the
 * refcount roots, hs_roots_own_refs takes them off the referenced nodes'
 * counts (refcnt, by node), so they are not taken for C's; after,
 * hs_roots_own_mark makes what they reference a root of heapscope's own
 * where nothing else made it one, and frees.  0, or -1 out of memory. */
typedef struct {
    uint32_t *nodes; /* the referenced nodes */
    size_t n, cap;
    int error;
    hs_snapshot_object *s;
    uint32_t *refcnt;
} hs_own_refs;
int hs_roots_own_refs(hs_own_refs *r, PyObject *const *objs, size_t nobjs, PyObject *const *snaps,
                      size_t nsnaps);
void hs_roots_own_mark(hs_own_refs *r);
/* A census walk (no graph): calls each(o, arg) for every object the walk
 * counted that only the Snapshots it left out hold, directly or through
 * dicts, lists and tuples only they hold (refcounts against the references
 * from them).  Inside the window: reads, PyDict_Next on exact dicts, list
 * and tuple traverse, PyMem_Raw only.  0, or -1 with an exception. */
struct hs_walk;
int hs_roots_own_each(const struct hs_walk *walk, int (*each)(PyObject *o, void *arg), void *arg);
uint32_t hs_roots_module_of(const hs_live *L, uint32_t v); /* module name index, or HS_NONE */
/* node -> name of each module, module dict and class (kept in snapshot files). */
PyObject *hs_roots_node_names(hs_live *L);
PyObject *hs_roots_stack_names(hs_live *L); /* locals that are roots, by name (kept snapshots) */

/* edgelabels.c: label_* for every node's path edge, for snapshot files
 * (inside the window); 0, or -1 with an exception. */
int hs_edge_labels(hs_live *L);

/* paths.c: the path to v as {"root", "hops", "length"}; L NULL for a
 * snapshot without live objects (a file). */
PyObject *hs_path_render(hs_live *L, hs_snapshot_object *s, uint32_t v);
/* The n nodes retaining most, with their paths (live when L is given). */
PyObject *hs_path_why(hs_snapshot_object *s, uint32_t v);   /* a kept snapshot's why-alive answer */
PyObject *hs_path_types(hs_snapshot_object *s, uint32_t v); /* [(type, address)] from its root */
PyObject *hs_path_top_retainers(hs_live *L, hs_snapshot_object *s, Py_ssize_t top);
/* The nodes root -> v, root first; NULL with *len 0 when unreachable. */
uint32_t *hs_path_nodes(const hs_snapshot_object *s, uint32_t v, uint32_t *len);

/* stories.c; sites.c */
typedef struct hs_site_samples hs_site_samples;
struct hs_site_samples {
    PyObject **obj; /* strong references taken inside the window */
    uint32_t *rank; /* story rank of each */
    uint32_t n;
    uint32_t nshown;
};
PyObject *hs_stories(hs_live *L, PyObject *type_names, PyObject *subjects, PyObject *baseline,
                     Py_ssize_t max_stories, hs_site_samples *samples);
/* sites.c: the shown stories' allocation sites */
int hs_story_samples(hs_live *L, uint32_t nshown, const uint32_t *shown, const hs_story_set *set,
                     const uint8_t *leaked, const uint32_t *shape, hs_site_samples *sm);
int hs_story_sites(PyObject *stories, const hs_site_samples *sm, PyObject *tb_fn, PyObject *exclude);
void hs_samples_clear(hs_site_samples *sm);
PyObject *hs_snapshot_born_after(PyObject *self, PyObject *args);

/* snapshot.c */
/* Shortest paths from the roots in phases (src/core/hs_roots.c); fills s->parent. 0, or -1 with MemoryError.
 */
int hs_snapshot_search_paths(hs_snapshot_object *s, const uint8_t *exclude, const uint8_t *skip);
int hs_snapshot_ensure_indexed(hs_snapshot_object *s);
int hs_snapshot_ensure_paths(hs_snapshot_object *s); /* reverse edges and parents, no address index */
int hs_snapshot_ensure_index(hs_snapshot_object *s);
int hs_snapshot_ensure_dominators(hs_snapshot_object *s);
int hs_snapshot_compute_dominators(hs_snapshot_object *s);

#endif
