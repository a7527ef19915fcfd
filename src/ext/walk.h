/*
 * The heap walk: list every live object once into a C array.
 *
 * 1. The GC's tracked objects (PyUnstable_GC_VisitObjects on 3.12+,
 *    gc.get_objects() before) go first, at indexes 0 .. ntracked-1.
 * 2. Then every object in the array, in index order, is traversed
 *    (tp_traverse; exact dicts through PyDict_Next so that str keys count
 *    too); each object it references that is not yet known (untracked
 *    str, int, bytes, atom-only tuples and dicts, ...) is appended, and is
 *    traversed in its turn.
 *
 * With with_graph, every reference becomes an edge of an hs_graph (built in
 * CSR order for free, since node i's edges are recorded while node i is
 * traversed).  No Python code runs and no Python object is allocated per
 * heap object; heapscope's own objects (the listing list, instances of the
 * extension's types) are left out.  The caller keeps the collector paused
 * (hs_gc_pause) from before the walk until it stops using the pointers.
 */
#ifndef HS_WALK_H
#define HS_WALK_H

#include "../core/hs_addrmap.h"
#include "../core/hs_graph.h"
#include "../core/hs_markset.h"
#include "../core/hs_objindex.h"
#include "../core/hs_progress.h"
#include "state.h"

/* Progress of walks, analyses and snapshot files on stderr, when the CLI
 * turned it on (set_progress: stderr is a terminal, no --quiet); off (fd -1)
 * otherwise, and always in an attached target. */
extern hs_progress hs_progress_now;

#define HS_WALK_MAX_SKIP_TYPES 4
#define HS_WALK_MAX_SKIP_OBJS 8
#define HS_WALK_PENDING 32

typedef struct hs_walk {
    PyObject **objs; /* borrowed pointers, valid while the GC is paused */
    uint32_t n;
    size_t cap;
    uint32_t ntracked; /* objs[0 .. ntracked) came from the GC's list */
    int with_graph;
    int listed_with_ref;        /* the GC listing holds a reference to each tracked object */
    const char *listed_by;      /* how the tracked objects were listed (for tests and timings) */
    Py_ssize_t frozen;          /* objects listed from the permanent generation (gc.freeze()) */
    Py_ssize_t frozen_unlisted; /* frozen objects it could not list (layout not recognised) */
    /* Set by the caller: called once per object, in index order, while the
     * object is in cache for its traversal (the census counts here). */
    int (*each)(PyObject *op, void *arg);
    void *each_arg;
    hs_objindex index; /* address -> index (graph walks) */
    hs_markset marks;  /* the objects known so far (census walks, without a graph) */
    hs_graph graph;
    PyObject *gc_list; /* strong, < 3.12 */
    PyTypeObject *skip_types[HS_WALK_MAX_SKIP_TYPES];
    /* Set by the caller: objects of its own the walk leaves out (a call's
     * argument tuple and keyword dict); NULL entries are ignored. */
    PyObject *skip_objs[HS_WALK_MAX_SKIP_OBJS];
    int nskip_objs;
    int nskip;
    /* Set by the caller (graph walks): leave out the objects that can
     * reference nothing (types without the GC flag: str, int, float, bytes,
     * ...) except those in keep[] (sorted addresses).  Such an object is
     * never inside a path, only at its end, so a walk for paths alone needs
     * only the ones asked about: the graph of the benchmark's heap is half
     * the nodes.  Their sizes, and so retained sizes, are then missing. */
    int leaves_out;
    const uintptr_t *keep;
    size_t nkeep;
    int error; /* HS_E* code from inside a visit callback */
    /* The heapscope Snapshots the walk met and left out (each
     * once); what they hold is heapscope's (analyze.c, census.c). */
    PyObject **own_seen;
    size_t nown_seen, cap_own_seen;
    PyTypeObject *own_type; /* the Snapshot type (hs_walk_run sets it) */
    /* The references of the object being traversed, fetched ahead and
     * taken in order a batch at a time (walk.c). */
    PyObject *pending[HS_WALK_PENDING];
    int npending;
    double seconds_list, seconds_traverse; /* where the time went */
} hs_walk;

/* Walks the heap; 0 on success, -1 with a Python exception set. */
int hs_walk_run(hs_walk *w, hs_state *st, int with_graph);
/* Releases everything the walk holds; safe on a zeroed struct. */
void hs_walk_clear(hs_walk *w);

/* Pausing the cyclic collector around code that holds raw pointers.
 * hs_gc_pause returns the previous state (1 enabled, 0 disabled) or -1. */
int hs_gc_pause(hs_state *st);
int hs_gc_resume(hs_state *st, int was_enabled);

#endif
