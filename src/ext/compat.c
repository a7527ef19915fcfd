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

#if !HS_HAVE_GC_VISIT_OBJECTS
static int hs__gc_head_ok(uintptr_t head) {
    uintptr_t next = ((const uintptr_t *)head)[0], prev = ((const uintptr_t *)head)[1] & HS_GC_PREV_MASK;
    return next != 0 && prev != 0 && (((const uintptr_t *)prev)[0] == head) &&
           ((((const uintptr_t *)next)[1] & HS_GC_PREV_MASK) == head);
}

int hs_compat_gc_visit_generations(int (*cb)(PyObject *, void *), void *arg) {
    uintptr_t gen0, heads[HS_GC_GENERATIONS];
    PyObject *probe = PyList_New(0); /* tracked on creation: linked to generation 0's head */
    int i;
    if (probe == NULL) {
        PyErr_Clear();
        return 1;
    }
    gen0 = ((const uintptr_t *)probe)[-2];
    Py_DECREF(probe); /* untracked again */
    if (gen0 == 0 || *(const uintptr_t *)(gen0 + HS_GC_GENERATIONS * HS_GC_GENERATION_STRIDE) != gen0)
        return 1;
    for (i = 0; i < HS_GC_GENERATIONS; i++) {
        heads[i] = gen0 + (uintptr_t)i * HS_GC_GENERATION_STRIDE;
        if (!hs__gc_head_ok(heads[i]))
            return 1;
    }
    for (i = 0; i < HS_GC_GENERATIONS; i++) { /* youngest first, as gc.get_objects() */
        uintptr_t g = ((const uintptr_t *)heads[i])[0];
        while (g != heads[i]) {
            uintptr_t next = ((const uintptr_t *)g)[0];
            if (next == 0 || (((const uintptr_t *)next)[1] & HS_GC_PREV_MASK) != g)
                return 1;
            if (!cb((PyObject *)(g + 2 * sizeof(uintptr_t)), arg))
                return -1;
            g = next;
        }
    }
    return 0;
}
#endif
