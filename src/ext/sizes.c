#include "sizes.h"

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

Py_ssize_t hs_object_size(PyObject *op) {
    PyTypeObject *tp = Py_TYPE(op);
    Py_ssize_t size;

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
        size = tp->tp_basicsize + ((PyByteArrayObject *)op)->ob_alloc;
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
