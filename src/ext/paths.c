/*
 * Retention paths as hops.  One renderer serves live analysis and snapshot
 * files; they differ only in how an edge is named (live: labels.c reads the
 * containers; a file: the names of modules and classes it kept).
 *
 * A path is {"root": {kind, name[, frame]}, "hops": [hop], "length": n}
 * where each hop is {"kind", "label", "general", "name", "type", "address"}:
 *   kind     one of hs_hop_kinds (below): how the previous hop holds this one
 *   label    the text of the edge (".registry", "[3]", " (local x)"); None
 *            for a hidden hop (an own __dict__ merged into the next hop)
 *   general  the label with keys and indexes generalised ("[<str>]")
 *   name     the bare attribute, global, local or str key name, or None
 * The first shown hop is the root (kind "root", label the root's name).
 * The Python model renders path text from the hops; rules read the kinds.
 */
#include <string.h>

#include "../core/hs_snapfile.h"
#include "../core/hs_story.h"
#include "heap.h"
#include "typename.h"

/* Hop kinds, exported as _heapscope.HOP_KINDS (the Python model checks it
 * knows every one). */
const char *const hs_hop_kinds[] = {
    "root",        "attribute",  "module global", "class attribute", "dict key",   "dict value",
    "index",       "set member", "closure",       "closure cell",    "bound self", "bound function",
    "frame local", "own dict",   "C reference",   "unknown",         "elided",     NULL,
};

#define HS_PATH_HEAD 32 /* hops shown before an elided middle */
#define HS_PATH_TAIL 16 /* and after it */

uint32_t *hs_path_nodes(const hs_snapshot_object *s, uint32_t v, uint32_t *len) {
    uint32_t n = 0, x = v, *p;
    *len = 0;
    if (s->parent == NULL || s->parent[v] == HS_NONE)
        return NULL;
    for (;;) {
        n++;
        if (s->parent[x] == x)
            break;
        x = s->parent[x];
    }
    p = PyMem_RawMalloc((size_t)n * sizeof(uint32_t));
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    *len = n;
    x = v;
    while (n-- > 0) {
        p[n] = x;
        x = s->parent[x];
    }
    return p;
}

/* A path's first hop: a class by its qualified name (it is what the user
 * wrote, whoever holds it), anything else by type and address. */
static PyObject *hs__root_name(PyObject *obj) {
    char *name;
    PyObject *out;
    if (!PyType_Check(obj))
        return hs_describe(obj);
    name = hs_type_name((PyTypeObject *)obj);
    if (name == NULL)
        return NULL;
    out = PyUnicode_FromString(name);
    PyMem_RawFree(name);
    return out;
}

/* The name a file kept for node v (a module, its dict, a class), borrowed; NULL when none. */
static PyObject *hs__file_name(const hs_snapshot_object *s, uint32_t v) {
    PyObject *key, *name;
    if (s->names == NULL)
        return NULL;
    key = PyLong_FromUnsignedLong(v);
    if (key == NULL) {
        PyErr_Clear();
        return NULL;
    }
    name = PyDict_GetItemWithError(s->names, key); /* int keys: no Python code runs */
    Py_DECREF(key);
    if (name == NULL)
        PyErr_Clear();
    return name;
}

/* What the renderer asks of a node, live (the object) or from a file (its
 * kept names and labels).  A module or a module's dict: */
static int hs__is_module(const hs_live *L, const hs_snapshot_object *s, uint32_t v) {
    const char *t;
    if (L != NULL)
        return hs_roots_module_of(L, v) != HS_NONE;
    t = s->type_names[hs_heap_type(s, v)];
    return hs__file_name(s, v) != NULL && (strcmp(t, "module") == 0 || strcmp(t, "dict") == 0);
}

/* A class: */
static int hs__is_class(const hs_live *L, const hs_snapshot_object *s, uint32_t v) {
    if (L != NULL)
        return PyType_Check(L->objs[v]);
    return hs__file_name(s, v) != NULL && !hs__is_module(L, s, v);
}

/* The module's name (new reference), for a node hs__is_module() said yes to. */
static PyObject *hs__module_name(const hs_live *L, const hs_snapshot_object *s, uint32_t v) {
    if (L != NULL)
        return Py_NewRef(PyList_GET_ITEM(L->modnames, hs_roots_module_of(L, v)));
    return Py_XNewRef(hs__file_name(s, v));
}

/* Is node v an anchor: where a shown path starts (the last one on it)?
 * A module or a module's dict; in a file without labels, any node it named
 * (a class too: its name is all such a file can say). */
static int hs__is_anchor(const hs_live *L, const hs_snapshot_object *s, uint32_t v) {
    if (L != NULL || s->label_kind != NULL)
        return hs__is_module(L, s, v);
    return hs__file_name(s, v) != NULL;
}

/* Rewrites label l as the attribute ".name" (name stolen). */
static int hs__as_attr(hs_label *l, PyObject *name) {
    hs_label_clear(l);
    l->kind = HS_L_ATTR;
    l->name = name;
    l->exact = PyUnicode_FromFormat(".%U", name);
    l->general = Py_XNewRef(l->exact);
    return l->exact ? 0 : -1;
}

/* The hop kind of shown hop i (i > start). */
static const char *hs__hop_kind(const hs_live *L, const hs_snapshot_object *s, const uint32_t *nodes,
                                const hs_label *labels, uint32_t i) {
    uint32_t owner;
    const char *name;
    switch (labels[i].kind) {
    case HS_L_ATTR:
        /* Whose attribute: the node before, or before its hidden own dict. */
        owner = nodes[i - 1];
        if (i >= 2 && labels[i - 1].kind == HS_L_OWNDICT && labels[i - 1].exact == NULL)
            owner = nodes[i - 2];
        if (hs__is_module(L, s, owner))
            return "module global";
        return hs__is_class(L, s, owner) ? "class attribute" : "attribute";
    case HS_L_OWNDICT:
        return labels[i].exact == NULL ? "own dict" : "attribute";
    case HS_L_VALUE:
        return "dict value";
    case HS_L_KEY:
        return "dict key";
    case HS_L_INDEX:
        return "index";
    case HS_L_MEMBER:
        return "set member";
    case HS_L_LOCAL:
        return "frame local";
    case HS_L_SPECIAL:
        name = labels[i].name ? PyUnicode_AsUTF8(labels[i].name) : NULL;
        if (name == NULL) {
            PyErr_Clear();
            return "attribute";
        }
        if (strcmp(name, "__closure__") == 0)
            return "closure";
        if (strcmp(name, "cell_contents") == 0)
            return "closure cell";
        if (strcmp(name, "__self__") == 0)
            return "bound self";
        if (strcmp(name, "__func__") == 0)
            return "bound function";
        return "attribute";
    default:
        return L != NULL ? "C reference" : "unknown";
    }
}

/* The short name of node v's type ("Node" for "app.models.Node"). */
static const char *hs__short_type(const hs_snapshot_object *s, uint32_t v) {
    const char *t = s->type_names[hs_heap_type(s, v)], *dot = strrchr(t, '.');
    return dot ? dot + 1 : t;
}

/* The label a file kept for the edge into node v, as the live labeller says it. */
static int hs__file_label(const hs_snapshot_object *s, uint32_t v, hs_label *out) {
    uint8_t kind = s->label_kind[v];
    uint32_t nm = s->label_name[v];
    const char *name = (nm != HS_NONE && nm < s->nlabel_strs) ? s->label_strs[nm] : NULL;
    const char *type = hs__short_type(s, v);
    void *addr = (void *)(uintptr_t)s->addr[v];
    memset(out, 0, sizeof(*out));
    switch (kind) {
    case HS_LBL_ATTR:
    case HS_LBL_SPECIAL:
        if (name == NULL)
            return 0;
        out->kind = kind == HS_LBL_ATTR ? HS_L_ATTR : HS_L_SPECIAL;
        out->name = PyUnicode_FromString(name);
        out->exact = out->name ? PyUnicode_FromFormat(".%s", name) : NULL;
        break;
    case HS_LBL_VALUE_STR:
        if (name == NULL)
            return 0;
        out->kind = HS_L_VALUE;
        out->name = PyUnicode_FromString(name);
        out->exact = out->name ? PyUnicode_Type.tp_repr(out->name) : NULL; /* 'name', as live */
        if (out->exact != NULL)
            Py_SETREF(out->exact, PyUnicode_FromFormat("[%U]", out->exact));
        out->general = PyUnicode_FromString("[<str>]");
        return out->exact && out->general ? 0 : -1;
    case HS_LBL_VALUE:
        out->kind = HS_L_VALUE;
        out->exact = PyUnicode_FromString("[...]");
        break;
    case HS_LBL_KEY:
        out->kind = HS_L_KEY;
        out->exact = PyUnicode_FromFormat("[<%s at %p> (key)]", type, (void *)(uintptr_t)addr);
        out->general = PyUnicode_FromFormat("[<%s> (key)]", type);
        return out->exact && out->general ? 0 : -1;
    case HS_LBL_INDEX:
        out->kind = HS_L_INDEX;
        out->exact = PyUnicode_FromFormat("[%u]", nm);
        out->general = PyUnicode_FromString("[i]");
        return out->exact && out->general ? 0 : -1;
    case HS_LBL_MEMBER:
        out->kind = HS_L_MEMBER;
        out->exact = PyUnicode_FromFormat("{<%s at %p>}", type, (void *)(uintptr_t)addr);
        out->general = PyUnicode_FromFormat("{<%s>}", type);
        return out->exact && out->general ? 0 : -1;
    case HS_LBL_OWNDICT:
        out->kind = HS_L_OWNDICT;
        out->exact = PyUnicode_FromString(".__dict__");
        break;
    case HS_LBL_LOCAL:
        if (name == NULL)
            return 0;
        out->kind = HS_L_LOCAL;
        out->name = PyUnicode_FromString(name);
        out->exact = out->name ? PyUnicode_FromFormat(" (local %s)", name) : NULL;
        break;
    default:
        return 0;
    }
    if (out->exact == NULL)
        return -1;
    out->general = Py_NewRef(out->exact);
    return 0;
}

/* Labels of the shown edges, with the merges a developer reads:
 * "mod.__dict__['x']" is "mod.x", "obj -> its __dict__ -> ['name']" is "obj.name". */
static int hs__label_path(hs_live *L, const hs_snapshot_object *s, const uint32_t *nodes, uint32_t len,
                          uint32_t cut_from, uint32_t cut_to, hs_label *labels) {
    uint32_t i;
    if (L == NULL && s->label_kind == NULL)
        return 0; /* a file without labels: types only */
    for (i = 1; i < len; i++) {
        if (i > cut_from && i + 1 < cut_to)
            continue;
        if ((L != NULL ? hs_label_edge(L->objs[nodes[i - 1]], L->objs[nodes[i]], &labels[i])
                       : hs__file_label(s, nodes[i], &labels[i])) < 0)
            return -1;
    }
    for (i = 1; i < len; i++)
        if (labels[i].kind == HS_L_VALUE && labels[i].name != NULL && hs__is_module(L, s, nodes[i - 1]) &&
            hs__as_attr(&labels[i], Py_NewRef(labels[i].name)) < 0)
            return -1;
    for (i = 1; i + 1 < len; i++) {
        if (labels[i].kind == HS_L_OWNDICT && labels[i].exact != NULL &&
            (labels[i + 1].kind == HS_L_VALUE || labels[i + 1].kind == HS_L_ATTR) &&
            labels[i + 1].name != NULL) {
            if (hs__as_attr(&labels[i + 1], Py_NewRef(labels[i + 1].name)) < 0)
                return -1;
            hs_label_clear(&labels[i]);
            labels[i].kind = HS_L_OWNDICT; /* hidden */
        }
    }
    return 0;
}

/* The root of a path anchored at a module (live or from a file): "module
 * global mod.x" or "class attribute mod.Class.attr", and its first hop's text. */
static int hs__anchored_root(const hs_live *L, const hs_snapshot_object *s, const uint32_t *nodes,
                             uint32_t len, const hs_label *labels, uint32_t anchor, PyObject **root,
                             PyObject **first) {
    PyObject *modname = hs__module_name(L, s, nodes[anchor]), *rootname = NULL;
    uint32_t j = anchor + 1;
    const char *kind = "module global";
    if (modname == NULL)
        return -1;
    *first = Py_NewRef(modname);
    while (j < len && labels[j].kind == HS_L_OWNDICT && labels[j].exact == NULL)
        j++;
    if (j < len && labels[j].kind == HS_L_ATTR) {
        uint32_t k = j + 1;
        while (k < len && labels[k].kind == HS_L_OWNDICT && labels[k].exact == NULL)
            k++;
        if (hs__is_class(L, s, nodes[j]) && k < len && labels[k].kind == HS_L_ATTR) {
            kind = "class attribute";
            rootname = PyUnicode_FromFormat("%U%U%U", modname, labels[j].exact, labels[k].exact);
        } else
            rootname = PyUnicode_FromFormat("%U%U", modname, labels[j].exact);
    } else
        rootname = Py_NewRef(modname);
    Py_DECREF(modname);
    *root = rootname ? Py_BuildValue("{sssN}", "kind", kind, "name", rootname) : NULL;
    return *root ? 0 : -1;
}

/* The root of a live path that no module anchors, and its first hop's text. */
static int hs__live_root(hs_live *L, const uint32_t *nodes, PyObject **root, PyObject **first) {
    hs_snapshot_object *s = L->s;
    uint32_t r = nodes[0];
    PyObject *key = PyLong_FromUnsignedLong(r), *frame;
    const char *kind;
    if (key == NULL)
        return -1;
    frame = PyDict_GetItemWithError(L->stackinfo, key); /* borrowed, keys are ints */
    Py_DECREF(key);
    if (frame == NULL && PyErr_Occurred())
        return -1;
    kind = hs_tier_kind[s->tier[r] < HS_NTIERS ? s->tier[r] : 0];
    if (frame != NULL) {
        PyObject *local = PyDict_GetItemString(frame, "local");
        if (local != NULL && local != Py_None)
            *first = Py_NewRef(local);
        else
            *first = PyUnicode_FromFormat("<frame %U>", PyDict_GetItemString(frame, "function"));
        *root = *first ? Py_BuildValue("{sssOsO}", "kind", kind, "name", *first, "frame", frame) : NULL;
    } else {
        if (r == L->atexit_list) { /* 3.14+: the interpreter's list of atexit callbacks */
            *first = PyUnicode_FromString("atexit's callbacks");
            *root = *first ? Py_BuildValue("{ssss}", "kind", kind, "name", "atexit") : NULL;
            return *first != NULL && *root != NULL ? 0 : -1;
        }
        *first = r == L->sysmodules ? PyUnicode_FromString("sys.modules") : hs__root_name(L->objs[r]);
        *root = *first ? Py_BuildValue("{sssO}", "kind", r == L->sysmodules ? "interpreter" : kind, "name",
                                       *first)
                       : NULL;
    }
    return *first != NULL && *root != NULL ? 0 : -1;
}

/* The root of a path in a file that no named node anchors: its tier. */
static int hs__file_root(const hs_snapshot_object *s, const uint32_t *nodes, PyObject **root,
                         PyObject **first) {
    uint32_t r = nodes[0];
    const char *kind = hs_tier_kind[s->tier[r] < HS_NTIERS ? s->tier[r] : 0];
    PyObject *known = NULL; /* a running frame's local, by its name (a kept snapshot) */
    if (s->stack_names != NULL) {
        PyObject *key = PyLong_FromUnsignedLong(r);
        known = key ? PyDict_GetItemWithError(s->stack_names, key) : NULL; /* borrowed */
        Py_XDECREF(key);
        if (known == NULL && PyErr_Occurred())
            return -1;
    }
    if (known != NULL) {
        *first = Py_NewRef(known);
        *root = Py_BuildValue("{sssO}", "kind", kind, "name", known);
        return *root ? 0 : -1;
    }
    *first = PyUnicode_FromFormat("<%s>", s->type_names[hs_heap_type(s, r)]);
    if (*first == NULL)
        return -1;
    *root = Py_BuildValue(
        "{sssN}", "kind", kind, "name",
        PyUnicode_FromFormat("<%s at %p>", s->type_names[hs_heap_type(s, r)], (void *)(uintptr_t)s->addr[r]));
    return *root ? 0 : -1;
}

static int hs__append_hop(PyObject *hops, const char *kind, PyObject *label, PyObject *general,
                          PyObject *name, const char *type, PyObject *address) {
    PyObject *hop = Py_BuildValue("{sssOsOsOsssO}", "kind", kind, "label", label ? label : Py_None, "general",
                                  general ? general : Py_None, "name", name ? name : Py_None, "type", type,
                                  "address", address);
    int rc = hop ? PyList_Append(hops, hop) : -1;
    Py_XDECREF(hop);
    return rc;
}

PyObject *hs_path_render(hs_live *L, hs_snapshot_object *s, uint32_t v) {
    uint32_t len = 0, i, anchor = HS_NONE, start, cut_from = HS_NONE, cut_to = HS_NONE;
    uint32_t *nodes = hs_path_nodes(s, v, &len);
    hs_label *labels = NULL;
    PyObject *result = NULL, *hops = NULL, *root = NULL, *first = NULL;
    int labelled = L != NULL || s->label_kind != NULL, rc;

    if (nodes == NULL) {
        if (PyErr_Occurred())
            return NULL;
        return Py_BuildValue("{s{sssN}sNsi}", "root", "kind", "unreachable", "name",
                             L ? hs_describe(L->objs[v])
                               : PyUnicode_FromFormat("<%s at %p>", s->type_names[hs_heap_type(s, v)],
                                                      (void *)(uintptr_t)s->addr[v]),
                             "hops", PyList_New(0), "length", -1);
    }
    labels = PyMem_RawCalloc(len, sizeof(hs_label));
    if (labels == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* The shown path starts at its last anchor, so "sys.modules -> module
     * -> __dict__" never clutters the story. */
    for (i = 0; i < len; i++)
        if (nodes[i] != v && hs__is_anchor(L, s, nodes[i]))
            anchor = i;
    start = anchor != HS_NONE ? anchor : 0;
    /* A path of thousands of hops (a long linked list) is shown by its
     * first and last hops; the middle is one elided hop.  Labels are
     * computed only for what is shown (and its neighbours, for merging). */
    if (len - start > HS_PATH_HEAD + HS_PATH_TAIL + 8) {
        cut_from = start + HS_PATH_HEAD;
        cut_to = len - HS_PATH_TAIL;
    }
    if (hs__label_path(L, s, nodes, len, cut_from, cut_to, labels) < 0)
        goto done;
    if (anchor != HS_NONE && (labelled || L != NULL))
        rc = hs__anchored_root(L, s, nodes, len, labels, anchor, &root, &first);
    else if (anchor != HS_NONE) {
        /* a file without labels: the anchor's name, the tier's kind */
        PyObject *known = hs__file_name(s, nodes[anchor]);
        first = Py_XNewRef(known);
        root = known ? Py_BuildValue("{sssO}", "kind", hs_tier_kind[s->tier[nodes[0]] % HS_NTIERS], "name",
                                     known)
                     : NULL;
        rc = first && root ? 0 : -1;
    } else
        rc = L != NULL ? hs__live_root(L, nodes, &root, &first) : hs__file_root(s, nodes, &root, &first);
    if (rc < 0)
        goto done;
    hops = PyList_New(0);
    if (hops == NULL)
        goto done;
    for (i = start; i < len; i++) {
        const char *type = s->type_names[hs_heap_type(s, nodes[i])];
        PyObject *address, *label = NULL, *general = NULL;
        const char *kind;
        if (i == cut_from) {
            PyObject *el = PyUnicode_FromFormat(" -> ... %u more hops ...", cut_to - cut_from), *hop;
            hop = el ? Py_BuildValue("{sssOsOsOsssOsI}", "kind", "elided", "label", el, "general", el, "name",
                                     Py_None, "type", "...", "address", Py_None, "elided", cut_to - cut_from)
                     : NULL;
            Py_XDECREF(el);
            rc = hop ? PyList_Append(hops, hop) : -1;
            Py_XDECREF(hop);
            if (rc < 0)
                goto done;
            i = cut_to - 1;
            continue;
        }
        if (i == start) {
            kind = "root";
            label = Py_NewRef(first);
            general = Py_NewRef(first);
        } else {
            kind = labelled ? hs__hop_kind(L, s, nodes, labels, i) : "unknown";
            if (labels[i].exact != NULL) {
                label = Py_NewRef(labels[i].exact);
                general = Py_NewRef(labels[i].general);
            } else if (labels[i].kind != HS_L_OWNDICT) {
                PyObject *known = L == NULL ? hs__file_name(s, nodes[i]) : NULL;
                if (L != NULL)
                    label = PyUnicode_FromFormat(" -> <%s>", Py_TYPE(L->objs[nodes[i]])->tp_name);
                else
                    label =
                        known ? PyUnicode_FromFormat(" -> %U", known) : PyUnicode_FromFormat(" -> %s", type);
                general = Py_XNewRef(label);
                if (label == NULL)
                    goto done;
            }
        }
        address = PyLong_FromUnsignedLongLong((unsigned long long)s->addr[nodes[i]]);
        rc = address ? hs__append_hop(hops, kind, label, general, i > start ? labels[i].name : NULL, type,
                                      address)
                     : -1;
        Py_XDECREF(address);
        Py_XDECREF(label);
        Py_XDECREF(general);
        if (rc < 0)
            goto done;
    }
    result = Py_BuildValue("{sOsOsI}", "root", root, "hops", hops, "length", len - 1);
done:
    if (labels != NULL) {
        for (i = 0; i < len; i++)
            hs_label_clear(&labels[i]);
        PyMem_RawFree(labels);
    }
    PyMem_RawFree(nodes);
    Py_XDECREF(hops);
    Py_XDECREF(root);
    Py_XDECREF(first);
    return result;
}

/*
 * The n nodes retaining most: reachable, not a module, a module's dict, a
 * class, sys.modules or interpreter state (they retain everything), and not
 * heapscope's.  The same rule live and offline: what a file cannot tell
 * (which node is a class) it kept in its names.
 */
PyObject *hs_path_top_retainers(hs_live *L, hs_snapshot_object *s, Py_ssize_t top) {
    uint32_t *best = NULL, nbest, v, k;
    uint8_t *eligible = NULL;
    PyObject *list = NULL, *key, *val;
    Py_ssize_t pos = 0;
    if (s->retained.v == NULL || top <= 0)
        return PyList_New(0);
    if (top > 10000)
        top = 10000;
    best = PyMem_RawMalloc((size_t)top * sizeof(uint32_t));
    eligible = PyMem_RawMalloc((size_t)s->n + 1);
    if (best == NULL || eligible == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++)
        eligible[v] = s->parent[v] != HS_NONE && s->tier[v] != HS_TIER_MODULE &&
                      s->tier[v] != HS_TIER_INTERP && s->tier[v] != HS_TIER_TOOL;
    while (s->names != NULL && PyDict_Next(s->names, &pos, &key, &val)) {
        unsigned long x = PyLong_AsUnsignedLong(key);
        if (x == (unsigned long)-1 && PyErr_Occurred())
            PyErr_Clear();
        else if (x < s->n)
            eligible[x] = 0;
    }
    nbest = hs_top_retained(s->n, &s->retained, eligible, (uint32_t)top, best);
    list = PyList_New(0);
    for (k = 0; list != NULL && k < nbest; k++) {
        uint32_t b = best[k];
        PyObject *path = hs_path_render(L, s, b), *d;
        if (path == NULL) {
            Py_CLEAR(list);
            break;
        }
        d = Py_BuildValue("{sssKsKsKsN}", "type", s->type_names[hs_heap_type(s, b)], "address",
                          (unsigned long long)s->addr[b], "size", (unsigned long long)hs_heap_size(s, b),
                          "retained_size", (unsigned long long)hs_heap_retained(s, b), "path", path);
        if (d == NULL || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
done:
    PyMem_RawFree(best);
    PyMem_RawFree(eligible);
    return list;
}

/* A kept snapshot's answer for node v: its shortest path from a root as the
 * snapshot saw it (rendered offline: labels where it kept them), its size
 * and retained size, shaped like analyze()'s answer for one object. */
PyObject *hs_path_why(hs_snapshot_object *s, uint32_t v) {
    PyObject *path = hs_path_render(NULL, s, v);
    if (path == NULL)
        return NULL;
    return Py_BuildValue(
        "{sNsssKsKsN}", "object",
        PyUnicode_FromFormat("<%s at %p>", s->type_names[hs_heap_type(s, v)], (void *)(uintptr_t)s->addr[v]),
        "type", s->type_names[hs_heap_type(s, v)], "size", (unsigned long long)hs_heap_size(s, v),
        "retained_size", (unsigned long long)hs_heap_retained(s, v), "path", path);
}

/* [(type, address)] from the root to the object at `address`. */
PyObject *hs_path_types(hs_snapshot_object *s, uint32_t v) {
    uint32_t len, i, *nodes;
    PyObject *list;
    nodes = hs_path_nodes(s, v, &len);
    if (nodes == NULL && len == 0)
        return PyErr_Occurred() ? NULL : PyList_New(0);
    list = PyList_New(len);
    for (i = 0; list != NULL && i < len; i++) {
        PyObject *t =
            Py_BuildValue("(sk)", s->type_names[hs_heap_type(s, nodes[i])], (unsigned long)s->addr[nodes[i]]);
        if (t == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, t);
    }
    PyMem_RawFree(nodes);
    return list;
}
