/*
 * analyze(): the one pass over a live heap.  Inside the raw-pointer window
 * (window.h): walk the heap into the graph (types and shallow sizes while
 * each object is in cache), find roots, shortest paths, dominators, then
 * answer what was asked (paths of the objects named, stories of the leaked
 * types, top retainers) while the objects are there to label the paths.
 * After the window, allocation sites of strong-referenced samples.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/hs_scratch.h"
#include "census.h"
#include "analyze.h"
#include "heap.h"
#include "sizes.h"
#include "typename.h"
#include "walk.h"
#include "window.h"

/*
 * Where allocation sites are not interesting: heapscope's own files, the
 * standard library (the directory of the os module), frozen modules, and
 * the caller's `extra` prefixes.  One rule for every caller (in process and
 * the attach agent).  Asked before the window opens: it reads a module's
 * attribute.  A new tuple, or NULL with an exception.
 */
static PyObject *hs__site_exclude(const char *tool_dir, PyObject *extra) {
    PyObject *list = PyList_New(0), *os_mod, *file = NULL, *item = NULL, *out = NULL;
    Py_ssize_t i;
    if (list == NULL)
        return NULL;
    if (tool_dir != NULL &&
        ((item = PyUnicode_FromString(tool_dir)) == NULL || PyList_Append(list, item) < 0))
        goto done;
    Py_CLEAR(item);
    os_mod = PyImport_GetModule((item = PyUnicode_FromString("os"))); /* new reference or NULL */
    Py_CLEAR(item);
    if (os_mod != NULL) {
        file = PyObject_GetAttrString(os_mod, "__file__");
        Py_DECREF(os_mod);
        if (file == NULL)
            PyErr_Clear();
        else if (PyUnicode_Check(file)) {
            Py_ssize_t slash = PyUnicode_FindChar(file, '/', 0, PyUnicode_GET_LENGTH(file), -1);
            if (slash > 0 &&
                ((item = PyUnicode_Substring(file, 0, slash + 1)) == NULL || PyList_Append(list, item) < 0))
                goto done;
            Py_CLEAR(item);
        }
    } else if (PyErr_Occurred())
        goto done;
    if ((item = PyUnicode_FromString("<frozen ")) == NULL || PyList_Append(list, item) < 0)
        goto done;
    Py_CLEAR(item);
    for (i = 0; extra != NULL && i < PyTuple_GET_SIZE(extra); i++)
        if (PyList_Append(list, PyTuple_GET_ITEM(extra, i)) < 0)
            goto done;
    out = PyList_AsTuple(list);
done:
    Py_XDECREF(item);
    Py_XDECREF(file);
    Py_DECREF(list);
    return out;
}

static double hs__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Type table, shallow sizes. */
/* Type ids and shallow sizes, filled one object at a time during the walk
 * (while the object is in cache for its traversal). */
typedef struct {
    hs_snapshot_object *s;
    hs_addrmap types; /* type address -> type id */
    size_t type_cap;
    size_t node_cap;
    uint32_t *refcnt; /* per object, capped; UINT32_MAX for immortal objects */
    int sizes;        /* fill s->size (not in a walk for paths alone) */
    uint32_t count;
    uintptr_t last_type;
    uint32_t last_id;
    PyCFunction *type_sizeof; /* per type id: its own C __sizeof__, or NULL */
    PyCFunction last_sizeof;
} hs_type_acc;

/* The 65,536th type: the ids so far go to 4 bytes each. */
static int hs__type_ids_widen(hs_snapshot_object *s, uint32_t count, size_t cap) {
    uint32_t *wide = PyMem_RawMalloc((cap + 1) * sizeof(uint32_t)), i;
    if (wide == NULL)
        return -1;
    for (i = 0; i < count; i++)
        wide[i] = s->type_id.narrow[i];
    PyMem_RawFree(s->type_id.narrow);
    s->type_id.narrow = NULL;
    s->type_id.wide = wide;
    return 0;
}

static int hs__type_acc_add(PyObject *op, void *arg) {
    hs_type_acc *a = (hs_type_acc *)arg;
    hs_snapshot_object *s = a->s;
    uintptr_t ta = (uintptr_t)Py_TYPE(op);
    if (a->count == a->node_cap) {
        size_t ncap = a->node_cap < 1024 ? 1024 : a->node_cap * 2;
        uint32_t *ids, *sizes;
        if (s->type_id.wide == NULL) {
            uint16_t *narrow = PyMem_RawRealloc(s->type_id.narrow, (ncap + 1) * sizeof(uint16_t));
            if (narrow == NULL)
                goto nomem;
            s->type_id.narrow = narrow;
        } else {
            ids = PyMem_RawRealloc(s->type_id.wide, (ncap + 1) * sizeof(uint32_t));
            if (ids == NULL)
                goto nomem;
            s->type_id.wide = ids;
        }
        if (a->sizes) {
            sizes = PyMem_RawRealloc(s->size.v, ncap * sizeof(uint32_t));
            if (sizes == NULL)
                goto nomem;
            s->size.v = sizes;
        }
        ids = PyMem_RawRealloc(a->refcnt, ncap * sizeof(uint32_t));
        if (ids == NULL)
            goto nomem;
        a->refcnt = ids;
        a->node_cap = ncap;
    }
    if (ta != a->last_type || a->count == 0) {
        uint32_t id = s->ntypes;
        int put = hs_addrmap_put(&a->types, ta, id, &id);
        if (put < 0)
            goto nomem;
        if (put == 1) {
            if (s->ntypes == a->type_cap) {
                size_t ncap = a->type_cap < 256 ? 256 : a->type_cap * 2;
                uintptr_t *t = PyMem_RawRealloc(s->type_addr, ncap * sizeof(uintptr_t));
                PyCFunction *f;
                if (t == NULL)
                    goto nomem;
                s->type_addr = t;
                f = PyMem_RawRealloc(a->type_sizeof, ncap * sizeof(PyCFunction));
                if (f == NULL)
                    goto nomem;
                a->type_sizeof = f;
                a->type_cap = ncap;
            }
            a->type_sizeof[s->ntypes] = hs_type_sizeof(Py_TYPE(op));
            s->type_addr[s->ntypes++] = ta;
        }
        a->last_type = ta;
        a->last_id = id;
        a->last_sizeof = a->type_sizeof[id];
    }
    if (a->last_id >= HS_TYPE_IDS_NARROW && s->type_id.narrow != NULL &&
        hs__type_ids_widen(s, a->count, a->node_cap) < 0)
        goto nomem;
    hs_type_ids_set(&s->type_id, a->count, a->last_id);
    if (a->sizes &&
        hs_sizes_set(&s->size, a->count, (uint64_t)hs_object_size_by(op, a->last_sizeof)) != HS_OK)
        goto nomem;
    a->refcnt[a->count] = (HS_IS_IMMORTAL(op) || Py_REFCNT(op) >= (Py_ssize_t)UINT32_MAX)
                              ? HS_REFCNT_IMMORTAL
                              : (uint32_t)Py_REFCNT(op);
    a->count++;
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

static int hs__cmp_addr(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* The sorted addresses of the objects asked about: the leaves a walk for
 * paths alone keeps.  NULL with an exception. */
static uintptr_t *hs__keep_addrs(PyObject *objs_fast, size_t *n) {
    Py_ssize_t i, len = PySequence_Fast_GET_SIZE(objs_fast);
    uintptr_t *keep = PyMem_RawMalloc(((size_t)len + 1) * sizeof(uintptr_t));
    if (keep == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < len; i++)
        keep[i] = (uintptr_t)PySequence_Fast_GET_ITEM(objs_fast, i);
    qsort(keep, (size_t)len, sizeof(uintptr_t), hs__cmp_addr);
    *n = (size_t)len;
    return keep;
}

static int hs__type_names(hs_snapshot_object *s) {
    uint32_t t;
    s->type_names = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(char *));
    if (s->type_names == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (t = 0; t < s->ntypes; t++) {
        s->type_names[t] = hs_type_name((PyTypeObject *)s->type_addr[t]);
        if (s->type_names[t] == NULL)
            return -1;
    }
    return 0;
}

/* `made`, when it is a container this call made (not `given`, the object it
 * was made from, and not the interpreter's shared empty tuple); else NULL. */
static PyObject *hs__made_here(PyObject *made, PyObject *given) {
    if (made == NULL || made == given || (PyTuple_CheckExact(made) && PyTuple_GET_SIZE(made) == 0))
        return NULL;
    return made;
}

PyObject *hs_analyze(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {
        "objects",      "types",        "baseline", "max_stories", "dominators", "top", "tool_dir",
        "traceback_fn", "site_exclude", "subjects", "own",         "labels",     NULL};
    hs_state *st = get_heapscope_state(module);
    PyObject *objects = NULL, *types = NULL, *baseline = Py_None, *objs_fast = NULL, *types_list = NULL;
    PyObject *tb_fn = Py_None, *site_exclude = NULL, *own = NULL, *own_fast = NULL;
    PyObject *subjects = NULL, *subjects_fast = NULL;
    Py_ssize_t max_stories = 10, top = 0, i;
    int dominators = 1, gc_was = -1, in_window = 0, labels = 0;
    hs_site_samples samples;
    const char *tool_dir = NULL;
    hs_walk w;
    hs_live L;
    hs_type_acc tacc;
    hs_snapshot_object *s = NULL;
    uint8_t *exclude = NULL;
    uintptr_t *keep = NULL;
    PyObject *result = NULL, *answers = NULL, *item = NULL;
    double t0 = hs__now(), t1;
    hs_own_refs own_refs;

    memset(&w, 0, sizeof(w));
    memset(&L, 0, sizeof(L));
    memset(&own_refs, 0, sizeof(own_refs));
    memset(&tacc, 0, sizeof(tacc));
    memset(&samples, 0, sizeof(samples));
    L.sysmodules = HS_NONE;
    L.atexit_list = HS_NONE;
    L.atexit_count = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOnpnzOO!OOp:analyze", kwlist, &objects, &types,
                                     &baseline, &max_stories, &dominators, &top, &tool_dir, &tb_fn,
                                     &PyTuple_Type, &site_exclude, &subjects, &own, &labels))
        return NULL;
    if (hs_window_open()) {
        PyErr_SetString(PyExc_RuntimeError, "heapscope: analyze() called from inside a heap walk");
        return NULL;
    }
    if (baseline != Py_None && Py_TYPE(baseline) != st->census_type) {
        PyErr_SetString(PyExc_TypeError, "baseline must be a Census taken with keep_addresses=True");
        return NULL;
    }
    if (baseline != Py_None && hs_census_has_address(baseline, 16) < 0) {
        PyErr_SetString(PyExc_ValueError, "baseline census was taken without keep_addresses=True");
        return NULL;
    }
    if (objects == NULL || objects == Py_None)
        objs_fast = PyTuple_New(0);
    else
        objs_fast = PySequence_Fast(objects, "objects must be a sequence");
    if (objs_fast == NULL)
        return NULL;
    own_fast =
        own == NULL || own == Py_None ? PyTuple_New(0) : PySequence_Fast(own, "own must be a sequence");
    if (own_fast == NULL)
        goto done;
    if (subjects != NULL && subjects != Py_None) {
        subjects_fast = PySequence_Fast(subjects, "subjects must be a sequence");
        if (subjects_fast == NULL)
            goto done;
    }
    types_list = types ? PySequence_List(types) : PyList_New(0);
    if (types_list == NULL)
        goto done;
    for (i = 0; i < PyList_GET_SIZE(types_list); i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(types_list, i))) {
            PyErr_SetString(PyExc_TypeError, "types must be type names (str)");
            goto done;
        }
    s = PyObject_New(hs_snapshot_object, st->snapshot_type);
    if (s == NULL)
        goto done;
    memset((char *)s + sizeof(PyObject), 0, sizeof(hs_snapshot_object) - sizeof(PyObject));
    L.s = s;
    L.tool_dir = tool_dir;
    L.atexit_count = hs_compat_atexit_count(); /* a call: before the window */
    /* Paths alone (no retained sizes, stories, top retainers or file
     * labels): the objects that reference nothing are only needed where
     * they are asked about. */
    s->leaves_out =
        !dominators && top <= 0 && !labels && PyList_GET_SIZE(types_list) == 0 && subjects_fast == NULL;
    if (s->leaves_out && (keep = hs__keep_addrs(objs_fast, &w.nkeep)) == NULL)
        goto done;
    w.leaves_out = s->leaves_out;
    w.keep = keep;
    /* This call's own objects are not the program's: its argument tuple and
     * keyword dict, and the containers made from them here (the shared
     * empty tuple is the interpreter's, and a sequence passed in as it is
     * stays the caller's). */
    w.skip_objs[w.nskip_objs++] = hs__made_here(args, NULL);
    w.skip_objs[w.nskip_objs++] = kwargs;
    w.skip_objs[w.nskip_objs++] = types_list;
    w.skip_objs[w.nskip_objs++] = hs__made_here(objs_fast, objects);
    w.skip_objs[w.nskip_objs++] = hs__made_here(own_fast, own);
    w.skip_objs[w.nskip_objs++] = hs__made_here(subjects_fast, subjects);

    gc_was = hs_gc_pause(st);
    if (gc_was < 0)
        goto done;
    /* The raw-pointer window (window.h) opens with the listing and closes
     * after the last use of L.objs, below: nothing in between may run
     * Python code or release the GIL. */
    hs_window_enter();
    in_window = 1;
    if (hs_addrmap_init(&tacc.types, 1024, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    tacc.s = s;
    tacc.sizes = !s->leaves_out;
    w.each = hs__type_acc_add;
    w.each_arg = &tacc;
    if (hs_walk_run(&w, st, 1) < 0)
        goto done;
    s->n = w.n;
    s->graph = w.graph;
    memset(&w.graph, 0, sizeof(w.graph));
    s->index = w.index;
    memset(&w.index, 0, sizeof(w.index));
    /* The snapshot owns the pointer array; once analyze() returns it is
     * only ever read as integers (addresses). */
    L.objs = w.objs;
    L.ntracked = w.ntracked;
    s->addr = (uintptr_t *)w.objs;
    w.objs = NULL;
    s->seconds[0] = (t1 = hs__now()) - t0;

    if (tacc.count != s->n) {
        PyErr_SetString(PyExc_RuntimeError, "heapscope: walk and type table disagree");
        goto done;
    }
    if (hs__type_names(s) < 0)
        goto done;
    if (s->leaves_out) {
        /* Sizes of the objects asked about only: the rest read as 0, and
         * their zeroed pages are never touched. */
        s->size.v = PyMem_RawCalloc((size_t)s->n + 1, sizeof(uint32_t));
        if (s->size.v == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (i = 0; i < PySequence_Fast_GET_SIZE(objs_fast); i++) {
            PyObject *o = PySequence_Fast_GET_ITEM(objs_fast, i);
            uint32_t x = hs_heap_node(s, o);
            if (x != HS_NONE &&
                hs_sizes_set(&s->size, x, (uint64_t)hs_object_size_by(o, hs_type_sizeof(Py_TYPE(o)))) !=
                    HS_OK) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    s->tier = PyMem_RawCalloc((size_t)s->n + 1, 1);
    if (s->tier == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    own_refs.s = s;
    own_refs.refcnt = tacc.refcnt;
    /* Every container of this call's that the walk skipped holds references
     * no edge counts: its tuple, its dict, and the lists made from them. */
    if (hs_roots_own_refs(&own_refs, (PyObject *const *)w.skip_objs, (size_t)w.nskip_objs,
                          (PyObject *const *)w.own_seen, w.nown_seen) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    /* Where the graph has no in-degrees, the roots take each edge off the
     * counts themselves (no 4 bytes a node more at the walk's peak); the
     * atexit list's finder then asks which nodes have a referrer. */
    if (HS_ATEXIT_CALLBACKS_LIST && L.atexit_count > 0 &&
        (L.referenced = hs_scratch_alloc(hs_bits_words(s->n), sizeof(uint64_t))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    s->nroots =
        hs_roots_by_refcount(&s->graph, tacc.refcnt, w.ntracked, w.listed_with_ref, s->tier, L.referenced);
    PyMem_RawFree(tacc.refcnt); /* read only by the roots; freed before the dominators' peak */
    tacc.refcnt = NULL;
    if (hs_roots_modules(&L) < 0)
        goto done;
    hs_roots_interp(&L);
    if (hs_roots_stacks(&L) < 0)
        goto done;
    hs_scratch_free(L.referenced); /* read only by the atexit list's finder, in hs_roots_stacks */
    L.referenced = NULL;
    /* heapscope's own objects, and this call's arguments: what only they hold is left out. */
    hs_roots_own_mark(&own_refs);
    hs_roots_mark_own(s, own);
    for (i = 0; i < PySequence_Fast_GET_SIZE(own_fast); i++)
        hs_roots_mark_own(s, PySequence_Fast_GET_ITEM(own_fast, i));
    /* Nothing after the roots reads the referrers but the dominators, which
     * take them over (hs_graph_take_leaves): without dominators they go
     * before the parents and the search's queue, which take their place. */
    if (!dominators)
        hs_graph_drop_reverse(&s->graph);
    s->seconds[1] = hs__now() - t1;
    t1 = hs__now();
    /* The dominators need only the roots: they run before the path search,
     * so the parents and the search's marks are not resident at their peak. */
    if (dominators)
        hs_progress_phase(&hs_progress_now, "computing retained sizes");
    if (dominators && hs_snapshot_compute_dominators(s) < 0)
        goto done;
    s->seconds[2] = hs__now() - t1;
    t1 = hs__now();
    s->parent = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    L.skip = hs_scratch_alloc((size_t)s->n + 1, 1);
    exclude = hs_scratch_alloc((size_t)s->n + 1, 1);
    if (s->parent == NULL || L.skip == NULL || exclude == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* The caller's own containers are not paths; the objects asked about
     * are not their own roots. */
    {
        const void *mine[] = {objects, objs_fast, types_list, subjects, subjects_fast};
        size_t k;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        for (k = 0; k < sizeof(mine) / sizeof(mine[0]); k++) {
            uint32_t a = hs_heap_node(s, mine[k]);
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
        /* Every argument of this call is heapscope's (a list made for the
         * call was once reported as a leaked list held by C code). */
        for (i = 0; i < PyTuple_GET_SIZE(args); i++) {
            uint32_t a = hs_heap_node(s, PyTuple_GET_ITEM(args, i));
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
        while (kwargs != NULL && PyDict_Next(kwargs, &pos, &key, &value)) {
            uint32_t a = hs_heap_node(s, value);
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(objs_fast); i++) {
        uint32_t x = hs_heap_node(s, PySequence_Fast_GET_ITEM(objs_fast, i));
        if (x != HS_NONE)
            exclude[x] = 1;
    }
    hs_progress_phase(&hs_progress_now, "finding why objects are alive");
    if (hs_snapshot_search_paths(s, exclude, L.skip) < 0)
        goto done;
    /* Nothing after the paths reads these. */
    hs_scratch_free(exclude);
    exclude = NULL;
    hs_scratch_free(L.skip);
    L.skip = NULL;
    s->seconds[3] = hs__now() - t1;
    t1 = hs__now();

    answers = PyDict_New();
    if (answers == NULL)
        goto done;
    /* why(obj): one path per object asked about. */
    item = PyList_New(0);
    if (item == NULL || PyDict_SetItemString(answers, "objects", item) < 0)
        goto done;
    for (i = 0; i < PySequence_Fast_GET_SIZE(objs_fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(objs_fast, i), *p, *d;
        uint32_t x = hs_heap_node(s, o);
        if (x == HS_NONE) {
            d = Py_BuildValue("{sNsssO}", "object", hs_describe(o), "error", "not found in the heap walk",
                              "path", Py_None);
        } else {
            p = hs_path_render(&L, s, x);
            if (p == NULL)
                goto done;
            d = Py_BuildValue("{sNsssKsKsN}", "object", hs_describe(o), "type",
                              s->type_names[hs_heap_type(s, x)], "size",
                              (unsigned long long)hs_heap_size(s, x), "retained_size",
                              (unsigned long long)hs_heap_retained(s, x), "path", p);
        }
        if (d == NULL || PyList_Append(item, d) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_DECREF(d);
    }
    Py_CLEAR(item);
    if (PyList_GET_SIZE(types_list) > 0 || subjects_fast != NULL) {
        item = hs_stories(&L, types_list, subjects_fast, baseline == Py_None ? NULL : baseline, max_stories,
                          tb_fn != Py_None ? &samples : NULL);
        if (item == NULL || PyDict_SetItemString(answers, "leaks", item) < 0)
            goto done;
        Py_CLEAR(item);
    }
    s->names = hs_roots_node_names(&L);
    if (s->names == NULL || (s->stack_names = hs_roots_stack_names(&L)) == NULL)
        goto done;
    /* For a snapshot file: every path edge's label, so offline paths read as live ones. */
    if (labels && hs_edge_labels(&L) < 0)
        goto done;
    item = hs_path_top_retainers(&L, s, top);
    if (item == NULL || PyDict_SetItemString(answers, "top_retainers", item) < 0)
        goto done;
    Py_CLEAR(item);
    /* The window closes: from here on only the samples' strong references
     * are dereferenced. */
    L.objs = NULL;
    hs_window_leave();
    in_window = 0;
    if (samples.nshown > 0) {
        PyObject *leaks = PyDict_GetItemString(answers, "leaks"); /* borrowed; str key, our dict */
        PyObject *exclude_all = hs__site_exclude(tool_dir, site_exclude);
        int rc = exclude_all == NULL ? -1
                                     : hs_story_sites(leaks ? PyDict_GetItemString(leaks, "stories") : NULL,
                                                      &samples, tb_fn, exclude_all);
        Py_XDECREF(exclude_all);
        if (rc < 0)
            goto done;
    }
    s->seconds[4] = hs__now() - t1;
    s->results = answers;
    answers = NULL;
    result = (PyObject *)s;
    s = NULL;
done:
    if (in_window)
        hs_window_leave();
    hs_samples_clear(&samples);
    hs_progress_end(&hs_progress_now);
    hs_walk_clear(&w);
    if (gc_was >= 0 && hs_gc_resume(st, gc_was) < 0)
        Py_CLEAR(result);
    hs_addrmap_destroy(&tacc.types);
    PyMem_RawFree(tacc.refcnt);
    PyMem_RawFree(own_refs.nodes);
    PyMem_RawFree(tacc.type_sizeof);
    hs_scratch_free(L.skip);
    hs_scratch_free(L.referenced);
    PyMem_RawFree(L.root_cells);
    hs_scratch_free(exclude);
    PyMem_RawFree(keep);
    hs_addrmap_destroy(&L.modmap);
    Py_XDECREF(L.modnames);
    Py_XDECREF(L.stackinfo);
    Py_XDECREF(item);
    Py_XDECREF(answers);
    Py_XDECREF(objs_fast);
    Py_XDECREF(own_fast);
    Py_XDECREF(subjects_fast);
    Py_XDECREF(types_list);
    Py_XDECREF(s);
    return result;
}
