/*
 * Allocation sites of the shown stories: inside the raw-pointer window, a
 * sample of each story's objects is held strongly (hs_story_samples); after
 * it, tracemalloc is asked where each was allocated, and each story gets its
 * sites counted by the frame that says where in the user's code
 * (hs_story_sites).
 */
#include <string.h>

#include "../core/hs_story.h"
#include "heap.h"

/* The innermost frame of an allocation traceback outside `exclude`
 * prefixes, as (file, line); NULL with no exception when none. */
static int hs__is_library(PyObject *fn) {
    static const char *const markers[] = {"/site-packages/", "/dist-packages/"};
    size_t k;
    for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
        PyObject *m = PyUnicode_FromString(markers[k]);
        Py_ssize_t at;
        if (m == NULL)
            return -1;
        at = PyUnicode_Find(fn, m, 0, PY_SSIZE_T_MAX, 1);
        Py_DECREF(m);
        if (at == -2)
            return -1;
        if (at >= 0)
            return 1;
    }
    return 0;
}

/* The frame of an allocation traceback (innermost first) that says where in
 * the user's code the object was made: the innermost one outside `exclude`
 * prefixes (heapscope, the standard library) and outside installed
 * libraries; else the innermost outside `exclude` (a library's line); else
 * the innermost.  NULL with no exception when the traceback is empty. */
static PyObject *hs__site(PyObject *tb, PyObject *exclude) {
    Py_ssize_t i, j, library = -1;
    if (tb == NULL || !PyTuple_Check(tb))
        return NULL;
    for (i = 0; i < PyTuple_GET_SIZE(tb); i++) {
        PyObject *fr = PyTuple_GET_ITEM(tb, i), *fn;
        int skip = 0, lib;
        if (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) < 2 || !PyUnicode_Check(PyTuple_GET_ITEM(fr, 0)))
            continue;
        fn = PyTuple_GET_ITEM(fr, 0);
        for (j = 0; exclude != NULL && j < PyTuple_GET_SIZE(exclude) && !skip; j++) {
            int m = PyUnicode_Tailmatch(fn, PyTuple_GET_ITEM(exclude, j), 0, PY_SSIZE_T_MAX, -1);
            if (m < 0)
                return NULL;
            skip = m;
        }
        if (skip)
            continue;
        lib = hs__is_library(fn);
        if (lib < 0)
            return NULL;
        if (!lib)
            return Py_NewRef(fr);
        if (library < 0)
            library = i;
    }
    if (library >= 0)
        return Py_NewRef(PyTuple_GET_ITEM(tb, library));
    return i > 0 ? Py_NewRef(PyTuple_GET_ITEM(tb, 0)) : NULL;
}

void hs_samples_clear(hs_site_samples *sm) {
    uint32_t i;
    for (i = 0; i < sm->n; i++)
        Py_DECREF(sm->obj[i]); /* outside the window: a __del__ may run here */
    PyMem_RawFree(sm->obj);
    PyMem_RawFree(sm->rank);
    memset(sm, 0, sizeof(*sm));
}

/* Inside the window: up to 200 objects of each shown story, held strongly
 * so that tracemalloc can be asked about them after the window. */
int hs_story_samples(hs_live *L, uint32_t nshown, const uint32_t *shown, const hs_story_set *set,
                     const uint8_t *leaked, const uint32_t *shape, hs_site_samples *sm) {
    uint32_t *rank = NULL, *sampled = NULL, t, v, cap = 0;
    int rc = -1;
    rank = PyMem_RawMalloc(((size_t)set->n + 1) * sizeof(uint32_t));
    sampled = PyMem_RawCalloc((size_t)nshown + 1, sizeof(uint32_t));
    if (rank == NULL || sampled == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (t = 0; t < set->n; t++)
        rank[t] = HS_NONE;
    for (t = 0; t < nshown; t++) {
        const hs_story *st = &set->items[shown[t]];
        rank[st->orig] = t;
        cap += st->count < 200 ? (uint32_t)st->count : 200;
    }
    sm->obj = PyMem_RawMalloc(((size_t)cap + 1) * sizeof(PyObject *));
    sm->rank = PyMem_RawMalloc(((size_t)cap + 1) * sizeof(uint32_t));
    sm->nshown = nshown;
    if (sm->obj == NULL || sm->rank == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < L->s->n && sm->n < cap; v++) {
        uint32_t idx, r;
        if (leaked[v] != 1 || shape[v] == HS_NONE || !hs_story_set_find(set, shape[v], &idx))
            continue;
        r = rank[idx];
        if (r == HS_NONE || sampled[r] >= 200)
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
int hs_story_sites(PyObject *list, const hs_site_samples *sm, PyObject *tb_fn, PyObject *exclude) {
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
