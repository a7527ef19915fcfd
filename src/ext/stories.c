/*
 * Stories: leaked objects grouped by the shape of their retention path
 * (src/core/hs_story.c), with the facts the fix hints need (a sample's
 * allocation sites are sites.c's).  Live, an edge's token reads the
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
                    /* By the name's text, not the str object: two equal names are
                       one shape (an exact str's hash is C code, and cached). */
                    if (*kind == HS_TOK_NAMED) {
                        Py_hash_t h = PyObject_Hash(key);
                        if (h == -1)
                            return HS_ECALLBACK;
                        *detail = (uint32_t)((uint64_t)h ^ ((uint64_t)h >> 32));
                    }
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

/* Inside the window: each shown story's members' nearest common holder on
 * the path forest (common[t]; HS_NONE when there is none). */
static int hs__story_commons(const hs_snapshot_object *s, uint32_t nshown, const uint32_t *shown,
                             const hs_story_set *set, const uint8_t *leaked, const uint32_t *shape,
                             uint32_t *common) {
    uint32_t *rank = PyMem_RawMalloc(((size_t)set->n + 1) * sizeof(uint32_t)), t, v, idx;
    hs_common_anc *c = PyMem_RawMalloc(((size_t)nshown + 1) * sizeof(hs_common_anc));
    uint64_t budget = (uint64_t)s->n * 64 + ((uint64_t)1 << 20); /* a deep chain's story gives up */
    int rc = -1;
    if (rank == NULL || c == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (t = 0; t < set->n; t++)
        rank[t] = HS_NONE;
    for (t = 0; t < nshown; t++) {
        rank[set->items[shown[t]].orig] = t;
        hs_common_anc_init(&c[t]);
    }
    for (v = 0; v < s->n; v++)
        if (leaked[v] == 1 && shape[v] != HS_NONE && hs_story_set_find(set, shape[v], &idx) &&
            rank[idx] != HS_NONE)
            hs_common_anc_add(&c[rank[idx]], s->parent, v, &budget);
    for (t = 0; t < nshown; t++)
        common[t] = c[t].depth == HS_NONE ? HS_NONE : c[t].node;
    rc = 0;
done:
    PyMem_RawFree(rank);
    PyMem_RawFree(c);
    return rc;
}

/* A story's path reads as its example's down to the members' common holder:
 * those hops are the same edges for every member, so "['default']" and not
 * the shape's "[<str>]".  A key or a set member keeps its general label (the
 * exact one names an address).  Found by address among the shown hops: a
 * holder above the shown start, or in an elided middle, changes nothing. */
static int hs__share_exact(const hs_snapshot_object *s, PyObject *path, uint32_t common) {
    PyObject *hops = PyDict_GetItemString(path, "hops"); /* borrowed; our dict, str keys */
    Py_ssize_t i, k = -1;
    if (common == HS_NONE || hops == NULL || !PyList_Check(hops))
        return 0;
    for (i = 0; i < PyList_GET_SIZE(hops) && k < 0; i++) {
        PyObject *a = PyDict_GetItemString(PyList_GET_ITEM(hops, i), "address");
        if (a != NULL && PyLong_Check(a) &&
            PyLong_AsUnsignedLongLong(a) == (unsigned long long)s->addr[common])
            k = i;
    }
    for (i = 1; i <= k; i++) {
        PyObject *hop = PyList_GET_ITEM(hops, i), *label = PyDict_GetItemString(hop, "label");
        PyObject *kind = PyDict_GetItemString(hop, "kind");
        if (label == NULL || !PyUnicode_Check(label) || kind == NULL || !PyUnicode_Check(kind) ||
            PyUnicode_CompareWithASCIIString(kind, "dict key") == 0 ||
            PyUnicode_CompareWithASCIIString(kind, "set member") == 0)
            continue;
        if (PyDict_SetItemString(hop, "general", label) < 0)
            return -1;
    }
    return 0;
}

/* Types whose objects are plain data: folded into the leaked object that holds them. */
static int hs__is_data_type(const char *name) {
    static const char *const data[] = {"dict",      "list",  "tuple", "set",       "frozenset",
                                       "bytearray", "bytes", "str",   "int",       "float",
                                       "complex",   "frame", "cell",  "traceback", NULL};
    size_t i;
    for (i = 0; data[i] != NULL; i++)
        if (strcmp(name, data[i]) == 0)
            return 1;
    return 0;
}

/* [{"type", "count", "size"}] of the payload counted in story `orig`. */
static PyObject *hs__payload_list(const hs_snapshot_object *s, const hs_story_set *set, uint32_t orig) {
    PyObject *list = PyList_New(0);
    uint32_t i;
    for (i = 0; list != NULL && i < set->npayload; i++) {
        const hs_payload *p = &set->payload[i];
        PyObject *d;
        if (p->story != orig)
            continue;
        d = Py_BuildValue("{sssKsK}", "type", s->type_names[p->type_id], "count",
                          (unsigned long long)p->count, "size", (unsigned long long)p->size);
        if (d == NULL || PyList_Append(list, d) < 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}

/* {type: {"into": holder type, "count": n}} for the types folded into other types' stories. */
static PyObject *hs__folded_dict(const hs_snapshot_object *s, const uint32_t *folded, const uint32_t *into) {
    PyObject *d = PyDict_New();
    uint32_t t;
    for (t = 0; d != NULL && t < s->ntypes; t++) {
        PyObject *v;
        if (folded[t] == 0)
            continue;
        v = Py_BuildValue("{sssI}", "into", s->type_names[into[t]], "count", folded[t]);
        if (v == NULL || PyDict_SetItemString(d, s->type_names[t], v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
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
    uint32_t *shape = NULL, *stack = NULL, *anc = NULL, v, t, unreached = 0, tool_held = 0, nshown = 0;
    uint32_t *shown = NULL, *common = NULL, *type_count = NULL, *folded = NULL, *folded_into = NULL;
    hs_group trie;
    hs_token_ctx tok;
    hs_story_set set;
    PyObject *result = NULL, *list = NULL, *folded_dict = NULL;
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
    folded = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint32_t));
    folded_into = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint32_t));
    if (!wanted || !leaked || !shape || !stack || !folded || !folded_into ||
        hs_group_init(&trie, 4) != HS_OK || hs_story_set_init(&set) != HS_OK) {
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
            if (wanted[hs_heap_type(s, v)])
                leaked[v] = 1;
    if (baseline != NULL) {
        /* Born since the baseline: not in it, though a census could have
         * counted it (reached from the collector's objects; not what only
         * a running frame holds, which the walk adds: before 3.11 the
         * constants of an exec'd module's code, as pytest-xdist runs its
         * worker, read as born in every run). */
        uint64_t *countable = PyMem_RawMalloc(hs_bits_words(s->n) * sizeof(uint64_t));
        if (countable == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        hs_graph_reach_from_first(&s->graph, L->ntracked, countable, stack);
        for (v = 0; v < s->n; v++)
            if (leaked[v] &&
                (!hs_bits_test(countable, v) || hs_census_has_address(baseline, s->addr[v]) == 1))
                leaked[v] = 0;
        PyMem_RawFree(countable);
    }
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
    /* Pass 1: leaked objects get stories, but for objects of built-in types
     * inside a leaked object of another type (a leaked Conn's dict and
     * buffer), which wait for pass 2. */
    for (v = 0; v < s->n; v++) {
        uint32_t sh, r = v, top;
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
        /* Only built-in data is payload (a Conn's dict and buffer): a class's
         * instances, functions and methods are what the user asks about, even
         * inside another leaked object (a lambda in a cache key). */
        if (anc != NULL && hs__is_data_type(s->type_names[hs_heap_type(s, v)]) &&
            (top = hs_leaked_top(anc, v)) != v && hs_heap_type(s, top) != hs_heap_type(s, v)) {
            leaked[v] = 2; /* payload, unless its holder gets no story */
            continue;
        }
        rc = hs_path_shape(&trie, s->parent, &s->type_id, s->tier, hs__token, &tok, shape, stack, v, &sh);
        if (rc < 0) {
            hs_raise(NULL, rc, 0, "grouping leaked objects");
            goto done;
        }
        retained = hs_heap_size(s, v);
        if (s->retained.v != NULL)
            retained = (anc == NULL || anc[v] == HS_NONE || hs_heap_type(s, anc[v]) != hs_heap_type(s, v))
                           ? hs_sizes_get(&s->retained, v)
                           : 0;
        if (hs_story_set_add(&set, sh, v, hs_heap_type(s, v), hs_heap_size(s, v), retained) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    /* Pass 2: payload, counted in the story of the leaked object that holds it. */
    for (v = 0; v < s->n; v++) {
        uint32_t top, sh;
        if (leaked[v] != 2)
            continue;
        top = hs_leaked_top(anc, v);
        if (leaked[top] == 1 && shape[top] != HS_NONE &&
            hs_story_set_add_payload(&set, shape[top], hs_heap_type(s, v), hs_heap_size(s, v)) == HS_OK) {
            folded[hs_heap_type(s, v)]++;
            folded_into[hs_heap_type(s, v)] = hs_heap_type(s, top);
            continue;
        }
        leaked[v] = 1; /* its holder has no story (heapscope's own): its own story */
        rc = hs_path_shape(&trie, s->parent, &s->type_id, s->tier, hs__token, &tok, shape, stack, v, &sh);
        if (rc == HS_OK)
            rc =
                hs_story_set_add(&set, sh, v, hs_heap_type(s, v), hs_heap_size(s, v), hs_heap_retained(s, v));
        if (rc < 0) {
            hs_raise(NULL, rc, 0, "grouping leaked objects");
            goto done;
        }
    }
    hs_story_set_sort(&set);
    shown = PyMem_RawMalloc(((size_t)set.n + 1) * sizeof(uint32_t));
    type_count = PyMem_RawCalloc((size_t)s->ntypes + 1, sizeof(uint32_t));
    list = PyList_New(0);
    if (shown == NULL || type_count == NULL || list == NULL) {
        if (list != NULL)
            PyErr_NoMemory();
        goto done;
    }
    /* Every leaked type gets its stories: the budget is per type. */
    nshown = hs_story_set_pick(&set, max_stories > 0 ? (uint32_t)max_stories : 0, type_count, shown);
    common = PyMem_RawMalloc(((size_t)nshown + 1) * sizeof(uint32_t));
    if (common == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (hs__story_commons(s, nshown, shown, &set, leaked, shape, common) < 0)
        goto done;
    for (t = 0; t < nshown; t++) {
        const hs_story *st = &set.items[shown[t]];
        PyObject *path = hs_path_render(L, s, st->rep), *d, *payload;
        if (path == NULL)
            goto done;
        if (hs__share_exact(s, path, common[t]) < 0) {
            Py_DECREF(path);
            goto done;
        }
        payload = hs__payload_list(s, &set, st->orig);
        d = payload ? Py_BuildValue("{sssKsKsKsKsNsNsN}", "type", s->type_names[st->type_id], "count",
                                    (unsigned long long)st->count, "size", (unsigned long long)st->size,
                                    "retained_size", (unsigned long long)st->retained, "example_address",
                                    (unsigned long long)s->addr[st->rep], "path", path, "facts",
                                    hs_story_facts(L, st->rep), "payload", payload)
                    : NULL;
        if (payload == NULL)
            Py_DECREF(path);
        if (d == NULL || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_DECREF(d);
    }
    if (samples != NULL && hs_story_samples(L, nshown, shown, &set, leaked, shape, samples) < 0)
        goto done;
    folded_dict = hs__folded_dict(s, folded, folded_into);
    if (folded_dict == NULL)
        goto done;
    result = Py_BuildValue("{sOsIsIsIsO}", "stories", list, "nstories", set.n, "unreached", unreached,
                           "tool_held", tool_held, "folded", folded_dict);
done:
    Py_XDECREF(list);
    Py_XDECREF(folded_dict);
    PyMem_RawFree(shown);
    PyMem_RawFree(common);
    PyMem_RawFree(type_count);
    PyMem_RawFree(folded);
    PyMem_RawFree(folded_into);
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
