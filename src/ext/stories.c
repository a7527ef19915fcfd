/*
 * Stories: leaked objects grouped by the shape of their retention path
 * (src/core/hs_story.c), with the facts the fix hints need and the
 * allocation sites of a sample.  Live, an edge's token reads the
 * container (dict value or key, list index, set member, attribute name);
 * born_after() over snapshot files uses the edge's position instead.
 */
#include <string.h>

#include "../core/hs_group.h"
#include "../core/hs_story.h"
#include "census.h"
#include "facts.h"
#include "heap.h"

typedef struct {
    uint32_t dict;     /* node of the cached large dict, or HS_NONE */
    hs_addrmap member; /* child address -> 1 key / 2 value */
} hs_dict_cache;

typedef struct {
    hs_live *L;
    hs_dict_cache cache;
} hs_token_ctx;

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
static int hs__token(void *arg, uint32_t p, uint32_t v, uint32_t *kind, uint32_t *detail) {
    hs_token_ctx *ctx = (hs_token_ctx *)arg;
    hs_live *L = ctx->L;
    hs_dict_cache *cache = &ctx->cache;
    PyObject *po = L->objs[p], *vo = L->objs[v];
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
                    *detail = *kind == HS_TOK_NAMED ? hs_heap_node(L->s, key) : 0;
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
                    return HS_ENOMEM;
                while (PyDict_Next(po, &pos, &key, &value)) {
                    if (hs_addrmap_put(&cache->member, (uintptr_t)key, 1, NULL) < 0 ||
                        hs_addrmap_put(&cache->member, (uintptr_t)value, 2, NULL) < 0)
                        return HS_ENOMEM;
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
    *detail = hs_edge_position(&L->s->graph, p, v);
    return 0;
}

/* The file's token: which of its holder's references the edge is. */
static int hs__file_token(void *arg, uint32_t p, uint32_t v, uint32_t *kind, uint32_t *detail) {
    const hs_snapshot_object *s = (const hs_snapshot_object *)arg;
    *kind = HS_TOK_EDGE;
    *detail = hs_edge_position(&s->graph, p, v);
    return 0;
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
static int hs__sample_sites(hs_live *L, uint32_t nshown, const hs_story_set *set, const uint8_t *leaked,
                            const uint32_t *shape, hs_site_samples *sm) {
    const hs_story *stories = set->items;
    uint32_t nstories = set->n;
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
        if (!leaked[v] || shape[v] == HS_NONE || !hs_story_set_find(set, shape[v], &idx))
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

/*
 * Leaked objects: instances of the named types (or, with `subjects`, those
 * objects) not in the baseline census, grouped into stories.  With
 * `samples`, objects whose allocation sites the caller looks up once the
 * window has closed.
 */
PyObject *hs_stories(hs_live *L, PyObject *type_names, PyObject *subjects, PyObject *baseline,
                     Py_ssize_t max_stories, hs_site_samples *samples) {
    hs_snapshot_object *s = L->s;
    uint8_t *wanted = NULL, *leaked = NULL;
    uint32_t *shape = NULL, *stack = NULL, *anc = NULL, v, t, unreached = 0, tool_held = 0;
    hs_group trie;
    hs_token_ctx tok;
    hs_story_set set;
    PyObject *result = NULL, *list = NULL;
    Py_ssize_t i;
    int rc;

    memset(&trie, 0, sizeof(trie));
    memset(&tok, 0, sizeof(tok));
    memset(&set, 0, sizeof(set));
    tok.L = L;
    tok.cache.dict = HS_NONE;
    wanted = PyMem_RawCalloc((size_t)s->ntypes + 1, 1);
    leaked = PyMem_RawCalloc((size_t)s->n + 1, 1);
    shape = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stack = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (!wanted || !leaked || !shape || !stack || hs_group_init(&trie, 4) != HS_OK ||
        hs_story_set_init(&set) != HS_OK) {
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
            uint32_t x = hs_heap_node(s, PySequence_Fast_GET_ITEM(subjects, i));
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
    /* Objects retained by a leaked object of the same type are counted in
     * it (a leaked linked list once); inside a leaked object of another
     * type (a file's buffer) they still show their own size. */
    if (s->idom != NULL) {
        anc = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
        if (anc == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        hs_leaked_ancestors(s->n, s->idom, leaked, anc, stack);
    }
    for (v = 0; v < s->n; v++) {
        uint32_t sh, r = v;
        uint64_t retained;
        if (!leaked[v])
            continue;
        if (s->parent[v] == HS_NONE) {
            unreached++;
            continue;
        }
        /* Objects only heapscope's own frames hold are its own data. */
        while (s->parent[r] != r)
            r = s->parent[r];
        if (s->tier[r] == HS_TIER_TOOL) {
            tool_held++;
            continue;
        }
        rc = hs_path_shape(&trie, s->parent, s->type_id, s->tier, hs__token, &tok, shape, stack, v, &sh);
        if (rc < 0) {
            hs_raise(NULL, rc, 0, "grouping leaked objects");
            goto done;
        }
        retained = s->size[v];
        if (s->retained != NULL)
            retained = (anc == NULL || anc[v] == HS_NONE || s->type_id[anc[v]] != s->type_id[v])
                           ? s->retained[v]
                           : 0;
        if (hs_story_set_add(&set, sh, v, s->type_id[v], s->size[v], retained) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    hs_story_set_sort(&set);
    list = PyList_New(0);
    if (list == NULL)
        goto done;
    for (t = 0; t < set.n && (Py_ssize_t)t < max_stories; t++) {
        const hs_story *st = &set.items[t];
        PyObject *path = hs_path_render(L, s, st->rep), *d;
        if (path == NULL)
            goto done;
        d = Py_BuildValue("{sssKsKsKsKsNsN}", "type", s->type_names[st->type_id], "count",
                          (unsigned long long)st->count, "size", (unsigned long long)st->size,
                          "retained_size", (unsigned long long)st->retained, "example_address",
                          (unsigned long long)s->addr[st->rep], "path", path, "facts",
                          hs_story_facts(L, st->rep));
        if (d == NULL || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_DECREF(d);
    }
    if (samples != NULL &&
        hs__sample_sites(L, (uint32_t)PyList_GET_SIZE(list), &set, leaked, shape, samples) < 0)
        goto done;
    result = Py_BuildValue("{sOsIsIsI}", "stories", list, "nstories", set.n, "unreached", unreached,
                           "tool_held", tool_held);
done:
    Py_XDECREF(list);
    PyMem_RawFree(wanted);
    PyMem_RawFree(leaked);
    PyMem_RawFree(shape);
    PyMem_RawFree(stack);
    PyMem_RawFree(anc);
    hs_story_set_destroy(&set);
    hs_group_destroy(&trie);
    hs_addrmap_destroy(&tok.cache.member);
    return result;
}

/* The object types wanted by name, or NULL with no exception for "all". */
static uint8_t *hs__wanted_types(const hs_snapshot_object *s, PyObject *types) {
    PyObject *fast;
    uint8_t *wanted;
    Py_ssize_t i;
    uint32_t t;
    if (types == Py_None)
        return NULL;
    fast = PySequence_Fast(types, "types must be a sequence of type names");
    if (fast == NULL)
        return NULL;
    wanted = PyMem_RawCalloc((size_t)s->ntypes + 1, 1);
    if (wanted == NULL)
        PyErr_NoMemory();
    for (i = 0; wanted != NULL && i < PySequence_Fast_GET_SIZE(fast); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        const char *name = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
        if (name == NULL) {
            PyMem_RawFree(wanted);
            wanted = NULL;
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "types must be a sequence of type names (str)");
            break;
        }
        for (t = 0; t < s->ntypes; t++)
            if (strcmp(s->type_names[t], name) == 0)
                wanted[t] = 1;
    }
    Py_DECREF(fast);
    return wanted;
}

/*
 * born_after(older, max_stories=10, types=None): objects of this snapshot
 * that the older one did not have (by address and type name), or with
 * `types` every object of those types (snapshots of different processes),
 * grouped by path shape, largest retained size first.  Works on files.
 */
PyObject *hs_snapshot_born_after(PyObject *self, PyObject *args) {
    hs_snapshot_object *s = (hs_snapshot_object *)self, *o;
    PyObject *older, *list = NULL, *result = NULL, *types = Py_None;
    Py_ssize_t max_stories = 10;
    uint32_t v, *shape = NULL, *stack = NULL, t, born = 0;
    uint8_t *wanted = NULL;
    hs_group trie;
    hs_story_set set;
    int rc;
    if (!PyArg_ParseTuple(args, "O|nO:born_after", &older, &max_stories, &types))
        return NULL;
    if (Py_TYPE(older) != Py_TYPE(self)) {
        PyErr_SetString(PyExc_TypeError, "born_after() takes another Snapshot");
        return NULL;
    }
    o = (hs_snapshot_object *)older;
    /* Retained sizes only when dominators exist already: a diff of two
     * large files should not pay for them (stories then order by size). */
    if (hs_snapshot_ensure_indexed(s) < 0 || hs_snapshot_ensure_index(o) < 0)
        return NULL;
    memset(&trie, 0, sizeof(trie));
    memset(&set, 0, sizeof(set));
    wanted = hs__wanted_types(s, types);
    if (wanted == NULL && PyErr_Occurred())
        return NULL;
    shape = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    stack = PyMem_RawMalloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (!shape || !stack || hs_group_init(&trie, 4) != HS_OK || hs_story_set_init(&set) != HS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    for (v = 0; v < s->n; v++)
        shape[v] = HS_NONE;
    for (v = 0; v < s->n; v++) {
        uint32_t w, sh;
        if (s->parent[v] == HS_NONE || s->tier[v] == HS_TIER_INTERP)
            continue;
        if (wanted != NULL) {
            if (!wanted[s->type_id[v]])
                continue;
        } else if (hs_addrmap_get(&o->index, s->addr[v], &w) &&
                   strcmp(o->type_names[o->type_id[w]], s->type_names[s->type_id[v]]) == 0)
            continue; /* it was there before */
        born++;
        rc = hs_path_shape(&trie, s->parent, s->type_id, s->tier, hs__file_token, s, shape, stack, v, &sh);
        if (rc == HS_OK)
            rc = hs_story_set_add(&set, sh, v, s->type_id[v], s->size[v],
                                  s->retained ? s->retained[v] : s->size[v]);
        if (rc < 0) {
            hs_raise(NULL, rc, 0, "grouping new objects");
            goto done;
        }
    }
    hs_story_set_sort(&set);
    list = PyList_New(0);
    for (t = 0; list != NULL && t < set.n && (Py_ssize_t)t < max_stories; t++) {
        const hs_story *st = &set.items[t];
        PyObject *path = hs_path_render(NULL, s, st->rep), *d;
        if (path == NULL) {
            Py_CLEAR(list);
            break;
        }
        d = Py_BuildValue("{sssKsKsNsKsN}", "type", s->type_names[st->type_id], "count",
                          (unsigned long long)st->count, "size", (unsigned long long)st->size,
                          "retained_size",
                          s->retained ? PyLong_FromUnsignedLongLong(st->retained) : Py_NewRef(Py_None),
                          "example_address", (unsigned long long)s->addr[st->rep], "path", path);
        if (d == NULL || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    if (list != NULL)
        result = Py_BuildValue("{sOsIsI}", "stories", list, "nstories", set.n, "born", born);
done:
    Py_XDECREF(list);
    PyMem_RawFree(shape);
    PyMem_RawFree(stack);
    PyMem_RawFree(wanted);
    hs_story_set_destroy(&set);
    hs_group_destroy(&trie);
    return result;
}
