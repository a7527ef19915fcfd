/*
 * Root tiers.  A root is what the collector cannot explain: an object with
 * more references than the heap's objects hold (refcount subtraction), and
 * the places a Python developer's answer starts even when something inside
 * the interpreter holds them: modules and their globals, running frames'
 * locals.  Tiers order the path search (src/core/hs_roots.c): modules,
 * then references from C (what outlives a call), then running frames, then
 * interpreter internals, then heapscope's own frames.
 */
#include <string.h>

#include "heap.h"
#include "walk.h"
#include "typename.h"

const char *const hs_tier_kind[HS_NTIERS] = {
    "none", "module global", "thread stack", "held by C code", "interpreter", "heapscope",
};

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
int hs_roots_modules(hs_live *L) {
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
    L->sysmodules = hs_heap_node(L->s, modules);
    hs__make_source(L, L->sysmodules, HS_TIER_MODULE);
    while (PyDict_Next(modules, &pos, &name, &mod)) {
        uint32_t vm, vd, idx;
        if (!PyModule_Check(mod) || !PyUnicode_Check(name))
            continue;
        idx = (uint32_t)PyList_GET_SIZE(L->modnames);
        if (PyList_Append(L->modnames, name) < 0)
            return -1;
        vm = hs_heap_node(L->s, mod);
        vd = hs_heap_node(L->s, PyModule_GetDict(mod));
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
uint32_t hs_roots_module_of(const hs_live *L, uint32_t v) {
    uint32_t idx;
    if (hs_addrmap_get(&L->modmap, ((uintptr_t)v + 1) << 4, &idx))
        return idx;
    return HS_NONE;
}

/* Interpreter internals: static types and their dicts, immortal and atomic objects. */
void hs_roots_interp(hs_live *L) {
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
            hs__mark_tier(L, hs_heap_node(s, d), HS_TIER_INTERP);
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
    if (hs__note_stack(L, hs_heap_node(L->s, value), c->tool, c->tid, c->code, c->line, name) < 0)
        return -1;
    /* The frame also holds its cell variables' cells (a cell whose
       contents is this value is held by the frame too). */
    for (k = 0; k < L->nroot_cells; k++)
        if (PyCell_GET(L->objs[L->root_cells[k]]) == value &&
            hs__note_stack(L, L->root_cells[k], c->tool, c->tid, c->code, c->line, name) < 0)
            return -1;
    return 0;
}

static int hs__own_visit(PyObject *o, void *arg) {
    hs_own_refs *r = (hs_own_refs *)arg;
    uint32_t v = hs_heap_node(r->s, o);
    if (v == HS_NONE || r->refcnt[v] == HS_REFCNT_IMMORTAL || r->refcnt[v] == 0)
        return 0;
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        uint32_t *p = PyMem_RawRealloc(r->nodes, ncap * sizeof(uint32_t));
        if (p == NULL) {
            r->error = 1;
            return -1;
        }
        r->nodes = p;
        r->cap = ncap;
    }
    r->refcnt[v]--;
    r->nodes[r->n++] = v;
    return 0;
}

int hs_roots_own_refs(hs_own_refs *r, PyObject *const *objs, size_t nobjs, PyObject *const *snaps,
                      size_t nsnaps) {
    size_t i;
    for (i = 0; i < nobjs && !r->error; i++) {
        PyTypeObject *tp = objs[i] == NULL ? NULL : Py_TYPE(objs[i]);
        /* a tuple's or a dict's traverse: it runs no Python code */
        if (tp != NULL && PyType_IS_GC(tp) && tp->tp_traverse != NULL)
            (void)tp->tp_traverse(objs[i], hs__own_visit, r);
    }
    for (i = 0; i < nsnaps && !r->error; i++) { /* a Snapshot's answers (heap.h) */
        const hs_snapshot_object *o = (const hs_snapshot_object *)snaps[i];
        PyObject *held[] = {o->results, o->names, o->stack_names};
        size_t k;
        for (k = 0; k < sizeof(held) / sizeof(held[0]) && !r->error; k++)
            if (held[k] != NULL)
                (void)hs__own_visit(held[k], r);
    }
    return r->error ? -1 : 0;
}

/* hs_roots_own_each (heap.h): a census has no graph, so what only the
 * Snapshots hold is found by counting, per object, the references from
 * them and from what only they hold, against its refcount. */
typedef struct {
    int (*each)(PyObject *o, void *arg);
    void *arg;
    const hs_markset *counted;
    hs_addrmap slot; /* object -> index in refs */
    uint32_t *refs;  /* references to it from heapscope's own objects so far */
    PyObject **todo; /* own containers still to follow */
    size_t nrefs, cap_refs, ntodo, cap_todo;
    int error;
} hs_own_count;

static int hs__own_grow(void **p, size_t *cap, size_t n, size_t each) {
    void *q;
    if (n < *cap)
        return 0;
    q = PyMem_RawRealloc(*p, (*cap ? *cap * 2 : 256) * each);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = *cap ? *cap * 2 : 256;
    return 0;
}

static int hs__own_count_visit(PyObject *o, void *arg) {
    hs_own_count *w = (hs_own_count *)arg;
    uint32_t k = (uint32_t)w->nrefs;
    int put = hs_addrmap_put(&w->slot, (uintptr_t)o, k, &k);
    if (put < 0 ||
        (put == 1 && hs__own_grow((void **)&w->refs, &w->cap_refs, w->nrefs, sizeof(uint32_t)) < 0)) {
        w->error = 1;
        return -1;
    }
    if (put == 1)
        w->refs[w->nrefs++] = 0;
    if ((Py_ssize_t)++w->refs[k] != Py_REFCNT(o))
        return 0; /* held from elsewhere too (so far) */
    if (hs_markset_has(w->counted, (uintptr_t)o) && w->each(o, w->arg) < 0) {
        w->error = 1;
        return -1;
    }
    if (PyDict_CheckExact(o) || PyList_CheckExact(o) || PyTuple_CheckExact(o)) {
        if (hs__own_grow((void **)&w->todo, &w->cap_todo, w->ntodo, sizeof(PyObject *)) < 0) {
            w->error = 1;
            return -1;
        }
        w->todo[w->ntodo++] = o;
    }
    return 0;
}

int hs_roots_own_each(const hs_walk *walk, int (*each)(PyObject *o, void *arg), void *arg) {
    hs_own_count w;
    size_t i;
    memset(&w, 0, sizeof(w));
    w.each = each;
    w.arg = arg;
    w.counted = &walk->marks;
    if (walk->nown_seen == 0)
        return 0;
    if (hs_addrmap_init(&w.slot, 1024, 1) != HS_OK)
        w.error = 1;
    for (i = 0; i < walk->nown_seen && !w.error; i++) {
        const hs_snapshot_object *snap = (const hs_snapshot_object *)walk->own_seen[i];
        PyObject *held[] = {snap->results, snap->names, snap->stack_names};
        size_t k;
        for (k = 0; k < sizeof(held) / sizeof(held[0]) && !w.error; k++)
            if (held[k] != NULL)
                (void)hs__own_count_visit(held[k], &w);
        while (w.ntodo > 0 && !w.error) {
            PyObject *o = w.todo[--w.ntodo], *key, *value;
            Py_ssize_t pos = 0;
            if (!PyDict_CheckExact(o)) {
                (void)Py_TYPE(o)->tp_traverse(o, hs__own_count_visit, &w);
                continue;
            }
            while (!w.error && PyDict_Next(o, &pos, &key, &value))
                if (hs__own_count_visit(key, &w) == 0)
                    (void)hs__own_count_visit(value, &w);
        }
    }
    hs_addrmap_destroy(&w.slot);
    PyMem_RawFree(w.refs);
    PyMem_RawFree(w.todo);
    if (w.error) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        return -1;
    }
    return 0;
}

void hs_roots_own_mark(hs_own_refs *r) {
    size_t i;
    for (i = 0; i < r->n; i++)
        if (r->s->tier[r->nodes[i]] == HS_TIER_NONE) {
            r->s->tier[r->nodes[i]] = HS_TIER_TOOL;
            r->s->nroots++;
        }
    PyMem_RawFree(r->nodes);
    r->nodes = NULL;
    r->n = r->cap = 0;
}

void hs_roots_mark_own(hs_snapshot_object *s, PyObject *obj) {
    uint32_t v = obj == NULL ? HS_NONE : hs_heap_node(s, obj);
    if (v == HS_NONE)
        return;
    if (s->tier[v] == HS_TIER_NONE)
        s->nroots++;
    s->tier[v] = HS_TIER_TOOL;
}

/* 3.14+: atexit's callback list (compat.h): among the objects only C code
 * holds and no object refers to, a list of the length the atexit module
 * gave, of (callable, tuple, dict or None) entries.  Inside the window:
 * reads only (PyCallable_Check reads tp_call). */
static void hs__find_atexit_list(hs_live *L) {
    uint32_t v;
    L->atexit_list = HS_NONE;
    if (!HS_ATEXIT_CALLBACKS_LIST || L->atexit_count <= 0 ||
        (L->referenced == NULL && L->s->graph.rev_off == NULL && L->s->graph.indeg == NULL))
        return; /* (no in-degrees and no referenced bits: analyze.c makes the bits first) */
    for (v = 0; v < L->s->n; v++) {
        PyObject *o = L->objs[v];
        Py_ssize_t i, n;
        /* Only C code holds it: no object of the graph refers to it. */
        if (L->s->tier[v] != HS_TIER_C || !PyList_CheckExact(o) || PyList_GET_SIZE(o) != L->atexit_count ||
            (L->referenced != NULL ? hs_bits_test(L->referenced, v)
                                   : hs_graph_in_degree(&L->s->graph, v) != 0))
            continue;
        n = PyList_GET_SIZE(o);
        for (i = 0; i < n; i++) {
            PyObject *e = PyList_GET_ITEM(o, i);
            if (!PyTuple_CheckExact(e) || PyTuple_GET_SIZE(e) != 3 ||
                !PyCallable_Check(PyTuple_GET_ITEM(e, 0)) || !PyTuple_CheckExact(PyTuple_GET_ITEM(e, 1)) ||
                !(PyTuple_GET_ITEM(e, 2) == Py_None || PyDict_CheckExact(PyTuple_GET_ITEM(e, 2))))
                break;
        }
        if (i == n) {
            L->atexit_list = v;
            return;
        }
    }
}

/* What a module or its dict refers to: a byte per node (PyMem_RawFree it),
 * or NULL with an exception.  From the modules' own edges, so that no
 * reverse lists are needed. */
static uint8_t *hs__module_referred(hs_live *L) {
    const hs_graph *g = &L->s->graph;
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed; no strong variant exists */
    PyObject *name, *mod;
    Py_ssize_t pos = 0;
    uint8_t *by = PyMem_RawCalloc((size_t)L->s->n + 1, 1);
    if (by == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    while (PyDict_Next(modules, &pos, &name, &mod)) { /* reads the table only */
        uint32_t u[2], k, e;
        if (!PyModule_Check(mod) || !PyUnicode_Check(name))
            continue;
        u[0] = hs_heap_node(L->s, mod);
        u[1] = hs_heap_node(L->s, PyModule_GetDict(mod));
        for (k = 0; k < 2; k++)
            for (e = u[k] == HS_NONE ? 0 : g->fwd_off[u[k]]; u[k] != HS_NONE && e < g->fwd_off[u[k] + 1]; e++)
                by[g->fwd[e]] = 1;
    }
    return by;
}

/* Every thread's frames: locals that are roots (3.11+), frames that are roots (< 3.11). */
/* A running frame: a stack root, and its locals. */
static int hs__note_frame(PyThreadState *ts, PyFrameObject *f, void *arg) {
    hs_live *L = arg;
    unsigned long tid = ts->thread_id; /* the thread's ident, as threading shows it */
    PyCodeObject *code = PyFrame_GetCode(f);
    int line = PyFrame_GetLineNumber(f), tool = hs__is_tool_code(L, code);
    hs_stack_ctx ctx = {L, tool, tid, code, line};
    int err = hs__note_stack(L, hs_heap_node(L->s, f), tool, tid, code, line, NULL);
    if (err == 0)
        err = hs_compat_frame_visit_locals(f, hs__note_local, &ctx);
    Py_DECREF(code);
    return err < 0 ? -1 : 0;
}

int hs_roots_stacks(hs_live *L) {
    uint8_t *by_module;
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
    by_module = hs__module_referred(L);
    if (by_module == NULL)
        return -1;
    for (v = 0; v < L->s->n; v++) {
        if (L->s->tier[v] == HS_TIER_C && PyCell_Check(L->objs[v]))
            L->root_cells[L->nroot_cells++] = v;
        /* A class a module defines, with an extra reference from C (a running
           frame's evaluation stack, typically: `Cls(...)` being called): the
           module explains it, so it is not a root of its own. */
        if (by_module[v] && L->s->tier[v] == HS_TIER_C && PyType_Check(L->objs[v]) &&
            (((PyTypeObject *)L->objs[v])->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            L->s->tier[v] = HS_TIER_NONE;
            L->s->nroots--;
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
    PyMem_RawFree(by_module);
    hs__find_atexit_list(L);
    return hs_compat_each_running_frame(hs__note_frame, L);
}

/* Names that make offline paths readable: each module, its dict, each class. */
PyObject *hs_roots_node_names(hs_live *L) {
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
        if (!meta[hs_heap_type(s, v)])
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

/* The running frames' locals that are roots, by name (node -> str): a kept
 * snapshot's paths then start at `holder`, not `<dict>`.  Not saved in
 * files (their names section is for anchors: modules, their dicts, classes). */
PyObject *hs_roots_stack_names(hs_live *L) {
    hs_snapshot_object *s = L->s;
    PyObject *names = PyDict_New(), *key, *info;
    Py_ssize_t pos = 0;
    if (names == NULL || L->stackinfo == NULL)
        return names;
    while (PyDict_Next(L->stackinfo, &pos, &key, &info)) { /* exact int keys, dict values */
        PyObject *local = PyDict_GetItemString(info, "local");
        unsigned long node = PyLong_AsUnsignedLong(key);
        if (node == (unsigned long)-1 && PyErr_Occurred())
            goto error;
        if (local == NULL || !PyUnicode_Check(local) || node >= s->n || s->tier[node] != HS_TIER_STACK)
            continue;
        if (PyDict_SetDefault(names, key, local) == NULL)
            goto error;
    }
    return names;
error:
    Py_DECREF(names);
    return NULL;
}
