/*
 * hs_export: edge labels for every edge, and Chrome DevTools heap snapshots.
 * See hs_export.h.  The heap snapshot format is the one V8 writes
 * (v8/src/profiler/heap-snapshot-generator.cc, HeapSnapshotJSONSerializer):
 * "snapshot" with "meta" (field names and types), "node_count",
 * "edge_count"; then "nodes", "edges" (each node's edges consecutive, in
 * node order; to_node is the target's offset in "nodes"), and "strings".
 */
#include "hs_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hs_tier_names[HS_NTIERS] = {
    "", "(module globals)", "(thread stacks)", "(held by C code)", "(interpreter)", "(heapscope's own)",
};

/* ---- every edge's label ------------------------------------------------ */

int hs_edge_labels_fill(const hs_export_in *in, uint8_t *kind, uint32_t *name) {
    const hs_snapdata *d = in->d;
    const hs_graph *g = &d->graph;
    uint8_t *named = NULL; /* bit per node: its path edge was given */
    uint32_t u, e;
    if (in->parent != NULL && d->label_kind != NULL) {
        named = calloc(((size_t)d->n + 7) / 8 + 1, 1);
        if (named == NULL)
            return HS_ENOMEM;
    }
    for (u = 0; u < g->n; u++)
        for (e = g->fwd_off[u]; e < g->fwd_off[u + 1]; e++) {
            uint32_t v = g->fwd[e];
            kind[e] = HS_EDGE_REF;
            name[e] = HS_NONE;
            if (named != NULL && in->parent[v] == u && v != u && !(named[v >> 3] & (1u << (v & 7)))) {
                named[v >> 3] |= (uint8_t)(1u << (v & 7));
                kind[e] = d->label_kind[v];
                if (hs_label_has_name(d->label_kind[v]) && d->label_name != NULL)
                    name[e] = d->label_name[v];
            }
        }
    free(named);
    return HS_OK;
}

/* ---- table columns ----------------------------------------------------- */

void hs_columns_destroy(hs_columns *c) {
    free(c->edge_from);
    free(c->edge_to);
    free(c->edge_kind);
    free(c->edge_label);
    free(c->edge_label_valid);
    free(c->edge_index);
    free(c->edge_index_valid);
    free(c->reached);
    free(c->root_valid);
    memset(c, 0, sizeof(*c));
}

#define HS_SETBIT(map, i) ((map)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))

int hs_columns_build(const hs_export_in *in, hs_columns *c) {
    const hs_snapdata *d = in->d;
    const hs_graph *g = &d->graph;
    size_t m = g->m, n = d->n;
    uint32_t *name = NULL;
    uint32_t u, e;
    int rc = HS_ENOMEM;
    memset(c, 0, sizeof(*c));
    if (in->parent == NULL)
        return HS_EINVAL;
    c->edge_from = malloc((m + 1) * sizeof(uint64_t));
    c->edge_to = malloc((m + 1) * sizeof(uint64_t));
    c->edge_kind = malloc(m + 1);
    c->edge_label = calloc(m + 1, sizeof(int32_t));
    c->edge_label_valid = calloc(hs_bitmap_bytes(m) + 1, 1);
    c->edge_index = calloc(m + 1, sizeof(uint32_t));
    c->edge_index_valid = calloc(hs_bitmap_bytes(m) + 1, 1);
    c->reached = calloc(hs_bitmap_bytes(n) + 1, 1);
    c->root_valid = calloc(hs_bitmap_bytes(n) + 1, 1);
    name = malloc((m + 1) * sizeof(uint32_t));
    if (!c->edge_from || !c->edge_to || !c->edge_kind || !c->edge_label || !c->edge_label_valid ||
        !c->edge_index || !c->edge_index_valid || !c->reached || !c->root_valid || !name)
        goto done;
    rc = hs_edge_labels_fill(in, c->edge_kind, name);
    if (rc != HS_OK)
        goto done;
    for (u = 0; u < n; u++) {
        if (in->parent[u] != HS_NONE)
            HS_SETBIT(c->reached, u);
        if (d->tier[u] != HS_TIER_NONE)
            HS_SETBIT(c->root_valid, u);
        for (e = g->fwd_off[u]; e < g->fwd_off[u + 1]; e++) {
            uint8_t k = c->edge_kind[e];
            c->edge_from[e] = d->addr[u];
            c->edge_to[e] = d->addr[g->fwd[e]];
            if (name[e] == HS_NONE)
                continue;
            if (k == HS_LBL_INDEX) {
                c->edge_index[e] = name[e];
                HS_SETBIT(c->edge_index_valid, e);
            } else if (hs_label_has_name(k) && name[e] < d->nlabel_strs) {
                c->edge_label[e] = (int32_t)name[e];
                HS_SETBIT(c->edge_label_valid, e);
            }
        }
    }
    rc = HS_OK;
done:
    free(name);
    if (rc != HS_OK)
        hs_columns_destroy(c);
    return rc;
}

/* ---- the JSON writer --------------------------------------------------- */

typedef struct {
    FILE *f;
    char buf[1 << 16];
    size_t len;
    int failed;
} hs_out;

static void hs__flush(hs_out *o) {
    if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = 1;
    o->len = 0;
}

static void hs__raw(hs_out *o, const char *s, size_t n) {
    while (n > 0) {
        size_t room = sizeof(o->buf) - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
        if (o->len == sizeof(o->buf))
            hs__flush(o);
    }
}

static void hs__text(hs_out *o, const char *s) {
    hs__raw(o, s, strlen(s));
}

/* A number, then ',' unless it ends a row (the caller writes separators). */
static void hs__num(hs_out *o, uint64_t v) {
    char tmp[24];
    int i = (int)sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (sizeof(o->buf) - o->len < sizeof(tmp))
        hs__flush(o);
    memcpy(o->buf + o->len, tmp + i, sizeof(tmp) - (size_t)i);
    o->len += sizeof(tmp) - (size_t)i;
}

/* A JSON string: quote, backslash and control characters escaped; UTF-8 kept. */
static void hs__str(hs_out *o, const char *s) {
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    hs__raw(o, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        hs__raw(o, run, (size_t)(s - run));
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            hs__raw(o, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            hs__raw(o, esc, 6);
        }
        run = s + 1;
    }
    hs__raw(o, run, (size_t)(s - run));
    hs__raw(o, "\"", 1);
}

/* ---- the heap snapshot ------------------------------------------------- */

enum { NODE_HIDDEN = 0, NODE_OBJECT = 3, NODE_SYNTHETIC = 9 };
enum { EDGE_CONTEXT = 0, EDGE_ELEMENT = 1, EDGE_PROPERTY = 2, EDGE_INTERNAL = 3, EDGE_HIDDEN = 4 };
#define NODE_FIELDS 7u

/* Fixed strings, then type names, then label strings, then object names. */
enum {
    S_EMPTY,
    S_ROOT,
    S_TIER0, /* S_TIER0 + tier, tiers 1..HS_NTIERS-1 */
    S_UNREACHED = S_TIER0 + HS_NTIERS,
    S_KEY,
    S_VALUE,
    S_MEMBER,
    S_DICT,
    S_NFIXED,
};
static const char *const hs__fixed[S_NFIXED] = {
    [S_EMPTY] = "",         [S_ROOT] = "(heapscope root)", [S_UNREACHED] = "(not reached from a root)",
    [S_KEY] = "(dict key)", [S_VALUE] = "(dict value)",    [S_MEMBER] = "(set member)",
    [S_DICT] = "__dict__",
};

static const char hs__meta[] =
    "{\"snapshot\":{\"meta\":{"
    "\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\","
    "\"detachedness\"],"
    "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\","
    "\"native\",\"synthetic\",\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\",\"object "
    "shape\"],"
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"
    "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
    "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
    "\"string_or_number\",\"node\"],"
    "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\","
    "\"column\"],"
    "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],"
    "\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],"
    "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},";

typedef struct {
    hs_out *o;
    int first; /* no comma before the next row */
} hs_rows;

static void hs__row(hs_rows *r, const uint64_t *v, unsigned k) {
    unsigned i;
    if (!r->first)
        hs__raw(r->o, ",", 1);
    r->first = 0;
    for (i = 0; i < k; i++) {
        if (i)
            hs__raw(r->o, ",", 1);
        hs__num(r->o, v[i]);
    }
    if (r->o->len > sizeof(r->o->buf) - 256)
        hs__flush(r->o);
}

/* Node ids: odd, as V8's are (root 1, tier nodes next, then objects). */
static uint64_t hs__obj_node(uint32_t v) {
    return (uint64_t)(HS_NTIERS + 1 + v) * NODE_FIELDS;
}
static uint64_t hs__obj_id(uint32_t v) {
    return 2ull * (HS_NTIERS + 1 + v) + 1;
}

/* How an edge is written: V8's edge type and its name (a string index) or index. */
static void hs__edge(uint8_t kind, uint32_t name, uint32_t ntypes, uint32_t ordinal, uint64_t *type,
                     uint64_t *name_or_index) {
    uint64_t label = (uint64_t)S_NFIXED + ntypes + name;
    *type = EDGE_HIDDEN;
    *name_or_index = ordinal;
    switch (kind) {
    case HS_LBL_ATTR:
    case HS_LBL_VALUE_STR:
        if (name != HS_NONE)
            *type = EDGE_PROPERTY, *name_or_index = label;
        break;
    case HS_LBL_LOCAL:
        if (name != HS_NONE)
            *type = EDGE_CONTEXT, *name_or_index = label;
        break;
    case HS_LBL_SPECIAL:
        if (name != HS_NONE)
            *type = EDGE_INTERNAL, *name_or_index = label;
        break;
    case HS_LBL_INDEX:
        if (name != HS_NONE)
            *type = EDGE_ELEMENT, *name_or_index = name;
        break;
    case HS_LBL_VALUE:
        *type = EDGE_INTERNAL, *name_or_index = S_VALUE;
        break;
    case HS_LBL_KEY:
        *type = EDGE_INTERNAL, *name_or_index = S_KEY;
        break;
    case HS_LBL_MEMBER:
        *type = EDGE_INTERNAL, *name_or_index = S_MEMBER;
        break;
    case HS_LBL_OWNDICT:
        *type = EDGE_INTERNAL, *name_or_index = S_DICT;
        break;
    default:
        break;
    }
}

static int hs__write_doc(hs_out *o, const hs_export_in *in, const uint8_t *kind, const uint32_t *name,
                         hs_progress *progress) {
    const hs_snapdata *d = in->d;
    const hs_graph *g = &d->graph;
    uint32_t count[HS_NTIERS + 1] = {0}, v, e, t, k;
    uint64_t nedges = 0, row[NODE_FIELDS];
    const uint32_t unreached = HS_NTIERS; /* the synthetic node after the tiers */
    hs_rows r = {o, 1};

    for (v = 0; v < d->n; v++) {
        if (d->tier[v] != HS_TIER_NONE && d->tier[v] < HS_NTIERS)
            count[d->tier[v]]++;
        else if (in->parent != NULL && in->parent[v] == HS_NONE)
            count[unreached]++;
    }
    nedges = HS_NTIERS + (uint64_t)g->m;
    for (t = 1; t <= HS_NTIERS; t++)
        nedges += count[t];

    hs__text(o, hs__meta);
    hs__text(o, "\"node_count\":");
    hs__num(o, (uint64_t)d->n + HS_NTIERS + 1);
    hs__text(o, ",\"edge_count\":");
    hs__num(o, nedges);
    hs__text(o, ",\"trace_function_count\":0},\n\"nodes\":[");

    /* The root, one node per tier, the unreached, then the objects. */
    row[0] = NODE_SYNTHETIC, row[1] = S_ROOT, row[2] = 1, row[3] = 0, row[4] = HS_NTIERS, row[5] = 0,
    row[6] = 0;
    hs__row(&r, row, NODE_FIELDS);
    for (t = 1; t <= HS_NTIERS; t++) {
        row[1] = t < HS_NTIERS ? S_TIER0 + t : S_UNREACHED;
        row[2] = 2ull * t + 1;
        row[4] = count[t];
        hs__row(&r, row, NODE_FIELDS);
    }
    row[0] = NODE_OBJECT;
    for (v = 0; v < d->n; v++) {
        row[1] = (uint64_t)S_NFIXED + hs_type_ids_get(&d->type_id, v);
        row[2] = hs__obj_id(v);
        row[3] = d->size.v[v]; /* DevTools sizes are 32-bit: HS_SIZE_BIG is the most it shows */
        row[4] = g->fwd_off[v + 1] - g->fwd_off[v];
        hs__row(&r, row, NODE_FIELDS);
        if ((v & 0xffff) == 0 && progress != NULL)
            hs_progress_tick(progress, v);
    }

    hs__text(o, "],\n\"edges\":[");
    r.first = 1;
    for (t = 1; t <= HS_NTIERS; t++) {
        row[0] = EDGE_ELEMENT, row[1] = t - 1, row[2] = (uint64_t)t * NODE_FIELDS;
        hs__row(&r, row, 3);
    }
    for (t = 1; t <= HS_NTIERS; t++)
        for (v = 0, k = 0; v < d->n; v++) {
            int in_tier = t < HS_NTIERS
                              ? d->tier[v] == t
                              : d->tier[v] == HS_TIER_NONE && in->parent != NULL && in->parent[v] == HS_NONE;
            if (!in_tier)
                continue;
            if (in->name_of != NULL && in->name_of[v] < in->nnames)
                row[0] = EDGE_PROPERTY,
                row[1] = (uint64_t)S_NFIXED + d->ntypes + d->nlabel_strs + in->name_of[v];
            else
                row[0] = EDGE_ELEMENT, row[1] = k;
            row[2] = hs__obj_node(v);
            hs__row(&r, row, 3);
            k++;
        }
    for (v = 0; v < d->n; v++)
        for (e = g->fwd_off[v]; e < g->fwd_off[v + 1]; e++) {
            hs__edge(kind[e], name[e], d->ntypes, e - g->fwd_off[v], &row[0], &row[1]);
            row[2] = hs__obj_node(g->fwd[e]);
            hs__row(&r, row, 3);
        }

    hs__text(
        o,
        "],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\"locations\":[],\n\"strings\":[");
    for (k = 0; k < S_NFIXED; k++) {
        if (k)
            hs__raw(o, ",", 1);
        hs__str(o, k >= S_TIER0 && k < S_TIER0 + HS_NTIERS ? hs_tier_names[k - S_TIER0] : hs__fixed[k]);
    }
    for (k = 0; k < d->ntypes; k++)
        hs__raw(o, ",", 1), hs__str(o, d->type_names[k]);
    for (k = 0; k < d->nlabel_strs; k++)
        hs__raw(o, ",", 1), hs__str(o, d->label_strs[k]);
    for (k = 0; k < in->nnames; k++)
        hs__raw(o, ",", 1), hs__str(o, in->names[k] ? in->names[k] : "");
    hs__text(o, "]}\n");
    hs__flush(o);
    return o->failed ? HS_EIO : HS_OK;
}

int hs_heapsnap_write(const char *path, const hs_export_in *in, hs_progress *progress) {
    uint8_t *kind = NULL;
    uint32_t *name = NULL;
    hs_out *o = NULL;
    char *tmp = NULL;
    size_t tmp_len;
    int rc = HS_ENOMEM;

    if (in == NULL || in->d == NULL || path == NULL)
        return HS_EINVAL;
    kind = malloc((size_t)in->d->graph.m + 1);
    name = malloc(((size_t)in->d->graph.m + 1) * sizeof(uint32_t));
    o = calloc(1, sizeof(*o));
    tmp_len = strlen(path) + 8;
    tmp = malloc(tmp_len);
    if (kind == NULL || name == NULL || o == NULL || tmp == NULL)
        goto done;
    rc = hs_edge_labels_fill(in, kind, name);
    if (rc != HS_OK)
        goto done;
    snprintf(tmp, tmp_len, "%s.tmp", path);
    rc = HS_EIO;
    o->f = fopen(tmp, "wb");
    if (o->f == NULL)
        goto done;
    rc = hs__write_doc(o, in, kind, name, progress);
    if (fclose(o->f) != 0 && rc == HS_OK)
        rc = HS_EIO;
    o->f = NULL;
    if (rc == HS_OK && rename(tmp, path) != 0)
        rc = HS_EIO;
    if (rc != HS_OK)
        remove(tmp);
done:
    if (o != NULL && o->f != NULL)
        fclose(o->f);
    free(kind);
    free(name);
    free(o);
    free(tmp);
    return rc;
}
