/*
 * Exports of a Snapshot: a Chrome DevTools heap snapshot file, and its
 * objects and edges as flat columns (bytes of little-endian integers) for
 * table formats (heapscope.export writes Parquet from them).  Snapshots
 * are plain integers, so none of this touches a live object; the core
 * (src/core/hs_export.c) does the work over integers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hs_export.h"
#include "../core/hs_progress.h"
#include "export.h"
#include "heap.h"
#include "walk.h"

void hs_snapshot_view(const hs_snapshot_object *s, hs_snapdata *d) {
    memset(d, 0, sizeof(*d));
    d->n = s->n;
    d->ntypes = s->ntypes;
    d->addr = (uint64_t *)s->addr;
    d->type_id = s->type_id;
    d->size = s->size;
    d->tier = s->tier;
    d->graph = s->graph;
    d->type_names = s->type_names;
    d->label_kind = s->label_kind;
    d->label_name = s->label_name;
    d->label_strs = s->label_strs;
    d->nlabel_strs = s->nlabel_strs;
    d->retained = s->retained; /* v NULL until dominators were computed */
}

/* The names of modules, module dicts and classes as C arrays: name_of[v]
 * indexes names[] (UTF-8 owned by the str objects of s->names). */
typedef struct {
    uint32_t *name_of;
    const char **names;
    uint32_t n;
} hs_names;

static int hs__names(const hs_snapshot_object *s, hs_names *out) {
    Py_ssize_t pos = 0, count = s->names != NULL && PyDict_Check(s->names) ? PyDict_Size(s->names) : 0;
    PyObject *key, *val;
    uint32_t v;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    out->name_of = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    out->names = PyMem_RawMalloc(((size_t)count + 1) * sizeof(char *));
    if (out->name_of == NULL || out->names == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++)
        out->name_of[v] = HS_NONE;
    while (count > 0 && PyDict_Next(s->names, &pos, &key, &val)) {
        unsigned long node = PyLong_Check(key) ? PyLong_AsUnsignedLong(key) : (unsigned long)-1;
        const char *text = PyUnicode_Check(val) ? PyUnicode_AsUTF8(val) : NULL;
        if (PyErr_Occurred())
            goto done;
        if (node >= s->n || text == NULL)
            continue;
        out->name_of[node] = out->n;
        out->names[out->n++] = text;
    }
    rc = 0;
done:
    return rc;
}

static void hs__names_free(hs_names *nm) {
    PyMem_RawFree(nm->name_of);
    PyMem_RawFree((void *)nm->names);
}

/* export_heapsnapshot(path): the snapshot as a Chrome DevTools .heapsnapshot. */
PyObject *hs_snapshot_export_heapsnapshot(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    PyObject *bytes = NULL, *out = NULL;
    hs_snapdata d;
    hs_names nm = {0};
    hs_export_in in;
    int rc, saved_errno;
    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    if (hs_snapshot_ensure_paths(s) < 0 || hs__names(s, &nm) < 0)
        goto done;
    hs_snapshot_view(s, &d);
    in.d = &d;
    in.parent = s->parent;
    in.name_of = nm.name_of;
    in.names = nm.names;
    in.nnames = nm.n;
    hs_progress_phase(&hs_progress_now, "writing the heap snapshot");
    Py_BEGIN_ALLOW_THREADS rc = hs_heapsnap_write(PyBytes_AS_STRING(bytes), &in, &hs_progress_now);
    saved_errno = errno;
    Py_END_ALLOW_THREADS hs_progress_end(&hs_progress_now);
    if (rc != HS_OK) {
        hs_raise(get_heapscope_state(PyType_GetModule(Py_TYPE(self))), rc, saved_errno,
                 PyBytes_AS_STRING(bytes));
        goto done;
    }
    out = Py_NewRef(Py_None);
done:
    hs__names_free(&nm);
    Py_XDECREF(bytes);
    return out;
}

static int hs__put(PyObject *dict, const char *key, const void *data, size_t len) {
    PyObject *b = PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
    int rc = b != NULL ? PyDict_SetItemString(dict, key, b) : -1;
    Py_XDECREF(b);
    return rc;
}

/* The shallow sizes as 8-byte integers, as the columns' readers take them. */
/* The type id column, u32 whichever width the snapshot keeps. */
static int hs__put_type_ids(PyObject *dict, const hs_snapshot_object *s) {
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)s->n * 4);
    uint32_t *out, v;
    int rc;
    if (b == NULL)
        return -1;
    out = (uint32_t *)(void *)PyBytes_AS_STRING(b);
    for (v = 0; v < s->n; v++)
        out[v] = hs_heap_type(s, v);
    rc = PyDict_SetItemString(dict, "type_id", b);
    Py_DECREF(b);
    return rc;
}

/* A column of n sizes (shallow or retained), widened to u64. */
static int hs__put_sizes(PyObject *dict, const char *key, const hs_sizes *z, uint32_t n) {
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n * 8);
    uint64_t *out;
    uint32_t v;
    int rc;
    if (b == NULL)
        return -1;
    out = (uint64_t *)(void *)PyBytes_AS_STRING(b);
    for (v = 0; v < n; v++)
        out[v] = hs_sizes_get(z, v);
    rc = PyDict_SetItemString(dict, key, b);
    Py_DECREF(b);
    return rc;
}

static int hs__put_strings(PyObject *dict, const char *key, char *const *strs, uint32_t n) {
    PyObject *list = PyList_New((Py_ssize_t)n);
    uint32_t i;
    int rc = -1;
    if (list == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        PyObject *str = PyUnicode_DecodeUTF8(strs[i], (Py_ssize_t)strlen(strs[i]), "replace");
        if (str == NULL)
            goto done;
        PyList_SET_ITEM(list, (Py_ssize_t)i, str);
    }
    rc = PyDict_SetItemString(dict, key, list);
done:
    Py_DECREF(list);
    return rc;
}

/* columns(): {name: bytes} of the objects (address u64, type_id u32, size
 * u64, retained u64, tier u8, reached and root_valid bitmaps) and the edges
 * (edge_from and edge_to addresses u64, edge_kind u8: HS_LBL_* or 255,
 * edge_label i32 and edge_index u32 with validity bitmaps), with type_names,
 * label_strs and names (node -> name of a module, module dict or class).
 * Bitmaps are Arrow's: bit i set when row i has a value. */
PyObject *hs_snapshot_columns(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    PyObject *dict = NULL, *out = NULL;
    size_t m = s->graph.m, n = s->n;
    hs_columns c = {0};
    hs_snapdata d;
    hs_export_in in = {0};
    int rc;
    if (hs_snapshot_ensure_paths(s) < 0 || hs_snapshot_ensure_dominators(s) < 0)
        return NULL;
    hs_snapshot_view(s, &d);
    in.d = &d;
    in.parent = s->parent;
    Py_BEGIN_ALLOW_THREADS rc = hs_columns_build(&in, &c);
    Py_END_ALLOW_THREADS if (rc != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    dict = PyDict_New();
    if (dict == NULL)
        goto done;
    if (hs__put(dict, "address", s->addr, n * 8) < 0 || hs__put_type_ids(dict, s) < 0 ||
        hs__put_sizes(dict, "size", &s->size, s->n) < 0 ||
        hs__put_sizes(dict, "retained", &s->retained, s->n) < 0 || hs__put(dict, "tier", s->tier, n) < 0 ||
        hs__put(dict, "reached", c.reached, hs_bitmap_bytes(n)) < 0 ||
        hs__put(dict, "root_valid", c.root_valid, hs_bitmap_bytes(n)) < 0 ||
        hs__put(dict, "edge_from", c.edge_from, m * 8) < 0 ||
        hs__put(dict, "edge_to", c.edge_to, m * 8) < 0 || hs__put(dict, "edge_kind", c.edge_kind, m) < 0 ||
        hs__put(dict, "edge_label", c.edge_label, m * 4) < 0 ||
        hs__put(dict, "edge_label_valid", c.edge_label_valid, hs_bitmap_bytes(m)) < 0 ||
        hs__put(dict, "edge_index", c.edge_index, m * 4) < 0 ||
        hs__put(dict, "edge_index_valid", c.edge_index_valid, hs_bitmap_bytes(m)) < 0 ||
        hs__put_strings(dict, "type_names", s->type_names, s->ntypes) < 0 ||
        hs__put_strings(dict, "label_strs", s->label_strs, s->nlabel_strs) < 0)
        goto done;
    if (s->names != NULL && PyDict_Check(s->names)) {
        PyObject *copy = PyDict_Copy(s->names);
        int set_rc = copy != NULL ? PyDict_SetItemString(dict, "names", copy) : -1;
        Py_XDECREF(copy);
        if (set_rc < 0)
            goto done;
    }
    out = Py_NewRef(dict);
done:
    hs_columns_destroy(&c);
    Py_XDECREF(dict);
    return out;
}
