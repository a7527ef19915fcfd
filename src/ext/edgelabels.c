/*
 * Edge labels for snapshot files: how each object's shortest-path parent
 * holds it (an attribute, a dict value under a key, an index, a closure
 * cell, ...), for every object at once, so that `report` and `diff` on a
 * file label paths as the live analysis does (issue #13.7).
 *
 * Runs inside the raw-pointer window and never calls Python code: dicts
 * are read with PyDict_Next, fixed-layout objects field by field, names
 * are the keys' own text (copied into C memory) or C strings (slot and
 * field names).  One pass over each parent's references: linear in the
 * graph.  Objects whose attributes live inline (3.11+ without a __dict__
 * object) keep no names: their edges stay unlabelled.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/hs_bits.h"
#include "../core/hs_snapfile.h"
#include "heap.h"

typedef struct {
    hs_addrmap ids; /* key (a str object's or a C string's address) -> string index */
    char **strs;
    uint32_t n, cap;
} hs_strtab;

/* The index of a name, interned by `key`; HS_NONE when it cannot be kept. */
static uint32_t hs__intern(hs_strtab *t, uintptr_t key, const char *text, size_t len) {
    uint32_t id = t->n;
    int put;
    char *copy;
    if (key == 0)
        return HS_NONE;
    put = hs_addrmap_put(&t->ids, key, id, &id);
    if (put < 0)
        return HS_NONE;
    if (put == 0)
        return id;
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        char **ns = realloc(t->strs, (size_t)cap * sizeof(char *));
        if (ns == NULL)
            return HS_NONE;
        t->strs = ns;
        t->cap = cap;
    }
    copy = malloc(len + 1);
    if (copy == NULL)
        return HS_NONE;
    memcpy(copy, text, len);
    copy[len] = '\0';
    t->strs[t->n++] = copy;
    return id;
}

/* A str object's name: its text when it is plain UTF-8 without NUL. */
static uint32_t hs__intern_str(hs_strtab *t, PyObject *s) {
    Py_ssize_t len = 0;
    const char *text;
    if (!PyUnicode_CheckExact(s))
        return HS_NONE;
    text = PyUnicode_AsUTF8AndSize(s, &len); /* ASCII strs: their own data; no Python code runs */
    if (text == NULL) {
        PyErr_Clear();
        return HS_NONE;
    }
    if (strlen(text) != (size_t)len || len > 200)
        return HS_NONE;
    return hs__intern(t, (uintptr_t)s, text, (size_t)len);
}

static void hs__set(hs_snapshot_object *s, uint32_t v, uint8_t kind, uint32_t name) {
    if (v == HS_NONE || s->label_kind[v] != HS_LBL_UNKNOWN)
        return;
    s->label_kind[v] = kind;
    s->label_name[v] = name;
}

#define HS_FIELD(ptr, text)                                                                                  \
    do {                                                                                                     \
        if ((PyObject *)(ptr) == child)                                                                      \
            return hs__set(s, c, HS_LBL_SPECIAL, hs__intern(t, (uintptr_t)(text), (text), strlen(text))), 0; \
    } while (0)

/* The label of child c of a fixed-layout object p; 0, or -1 on MemoryError. */
static int hs__fixed(hs_live *L, hs_strtab *t, PyObject *po, uint32_t c) {
    hs_snapshot_object *s = L->s;
    PyObject *child = L->objs[c];
    if (PyModule_Check(po) && PyModule_GetDict(po) == child)
        return hs__set(s, c, HS_LBL_OWNDICT, HS_NONE), 0;
    if (PyType_Check(po)) {
        PyTypeObject *tp = (PyTypeObject *)po;
        PyObject *d = hs_compat_type_dict(tp);
        int own = d == child;
        Py_XDECREF(d);
        if (own)
            return hs__set(s, c, HS_LBL_OWNDICT, HS_NONE), 0;
        HS_FIELD(tp->tp_mro, "__mro__");
        HS_FIELD(tp->tp_bases, "__bases__");
        HS_FIELD(hs_compat_type_subclasses(tp), "__subclasses__()");
        return 0;
    }
    if (PyFunction_Check(po)) {
        PyFunctionObject *f = (PyFunctionObject *)po;
        if (f->func_dict == child)
            return hs__set(s, c, HS_LBL_OWNDICT, HS_NONE), 0;
        HS_FIELD(f->func_closure, "__closure__");
        HS_FIELD(f->func_globals, "__globals__");
        HS_FIELD(f->func_defaults, "__defaults__");
        HS_FIELD(f->func_kwdefaults, "__kwdefaults__");
        HS_FIELD(f->func_code, "__code__");
        return 0;
    }
    if (PyMethod_Check(po)) {
        HS_FIELD(PyMethod_GET_SELF(po), "__self__");
        HS_FIELD(PyMethod_GET_FUNCTION(po), "__func__");
        return 0;
    }
    if (PyCFunction_Check(po)) {
        HS_FIELD(PyCFunction_GET_SELF(po), "__self__");
        return 0;
    }
    if (PyCell_Check(po)) {
        HS_FIELD(PyCell_GET(po), "cell_contents");
        return 0;
    }
    if (PyCode_Check(po)) {
        const char *labels[HS_CODE_REFS_MAX];
        PyObject *refs[HS_CODE_REFS_MAX];
        int k, n = hs_compat_code_refs((PyCodeObject *)po, labels, refs);
        for (k = 0; k < n; k++)
            HS_FIELD(refs[k], labels[k] + 1); /* the name, without its dot */
        return 0;
    }
    if (PyTraceBack_Check(po)) {
        PyTracebackObject *tb = (PyTracebackObject *)po;
        HS_FIELD(tb->tb_next, "tb_next");
        HS_FIELD(tb->tb_frame, "tb_frame");
        return 0;
    }
    if (PyExceptionInstance_Check(po)) {
        PyBaseExceptionObject *e = (PyBaseExceptionObject *)po;
        HS_FIELD(e->traceback, "__traceback__");
        HS_FIELD(e->context, "__context__");
        HS_FIELD(e->cause, "__cause__");
        HS_FIELD(e->args, "args");
    }
    if (hs_compat_instance_dict(po) == child)
        return hs__set(s, c, HS_LBL_OWNDICT, HS_NONE), 0;
    {
        /* __slots__ along the MRO (C names) */
        PyObject *mro = Py_TYPE(po)->tp_mro;
        Py_ssize_t i;
        for (i = 0; mro != NULL && PyTuple_Check(mro) && i < PyTuple_GET_SIZE(mro); i++) {
            PyTypeObject *tp = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            PyMemberDef *m;
            if (!PyType_Check((PyObject *)tp) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ||
                tp->tp_members == NULL)
                continue;
            for (m = tp->tp_members; m->name != NULL; m++)
                if ((m->type == HS_T_OBJECT_EX || m->type == HS_T_OBJECT) &&
                    *(PyObject **)((char *)po + m->offset) == child)
                    return hs__set(s, c, HS_LBL_ATTR,
                                   hs__intern(t, (uintptr_t)m->name, m->name, strlen(m->name))),
                           0;
        }
    }
    return 0;
}

typedef struct {
    hs_live *L;
    hs_strtab *t;
    uint32_t frame;
} hs__local_ctx;

static int hs__local(PyObject *name, PyObject *value, void *arg) {
    hs__local_ctx *x = (hs__local_ctx *)arg;
    uint32_t v = hs_heap_node(x->L->s, value);
    if (v != HS_NONE && x->L->s->parent[v] == x->frame)
        hs__set(x->L->s, v, HS_LBL_LOCAL, hs__intern_str(x->t, name));
    return 0;
}

int hs_edge_labels(hs_live *L) {
    hs_snapshot_object *s = L->s;
    const hs_graph *g = &s->graph;
    uint64_t *has_child = calloc(hs_bits_words(s->n), sizeof(uint64_t)); /* a bit per node */
    hs_strtab t;
    uint32_t v, p;
    int rc = -1;
    memset(&t, 0, sizeof(t));
    s->label_kind = calloc((size_t)s->n + 1, 1);
    s->label_name = malloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (has_child == NULL || s->label_kind == NULL || s->label_name == NULL ||
        hs_addrmap_init(&t.ids, 1024, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++) {
        s->label_name[v] = HS_NONE;
        if (s->parent[v] != HS_NONE && s->parent[v] != v)
            hs_bits_set(has_child, s->parent[v]);
    }
    for (p = 0; p < s->n; p++) {
        PyObject *po = L->objs[p];
        uint32_t e;
        /* The parents are scattered in memory, and reading each was half
         * of this function's time: fetch ahead. */
        if (p + 16 < s->n && hs_bits_test(has_child, p + 16))
            __builtin_prefetch(L->objs[p + 16]);
        if (!hs_bits_test(has_child, p))
            continue;
        if (PyDict_Check(po)) {
            Py_ssize_t pos = 0;
            PyObject *key, *value;
            while (PyDict_Next(po, &pos, &key, &value)) {
                uint32_t vv = hs_heap_node(s, value), kk = hs_heap_node(s, key);
                if (vv != HS_NONE && s->parent[vv] == p) {
                    uint32_t name = PyUnicode_CheckExact(key) ? hs__intern_str(&t, key) : HS_NONE;
                    hs__set(s, vv, name != HS_NONE ? HS_LBL_VALUE_STR : HS_LBL_VALUE, name);
                }
                if (kk != HS_NONE && s->parent[kk] == p)
                    hs__set(s, kk, HS_LBL_KEY, HS_NONE);
            }
            continue;
        }
        if (PyList_Check(po) || PyTuple_Check(po)) {
            PyObject **items =
                PyList_Check(po) ? ((PyListObject *)po)->ob_item : ((PyTupleObject *)po)->ob_item;
            Py_ssize_t i, n = PyList_Check(po) ? PyList_GET_SIZE(po) : PyTuple_GET_SIZE(po);
            for (i = 0; i < n; i++) {
                uint32_t c = hs_heap_node(s, items[i]);
                if (c != HS_NONE && s->parent[c] == p)
                    hs__set(s, c, HS_LBL_INDEX, i < (Py_ssize_t)HS_NONE ? (uint32_t)i : HS_NONE);
            }
            continue;
        }
        if (PyFrame_Check(po)) {
            hs__local_ctx x = {L, &t, p};
            if (hs_compat_frame_visit_locals((PyFrameObject *)po, hs__local, &x) < 0)
                goto done;
        }
        for (e = g->fwd_off[p]; e < g->fwd_off[p + 1]; e++) {
            uint32_t c = g->fwd[e];
            if (s->parent[c] != p || s->label_kind[c] != HS_LBL_UNKNOWN)
                continue;
            if (PyAnySet_Check(po))
                hs__set(s, c, HS_LBL_MEMBER, HS_NONE);
            else if (hs__fixed(L, &t, po, c) < 0)
                goto done;
        }
    }
    for (v = 0; v < s->n; v++) /* a name the table could not keep: no name, so no named kind */
        if (hs_label_has_name(s->label_kind[v]) && s->label_kind[v] != HS_LBL_INDEX &&
            s->label_name[v] == HS_NONE)
            s->label_kind[v] = s->label_kind[v] == HS_LBL_VALUE_STR ? HS_LBL_VALUE : HS_LBL_UNKNOWN;
        else if (s->label_kind[v] == HS_LBL_INDEX && s->label_name[v] == HS_NONE)
            s->label_kind[v] = HS_LBL_UNKNOWN;
    s->label_strs = t.strs;
    s->nlabel_strs = t.n;
    t.strs = NULL;
    rc = 0;
done:
    if (t.strs != NULL) {
        for (v = 0; v < t.n; v++)
            free(t.strs[v]);
        free(t.strs);
    }
    hs_addrmap_destroy(&t.ids);
    free(has_child);
    return rc;
}
