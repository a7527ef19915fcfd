/*
 * compat.h: every CPython-version-specific detail heapscope relies on, in
 * one place.  No other file but compat.c (its import-time checks) tests
 * PY_VERSION_HEX (a test checks).
 *
 * Supported: the versions src/core/hs_versions.h names, with the GIL
 * (free-threaded builds change object headers, reference counts and dict
 * layouts and are refused at compile time; docs/free-threading.md says
 * what a walk of one would need).
 */
#ifndef HS_COMPAT_H
#define HS_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#include "../core/hs_versions.h"

#if PY_MAJOR_VERSION != HS_PY_MAJOR || PY_MINOR_VERSION < HS_PY_MINOR_MIN
#error "heapscope needs CPython 3.9 or newer (src/core/hs_versions.h)"
#endif
#if PY_MINOR_VERSION > HS_PY_MINOR_MAX
/* Its internal layouts are unchecked: raise HS_PY_MINOR_MAX after review. */
#error "this CPython is newer than heapscope knows (src/core/hs_versions.h)"
#endif
#ifdef Py_GIL_DISABLED
/* docs/free-threading.md says what a walk of one would need. */
#error "heapscope does not support free-threaded CPython builds (3.13t, 3.14t): use one with the GIL"
#endif

/* ---- small API backports ------------------------------------------- */

#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h> /* PyFrame_Check, PyFrameObject before 3.11 */
#endif

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *hs_compat_newref(PyObject *o) {
    Py_INCREF(o);
    return o;
}
static inline PyObject *hs_compat_xnewref(PyObject *o) {
    Py_XINCREF(o);
    return o;
}
#define Py_NewRef(o) hs_compat_newref((PyObject *)(o))
#define Py_XNewRef(o) hs_compat_xnewref((PyObject *)(o))
static inline int hs_compat_add_object_ref(PyObject *m, const char *name, PyObject *v) {
    Py_INCREF(v);
    if (PyModule_AddObject(m, name, v) < 0) {
        Py_DECREF(v);
        return -1;
    }
    return 0;
}
#define PyModule_AddObjectRef hs_compat_add_object_ref
#endif

/* ---- listing the GC's objects --------------------------------------- */
/* The collector's state, struct _gc_runtime_state, holds three generations,
 * {PyGC_Head head; int threshold, count;} each, then (before 3.14) the
 * pointer `generation0` to the first one's head, then the permanent
 * generation: the objects gc.freeze() moved out of collection (a pre-fork
 * server's whole preloaded heap).  A new tracked object links to the first
 * head (it is appended to the youngest generation), so the heads can be
 * found without the interpreter's private headers; the layout is confirmed
 * by `generation0` pointing back at the first head, and every link is
 * checked as it is followed.  (3.14 moved `generation0` down, but lists
 * the permanent generation itself.) */
#define HS_GC_GENERATION_STRIDE (2 * sizeof(uintptr_t) + 2 * sizeof(int))
#define HS_GC_GENERATIONS 3
#define HS_GC_PREV_MASK (~(uintptr_t)3) /* _gc_prev's low bits are flags */
#define HS_GC_PERMANENT_OFFSET (HS_GC_GENERATIONS * HS_GC_GENERATION_STRIDE + sizeof(uintptr_t))

/* 3.12+ can visit every tracked object from C; earlier versions read the
 * generation lists in place, or go through gc.get_objects(), whose list
 * holds one extra reference to each object (the walk subtracts it when it
 * computes roots).  gc.get_objects() never lists the permanent generation;
 * PyUnstable_GC_VisitObjects does from 3.14. */
#if PY_VERSION_HEX >= 0x030C0000
#define HS_HAVE_GC_VISIT_OBJECTS 1
#else
#define HS_HAVE_GC_VISIT_OBJECTS 0
#endif
#if PY_VERSION_HEX >= 0x030E0000
#define HS_GC_LISTS_PERMANENT 1
#else
#define HS_GC_LISTS_PERMANENT 0
/* hs_compat_gc_generation0: the first generation's head, from the links of
 * a new tracked object it allocates (call it before any raw pointer is
 * held, with the collector paused); 0 when the layout is not recognised.
 * The visitors below take it; given 0 they return 1. */
uintptr_t hs_compat_gc_generation0(void);
/* hs_compat_gc_visit_permanent visits the permanent generation's objects,
 * checking every link as it goes: 0 when done and they were exactly
 * `expected` (gc.get_freeze_count()), 1 when the layout is not recognised
 * (the callback may have seen some objects: discard them), -1 when the
 * callback returned 0 to stop.  The collector must be paused. */
int hs_compat_gc_visit_permanent(uintptr_t gen0, int (*cb)(PyObject *, void *), void *arg,
                                 Py_ssize_t expected);
#endif
#if !HS_HAVE_GC_VISIT_OBJECTS
/* hs_compat_gc_visit_generations visits every object of the three lists,
 * in gc.get_objects()'s order, without building a list: 0 when done, 1
 * when the layout is not recognised or a link does not check out (use
 * gc.get_objects(); the callback may have seen some objects), -1 when the
 * callback returned 0 to stop.  The collector must be paused. */
int hs_compat_gc_visit_generations(uintptr_t gen0, int (*cb)(PyObject *, void *), void *arg);
#endif

/* ---- pausing the collector -------------------------------------------
 * While the analysis holds raw object pointers, a collection (which any
 * allocation may start) could run __del__ and free objects under it. */
#if PY_VERSION_HEX >= 0x030A0000
#define HS_HAVE_PYGC_DISABLE 1
#else
#define HS_HAVE_PYGC_DISABLE 0
#endif

/* ---- immortal objects (3.12+) -----------------------------------------
 * Roots by definition.  CPython's own rule, from its headers: 3.12 and 3.13
 * test the low 32 bits of the refcount as signed (an immortal object's count
 * may drift below the initial sentinel), which a comparison with a constant
 * gets wrong. */
#if PY_VERSION_HEX >= 0x030C0000
#define HS_IS_IMMORTAL(o) _Py_IsImmortal(o)
#else
#define HS_IS_IMMORTAL(o) 0
#endif

/* ---- a class's subclass registry ------------------------------------ */
/* The dict of weak references to a class's subclasses ({id: weakref}) that
 * the interpreter keeps on the class and type_traverse does not visit, or
 * NULL.  From 3.12 a static builtin type's lives in the interpreter's state,
 * out of reach.  Reads fields only. */
static inline PyObject *hs_compat_type_subclasses(PyTypeObject *tp) {
#if PY_VERSION_HEX >= 0x030C0000
    if (tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN)
        return NULL;
#endif
    return (PyObject *)tp->tp_subclasses;
}

/* ---- code objects ---------------------------------------------------- */
/* A code object's own references, which no tp_traverse visits (its type is
 * not a GC type): the constants (nested functions' code among them), the
 * names, the file and function names, the line and exception tables, and
 * the attributes it caches once asked (co_code, co_varnames...).  Fills
 * labels[] (".co_consts") and refs[], HS_CODE_REFS_MAX at most, and returns
 * how many; a field not made yet is left out.  Reads fields only. */
#define HS_CODE_REFS_MAX 16
#define HS__CODE_REF(field, label)                                                                           \
    do {                                                                                                     \
        if ((field) != NULL) {                                                                               \
            labels[n] = (label);                                                                             \
            refs[n++] = (PyObject *)(field);                                                                 \
        }                                                                                                    \
    } while (0)
static inline int hs_compat_code_refs(PyCodeObject *co, const char **labels, PyObject **refs) {
    int n = 0;
    HS__CODE_REF(co->co_consts, ".co_consts");
    HS__CODE_REF(co->co_names, ".co_names");
    HS__CODE_REF(co->co_filename, ".co_filename");
    HS__CODE_REF(co->co_name, ".co_name");
#if PY_VERSION_HEX >= 0x030B0000
    HS__CODE_REF(co->co_qualname, ".co_qualname");
    HS__CODE_REF(co->co_localsplusnames, ".co_localsplusnames");
    HS__CODE_REF(co->co_localspluskinds, ".co_localspluskinds");
    HS__CODE_REF(co->co_exceptiontable, ".co_exceptiontable");
    HS__CODE_REF(co->co_linetable, ".co_linetable");
#if PY_VERSION_HEX >= 0x030C0000
    if (co->_co_cached != NULL) {
        HS__CODE_REF(co->_co_cached->_co_code, ".co_code");
        HS__CODE_REF(co->_co_cached->_co_varnames, ".co_varnames");
        HS__CODE_REF(co->_co_cached->_co_cellvars, ".co_cellvars");
        HS__CODE_REF(co->_co_cached->_co_freevars, ".co_freevars");
    }
#else
    HS__CODE_REF(co->_co_code, ".co_code");
#endif
#else
    HS__CODE_REF(co->co_code, ".co_code");
    HS__CODE_REF(co->co_varnames, ".co_varnames");
    HS__CODE_REF(co->co_freevars, ".co_freevars");
    HS__CODE_REF(co->co_cellvars, ".co_cellvars");
#if PY_VERSION_HEX >= 0x030A0000
    HS__CODE_REF(co->co_linetable, ".co_linetable");
#else
    HS__CODE_REF(co->co_lnotab, ".co_lnotab");
#endif
#endif
    return n;
}
#undef HS__CODE_REF

/* ---- instance attribute storage ------------------------------------- */
#ifdef Py_TPFLAGS_MANAGED_DICT
#define HS_TPFLAGS_MANAGED_DICT Py_TPFLAGS_MANAGED_DICT
#else
#define HS_TPFLAGS_MANAGED_DICT 0
#endif
#ifdef Py_TPFLAGS_MANAGED_WEAKREF
#define HS_TPFLAGS_MANAGED_WEAKREF Py_TPFLAGS_MANAGED_WEAKREF
#else
#define HS_TPFLAGS_MANAGED_WEAKREF 0
#endif

/*
 * An instance's __dict__ if it has one as an object, without creating it
 * (borrowed, or NULL).  3.11+ may keep attributes inline with no dict; the
 * managed dict pointer sits three words before the object (3.12 tags it:
 * low bit set means inline values, not a dict).  Earlier versions have a
 * tp_dictoffset slot, which _PyObject_GetDictPtr reads without allocating.
 */
static inline PyObject *hs_compat_instance_dict(PyObject *obj) {
    PyTypeObject *tp = Py_TYPE(obj);
#if PY_VERSION_HEX >= 0x030B0000
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        uintptr_t raw = (uintptr_t)((PyObject **)obj)[-3];
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
        if (raw & 1)
            return NULL; /* PyDictOrValues holds values */
#endif
        return (PyObject *)raw;
    }
#endif
    if (tp->tp_dictoffset > 0) {
        PyObject **p = (PyObject **)((char *)obj + tp->tp_dictoffset);
        return *p;
    }
    return NULL;
}

/* Bytes sys.getsizeof() adds in front of an object: the GC header and, on
 * 3.11+, the managed dict / weakref pointers. */
static inline Py_ssize_t hs_compat_preheader_size(PyTypeObject *tp, PyObject *op) {
    Py_ssize_t extra = 0;
#if PY_VERSION_HEX >= 0x030B0000
    (void)op;
    if (PyType_IS_GC(tp))
        extra += 2 * (Py_ssize_t)sizeof(void *); /* PyGC_Head */
    if (tp->tp_flags & (HS_TPFLAGS_MANAGED_DICT | HS_TPFLAGS_MANAGED_WEAKREF))
        extra += 2 * (Py_ssize_t)sizeof(PyObject *);
#else
    if (PyType_IS_GC(tp) && (tp->tp_is_gc == NULL || tp->tp_is_gc(op)))
        extra += 2 * (Py_ssize_t)sizeof(void *); /* PyGC_Head */
#endif
    return extra;
}

/* ---- allocation tracebacks --------------------------------------------
 * tracemalloc traces the block an object lives in, which starts at its
 * pre-header.  3.11's own lookup forgets the managed-dict pre-header (and
 * finds nothing for plain instances), so up to 3.12 heapscope looks the
 * block up itself; 3.13 hides the C function and gets it right: call
 * tracemalloc's function `fn` there.  New reference: a tuple of
 * (filename, lineno), most recent first, or None. */
static inline PyObject *hs_compat_object_traceback(PyObject *obj, PyObject *fn) {
#if PY_VERSION_HEX < 0x030D0000
    (void)fn;
    return _PyTraceMalloc_GetTraceback(0, (uintptr_t)obj -
                                              (uintptr_t)hs_compat_preheader_size(Py_TYPE(obj), obj));
#else
    return PyObject_CallOneArg(fn, obj);
#endif
}

/* ---- int size -------------------------------------------------------- */
static inline Py_ssize_t hs_compat_long_ndigits(PyObject *op) {
#if PY_VERSION_HEX >= 0x030C0000
    /* lv_tag: digit count << 3 | sign bits (Include/cpython/longintrepr.h) */
    Py_ssize_t n = (Py_ssize_t)(((PyLongObject *)op)->long_value.lv_tag >> 3);
#else
    Py_ssize_t n = Py_SIZE(op) < 0 ? -Py_SIZE(op) : Py_SIZE(op);
#endif
    return n;
}
#if PY_VERSION_HEX >= 0x030C0000
#define HS_LONG_HEADER_SIZE ((Py_ssize_t)offsetof(PyLongObject, long_value.ob_digit))
#else
#define HS_LONG_HEADER_SIZE ((Py_ssize_t)offsetof(PyLongObject, ob_digit))
#endif
#if PY_VERSION_HEX >= 0x030B0000
#define HS_LONG_MIN_DIGITS 1 /* zero still allocates one digit */
#else
#define HS_LONG_MIN_DIGITS 0
#endif

/* Checks made once, at import: the dict lookup function (< 3.11), the
 * interpreter-frame mirror (3.11-3.13).  0, or -1 with an exception. */
int hs_compat_init(void);

/* Calls fn(ts, f, arg) for every thread's running frames, innermost first
 * (a strong reference to f for the call's length), and stops at the first
 * fn that returns < 0, returning that.  PyThreadState_GetFrame may make a
 * frame object (3.11+): an allocation, no Python code; callers inside the
 * raw-pointer window have the collector paused. */
typedef int (*hs_frame_fn)(PyThreadState *ts, PyFrameObject *f, void *arg);
int hs_compat_each_running_frame(hs_frame_fn fn, void *arg);

/* ---- dict internals ---------------------------------------------------
 * _PyDict_SizeOf() is exported by every supported version; 3.13 dropped
 * its declaration from the headers. */
#if PY_VERSION_HEX >= 0x030D0000
PyAPI_FUNC(Py_ssize_t) _PyDict_SizeOf(PyDictObject *);
#endif

/*
 * dict_traverse() visits keys only for "general" key tables; for tables of
 * str keys (and split tables) it visits values only.  The walk must add
 * those str keys itself to count them.  3.11+ tell through dk_kind, the
 * third byte after dk_refcnt in PyDictKeysObject (Include/internal/
 * pycore_dict.h; DICT_KEYS_GENERAL == 0).  3.9/3.10 tell by the lookup
 * function: general tables use `lookdict`, whose address the module learns
 * from a dict with an int key at import (hs_compat_init).
 */
#if PY_VERSION_HEX >= 0x030B0000
typedef struct {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;
} hs_compat_dictkeys_head;
static inline int hs_compat_dict_traverse_visits_keys(PyObject *op) {
    PyDictObject *d = (PyDictObject *)op;
    const hs_compat_dictkeys_head *k = (const hs_compat_dictkeys_head *)d->ma_keys;
    return d->ma_values == NULL && k->dk_kind == 0;
}
#else
typedef struct {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    void *dk_lookup;
} hs_compat_dictkeys_head;
extern void *hs_compat_general_lookup;
static inline int hs_compat_dict_traverse_visits_keys(PyObject *op) {
    PyDictObject *d = (PyDictObject *)op;
    const hs_compat_dictkeys_head *k = (const hs_compat_dictkeys_head *)d->ma_keys;
    return hs_compat_general_lookup != NULL && k->dk_lookup == hs_compat_general_lookup;
}
#endif

/* ---- a frame's local variables, without creating f_locals ----------------
 * Reading frame.f_locals on 3.11/3.12 copies every local into a dict that
 * the frame keeps until it returns: a heap walk must not do that.  fn gets
 * (name, value) for each bound local; for cell and free variables on 3.11
 * it gets the cell itself, whose contents the walk sees as an edge.
 * Before 3.11 the frame object holds its locals as ordinary references
 * (the graph shows them), and nothing is visited. */
typedef int (*hs_local_fn)(PyObject *name, PyObject *value, void *arg);

#if PY_VERSION_HEX >= 0x030B0000
/*
 * 3.11+: the locals live in the _PyInterpreterFrame the frame object
 * points to, read in place.  Public API is no substitute: f_locals copies
 * them into a dict the frame keeps (3.11/3.12), and PyFrame_GetVar() (3.12+)
 * raises NameError for an unbound local, formatting the message with %R,
 * which checks for signals and so runs Python signal handlers inside the
 * raw-pointer window (window.h).  The mirrors below are checked once at
 * import against a live frame (hs_compat_init: the interpreter frame must
 * point back to its frame object and hold its code); if they do not match,
 * no locals are read (frames' referents show as held by C code).
 * Include/internal/pycore_frame.h of each version.
 */
#if PY_VERSION_HEX < 0x030C0000
typedef struct {
    PyObject *f_func, *f_globals, *f_builtins, *f_locals, *f_code, *frame_obj;
    void *previous, *prev_instr;
    int stacktop;
    char is_entry, owner;
    PyObject *localsplus[1];
} hs_compat_iframe;
#elif PY_VERSION_HEX < 0x030E0000 /* 3.12 (f_code) and 3.13 (f_executable) share the layout */
typedef struct {
    PyObject *f_code, *previous, *f_funcobj, *f_globals, *f_builtins, *f_locals, *frame_obj;
    void *instr;
    int stacktop;
    uint16_t return_offset;
    char owner;
    PyObject *localsplus[1];
} hs_compat_iframe;
#else
/* 3.14, 3.15: the code object and the locals are _PyStackRef words
 * (Include/internal/pycore_stackref.h, GIL build): the low bit tags a
 * borrowed or immortal reference, both low bits a tagged int, and the NULL
 * reference is the word 1. */
typedef struct {
    uintptr_t f_executable;
    void *previous;
    uintptr_t f_funcobj;
    PyObject *f_globals, *f_builtins, *f_locals, *frame_obj;
    void *instr_ptr, *stackpointer;
    uint16_t return_offset;
    char owner;
    uint8_t visited;
    uintptr_t localsplus[1];
} hs_compat_iframe;
#define HS_IFRAME_STACKREFS 1
#endif
#ifdef HS_IFRAME_STACKREFS
static inline PyObject *hs_compat_stackref(uintptr_t bits) {
    if (bits == 1 || (bits & 3) == 3)
        return NULL; /* NULL, or a tagged int (no object) */
    return (PyObject *)(bits & ~(uintptr_t)1);
}
#define HS_IFRAME_CODE(fr) hs_compat_stackref((fr)->f_executable)
#define HS_IFRAME_LOCAL(fr, i) hs_compat_stackref((fr)->localsplus[i])
#else
#define HS_IFRAME_CODE(fr) ((fr)->f_code)
#define HS_IFRAME_LOCAL(fr, i) ((fr)->localsplus[i])
#endif
typedef struct {
    PyObject_HEAD PyObject *f_back;
    hs_compat_iframe *f_frame;
} hs_compat_frameobj;

extern int hs_compat_frame_layout_ok;

/* Does the mirror match this frame?  (Used once, at import.) */
static inline int hs_compat_frame_layout_matches(PyFrameObject *f) {
    hs_compat_iframe *fr = ((hs_compat_frameobj *)f)->f_frame;
    PyCodeObject *co = PyFrame_GetCode(f);
    int ok = fr != NULL && fr->frame_obj == (PyObject *)f && HS_IFRAME_CODE(fr) == (PyObject *)co;
    Py_DECREF(co);
    return ok;
}

static inline int hs_compat_frame_visit_locals(PyFrameObject *f, hs_local_fn fn, void *arg) {
    hs_compat_iframe *fr = ((hs_compat_frameobj *)f)->f_frame;
    PyCodeObject *co = PyFrame_GetCode(f);
    int i, rc = 0;
    if (!hs_compat_frame_layout_ok || !(co->co_flags & CO_OPTIMIZED)) {
        Py_DECREF(co); /* a module or class body: its locals are a dict the graph sees */
        return 0;
    }
    for (i = 0; i < co->co_nlocalsplus && rc == 0; i++) {
        PyObject *v = HS_IFRAME_LOCAL(fr, i);
        if (v != NULL)
            rc = fn(PyTuple_GET_ITEM(co->co_localsplusnames, i), v, arg);
    }
    Py_DECREF(co);
    return rc;
}
static inline int hs_compat_frame_locals_read(void) {
    return hs_compat_frame_layout_ok;
}
#else
/* Before 3.11 the frame object holds its locals in f_localsplus: the fast
 * locals (named by co_varnames), then the cells and the free variables (cell
 * objects, by co_cellvars and co_freevars).  Read in place: its f_locals
 * attribute runs PyFrame_FastToLocals, which rewrites the frame's locals dict
 * and frees what a stale entry of it held (a value from an earlier locals()
 * call), inside the raw-pointer window. */
static inline int hs_compat_frame_visit_locals(PyFrameObject *f, hs_local_fn fn, void *arg) {
    PyCodeObject *co = f->f_code;
    Py_ssize_t nlocals, ncells, nfrees, i;
    int rc = 0;
    if (!(co->co_flags & CO_OPTIMIZED))
        return 0; /* a module or class body: its locals are a dict the graph sees */
    nlocals = co->co_nlocals;
    ncells = PyTuple_GET_SIZE(co->co_cellvars);
    nfrees = PyTuple_GET_SIZE(co->co_freevars);
    for (i = 0; i < nlocals + ncells + nfrees && rc == 0; i++) {
        PyObject *v = f->f_localsplus[i], *name;
        if (v == NULL)
            continue;
        if (i < nlocals)
            name = PyTuple_GET_ITEM(co->co_varnames, i);
        else if (i < nlocals + ncells)
            name = PyTuple_GET_ITEM(co->co_cellvars, i - nlocals);
        else
            name = PyTuple_GET_ITEM(co->co_freevars, i - nlocals - ncells);
        rc = fn(name, v, arg);
    }
    return rc;
}
/* Before 3.11 the frame object holds its locals: the graph sees them. */
static inline int hs_compat_frame_locals_read(void) {
    return 1;
}
#endif

/* ---- frames ------------------------------------------------------------
 * 3.11+ keep a running function's locals outside any object (in
 * _PyInterpreterFrame): they show up as roots, named where they are read
 * in place (hs_compat_frame_visit_locals).  Before 3.11 the frame object
 * itself holds them. */
#if PY_VERSION_HEX >= 0x030B0000
#define HS_FRAME_LOCALS_ARE_ROOTS 1
/* None: PyFrame_GetLocals() would rewrite the frame's locals dict. */
static inline PyObject *hs_compat_frame_locals(PyFrameObject *f) {
    (void)f;
    return NULL;
}
#else
#define HS_FRAME_LOCALS_ARE_ROOTS 0
/* Only a function's frame: the dict an earlier locals() call left in it, as
 * it is (never refreshed: see hs_compat_frame_visit_locals).  A module or
 * class body's namespace may be any mapping, whose items() could run Python
 * code inside the raw-pointer window.  NULL with no exception for those, and
 * for a frame that has none. */
static inline PyObject *hs_compat_frame_locals(PyFrameObject *f) {
    PyObject *d = f->f_locals;
    if (!(f->f_code->co_flags & CO_OPTIMIZED) || d == NULL || !PyDict_CheckExact(d))
        return NULL;
    return Py_NewRef(d);
}
#endif

/* ---- a type's dict --------------------------------------------------
 * 3.12+ keep static builtin types' dicts in the interpreter, not in
 * tp_dict; PyType_GetDict() finds them.  Returns a new reference or NULL
 * (no exception). */
static inline PyObject *hs_compat_type_dict(PyTypeObject *tp) {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *d = PyType_GetDict(tp);
    if (d == NULL)
        PyErr_Clear();
    return d;
#else
    PyObject *d = tp->tp_dict;
    Py_XINCREF(d);
    return d;
#endif
}

/* ---- bytearray's size ----------------------------------------------------
 * 3.15 keeps a bytearray's bytes in a bytes object it owns
 * (ob_bytes_object; not a referent the walk sees), and __sizeof__ counts
 * that object's header; an empty one counts none. */
static inline Py_ssize_t hs_compat_bytearray_size(PyObject *op) {
    Py_ssize_t alloc = ((PyByteArrayObject *)op)->ob_alloc;
#if PY_VERSION_HEX >= 0x030F0000
    if (alloc > 0)
        alloc += (Py_ssize_t)offsetof(PyBytesObject, ob_sval) + 1;
#endif
    return Py_TYPE(op)->tp_basicsize + alloc;
}

/* ---- atexit's callbacks ------------------------------------------------
 * 3.14+ keep them in a list the interpreter owns (entries (func, args,
 * kwargs)): the collector sees it, no object refers to it.  Up to 3.13 they
 * sit in a C array (a registered bound method is itself held by C code).
 * hs_compat_atexit_count() asks the atexit module, if the program imported
 * it, how many there are (before the raw-pointer window: it is a call);
 * the walk then tells that list apart by its length and shape.  -1: not
 * applicable or unknown (no exception). */
#if PY_VERSION_HEX >= 0x030E0000
#define HS_ATEXIT_CALLBACKS_LIST 1
#else
#define HS_ATEXIT_CALLBACKS_LIST 0
#endif
Py_ssize_t hs_compat_atexit_count(void);

/* ---- slot members ------------------------------------------------------
 * The member type of __slots__ entries (Py_T_OBJECT_EX since 3.12). */
#ifdef Py_T_OBJECT_EX
#define HS_T_OBJECT_EX Py_T_OBJECT_EX
#define HS_T_OBJECT _Py_T_OBJECT
#else
#include <structmember.h>
#define HS_T_OBJECT_EX T_OBJECT_EX
#define HS_T_OBJECT T_OBJECT
#endif

#endif /* HS_COMPAT_H */
