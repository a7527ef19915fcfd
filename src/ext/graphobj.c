#include "graphobj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/hs_group.h"
#include "../core/hs_snapfile.h"
#include "census.h"
#include "labels.h"
#include "sizes.h"
#include "typename.h"
#include "walk.h"
#include "window.h"

/* Root tiers, in the order the path search prefers them.  0: not a root. */
enum {
    HS_TIER_NONE = 0,
    HS_TIER_MODULE = 1, /* sys.modules, a module or its globals */
    HS_TIER_STACK = 2,  /* a running frame's local (or the frame, < 3.11) */
    HS_TIER_C = 3,      /* a reference from C code the graph cannot see */
    HS_TIER_INTERP = 4, /* interpreter internals: static types, immortal objects */
    HS_TIER_TOOL = 5,   /* heapscope's own frames */
    HS_NTIERS = 6,
};

static const char *const hs_tier_kind[HS_NTIERS] = {
    "none", "module global", "thread stack", "held by C code", "interpreter", "heapscope",
};

typedef struct {
    PyObject_HEAD uint32_t n;
    uint32_t ntypes;
    uint32_t nroots;
    uintptr_t *addr;    /* n: object addresses (integers, never dereferenced) */
    uint32_t *type_id;  /* n */
    uint64_t *size;     /* n: shallow sizes */
    uint8_t *tier;      /* n: HS_TIER_* of roots, 0 otherwise */
    uint32_t *parent;   /* n: BFS parent; the node itself for a root; HS_NONE unreachable */
    uint32_t *idom;     /* n or NULL: immediate dominator, HS_NONE below the virtual root */
    uint64_t *retained; /* n or NULL */
    hs_graph graph;
    hs_addrmap index; /* address -> node */
    char **type_names;
    uintptr_t *type_addr;
    double seconds[4]; /* walk, roots and paths, dominators, stories */
    int from_file;     /* arrays were malloc'ed by the core's file reader */
    PyObject *results; /* dict of the answers computed while the heap was live */
    PyObject *names;   /* dict: node -> name of modules, their dicts and classes (for files) */
} hs_snapshot_object;

static double hs__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void snapshot_dealloc(PyObject *self) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    PyTypeObject *tp = Py_TYPE(self);
    uint32_t i;
    void (*release)(void *) = s->from_file ? free : PyMem_RawFree;
    release(s->addr);
    release(s->type_id);
    release(s->size);
    release(s->tier);
    PyMem_RawFree(s->parent);
    PyMem_RawFree(s->idom);
    PyMem_RawFree(s->retained);
    hs_graph_destroy(&s->graph);
    hs_addrmap_destroy(&s->index);
    if (s->type_names != NULL)
        for (i = 0; i < s->ntypes; i++)
            release(s->type_names[i]);
    release(s->type_names);
    PyMem_RawFree(s->type_addr);
    Py_CLEAR(s->results);
    Py_CLEAR(s->names);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ------------------------------------------------------------------ */
/* The live context: valid only inside analyze(), GC paused.           */

typedef struct {
    hs_snapshot_object *s;
    PyObject **objs;      /* the walk's array */
    uint8_t *skip;        /* nodes the path search must not enter */
    hs_addrmap modmap;    /* module or module-dict node -> index in modnames */
    PyObject *modnames;   /* list of str */
    PyObject *stackinfo;  /* dict: node (int) -> frame info dict */
    uint32_t *root_cells; /* cells that are roots: a running frame's cell variables */
    uint32_t nroot_cells;
    uint32_t sysmodules;  /* node of the sys.modules dict, or HS_NONE */
    const char *tool_dir; /* heapscope's package directory, or NULL */
} hs_live;

static uint32_t hs__node(const hs_snapshot_object *s, const void *obj) {
    uint32_t v;
    if (obj == NULL || !hs_addrmap_get(&s->index, (uintptr_t)obj, &v))
        return HS_NONE;
    return v;
}

/* Type table, shallow sizes. */
/* Type ids and shallow sizes, filled one object at a time during the walk
 * (while the object is in cache for its traversal). */
typedef struct {
    hs_snapshot_object *s;
    hs_addrmap types; /* type address -> type id */
    size_t type_cap;
    size_t node_cap;
    uint32_t *refcnt; /* per object, capped; UINT32_MAX for immortal objects */
    uint32_t count;
    uintptr_t last_type;
    uint32_t last_id;
    PyCFunction *type_sizeof; /* per type id: its own C __sizeof__, or NULL */
    PyCFunction last_sizeof;
} hs_type_acc;

static int hs__type_acc_add(PyObject *op, void *arg) {
    hs_type_acc *a = (hs_type_acc *)arg;
    hs_snapshot_object *s = a->s;
    uintptr_t ta = (uintptr_t)Py_TYPE(op);
    if (a->count == a->node_cap) {
        size_t ncap = a->node_cap < 1024 ? 1024 : a->node_cap * 2;
        uint32_t *ids = PyMem_RawRealloc(s->type_id, ncap * sizeof(uint32_t));
        uint64_t *sizes;
        if (ids == NULL)
            goto nomem;
        s->type_id = ids;
        sizes = PyMem_RawRealloc(s->size, ncap * sizeof(uint64_t));
        if (sizes == NULL)
            goto nomem;
        s->size = sizes;
        ids = PyMem_RawRealloc(a->refcnt, ncap * sizeof(uint32_t));
        if (ids == NULL)
            goto nomem;
        a->refcnt = ids;
        a->node_cap = ncap;
    }
    if (ta != a->last_type || a->count == 0) {
        uint32_t id = s->ntypes;
        int put = hs_addrmap_put(&a->types, ta, id, &id);
        if (put < 0)
            goto nomem;
        if (put == 1) {
            if (s->ntypes == a->type_cap) {
                size_t ncap = a->type_cap < 256 ? 256 : a->type_cap * 2;
                uintptr_t *t = PyMem_RawRealloc(s->type_addr, ncap * sizeof(uintptr_t));
                PyCFunction *f;
                if (t == NULL)
                    goto nomem;
                s->type_addr = t;
                f = PyMem_RawRealloc(a->type_sizeof, ncap * sizeof(PyCFunction));
                if (f == NULL)
                    goto nomem;
                a->type_sizeof = f;
                a->type_cap = ncap;
            }
            a->type_sizeof[s->ntypes] = hs_type_sizeof(Py_TYPE(op));
            s->type_addr[s->ntypes++] = ta;
        }
        a->last_type = ta;
        a->last_id = id;
        a->last_sizeof = a->type_sizeof[id];
    }
    s->type_id[a->count] = a->last_id;
    s->size[a->count] = (uint64_t)hs_object_size_by(op, a->last_sizeof);
    a->refcnt[a->count] = (HS_IS_IMMORTAL(op) || Py_REFCNT(op) >= (Py_ssize_t)UINT32_MAX)
                              ? UINT32_MAX
                              : (uint32_t)Py_REFCNT(op);
    a->count++;
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

static int hs__type_names(hs_snapshot_object *s) {
    uint32_t t;
    s->type_names = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(char *));
    if (s->type_names == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (t = 0; t < s->ntypes; t++) {
        s->type_names[t] = hs_type_name((PyTypeObject *)s->type_addr[t]);
        if (s->type_names[t] == NULL)
            return -1;
    }
    return 0;
}

/*
 * Roots: external = refcount - references from heap objects - the
 * listing's own reference.  An object with external > 0 is held from
 * outside the graph (interpreter state, a C extension, a running frame).
 */
static void hs__find_roots(hs_snapshot_object *s, const uint32_t *refcnt, uint32_t ntracked, int listed_ref) {
    uint32_t v;
    for (v = 0; v < s->n; v++) {
        int64_t ext = (int64_t)refcnt[v] - (int64_t)(s->graph.rev_off[v + 1] - s->graph.rev_off[v]);
        if (listed_ref && v < ntracked)
            ext -= 1;
        if (ext > 0 || refcnt[v] == UINT32_MAX) {
            s->tier[v] = HS_TIER_C;
            s->nroots++;
        }
    }
}

static void hs__mark_tier(hs_live *L, uint32_t v, uint8_t tier) {
    if (v != HS_NONE && L->s->tier[v] != HS_TIER_NONE)
        L->s->tier[v] = tier;
}

/* Makes v a search source of `tier` even if nothing outside the graph
 * holds it: a module's globals are where a Python developer's answer
 * starts ("module global x"), however many interpreter hops lead there. */
static void hs__make_source(hs_live *L, uint32_t v, uint8_t tier) {
    if (v == HS_NONE)
        return;
    if (L->s->tier[v] == HS_TIER_NONE)
        L->s->nroots++;
    L->s->tier[v] = tier;
}

/* Modules: sys.modules, each module object and its dict. */
static int hs__classify_modules(hs_live *L) {
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed; no strong variant exists */
    Py_ssize_t pos = 0;
    PyObject *name, *mod;
    if (hs_addrmap_init(&L->modmap, 1024, 1) != HS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    L->modnames = PyList_New(0);
    if (L->modnames == NULL)
        return -1;
    L->sysmodules = hs__node(L->s, modules);
    hs__make_source(L, L->sysmodules, HS_TIER_MODULE);
    while (PyDict_Next(modules, &pos, &name, &mod)) {
        uint32_t vm, vd, idx;
        if (!PyModule_Check(mod) || !PyUnicode_Check(name))
            continue;
        idx = (uint32_t)PyList_GET_SIZE(L->modnames);
        if (PyList_Append(L->modnames, name) < 0)
            return -1;
        vm = hs__node(L->s, mod);
        vd = hs__node(L->s, PyModule_GetDict(mod));
        if (vm != HS_NONE && hs_addrmap_put(&L->modmap, ((uintptr_t)vm + 1) << 4, idx, NULL) < 0)
            return PyErr_NoMemory(), -1;
        if (vd != HS_NONE && hs_addrmap_put(&L->modmap, ((uintptr_t)vd + 1) << 4, idx, NULL) < 0)
            return PyErr_NoMemory(), -1;
        hs__make_source(L, vm, HS_TIER_MODULE);
        hs__make_source(L, vd, HS_TIER_MODULE);
    }
    return 0;
}

/* Module name index of a module or module-dict node, or HS_NONE. */
static uint32_t hs__module_of(const hs_live *L, uint32_t v) {
    uint32_t idx;
    if (hs_addrmap_get(&L->modmap, ((uintptr_t)v + 1) << 4, &idx))
        return idx;
    return HS_NONE;
}

/* Interpreter internals: static types and their dicts, immortal and atomic objects. */
static void hs__classify_interp(hs_live *L) {
    hs_snapshot_object *s = L->s;
    uint32_t v;
    for (v = 0; v < s->n; v++) {
        PyObject *o = L->objs[v];
        if (s->tier[v] == HS_TIER_NONE)
            continue;
        if (HS_IS_IMMORTAL(o) || PyUnicode_CheckExact(o) || PyLong_CheckExact(o) || PyFloat_CheckExact(o) ||
            PyBytes_CheckExact(o) || PyCode_Check(o))
            s->tier[v] = HS_TIER_INTERP;
        else if (PyType_Check(o) && !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            PyObject *d = hs_compat_type_dict((PyTypeObject *)o);
            s->tier[v] = HS_TIER_INTERP;
            hs__mark_tier(L, hs__node(s, d), HS_TIER_INTERP);
            Py_XDECREF(d);
        }
    }
}

static int hs__is_tool_code(const hs_live *L, PyCodeObject *code) {
    const char *fn;
    if (L->tool_dir == NULL || code == NULL || !PyUnicode_Check(code->co_filename))
        return 0;
    fn = PyUnicode_AsUTF8(code->co_filename);
    if (fn == NULL) {
        PyErr_Clear();
        return 0;
    }
    return strncmp(fn, L->tool_dir, strlen(L->tool_dir)) == 0;
}

/* Records node v as held by `frame` (local `name`, or the frame itself). */
static int hs__note_stack(hs_live *L, uint32_t v, int tool, unsigned long tid, PyCodeObject *code, int line,
                          PyObject *name) {
    PyObject *key = NULL, *info = NULL;
    int rc = -1, has;
    if (v == HS_NONE || L->s->tier[v] == HS_TIER_NONE)
        return 0;
    if (L->s->tier[v] == HS_TIER_STACK || L->s->tier[v] == HS_TIER_MODULE)
        return 0; /* an inner user frame already claimed it */
    key = PyLong_FromUnsignedLong(v);
    if (key == NULL)
        goto done;
    has = PyDict_Contains(L->stackinfo, key);
    if (has < 0)
        goto done;
    if (has && tool) {
        rc = 0;
        goto done;
    }
    info = Py_BuildValue("{sksOsOsisO}", "thread", tid, "function", code->co_name, "file", code->co_filename,
                         "line", line, "local", name ? name : Py_None);
    if (info == NULL || PyDict_SetItem(L->stackinfo, key, info) < 0)
        goto done;
    L->s->tier[v] = tool ? HS_TIER_TOOL : HS_TIER_STACK;
    rc = 0;
done:
    Py_XDECREF(key);
    Py_XDECREF(info);
    return rc;
}

typedef struct {
    hs_live *L;
    int tool;
    unsigned long tid;
    PyCodeObject *code;
    int line;
} hs_stack_ctx;

static int hs__note_local(PyObject *name, PyObject *value, void *arg) {
    hs_stack_ctx *c = (hs_stack_ctx *)arg;
    hs_live *L = c->L;
    uint32_t k;
    if (hs__note_stack(L, hs__node(L->s, value), c->tool, c->tid, c->code, c->line, name) < 0)
        return -1;
    /* The frame also holds its cell variables' cells (a cell whose
       contents is this value is held by the frame too). */
    for (k = 0; k < L->nroot_cells; k++)
        if (PyCell_GET(L->objs[L->root_cells[k]]) == value &&
            hs__note_stack(L, L->root_cells[k], c->tool, c->tid, c->code, c->line, name) < 0)
            return -1;
    return 0;
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

static void hs__mark_own(hs_snapshot_object *s, PyObject *obj) {
    uint32_t v = obj == NULL ? HS_NONE : hs__node(s, obj);
    if (v == HS_NONE)
        return;
    if (s->tier[v] == HS_TIER_NONE)
        s->nroots++;
    s->tier[v] = HS_TIER_TOOL;
}

/* Every thread's frames: locals that are roots (3.11+), frames that are roots (< 3.11). */
static int hs__classify_stacks(hs_live *L) {
    PyInterpreterState *interp = PyInterpreterState_Get();
    PyThreadState *ts;
    uint32_t v;
    L->stackinfo = PyDict_New();
    if (L->stackinfo == NULL)
        return -1;
    for (v = 0; v < L->s->n; v++)
        if (L->s->tier[v] == HS_TIER_C && PyCell_Check(L->objs[v]))
            L->nroot_cells++;
    L->root_cells = PyMem_RawMalloc(((size_t)L->nroot_cells + 1) * sizeof(uint32_t));
    if (L->root_cells == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    L->nroot_cells = 0;
    for (v = 0; v < L->s->n; v++) {
        if (L->s->tier[v] == HS_TIER_C && PyCell_Check(L->objs[v]))
            L->root_cells[L->nroot_cells++] = v;
        /* A class a module defines, with an extra reference from C (a running
           frame's evaluation stack, typically: `Cls(...)` being called): the
           module explains it, so it is not a root of its own. */
        if (L->s->tier[v] == HS_TIER_C && PyType_Check(L->objs[v]) &&
            (((PyTypeObject *)L->objs[v])->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            const hs_graph *g = &L->s->graph;
            uint32_t e;
            for (e = g->rev_off[v]; e < g->rev_off[v + 1]; e++)
                if (hs__module_of(L, g->rev[e]) != HS_NONE) {
                    L->s->tier[v] = HS_TIER_NONE;
                    L->s->nroots--;
                    break;
                }
        }
        /* Before 3.11 a running function's evaluation stack is invisible to
           tp_traverse, so what it holds looks held by C code; held so by one
           of heapscope's own frames (a local of it too), it is heapscope's. */
        if (!HS_FRAME_LOCALS_ARE_ROOTS && L->s->tier[v] == HS_TIER_C) {
            const hs_graph *g = &L->s->graph;
            uint32_t e;
            for (e = g->rev_off[v]; e < g->rev_off[v + 1]; e++) {
                PyObject *src = L->objs[g->rev[e]];
                PyCodeObject *code;
                int tool;
                if (!PyFrame_Check(src))
                    continue;
                code = PyFrame_GetCode((PyFrameObject *)src);
                tool = hs__is_tool_code(L, code);
                Py_DECREF(code);
                if (tool) {
                    L->s->tier[v] = HS_TIER_TOOL;
                    break;
                }
            }
        }
        /* A function of heapscope's own being called (the attach agent's):
           what only it holds is heapscope's data. */
        if (L->s->tier[v] == HS_TIER_C &&
            ((PyFunction_Check(L->objs[v]) &&
              hs__is_tool_code(L, (PyCodeObject *)PyFunction_GET_CODE(L->objs[v]))) ||
             (PyCode_Check(L->objs[v]) && hs__is_tool_code(L, (PyCodeObject *)L->objs[v]))))
            L->s->tier[v] = HS_TIER_TOOL;
    }
    for (ts = PyInterpreterState_ThreadHead(interp); ts != NULL; ts = PyThreadState_Next(ts)) {
        PyFrameObject *f = PyThreadState_GetFrame(ts);
        unsigned long tid = ts->thread_id; /* the thread's ident, as threading shows it */
        while (f != NULL) {
            PyCodeObject *code = PyFrame_GetCode(f);
            int line = PyFrame_GetLineNumber(f), tool = hs__is_tool_code(L, code);
            PyFrameObject *back;
            hs_stack_ctx ctx = {L, tool, tid, code, line};
            int err = hs__note_stack(L, hs__node(L->s, f), tool, tid, code, line, NULL);
            if (err == 0)
                err = hs_compat_frame_visit_locals(f, hs__note_local, &ctx);
            Py_DECREF(code);
            back = PyFrame_GetBack(f);
            Py_DECREF(f);
            f = back;
            if (err < 0) {
                Py_XDECREF(f);
                return -1;
            }
        }
    }
    return 0;
}

/* Roots of the listed tiers (a 0-terminated list of at most 3; NULL for
 * all), in that order; `exclude` nodes left out. */
static uint32_t *hs__ordered_roots(const hs_snapshot_object *s, const uint8_t *exclude, const uint8_t *tiers,
                                   uint32_t *count) {
    static const uint8_t all[HS_NTIERS] = {HS_TIER_MODULE, HS_TIER_STACK, HS_TIER_C,
                                           HS_TIER_INTERP, HS_TIER_TOOL,  0};
    uint32_t *roots = PyMem_RawMalloc(((size_t)s->nroots + 1) * sizeof(uint32_t)), k = 0, v;
    int i;
    if (roots == NULL)
        return NULL;
    if (tiers == NULL)
        tiers = all;
    for (i = 0; i < HS_NTIERS && tiers[i] != 0; i++) {
        uint8_t tier = tiers[i];
        for (v = 0; v < s->n; v++)
            if (s->tier[v] == tier && !(exclude && exclude[v]))
                roots[k++] = v;
    }
    *count = k;
    return roots;
}

/* ------------------------------------------------------------------ */
/* Paths in words                                                       */

/* The node path root -> v (root first); NULL with *len 0 if unreachable. */
static uint32_t *hs__path_nodes(const hs_snapshot_object *s, uint32_t v, uint32_t *len) {
    uint32_t n = 0, x = v, *p;
    *len = 0;
    if (s->parent[v] == HS_NONE)
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

static PyObject *hs__type_str(const hs_snapshot_object *s, uint32_t v) {
    return PyUnicode_FromString(s->type_names[s->type_id[v]]);
}

/*
 * Renders the path to v:
 *   {"root": {"kind", "name", ["frame"]}, "path": [str], "path_text": str,
 *    "general_text": str, "hops": [{"type", "address", "label"}], "length": int}
 * The shown path starts at the last module on it when there is one, so
 * "sys.modules -> module -> __dict__" never clutters the story.
 */
#define HS_PATH_HEAD 32 /* hops shown before an elided middle */
#define HS_PATH_TAIL 16 /* and after it */

static PyObject *hs__render_path(hs_live *L, uint32_t v) {
    hs_snapshot_object *s = L->s;
    uint32_t len = 0, i, anchor = HS_NONE, start = 0, modidx = HS_NONE, cut_from = HS_NONE, cut_to = HS_NONE;
    uint32_t *nodes = hs__path_nodes(s, v, &len);
    hs_label *labels = NULL;
    PyObject *result = NULL, *path = NULL, *hops = NULL, *root = NULL, *text = NULL, *general = NULL;
    PyObject *first = NULL, *rootname = NULL;
    const char *kind;

    if (nodes == NULL) {
        if (PyErr_Occurred())
            return NULL;
        return Py_BuildValue("{s{sssN}sNsssssi}", "root", "kind", "unreachable", "name",
                             hs_describe(L->objs[v]), "path", PyList_New(0), "path_text", "", "general_text",
                             "", "length", -1);
    }
    labels = PyMem_RawCalloc(len, sizeof(hs_label));
    if (labels == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* The anchor: the last module or module dict on the path. */
    for (i = 0; i < len; i++)
        if (hs__module_of(L, nodes[i]) != HS_NONE && nodes[i] != v) {
            anchor = i;
            modidx = hs__module_of(L, nodes[i]);
        }
    start = anchor != HS_NONE ? anchor : 0;
    /* A path of thousands of hops (a long linked list) is shown by its
     * first and last hops; the middle is one elided hop.  Labels are
     * computed only for what is shown (and its neighbours, for merging). */
    if (len - start > HS_PATH_HEAD + HS_PATH_TAIL + 8) {
        cut_from = start + HS_PATH_HEAD;
        cut_to = len - HS_PATH_TAIL;
    }
    for (i = 1; i < len; i++) {
        if (i > cut_from && i + 1 < cut_to)
            continue;
        if (hs_label_edge(L->objs[nodes[i - 1]], L->objs[nodes[i]], &labels[i]) < 0)
            goto done;
    }
    /* A module's globals read as attributes: "mod.__dict__['x']" is "mod.x". */
    for (i = 1; i < len; i++) {
        if (labels[i].kind == HS_L_VALUE && labels[i].name != NULL &&
            hs__module_of(L, nodes[i - 1]) != HS_NONE) {
            PyObject *name = Py_NewRef(labels[i].name);
            hs_label_clear(&labels[i]);
            labels[i].kind = HS_L_ATTR;
            labels[i].exact = PyUnicode_FromFormat(".%U", name);
            labels[i].general = Py_XNewRef(labels[i].exact);
            labels[i].name = name;
            if (labels[i].exact == NULL)
                goto done;
        }
    }
    /* Merge "obj -> its __dict__ -> ['name']" into "obj.name". */
    for (i = 1; i + 1 < len; i++) {
        if (labels[i].kind == HS_L_OWNDICT && labels[i].exact != NULL &&
            (labels[i + 1].kind == HS_L_VALUE || labels[i + 1].kind == HS_L_ATTR) &&
            labels[i + 1].name != NULL) {
            PyObject *name = Py_NewRef(labels[i + 1].name);
            hs_label_clear(&labels[i + 1]);
            labels[i + 1].kind = HS_L_ATTR;
            labels[i + 1].exact = PyUnicode_FromFormat(".%U", name);
            labels[i + 1].general = Py_XNewRef(labels[i + 1].exact);
            labels[i + 1].name = name;
            if (labels[i + 1].exact == NULL)
                goto done;
            hs_label_clear(&labels[i]);
            labels[i].kind = HS_L_OWNDICT; /* hidden */
        }
    }
    if (anchor != HS_NONE) {
        PyObject *modname = PyList_GET_ITEM(L->modnames, modidx);
        uint32_t j = anchor + 1;
        first = PyUnicode_FromFormat("%U", modname);
        while (j < len && labels[j].kind == HS_L_OWNDICT && labels[j].exact == NULL)
            j++;
        kind = "module global";
        if (j < len && labels[j].kind == HS_L_ATTR) {
            uint32_t k = j + 1;
            while (k < len && labels[k].kind == HS_L_OWNDICT && labels[k].exact == NULL)
                k++;
            if (PyType_Check(L->objs[nodes[j]]) && k < len && labels[k].kind == HS_L_ATTR) {
                kind = "class attribute";
                rootname = PyUnicode_FromFormat("%U%U%U", modname, labels[j].exact, labels[k].exact);
            } else
                rootname = PyUnicode_FromFormat("%U%U", modname, labels[j].exact);
        } else
            rootname = Py_NewRef(modname);
        root = Py_BuildValue("{sssN}", "kind", kind, "name", rootname);
        rootname = NULL;
    } else {
        uint32_t r = nodes[0];
        PyObject *key = PyLong_FromUnsignedLong(r), *frame;
        if (key == NULL)
            goto done;
        frame = PyDict_GetItemWithError(L->stackinfo, key); /* borrowed, keys are ints */
        Py_DECREF(key);
        if (frame == NULL && PyErr_Occurred())
            goto done;
        kind = hs_tier_kind[s->tier[r] < HS_NTIERS ? s->tier[r] : 0];
        if (frame != NULL) {
            PyObject *local = PyDict_GetItemString(frame, "local");
            if (local != NULL && local != Py_None)
                first = PyUnicode_FromFormat("%U", local);
            else
                first = PyUnicode_FromFormat("<frame %U>", PyDict_GetItemString(frame, "function"));
            root = Py_BuildValue("{sssOsO}", "kind", kind, "name", first, "frame", frame);
        } else {
            first = r == L->sysmodules ? PyUnicode_FromString("sys.modules") : hs__root_name(L->objs[r]);
            root = Py_BuildValue("{sssO}", "kind", r == L->sysmodules ? "interpreter" : kind, "name", first);
        }
    }
    if (first == NULL || root == NULL)
        goto done;
    path = PyList_New(0);
    hops = PyList_New(0);
    text = PyUnicode_FromFormat("%U", first);
    general = PyUnicode_FromFormat("%U", first);
    if (path == NULL || hops == NULL || text == NULL || general == NULL || PyList_Append(path, first) < 0)
        goto done;
    for (i = start; i < len; i++) {
        PyObject *hop, *lab, *gen;
        if (i == cut_from) {
            /* One hop stands for the elided middle. */
            PyObject *el = PyUnicode_FromFormat(" -> ... %u more hops ...", cut_to - cut_from);
            if (el == NULL || PyList_Append(path, el) < 0) {
                Py_XDECREF(el);
                goto done;
            }
            hop = Py_BuildValue("{sssOsOsI}", "type", "...", "address", Py_None, "label", el, "elided",
                                cut_to - cut_from);
            PyUnicode_Append(&text, el);
            PyUnicode_AppendAndDel(&general, el);
            if (hop == NULL || text == NULL || general == NULL || PyList_Append(hops, hop) < 0) {
                Py_XDECREF(hop);
                goto done;
            }
            Py_DECREF(hop);
            i = cut_to - 1;
            continue;
        }
        if (i > start) {
            if (labels[i].kind == HS_L_OWNDICT && labels[i].exact == NULL)
                continue;
            if (labels[i].exact != NULL) {
                lab = Py_NewRef(labels[i].exact);
                gen = Py_NewRef(labels[i].general);
            } else {
                lab = PyUnicode_FromFormat(" -> <%s>", Py_TYPE(L->objs[nodes[i]])->tp_name);
                gen = Py_XNewRef(lab);
            }
            if (lab == NULL)
                goto done;
            if (PyList_Append(path, lab) < 0) {
                Py_DECREF(lab);
                Py_DECREF(gen);
                goto done;
            }
            PyUnicode_AppendAndDel(&text, lab);
            PyUnicode_AppendAndDel(&general, gen);
            if (text == NULL || general == NULL)
                goto done;
        }
        hop = Py_BuildValue("{sNsksO}", "type", hs__type_str(s, nodes[i]), "address",
                            (unsigned long)(uintptr_t)L->objs[nodes[i]], "label",
                            (i > start && labels[i].exact) ? labels[i].exact : Py_None);
        if (hop == NULL || PyList_Append(hops, hop) < 0) {
            Py_XDECREF(hop);
            goto done;
        }
        Py_DECREF(hop);
    }
    result = Py_BuildValue("{sOsOsOsOsOsI}", "root", root, "path", path, "path_text", text, "general_text",
                           general, "hops", hops, "length", len - 1);
done:
    if (labels != NULL) {
        for (i = 0; i < len; i++)
            hs_label_clear(&labels[i]);
        PyMem_RawFree(labels);
    }
    PyMem_RawFree(nodes);
    Py_XDECREF(path);
    Py_XDECREF(hops);
    Py_XDECREF(root);
    Py_XDECREF(text);
    Py_XDECREF(general);
    Py_XDECREF(first);
    Py_XDECREF(rootname);
    return result;
}

/* ------------------------------------------------------------------ */
/* Stories: leaked objects grouped by the shape of their path.          */

enum { HS_TOK_ROOT = 1, HS_TOK_VALUE, HS_TOK_NAMED, HS_TOK_KEY, HS_TOK_INDEX, HS_TOK_MEMBER, HS_TOK_EDGE };

typedef struct {
    uint32_t dict;     /* node of the cached large dict, or HS_NONE */
    hs_addrmap member; /* child address -> 1 key / 2 value */
} hs_dict_cache;

/* Is `d` the own attribute dict of node `owner` (module, class, instance)? */
static int hs__owns_dict(const hs_live *L, uint32_t owner, PyObject *d) {
    PyObject *o, *td;
    int own;
    if (owner == HS_NONE)
        return 0;
    o = L->objs[owner];
    if (PyModule_Check(o))
        return PyModule_GetDict(o) == d;
    if (PyType_Check(o)) {
        td = hs_compat_type_dict((PyTypeObject *)o);
        own = td == d;
        Py_XDECREF(td);
        return own;
    }
    return hs_compat_instance_dict(o) == d;
}

/* A cheap, generalised label of the edge p -> v for grouping.  Fixed-layout
 * objects are told apart by the position of the edge among p's edges;
 * containers by the kind of hop only, so keys and indexes do not split a
 * story.  Small dicts with str keys (attribute dicts) keep the key. */
static int hs__token(hs_live *L, hs_dict_cache *cache, uint32_t p, uint32_t v, uint32_t *kind,
                     uint32_t *detail) {
    PyObject *po = L->objs[p], *vo = L->objs[v];
    const hs_graph *g = &L->s->graph;
    *detail = 0;
    if (PyDict_Check(po)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        if (PyDict_GET_SIZE(po) <= 32) {
            /* An attribute dict (a module's, class's or instance's own)
             * keeps its key in the shape: .name, not [<str>]. */
            int owned = hs__owns_dict(L, L->s->parent[p], po);
            while (PyDict_Next(po, &pos, &key, &value)) {
                if (value == vo) {
                    *kind = owned && PyUnicode_CheckExact(key) ? HS_TOK_NAMED : HS_TOK_VALUE;
                    *detail = *kind == HS_TOK_NAMED ? hs__node(L->s, key) : 0;
                    return 0;
                }
                if (key == vo) {
                    *kind = HS_TOK_KEY;
                    return 0;
                }
            }
        } else {
            uint32_t role = 0;
            if (cache->dict != p) {
                hs_addrmap_destroy(&cache->member);
                cache->dict = HS_NONE;
                if (hs_addrmap_init(&cache->member, (size_t)PyDict_GET_SIZE(po) * 2, 1) != HS_OK)
                    return PyErr_NoMemory(), -1;
                while (PyDict_Next(po, &pos, &key, &value)) {
                    if (hs_addrmap_put(&cache->member, (uintptr_t)key, 1, NULL) < 0 ||
                        hs_addrmap_put(&cache->member, (uintptr_t)value, 2, NULL) < 0)
                        return PyErr_NoMemory(), -1;
                }
                cache->dict = p;
            }
            hs_addrmap_get(&cache->member, (uintptr_t)vo, &role);
            *kind = role == 1 ? HS_TOK_KEY : HS_TOK_VALUE;
            return 0;
        }
    }
    if (PyList_Check(po) || PyTuple_Check(po)) {
        *kind = HS_TOK_INDEX;
        return 0;
    }
    if (PyAnySet_Check(po)) {
        *kind = HS_TOK_MEMBER;
        return 0;
    }
    *kind = HS_TOK_EDGE;
    *detail = HS_NONE;
    if (g->fwd_off[p + 1] - g->fwd_off[p] <= 64) {
        uint32_t e;
        for (e = g->fwd_off[p]; e < g->fwd_off[p + 1]; e++)
            if (g->fwd[e] == v) {
                *detail = e - g->fwd_off[p];
                break;
            }
    }
    return 0;
}

typedef struct {
    uint32_t shape;
    uint32_t orig; /* index before sorting */
    uint32_t rep;  /* representative leaked object */
    uint32_t type_id;
    uint64_t count;
    uint64_t size;
    uint64_t retained;
} hs_story;

static int hs__story_cmp(const void *a, const void *b) {
    const hs_story *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained < y->retained ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->rep < y->rep ? -1 : 1;
}

/* Adds leaked object v to the story of its shape (a new story the first
 * time the shape is seen).  0, or -1 with MemoryError. */
static int hs__story_add(hs_story **stories, size_t *cap, uint32_t *nstories, hs_addrmap *story_of,
                         uint32_t shape, uint32_t v, uint32_t type_id, uint64_t size, uint64_t retained) {
    uint32_t idx = *nstories;
    int put = hs_addrmap_put(story_of, ((uintptr_t)shape + 1) << 4, idx, &idx);
    if (put < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (put == 1) {
        if (*nstories == *cap) {
            hs_story *ns = PyMem_RawRealloc(*stories, *cap * 2 * sizeof(hs_story));
            if (ns == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            *stories = ns;
            *cap *= 2;
        }
        memset(&(*stories)[idx], 0, sizeof(hs_story));
        (*stories)[idx].shape = shape;
        (*stories)[idx].orig = idx;
        (*stories)[idx].rep = v;
        (*stories)[idx].type_id = type_id;
        (*nstories)++;
    }
    (*stories)[idx].count++;
    (*stories)[idx].size += size;
    (*stories)[idx].retained += retained;
    return 0;
}

/* The shape id of node v, memoised in shape[] (HS_NONE = not yet). */
static int hs__shape(hs_live *L, hs_group *trie, hs_dict_cache *cache, uint32_t *shape, uint32_t *stack,
                     uint32_t v, uint32_t *out) {
    const hs_snapshot_object *s = L->s;
    uint32_t sp = 0, x = v;
    while (shape[x] == HS_NONE) {
        stack[sp++] = x;
        if (s->parent[x] == x)
            break;
        x = s->parent[x];
    }
    while (sp > 0) {
        uint32_t y = stack[--sp], tup[4];
        if (s->parent[y] == y) {
            tup[0] = HS_NONE;
            tup[1] = s->type_id[y];
            tup[2] = HS_TOK_ROOT;
            tup[3] = s->tier[y];
        } else {
            tup[0] = shape[s->parent[y]];
            tup[1] = s->type_id[y];
            if (hs__token(L, cache, s->parent[y], y, &tup[2], &tup[3]) < 0)
                return -1;
        }
        if (hs_group_intern(trie, tup, &shape[y]) < 0)
            return PyErr_NoMemory(), -1;
    }
    *out = shape[v];
    return 0;
}

/*
 * Leaked objects: instances of the named types not in the baseline census.
 * Returns the list of story dicts, largest retained size first.
 */
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

/* Facts the fix hints need about a story's representative object. */
static PyObject *hs__story_facts(hs_live *L, uint32_t rep) {
    PyObject *o = L->objs[rep];
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
                uint32_t vv = hs__node(L->s, value);
                refers = (vv != HS_NONE && hs__reaches(&L->s->graph, vv, rep, 4)) ? Py_True : Py_False;
                break;
            }
    }
    return Py_BuildValue("{sOsOsOsO}", "weakrefable", weak ? Py_True : Py_False, "hashable",
                         hashable ? Py_True : Py_False, "value_refers_to_key", refers, "exception",
                         PyExceptionInstance_Check(o) ? Py_True : Py_False);
}

/* The innermost frame of an allocation traceback outside `exclude`
 * prefixes, as (file, line); NULL with no exception when none. */
static PyObject *hs__site(PyObject *tb, PyObject *exclude) {
    Py_ssize_t i, j;
    if (tb == NULL || !PyTuple_Check(tb))
        return NULL;
    for (i = 0; i < PyTuple_GET_SIZE(tb); i++) {
        PyObject *fr = PyTuple_GET_ITEM(tb, i), *fn;
        int skip = 0;
        if (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) < 2 || !PyUnicode_Check(PyTuple_GET_ITEM(fr, 0)))
            continue;
        fn = PyTuple_GET_ITEM(fr, 0);
        for (j = 0; exclude != NULL && j < PyTuple_GET_SIZE(exclude) && !skip; j++) {
            int m = PyUnicode_Tailmatch(fn, PyTuple_GET_ITEM(exclude, j), 0, PY_SSIZE_T_MAX, -1);
            if (m < 0)
                return NULL;
            skip = m;
        }
        if (!skip)
            return Py_NewRef(fr);
    }
    return i > 0 ? Py_NewRef(PyTuple_GET_ITEM(tb, 0)) : NULL;
}

/* Objects whose allocation sites are looked up once the window closes:
 * strong references taken inside it, with the rank of their story. */
typedef struct {
    PyObject **obj;
    uint32_t *rank;
    uint32_t n;
    uint32_t nshown;
} hs_site_samples;

static void hs__samples_clear(hs_site_samples *sm) {
    uint32_t i;
    for (i = 0; i < sm->n; i++)
        Py_DECREF(sm->obj[i]); /* outside the window: a __del__ may run here */
    PyMem_RawFree(sm->obj);
    PyMem_RawFree(sm->rank);
    memset(sm, 0, sizeof(*sm));
}

/* Inside the window: up to 200 objects of each shown story, held strongly
 * so that tracemalloc can be asked about them after the window. */
static int hs__sample_sites(hs_live *L, uint32_t nshown, const hs_story *stories, uint32_t nstories,
                            const uint8_t *leaked, const uint32_t *shape, hs_addrmap *story_of,
                            hs_site_samples *sm) {
    uint32_t *rank = NULL, *sampled = NULL, t, v, cap = 0;
    int rc = -1;
    rank = PyMem_RawMalloc(((size_t)nstories + 1) * sizeof(uint32_t));
    sampled = PyMem_RawCalloc((size_t)nshown + 1, sizeof(uint32_t));
    if (rank == NULL || sampled == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (t = 0; t < nstories; t++)
        rank[stories[t].orig] = t;
    for (t = 0; t < nshown; t++)
        cap += stories[t].count < 200 ? (uint32_t)stories[t].count : 200;
    sm->obj = PyMem_RawMalloc(((size_t)cap + 1) * sizeof(PyObject *));
    sm->rank = PyMem_RawMalloc(((size_t)cap + 1) * sizeof(uint32_t));
    sm->nshown = nshown;
    if (sm->obj == NULL || sm->rank == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < L->s->n && sm->n < cap; v++) {
        uint32_t idx, r;
        if (!leaked[v] || shape[v] == HS_NONE ||
            !hs_addrmap_get(story_of, ((uintptr_t)shape[v] + 1) << 4, &idx))
            continue;
        r = rank[idx];
        if (r >= nshown || sampled[r] >= 200)
            continue;
        sampled[r]++;
        sm->obj[sm->n] = Py_NewRef(L->objs[v]);
        sm->rank[sm->n++] = r;
    }
    rc = 0;
done:
    PyMem_RawFree(rank);
    PyMem_RawFree(sampled);
    return rc;
}

/* After the window: allocated_at for the shown stories, from tracemalloc's
 * traceback of each sampled object, counted by the innermost frame outside
 * `exclude`. */
static int hs__story_sites(PyObject *list, const hs_site_samples *sm, PyObject *tb_fn, PyObject *exclude) {
    uint32_t *sampled = NULL, t, k, nshown = sm->nshown;
    PyObject **sites = NULL;
    int rc = -1;
    if (list == NULL || !PyList_Check(list) || (Py_ssize_t)nshown > PyList_GET_SIZE(list))
        return 0;
    sampled = PyMem_RawCalloc((size_t)nshown + 1, sizeof(uint32_t));
    sites = PyMem_RawCalloc((size_t)nshown + 1, sizeof(PyObject *));
    if (sampled == NULL || sites == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (t = 0; t < nshown; t++)
        if ((sites[t] = PyDict_New()) == NULL)
            goto done;
    for (k = 0; k < sm->n; k++) {
        uint32_t r = sm->rank[k];
        PyObject *tb, *site, *old, *cnt;
        sampled[r]++;
        tb = hs_compat_object_traceback(sm->obj[k], tb_fn);
        if (tb == NULL)
            goto done;
        site = hs__site(tb, exclude);
        Py_DECREF(tb);
        if (site == NULL) {
            if (PyErr_Occurred())
                goto done;
            continue;
        }
        old = PyDict_GetItemWithError(sites[r], site); /* borrowed; keys are our tuples */
        if (old == NULL && PyErr_Occurred()) {
            Py_DECREF(site);
            goto done;
        }
        cnt = PyLong_FromLong(old ? PyLong_AsLong(old) + 1 : 1);
        if (cnt == NULL || PyDict_SetItem(sites[r], site, cnt) < 0) {
            Py_XDECREF(cnt);
            Py_DECREF(site);
            goto done;
        }
        Py_DECREF(cnt);
        Py_DECREF(site);
    }
    for (t = 0; t < nshown; t++) {
        PyObject *d = PyList_GET_ITEM(list, t), *out = PyList_New(0), *key, *val;
        Py_ssize_t pos = 0;
        if (out == NULL)
            goto done;
        while (PyDict_Next(sites[t], &pos, &key, &val)) {
            PyObject *e = Py_BuildValue("{sOsOsO}", "file", PyTuple_GET_ITEM(key, 0), "line",
                                        PyTuple_GET_ITEM(key, 1), "count", val);
            if (e == NULL || PyList_Append(out, e) < 0) {
                Py_XDECREF(e);
                Py_DECREF(out);
                goto done;
            }
            Py_DECREF(e);
        }
        val = PyLong_FromUnsignedLong(sampled[t]);
        if (val == NULL || PyDict_SetItemString(d, "allocated_at", out) < 0 ||
            PyDict_SetItemString(d, "sampled", val) < 0) {
            Py_XDECREF(val);
            Py_DECREF(out);
            goto done;
        }
        Py_DECREF(val);
        Py_DECREF(out);
    }
    rc = 0;
done:
    if (sites != NULL)
        for (t = 0; t < nshown; t++)
            Py_XDECREF(sites[t]);
    PyMem_RawFree(sites);
    PyMem_RawFree(sampled);
    return rc;
}

/*
 * Leaked objects: instances of the named types (or, with `subjects`, those
 * objects) not in the baseline census, grouped into stories.  With
 * `samples`, objects whose allocation sites the caller looks up once the
 * window has closed.
 */
static PyObject *hs__stories(hs_live *L, PyObject *type_names, PyObject *subjects, PyObject *baseline,
                             Py_ssize_t max_stories, hs_site_samples *samples) {
    hs_snapshot_object *s = L->s;
    uint8_t *wanted = NULL, *leaked = NULL;
    uint32_t *shape = NULL, *stack = NULL, *anc = NULL, v, t, nstories = 0, unreached = 0, tool_held = 0;
    hs_group trie;
    hs_dict_cache cache;
    hs_addrmap story_of;
    hs_story *stories = NULL;
    size_t cap = 16;
    PyObject *result = NULL, *list = NULL;
    Py_ssize_t i;

    memset(&trie, 0, sizeof(trie));
    memset(&cache, 0, sizeof(cache));
    memset(&story_of, 0, sizeof(story_of));
    cache.dict = HS_NONE;
    wanted = PyMem_RawCalloc((size_t)s->ntypes + 1, 1);
    leaked = PyMem_RawCalloc((size_t)s->n + 1, 1);
    shape = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stack = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stories = PyMem_RawMalloc(cap * sizeof(hs_story));
    if (!wanted || !leaked || !shape || !stack || !stories || hs_group_init(&trie, 4) != HS_OK ||
        hs_addrmap_init(&story_of, 64, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(type_names); i++) {
        const char *want = PyUnicode_AsUTF8(PyList_GET_ITEM(type_names, i));
        if (want == NULL)
            goto done;
        for (t = 0; t < s->ntypes; t++)
            if (strcmp(s->type_names[t], want) == 0)
                wanted[t] = 1;
    }
    for (v = 0; v < s->n; v++)
        shape[v] = HS_NONE;
    if (subjects != NULL) {
        /* Chosen by the caller before the window (e.g. files still open). */
        for (i = 0; i < PySequence_Fast_GET_SIZE(subjects); i++) {
            uint32_t x = hs__node(s, PySequence_Fast_GET_ITEM(subjects, i));
            if (x != HS_NONE)
                leaked[x] = 1;
        }
    } else
        for (v = 0; v < s->n; v++)
            if (wanted[s->type_id[v]])
                leaked[v] = 1;
    if (baseline != NULL)
        for (v = 0; v < s->n; v++)
            if (leaked[v] && hs_census_has_address(baseline, s->addr[v]) == 1)
                leaked[v] = 0;
    /* anc[v]: the nearest strict dominator of v that is leaked.  A story
     * leaves out objects retained by a leaked object of the same type, so
     * a leaked linked list is counted once; objects inside a leaked object
     * of another type (a file's buffer) still show their own size. */
    if (s->idom != NULL) {
        anc = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
        if (anc == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (v = 0; v < s->n; v++)
            anc[v] = HS_NONE - 1; /* unknown */
        for (v = 0; v < s->n; v++) {
            uint32_t sp = 0, x = v;
            while (anc[x] == HS_NONE - 1) {
                stack[sp++] = x;
                if (s->idom[x] == HS_NONE)
                    break;
                x = s->idom[x];
            }
            /* Top-down: each node's dominator is resolved before it. */
            while (sp > 0) {
                uint32_t y = stack[--sp], p = s->idom[y];
                anc[y] = p == HS_NONE ? HS_NONE : (leaked[p] ? p : anc[p]);
            }
        }
    }
    for (v = 0; v < s->n; v++) {
        uint32_t sh;
        uint64_t retained;
        if (!leaked[v])
            continue;
        if (s->parent[v] == HS_NONE) {
            unreached++;
            continue;
        }
        {
            /* Objects only heapscope's own frames hold are its own data. */
            uint32_t r = v;
            while (s->parent[r] != r)
                r = s->parent[r];
            if (s->tier[r] == HS_TIER_TOOL) {
                tool_held++;
                continue;
            }
        }
        if (hs__shape(L, &trie, &cache, shape, stack, v, &sh) < 0)
            goto done;
        retained = s->size[v];
        if (s->retained != NULL)
            retained = (anc == NULL || anc[v] == HS_NONE || s->type_id[anc[v]] != s->type_id[v])
                           ? s->retained[v]
                           : 0;
        if (hs__story_add(&stories, &cap, &nstories, &story_of, sh, v, s->type_id[v], s->size[v], retained) <
            0)
            goto done;
    }
    qsort(stories, nstories, sizeof(hs_story), hs__story_cmp);
    list = PyList_New(0);
    if (list == NULL)
        goto done;
    for (t = 0; t < nstories && (Py_ssize_t)t < max_stories; t++) {
        PyObject *path = hs__render_path(L, stories[t].rep), *d;
        if (path == NULL)
            goto done;
        d = Py_BuildValue("{sssKsKsKsksNsN}", "type", s->type_names[stories[t].type_id], "count",
                          (unsigned long long)stories[t].count, "size", (unsigned long long)stories[t].size,
                          "retained_size", (unsigned long long)stories[t].retained, "example_address",
                          (unsigned long)s->addr[stories[t].rep], "path", path, "facts",
                          hs__story_facts(L, stories[t].rep));
        if (d == NULL || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_DECREF(d);
    }
    if (samples != NULL && hs__sample_sites(L, (uint32_t)PyList_GET_SIZE(list), stories, nstories, leaked,
                                            shape, &story_of, samples) < 0)
        goto done;
    result = Py_BuildValue("{sOsIsIsI}", "stories", list, "nstories", nstories, "unreached", unreached,
                           "tool_held", tool_held);
done:
    Py_XDECREF(list);
    PyMem_RawFree(wanted);
    PyMem_RawFree(leaked);
    PyMem_RawFree(shape);
    PyMem_RawFree(stack);
    PyMem_RawFree(anc);
    PyMem_RawFree(stories);
    hs_group_destroy(&trie);
    hs_addrmap_destroy(&cache.member);
    hs_addrmap_destroy(&story_of);
    return result;
}

/* The n nodes retaining most, leaving out modules, classes and interpreter state. */
static PyObject *hs__top_retainers(hs_live *L, Py_ssize_t top) {
    hs_snapshot_object *s = L->s;
    uint32_t *best = NULL, nbest = 0, v, k;
    PyObject *list = NULL;
    if (s->retained == NULL || top <= 0)
        return PyList_New(0);
    best = PyMem_RawMalloc((size_t)top * sizeof(uint32_t));
    if (best == NULL)
        return PyErr_NoMemory();
    for (v = 0; v < s->n; v++) {
        PyObject *o = L->objs[v];
        uint64_t r = s->retained[v];
        if (s->parent[v] == HS_NONE || s->tier[v] == HS_TIER_INTERP || s->tier[v] == HS_TIER_TOOL ||
            v == L->sysmodules || PyModule_Check(o) || PyType_Check(o) || hs__module_of(L, v) != HS_NONE)
            continue;
        if (nbest == (uint32_t)top && r <= s->retained[best[nbest - 1]])
            continue;
        k = nbest < (uint32_t)top ? nbest++ : nbest - 1;
        while (k > 0 && s->retained[best[k - 1]] < r) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = v;
    }
    list = PyList_New(0);
    for (k = 0; list != NULL && k < nbest; k++) {
        uint32_t b = best[k];
        PyObject *path = hs__render_path(L, b), *d;
        if (path == NULL) {
            Py_CLEAR(list);
            break;
        }
        d = Py_BuildValue("{sssksKsKsN}", "type", s->type_names[s->type_id[b]], "address",
                          (unsigned long)s->addr[b], "size", (unsigned long long)s->size[b], "retained_size",
                          (unsigned long long)s->retained[b], "path", path);
        if (d == NULL || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(d);
    }
    PyMem_RawFree(best);
    return list;
}

/* ------------------------------------------------------------------ */

/*
 * Shortest paths from the roots, in phases, each reaching only what the
 * earlier ones could not: what outlives a call first (module globals,
 * references from C), then running frames, then interpreter internals,
 * then heapscope's own frames.  Within a phase, shortest paths.  Fills
 * s->parent; 0, or -1 with MemoryError.
 */
static int hs__search_paths(hs_snapshot_object *s, const uint8_t *exclude, const uint8_t *skip) {
    static const uint8_t phases[][3] = {
        {HS_TIER_MODULE, HS_TIER_C, 0}, {HS_TIER_STACK, 0, 0}, {HS_TIER_INTERP, 0, 0}, {HS_TIER_TOOL, 0, 0}};
    int ph;
    for (ph = 0; ph < 4; ph++) {
        uint32_t nroots = 0, *roots = hs__ordered_roots(s, exclude, phases[ph], &nroots);
        int rc;
        if (roots == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        rc = ph == 0 ? hs_graph_bfs(&s->graph, roots, nroots, skip, s->parent, NULL)
                     : hs_graph_bfs_extend(&s->graph, roots, nroots, skip, s->parent, NULL);
        PyMem_RawFree(roots);
        if (rc != HS_OK) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* Names that make offline paths readable: each module, its dict, each class. */
static PyObject *hs__node_names(hs_live *L) {
    hs_snapshot_object *s = L->s;
    PyObject *names = PyDict_New();
    size_t i;
    uint32_t v;
    if (names == NULL)
        return NULL;
    uint8_t *meta = PyMem_RawCalloc((size_t)s->ntypes + 1, 1);
    uint32_t t;
    if (meta == NULL) {
        Py_DECREF(names);
        return PyErr_NoMemory();
    }
    /* Which of the heap's types are metatypes: their instances are classes.
     * (Asked once per type, so the loop below touches no object it need not.) */
    for (t = 0; t < s->ntypes; t++)
        meta[t] = PyType_IsSubtype((PyTypeObject *)s->type_addr[t], &PyType_Type) != 0;
    for (v = 0; v < s->n; v++) {
        PyObject *key, *val;
        char *name;
        int rc;
        if (!meta[s->type_id[v]])
            continue;
        name = hs_type_name((PyTypeObject *)L->objs[v]);
        if (name == NULL)
            goto error;
        key = PyLong_FromUnsignedLong(v);
        val = PyUnicode_FromString(name);
        PyMem_RawFree(name);
        rc = (key && val) ? PyDict_SetItem(names, key, val) : -1;
        Py_XDECREF(key);
        Py_XDECREF(val);
        if (rc < 0)
            goto error;
    }
    for (i = 0; L->modmap.keys != NULL && i <= L->modmap.mask; i++) {
        uintptr_t k = L->modmap.keys[i];
        PyObject *key, *name;
        if (k == 0)
            continue;
        key = PyLong_FromUnsignedLong((unsigned long)((k >> 4) - 1));
        name = PyList_GET_ITEM(L->modnames, L->modmap.vals[i]); /* borrowed from our list */
        if (key == NULL || PyDict_SetItem(names, key, name) < 0) {
            Py_XDECREF(key);
            goto error;
        }
        Py_DECREF(key);
    }
    PyMem_RawFree(meta);
    return names;
error:
    PyMem_RawFree(meta);
    Py_DECREF(names);
    return NULL;
}

static int hs__compute_dominators(hs_snapshot_object *s) {
    uint32_t *roots, nroots = 0, *order, norder = 0;
    int rc;
    roots = hs__ordered_roots(s, NULL, NULL, &nroots);
    order = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    s->idom = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    s->retained = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint64_t));
    if (roots == NULL || order == NULL || s->idom == NULL || s->retained == NULL) {
        PyMem_RawFree(roots);
        PyMem_RawFree(order);
        PyErr_NoMemory();
        return -1;
    }
    rc = hs_graph_dominators(&s->graph, roots, nroots, s->idom, order, &norder);
    if (rc == HS_OK)
        hs_graph_retained(s->n, s->idom, order, norder, s->size, s->retained);
    PyMem_RawFree(roots);
    PyMem_RawFree(order);
    if (rc != HS_OK) {
        PyErr_Format(PyExc_MemoryError, "heapscope: dominators failed: %s", hs_strerror(rc));
        return -1;
    }
    return 0;
}

PyObject *hs_analyze(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"objects",  "types",        "baseline",     "max_stories", "dominators", "top",
                             "tool_dir", "traceback_fn", "site_exclude", "subjects",    "own",        NULL};
    hs_state *st = get_heapscope_state(module);
    PyObject *objects = NULL, *types = NULL, *baseline = Py_None, *objs_fast = NULL, *types_list = NULL;
    PyObject *tb_fn = Py_None, *site_exclude = NULL, *own = NULL, *own_fast = NULL;
    PyObject *subjects = NULL, *subjects_fast = NULL;
    Py_ssize_t max_stories = 10, top = 0, i;
    int dominators = 1, gc_was = -1, in_window = 0;
    hs_site_samples samples;
    const char *tool_dir = NULL;
    hs_walk w;
    hs_live L;
    hs_type_acc tacc;
    hs_snapshot_object *s = NULL;
    uint8_t *exclude = NULL;
    PyObject *result = NULL, *answers = NULL, *item = NULL;
    double t0 = hs__now(), t1;

    memset(&w, 0, sizeof(w));
    memset(&L, 0, sizeof(L));
    memset(&tacc, 0, sizeof(tacc));
    memset(&samples, 0, sizeof(samples));
    L.sysmodules = HS_NONE;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOnpnzOO!OO:analyze", kwlist, &objects, &types,
                                     &baseline, &max_stories, &dominators, &top, &tool_dir, &tb_fn,
                                     &PyTuple_Type, &site_exclude, &subjects, &own))
        return NULL;
    if (hs_window_open()) {
        PyErr_SetString(PyExc_RuntimeError, "heapscope: analyze() called from inside a heap walk");
        return NULL;
    }
    if (baseline != Py_None && Py_TYPE(baseline) != st->census_type) {
        PyErr_SetString(PyExc_TypeError, "baseline must be a Census taken with keep_addresses=True");
        return NULL;
    }
    if (baseline != Py_None && hs_census_has_address(baseline, 16) < 0) {
        PyErr_SetString(PyExc_ValueError, "baseline census was taken without keep_addresses=True");
        return NULL;
    }
    if (objects == NULL || objects == Py_None)
        objs_fast = PyTuple_New(0);
    else
        objs_fast = PySequence_Fast(objects, "objects must be a sequence");
    if (objs_fast == NULL)
        return NULL;
    own_fast =
        own == NULL || own == Py_None ? PyTuple_New(0) : PySequence_Fast(own, "own must be a sequence");
    if (own_fast == NULL)
        goto done;
    if (subjects != NULL && subjects != Py_None) {
        subjects_fast = PySequence_Fast(subjects, "subjects must be a sequence");
        if (subjects_fast == NULL)
            goto done;
    }
    types_list = types ? PySequence_List(types) : PyList_New(0);
    if (types_list == NULL)
        goto done;
    for (i = 0; i < PyList_GET_SIZE(types_list); i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(types_list, i))) {
            PyErr_SetString(PyExc_TypeError, "types must be type names (str)");
            goto done;
        }
    s = PyObject_New(hs_snapshot_object, st->snapshot_type);
    if (s == NULL)
        goto done;
    memset((char *)s + sizeof(PyObject), 0, sizeof(hs_snapshot_object) - sizeof(PyObject));
    L.s = s;
    L.tool_dir = tool_dir;

    gc_was = hs_gc_pause(st);
    if (gc_was < 0)
        goto done;
    /* The raw-pointer window (window.h) opens with the listing and closes
     * after the last use of L.objs, below: nothing in between may run
     * Python code or release the GIL. */
    hs_window_enter();
    in_window = 1;
    if (hs_addrmap_init(&tacc.types, 1024, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    tacc.s = s;
    w.each = hs__type_acc_add;
    w.each_arg = &tacc;
    if (hs_walk_run(&w, st, 1) < 0)
        goto done;
    s->n = w.n;
    s->graph = w.graph;
    memset(&w.graph, 0, sizeof(w.graph));
    s->index = w.index;
    memset(&w.index, 0, sizeof(w.index));
    /* The snapshot owns the pointer array; once analyze() returns it is
     * only ever read as integers (addresses). */
    L.objs = w.objs;
    s->addr = (uintptr_t *)w.objs;
    w.objs = NULL;
    s->seconds[0] = (t1 = hs__now()) - t0;

    if (tacc.count != s->n) {
        PyErr_SetString(PyExc_RuntimeError, "heapscope: walk and type table disagree");
        goto done;
    }
    if (hs__type_names(s) < 0)
        goto done;
    s->tier = PyMem_RawCalloc((size_t)s->n + 1, 1);
    s->parent = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    L.skip = PyMem_RawCalloc((size_t)s->n + 1, 1);
    exclude = PyMem_RawCalloc((size_t)s->n + 1, 1);
    if (s->tier == NULL || s->parent == NULL || L.skip == NULL || exclude == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    hs__find_roots(s, tacc.refcnt, w.ntracked, w.listed_with_ref);
    /* The caller's own containers are not paths; the objects asked about
     * are not their own roots. */
    {
        const void *mine[] = {objects, objs_fast, types_list, subjects, subjects_fast};
        size_t k;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        for (k = 0; k < sizeof(mine) / sizeof(mine[0]); k++) {
            uint32_t a = hs__node(s, mine[k]);
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
        /* Every argument of this call is heapscope's (a list made for the
         * call was once reported as a leaked list held by C code). */
        for (i = 0; i < PyTuple_GET_SIZE(args); i++) {
            uint32_t a = hs__node(s, PyTuple_GET_ITEM(args, i));
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
        while (kwargs != NULL && PyDict_Next(kwargs, &pos, &key, &value)) {
            uint32_t a = hs__node(s, value);
            if (a != HS_NONE)
                L.skip[a] = 1;
        }
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(objs_fast); i++) {
        uint32_t x = hs__node(s, PySequence_Fast_GET_ITEM(objs_fast, i));
        if (x != HS_NONE)
            exclude[x] = 1;
    }
    if (hs__classify_modules(&L) < 0)
        goto done;
    hs__classify_interp(&L);
    if (hs__classify_stacks(&L) < 0)
        goto done;
    /* heapscope's own objects, and this call's arguments: what only they hold is left out. */
    hs__mark_own(s, args);
    hs__mark_own(s, kwargs);
    hs__mark_own(s, own);
    for (i = 0; i < PySequence_Fast_GET_SIZE(own_fast); i++)
        hs__mark_own(s, PySequence_Fast_GET_ITEM(own_fast, i));
    if (hs__search_paths(s, exclude, L.skip) < 0)
        goto done;
    s->seconds[1] = hs__now() - t1;
    t1 = hs__now();
    if (dominators && hs__compute_dominators(s) < 0)
        goto done;
    s->seconds[2] = hs__now() - t1;
    t1 = hs__now();

    answers = PyDict_New();
    if (answers == NULL)
        goto done;
    /* why(obj): one path per object asked about. */
    item = PyList_New(0);
    if (item == NULL || PyDict_SetItemString(answers, "objects", item) < 0)
        goto done;
    for (i = 0; i < PySequence_Fast_GET_SIZE(objs_fast); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(objs_fast, i), *p, *d;
        uint32_t x = hs__node(s, o);
        if (x == HS_NONE) {
            d = Py_BuildValue("{sNsssO}", "object", hs_describe(o), "error", "not found in the heap walk",
                              "path", Py_None);
        } else {
            p = hs__render_path(&L, x);
            if (p == NULL)
                goto done;
            d = Py_BuildValue("{sNsNsKsKsN}", "object", hs_describe(o), "type", hs__type_str(s, x), "size",
                              (unsigned long long)s->size[x], "retained_size",
                              (unsigned long long)(s->retained ? s->retained[x] : s->size[x]), "path", p);
        }
        if (d == NULL || PyList_Append(item, d) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_DECREF(d);
    }
    Py_CLEAR(item);
    if (PyList_GET_SIZE(types_list) > 0 || subjects_fast != NULL) {
        item = hs__stories(&L, types_list, subjects_fast, baseline == Py_None ? NULL : baseline, max_stories,
                           tb_fn != Py_None ? &samples : NULL);
        if (item == NULL || PyDict_SetItemString(answers, "leaks", item) < 0)
            goto done;
        Py_CLEAR(item);
    }
    item = hs__top_retainers(&L, top);
    if (item == NULL || PyDict_SetItemString(answers, "top_retainers", item) < 0)
        goto done;
    Py_CLEAR(item);
    s->names = hs__node_names(&L);
    if (s->names == NULL)
        goto done;
    /* The window closes: from here on only the samples' strong references
     * are dereferenced. */
    L.objs = NULL;
    hs_window_leave();
    in_window = 0;
    if (samples.nshown > 0) {
        PyObject *leaks = PyDict_GetItemString(answers, "leaks"); /* borrowed; str key, our dict */
        if (hs__story_sites(leaks ? PyDict_GetItemString(leaks, "stories") : NULL, &samples, tb_fn,
                            site_exclude) < 0)
            goto done;
    }
    s->seconds[3] = hs__now() - t1;
    s->results = answers;
    answers = NULL;
    result = (PyObject *)s;
    s = NULL;
done:
    if (in_window)
        hs_window_leave();
    hs__samples_clear(&samples);
    hs_walk_clear(&w);
    if (gc_was >= 0 && hs_gc_resume(st, gc_was) < 0)
        Py_CLEAR(result);
    hs_addrmap_destroy(&tacc.types);
    PyMem_RawFree(tacc.refcnt);
    PyMem_RawFree(tacc.type_sizeof);
    PyMem_RawFree(L.skip);
    PyMem_RawFree(L.root_cells);
    PyMem_RawFree(exclude);
    hs_addrmap_destroy(&L.modmap);
    Py_XDECREF(L.modnames);
    Py_XDECREF(L.stackinfo);
    Py_XDECREF(item);
    Py_XDECREF(answers);
    Py_XDECREF(objs_fast);
    Py_XDECREF(own_fast);
    Py_XDECREF(subjects_fast);
    Py_XDECREF(types_list);
    Py_XDECREF(s);
    return result;
}

/* ------------------------------------------------------------------ */
/* Snapshot queries: plain integers, valid long after the heap changed. */

static PyObject *snapshot_results(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    return Py_NewRef(s->results ? s->results : Py_None);
}

static int hs__ensure_indexed(hs_snapshot_object *s);

static int hs__addr_arg(hs_snapshot_object *s, PyObject *arg, uint32_t *v) {
    unsigned long long a;
    if (hs__ensure_indexed(s) < 0)
        return -1;
    a = PyLong_AsUnsignedLongLong(arg);
    if (a == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *v = hs__node(s, (const void *)(uintptr_t)a);
    if (*v == HS_NONE) {
        PyErr_Format(PyExc_KeyError, "no object at address 0x%llx in this snapshot", a);
        return -1;
    }
    return 0;
}

/* A snapshot read from a file gets its address index on first need... */
static int hs__ensure_index(hs_snapshot_object *s) {
    uint32_t v;
    if (s->index.keys != NULL)
        return 0;
    if (hs_addrmap_init(&s->index, (size_t)s->n, 1) != HS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    for (v = 0; v < s->n; v++)
        if (hs_addrmap_put(&s->index, (uintptr_t)s->addr[v] ? (uintptr_t)s->addr[v] : 16, v, NULL) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    return 0;
}

/* ...and its reverse edges and shortest paths on the first path query. */
static int hs__ensure_indexed(hs_snapshot_object *s) {
    if (s->parent != NULL)
        return 0;
    if (hs__ensure_index(s) < 0)
        return -1;
    if (s->graph.rev_off == NULL && hs_graph_build_reverse(&s->graph) != HS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    s->parent = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (s->parent == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (hs__search_paths(s, NULL, NULL) < 0) {
        PyMem_RawFree(s->parent);
        s->parent = NULL;
        return -1;
    }
    return 0;
}

/* Dominators are computed on first need (a snapshot read from a file, or
 * analyze(dominators=False)). */
static int hs__ensure_dominators(hs_snapshot_object *s) {
    if (s->retained != NULL)
        return 0;
    if (hs__ensure_indexed(s) < 0)
        return -1;
    PyMem_RawFree(s->idom);
    s->idom = NULL;
    return hs__compute_dominators(s);
}

static PyObject *snapshot_retained_size(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v;
    if (hs__addr_arg(s, arg, &v) < 0 || hs__ensure_dominators(s) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(s->retained ? s->retained[v] : s->size[v]);
}

/* [(type, address)] from the root to the object at `address`. */
static PyObject *snapshot_path_types(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v, len, i, *nodes;
    PyObject *list;
    if (hs__addr_arg(s, arg, &v) < 0)
        return NULL;
    nodes = hs__path_nodes(s, v, &len);
    if (nodes == NULL && len == 0)
        return PyErr_Occurred() ? NULL : PyList_New(0);
    list = PyList_New(len);
    for (i = 0; list != NULL && i < len; i++) {
        PyObject *t =
            Py_BuildValue("(sk)", s->type_names[s->type_id[nodes[i]]], (unsigned long)s->addr[nodes[i]]);
        if (t == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, t);
    }
    PyMem_RawFree(nodes);
    return list;
}

static PyObject *snapshot_idom(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t v;
    if (hs__addr_arg(s, arg, &v) < 0 || hs__ensure_dominators(s) < 0)
        return NULL;
    if (s->idom == NULL || s->idom[v] == HS_NONE)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLong((unsigned long)s->addr[s->idom[v]]);
}

static PyObject *snapshot_stats(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint32_t counts[HS_NTIERS] = {0}, v, unreachable = 0;
    if (hs__ensure_indexed(s) < 0)
        return NULL;
    for (v = 0; v < s->n; v++) {
        counts[s->tier[v] < HS_NTIERS ? s->tier[v] : 0]++;
        if (s->parent[v] == HS_NONE)
            unreachable++;
    }
    return Py_BuildValue(
        "{sIsIsIsIs{sIsIsIsIsI}sIsns{sdsdsdsd}}", "objects", s->n, "edges", s->graph.m, "types", s->ntypes,
        "roots", s->nroots, "root_kinds", hs_tier_kind[1], counts[1], hs_tier_kind[2], counts[2],
        hs_tier_kind[3], counts[3], hs_tier_kind[4], counts[4], hs_tier_kind[5], counts[5], "unreachable",
        unreachable, "graph_bytes", (Py_ssize_t)hs_graph_bytes(&s->graph), "seconds", "walk", s->seconds[0],
        "roots_and_paths", s->seconds[1], "dominators", s->seconds[2], "answers", s->seconds[3]);
}

/* ---- offline: snapshot files ------------------------------------------ */

_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "64-bit addresses");

/* save(path, meta, results_json): writes the snapshot file. */
static PyObject *snapshot_save(PyObject *self, PyObject *args) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    const char *path, *meta = NULL, *results = NULL;
    PyObject *names_bytes = NULL;
    hs_snapdata d;
    int rc;
    if (!PyArg_ParseTuple(args, "s|zz:save", &path, &meta, &results))
        return NULL;
    memset(&d, 0, sizeof(d));
    d.n = s->n;
    d.ntypes = s->ntypes;
    d.addr = (uint64_t *)s->addr;
    d.type_id = s->type_id;
    d.size = s->size;
    d.tier = s->tier;
    d.graph = s->graph;
    d.type_names = s->type_names;
    d.meta = (char *)meta;
    d.results = (char *)results;
    if (s->names != NULL && PyDict_Check(s->names)) {
        PyObject *lines = PyList_New(0), *joined, *sep, *key, *val;
        Py_ssize_t pos = 0;
        if (lines == NULL)
            return NULL;
        while (PyDict_Next(s->names, &pos, &key, &val)) {
            PyObject *line = PyLong_Check(key) && PyUnicode_Check(val)
                                 ? PyUnicode_FromFormat("%lu\t%U\n", PyLong_AsUnsignedLong(key), val)
                                 : PyUnicode_FromString("");
            if (line == NULL || PyList_Append(lines, line) < 0) {
                Py_XDECREF(line);
                Py_DECREF(lines);
                return NULL;
            }
            Py_DECREF(line);
        }
        sep = PyUnicode_FromString("");
        joined = sep ? PyUnicode_Join(sep, lines) : NULL;
        Py_XDECREF(sep);
        Py_DECREF(lines);
        if (joined == NULL)
            return NULL;
        names_bytes = PyUnicode_AsUTF8String(joined);
        Py_DECREF(joined);
        if (names_bytes == NULL)
            return NULL;
        d.names = PyBytes_AS_STRING(names_bytes);
    }
    Py_BEGIN_ALLOW_THREADS rc = hs_snap_write(path, &d);
    Py_END_ALLOW_THREADS Py_XDECREF(names_bytes);
    if (rc != HS_OK) {
        if (rc == HS_ENOMEM)
            return PyErr_NoMemory();
        return PyErr_Format(PyExc_OSError, "cannot write snapshot %s: %s", path, strerror(errno));
    }
    Py_RETURN_NONE;
}

/* The type-only path to v, for snapshots read from a file. */
static PyObject *hs__render_path_offline(const hs_snapshot_object *s, uint32_t v) {
    uint32_t len = 0, i, start = 0, *nodes = hs__path_nodes(s, v, &len);
    PyObject *path = NULL, *hops = NULL, *text = NULL, *result = NULL;
    if (nodes == NULL) {
        if (PyErr_Occurred())
            return NULL;
        return Py_BuildValue("{s{ssss}sNsssssi}", "root", "kind", "unreachable", "name",
                             s->type_names[s->type_id[v]], "path", PyList_New(0), "path_text", "",
                             "general_text", "", "length", -1);
    }
    path = PyList_New(0);
    hops = PyList_New(0);
    text = PyUnicode_FromString("");
    /* Start at the last named node (a module or class) before v. */
    for (i = len - 1; i-- > 0;) {
        PyObject *key = PyLong_FromUnsignedLong(nodes[i]);
        int has = key && s->names ? PyDict_Contains(s->names, key) : 0;
        Py_XDECREF(key);
        if (has > 0) {
            start = i;
            break;
        }
    }
    PyErr_Clear();
    for (i = start; path && hops && text && i < len; i++) {
        PyObject *key = PyLong_FromUnsignedLong(nodes[i]);
        PyObject *known = key && s->names ? PyDict_GetItemWithError(s->names, key) : NULL; /* borrowed */
        PyObject *name, *hop;
        Py_XDECREF(key);
        if (known != NULL)
            name = PyUnicode_FromFormat(i > start ? " -> %U" : "%U", known);
        else
            name = PyUnicode_FromFormat(i > start ? " -> %s" : "<%s>", s->type_names[s->type_id[nodes[i]]]);
        if (name == NULL || PyList_Append(path, name) < 0) {
            Py_XDECREF(name);
            goto done;
        }
        hop = Py_BuildValue("{sssKsO}", "type", s->type_names[s->type_id[nodes[i]]], "address",
                            (unsigned long long)s->addr[nodes[i]], "label", Py_None);
        if (hop == NULL || PyList_Append(hops, hop) < 0) {
            Py_XDECREF(hop);
            Py_DECREF(name);
            goto done;
        }
        Py_DECREF(hop);
        PyUnicode_AppendAndDel(&text, name);
    }
    if (path && hops && text)
        result = Py_BuildValue(
            "{s{sssN}sOsOsOsOsI}", "root", "kind", hs_tier_kind[s->tier[nodes[0]] % HS_NTIERS], "name",
            PyUnicode_FromFormat("<%s at 0x%llx>", s->type_names[s->type_id[nodes[0]]],
                                 (unsigned long long)s->addr[nodes[0]]),
            "path", path, "path_text", text, "general_text", text, "hops", hops, "length", len - 1);
done:
    PyMem_RawFree(nodes);
    Py_XDECREF(path);
    Py_XDECREF(hops);
    Py_XDECREF(text);
    return result;
}

/* [(name, count, size)]: the snapshot's census, largest size first. */
static PyObject *snapshot_type_rows(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    uint64_t *count = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint64_t));
    uint64_t *bytes = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint64_t));
    PyObject *list = NULL;
    uint32_t v, t;
    if (count == NULL || bytes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++) {
        count[s->type_id[v]]++;
        bytes[s->type_id[v]] += s->size[v];
    }
    list = PyList_New(0);
    for (t = 0; list != NULL && t < s->ntypes; t++) {
        PyObject *row;
        if (count[t] == 0)
            continue;
        row = Py_BuildValue("(sKK)", s->type_names[t], (unsigned long long)count[t],
                            (unsigned long long)bytes[t]);
        if (row == NULL || PyList_Append(list, row) < 0)
            Py_CLEAR(list);
        Py_XDECREF(row);
    }
done:
    PyMem_RawFree(count);
    PyMem_RawFree(bytes);
    return list;
}

/*
 * born_after(older, max_stories=10): objects of this snapshot that the
 * older one did not have (by address and type name), grouped by the shape
 * of their path (types along it, and which reference of its holder each
 * hop is), largest retained size first.  Works on snapshots from files.
 */
static PyObject *snapshot_born_after(PyObject *self, PyObject *args) {
    hs_snapshot_object *s = (hs_snapshot_object *)self, *o;
    PyObject *older, *list = NULL, *result = NULL, *types = Py_None;
    Py_ssize_t max_stories = 10;
    uint32_t v, *shape = NULL, *stack = NULL, nstories = 0, t, born = 0;
    uint8_t *wanted = NULL;
    hs_group trie;
    hs_addrmap story_of;
    hs_story *stories = NULL;
    size_t cap = 16;
    if (!PyArg_ParseTuple(args, "O|nO:born_after", &older, &max_stories, &types))
        return NULL;
    if (Py_TYPE(older) != Py_TYPE(self)) {
        PyErr_SetString(PyExc_TypeError, "born_after() takes another Snapshot");
        return NULL;
    }
    o = (hs_snapshot_object *)older;
    /* Retained sizes only when dominators exist already: a diff of two
     * large files should not pay for them (stories then order by size). */
    if (hs__ensure_indexed(s) < 0 || hs__ensure_index(o) < 0)
        return NULL;
    memset(&trie, 0, sizeof(trie));
    memset(&story_of, 0, sizeof(story_of));
    shape = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stack = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stories = PyMem_RawMalloc(cap * sizeof(hs_story));
    if (!shape || !stack || !stories || hs_group_init(&trie, 4) != HS_OK ||
        hs_addrmap_init(&story_of, 64, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++)
        shape[v] = HS_NONE;
    if (types != Py_None) {
        /* Snapshots of different processes: addresses mean nothing across
         * them; take every object of the given types instead. */
        PyObject *fast = PySequence_Fast(types, "types must be a sequence of type names");
        Py_ssize_t i;
        if (fast == NULL)
            goto done;
        wanted = PyMem_RawCalloc((size_t)s->ntypes + 1, 1);
        for (i = 0; wanted != NULL && i < PySequence_Fast_GET_SIZE(fast); i++) {
            const char *name = PyUnicode_Check(PySequence_Fast_GET_ITEM(fast, i))
                                   ? PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i))
                                   : NULL;
            if (name != NULL)
                for (t = 0; t < s->ntypes; t++)
                    if (strcmp(s->type_names[t], name) == 0)
                        wanted[t] = 1;
        }
        Py_DECREF(fast);
        if (wanted == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        PyErr_Clear();
    }
    for (v = 0; v < s->n; v++) {
        uint32_t w, sp = 0, x = v;
        if (s->parent[v] == HS_NONE || s->tier[v] == HS_TIER_INTERP)
            continue;
        if (wanted != NULL) {
            if (!wanted[s->type_id[v]])
                continue;
        } else if (hs_addrmap_get(&o->index, s->addr[v], &w) &&
                   strcmp(o->type_names[o->type_id[w]], s->type_names[s->type_id[v]]) == 0)
            continue; /* it was there before */
        born++;
        /* shape: (parent shape, type, edge position in the parent) */
        while (shape[x] == HS_NONE) {
            stack[sp++] = x;
            if (s->parent[x] == x)
                break;
            x = s->parent[x];
        }
        while (sp > 0) {
            uint32_t y = stack[--sp], tup[4], p = s->parent[y];
            tup[1] = s->type_id[y];
            if (p == y) {
                tup[0] = HS_NONE;
                tup[2] = HS_TOK_ROOT;
                tup[3] = s->tier[y];
            } else {
                uint32_t e, deg = s->graph.fwd_off[p + 1] - s->graph.fwd_off[p];
                tup[0] = shape[p];
                tup[2] = HS_TOK_EDGE;
                tup[3] = HS_NONE;
                if (deg <= 64)
                    for (e = s->graph.fwd_off[p]; e < s->graph.fwd_off[p + 1]; e++)
                        if (s->graph.fwd[e] == y) {
                            tup[3] = e - s->graph.fwd_off[p];
                            break;
                        }
            }
            if (hs_group_intern(&trie, tup, &shape[y]) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
        if (hs__story_add(&stories, &cap, &nstories, &story_of, shape[v], v, s->type_id[v], s->size[v],
                          s->retained ? s->retained[v] : s->size[v]) < 0)
            goto done;
    }
    qsort(stories, nstories, sizeof(hs_story), hs__story_cmp);
    list = PyList_New(0);
    for (t = 0; list != NULL && t < nstories && (Py_ssize_t)t < max_stories; t++) {
        PyObject *path = hs__render_path_offline(s, stories[t].rep), *d;
        if (path == NULL) {
            Py_CLEAR(list);
            break;
        }
        d = Py_BuildValue("{sssKsKsNsKsN}", "type", s->type_names[stories[t].type_id], "count",
                          (unsigned long long)stories[t].count, "size", (unsigned long long)stories[t].size,
                          "retained_size",
                          s->retained ? PyLong_FromUnsignedLongLong(stories[t].retained) : Py_NewRef(Py_None),
                          "example_address", (unsigned long long)s->addr[stories[t].rep], "path", path);
        if (d == NULL || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    if (list != NULL)
        result = Py_BuildValue("{sOsIsI}", "stories", list, "nstories", nstories, "born", born);
done:
    Py_XDECREF(list);
    PyMem_RawFree(shape);
    PyMem_RawFree(stack);
    PyMem_RawFree(stories);
    PyMem_RawFree(wanted);
    hs_group_destroy(&trie);
    hs_addrmap_destroy(&story_of);
    return result;
}

/* top_retainers(n) from the dominator tree, type-only paths (offline). */
static PyObject *snapshot_top_retainers(PyObject *self, PyObject *arg) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    Py_ssize_t top = PyLong_AsSsize_t(arg);
    uint32_t *best, nbest = 0, v, k;
    PyObject *list;
    if (top == -1 && PyErr_Occurred())
        return NULL;
    if (top <= 0)
        return PyList_New(0);
    if (hs__ensure_dominators(s) < 0)
        return NULL;
    if (top > 10000)
        top = 10000;
    best = PyMem_RawMalloc((size_t)top * sizeof(uint32_t));
    if (best == NULL)
        return PyErr_NoMemory();
    for (v = 0; v < s->n; v++) {
        uint64_t r = s->retained[v];
        if (s->parent[v] == HS_NONE || s->tier[v] != HS_TIER_NONE)
            continue; /* roots (modules, interpreter state) retain everything: skip them */
        if (nbest == (uint32_t)top && r <= s->retained[best[nbest - 1]])
            continue;
        k = nbest < (uint32_t)top ? nbest++ : nbest - 1;
        while (k > 0 && s->retained[best[k - 1]] < r) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = v;
    }
    list = PyList_New(0);
    for (k = 0; list != NULL && k < nbest; k++) {
        PyObject *path = hs__render_path_offline(s, best[k]), *d;
        if (path == NULL) {
            Py_CLEAR(list);
            break;
        }
        d = Py_BuildValue("{sssKsKsKsN}", "type", s->type_names[s->type_id[best[k]]], "address",
                          (unsigned long long)s->addr[best[k]], "size", (unsigned long long)s->size[best[k]],
                          "retained_size", (unsigned long long)s->retained[best[k]], "path", path);
        if (d == NULL || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    PyMem_RawFree(best);
    return list;
}

/* heapscope._heapscope.load(path) -> Snapshot, or SnapshotError. */
PyObject *hs_load_snapshot(PyObject *module, PyObject *arg) {
    hs_state *st = get_heapscope_state(module);
    PyObject *bytes = NULL, *result = NULL;
    hs_snapshot_object *s = NULL;
    hs_snapdata d;
    char err[512];
    uint32_t v;
    int rc;
    memset(&d, 0, sizeof(d));
    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    err[0] = '\0';
    Py_BEGIN_ALLOW_THREADS rc = hs_snap_read_file(PyBytes_AS_STRING(bytes), &d, err, sizeof(err));
    Py_END_ALLOW_THREADS if (rc != HS_OK) {
        if (rc == HS_ENOMEM)
            PyErr_NoMemory();
        else
            PyErr_Format(st->snapshot_error, "%s: %s", PyBytes_AS_STRING(bytes), err);
        goto done;
    }
    s = PyObject_New(hs_snapshot_object, st->snapshot_type);
    if (s == NULL)
        goto done;
    memset((char *)s + sizeof(PyObject), 0, sizeof(hs_snapshot_object) - sizeof(PyObject));
    s->from_file = 1;
    s->n = d.n;
    s->ntypes = d.ntypes;
    s->addr = (uintptr_t *)d.addr;
    s->type_id = d.type_id;
    s->size = d.size;
    s->tier = d.tier;
    s->type_names = d.type_names;
    s->graph = d.graph;
    memset(&d.graph, 0, sizeof(d.graph));
    d.addr = NULL;
    d.type_id = NULL;
    d.size = NULL;
    d.tier = NULL;
    d.type_names = NULL;
    s->results = d.results ? PyUnicode_DecodeUTF8(d.results, (Py_ssize_t)strlen(d.results), "replace")
                           : Py_NewRef(Py_None);
    if (s->results == NULL)
        goto done;
    s->names = PyDict_New();
    if (s->names == NULL)
        goto done;
    if (d.names != NULL) {
        /* lines "index\tname", already checked by the reader */
        char *line = d.names;
        while (*line) {
            char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
            PyObject *key, *val;
            int set_rc;
            if (tab == NULL || nl == NULL || tab > nl)
                break;
            key = PyLong_FromUnsignedLong(strtoul(line, NULL, 10));
            val = PyUnicode_DecodeUTF8(tab + 1, nl - tab - 1, "replace");
            set_rc = (key && val) ? PyDict_SetItem(s->names, key, val) : -1;
            Py_XDECREF(key);
            Py_XDECREF(val);
            if (set_rc < 0)
                goto done;
            line = nl + 1;
        }
    }
    for (v = 0; v < s->n; v++)
        if (s->tier[v])
            s->nroots++;
    /* The address index, reverse edges, paths and dominators wait until a
     * query needs them (hs__ensure_indexed). */
    result = (PyObject *)s;
    s = NULL;
    if (d.meta != NULL) {
        PyObject *meta = PyUnicode_DecodeUTF8(d.meta, (Py_ssize_t)strlen(d.meta), "replace");
        PyObject *pair = meta ? PyTuple_Pack(2, result, meta) : NULL;
        Py_XDECREF(meta);
        Py_SETREF(result, pair);
    } else {
        PyObject *pair = PyTuple_Pack(2, result, Py_None);
        Py_SETREF(result, pair);
    }
done:
    hs_snapdata_destroy(&d);
    Py_XDECREF(s);
    Py_XDECREF(bytes);
    return result;
}

static PyObject *snapshot_repr(PyObject *self) {
    hs_snapshot_object *s = (hs_snapshot_object *)self;
    return PyUnicode_FromFormat("<heapscope Snapshot: %u objects, %u edges, %u roots>", s->n, s->graph.m,
                                s->nroots);
}

static PyMethodDef snapshot_methods[] = {
    {"results", snapshot_results, METH_NOARGS, "The answers computed while the heap was live (a dict)."},
    {"retained_size", snapshot_retained_size, METH_O, "retained_size(address) -> bytes kept alive by it."},
    {"path_types", snapshot_path_types, METH_O, "path_types(address) -> [(type, address)] from its root."},
    {"idom", snapshot_idom, METH_O, "idom(address) -> address of its immediate dominator, or None."},
    {"stats", snapshot_stats, METH_NOARGS, "Counts and timings of the analysis."},
    {"save", snapshot_save, METH_VARARGS, "save(path, meta=None, results_json=None): write a snapshot file."},
    {"type_rows", snapshot_type_rows, METH_NOARGS, "[(type, count, size)] of the snapshot's objects."},
    {"born_after", snapshot_born_after, METH_VARARGS,
     "born_after(older, max_stories=10): stories of the objects the older snapshot did not have."},
    {"top_retainers", snapshot_top_retainers, METH_O,
     "top_retainers(n): largest retained sizes (type paths)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot snapshot_slots[] = {
    {Py_tp_new, hs_no_new},
    {Py_tp_dealloc, snapshot_dealloc},
    {Py_tp_methods, snapshot_methods},
    {Py_tp_repr, snapshot_repr},
    {Py_tp_doc, "The object graph of one heap walk, as integers, with the answers computed from it."},
    {0, NULL},
};

PyType_Spec hs_snapshot_spec = {
    .name = "heapscope._heapscope.Snapshot",
    .basicsize = sizeof(hs_snapshot_object),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = snapshot_slots,
};

/* dominators_of(n, edges, roots): the core's dominators on a given graph
 * (a test hook: the property tests compare it with a reference). */
PyObject *hs_dominators_of(PyObject *module, PyObject *args) {
    Py_ssize_t n, i;
    PyObject *edges, *rootseq, *efast = NULL, *rfast = NULL, *result = NULL;
    uint32_t *src = NULL, *dst = NULL, *roots = NULL, *idom = NULL, *order = NULL, norder, nr;
    Py_ssize_t m;
    hs_graph g;
    (void)module;
    memset(&g, 0, sizeof(g));
    if (!PyArg_ParseTuple(args, "nOO:dominators_of", &n, &edges, &rootseq))
        return NULL;
    if (n < 0 || n > 1000000) {
        PyErr_SetString(PyExc_ValueError, "n must be between 0 and 1000000");
        return NULL;
    }
    efast = PySequence_Fast(edges, "edges must be a sequence of (src, dst)");
    rfast = PySequence_Fast(rootseq, "roots must be a sequence");
    if (efast == NULL || rfast == NULL)
        goto done;
    m = PySequence_Fast_GET_SIZE(efast);
    nr = (uint32_t)PySequence_Fast_GET_SIZE(rfast);
    src = PyMem_RawMalloc((size_t)m * sizeof(uint32_t) + 1);
    dst = PyMem_RawMalloc((size_t)m * sizeof(uint32_t) + 1);
    roots = PyMem_RawMalloc((size_t)nr * sizeof(uint32_t) + 1);
    idom = PyMem_RawMalloc((size_t)n * sizeof(uint32_t) + 1);
    order = PyMem_RawMalloc((size_t)n * sizeof(uint32_t) + 1);
    if (!src || !dst || !roots || !idom || !order) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < m; i++) {
        long a, b;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(efast, i), "ll", &a, &b))
            goto done;
        if (a < 0 || b < 0 || a >= n || b >= n) {
            PyErr_SetString(PyExc_ValueError, "edge endpoint out of range");
            goto done;
        }
        src[i] = (uint32_t)a;
        dst[i] = (uint32_t)b;
    }
    for (i = 0; i < (Py_ssize_t)nr; i++) {
        long r = PyLong_AsLong(PySequence_Fast_GET_ITEM(rfast, i));
        if (r == -1 && PyErr_Occurred())
            goto done;
        if (r < 0 || r >= n) {
            PyErr_SetString(PyExc_ValueError, "root out of range");
            goto done;
        }
        roots[i] = (uint32_t)r;
    }
    if (hs_graph_init(&g, (size_t)n, (size_t)m) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t e;
        hs_graph_begin_node(&g, (uint32_t)i);
        for (e = 0; e < m; e++) /* quadratic, fine for a test hook */
            if (src[e] == (uint32_t)i && hs_graph_add_edge(&g, dst[e]) != HS_OK) {
                PyErr_NoMemory();
                goto done;
            }
    }
    if (hs_graph_finish(&g, (uint32_t)n) != HS_OK || hs_graph_build_reverse(&g) != HS_OK ||
        hs_graph_dominators(&g, roots, nr, idom, order, &norder) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyList_New(n);
    for (i = 0; result != NULL && i < n; i++) {
        PyObject *x = idom[i] == HS_NONE ? Py_NewRef(Py_None) : PyLong_FromUnsignedLong(idom[i]);
        if (x == NULL)
            Py_CLEAR(result);
        else
            PyList_SET_ITEM(result, i, x);
    }
done:
    hs_graph_destroy(&g);
    PyMem_RawFree(src);
    PyMem_RawFree(dst);
    PyMem_RawFree(roots);
    PyMem_RawFree(idom);
    PyMem_RawFree(order);
    Py_XDECREF(efast);
    Py_XDECREF(rfast);
    return result;
}
