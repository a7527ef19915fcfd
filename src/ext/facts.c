/*
 * Facts the fix hints need about a story's representative object, gathered
 * where the heap is (the target, under attach), inside the raw-pointer
 * window: exact types and slots only, no Python code.  The rules in
 * heapscope/hints.py read these and the hop kinds, never rendered text.
 *
 *   weakrefable, hashable   can its type be a WeakKeyDictionary key?
 *   value_refers_to_key     held as a dict key whose value reaches it back
 *   exception               an exception instance (its traceback holds frames)
 *   module, holder,         the module whose global the path goes through,
 *   module_dicts            the global's name, the module's other plain dicts
 *   holder_file             that module's file, or the running function's whose
 *                           local is the root: whose code holds the objects
 *   type_file               the file of the module that defines the object's
 *                           class (none for built-in types)
 *   path_type_files         the files defining the classes along the path
 */
#include "facts.h"

#include <string.h>

/* Is `to` reachable from `from` in at most `depth` hops (bounded search)? */
static int hs__reaches(const hs_graph *g, uint32_t from, uint32_t to, unsigned depth) {
    uint32_t queue[2048], dist[2048], head = 0, tail = 0;
    queue[tail] = from;
    dist[tail++] = 0;
    while (head < tail) {
        uint32_t v = queue[head], d = dist[head++], e;
        if (v == to)
            return 1;
        if (d >= depth)
            continue;
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1] && tail < 2048; e++) {
            queue[tail] = g->fwd[e];
            dist[tail++] = d + 1;
        }
    }
    return 0;
}

/* The module-level holder of a path: the module whose global the path
 * goes through last, the global's name, and the module's other plain dicts
 * (a second index may still hold what one of them dropped).  Read here, in
 * the process that owns the heap, inside the window: exact dicts and exact
 * str keys only, so no Python code runs.  0, or -1 with an exception. */
/* holder_file: the file of the module whose dict this is (its __file__). */
static int hs__module_file(PyObject *mdict, PyObject *facts, const char *fact) {
    PyObject *key = PyUnicode_FromString("__file__"), *file;
    int rc = -1;
    if (key == NULL)
        return -1;
    file = PyDict_GetItemWithError(mdict, key); /* borrowed; an exact str key: no Python code runs */
    if (file == NULL && PyErr_Occurred())
        goto done;
    rc = file != NULL && PyUnicode_CheckExact(file) ? PyDict_SetItemString(facts, fact, file) : 0;
done:
    Py_DECREF(key);
    return rc;
}

/* holder_file: the file of the running function whose local is the root. */
static int hs__frame_file(hs_live *L, uint32_t root, PyObject *facts) {
    PyObject *key = PyLong_FromUnsignedLong(root), *frame, *file;
    int rc = -1;
    if (key == NULL)
        return -1;
    frame = PyDict_GetItemWithError(L->stackinfo, key); /* borrowed; int keys */
    if (frame == NULL) {
        rc = PyErr_Occurred() ? -1 : 0;
        goto done;
    }
    file = PyDict_GetItemString(frame, "file"); /* our dict, str key */
    rc = file != NULL && PyUnicode_CheckExact(file) ? PyDict_SetItemString(facts, "holder_file", file) : 0;
done:
    Py_DECREF(key);
    return rc;
}

static int hs__module_facts(hs_live *L, uint32_t rep, PyObject *facts) {
    uint32_t len = 0, i, anchor = HS_NONE, *nodes = hs_path_nodes(L->s, rep, &len);
    PyObject *mdict, *holder, *key, *value, *others = NULL, *holder_name = NULL;
    Py_ssize_t pos = 0;
    int rc = -1;
    if (nodes == NULL)
        return PyErr_Occurred() ? -1 : 0;
    for (i = 0; i + 1 < len; i++)
        if (hs_roots_module_of(L, nodes[i]) != HS_NONE)
            anchor = i;
    if (anchor == HS_NONE) {
        rc = hs__frame_file(L, nodes[0], facts);
        goto done;
    }
    mdict = L->objs[nodes[anchor]];
    i = anchor + 1;
    if (PyModule_Check(mdict)) {
        mdict = PyModule_GetDict(mdict); /* borrowed from the module */
        if (i < len && L->objs[nodes[i]] == mdict)
            i++;
    }
    if (PyDict_Check(mdict) && hs__module_file(mdict, facts, "holder_file") < 0)
        goto done;
    if (i >= len || !PyDict_Check(mdict)) {
        rc = 0;
        goto done;
    }
    holder = L->objs[nodes[i]];
    others = PyList_New(0);
    if (others == NULL)
        goto done;
    while (PyDict_Next(mdict, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key))
            continue;
        if (value == holder) {
            Py_XSETREF(holder_name, Py_NewRef(key));
            continue;
        }
        if (!PyDict_CheckExact(value) || PyList_GET_SIZE(others) >= 10 ||
            (PyUnicode_GET_LENGTH(key) >= 2 && PyUnicode_READ_CHAR(key, 0) == '_' &&
             PyUnicode_READ_CHAR(key, 1) == '_'))
            continue; /* dunder names are the module's own */
        if (PyList_Append(others, key) < 0)
            goto done;
    }
    if (holder_name != NULL &&
        (PyDict_SetItemString(facts, "module",
                              PyList_GET_ITEM(L->modnames, hs_roots_module_of(L, nodes[anchor]))) < 0 ||
         PyDict_SetItemString(facts, "holder", holder_name) < 0 ||
         PyDict_SetItemString(facts, "module_dicts", others) < 0))
        goto done;
    rc = 0;
done:
    PyMem_RawFree(nodes);
    Py_XDECREF(others);
    Py_XDECREF(holder_name);
    return rc;
}

/* type_file: the file of the module that defines a heap type (its
 * __module__, looked up in sys.modules); nothing for built-in types.
 * Exact dicts and str keys only. */
static int hs__type_file(PyTypeObject *tp, PyObject *facts) {
    PyObject *td, *modname, *mod, *key = NULL;
    int rc = 0;
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && strchr(tp->tp_name, '.') == NULL)
        return 0;
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        /* A C extension's static type: "module.Name"; its module's file. */
        const char *dot = strrchr(tp->tp_name, '.');
        modname = PyUnicode_FromStringAndSize(tp->tp_name, dot - tp->tp_name);
        if (modname == NULL)
            return -1;
        mod = PyDict_GetItemWithError(PyImport_GetModuleDict(), modname); /* borrowed; exact str key */
        Py_DECREF(modname);
        if (mod == NULL || !PyModule_Check(mod))
            return PyErr_Occurred() ? -1 : 0;
        return hs__module_file(PyModule_GetDict(mod), facts, "type_file");
    }
    td = hs_compat_type_dict(tp);
    if (td == NULL || !PyDict_CheckExact(td)) {
        Py_XDECREF(td);
        return 0;
    }
    key = PyUnicode_FromString("__module__");
    if (key == NULL) {
        rc = -1;
        goto done;
    }
    modname = PyDict_GetItemWithError(td, key); /* borrowed */
    if (modname == NULL || !PyUnicode_CheckExact(modname)) {
        rc = PyErr_Occurred() ? -1 : 0;
        goto done;
    }
    mod = PyDict_GetItemWithError(PyImport_GetModuleDict(), modname); /* borrowed; exact str key */
    if (mod == NULL || !PyModule_Check(mod)) {
        rc = PyErr_Occurred() ? -1 : 0;
        goto done;
    }
    rc = hs__module_file(PyModule_GetDict(mod), facts, "type_file");
done:
    Py_XDECREF(key);
    Py_DECREF(td);
    return rc;
}

/* path_type_files: the files of the modules that define the classes along
 * the path (distinct, at most 16): is the objects' holder a library's
 * structure, the interpreter's, or the user's? */
static int hs__path_type_files(hs_live *L, uint32_t rep, PyObject *facts) {
    uint32_t len = 0, i, *nodes = hs_path_nodes(L->s, rep, &len);
    PyObject *files = PyList_New(0), *one = NULL;
    int rc = -1;
    if (files == NULL || (nodes == NULL && PyErr_Occurred()))
        goto done;
    for (i = 0; i + 1 < len && PyList_GET_SIZE(files) < 16; i++) {
        PyObject *f;
        int has;
        Py_XSETREF(one, PyDict_New());
        if (one == NULL || hs__type_file(Py_TYPE(L->objs[nodes[i]]), one) < 0)
            goto done;
        f = PyDict_GetItemString(one, "type_file"); /* our dict */
        if (f == NULL)
            continue;
        has = PySequence_Contains(files, f); /* exact strs: C comparison */
        if (has < 0 || (!has && PyList_Append(files, f) < 0))
            goto done;
    }
    rc = PyDict_SetItemString(facts, "path_type_files", files);
done:
    PyMem_RawFree(nodes);
    Py_XDECREF(files);
    Py_XDECREF(one);
    return rc;
}

/* Facts the fix hints need about a story's representative object, gathered
 * where the heap is (the target, under attach): rules never read text. */
PyObject *hs_story_facts(hs_live *L, uint32_t rep) {
    PyObject *o = L->objs[rep], *facts;
    PyTypeObject *tp = Py_TYPE(o);
    uint32_t p = L->s->parent[rep];
    int weak = tp->tp_weaklistoffset != 0 || (tp->tp_flags & HS_TPFLAGS_MANAGED_WEAKREF) != 0;
    int hashable = tp->tp_hash != NULL && tp->tp_hash != PyObject_HashNotImplemented;
    PyObject *refers = Py_None;
    if (p != HS_NONE && p != rep && PyDict_Check(L->objs[p])) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(L->objs[p], &pos, &key, &value))
            if (key == o) {
                uint32_t vv = hs_heap_node(L->s, value);
                refers = (vv != HS_NONE && hs__reaches(&L->s->graph, vv, rep, 4)) ? Py_True : Py_False;
                break;
            }
    }
    facts = Py_BuildValue("{sOsOsOsO}", "weakrefable", weak ? Py_True : Py_False, "hashable",
                          hashable ? Py_True : Py_False, "value_refers_to_key", refers, "exception",
                          PyExceptionInstance_Check(o) ? Py_True : Py_False);
    if (facts != NULL && (hs__module_facts(L, rep, facts) < 0 || hs__type_file(tp, facts) < 0 ||
                          hs__path_type_files(L, rep, facts) < 0))
        Py_CLEAR(facts);
    return facts;
}
