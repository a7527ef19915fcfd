#include "typename.h"

#include <string.h>

/* The str value of "__module__" in a heap type's dict, or NULL.  Scans the
 * dict instead of looking the key up, so no user __eq__/__hash__ can run. */
static const char *hs__type_module(PyTypeObject *tp) {
    Py_ssize_t pos = 0;
    PyObject *key, *value, *dict = hs_compat_type_dict(tp);
    const char *found = NULL;
    if (dict == NULL)
        return NULL;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (PyUnicode_CheckExact(key) && PyUnicode_CompareWithASCIIString(key, "__module__") == 0) {
            /* The type's dict keeps the str alive after our reference goes. */
            found = PyUnicode_CheckExact(value) ? PyUnicode_AsUTF8(value) : NULL;
            break;
        }
    }
    Py_DECREF(dict);
    return found;
}

char *hs_type_name(PyTypeObject *tp) {
    const char *mod = NULL, *qual = tp->tp_name;
    char *out;
    size_t lm, lq;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)tp;
        if (ht->ht_qualname != NULL && PyUnicode_CheckExact(ht->ht_qualname)) {
            const char *q = PyUnicode_AsUTF8(ht->ht_qualname);
            if (q != NULL)
                qual = q;
            else
                PyErr_Clear();
        }
        mod = hs__type_module(tp);
        if (mod == NULL)
            PyErr_Clear();
        else if (strcmp(mod, "builtins") == 0)
            mod = NULL;
        if (mod == NULL && strrchr(tp->tp_name, '.') != NULL) {
            /* No str __module__ in the dict (Cython's function type keeps a
             * member descriptor there): the module is tp_name's prefix, as
             * Python itself says. */
            const char *dot = strrchr(tp->tp_name, '.');
            lm = (size_t)(dot - tp->tp_name);
            lq = strlen(qual);
            out = PyMem_RawMalloc(lm + lq + 2);
            if (out == NULL) {
                PyErr_NoMemory();
                return NULL;
            }
            memcpy(out, tp->tp_name, lm);
            out[lm] = '.';
            memcpy(out + lm + 1, qual, lq + 1);
            return out;
        }
    }
    lm = mod ? strlen(mod) : 0;
    lq = strlen(qual);
    out = PyMem_RawMalloc(lm + lq + 2);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (mod) {
        memcpy(out, mod, lm);
        out[lm] = '.';
        memcpy(out + lm + 1, qual, lq + 1);
    } else
        memcpy(out, qual, lq + 1);
    return out;
}
