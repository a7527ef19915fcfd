/* Snapshot format version 2: the varint codec, the streaming writer across
 * its buffer, extreme values, version 1 files still read, and hostile varint
 * sections (checksums made valid again, so the structural checks answer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_le.h"
#include "hs_snapfile.h"
#include "hs_test.h"
#include "hs_varint.h"

static void test_varint(void) {
    static const uint64_t values[] = {
        0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX};
    uint8_t buf[HS_VARINT_MAX + 2];
    const uint8_t *p;
    uint64_t v;
    size_t i, k;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        k = hs_varint_put(buf, values[i]);
        p = buf;
        CHECK(k >= 1 && k <= HS_VARINT_MAX && hs_varint_get(&p, buf + k, &v) == 0 && v == values[i]);
        CHECK(p == buf + k);
        p = buf; /* cut short by one byte: refused, and nothing read past the end */
        CHECK(hs_varint_get(&p, buf + k - 1, &v) == -1 && p == buf);
    }
    CHECK(hs_varint_put(buf, 127) == 1 && hs_varint_put(buf, 128) == 2 &&
          hs_varint_put(buf, UINT64_MAX) == 10);
    memset(buf, 0x80, sizeof(buf)); /* eleven continuation bytes */
    buf[11] = 0;
    p = buf;
    CHECK(hs_varint_get(&p, buf + sizeof(buf), &v) == -1);
    memset(buf, 0xFF, 9); /* the tenth byte may carry one bit, no more */
    buf[9] = 2;
    p = buf;
    CHECK(hs_varint_get(&p, buf + 10, &v) == -1);
    for (i = 0; i < 1000; i++) {
        int64_t s = (int64_t)hs_test_rand() >> (i % 64);
        CHECK(hs_unzigzag(hs_zigzag(s)) == s);
    }
    CHECK(hs_zigzag(0) == 0 && hs_zigzag(-1) == 1 && hs_zigzag(1) == 2 && hs_zigzag(INT64_MIN) == UINT64_MAX);
}

static void test_crc_update(void) {
    uint8_t buf[1000];
    size_t i, cut;
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (cut = 0; cut <= sizeof(buf); cut += 37)
        CHECK(hs_crc32_update(hs_crc32(buf, cut), buf + cut, sizeof(buf) - cut) ==
              hs_crc32(buf, sizeof(buf)));
}

/* n objects with addresses going down and up, huge sizes and edges both ways. */
static void make(hs_snapdata *d, uint32_t n, char **names) {
    uint32_t v;
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->ntypes = 2;
    d->type_names = names;
    d->addr = malloc(n * sizeof(uint64_t) + 1);
    d->type_id.wide = malloc(n * sizeof(uint32_t) + 1); /* the writer reads either width */
    d->size.v = malloc(n * sizeof(uint32_t) + 1);
    d->tier = calloc(n + 1, 1);
    d->retained.v = malloc(n * sizeof(uint32_t) + 1);
    hs_graph_init(&d->graph, n, n * 3);
    for (v = 0; v < n; v++) {
        d->addr[v] = v % 3 == 0 ? UINT64_MAX - v * 16 : (hs_test_rand() & ~(uint64_t)15);
        d->type_id.wide[v] = v & 1;
        CHECK(hs_sizes_set(&d->size, v,
                           v % 5 == 0   ? (uint64_t)1 << 40
                           : v % 5 == 1 ? HS_SIZE_BIG
                                        : v) == HS_OK);
        CHECK(hs_sizes_set(&d->retained, v, v % 7 == 0 ? UINT64_MAX : hs_sizes_get(&d->size, v)) == HS_OK);
        hs_graph_begin_node(&d->graph, v);
        hs_graph_add_edge(&d->graph, n - 1 - v);
        hs_graph_add_edge(&d->graph, (uint32_t)(hs_test_rand() % n));
        if (v % 4 == 0)
            hs_graph_add_edge(&d->graph, v);
    }
    hs_graph_finish(&d->graph, n);
    d->meta = "python=3.11\n";
}

static void release(hs_snapdata *d) {
    free(d->addr);
    free(d->type_id.wide);
    free(d->size.v);
    hs_sizes_destroy_big(&d->size);
    free(d->tier);
    free(d->retained.v);
    hs_sizes_destroy_big(&d->retained);
    hs_graph_destroy(&d->graph);
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long l;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (l = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)l + 1);
        if (buf != NULL && fread(buf, 1, (size_t)l, f) != (size_t)l) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)l;
    }
    if (f != NULL)
        fclose(f);
    return buf;
}

static void same(const hs_snapdata *d, const hs_snapdata *r) {
    uint32_t v, e;
    CHECK(r->n == d->n && r->graph.m == d->graph.m);
    for (v = 0; v < d->n && r->n == d->n; v++) {
        CHECK(r->addr[v] == d->addr[v] &&
              hs_type_ids_get(&r->type_id, v) == hs_type_ids_get(&d->type_id, v) &&
              hs_sizes_get(&r->size, v) == hs_sizes_get(&d->size, v));
        CHECK(r->retained.v != NULL && hs_sizes_get(&r->retained, v) == hs_sizes_get(&d->retained, v));
        CHECK(r->graph.fwd_off[v + 1] == d->graph.fwd_off[v + 1]);
    }
    for (e = 0; e < d->graph.m && r->graph.m == d->graph.m; e++)
        CHECK(r->graph.fwd[e] == d->graph.fwd[e]);
}

/* 300,000 objects: every varint section is several times the writer's 1 MiB buffer. */
static void test_big_round_trip(void) {
    static char *names[] = {"dict", "list"};
    hs_snapdata d, r;
    char err[256];
    size_t len = 0;
    uint8_t *buf;
    make(&d, 300000, names);
    CHECK(hs_snap_write("test_snapformat.hsnap", &d) == HS_OK);
    CHECK(hs_snap_read_file("test_snapformat.hsnap", &r, err, sizeof(err)) == HS_OK);
    same(&d, &r);
    hs_snapdata_destroy(&r);
    buf = slurp("test_snapformat.hsnap", &len);
    CHECK(buf != NULL && hs_le_get32(buf + 8) == 2 && hs_le_get64(buf + 24) == len && len % 8 == 0);
    free(buf);
    release(&d);
    remove("test_snapformat.hsnap");
}

/* A version 1 file, put together here byte by byte as version 1 wrote them. */
static void test_reads_version_1(void) {
    static const char *names = "dict\0list\0";
    uint8_t f[1024];
    uint32_t off = 64 + 6 * 32, i, sec = 0;
    hs_snapdata r;
    char err[256];
    memset(f, 0, sizeof(f));
    memcpy(f, HS_SNAP_MAGIC, 8);
#define SECTION(id, count, fill)                                                                             \
    do {                                                                                                     \
        uint8_t *t = f + 64 + 32 * sec++, *p = f + off;                                                      \
        uint32_t start = off;                                                                                \
        fill;                                                                                                \
        hs_le_put32(t, id);                                                                                  \
        hs_le_put64(t + 8, start);                                                                           \
        hs_le_put64(t + 16, (uint64_t)(off - start));                                                        \
        hs_le_put32(t + 24, hs_crc32(p, off - start));                                                       \
        hs_le_put32(t + 28, count);                                                                          \
        off = (off + 7) & ~7u;                                                                               \
    } while (0)
    SECTION(HS_SEC_META, 0, (memcpy(p, "python=3.9\n", 11), off += 11));
    SECTION(HS_SEC_TYPENAMES, 2, (memcpy(p, names, 10), off += 10));
    SECTION(
        HS_SEC_OBJECTS, 3, for (i = 0; i < 3; i++) {
            hs_le_put64(p + 16 * i, 0x7f0000001000ull + 32 * i);
            hs_le_put32(p + 16 * i + 8, i & 1);
            hs_le_put32(p + 16 * i + 12, 48 + i);
            off += 16;
        });
    SECTION(HS_SEC_TIERS, 3, (p[0] = 1, off += 3));
    SECTION(HS_SEC_EDGE_OFF, 4,
            (hs_le_put32(p + 4, 1), hs_le_put32(p + 8, 2), hs_le_put32(p + 12, 2), off += 16));
    SECTION(HS_SEC_EDGES, 2, (hs_le_put32(p, 1), hs_le_put32(p + 4, 2), off += 8));
#undef SECTION
    hs_le_put32(f + 8, 1);
    hs_le_put32(f + 12, 64);
    hs_le_put32(f + 16, sec);
    hs_le_put64(f + 24, off);
    hs_le_put32(f + 32, hs_crc32(f + 64, sec * 32));
    CHECK(hs_snap_read_buffer(f, off, &r, err, sizeof(err)) == HS_OK);
    CHECK(r.n == 3 && r.addr[2] == 0x7f0000001040ull && r.size.v[1] == 49 &&
          hs_type_ids_get(&r.type_id, 1) == 1);
    CHECK(r.graph.m == 2 && r.graph.fwd[0] == 1 && r.graph.fwd[1] == 2 && r.tier[0] == 1);
    CHECK(strcmp(r.type_names[1], "list") == 0 && strcmp(r.meta, "python=3.9\n") == 0);
    hs_snapdata_destroy(&r);
}

/* Replace section `id`'s bytes with `body` (no longer than the old), fix
 * the lengths and CRCs; the reader's answer. */
static int with_section(const uint8_t *good, size_t len, uint32_t id, const uint8_t *body, size_t blen,
                        uint32_t count, char *err) {
    uint8_t *f = malloc(len);
    uint32_t nsec = hs_le_get32(good + 16), i;
    hs_snapdata r;
    int rc;
    memcpy(f, good, len);
    for (i = 0; i < nsec; i++) {
        uint8_t *t = f + 64 + 32 * i;
        if (hs_le_get32(t) == id) {
            uint64_t off = hs_le_get64(t + 8);
            memcpy(f + off, body, blen);
            hs_le_put64(t + 16, blen);
            hs_le_put32(t + 24, hs_crc32(f + off, blen));
            hs_le_put32(t + 28, count);
        }
    }
    hs_le_put32(f + 32, hs_crc32(f + 64, nsec * 32));
    rc = hs_snap_read_buffer(f, len, &r, err, 256);
    hs_snapdata_destroy(&r);
    free(f);
    return rc;
}

static void test_hostile_varints(void) {
    static char *names[] = {"dict", "list"};
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x00, 0,    0,    0,    0};
    /* 4 objects: degrees 1,1,1,1 for 4 edges; each edge's delta */
    static const uint8_t deg_ok[] = {1, 1, 1, 1}, deg_many[] = {1, 1, 1, 9}, deg_cut[] = {1, 1, 0x81};
    static const uint8_t to_below[] = {1, 2, 2, 2}, to_past[] = {2, 2, 2, 2}; /* -1 from 0; 3+1 = 4 of 4 */
    static const uint8_t ok_edges[] = {2, 2, 1, 1};                           /* 1, 2, 2, 2 */
    hs_snapdata d, r;
    char err[256];
    size_t len = 0;
    uint8_t *good;
    make(&d, 4, names);
    hs_graph_destroy(&d.graph);
    hs_graph_init(&d.graph, 4, 4);
    for (uint32_t v = 0; v < 4; v++) {
        hs_graph_begin_node(&d.graph, v);
        hs_graph_add_edge(&d.graph, v == 0 ? 1 : 2);
    }
    hs_graph_finish(&d.graph, 4);
    CHECK(hs_snap_write("test_snapformat.hsnap", &d) == HS_OK);
    good = slurp("test_snapformat.hsnap", &len);
    CHECK(good != NULL && hs_snap_read_buffer(good, len, &r, err, sizeof(err)) == HS_OK);
    hs_snapdata_destroy(&r);
    CHECK(with_section(good, len, HS_SEC_EDGES, ok_edges, 4, 4, err) == HS_OK);
    CHECK(with_section(good, len, HS_SEC_EDGE_OFF, deg_ok, 4, 4, err) == HS_OK);
    CHECK(with_section(good, len, HS_SEC_EDGE_OFF, deg_many, 4, 4, err) == HS_EFORMAT &&
          strstr(err, "count"));
    CHECK(with_section(good, len, HS_SEC_EDGE_OFF, deg_cut, 3, 4, err) == HS_EFORMAT);
    CHECK(with_section(good, len, HS_SEC_EDGES, to_below, 4, 4, err) == HS_EFORMAT && strstr(err, "outside"));
    CHECK(with_section(good, len, HS_SEC_EDGES, to_past, 4, 4, err) == HS_EFORMAT && strstr(err, "outside"));
    CHECK(with_section(good, len, HS_SEC_EDGES, ok_edges, 3, 3, err) == HS_EFORMAT); /* one edge short */
    CHECK(with_section(good, len, HS_SEC_OBJECTS, eleven, 15, 4, err) == HS_EFORMAT &&
          strstr(err, "OBJECTS"));
    CHECK(with_section(good, len, HS_SEC_RETAINED, eleven, 15, 4, err) == HS_EFORMAT &&
          strstr(err, "RETAINED"));
    CHECK(with_section(good, len, HS_SEC_RETAINED, deg_ok, 3, 4, err) == HS_EFORMAT); /* shorter than n */
    /* a record count beyond what the section's bytes could hold */
    CHECK(with_section(good, len, HS_SEC_OBJECTS, eleven, 11, 4, err) == HS_EFORMAT);
    free(good);
    release(&d);
    remove("test_snapformat.hsnap");
}

int main(void) {
    test_varint();
    test_crc_update();
    test_big_round_trip();
    test_reads_version_1();
    test_hostile_varints();
    TEST_DONE("test_snapformat");
}
