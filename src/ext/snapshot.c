/*
 * The Snapshot type: the graph of one heap walk as plain integers (no
 * reference to any live object), the answers computed while it was live,
 * queries on it, and snapshot files (src/core/hs_snapfile.c writes and
 * reads them).  A snapshot read from a file gets its address index,
 * reverse edges, shortest paths and dominators on first need.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/hs_scratch.h" /* the dominators' order[] */
#include "../core/hs_snapfile.h"
#include "jsonw.h"
#include "analyze.h"
#include "export.h"
#include "heap.h"
#include "walk.h"

static void snapshot_dealloc(PyObject *self) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    PyTypeObject *tp = Py_TYPE(self);
    uint32_t i;
    void (*release)(void *) = s->from_file ? free : PyMem_RawFree;
    release(s->addr);
    release(hs_type_ids_array(&s->type_id));
    release(s->size.v);
    hs_sizes_destroy_big(&s->size);
    release(s->tier);
    PyMem_RawFree(s->parent);
    PyMem_RawFree(s->idom);
    hs_graph_retained_destroy(&s->retained); /* computed here or read by the core's reader */
    hs_graph_destroy(&s->graph);
    hs_objindex_destroy(&s->index);
    if (s->type_names != NULL)
        for (i = 0; i < s->ntypes; i++)
            release(s->type_names[i]);
    release(s->type_names);
    PyMem_RawFree(s->type_addr);
    Py_CLEAR(s->results);
    Py_CLEAR(s->names);
    Py_CLEAR(s->stack_names);
    free(s->label_kind); /* malloc'ed by edgelabels.c or by the core's reader */
    free(s->label_name);
    if (s->label_strs != NULL)
        for (i = 0; i < s->nlabel_strs; i++)
            free(s->label_strs[i]);
    free(s->label_strs);
    tp->tp_free(self);
    Py_DECREF(tp);
}

int hs_snapshot_search_paths(hs_snapshot_object *s, const uint8_t *exclude, const uint8_t *skip) {
    int rc = hs_roots_search(&s->graph, s->tier, exclude, skip, s->parent);
    if (rc != HS_OK) {
        hs_raise(NULL, rc, 0, "searching paths");
        return -1;
    }
    return 0;
}

int hs_snapshot_compute_dominators(hs_snapshot_object *s) {
    /* Allocated as they are needed, the retained sizes last: the peak is the
     * dominators' working memory or the retained sizes, not both. */
    uint32_t *roots = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t)), *order = NULL, *fit;
    uint32_t nroots = 0, norder = 0;
    uint8_t *leaves = NULL;
    int rc = HS_ENOMEM;
    if (roots == NULL)
        goto done;
    nroots = hs_roots_ordered(s->n, s->tier, NULL, NULL, roots);
    /* The roots were found: the referrers go before the dominators' memory. */
    if ((leaves = hs_graph_take_leaves(&s->graph)) == NULL)
        goto done;
    if ((fit = PyMem_RawRealloc(roots, ((size_t)nroots + 1) * sizeof(uint32_t))) != NULL)
        roots = fit;
    order = hs_scratch_alloc((size_t)s->n + 1, sizeof(uint32_t));
    s->idom = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (order == NULL || s->idom == NULL)
        goto done;
    rc = hs_graph_dominators(&s->graph, leaves, roots, nroots, s->idom, order, &norder);
    PyMem_RawFree(roots);
    roots = NULL;
    free(leaves);
    leaves = NULL;
    if (rc == HS_OK)
        rc = hs_graph_retained(s->n, s->idom, order, norder, &s->size, &s->retained);
done:
    PyMem_RawFree(roots);
    hs_scratch_free(order);
    free(leaves);
    if (rc != HS_OK)
        hs_raise(NULL, rc, 0, "computing dominators");
    return rc == HS_OK ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Snapshot queries: plain integers, valid long after the heap changed. */

/* results(): the answers computed on the live heap (a dict); a file's are stored_results(). */
static PyObject *snapshot_results(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    return Py_NewRef(s->results && PyDict_Check(s->results) ? s->results : Py_None);
}

/* stored_results(): a file's answers as JSON text, or None (heapscope.snapfile parses them). */
static PyObject *snapshot_stored_results(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    return Py_NewRef(s->results && PyUnicode_Check(s->results) ? s->results : Py_None);
}

static int hs__addr_arg(hs_snapshot_object *s, PyObject *arg, uint32_t *v) {
    unsigned long long a;
    if (hs_snapshot_ensure_indexed(s) < 0)
        return -1;
    a = PyLong_AsUnsignedLongLong(arg);
    if (a == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *v = hs_heap_node(s, (const void *)(uintptr_t)a);
    if (*v == HS_NONE) {
        PyErr_Format(PyExc_KeyError, "no object at address %p in this snapshot", (void *)(uintptr_t)a);
        return -1;
    }
    return 0;
}

/* A snapshot read from a file gets its address index on first need... */
int hs_snapshot_ensure_index(hs_snapshot_object *s) {
    uint32_t v;
    if (hs_objindex_ready(&s->index))
        return 0;
    if (hs_objindex_init(&s->index, (size_t)s->n) != HS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    for (v = 0; v < s->n; v++)
        if (hs_objindex_put(&s->index, (uintptr_t)s->addr[v] ? (uintptr_t)s->addr[v] : 16, v, NULL) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    return 0;
}

/* ...and its shortest paths on the first path query. */
int hs_snapshot_ensure_indexed(hs_snapshot_object *s) {
    return hs_snapshot_ensure_index(s) < 0 ? -1 : hs_snapshot_ensure_paths(s);
}

int hs_snapshot_ensure_paths(hs_snapshot_object *s) {
    if (s->parent != NULL)
        return 0;
    s->parent = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (s->parent == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (hs_snapshot_search_paths(s, NULL, NULL) < 0) {
        PyMem_RawFree(s->parent);
        s->parent = NULL;
        return -1;
    }
    return 0;
}

/* Dominators are computed on first need (a snapshot read from a file). */
int hs_snapshot_ensure_dominators(hs_snapshot_object *s) {
    if (s->retained.v != NULL)
        return 0;
    if (s->leaves_out) { /* its graph lacks what the leaves retain: any figure would be wrong */
        PyErr_SetString(PyExc_ValueError, HS_NO_RETAINED_SIZES);
        return -1;
    }
    if (hs_snapshot_ensure_paths(s) < 0)
        return -1;
    PyMem_RawFree(s->idom);
    s->idom = NULL;
    return hs_snapshot_compute_dominators(s);
}

static PyObject *snapshot_retained_size(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v;
    if (hs__addr_arg(s, arg, &v) < 0 || hs_snapshot_ensure_dominators(s) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(hs_heap_retained(s, v));
}

/* why(address): the object's path as the snapshot saw it (paths.c). */
static PyObject *snapshot_why(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v;
    /* Without the leaves: the path, and its own size as its retained one. */
    if (hs__addr_arg(s, arg, &v) < 0 || (!s->leaves_out && hs_snapshot_ensure_dominators(s) < 0))
        return NULL;
    return hs_path_why(s, v);
}

/* [(type, address)] from the root to the object at `address` (paths.c). */
static PyObject *snapshot_path_types(PyObject *self, PyObject *arg) {
    uint32_t v;
    if (hs__addr_arg((hs_snapshot_object *)self, arg, &v) < 0)
        return NULL;
    return hs_path_types((hs_snapshot_object *)self, v);
}

static PyObject *snapshot_idom(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v;
    if (s->idom == NULL) { /* retained sizes read from a file come without the tree */
        hs_graph_retained_destroy(&s->retained);
    }
    if (hs__addr_arg(s, arg, &v) < 0 || hs_snapshot_ensure_dominators(s) < 0)
        return NULL;
    if (s->idom == NULL || s->idom[v] == HS_NONE)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLong((unsigned long)s->addr[s->idom[v]]);
}

static PyObject *snapshot_stats(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t counts[HS_NTIERS] = {0}, v, unreachable = 0;
    if (hs_snapshot_ensure_paths(s) < 0)
        return NULL;
    for (v = 0; v < s->n; v++) {
        counts[s->tier[v] < HS_NTIERS ? s->tier[v] : 0]++;
        if (s->parent[v] == HS_NONE)
            unreachable++;
    }
    return Py_BuildValue(
        "{sIsIsIsIs{sIsIsIsIsI}sIsnsOs{sdsdsdsdsd}}", "objects", s->n, "edges", s->graph.m, "types",
        s->ntypes, "roots", s->nroots, "root_kinds", hs_tier_kind[1], counts[1], hs_tier_kind[2], counts[2],
        hs_tier_kind[3], counts[3], hs_tier_kind[4], counts[4], hs_tier_kind[5], counts[5], "unreachable",
        unreachable, "graph_bytes", (Py_ssize_t)hs_graph_bytes(&s->graph), "leaves_left_out",
        s->leaves_out ? Py_True : Py_False, "seconds", "walk", s->seconds[0], "roots", s->seconds[1],
        "dominators", s->seconds[2], "paths", s->seconds[3], "answers", s->seconds[4]);
}

/* ---- offline: snapshot files ------------------------------------------ */

_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "64-bit addresses");

/* The metadata section: "key=value" lines.  Every snapshot file says which
 * Python wrote it, which process, when and with what command line; `extra`
 * (str -> str) adds or overrides keys (heapscope's version, "attached"). */
static PyObject *hs__meta_text(PyObject *extra) {
    PyObject *meta = PyDict_New(), *argv, *key, *val = NULL, *lines = NULL, *sep = NULL, *text = NULL;
    PyObject *out = NULL;
    Py_ssize_t pos = 0, i;
    char buf[64];
    time_t now = time(NULL);
    struct tm tmv;
    const char *version = Py_GetVersion();
    if (meta == NULL)
        return NULL;
    val = PyUnicode_FromStringAndSize(version, (Py_ssize_t)strcspn(version, " "));
    if (val == NULL || PyDict_SetItemString(meta, "python", val) < 0)
        goto done;
    Py_SETREF(val, PyUnicode_FromString("CPython"));
    if (val == NULL || PyDict_SetItemString(meta, "implementation", val) < 0)
        goto done;
    Py_SETREF(val, PyUnicode_FromFormat("%ld", (long)getpid()));
    if (val == NULL || PyDict_SetItemString(meta, "pid", val) < 0)
        goto done;
    localtime_r(&now, &tmv);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%T%z", &tmv); /* %T: hours:minutes:seconds */
    Py_SETREF(val, PyUnicode_FromString(buf));
    if (val == NULL || PyDict_SetItemString(meta, "time", val) < 0)
        goto done;
    Py_CLEAR(val);
    lines = PyList_New(0);
    if (lines == NULL)
        goto done;
    argv = PySys_GetObject("argv"); /* borrowed; exact strs only, so no user code runs */
    for (i = 0; argv != NULL && PyList_CheckExact(argv) && i < PyList_GET_SIZE(argv); i++)
        if (PyUnicode_CheckExact(PyList_GET_ITEM(argv, i)) &&
            PyList_Append(lines, PyList_GET_ITEM(argv, i)) < 0)
            goto done;
    sep = PyUnicode_FromString(" ");
    val = sep ? PyUnicode_Join(sep, lines) : NULL;
    if (val == NULL || PyDict_SetItemString(meta, "argv", val) < 0)
        goto done;
    Py_CLEAR(val);
    while (extra != NULL && extra != Py_None && PyDict_Next(extra, &pos, &key, &text)) {
        if (!PyUnicode_CheckExact(key) || !PyUnicode_CheckExact(text)) {
            PyErr_SetString(PyExc_TypeError, "snapshot metadata must map str to str");
            text = NULL;
            goto done;
        }
        if (PyDict_SetItem(meta, key, text) < 0) {
            text = NULL;
            goto done;
        }
    }
    text = NULL;
    Py_SETREF(lines, PyList_New(0));
    if (lines == NULL)
        goto done;
    pos = 0;
    while (PyDict_Next(meta, &pos, &key, &text)) {
        PyObject *nl = PyUnicode_FromString("\n"), *sp = PyUnicode_FromString(" ");
        PyObject *clean = nl && sp ? PyUnicode_Replace(text, nl, sp, -1) : NULL;
        PyObject *line = clean ? PyUnicode_FromFormat("%U=%U\n", key, clean) : NULL;
        int rc = line ? PyList_Append(lines, line) : -1;
        Py_XDECREF(nl);
        Py_XDECREF(sp);
        Py_XDECREF(clean);
        Py_XDECREF(line);
        if (rc < 0) {
            text = NULL;
            goto done;
        }
    }
    Py_SETREF(sep, PyUnicode_FromString(""));
    text = sep ? PyUnicode_Join(sep, lines) : NULL;
    out = text ? PyUnicode_AsUTF8String(text) : NULL;
done:
    Py_XDECREF(val);
    Py_XDECREF(meta);
    Py_XDECREF(lines);
    Py_XDECREF(sep);
    Py_XDECREF(text);
    return out;
}

/* The names section: "node\tname" lines of modules, their dicts and classes. */
static PyObject *hs__names_text(const hs_snapshot_object *s) {
    PyObject *lines = PyList_New(0), *joined = NULL, *sep = NULL, *key, *val, *out = NULL;
    Py_ssize_t pos = 0;
    if (lines == NULL)
        return NULL;
    while (s->names != NULL && PyDict_Check(s->names) && PyDict_Next(s->names, &pos, &key, &val)) {
        PyObject *line = PyLong_Check(key) && PyUnicode_Check(val)
                             ? PyUnicode_FromFormat("%lu\t%U\n", PyLong_AsUnsignedLong(key), val)
                             : PyUnicode_FromString("");
        int rc = line ? PyList_Append(lines, line) : -1;
        Py_XDECREF(line);
        if (rc < 0)
            goto done;
    }
    sep = PyUnicode_FromString("");
    joined = sep ? PyUnicode_Join(sep, lines) : NULL;
    out = joined ? PyUnicode_AsUTF8String(joined) : NULL;
done:
    Py_DECREF(lines);
    Py_XDECREF(sep);
    Py_XDECREF(joined);
    return out;
}

/* save(path, meta=None, results=None): writes the snapshot file.  meta: a
 * dict of extra metadata (str -> str), or the whole section as text;
 * results: the stored answers, a dict (written as JSON here) or JSON text. */
static PyObject *snapshot_save(PyObject *self, PyObject *args) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    const char *path;
    PyObject *meta = Py_None, *results = Py_None, *meta_bytes = NULL, *results_bytes = NULL;
    PyObject *names_bytes = NULL, *json = NULL, *out = NULL;
    hs_snapdata d;
    int rc, saved_errno;
    if (!PyArg_ParseTuple(args, "s|OO:save", &path, &meta, &results))
        return NULL;
    if (PyUnicode_Check(meta))
        meta_bytes = PyUnicode_AsUTF8String(meta);
    else if (meta == Py_None || PyDict_Check(meta))
        meta_bytes = hs__meta_text(meta);
    else
        PyErr_SetString(PyExc_TypeError, "meta must be a dict or a str");
    if (meta_bytes == NULL)
        goto done;
    if (PyDict_Check(results)) {
        json = hs_json_dumps(NULL, results);
        if (json == NULL)
            goto done;
        results_bytes = PyUnicode_AsUTF8String(json);
    } else if (PyUnicode_Check(results))
        results_bytes = PyUnicode_AsUTF8String(results);
    else if (results != Py_None) {
        PyErr_SetString(PyExc_TypeError, "results must be a dict, a str or None");
        goto done;
    }
    if (results != Py_None && results_bytes == NULL)
        goto done;
    names_bytes = hs__names_text(s);
    if (names_bytes == NULL)
        goto done;
    hs_snapshot_view(s, &d);
    d.meta = PyBytes_AS_STRING(meta_bytes);
    d.results = results_bytes ? PyBytes_AS_STRING(results_bytes) : NULL;
    d.names = PyBytes_AS_STRING(names_bytes);
    hs_progress_show(&hs_progress_now, "writing the snapshot file", s->n >= HS_PROGRESS_BIG);
    Py_BEGIN_ALLOW_THREADS rc = hs_snap_write(path, &d);
    saved_errno = errno; /* as the failing call left it, before anything else runs */
    Py_END_ALLOW_THREADS hs_progress_end(&hs_progress_now);
    if (rc != HS_OK) {
        hs_raise(get_heapscope_state(PyType_GetModule(Py_TYPE(self))), rc, saved_errno, path);
        goto done;
    }
    out = Py_NewRef(Py_None);
done:
    Py_XDECREF(meta_bytes);
    Py_XDECREF(results_bytes);
    Py_XDECREF(names_bytes);
    Py_XDECREF(json);
    return out;
}

static PyObject *snapshot_type_rows(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint64_t *count = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint64_t));
    uint64_t *bytes = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint64_t));
    PyObject *list = NULL;
    uint32_t v, t;
    if (count == NULL || bytes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++) {
        count[hs_heap_type(s, v)]++;
        bytes[hs_heap_type(s, v)] += hs_heap_size(s, v);
    }
    list = PyList_New(0);
    for (t = 0; list != NULL && t < s->ntypes; t++) {
        PyObject *row;
        if (count[t] == 0)
            continue;
        row = Py_BuildValue("(sKK)", s->type_names[t], (unsigned long long)count[t],
                            (unsigned long long)bytes[t]);
        if (row == NULL || PyList_Append(list, row) < 0)
            Py_CLEAR(list);
        Py_XDECREF(row);
    }
done:
    PyMem_RawFree(count);
    PyMem_RawFree(bytes);
    return list;
}

/* top_retainers(n): the same rule as analyze()'s, on the integers alone. */
static PyObject *snapshot_top_retainers(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    Py_ssize_t top = PyLong_AsSsize_t(arg);
    if (top == -1 && PyErr_Occurred())
        return NULL;
    if (top <= 0)
        return PyList_New(0);
    if (hs_snapshot_ensure_dominators(s) < 0)
        return NULL;
    return hs_path_top_retainers(NULL, s, top);
}

/* heapscope._heapscope.load(path) -> Snapshot, or SnapshotError. */
PyObject *hs_load_snapshot(PyObject *module, PyObject *arg) {
    hs_state *st = get_heapscope_state(module);
    PyObject *bytes = NULL, *result = NULL;
    hs_snapshot_object *s = NULL;
    hs_snapdata d;
    char err[512];
    uint32_t v;
    int rc;
    memset(&d, 0, sizeof(d));
    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    err[0] = '\0';
    hs_progress_show(&hs_progress_now, "reading the snapshot file", 1);
    Py_BEGIN_ALLOW_THREADS rc = hs_snap_read_file(PyBytes_AS_STRING(bytes), &d, err, sizeof(err));
    Py_END_ALLOW_THREADS hs_progress_end(&hs_progress_now);
    if (rc != HS_OK) {
        if (rc == HS_ENOMEM)
            PyErr_NoMemory();
        else
            PyErr_Format(st->snapshot_error, "%s: %s", PyBytes_AS_STRING(bytes), err);
        goto done;
    }
    s = PyObject_New(hs_snapshot_object, st->snapshot_type);
    if (s == NULL)
        goto done;
    memset((char *)s + sizeof(PyObject), 0, sizeof(hs_snapshot_object) - sizeof(PyObject));
    s->from_file = 1;
    s->n = d.n;
    s->ntypes = d.ntypes;
    s->addr = (uintptr_t *)d.addr;
    s->type_id = d.type_id;
    s->size = d.size;
    s->tier = d.tier;
    s->type_names = d.type_names;
    s->graph = d.graph;
    memset(&d.graph, 0, sizeof(d.graph));
    s->label_kind = d.label_kind;
    s->label_name = d.label_name;
    s->label_strs = d.label_strs;
    s->nlabel_strs = d.nlabel_strs;
    s->retained = d.retained; /* the file's retained sizes: no dominators to compute for them */
    memset(&d.retained, 0, sizeof(d.retained));
    d.label_kind = NULL;
    d.label_name = NULL;
    d.label_strs = NULL;
    d.nlabel_strs = 0;
    d.addr = NULL;
    memset(&d.type_id, 0, sizeof(d.type_id));
    memset(&d.size, 0, sizeof(d.size));
    d.tier = NULL;
    d.type_names = NULL;
    s->results = d.results ? PyUnicode_DecodeUTF8(d.results, (Py_ssize_t)strlen(d.results), "replace")
                           : Py_NewRef(Py_None);
    if (s->results == NULL)
        goto done;
    s->names = PyDict_New();
    if (s->names == NULL)
        goto done;
    if (d.names != NULL) {
        /* lines "index\tname", already checked by the reader */
        char *line = d.names;
        while (*line) {
            char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
            PyObject *key, *val;
            int set_rc;
            if (tab == NULL || nl == NULL || tab > nl)
                break;
            key = PyLong_FromUnsignedLong(strtoul(line, NULL, 10));
            val = PyUnicode_DecodeUTF8(tab + 1, nl - tab - 1, "replace");
            set_rc = (key && val) ? PyDict_SetItem(s->names, key, val) : -1;
            Py_XDECREF(key);
            Py_XDECREF(val);
            if (set_rc < 0)
                goto done;
            line = nl + 1;
        }
    }
    for (v = 0; v < s->n; v++)
        if (s->tier[v])
            s->nroots++;
    /* The address index, reverse edges, paths and dominators wait until a
     * query needs them (hs_snapshot_ensure_indexed). */
    result = (PyObject *)s;
    s = NULL;
    if (d.meta != NULL) {
        PyObject *meta = PyUnicode_DecodeUTF8(d.meta, (Py_ssize_t)strlen(d.meta), "replace");
        PyObject *pair = meta ? PyTuple_Pack(2, result, meta) : NULL;
        Py_XDECREF(meta);
        Py_SETREF(result, pair);
    } else {
        PyObject *pair = PyTuple_Pack(2, result, Py_None);
        Py_SETREF(result, pair);
    }
done:
    hs_snapdata_destroy(&d);
    Py_XDECREF(s);
    Py_XDECREF(bytes);
    return result;
}

static PyObject *snapshot_repr(PyObject *self) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    return PyUnicode_FromFormat("<heapscope Snapshot: %u objects, %u edges, %u roots>", s->n, s->graph.m,
                                s->nroots);
}

static PyMethodDef snapshot_methods[] = {
    {"results", snapshot_results, METH_NOARGS,
     "The answers computed while the heap was live (a dict); None when read from a file."},
    {"stored_results", snapshot_stored_results, METH_NOARGS,
     "The JSON text of the answers a snapshot file stored, or None."},
    {"retained_size", snapshot_retained_size, METH_O, "retained_size(address) -> bytes kept alive by it."},
    {"path_types", snapshot_path_types, METH_O, "path_types(address) -> [(type, address)] from its root."},
    {"why", snapshot_why, METH_O,
     "why(address) -> {object, type, size, retained_size, path}: why it was alive when the snapshot was "
     "taken."},
    {"idom", snapshot_idom, METH_O, "idom(address) -> address of its immediate dominator, or None."},
    {"stats", snapshot_stats, METH_NOARGS, "Counts and timings of the analysis."},
    {"save", snapshot_save, METH_VARARGS,
     "save(path, meta=None, results=None): write a snapshot file (meta: extra str -> str; results: a dict)."},
    {"type_rows", snapshot_type_rows, METH_NOARGS, "[(type, count, size)] of the snapshot's objects."},
    {"born_after", hs_snapshot_born_after, METH_VARARGS,
     "born_after(older, max_stories=10): stories of the objects the older snapshot did not have."},
    {"top_retainers", snapshot_top_retainers, METH_O,
     "top_retainers(n): largest retained sizes (type paths)."},
    {"export_heapsnapshot", hs_snapshot_export_heapsnapshot, METH_O,
     "export_heapsnapshot(path): write the snapshot as a Chrome DevTools .heapsnapshot file."},
    {"columns", hs_snapshot_columns, METH_NOARGS,
     "columns() -> {name: bytes}: objects and edges as flat arrays."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot snapshot_slots[] = {
    {Py_tp_new, hs_no_new},
    {Py_tp_dealloc, snapshot_dealloc},
    {Py_tp_methods, snapshot_methods},
    {Py_tp_repr, snapshot_repr},
    {Py_tp_doc, "The object graph of one heap walk, as integers, with the answers computed from it."},
    {0, NULL},
};

PyType_Spec hs_snapshot_spec = {
    .name = "heapscope._heapscope.Snapshot",
    .basicsize = sizeof(hs_snapshot_object),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = snapshot_slots,
};
