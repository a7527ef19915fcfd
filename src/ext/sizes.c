#include "sizes.h"

#include <string.h>

static Py_ssize_t hs__unicode_size(PyObject *op) {
    PyASCIIObject *a = (PyASCIIObject *)op;
    Py_ssize_t len = PyUnicode_GET_LENGTH(op);
    if (a->state.compact) {
        if (a->state.ascii)
            return (Py_ssize_t)sizeof(PyASCIIObject) + len + 1;
        else {
            PyCompactUnicodeObject *c = (PyCompactUnicodeObject *)op;
            Py_ssize_t size =
                (Py_ssize_t)sizeof(PyCompactUnicodeObject) + (len + 1) * (Py_ssize_t)a->state.kind;
            if (c->utf8 != NULL)
                size += c->utf8_length + 1;
            return size;
        }
    }
    /* Legacy (non-compact) string: header plus separately allocated data. */
    return (Py_ssize_t)sizeof(PyUnicodeObject) + (len + 1) * (Py_ssize_t)a->state.kind;
}

/* Types whose size the layout rules below compute exactly. */
static int hs__layout_sized(PyTypeObject *tp) {
    return PyType_FastSubclass(tp, Py_TPFLAGS_UNICODE_SUBCLASS | Py_TPFLAGS_LONG_SUBCLASS |
                                       Py_TPFLAGS_DICT_SUBCLASS | Py_TPFLAGS_LIST_SUBCLASS |
                                       Py_TPFLAGS_TUPLE_SUBCLASS | Py_TPFLAGS_BYTES_SUBCLASS |
                                       Py_TPFLAGS_TYPE_SUBCLASS) ||
           PyType_IsSubtype(tp, &PySet_Type) || PyType_IsSubtype(tp, &PyFrozenSet_Type) ||
           PyType_IsSubtype(tp, &PyByteArray_Type) || tp == &PyCode_Type;
}

/* Is `base`'s own C __sizeof__ known to run no Python code?  Static types'
 * are plain C; so are the heap types of the standard library's C modules and
 * NumPy's.  A Cython class's `def __sizeof__` is a C method too, but its body
 * may call any Python function: not inside the raw-pointer window. */
static int hs__trusted_sizeof(PyTypeObject *base) {
    static const char *const modules[] = {
        "array.",    "collections.", "_collections.", "_io.",       "io.", "numpy.",
        "_decimal.", "decimal.",     "itertools.",    "functools.", NULL};
    int i;
    if (!(base->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return 1;
    for (i = 0; modules[i] != NULL; i++)
        if (strncmp(base->tp_name, modules[i], strlen(modules[i])) == 0)
            return 1;
    return 0;
}

PyCFunction hs_type_sizeof(PyTypeObject *tp) {
    PyObject *mro = tp->tp_mro;
    Py_ssize_t i;
    if (mro == NULL || !PyTuple_Check(mro) || hs__layout_sized(tp))
        return NULL;
    /* The first __sizeof__ along the MRO, found by scanning each class dict
     * for an exact str key: a lookup could call a key's Python __eq__. */
    for (i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *d = hs_compat_type_dict(base), *key, *value;
        Py_ssize_t pos = 0;
        PyCFunction fn = NULL;
        int found = 0;
        if (d == NULL)
            continue;
        while (PyDict_Next(d, &pos, &key, &value))
            if (PyUnicode_CheckExact(key) && PyUnicode_CompareWithASCIIString(key, "__sizeof__") == 0) {
                found = 1;
                /* Only a method written in C, taking no arguments, and not
                 * object's own (which is the layout rule). */
                if (Py_IS_TYPE(value, &PyMethodDescr_Type) && base != &PyBaseObject_Type &&
                    hs__trusted_sizeof(base)) {
                    PyMethodDef *def = ((PyMethodDescrObject *)value)->d_method;
                    if ((def->ml_flags & (METH_VARARGS | METH_KEYWORDS | METH_O | METH_FASTCALL)) == 0 &&
                        (def->ml_flags & METH_NOARGS))
                        fn = def->ml_meth;
                }
                break;
            }
        Py_DECREF(d);
        if (found)
            return fn;
    }
    return NULL;
}

Py_ssize_t hs_object_size(PyObject *op) {
    return hs_object_size_by(op, hs_type_sizeof(Py_TYPE(op)));
}

Py_ssize_t hs_object_size_by(PyObject *op, PyCFunction c_sizeof) {
    PyTypeObject *tp = Py_TYPE(op);
    Py_ssize_t size;

    if (c_sizeof != NULL) {
        PyObject *r = c_sizeof(op, NULL);
        size = r != NULL && PyLong_CheckExact(r) ? PyLong_AsSsize_t(r) : -1;
        Py_XDECREF(r); /* an int: freeing it runs nothing */
        if (size >= 0)
            return size + hs_compat_preheader_size(tp, op);
        PyErr_Clear(); /* it failed: fall back to the layout */
    }
    if (PyUnicode_Check(op))
        size = hs__unicode_size(op);
    else if (PyLong_Check(op)) {
        Py_ssize_t nd = hs_compat_long_ndigits(op);
        if (nd < HS_LONG_MIN_DIGITS)
            nd = HS_LONG_MIN_DIGITS;
        size = HS_LONG_HEADER_SIZE + nd * (Py_ssize_t)sizeof(digit);
    } else if (PyDict_Check(op))
        size = _PyDict_SizeOf((PyDictObject *)op);
    else if (PyList_Check(op))
        size = tp->tp_basicsize + ((PyListObject *)op)->allocated * (Py_ssize_t)sizeof(PyObject *);
    else if (PyAnySet_Check(op)) {
        PySetObject *s = (PySetObject *)op;
        size = tp->tp_basicsize;
        if (s->table != s->smalltable)
            size += (s->mask + 1) * (Py_ssize_t)sizeof(setentry);
    } else if (PyByteArray_Check(op))
        size = hs_compat_bytearray_size(op);
    else if (tp->tp_itemsize != 0 &&
             (PyTuple_Check(op) || PyBytes_Check(op) || PyType_Check(op) || PyCode_Check(op))) {
        /* Only these are known to start with PyObject_VAR_HEAD; other types
         * with an item size (generators, frames on 3.11+) have no ob_size. */
        Py_ssize_t n = Py_SIZE(op);
        if (n < 0)
            n = -n;
        size = tp->tp_basicsize + n * tp->tp_itemsize;
    } else
        size = tp->tp_basicsize;
    return size + hs_compat_preheader_size(tp, op);
}
