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
 */
#include "facts.h"

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
        rc = 0;
        goto done;
    }
    mdict = L->objs[nodes[anchor]];
    i = anchor + 1;
    if (PyModule_Check(mdict)) {
        mdict = PyModule_GetDict(mdict); /* borrowed from the module */
        if (i < len && L->objs[nodes[i]] == mdict)
            i++;
    }
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
    if (facts != NULL && hs__module_facts(L, rep, facts) < 0)
        Py_CLEAR(facts);
    return facts;
}
