#include "compat.h"

#if PY_VERSION_HEX >= 0x030B0000
int hs_compat_frame_layout_ok = 0;
#endif

#if PY_VERSION_HEX < 0x030B0000
void *hs_compat_general_lookup = NULL;

/* A dict with a non-str key uses the general lookup function: remember its
 * address to recognise dicts whose tp_traverse visits the keys. */
static int hs__find_general_lookup(void) {
    PyObject *d = NULL, *one = NULL;
    int rc = -1;
    d = PyDict_New();
    one = PyLong_FromLong(1);
    if (d == NULL || one == NULL)
        goto done;
    if (PyDict_SetItem(d, one, Py_None) < 0)
        goto done;
    hs_compat_general_lookup = ((const hs_compat_dictkeys_head *)((PyDictObject *)d)->ma_keys)->dk_lookup;
    rc = 0;
done:
    Py_XDECREF(d);
    Py_XDECREF(one);
    return rc;
}
#endif

int hs_compat_each_running_frame(hs_frame_fn fn, void *arg) {
    PyThreadState *ts;
    for (ts = PyInterpreterState_ThreadHead(PyInterpreterState_Get()); ts != NULL;
         ts = PyThreadState_Next(ts)) {
        PyFrameObject *f = PyThreadState_GetFrame(ts);
        while (f != NULL) {
            int rc = fn(ts, f, arg);
            PyFrameObject *back = rc < 0 ? NULL : PyFrame_GetBack(f);
            Py_DECREF(f); /* still alive: it is running */
            if (rc < 0)
                return rc;
            f = back;
        }
    }
    return 0;
}

int hs_compat_init(void) {
#if PY_VERSION_HEX < 0x030B0000
    return hs__find_general_lookup();
#else
    /* The frame running this import (borrowed; NULL when imported from C). */
    PyFrameObject *f = PyEval_GetFrame();
    hs_compat_frame_layout_ok = f != NULL && hs_compat_frame_layout_matches(f);
    return 0;
#endif
}

Py_ssize_t hs_compat_atexit_count(void) {
#if HS_ATEXIT_CALLBACKS_LIST
    PyObject *name = PyUnicode_FromString("atexit"), *mod = NULL, *n = NULL;
    Py_ssize_t count = -1;
    if (name == NULL)
        goto done;
    mod = PyImport_GetModule(name); /* never imports */
    if (mod == NULL)
        goto done;
    n = PyObject_CallMethod(mod, "_ncallbacks", NULL);
    if (n != NULL && PyLong_CheckExact(n))
        count = PyLong_AsSsize_t(n);
done:
    Py_XDECREF(n);
    Py_XDECREF(mod);
    Py_XDECREF(name);
    if (PyErr_Occurred())
        PyErr_Clear();
    return count < 0 ? -1 : count;
#else
    return -1;
#endif
}

#if !HS_GC_LISTS_PERMANENT
static int hs__gc_head_ok(uintptr_t head) {
    uintptr_t next = ((const uintptr_t *)head)[0], prev = ((const uintptr_t *)head)[1] & HS_GC_PREV_MASK;
    return next != 0 && prev != 0 && (((const uintptr_t *)prev)[0] == head) &&
           ((((const uintptr_t *)next)[1] & HS_GC_PREV_MASK) == head);
}

uintptr_t hs_compat_gc_generation0(void) {
    uintptr_t gen0;
    int i;
    PyObject *probe = PyList_New(0); /* tracked on creation: linked to generation 0's head */
    if (probe == NULL) {
        PyErr_Clear();
        return 0;
    }
    gen0 = ((const uintptr_t *)probe)[-2];
    Py_DECREF(probe); /* untracked again */
    if (gen0 == 0 || *(const uintptr_t *)(gen0 + HS_GC_GENERATIONS * HS_GC_GENERATION_STRIDE) != gen0)
        return 0;
    for (i = 0; i < HS_GC_GENERATIONS; i++)
        if (!hs__gc_head_ok(gen0 + (uintptr_t)i * HS_GC_GENERATION_STRIDE))
            return 0;
    return gen0;
}

/* The objects of the list at `head`, in order: its length when every link
 * checks out and fewer than `limit` objects (or -1), with cb called on each
 * if cb is not NULL; -2 when cb returned 0 to stop. */
static Py_ssize_t hs__gc_list_walk(uintptr_t head, Py_ssize_t limit, int (*cb)(PyObject *, void *),
                                   void *arg) {
    Py_ssize_t n = 0;
    uintptr_t g = ((const uintptr_t *)head)[0];
    while (g != head) {
        uintptr_t next = ((const uintptr_t *)g)[0];
        if (next == 0 || (((const uintptr_t *)next)[1] & HS_GC_PREV_MASK) != g || n >= limit)
            return -1;
        if (cb != NULL && !cb((PyObject *)(g + 2 * sizeof(uintptr_t)), arg))
            return -2;
        n++;
        g = next;
    }
    return n;
}

#if !HS_HAVE_GC_VISIT_OBJECTS
int hs_compat_gc_visit_generations(uintptr_t gen0, int (*cb)(PyObject *, void *), void *arg) {
    int i;
    if (gen0 == 0)
        return 1;
    for (i = 0; i < HS_GC_GENERATIONS; i++) { /* youngest first, as gc.get_objects() */
        Py_ssize_t n =
            hs__gc_list_walk(gen0 + (uintptr_t)i * HS_GC_GENERATION_STRIDE, PY_SSIZE_T_MAX, cb, arg);
        if (n == -2)
            return -1;
        if (n < 0)
            return 1;
    }
    return 0;
}
#endif

int hs_compat_gc_visit_permanent(uintptr_t gen0, int (*cb)(PyObject *, void *), void *arg,
                                 Py_ssize_t expected) {
    uintptr_t head;
    Py_ssize_t n;
    if (gen0 == 0 || expected < 0)
        return 1;
    head = gen0 + HS_GC_PERMANENT_OFFSET;
    if (!hs__gc_head_ok(head))
        return 1;
    /* One pass, each link checked before it is followed; a list that is not
     * the one gc.get_freeze_count() counted ends early or late. */
    n = hs__gc_list_walk(head, expected + 1, cb, arg);
    return n == -2 ? -1 : n == expected ? 0 : 1;
}
#endif
