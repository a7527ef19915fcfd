#include "jsonw.h"

#include <math.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len, cap;
} hs_out;

static int hs__grow(hs_out *o, size_t more) {
    size_t cap;
    char *nb;
    if (o->len + more <= o->cap)
        return 0;
    cap = o->cap ? o->cap : 256;
    while (cap < o->len + more)
        cap *= 2;
    nb = PyMem_RawRealloc(o->buf, cap);
    if (nb == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    o->buf = nb;
    o->cap = cap;
    return 0;
}

static int hs__put(hs_out *o, const char *s, size_t n) {
    if (hs__grow(o, n) < 0)
        return -1;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}

static int hs__puts(hs_out *o, const char *s) {
    return hs__put(o, s, strlen(s));
}

static int hs__string(hs_out *o, PyObject *s) {
    Py_ssize_t n, i;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    PyObject *bytes = NULL;
    int rc = -1;
    if (u == NULL) {
        /* Lone surrogates have no UTF-8: keep them as \uXXXX text. */
        PyErr_Clear();
        bytes = PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace");
        if (bytes == NULL)
            return -1;
        u = PyBytes_AS_STRING(bytes);
        n = PyBytes_GET_SIZE(bytes);
    }
    if (hs__put(o, "\"", 1) < 0)
        goto done;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            if (hs__put(o, esc, 2) < 0)
                goto done;
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            if (hs__put(o, esc, 6) < 0)
                goto done;
        } else if (hs__put(o, (const char *)&u[i], 1) < 0)
            goto done;
    }
    rc = hs__put(o, "\"", 1);
done:
    Py_XDECREF(bytes);
    return rc;
}

static int hs__int(hs_out *o, PyObject *v) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    char num[32];
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow) {
        PyObject *text = PyNumber_ToBase(v, 10);
        int rc;
        if (text == NULL)
            return -1;
        rc = hs__puts(o, PyUnicode_AsUTF8(text));
        Py_DECREF(text);
        return rc;
    }
    snprintf(num, sizeof(num), "%lld", x);
    return hs__puts(o, num);
}

static int hs__float(hs_out *o, double d) {
    char *text;
    int rc;
    if (isnan(d) || isinf(d))
        return hs__puts(o, "null");
    text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (text == NULL)
        return -1;
    rc = hs__puts(o, text);
    PyMem_Free(text);
    return rc;
}

static int hs__value(hs_out *o, PyObject *v, int depth) {
    Py_ssize_t i, n;
    if (depth > 200) {
        PyErr_SetString(PyExc_ValueError, "json_dumps: nested too deeply");
        return -1;
    }
    if (v == Py_None)
        return hs__puts(o, "null");
    if (v == Py_True)
        return hs__puts(o, "true");
    if (v == Py_False)
        return hs__puts(o, "false");
    if (PyLong_CheckExact(v))
        return hs__int(o, v);
    if (PyFloat_CheckExact(v))
        return hs__float(o, PyFloat_AS_DOUBLE(v));
    if (PyUnicode_CheckExact(v))
        return hs__string(o, v);
    if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) {
        PyObject *fast = PySequence_Fast(v, "");
        int rc = 0;
        if (fast == NULL)
            return -1;
        n = PySequence_Fast_GET_SIZE(fast);
        rc = hs__put(o, "[", 1);
        for (i = 0; rc == 0 && i < n; i++) {
            PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
            Py_INCREF(item); /* a list may change under us only through Python code; none runs */
            rc = (i ? hs__put(o, ",", 1) : 0) || hs__value(o, item, depth + 1);
            Py_DECREF(item);
        }
        Py_DECREF(fast);
        return rc == 0 ? hs__put(o, "]", 1) : -1;
    }
    if (PyDict_CheckExact(v)) {
        Py_ssize_t pos = 0, k = 0;
        PyObject *key, *value;
        if (hs__put(o, "{", 1) < 0)
            return -1;
        while (PyDict_Next(v, &pos, &key, &value)) {
            int rc;
            if (k++ && hs__put(o, ",", 1) < 0)
                return -1;
            Py_INCREF(key);
            Py_INCREF(value);
            if (PyUnicode_CheckExact(key))
                rc = hs__string(o, key);
            else if (PyLong_CheckExact(key)) {
                rc = hs__put(o, "\"", 1) || hs__int(o, key) || hs__put(o, "\"", 1);
            } else {
                PyErr_Format(PyExc_TypeError, "json_dumps: a dict key of type %s", Py_TYPE(key)->tp_name);
                rc = -1;
            }
            rc = rc || hs__put(o, ":", 1) || hs__value(o, value, depth + 1);
            Py_DECREF(key);
            Py_DECREF(value);
            if (rc)
                return -1;
        }
        return hs__put(o, "}", 1);
    }
    PyErr_Format(PyExc_TypeError, "json_dumps: cannot write a %s", Py_TYPE(v)->tp_name);
    return -1;
}

PyObject *hs_json_dumps(PyObject *module, PyObject *value) {
    hs_out o = {NULL, 0, 0};
    PyObject *result = NULL;
    (void)module;
    if (hs__value(&o, value, 0) == 0)
        result = PyUnicode_DecodeUTF8(o.buf ? o.buf : "", (Py_ssize_t)o.len, "strict");
    PyMem_RawFree(o.buf);
    return result;
}
