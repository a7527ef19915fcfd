/*
 * born_after(): stories of the objects one snapshot has that an older one
 * did not, over integers only (snapshot files): the same path shapes and
 * story order as live analysis (src/core/hs_story.c), with the edge's
 * position in its holder as its token (a file does not keep containers).
 */
#include <string.h>

#include "../core/hs_group.h"
#include "../core/hs_story.h"
#include "heap.h"

/* The file's token: which of its holder's references the edge is. */
static int hs__file_token(void *arg, uint32_t p, uint32_t v, uint32_t *kind, uint32_t *detail) {
    const hs_snapshot_object *s = (const hs_snapshot_object *)arg;
    *kind = HS_TOK_EDGE;
    *detail = hs_edge_position(&s->graph, p, v);
    return 0;
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

/* Retained sizes count in a diff's stories only with the dominator tree they
 * came from (a kept live snapshot): a file's stored sizes, summed over born
 * objects that hold one another, would count the same bytes twice. */
static int hs__retained_known(const hs_snapshot_object *s) {
    return s->retained.v != NULL && s->idom != NULL;
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
        uint32_t r = v;
        if (s->parent[v] == HS_NONE || s->tier[v] == HS_TIER_INTERP)
            continue;
        while (s->parent[r] != r)
            r = s->parent[r];
        if (s->tier[r] == HS_TIER_TOOL)
            continue; /* heapscope's own (the snapshot being taken) */
        if (wanted != NULL) {
            if (!wanted[hs_heap_type(s, v)])
                continue;
        } else if (hs_objindex_get(&o->index, s->addr[v], &w) &&
                   strcmp(o->type_names[hs_heap_type(o, w)], s->type_names[hs_heap_type(s, v)]) == 0)
            continue; /* it was there before */
        born++;
        rc = hs_path_shape(&trie, s->parent, &s->type_id, s->tier, hs__file_token, s, shape, stack, v, &sh);
        if (rc == HS_OK)
            rc = hs_story_set_add(&set, sh, v, hs_heap_type(s, v), hs_heap_size(s, v),
                                  hs__retained_known(s) ? hs_sizes_get(&s->retained, v) : hs_heap_size(s, v));
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
        d = Py_BuildValue(
            "{sssKsKsNsKsN}", "type", s->type_names[st->type_id], "count", (unsigned long long)st->count,
            "size", (unsigned long long)st->size, "retained_size",
            hs__retained_known(s) ? PyLong_FromUnsignedLongLong(st->retained) : Py_NewRef(Py_None),
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
