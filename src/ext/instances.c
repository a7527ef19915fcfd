/*
 * instances(type_names): every live object whose type's name is one of
 * type_names, as a list of strong references (objgraph's by_type, for every
 * object, tracked or not).
 *
 * The matches are collected inside the raw-pointer window (window.h) as
 * strong references; the list is built after it.  A matching type is
 * recognised once per type (an address map of type -> 0/1), never by a
 * Python comparison.
 */
#include "instances.h"

#include <string.h>

#include "typename.h"
#include "walk.h"
#include "window.h"

typedef struct {
    const char **names;
    Py_ssize_t nnames;
    hs_addrmap types; /* type address -> 1 match, 2 no match (0 = not in the map) */
    PyObject **found; /* strong */
    size_t n, cap;
    int failed;
} hs_instances_acc;

static int hs__instances_each(PyObject *op, void *arg) {
    hs_instances_acc *a = (hs_instances_acc *)arg;
    uintptr_t ta = (uintptr_t)Py_TYPE(op);
    uint32_t verdict = 0;
    if (!hs_addrmap_get(&a->types, ta, &verdict)) {
        char *name = hs_type_name(Py_TYPE(op));
        Py_ssize_t i;
        if (name == NULL)
            return -1;
        verdict = 2;
        for (i = 0; i < a->nnames; i++)
            if (strcmp(name, a->names[i]) == 0)
                verdict = 1;
        PyMem_RawFree(name);
        if (hs_addrmap_put(&a->types, ta, verdict, NULL) < 0)
            return PyErr_NoMemory(), -1;
    }
    if (verdict != 1)
        return 0;
    if (a->n == a->cap) {
        size_t ncap = a->cap < 64 ? 64 : a->cap * 2;
        PyObject **p = PyMem_RawRealloc(a->found, ncap * sizeof(PyObject *));
        if (p == NULL)
            return PyErr_NoMemory(), -1;
        a->found = p;
        a->cap = ncap;
    }
    a->found[a->n++] = Py_NewRef(op);
    return 0;
}

PyObject *hs_instances(PyObject *module, PyObject *arg) {
    hs_state *st = get_heapscope_state(module);
    PyObject *fast = NULL, *result = NULL;
    hs_instances_acc acc;
    hs_walk w;
    Py_ssize_t i;
    size_t k;
    int gc_was = -1, in_window = 0;

    memset(&acc, 0, sizeof(acc));
    memset(&w, 0, sizeof(w));
    if (hs_window_open()) {
        PyErr_SetString(PyExc_RuntimeError, "heapscope: instances() called from inside a heap walk");
        return NULL;
    }
    fast = PySequence_Fast(arg, "instances() takes a sequence of type names");
    if (fast == NULL)
        return NULL;
    acc.nnames = PySequence_Fast_GET_SIZE(fast);
    acc.names = PyMem_RawCalloc((size_t)acc.nnames + 1, sizeof(char *));
    if (acc.names == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < acc.nnames; i++) {
        PyObject *name = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "instances() takes type names (str)");
            goto done;
        }
        if ((acc.names[i] = PyUnicode_AsUTF8(name)) == NULL)
            goto done;
    }
    if (hs_addrmap_init(&acc.types, 256, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    gc_was = hs_gc_pause(st);
    if (gc_was < 0)
        goto done;
    hs_window_enter();
    in_window = 1;
    w.each = hs__instances_each;
    w.each_arg = &acc;
    if (hs_walk_run(&w, st, 0) < 0)
        goto done;
    hs_window_leave();
    in_window = 0;
    result = PyList_New((Py_ssize_t)acc.n);
    if (result == NULL)
        goto done;
    for (k = 0; k < acc.n; k++) {
        PyList_SET_ITEM(result, (Py_ssize_t)k, acc.found[k]); /* the list takes our reference */
        acc.found[k] = NULL;
    }
done:
    if (in_window)
        hs_window_leave();
    hs_walk_clear(&w);
    if (gc_was >= 0 && hs_gc_resume(st, gc_was) < 0)
        Py_CLEAR(result);
    for (k = 0; k < acc.n; k++)
        Py_XDECREF(acc.found[k]);
    PyMem_RawFree(acc.found);
    PyMem_RawFree(acc.names);
    hs_addrmap_destroy(&acc.types);
    Py_XDECREF(fast);
    return result;
}
