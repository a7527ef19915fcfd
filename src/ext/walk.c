#include "walk.h"

#include "window.h"

#include <string.h>
#include <time.h>

static double hs__walk_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int hs__walk_skipped(const hs_walk *w, PyObject *o) {
    PyTypeObject *tp = Py_TYPE(o);
    int i;
    if (o == w->gc_list)
        return 1;
    for (i = 0; i < w->nskip; i++)
        if (tp == w->skip_types[i])
            return 1;
    for (i = 0; i < w->nskip_objs; i++)
        if (o == w->skip_objs[i])
            return 1;
    return 0;
}

static int hs__walk_append(hs_walk *w, PyObject *o) {
    if (w->n == HS_NONE - 1) {
        w->error = HS_ETOOBIG;
        return -1;
    }
    if (w->n >= w->cap) {
        size_t ncap = w->cap < 1024 ? 1024 : w->cap + w->cap / 2;
        PyObject **p = PyMem_RawRealloc(w->objs, ncap * sizeof(PyObject *));
        if (p == NULL) {
            w->error = HS_ENOMEM;
            return -1;
        }
        w->objs = p;
        w->cap = ncap;
    }
    w->objs[w->n++] = o;
    return 0;
}

/* In a walk that leaves out leaves: is `o` (not yet known) one to leave
 * out?  Reads o's type, as registering it would. */
static int hs__walk_left_out(const hs_walk *w, PyObject *o) {
    size_t lo = 0, hi = w->nkeep;
    if (PyType_IS_GC(Py_TYPE(o)))
        return 0;
    while (lo < hi) { /* one of the objects asked about? */
        size_t mid = lo + (hi - lo) / 2;
        if (w->keep[mid] == (uintptr_t)o)
            return 0;
        if (w->keep[mid] < (uintptr_t)o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 1;
}

/* A Snapshot the walk leaves out, noted once: its answers are Python
 * objects only it holds.  0, or -1 on error. */
static int hs__walk_note_own(hs_walk *w, PyObject *o) {
    size_t i;
    if (Py_TYPE(o) != w->own_type)
        return 0;
    for (i = 0; i < w->nown_seen; i++)
        if (w->own_seen[i] == o)
            return 0;
    if (w->nown_seen == w->cap_own_seen) {
        size_t ncap = w->cap_own_seen ? w->cap_own_seen * 2 : 8;
        PyObject **p = PyMem_RawRealloc(w->own_seen, ncap * sizeof(PyObject *));
        if (p == NULL) {
            w->error = HS_ENOMEM;
            return -1;
        }
        w->own_seen = p;
        w->cap_own_seen = ncap;
    }
    w->own_seen[w->nown_seen++] = o;
    return 0;
}

/* Registers o, and the edge from the node being traversed.  A known object
 * is recognised by its address alone, without reading the object (most
 * references lead to known objects: a cache miss saved each); only a new
 * one is read, to leave out heapscope's own. */
/* Graph mode: o's node, appended if new; 1, or 0 for an object left out,
 * -1 on error. */
static int hs__walk_node(hs_walk *w, PyObject *o, uint32_t *idx) {
    int rc;
    if (hs_objindex_get(&w->index, (uintptr_t)o, idx))
        return 1;
    if (w->leaves_out && hs__walk_left_out(w, o))
        return 0;
    if (hs__walk_skipped(w, o))
        return hs__walk_note_own(w, o);
    *idx = w->n;
    rc = hs_objindex_put(&w->index, (uintptr_t)o, *idx, NULL);
    if (rc < 0) {
        w->error = rc;
        return -1;
    }
    return hs__walk_append(w, o) < 0 ? -1 : 1;
}

static int hs__walk_take(hs_walk *w, PyObject *o) {
    uint32_t idx;
    int rc;
    if (!w->with_graph) { /* a census: membership only, one bit per object */
        rc = hs_markset_add(&w->marks, (uintptr_t)o);
        if (rc < 0) {
            w->error = rc;
            return -1;
        }
        if (rc != 1)
            return 0;
        return hs__walk_skipped(w, o) ? hs__walk_note_own(w, o) : hs__walk_append(w, o);
    }
    rc = hs__walk_node(w, o, &idx);
    if (rc <= 0)
        return rc;
    rc = hs_graph_add_edge(&w->graph, idx);
    if (rc < 0) {
        w->error = rc;
        return -1;
    }
    return 0;
}

/* Takes the pending references, in the order they were visited. */
static int hs__walk_flush(hs_walk *w) {
    int k, n = w->npending;
    w->npending = 0;
    for (k = 0; k < n; k++)
        if (hs__walk_take(w, w->pending[k]) < 0)
            return -1;
    return 0;
}

/* The visitproc.  A reference is only queued, with its object fetched
 * ahead: the objects a node references are scattered, and one not known
 * yet (or, in a walk for paths alone, a leaf) is read when taken, so a
 * batch of such reads overlap instead of each waiting for memory. */
static int hs__walk_visit(PyObject *o, void *arg) {
    hs_walk *w = (hs_walk *)arg;
    if (o == NULL)
        return 0;
    __builtin_prefetch(o);
    w->pending[w->npending++] = o;
    return w->npending == HS_WALK_PENDING ? hs__walk_flush(w) : 0;
}

/* Appends a tracked object from the GC's listing; indexed afterwards, once
 * the count is known and the map can be sized for the whole heap. */
static int hs__walk_list_one(hs_walk *w, PyObject *o) {
    if (hs__walk_skipped(w, o))
        return hs__walk_note_own(w, o);
    return hs__walk_append(w, o);
}

static int hs__walk_gc_cb(PyObject *o, void *arg) {
    return hs__walk_list_one((hs_walk *)arg, o) < 0 ? 0 : 1;
}

/* gc.get_freeze_count(): the permanent generation's size, or -1 with an
 * exception.  Called before the listing: no raw pointer is held yet. */
static Py_ssize_t hs__walk_freeze_count(hs_state *st) {
    PyObject *count = PyObject_CallNoArgs(st->gc_get_freeze_count);
    Py_ssize_t n = count != NULL && PyLong_CheckExact(count) ? PyLong_AsSsize_t(count) : -1;
    if (n < 0 && !PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "gc.get_freeze_count() did not return a count");
    Py_XDECREF(count);
    return n;
}

#if !HS_FRAME_LOCALS_ARE_ROOTS
/* A running frame the collector does not track yet: listed, as tracked
 * objects are (on failure w->error says why). */
static int hs__walk_list_frame(PyThreadState *ts, PyFrameObject *f, void *arg) {
    (void)ts;
    return PyObject_GC_IsTracked((PyObject *)f) ? 0 : hs__walk_append((hs_walk *)arg, (PyObject *)f);
}
#endif

/* The collector's objects; before 3.14 the permanent generation's
 * (gc.freeze()) after the others, as no listing of the interpreter's
 * includes them.  What can run Python or allocate comes first. */
static int hs__walk_list_tracked(hs_walk *w, hs_state *st) {
    Py_ssize_t frozen = hs__walk_freeze_count(st);
#if !HS_GC_LISTS_PERMANENT
    uintptr_t gen0;
#endif
    if (frozen < 0)
        return -1;
#if !HS_GC_LISTS_PERMANENT
    gen0 = hs_compat_gc_generation0();
#endif
#if HS_HAVE_GC_VISIT_OBJECTS
    PyUnstable_GC_VisitObjects(hs__walk_gc_cb, w);
    w->listed_with_ref = 0;
    w->listed_by = "PyUnstable_GC_VisitObjects";
#else
    Py_ssize_t i, len;
    int rc = hs_compat_gc_visit_generations(gen0, hs__walk_gc_cb, w);
    w->listed_with_ref = 0;
    w->listed_by = "generation lists";
    if (rc == 1 && w->error == 0) { /* layout not recognised: gc.get_objects() */
        w->n = 0;
        w->gc_list = PyObject_CallNoArgs(st->gc_get_objects);
        if (w->gc_list == NULL)
            return -1;
        if (!PyList_Check(w->gc_list)) {
            PyErr_SetString(PyExc_TypeError, "gc.get_objects() did not return a list");
            return -1;
        }
        len = PyList_GET_SIZE(w->gc_list);
        for (i = 0; i < len; i++)
            if (hs__walk_list_one(w, PyList_GET_ITEM(w->gc_list, i)) < 0)
                break;
        w->listed_with_ref = 1;
        w->listed_by = "gc.get_objects()";
    }
#endif
#if HS_GC_LISTS_PERMANENT
    w->frozen = frozen; /* PyUnstable_GC_VisitObjects listed them */
#else
    if (frozen > 0 && w->error == 0) {
        uint32_t listed = w->n;
        if (w->listed_with_ref || hs_compat_gc_visit_permanent(gen0, hs__walk_gc_cb, w, frozen) == 1) {
            w->n = listed; /* not the list it counted: take back what was appended */
            w->frozen_unlisted = frozen;
        } else
            w->frozen = frozen;
    }
#endif
    if (w->error != 0) {
        PyErr_Format(PyExc_MemoryError, "heapscope: listing objects failed: %s", hs_strerror(w->error));
        return -1;
    }
    w->ntracked = w->n;
#if !HS_FRAME_LOCALS_ARE_ROOTS
    /* Before 3.11 a running function's frame is an object that holds its
     * locals, but the GC does not track it until it outlives the call: add
     * every thread's running frames so their locals are in the graph.  A
     * census leaves them out, as from 3.11 (the locals are seeded in graph
     * mode only): it counts what the heap holds, and in a target the running
     * frames include the attach agent's, whose locals change with each
     * request (counted, they were a leak of strs on a second attach). */
    if (w->with_graph && hs_compat_each_running_frame(hs__walk_list_frame, w) < 0)
        return 0; /* w->error says it */
#endif
    return 0;
}

/* Indexes (marks) the listed objects, so that a reference to one of them is
 * known by its address.  Objects gc.freeze() moved out of the listing are
 * found by the traversal, as the untracked ones are. */
static int hs__walk_index_tracked(hs_walk *w) {
    uint32_t i;
    int rc =
        w->with_graph ? hs_objindex_init(&w->index, (size_t)w->ntracked * 2) : hs_markset_init(&w->marks);
    if (rc != HS_OK) {
        w->error = rc;
        return -1;
    }
    for (i = 0; i < w->n; i++) {
        rc = w->with_graph ? hs_objindex_put(&w->index, (uintptr_t)w->objs[i], i, NULL)
                           : hs_markset_add(&w->marks, (uintptr_t)w->objs[i]);
        if (rc < 0) {
            w->error = rc;
            return -1;
        }
    }
    return 0;
}

/* Has the node being traversed already an edge to `o`?  (Graph mode.) */
static int hs__walk_has_edge_to(const hs_walk *w, PyObject *o) {
    uint32_t idx, e;
    if (!hs_objindex_get(&w->index, (uintptr_t)o, &idx))
        return 0;
    for (e = w->graph.fwd_off[w->graph.n - 1]; e < w->graph.m; e++)
        if (w->graph.fwd[e] == idx)
            return 1;
    return 0;
}

/* Visits everything `op` references.  Never runs Python code: tp_traverse
 * only calls the visitproc, and PyDict_Next only reads the table. */
static int hs__walk_traverse_refs(hs_walk *w, PyObject *op) {
    PyTypeObject *tp = Py_TYPE(op);
    if (PyDict_CheckExact(op)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(op, &pos, &key, &value)) {
            if (hs__walk_visit(key, w) < 0 || hs__walk_visit(value, w) < 0)
                return -1;
        }
        return 0;
    }
    if (PyType_IS_GC(tp) && tp->tp_traverse != NULL && (tp->tp_is_gc == NULL || tp->tp_is_gc(op))) {
        if (tp->tp_traverse(op, hs__walk_visit, w) != 0)
            return -1;
    } else if (PyCode_Check(op)) { /* not a GC type: its references, read from its fields */
        const char *labels[HS_CODE_REFS_MAX];
        PyObject *refs[HS_CODE_REFS_MAX];
        int k, n = hs_compat_code_refs((PyCodeObject *)op, labels, refs);
        for (k = 0; k < n; k++)
            if (hs__walk_visit(refs[k], w) < 0)
                return -1;
    }
    if (PyType_Check(op)) { /* a class's subclass registry: no traverse visits it */
        PyObject *sub = hs_compat_type_subclasses((PyTypeObject *)op);
        if (sub != NULL && hs__walk_visit(sub, w) < 0)
            return -1;
    }
    /* A materialised managed __dict__ is a strong reference that tp_traverse
     * skips while the attributes also live inline (3.13). */
    if (tp->tp_flags & HS_TPFLAGS_MANAGED_DICT) {
        PyObject *d = hs_compat_instance_dict(op);
        if (hs__walk_flush(w) < 0) /* the edges so far are looked at below */
            return -1;
        if (d != NULL && (!w->with_graph || !hs__walk_has_edge_to(w, d)) && hs__walk_visit(d, w) < 0)
            return -1;
    }
    if (PyDict_Check(op) && !hs_compat_dict_traverse_visits_keys(op)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(op, &pos, &key, &value))
            if (hs__walk_visit(key, w) < 0)
                return -1;
    }
    return 0;
}

/* ...and takes them all before the next object is traversed. */
static int hs__walk_traverse(hs_walk *w, PyObject *op) {
    if (hs__walk_traverse_refs(w, op) < 0) {
        w->npending = 0;
        return -1;
    }
    return hs__walk_flush(w);
}

#if HS_FRAME_LOCALS_ARE_ROOTS
static int hs__walk_seed_local(PyObject *name, PyObject *value, void *arg) {
    uint32_t idx;
    (void)name;
    return hs__walk_node((hs_walk *)arg, value, &idx) < 0 ? -1 : 0;
}

static int hs__walk_seed_frame(PyThreadState *ts, PyFrameObject *f, void *arg) {
    (void)ts;
    return hs_compat_frame_visit_locals(f, hs__walk_seed_local, arg);
}
#endif

/* Graph mode, 3.11+: a running function's locals live outside any object,
 * so one the collector does not track (a str, a tuple of strs made in the
 * frame) is reached by no traversal.  Each becomes a node, as what the
 * traversal finds does, so that a path can start at it and go on through
 * it.  PyThreadState_GetFrame may make a frame object: an allocation, with
 * the collector paused, and no Python code. */
static int hs__walk_seed_locals(hs_walk *w) {
#if HS_FRAME_LOCALS_ARE_ROOTS
    return hs_compat_each_running_frame(hs__walk_seed_frame, w);
#else
    (void)w;
    return 0;
#endif
}

hs_progress hs_progress_now = {-1, NULL, 0, 0, NULL, 0, 0, 0, 0};

int hs_walk_run(hs_walk *w, hs_state *st, int with_graph) {
    uint32_t i;
    int rc;
    Py_ssize_t expected;

    w->with_graph = with_graph;
    w->skip_types[w->nskip++] = st->census_type;
    w->skip_types[w->nskip++] = st->snapshot_type;
    w->own_type = st->snapshot_type;

    double t0 = hs__walk_now();
    if (hs__walk_list_tracked(w, st) < 0)
        return -1;
    w->seconds_list = hs__walk_now() - t0;
    t0 = hs__walk_now();
    expected = (Py_ssize_t)w->ntracked * 2 + 1024;
    if (hs__walk_index_tracked(w) < 0 ||
        (with_graph && (rc = hs_graph_init(&w->graph, (size_t)expected, (size_t)expected * 3)) != HS_OK)) {
        PyErr_NoMemory();
        return -1;
    }
    if (with_graph && hs__walk_seed_locals(w) < 0 && w->error == 0)
        w->error = HS_ENOMEM;
    hs_progress_phase(&hs_progress_now, "walking the heap");
    for (i = 0; w->error == 0 && i < w->n; i++) {
        if ((i & 0xFFFF) == 0)
            hs_progress_tick(&hs_progress_now, i); /* write(2) only: no Python */
        /* The objects are scattered in memory: fetch ahead of the traversal. */
        if (i + 8 < w->n)
            __builtin_prefetch((const char *)w->objs[i + 8] - 2 * sizeof(void *));
        if (with_graph && (rc = hs_graph_begin_node(&w->graph, i)) != HS_OK) {
            w->error = rc;
            break;
        }
        if (w->each != NULL && w->each(w->objs[i], w->each_arg) < 0) {
            w->error = HS_ENOMEM; /* the callbacks fail only when out of memory */
            break;
        }
        if (hs__walk_traverse(w, w->objs[i]) < 0)
            break;
    }
    w->seconds_traverse = hs__walk_now() - t0;
    if (w->error == 0 && with_graph) {
        rc = hs_graph_finish(&w->graph, w->n);
        /* The roots need only in-degrees, which they take off the
         * refcounts themselves (hs_roots_by_refcount), and so do the
         * dominators (they count them again).  Before 3.11 the roots also
         * look at referrers (the frames running heapscope's code). */
        if (rc == HS_OK && !HS_FRAME_LOCALS_ARE_ROOTS)
            rc = hs_graph_build_reverse(&w->graph);
        w->error = rc;
    }
    if (w->error != 0) {
        if (w->error == HS_ENOMEM)
            PyErr_NoMemory();
        else
            PyErr_Format(PyExc_RuntimeError, "heapscope: heap walk failed: %s", hs_strerror(w->error));
        return -1;
    }
    return 0;
}

void hs_walk_clear(hs_walk *w) {
    PyMem_RawFree(w->objs);
    PyMem_RawFree(w->own_seen);
    hs_objindex_destroy(&w->index);
    hs_markset_destroy(&w->marks);
    hs_graph_destroy(&w->graph);
    Py_CLEAR(w->gc_list);
    memset(w, 0, sizeof(*w));
}

int hs_gc_pause(hs_state *st) {
#if HS_HAVE_PYGC_DISABLE
    (void)st;
    return PyGC_Disable();
#else
    PyObject *r = PyObject_CallMethod(st->gc_module, "isenabled", NULL);
    int was;
    if (r == NULL)
        return -1;
    was = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (was < 0)
        return -1;
    r = PyObject_CallMethod(st->gc_module, "disable", NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return was;
#endif
}

int hs_gc_resume(hs_state *st, int was_enabled) {
    if (was_enabled <= 0)
        return 0;
#if HS_HAVE_PYGC_DISABLE
    (void)st;
    PyGC_Enable();
    return 0;
#else
    {
        PyObject *r = PyObject_CallMethod(st->gc_module, "enable", NULL);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        return 0;
    }
#endif
}
int hs_window_depth = 0;
