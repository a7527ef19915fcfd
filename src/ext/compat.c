#include "compat.h"

#if PY_VERSION_HEX < 0x030B0000
void *hs_compat_general_lookup = NULL;

/* A dict with a non-str key uses the general lookup function: remember its
 * address to recognise dicts whose tp_traverse visits the keys. */
int hs_compat_init(void) {
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
