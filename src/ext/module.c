/*
 * heapscope._heapscope: the CPython glue.  Each function converts its
 * arguments, calls the walk or the C core, and converts the result back.
 */
#include "../core/hs_verdict.h"
#include "agentio.h"
#include "census.h"
#include "errors.h"
#include "heap.h"
#include "analyze.h"
#include "inject.h"
#include "instances.h"
#include "jsonw.h"
#include "sizes.h"
#include "walk.h"
#include "state.h"
#include "window.h"

static PyObject *hs_mod_census(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"keep_addresses", NULL};
    int keep = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|p:census", kwlist, &keep))
        return NULL;
    /* The call's own argument tuple and keyword dict are heapscope's: not
     * counted (3.14+ tracks a dict of atoms, so the walk would list it). */
    return hs_census_take(module, keep, args, kwargs);
}

static PyObject *hs_mod_series(PyObject *module, PyObject *seq) {
    return hs_census_series(module, seq);
}

static PyObject *hs_mod_object_size(PyObject *module, PyObject *obj) {
    (void)module;
    return PyLong_FromSsize_t(hs_object_size(obj));
}

static PyObject *hs_mod_window_open(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    (void)module;
    return PyBool_FromLong(hs_window_open());
}

/* HOP_KINDS: the kinds a path's hops can have (paths.c), for the Python model to check. */
static int hs_add_hop_kinds(PyObject *module) {
    PyObject *kinds = PyList_New(0), *tuple;
    int rc = -1;
    size_t i;
    if (kinds == NULL)
        return -1;
    for (i = 0; hs_hop_kinds[i] != NULL; i++) {
        PyObject *k = PyUnicode_FromString(hs_hop_kinds[i]);
        if (k == NULL || PyList_Append(kinds, k) < 0) {
            Py_XDECREF(k);
            goto done;
        }
        Py_DECREF(k);
    }
    tuple = PyList_AsTuple(kinds);
    if (tuple != NULL && PyModule_AddObjectRef(module, "HOP_KINDS", tuple) == 0)
        rc = 0;
    Py_XDECREF(tuple);
done:
    Py_DECREF(kinds);
    return rc;
}

/* SUPPORTED_VERSIONS: ((3, 9), ..., (3, HS_PY_MINOR_MAX)), from hs_versions.h. */
static int hs_add_versions(PyObject *module) {
    PyObject *t = PyTuple_New(HS_PY_MINOR_MAX - HS_PY_MINOR_MIN + 1);
    int rc = -1, m;
    if (t == NULL)
        return -1;
    for (m = HS_PY_MINOR_MIN; m <= HS_PY_MINOR_MAX; m++) {
        PyObject *v = Py_BuildValue("(ii)", HS_PY_MAJOR, m);
        if (v == NULL)
            goto done;
        PyTuple_SET_ITEM(t, m - HS_PY_MINOR_MIN, v);
    }
    if (PyModule_AddObjectRef(module, "SUPPORTED_VERSIONS", t) == 0)
        rc = 0;
done:
    Py_DECREF(t);
    return rc;
}

/* set_progress(fd): a progress line for long walks, analyses and snapshot
 * files on that file descriptor (the CLI passes stderr's when it is a
 * terminal); -1 turns it off. */
static PyObject *hs_mod_set_progress(PyObject *module, PyObject *args) {
    int fd = -1;
    double after = 0;
    (void)module;
    if (!PyArg_ParseTuple(args, "i|d:set_progress", &fd, &after))
        return NULL;
    hs_progress_now.fd = fd < 0 ? -1 : fd;
    hs_progress_now.after = after > 0 ? after : 0;
    Py_RETURN_NONE;
}

/* _is_immortal(obj): the walk's immortality test (compat.h), for the tests. */
static PyObject *hs_mod_is_immortal(PyObject *module, PyObject *obj) {
    (void)module;
    (void)obj; /* HS_IS_IMMORTAL is 0 before 3.12 */
    return PyBool_FromLong(HS_IS_IMMORTAL(obj));
}

static PyMethodDef hs_methods[] = {
    {"_is_immortal", hs_mod_is_immortal, METH_O, "_is_immortal(obj) -> the walk's immortality test (tests)."},
    {"set_progress", hs_mod_set_progress, METH_VARARGS,
     "set_progress(fd, after=1.0): a progress line for work past `after` seconds on fd (-1: off)."},
    {"census", (PyCFunction)(void (*)(void))hs_mod_census, METH_VARARGS | METH_KEYWORDS,
     "census(keep_addresses=False) -> Census of every live object."},
    {"series", hs_mod_series, METH_O,
     "series(censuses) -> [(type, counts, sizes)] for the types that changed."},
    {"verdict", hs_census_verdict, METH_VARARGS,
     "verdict(counts, sizes) -> VERDICT_GREW | VERDICT_LEAK | VERDICT_FLATTENED flags of one type's series."},
    {"json_dumps", hs_json_dumps, METH_O,
     "json_dumps(value) -> str: JSON of plain values (exact types), written in C."},
    {"object_size", hs_mod_object_size, METH_O,
     "object_size(obj) -> shallow size as the census computes it."},
    {"instances", hs_instances, METH_O,
     "instances(type_names) -> every live object of those types (strong references)."},
    {"_window_open", hs_mod_window_open, METH_NOARGS,
     "_window_open() -> is a heap walk holding raw pointers right now?  (Anyone who can ask while it is "
     "open proves a bug.)"},
    HS_GRAPH_METHODS HS_INJECT_METHODS HS_AGENTIO_METHODS{NULL, NULL, 0, NULL},
};

static int hs_exec(PyObject *module) {
    hs_state *st = get_heapscope_state(module);
    PyObject *gc = NULL;
    int rc = -1;

    if (hs_compat_init() < 0)
        goto done;
    st->error = PyErr_NewExceptionWithDoc("heapscope._heapscope.HeapscopeError",
                                          "A heapscope analysis failed.", PyExc_RuntimeError, NULL);
    if (st->error == NULL || PyModule_AddObjectRef(module, "HeapscopeError", st->error) < 0)
        goto done;
    st->snapshot_error = PyErr_NewExceptionWithDoc(
        "heapscope._heapscope.SnapshotError", "A snapshot file is missing, corrupt, truncated or foreign.",
        st->error, NULL);
    if (st->snapshot_error == NULL || PyModule_AddObjectRef(module, "SnapshotError", st->snapshot_error) < 0)
        goto done;
    st->census_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &hs_census_spec, NULL);
    if (st->census_type == NULL || PyModule_AddType(module, st->census_type) < 0)
        goto done;
    st->snapshot_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &hs_snapshot_spec, NULL);
    if (st->snapshot_type == NULL || PyModule_AddType(module, st->snapshot_type) < 0)
        goto done;
    gc = PyImport_ImportModule("gc");
    if (gc == NULL)
        goto done;
    st->gc_module = Py_NewRef(gc);
    st->gc_get_objects = PyObject_GetAttrString(gc, "get_objects");
    if (st->gc_get_objects == NULL)
        goto done;
    st->gc_get_freeze_count = PyObject_GetAttrString(gc, "get_freeze_count");
    if (st->gc_get_freeze_count == NULL)
        goto done;
    if (PyModule_AddIntConstant(module, "FRAME_LOCALS_READ", hs_compat_frame_locals_read()) < 0)
        goto done;
    if (PyModule_AddIntConstant(module, "HAVE_GC_VISIT_OBJECTS", HS_HAVE_GC_VISIT_OBJECTS) < 0)
        goto done;
    if (hs_errors_add_constants(module) < 0 || hs_add_hop_kinds(module) < 0 || hs_add_versions(module) < 0)
        goto done;
    if (PyModule_AddIntConstant(module, "VERDICT_GREW", HS_VERDICT_GREW) < 0 ||
        PyModule_AddIntConstant(module, "VERDICT_LEAK", HS_VERDICT_LEAK) < 0 ||
        PyModule_AddIntConstant(module, "VERDICT_FLATTENED", HS_VERDICT_FLATTENED) < 0)
        goto done;
    rc = 0;
done:
    Py_XDECREF(gc);
    return rc;
}

static int hs_traverse(PyObject *module, visitproc visit, void *arg) {
    hs_state *st = get_heapscope_state(module);
    Py_VISIT(st->census_type);
    Py_VISIT(st->snapshot_type);
    Py_VISIT(st->error);
    Py_VISIT(st->snapshot_error);
    Py_VISIT(st->gc_get_objects);
    Py_VISIT(st->gc_get_freeze_count);
    Py_VISIT(st->gc_module);
    return 0;
}

static int hs_clear(PyObject *module) {
    hs_state *st = get_heapscope_state(module);
    Py_CLEAR(st->census_type);
    Py_CLEAR(st->snapshot_type);
    Py_CLEAR(st->error);
    Py_CLEAR(st->snapshot_error);
    Py_CLEAR(st->gc_get_objects);
    Py_CLEAR(st->gc_get_freeze_count);
    Py_CLEAR(st->gc_module);
    return 0;
}

static void hs_free(void *module) {
    (void)hs_clear((PyObject *)module);
}

static PyModuleDef_Slot hs_slots[] = {
    {Py_mod_exec, hs_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef hs_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "heapscope._heapscope",
    .m_doc = "heapscope's CPython glue: heap walk, census, object graph.",
    .m_size = sizeof(hs_state),
    .m_methods = hs_methods,
    .m_slots = hs_slots,
    .m_traverse = hs_traverse,
    .m_clear = hs_clear,
    .m_free = hs_free,
};

PyMODINIT_FUNC PyInit__heapscope(void) {
    return PyModuleDef_Init(&hs_module);
}
