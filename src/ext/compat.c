#include "compat.h"

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030E0000
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
#if PY_VERSION_HEX < 0x030E0000
    /* The frame running this import (borrowed; NULL when imported from C). */
    PyFrameObject *f = PyEval_GetFrame();
    hs_compat_frame_layout_ok = f != NULL && hs_compat_frame_layout_matches(f);
#endif
    return 0;
#endif
}
