/* hs_export: every edge's label, table columns, and the DevTools heap
 * snapshot writer on a small graph whose answers are known by hand. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_export.h"
#include "hs_test.h"

/* Objects: 0 a module dict (root, tier 1) -> 1 a registry dict -> 2, 3
 * sessions; 2 -> 4 a str held twice by 2; 5 unreached, holds 2. */
static char *type_names[] = {"dict", "app.Session", "str \"quoted\"\n"};
static char *label_strs[] = {"registry", "s0", "s1", "name"};

static void make(hs_snapdata *d, uint32_t *parent) {
    static uint64_t addr[6] = {0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000};
    static uint16_t type_id[6] = {0, 0, 1, 1, 2, 1};
    static uint32_t size[6] = {100, 200, 48, 48, 60, 48};
    static uint8_t tier[6] = {1, 0, 0, 0, 0, 0};
    static uint8_t label_kind[6] = {0, HS_LBL_VALUE_STR, HS_LBL_VALUE_STR, HS_LBL_VALUE_STR, HS_LBL_ATTR, 0};
    static uint32_t label_name[6] = {HS_NONE, 0, 1, 2, 3, HS_NONE};
    const uint32_t edges[][2] = {{0, 1}, {1, 2}, {1, 3}, {2, 4}, {2, 4}, {5, 2}};
    uint32_t v, e = 0;
    memset(d, 0, sizeof(*d));
    d->n = 6;
    d->ntypes = 3;
    d->addr = addr;
    d->type_id.narrow = type_id;
    d->size.v = size;
    d->tier = tier;
    d->type_names = type_names;
    d->label_kind = label_kind;
    d->label_name = label_name;
    d->label_strs = label_strs;
    d->nlabel_strs = 4;
    hs_graph_init(&d->graph, 6, 8);
    for (v = 0; v < 6; v++) {
        hs_graph_begin_node(&d->graph, v);
        for (; e < sizeof(edges) / sizeof(edges[0]) && edges[e][0] == v; e++)
            hs_graph_add_edge(&d->graph, edges[e][1]);
    }
    hs_graph_finish(&d->graph, 6);
    {
        const uint32_t p[6] = {0, 0, 1, 1, 2, HS_NONE};
        memcpy(parent, p, sizeof(p));
    }
}

static void test_labels(void) {
    hs_snapdata d;
    uint32_t parent[6], name[8];
    uint8_t kind[8];
    hs_export_in in = {0};
    make(&d, parent);
    in.d = &d;
    in.parent = parent;
    CHECK(hs_edge_labels_fill(&in, kind, name) == HS_OK);
    CHECK(kind[0] == HS_LBL_VALUE_STR && name[0] == 0); /* 0 -> 1 ['registry'] */
    CHECK(kind[1] == HS_LBL_VALUE_STR && name[1] == 1); /* 1 -> 2 ['s0'] */
    CHECK(kind[2] == HS_LBL_VALUE_STR && name[2] == 2);
    CHECK(kind[3] == HS_LBL_ATTR && name[3] == 3);       /* 2 -> 4 .name, the first of the two */
    CHECK(kind[4] == HS_EDGE_REF && name[4] == HS_NONE); /* the second is a plain reference */
    CHECK(kind[5] == HS_EDGE_REF);                       /* 5 -> 2: not the path edge */
    in.parent = NULL;                                    /* no paths: nothing is named */
    CHECK(hs_edge_labels_fill(&in, kind, name) == HS_OK && kind[0] == HS_EDGE_REF && kind[3] == HS_EDGE_REF);
    hs_graph_destroy(&d.graph);
}

static void test_columns(void) {
    hs_snapdata d;
    uint32_t parent[6];
    hs_columns c;
    hs_export_in in = {0};
    make(&d, parent);
    in.d = &d;
    CHECK(hs_columns_build(&in, &c) == HS_EINVAL); /* paths are required */
    in.parent = parent;
    CHECK(hs_columns_build(&in, &c) == HS_OK);
    CHECK(c.edge_from[5] == 0x6000 && c.edge_to[5] == 0x3000);
    CHECK(c.edge_from[3] == 0x3000 && c.edge_to[3] == 0x5000);
    CHECK((c.edge_label_valid[0] & 0x0f) == 0x0f && c.edge_label[3] == 3); /* edges 0-3 named */
    CHECK((c.edge_label_valid[0] & 0x30) == 0);
    CHECK(c.edge_index_valid[0] == 0);
    CHECK(c.reached[0] == 0x1f); /* 0-4 reached, 5 not */
    CHECK(c.root_valid[0] == 0x01);
    hs_columns_destroy(&c);
    hs_columns_destroy(&c); /* twice is harmless */
    hs_graph_destroy(&d.graph);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    long len;
    char *buf;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc((size_t)len + 1, 1);
    if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void test_heapsnapshot(const char *path) {
    hs_snapdata d;
    uint32_t parent[6];
    hs_export_in in = {0};
    static const char *names[] = {"app"};
    uint32_t name_of[6] = {0, HS_NONE, HS_NONE, HS_NONE, HS_NONE, HS_NONE};
    char *doc;
    make(&d, parent);
    in.d = &d;
    in.parent = parent;
    in.name_of = name_of;
    in.names = names;
    in.nnames = 1;
    CHECK(hs_heapsnap_write(path, &in, NULL) == HS_OK);
    doc = slurp(path);
    CHECK(doc != NULL);
    if (doc != NULL) {
        /* 7 synthetic nodes + 6 objects; 6 root edges + 1 module root + 1 unreached + 6 object edges */
        CHECK(strstr(doc, "\"node_count\":13,\"edge_count\":14,") != NULL);
        /* the root: synthetic, named "(heapscope root)", id 1, six children */
        CHECK(strstr(doc, "\"nodes\":[9,1,1,0,6,0,0,") != NULL);
        /* object 0: an object, "dict", id 15, 100 bytes, one edge */
        CHECK(strstr(doc, ",3,13,15,100,1,0,0,") != NULL);
        /* strings: 13 fixed, 3 type names, 4 labels, then "app".  Root -> tiers
         * (elements), the module root named by its module (property 20), the
         * unreached object, then 0 -> 1 is the property "registry" (16) */
        CHECK(strstr(doc, "\"edges\":[1,0,7,1,1,14,1,2,21,1,3,28,1,4,35,1,5,42,2,20,49,1,0,84,2,16,56,") !=
              NULL);
        /* 1 -> 2 ['s0'], 1 -> 3 ['s1'], 2 -> 4 .name then a hidden reference (index 1), 5 -> 2 hidden */
        CHECK(strstr(doc, "2,17,63,2,18,70,2,19,77,4,1,77,4,0,63]") != NULL);
        CHECK(strstr(doc, "\"(not reached from a root)\"") != NULL);
        CHECK(strstr(doc, "\"str \\\"quoted\\\"\\u000a\"") != NULL); /* escaped */
        CHECK(strstr(doc, "\"strings\":[\"\",\"(heapscope root)\",\"\",\"(module globals)\"") != NULL);
        free(doc);
    }
    CHECK(hs_heapsnap_write("/nonexistent-dir/x.heapsnapshot", &in, NULL) == HS_EIO);
    CHECK(hs_heapsnap_write(path, NULL, NULL) == HS_EINVAL);
    hs_graph_destroy(&d.graph);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char path[4096];
    snprintf(path, sizeof(path), "%s/test_export_%d.heapsnapshot", dir, (int)getpid());
    test_labels();
    test_columns();
    test_heapsnapshot(path);
    remove(path);
    TEST_DONE("test_export");
}
