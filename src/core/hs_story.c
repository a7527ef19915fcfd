#include "hs_story.h"

#include <stdlib.h>
#include <string.h>

int hs_path_shape(hs_group *trie, const uint32_t *parent, const hs_type_ids *type_id, const uint8_t *tier,
                  hs_edge_token_fn token, void *ctx, uint32_t *shape, uint32_t *stack, uint32_t v,
                  uint32_t *out) {
    uint32_t sp = 0, x = v;
    if (parent[v] == HS_NONE)
        return HS_EINVAL;
    while (shape[x] == HS_NONE) {
        stack[sp++] = x;
        if (parent[x] == x)
            break;
        x = parent[x];
    }
    /* Top-down: a node's parent has its shape before the node gets one. */
    while (sp > 0) {
        uint32_t y = stack[--sp], tup[4];
        int rc;
        tup[1] = hs_type_ids_get(type_id, y);
        if (parent[y] == y) {
            tup[0] = HS_NONE;
            tup[2] = HS_TOK_ROOT;
            tup[3] = tier[y];
        } else {
            const uint32_t *up;
            tup[0] = shape[parent[y]];
            rc = token(ctx, parent[y], y, &tup[2], &tup[3]);
            if (rc < 0)
                return rc;
            /* A chain (a linked list, a traceback's tb_next): a node held by one
             * of its own type the same way its holder is held shares the
             * holder's shape, so a chain of any length is one story. */
            up = hs_group_tuple(trie, tup[0]);
            if (up != NULL && up[1] == tup[1] && up[2] == tup[2] && up[3] == tup[3] &&
                tup[2] != HS_TOK_ROOT) {
                shape[y] = tup[0];
                continue;
            }
        }
        rc = hs_group_intern(trie, tup, &shape[y]);
        if (rc < 0)
            return rc;
    }
    *out = shape[v];
    return HS_OK;
}

uint32_t hs_edge_position(const hs_graph *g, uint32_t p, uint32_t v) {
    uint32_t e;
    if (g->fwd_off[p + 1] - g->fwd_off[p] > HS_EDGE_POSITIONS)
        return HS_NONE;
    for (e = g->fwd_off[p]; e < g->fwd_off[p + 1]; e++)
        if (g->fwd[e] == v)
            return e - g->fwd_off[p];
    return HS_NONE;
}

void hs_leaked_ancestors(uint32_t n, const uint32_t *idom, const uint8_t *leaked, uint32_t *anc,
                         uint32_t *stack) {
    const uint32_t unknown = HS_NONE - 1;
    uint32_t v;
    for (v = 0; v < n; v++)
        anc[v] = unknown;
    for (v = 0; v < n; v++) {
        uint32_t sp = 0, x = v;
        while (anc[x] == unknown) {
            stack[sp++] = x;
            if (idom[x] == HS_NONE)
                break;
            x = idom[x];
        }
        /* Top-down: each node's dominator is resolved before it. */
        while (sp > 0) {
            uint32_t y = stack[--sp], p = idom[y];
            anc[y] = p == HS_NONE ? HS_NONE : (leaked[p] ? p : anc[p]);
        }
    }
}

int hs_story_set_init(hs_story_set *set) {
    memset(set, 0, sizeof(*set));
    set->cap = 16;
    set->items = malloc(set->cap * sizeof(hs_story));
    if (set->items == NULL || hs_addrmap_init(&set->by_shape, 64, 1) != HS_OK ||
        hs_addrmap_init(&set->payload_of, 64, 1) != HS_OK) {
        hs_story_set_destroy(set);
        return HS_ENOMEM;
    }
    return HS_OK;
}

void hs_story_set_destroy(hs_story_set *set) {
    free(set->items);
    free(set->payload);
    hs_addrmap_destroy(&set->by_shape);
    hs_addrmap_destroy(&set->payload_of);
    memset(set, 0, sizeof(*set));
}

/* Shapes are dense ids from 0; the address map wants non-zero keys. */
static uintptr_t hs__shape_key(uint32_t shape) {
    return ((uintptr_t)shape + 1) << 4;
}

int hs_story_set_add(hs_story_set *set, uint32_t shape, uint32_t v, uint32_t type_id, uint64_t size,
                     uint64_t retained) {
    uint32_t idx = set->n;
    hs_story *st;
    int put = hs_addrmap_put(&set->by_shape, hs__shape_key(shape), idx, &idx);
    if (put < 0)
        return put;
    if (put == 1) {
        if (set->n == set->cap) {
            hs_story *ns = realloc(set->items, set->cap * 2 * sizeof(hs_story));
            if (ns == NULL)
                return HS_ENOMEM;
            set->items = ns;
            set->cap *= 2;
        }
        st = &set->items[idx];
        memset(st, 0, sizeof(*st));
        st->shape = shape;
        st->orig = idx;
        st->rep = v;
        st->type_id = type_id;
        set->n++;
    }
    st = &set->items[idx];
    st->count++;
    st->size += size;
    st->retained += retained;
    return HS_OK;
}

int hs_story_set_add_payload(hs_story_set *set, uint32_t shape, uint32_t type_id, uint64_t size) {
    uint32_t orig, idx = set->npayload;
    uintptr_t key;
    int put;
    if (!hs_story_set_find(set, shape, &orig) || type_id >= (1u << 24))
        return HS_EINVAL;
    key = ((((uintptr_t)orig << 24) | type_id) + 1) << 4;
    put = hs_addrmap_put(&set->payload_of, key, idx, &idx);
    if (put < 0)
        return put;
    if (put == 1) {
        if (set->npayload == set->pcap) {
            size_t cap = set->pcap ? set->pcap * 2 : 16;
            hs_payload *np = realloc(set->payload, cap * sizeof(hs_payload));
            if (np == NULL)
                return HS_ENOMEM;
            set->payload = np;
            set->pcap = cap;
        }
        set->payload[idx].story = orig;
        set->payload[idx].type_id = type_id;
        set->payload[idx].count = 0;
        set->payload[idx].size = 0;
        set->npayload++;
    }
    set->payload[idx].count++;
    set->payload[idx].size += size;
    return HS_OK;
}

uint32_t hs_story_set_pick(const hs_story_set *set, uint32_t per_type, uint32_t *type_count,
                           uint32_t *shown) {
    uint32_t t, k = 0;
    for (t = 0; t < set->n; t++) {
        uint32_t ty = set->items[t].type_id;
        if (type_count[ty] >= per_type)
            continue;
        type_count[ty]++;
        shown[k++] = t;
    }
    return k;
}

uint32_t hs_leaked_top(const uint32_t *anc, uint32_t v) {
    while (anc[v] != HS_NONE)
        v = anc[v];
    return v;
}

void hs_common_anc_init(hs_common_anc *c) {
    c->node = HS_NONE;
    c->depth = 0;
}

/* Hops from v to its root, or HS_NONE (unreachable, or out of budget). */
static uint32_t hs__depth(const uint32_t *parent, uint32_t v, uint64_t *budget) {
    uint32_t d = 0;
    while (parent[v] != v) {
        if (parent[v] == HS_NONE || *budget == 0)
            return HS_NONE;
        (*budget)--;
        v = parent[v];
        d++;
    }
    return d;
}

void hs_common_anc_add(hs_common_anc *c, const uint32_t *parent, uint32_t v, uint64_t *budget) {
    uint32_t a, da, db;
    if (c->depth == HS_NONE)
        return;
    if (parent[v] != HS_NONE && parent[v] != v)
        v = parent[v]; /* the member's holder */
    db = hs__depth(parent, v, budget);
    if (db == HS_NONE || c->node == HS_NONE) {
        c->node = db == HS_NONE ? HS_NONE : v;
        c->depth = db;
        return;
    }
    /* Both at one depth (steps the depth walks paid for), then up together. */
    a = c->node;
    da = c->depth;
    for (; db > da; db--)
        v = parent[v];
    for (; da > db; da--)
        a = parent[a];
    while (a != v) {
        if (parent[a] == a) { /* two roots */
            c->depth = HS_NONE;
            c->node = HS_NONE;
            return;
        }
        a = parent[a];
        v = parent[v];
        da--;
    }
    c->node = a;
    c->depth = da;
}

int hs_story_set_find(const hs_story_set *set, uint32_t shape, uint32_t *orig) {
    return hs_addrmap_get(&set->by_shape, hs__shape_key(shape), orig);
}

static int hs__story_cmp(const void *a, const void *b) {
    const hs_story *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained < y->retained ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->rep < y->rep ? -1 : (x->rep > y->rep);
}

void hs_story_set_sort(hs_story_set *set) {
    if (set->n > 1)
        qsort(set->items, set->n, sizeof(hs_story), hs__story_cmp);
}

uint32_t hs_top_retained(uint32_t n, const hs_sizes *retained, const uint8_t *eligible, uint32_t top,
                         uint32_t *best) {
    uint32_t nbest = 0, v, k;
    if (top == 0)
        return 0;
    for (v = 0; v < n; v++) {
        uint64_t r;
        if (!eligible[v])
            continue;
        r = hs_sizes_get(retained, v);
        if (nbest == top && r <= hs_sizes_get(retained, best[nbest - 1]))
            continue;
        k = nbest < top ? nbest++ : nbest - 1;
        while (k > 0 && hs_sizes_get(retained, best[k - 1]) < r) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = v;
    }
    return nbest;
}
