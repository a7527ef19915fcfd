#include "census.h"

#include <string.h>
#include <time.h>

#include "../core/hs_census.h"
#include "../core/hs_verdict.h"
#include "heap.h"
#include "sizes.h"
#include "typename.h"
#include "window.h"

typedef struct {
    char *name;
    uintptr_t type_addr;
    PyCFunction c_sizeof; /* the type's own C __sizeof__, or NULL (layout rules) */
    int64_t count;
    int64_t size;
} hs_census_row;

typedef struct {
    PyObject_HEAD hs_census_row *rows;
    Py_ssize_t nrows;
    int64_t count;
    int64_t size;
    double seconds;
    double taken_at; /* CLOCK_MONOTONIC, as time.monotonic() */
    double t_list, t_traverse, t_aggregate;
    const char *listed_by;
    Py_ssize_t frozen, frozen_unlisted; /* permanent generation objects counted, and missed */
    hs_markset addrs;                   /* every object's address, when kept */
    int has_addrs;
} hs_census_object;

static double hs__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void hs__census_free_rows(hs_census_object *c) {
    Py_ssize_t i;
    for (i = 0; i < c->nrows; i++)
        PyMem_RawFree(c->rows[i].name);
    PyMem_RawFree(c->rows);
    c->rows = NULL;
    c->nrows = 0;
}

static void census_dealloc(PyObject *self) {
    hs_census_object *c = (hs_census_object *)self;
    PyTypeObject *tp = Py_TYPE(self);
    hs__census_free_rows(c);
    hs_markset_destroy(&c->addrs);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Aggregation by type, fed one object at a time during the walk. */
typedef struct {
    hs_census_object *c;
    hs_addrmap slots; /* type address -> row */
    Py_ssize_t cap;
    uintptr_t last_type;
    uint32_t last_slot;
    PyCFunction last_sizeof;
} hs_census_acc;

static int hs__census_add(PyObject *op, void *arg) {
    hs_census_acc *a = (hs_census_acc *)arg;
    hs_census_object *c = a->c;
    uintptr_t ta = (uintptr_t)Py_TYPE(op);
    Py_ssize_t size;
    uint32_t slot = (uint32_t)c->nrows;
    if (ta != a->last_type) { /* neighbours often share a type */
        int put = hs_addrmap_put(&a->slots, ta, slot, &slot);
        if (put < 0) {
            PyErr_NoMemory();
            return -1;
        }
        if (put == 1) {
            if (c->nrows == a->cap) {
                hs_census_row *r = PyMem_RawRealloc(c->rows, (size_t)a->cap * 2 * sizeof(hs_census_row));
                if (r == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                memset(r + a->cap, 0, (size_t)a->cap * sizeof(hs_census_row));
                c->rows = r;
                a->cap *= 2;
            }
            c->rows[slot].type_addr = ta;
            c->rows[slot].c_sizeof = hs_type_sizeof(Py_TYPE(op));
            c->nrows++;
        }
        a->last_type = ta;
        a->last_slot = slot;
        a->last_sizeof = c->rows[slot].c_sizeof;
    }
    size = hs_object_size_by(op, a->last_sizeof);
    c->rows[a->last_slot].count++;
    c->rows[a->last_slot].size += size;
    c->count++;
    c->size += size;
    return 0;
}

static int hs__census_names(hs_census_object *c) {
    Py_ssize_t i;
    for (i = 0; i < c->nrows; i++) {
        c->rows[i].name = hs_type_name((PyTypeObject *)c->rows[i].type_addr);
        if (c->rows[i].name == NULL)
            return -1;
    }
    return 0;
}

/* Takes one of heapscope's own objects the walk counted off its row. */
static int hs__census_drop(PyObject *o, void *arg) {
    hs_census_acc *a = (hs_census_acc *)arg;
    hs_census_object *c = a->c;
    uint32_t row;
    if (hs_addrmap_get(&a->slots, (uintptr_t)Py_TYPE(o), &row) == 1) {
        int64_t size = hs_object_size_by(o, c->rows[row].c_sizeof);
        c->rows[row].count--;
        c->rows[row].size -= size;
        c->count--;
        c->size -= size;
    }
    return 0;
}

PyObject *hs_census_take(PyObject *module, int keep_addresses, PyObject *own_args, PyObject *own_kwargs) {
    hs_state *st = get_heapscope_state(module);
    hs_walk w;
    hs_census_object *c = NULL;
    PyObject *result = NULL;
    double t0 = hs__now(), t1;
    int gc_was = -1, in_window = 0;
    hs_census_acc acc;

    memset(&w, 0, sizeof(w));
    memset(&acc, 0, sizeof(acc));
    c = PyObject_New(hs_census_object, st->census_type);
    if (c == NULL)
        return NULL;
    c->rows = NULL;
    c->listed_by = NULL;
    c->nrows = 0;
    c->count = c->size = 0;
    c->has_addrs = 0;
    memset(&c->addrs, 0, sizeof(c->addrs));

    gc_was = hs_gc_pause(st);
    if (gc_was < 0)
        goto done;
    hs_window_enter(); /* window.h: until the type names are read */
    in_window = 1;
    /* (the empty tuple is shared: the interpreter's, not the call's) */
    w.skip_objs[w.nskip_objs++] = own_args != NULL && PyTuple_GET_SIZE(own_args) > 0 ? own_args : NULL;
    w.skip_objs[w.nskip_objs++] = own_kwargs;
    acc.c = c;
    acc.cap = 256;
    c->rows = PyMem_RawCalloc((size_t)acc.cap, sizeof(hs_census_row));
    if (c->rows == NULL || hs_addrmap_init(&acc.slots, 1024, 1) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    w.each = hs__census_add;
    w.each_arg = &acc;
    /* A kept Snapshot's answers are heapscope's: off the counts (roots.c). */
    if (hs_walk_run(&w, st, 0) < 0 || hs_roots_own_each(&w, hs__census_drop, &acc) < 0)
        goto done;
    c->t_list = w.seconds_list;
    c->listed_by = w.listed_by;
    c->frozen = w.frozen;
    c->frozen_unlisted = w.frozen_unlisted;
    c->t_traverse = w.seconds_traverse; /* counting included */
    t1 = hs__now();
    if (hs__census_names(c) < 0)
        goto done;
    hs_window_leave();
    in_window = 0;
    c->t_aggregate = hs__now() - t1;
    if (keep_addresses) {
        c->addrs = w.marks; /* take the walk's address set over */
        memset(&w.marks, 0, sizeof(w.marks));
        c->has_addrs = 1;
    }
    c->seconds = hs__now() - t0;
    c->taken_at = t0;
    result = (PyObject *)c;
    c = NULL;
done:
    if (in_window)
        hs_window_leave();
    hs_progress_end(&hs_progress_now);
    hs_walk_clear(&w);
    hs_addrmap_destroy(&acc.slots);
    if (gc_was >= 0 && hs_gc_resume(st, gc_was) < 0)
        Py_CLEAR(result);
    Py_XDECREF(c);
    return result;
}

int hs_census_has_address(PyObject *census, uintptr_t addr) {
    hs_census_object *c = (hs_census_object *)census;
    if (!c->has_addrs)
        return -1;
    return hs_markset_has(&c->addrs, addr);
}

static int hs__row_cmp_size(const void *a, const void *b) {
    const hs_census_row *x = *(const hs_census_row *const *)a, *y = *(const hs_census_row *const *)b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Rows sorted by size, largest first, as a list of (name, count, size). */
static PyObject *census_rows(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_census_object *c = (hs_census_object *)self;
    const hs_census_row **order = NULL;
    PyObject *list = NULL, *result = NULL;
    Py_ssize_t i;
    order = PyMem_RawMalloc((size_t)(c->nrows ? c->nrows : 1) * sizeof(*order));
    if (order == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < c->nrows; i++)
        order[i] = &c->rows[i];
    qsort(order, (size_t)c->nrows, sizeof(*order), hs__row_cmp_size);
    list = PyList_New(c->nrows);
    if (list == NULL)
        goto done;
    for (i = 0; i < c->nrows; i++) {
        PyObject *t =
            Py_BuildValue("(sLL)", order[i]->name, (long long)order[i]->count, (long long)order[i]->size);
        if (t == NULL)
            goto done;
        PyList_SET_ITEM(list, i, t);
    }
    result = list;
    list = NULL;
done:
    Py_XDECREF(list);
    PyMem_RawFree(order);
    return result;
}

static PyObject *census_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    hs_census_object *c = (hs_census_object *)self;
    PyObject *rows = NULL, *types = NULL, *result = NULL;
    Py_ssize_t i, n;
    rows = census_rows(self, NULL);
    if (rows == NULL)
        return NULL;
    n = PyList_GET_SIZE(rows);
    types = PyList_New(n);
    if (types == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *r = PyList_GET_ITEM(rows, i);
        PyObject *d = Py_BuildValue("{sOsOsO}", "type", PyTuple_GET_ITEM(r, 0), "count",
                                    PyTuple_GET_ITEM(r, 1), "size", PyTuple_GET_ITEM(r, 2));
        if (d == NULL)
            goto done;
        PyList_SET_ITEM(types, i, d);
    }
    result =
        Py_BuildValue("{sOsLsL}", "types", types, "count", (long long)c->count, "size", (long long)c->size);
done:
    Py_XDECREF(rows);
    Py_XDECREF(types);
    return result;
}

static int hs__census_check(PyObject *self, PyObject *other) {
    if (Py_TYPE(other) != Py_TYPE(self)) {
        PyErr_Format(PyExc_TypeError, "expected a Census, got %.100s", Py_TYPE(other)->tp_name);
        return -1;
    }
    return 0;
}

/* heapscope._heapscope.series(censuses): the core's series (src/core/hs_census.c)
 * as [(type, counts, sizes)], for the types that changed. */
PyObject *hs_census_series(PyObject *module, PyObject *seq) {
    hs_state *st = get_heapscope_state(module);
    PyObject *fast = NULL, *result = NULL, *list = NULL;
    hs_census_view *views = NULL;
    hs_census_entry **entries = NULL;
    hs_series series;
    Py_ssize_t n = 0, i, j;
    uint32_t t, k;

    memset(&series, 0, sizeof(series));
    fast = PySequence_Fast(seq, "series() takes a sequence of Census objects");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++)
        if (Py_TYPE(PySequence_Fast_GET_ITEM(fast, i)) != st->census_type) {
            PyErr_SetString(PyExc_TypeError, "series() takes a sequence of Census objects");
            goto done;
        }
    views = PyMem_RawCalloc((size_t)n + 1, sizeof(hs_census_view));
    entries = PyMem_RawCalloc((size_t)n + 1, sizeof(hs_census_entry *));
    if (views == NULL || entries == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        const hs_census_object *c = (const hs_census_object *)PySequence_Fast_GET_ITEM(fast, i);
        entries[i] = PyMem_RawMalloc(((size_t)c->nrows + 1) * sizeof(hs_census_entry));
        if (entries[i] == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (j = 0; j < c->nrows; j++) {
            entries[i][j].key = c->rows[j].type_addr;
            entries[i][j].name = c->rows[j].name;
            entries[i][j].count = c->rows[j].count;
            entries[i][j].size = c->rows[j].size;
        }
        views[i].rows = entries[i];
        views[i].nrows = (uint32_t)c->nrows;
    }
    if (hs_series_build(views, (uint32_t)n, 1, &series) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    list = PyList_New(0);
    for (t = 0; list != NULL && t < series.ntypes; t++) {
        PyObject *counts = PyTuple_New(n), *sizes = PyTuple_New(n), *item = NULL;
        int ok = counts != NULL && sizes != NULL;
        for (k = 0; ok && k < (uint32_t)n; k++) {
            PyObject *a = PyLong_FromLongLong(series.counts[(size_t)t * n + k]);
            PyObject *b = PyLong_FromLongLong(series.sizes[(size_t)t * n + k]);
            ok = a != NULL && b != NULL;
            if (!ok) {
                Py_XDECREF(a);
                Py_XDECREF(b);
                break;
            }
            PyTuple_SET_ITEM(counts, k, a);
            PyTuple_SET_ITEM(sizes, k, b);
        }
        if (ok)
            item = Py_BuildValue("(sOO)", series.names[t], counts, sizes);
        Py_XDECREF(counts);
        Py_XDECREF(sizes);
        if (item == NULL || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    result = list;
done:
    hs_series_destroy(&series);
    if (entries != NULL) {
        for (i = 0; i < n; i++)
            PyMem_RawFree(entries[i]);
        PyMem_RawFree(entries);
    }
    PyMem_RawFree(views);
    Py_XDECREF(fast);
    return result;
}

static PyObject *census_knows(PyObject *self, PyObject *obj) {
    hs_census_object *c = (hs_census_object *)self;
    if (!c->has_addrs) {
        PyErr_SetString(PyExc_ValueError, "this census was taken without keep_addresses=True");
        return NULL;
    }
    return PyBool_FromLong(hs_markset_has(&c->addrs, (uintptr_t)obj));
}

/* self.diff(older): (name, count, delta, size, delta_size) for each type
 * whose count or size changed, largest count growth first. */
static PyObject *census_diff(PyObject *self, PyObject *other) {
    PyObject *pair = NULL, *series = NULL, *result = NULL;
    PyObject *module;
    Py_ssize_t i, n;
    if (hs__census_check(self, other) < 0)
        return NULL;
    module = PyType_GetModule(Py_TYPE(self));
    if (module == NULL)
        return NULL;
    pair = PyTuple_Pack(2, other, self);
    if (pair == NULL)
        return NULL;
    series = hs_census_series(module, pair);
    if (series == NULL)
        goto done;
    n = PyList_GET_SIZE(series);
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *it = PyList_GET_ITEM(series, i);
        PyObject *counts = PyTuple_GET_ITEM(it, 1), *sizes = PyTuple_GET_ITEM(it, 2);
        long long c0 = PyLong_AsLongLong(PyTuple_GET_ITEM(counts, 0));
        long long c1 = PyLong_AsLongLong(PyTuple_GET_ITEM(counts, 1));
        long long s0 = PyLong_AsLongLong(PyTuple_GET_ITEM(sizes, 0));
        long long s1 = PyLong_AsLongLong(PyTuple_GET_ITEM(sizes, 1));
        PyObject *row = Py_BuildValue("(OLLLL)", PyTuple_GET_ITEM(it, 0), c1, c1 - c0, s1, s1 - s0);
        if (row == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, row);
    }
done:
    Py_XDECREF(pair);
    Py_XDECREF(series);
    return result;
}

static PyObject *census_get_count(PyObject *self, void *Py_UNUSED(closure)) {
    return PyLong_FromLongLong((long long)((hs_census_object *)self)->count);
}
static PyObject *census_get_size(PyObject *self, void *Py_UNUSED(closure)) {
    return PyLong_FromLongLong((long long)((hs_census_object *)self)->size);
}
static PyObject *census_get_seconds(PyObject *self, void *Py_UNUSED(closure)) {
    return PyFloat_FromDouble(((hs_census_object *)self)->seconds);
}
static PyObject *census_get_timings(PyObject *self, void *Py_UNUSED(closure)) {
    hs_census_object *c = (hs_census_object *)self;
    return Py_BuildValue("{sdsdsdsdsssnsn}", "list", c->t_list, "traverse", c->t_traverse, "aggregate",
                         c->t_aggregate, "total", c->seconds, "listed_by", c->listed_by ? c->listed_by : "",
                         "frozen", c->frozen, "frozen_unlisted", c->frozen_unlisted);
}
static PyObject *census_get_taken_at(PyObject *self, void *Py_UNUSED(closure)) {
    return PyFloat_FromDouble(((hs_census_object *)self)->taken_at);
}
static PyObject *census_get_ntypes(PyObject *self, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(((hs_census_object *)self)->nrows);
}

static PyObject *census_repr(PyObject *self) {
    hs_census_object *c = (hs_census_object *)self;
    return PyUnicode_FromFormat("<heapscope Census: %lld objects, %lld bytes, %zd types>",
                                (long long)c->count, (long long)c->size, c->nrows);
}

static PyMethodDef census_methods[] = {
    {"rows", census_rows, METH_NOARGS, "[(type, count, size)], largest size first."},
    {"knows", census_knows, METH_O,
     "knows(obj) -> whether an object lived at obj's address when the census was taken (keep_addresses)."},
    {"to_dict", census_to_dict, METH_NOARGS, "{'types': [{'type', 'count', 'size'}], 'count', 'size'}"},
    {"diff", census_diff, METH_O,
     "self.diff(older) -> [(type, count, delta, size, delta_size)] for the types that changed."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef census_getset[] = {
    {"count", census_get_count, NULL, "objects counted", NULL},
    {"size", census_get_size, NULL, "shallow bytes counted", NULL},
    {"seconds", census_get_seconds, NULL, "time the census took", NULL},
    {"timings", census_get_timings, NULL, "seconds spent listing, traversing, aggregating", NULL},
    {"taken_at", census_get_taken_at, NULL, "when the census started (time.monotonic())", NULL},
    {"ntypes", census_get_ntypes, NULL, "number of distinct types", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot census_slots[] = {
    {Py_tp_new, hs_no_new},
    {Py_tp_dealloc, census_dealloc},
    {Py_tp_methods, census_methods},
    {Py_tp_getset, census_getset},
    {Py_tp_repr, census_repr},
    {Py_tp_doc, "Counts and shallow sizes per type from one walk of the whole heap."},
    {0, NULL},
};

PyType_Spec hs_census_spec = {
    .name = "heapscope._heapscope.Census",
    .basicsize = sizeof(hs_census_object),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = census_slots,
};

/* heapscope._heapscope.verdict(counts, sizes) -> VERDICT_* flags
 * (src/core/hs_verdict.c: the leak rule). */
PyObject *hs_census_verdict(PyObject *module, PyObject *args) {
    PyObject *counts, *sizes, *cf = NULL, *sf = NULL, *result = NULL;
    int64_t *c = NULL, *z = NULL;
    Py_ssize_t n, i;
    (void)module;
    if (!PyArg_ParseTuple(args, "OO:verdict", &counts, &sizes))
        return NULL;
    cf = PySequence_Fast(counts, "counts must be a sequence of ints");
    sf = cf ? PySequence_Fast(sizes, "sizes must be a sequence of ints") : NULL;
    if (sf == NULL)
        goto done;
    n = PySequence_Fast_GET_SIZE(cf);
    if (PySequence_Fast_GET_SIZE(sf) != n) {
        PyErr_SetString(PyExc_ValueError, "counts and sizes must have the same length");
        goto done;
    }
    c = PyMem_RawMalloc(((size_t)n + 1) * sizeof(int64_t));
    z = PyMem_RawMalloc(((size_t)n + 1) * sizeof(int64_t));
    if (c == NULL || z == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        c[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(cf, i));
        z[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(sf, i));
        if (PyErr_Occurred())
            goto done;
    }
    result = PyLong_FromLong(hs_verdict(c, z, (size_t)n));
done:
    PyMem_RawFree(c);
    PyMem_RawFree(z);
    Py_XDECREF(cf);
    Py_XDECREF(sf);
    return result;
}
