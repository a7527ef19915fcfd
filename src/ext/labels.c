#include "labels.h"

#include <string.h>

void hs_label_clear(hs_label *l) {
    Py_CLEAR(l->exact);
    Py_CLEAR(l->general);
    Py_CLEAR(l->name);
    l->kind = HS_L_NONE;
}

static int hs__set(hs_label *out, hs_label_kind kind, const char *text) {
    out->kind = kind;
    out->exact = PyUnicode_FromString(text);
    if (out->exact == NULL)
        return -1;
    out->general = Py_NewRef(out->exact);
    return 0;
}

static int hs__set_attr(hs_label *out, PyObject *name) {
    out->kind = HS_L_ATTR;
    out->exact = PyUnicode_FromFormat(".%U", name);
    if (out->exact == NULL)
        return -1;
    out->general = Py_NewRef(out->exact);
    out->name = Py_NewRef(name);
    return 0;
}

PyObject *hs_describe(PyObject *obj) {
    return PyUnicode_FromFormat("<%s at %p>", Py_TYPE(obj)->tp_name, (void *)obj);
}

/* The key as the label shows it: by value for atoms, by type otherwise.
 *
 * Runs inside the raw-pointer window (see window.h), so it must not call
 * anything that can run Python code.  int's repr cannot be used: CPython's
 * decimal conversion calls PyErr_CheckSignals() once per digit, which runs
 * the program's Python signal handlers, whose eval loop may hand the GIL to
 * another thread (that freed objects under the walk: issue #11).  Ints are
 * formatted here from a C long long.  PyObject_Repr() itself, and "%R" in
 * PyUnicode_FromFormat(), call PyErr_CheckSignals() first: the str, bytes
 * and float reprs are called through their type's tp_repr slot instead. */
static PyObject *hs__key_text(PyObject *key) {
    if (PyUnicode_CheckExact(key)) {
        if (PyUnicode_GET_LENGTH(key) > 60) {
            PyObject *head = PyUnicode_Substring(key, 0, 57), *r, *dots;
            if (head == NULL)
                return NULL;
            r = PyUnicode_Type.tp_repr(head);
            Py_DECREF(head);
            if (r == NULL)
                return NULL;
            dots = PyUnicode_FromString("...");
            PyUnicode_AppendAndDel(&r, dots);
            return r;
        }
        return PyUnicode_Type.tp_repr(key); /* unicode_repr: pure C */
    }
    if (PyBool_Check(key))
        return PyUnicode_FromString(key == Py_True ? "True" : "False");
    if (key == Py_None)
        return PyUnicode_FromString("None");
    if (PyLong_CheckExact(key)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(key, &overflow);
        if (x == -1 && PyErr_Occurred())
            PyErr_Clear();
        else if (!overflow)
            return PyUnicode_FromFormat("%lld", x);
        return PyUnicode_FromString("<int>");
    }
    if (PyFloat_CheckExact(key) || (PyBytes_CheckExact(key) && PyBytes_GET_SIZE(key) <= 40))
        return Py_TYPE(key)->tp_repr(key); /* float_repr, bytes_repr: pure C, no signal checks */
    return PyUnicode_FromFormat("<%s>", Py_TYPE(key)->tp_name);
}

static int hs__label_dict(PyObject *d, PyObject *child, hs_label *out) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(d, &pos, &key, &value)) {
        if (value == child) {
            PyObject *kt = hs__key_text(key);
            if (kt == NULL)
                return -1;
            out->kind = HS_L_VALUE;
            out->exact = PyUnicode_FromFormat("[%U]", kt);
            Py_DECREF(kt);
            if (out->exact == NULL)
                return -1;
            out->general = PyUnicode_FromFormat("[<%s>]", Py_TYPE(key)->tp_name);
            if (out->general == NULL)
                return -1;
            if (PyUnicode_CheckExact(key))
                out->name = Py_NewRef(key);
            return 0;
        }
        if (key == child) {
            out->kind = HS_L_KEY;
            out->exact = PyUnicode_FromFormat("[<%s at %p> (key)]", Py_TYPE(key)->tp_name, (void *)key);
            if (out->exact == NULL)
                return -1;
            out->general = PyUnicode_FromFormat("[<%s> (key)]", Py_TYPE(key)->tp_name);
            return out->general ? 0 : -1;
        }
    }
    return 0;
}

static int hs__label_seq(PyObject **items, Py_ssize_t n, PyObject *child, hs_label *out) {
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        if (items[i] == child) {
            out->kind = HS_L_INDEX;
            out->exact = PyUnicode_FromFormat("[%zd]", i);
            if (out->exact == NULL)
                return -1;
            out->general = PyUnicode_FromString("[i]");
            return out->general ? 0 : -1;
        }
    return 0;
}

typedef struct {
    PyObject *child;
    PyObject *name; /* new reference when found */
} hs__local_search;

static int hs__find_local(PyObject *name, PyObject *value, void *arg) {
    hs__local_search *q = (hs__local_search *)arg;
    if (q->name == NULL && (value == q->child || (PyCell_Check(value) && PyCell_GET(value) == q->child)))
        q->name = Py_NewRef(name);
    return 0;
}

/* Names a local variable of `frame` that is `child`, read in place (never
 * through f_locals, which rewrites a frame's locals dict and can free what
 * it held); before 3.11 also an entry of the dict an earlier locals() call
 * left in the frame, which holds its own references. */
static int hs__label_frame_local(PyObject *frame, PyObject *child, hs_label *out) {
    hs__local_search q = {child, NULL};
    if (hs_compat_frame_visit_locals((PyFrameObject *)frame, hs__find_local, &q) < 0)
        return -1;
    if (q.name == NULL && !HS_FRAME_LOCALS_ARE_ROOTS) {
        PyObject *locals = hs_compat_frame_locals((PyFrameObject *)frame), *items;
        Py_ssize_t i;
        if (locals == NULL) {
            PyErr_Clear();
            return 0;
        }
        if (locals == child) { /* the dict itself: an earlier locals() left it */
            Py_DECREF(locals);
            return hs__set(out, HS_L_SPECIAL, ".f_locals");
        }
        items = PyDict_CheckExact(locals) ? PyDict_Items(locals) : NULL; /* never a mapping's .items() */
        Py_DECREF(locals);
        if (items == NULL) {
            PyErr_Clear();
            return 0;
        }
        for (i = 0; i < PyList_GET_SIZE(items) && q.name == NULL; i++) {
            PyObject *kv = PyList_GET_ITEM(items, i);
            hs__find_local(PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1), &q);
        }
        Py_DECREF(items);
    }
    if (q.name == NULL || !PyUnicode_Check(q.name)) {
        Py_XDECREF(q.name);
        return 0;
    }
    out->kind = HS_L_LOCAL;
    out->name = q.name;
    out->exact = PyUnicode_FromFormat(" (local %U)", q.name);
    if (out->exact == NULL)
        return -1;
    out->general = Py_NewRef(out->exact);
    return 0;
}

/* __slots__ members along the MRO that hold `child`. */
static int hs__label_slots(PyObject *parent, PyObject *child, hs_label *out) {
    PyObject *mro = Py_TYPE(parent)->tp_mro;
    Py_ssize_t i, n;
    if (mro == NULL || !PyTuple_Check(mro))
        return 0;
    n = PyTuple_GET_SIZE(mro);
    for (i = 0; i < n; i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyMemberDef *m;
        if (!PyType_Check((PyObject *)t) || !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) || t->tp_members == NULL)
            continue;
        for (m = t->tp_members; m->name != NULL; m++) {
            if ((m->type == HS_T_OBJECT_EX || m->type == HS_T_OBJECT) &&
                *(PyObject **)((char *)parent + m->offset) == child) {
                PyObject *name = PyUnicode_FromString(m->name);
                int rc;
                if (name == NULL)
                    return -1;
                rc = hs__set_attr(out, name);
                Py_DECREF(name);
                return rc;
            }
        }
    }
    return 0;
}

/* An instance's attributes: its __dict__ (materialised if need be: the
 * label is computed for a handful of objects only), then its slots. */
static int hs__label_instance(PyObject *parent, PyObject *child, hs_label *out) {
    PyTypeObject *tp = Py_TYPE(parent);
    PyObject *dict = Py_XNewRef(hs_compat_instance_dict(parent));
    int rc = 0;
    if (dict == NULL && (tp->tp_dictoffset != 0 || (tp->tp_flags & HS_TPFLAGS_MANAGED_DICT))) {
        /* Attributes kept inline: materialise the dict to read their names. */
        dict = PyObject_GenericGetDict(parent, NULL);
        if (dict == NULL)
            PyErr_Clear();
    }
    if (dict != NULL && PyDict_Check(dict)) {
        if (dict == child)
            rc = hs__set(out, HS_L_OWNDICT, ".__dict__");
        else {
            rc = hs__label_dict(dict, child, out);
            if (rc == 0 && out->kind == HS_L_VALUE && out->name != NULL) {
                PyObject *name = Py_NewRef(out->name);
                hs_label_clear(out);
                rc = hs__set_attr(out, name);
                Py_DECREF(name);
            }
        }
    }
    Py_XDECREF(dict);
    if (rc == 0 && out->kind == HS_L_NONE)
        rc = hs__label_slots(parent, child, out);
    return rc;
}

static int hs__label_gen(PyObject *parent, PyObject *child, hs_label *out) {
    PyObject *frame = PyObject_GetAttrString(parent, PyCoro_CheckExact(parent) ? "cr_frame" : "gi_frame");
    int rc = 0;
    if (frame == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (PyFrame_Check(frame))
        rc = hs__label_frame_local(frame, child, out);
    Py_DECREF(frame);
    return rc;
}

/* A special attribute (".__self__"): the name without its dot is kept. */
static int hs__set_special(hs_label *out, const char *text) {
    if (hs__set(out, HS_L_SPECIAL, text) < 0)
        return -1;
    out->name = PyUnicode_FromString(text + 1);
    return out->name ? 0 : -1;
}

#define HS_SPECIAL_IF(field, text)                                                                           \
    do {                                                                                                     \
        if ((PyObject *)(field) == child)                                                                    \
            return hs__set_special(out, text);                                                               \
    } while (0)

int hs_label_edge(PyObject *parent, PyObject *child, hs_label *out) {
    memset(out, 0, sizeof(*out));
    if (PyDict_Check(parent)) {
        if (hs__label_dict(parent, child, out) < 0)
            return -1;
        if (out->kind != HS_L_NONE)
            return 0;
    }
    if (PyList_Check(parent))
        return hs__label_seq(((PyListObject *)parent)->ob_item, PyList_GET_SIZE(parent), child, out);
    if (PyTuple_Check(parent))
        return hs__label_seq(((PyTupleObject *)parent)->ob_item, PyTuple_GET_SIZE(parent), child, out);
    if (PyAnySet_Check(parent)) {
        out->kind = HS_L_MEMBER;
        out->exact = PyUnicode_FromFormat("{<%s at %p>}", Py_TYPE(child)->tp_name, (void *)child);
        if (out->exact == NULL)
            return -1;
        out->general = PyUnicode_FromFormat("{<%s>}", Py_TYPE(child)->tp_name);
        return out->general ? 0 : -1;
    }
    if (PyModule_Check(parent) && PyModule_GetDict(parent) == child)
        return hs__set(out, HS_L_OWNDICT, ".__dict__");
    if (PyType_Check(parent)) {
        PyTypeObject *t = (PyTypeObject *)parent;
        PyObject *d = hs_compat_type_dict(t);
        int own = d == child;
        Py_XDECREF(d);
        if (own)
            return hs__set(out, HS_L_OWNDICT, ".__dict__");
        HS_SPECIAL_IF(t->tp_mro, ".__mro__");
        HS_SPECIAL_IF(t->tp_bases, ".__bases__");
        HS_SPECIAL_IF(t->tp_base, ".__base__");
        HS_SPECIAL_IF(hs_compat_type_subclasses(t), ".__subclasses__()");
    }
    if (PyFunction_Check(parent)) {
        PyFunctionObject *f = (PyFunctionObject *)parent;
        HS_SPECIAL_IF(f->func_closure, ".__closure__");
        HS_SPECIAL_IF(f->func_globals, ".__globals__");
        HS_SPECIAL_IF(f->func_defaults, ".__defaults__");
        HS_SPECIAL_IF(f->func_kwdefaults, ".__kwdefaults__");
        HS_SPECIAL_IF(f->func_code, ".__code__");
        HS_SPECIAL_IF(f->func_module, ".__module__");
        HS_SPECIAL_IF(f->func_annotations, ".__annotations__");
        if (f->func_dict == child)
            return hs__set(out, HS_L_OWNDICT, ".__dict__");
    }
    if (PyCell_Check(parent)) {
        HS_SPECIAL_IF(PyCell_GET(parent), ".cell_contents");
    }
    if (PyCode_Check(parent)) {
        const char *labels[HS_CODE_REFS_MAX];
        PyObject *refs[HS_CODE_REFS_MAX];
        int k, n = hs_compat_code_refs((PyCodeObject *)parent, labels, refs);
        for (k = 0; k < n; k++)
            HS_SPECIAL_IF(refs[k], labels[k]);
    }
    if (PyMethod_Check(parent)) {
        HS_SPECIAL_IF(PyMethod_GET_SELF(parent), ".__self__");
        HS_SPECIAL_IF(PyMethod_GET_FUNCTION(parent), ".__func__");
    }
    if (PyCFunction_Check(parent)) {
        HS_SPECIAL_IF(PyCFunction_GET_SELF(parent), ".__self__");
    }
    if (PyTraceBack_Check(parent)) {
        PyTracebackObject *tb = (PyTracebackObject *)parent;
        HS_SPECIAL_IF(tb->tb_next, ".tb_next");
        HS_SPECIAL_IF(tb->tb_frame, ".tb_frame");
    }
    if (PyExceptionInstance_Check(parent)) {
        PyBaseExceptionObject *e = (PyBaseExceptionObject *)parent;
        HS_SPECIAL_IF(e->traceback, ".__traceback__");
        HS_SPECIAL_IF(e->context, ".__context__");
        HS_SPECIAL_IF(e->cause, ".__cause__");
        HS_SPECIAL_IF(e->args, ".args");
    }
    if (PyFrame_Check(parent)) {
        PyFrameObject *f = (PyFrameObject *)parent;
        PyFrameObject *back = PyFrame_GetBack(f);
        int is_back = (PyObject *)back == child;
        Py_XDECREF(back);
        if (is_back)
            return hs__set_special(out, ".f_back");
        if (hs__label_frame_local(parent, child, out) < 0)
            return -1;
        if (out->kind != HS_L_NONE)
            return 0;
    }
    if (PyGen_Check(parent) || PyCoro_CheckExact(parent)) {
        if (hs__label_gen(parent, child, out) < 0)
            return -1;
        if (out->kind != HS_L_NONE)
            return 0;
    }
    if ((PyObject *)Py_TYPE(parent) == child)
        return hs__set_special(out, ".__class__");
    return hs__label_instance(parent, child, out);
}
