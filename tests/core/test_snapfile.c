/* Round trip and hostile-input tests of the snapshot file reader/writer.
 * argv[1], when given, is a directory where the seed corpus is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_snapfile.h"
#include "hs_test.h"

static void make(hs_snapdata *d, uint32_t n) {
    static char *names[] = {"dict", "list", "app.Session"};
    uint32_t v;
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->ntypes = 3;
    d->type_names = names;
    d->addr = malloc(n * sizeof(uint64_t));
    d->type_id.narrow = malloc(n * sizeof(uint16_t));
    d->size.v = malloc(n * sizeof(uint32_t));
    d->tier = malloc(n);
    hs_graph_init(&d->graph, n, n * 2);
    for (v = 0; v < n; v++) {
        d->addr[v] = 0x7f0000000000ull + (uint64_t)v * 64;
        d->type_id.narrow[v] = (uint16_t)(v % 3);
        d->size.v[v] = 16 + v;
        d->tier[v] = v == 0 ? 1 : 0;
        hs_graph_begin_node(&d->graph, v);
        if (v + 1 < n)
            hs_graph_add_edge(&d->graph, v + 1);
        if (v > 2)
            hs_graph_add_edge(&d->graph, v / 2);
    }
    hs_graph_finish(&d->graph, n);
    d->meta = "python=3.11.7\npid=42\n";
    d->results = "{\"top_retainers\": []}";
    d->names = n > 1 ? "0\tapp\n1\tapp.Session\n" : "0\tapp\n";
}

static void release(hs_snapdata *d) {
    free(d->addr);
    free(d->type_id.narrow);
    free(d->size.v);
    hs_sizes_destroy_big(&d->size);
    free(d->tier);
    hs_graph_destroy(&d->graph);
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long l;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    l = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)l + 1);
    if (fread(buf, 1, (size_t)l, f) != (size_t)l) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)l;
    return buf;
}

static void test_round_trip(const char *path) {
    hs_snapdata d, r;
    char err[256];
    uint32_t v, e;
    make(&d, 100);
    CHECK(hs_snap_write(path, &d) == HS_OK);
    CHECK(hs_snap_read_file(path, &r, err, sizeof(err)) == HS_OK);
    CHECK(r.n == 100 && r.ntypes == 3 && r.graph.m == d.graph.m);
    for (v = 0; v < 100; v++) {
        CHECK(r.addr[v] == d.addr[v] && hs_type_ids_get(&r.type_id, v) == hs_type_ids_get(&d.type_id, v) &&
              r.size.v[v] == d.size.v[v]);
        CHECK(r.tier[v] == d.tier[v]);
        CHECK(r.graph.fwd_off[v + 1] == d.graph.fwd_off[v + 1]);
    }
    for (e = 0; e < d.graph.m; e++)
        CHECK(r.graph.fwd[e] == d.graph.fwd[e]);
    CHECK(strcmp(r.type_names[2], "app.Session") == 0);
    CHECK(r.meta && strcmp(r.meta, d.meta) == 0);
    CHECK(r.results && strcmp(r.results, d.results) == 0);
    CHECK(r.names && strcmp(r.names, d.names) == 0);
    hs_snapdata_destroy(&r);
    hs_snapdata_destroy(&r);
    release(&d);
}

/* RETAINED: optional; read back as written; a count that is not the
 * objects' is refused; a file without it reads with none. */
static void test_retained(const char *path) {
    hs_snapdata d, r;
    char err[256];
    uint32_t retained[100], v;
    size_t len = 0;
    uint8_t *buf;
    make(&d, 100);
    CHECK(hs_snap_write(path, &d) == HS_OK);
    CHECK(hs_snap_read_file(path, &r, err, sizeof(err)) == HS_OK && r.retained.v == NULL);
    hs_snapdata_destroy(&r);
    /* From the fifth object on, past 4 GiB: the side table, both ways. */
    d.retained.v = retained;
    for (v = 0; v < 100; v++)
        CHECK(hs_sizes_set(&d.retained, v, 1000000007ull * v + d.size.v[v]) == HS_OK);
    CHECK(d.retained.nbig == 95);
    CHECK(hs_snap_write(path, &d) == HS_OK);
    CHECK(hs_snap_read_file(path, &r, err, sizeof(err)) == HS_OK && r.retained.v != NULL);
    CHECK(r.retained.nbig == 95);
    for (v = 0; r.retained.v != NULL && v < 100; v++)
        CHECK(hs_sizes_get(&r.retained, v) == 1000000007ull * v + d.size.v[v]);
    hs_snapdata_destroy(&r);
    buf = slurp(path, &len);
    CHECK(buf != NULL);
    if (buf != NULL) {
        uint32_t nsec = (uint32_t)buf[16] | (uint32_t)buf[17] << 8, i;
        for (i = 0; i < nsec; i++) {
            uint8_t *t = buf + HS_SNAP_HEADER_SIZE + (size_t)i * 32;
            if (t[0] == HS_SEC_RETAINED) {
                uint32_t crc;
                t[28] = 99; /* record count 99 for 100 objects */
                t[29] = t[30] = t[31] = 0;
                crc = hs_crc32(buf + HS_SNAP_HEADER_SIZE, (size_t)nsec * 32);
                buf[32] = (uint8_t)crc, buf[33] = (uint8_t)(crc >> 8), buf[34] = (uint8_t)(crc >> 16);
                buf[35] = (uint8_t)(crc >> 24);
            }
        }
        CHECK(hs_snap_read_buffer(buf, len, &r, err, sizeof(err)) == HS_EFORMAT);
        CHECK(strstr(err, "RETAINED") != NULL);
        free(buf);
    }
    hs_sizes_destroy_big(&d.retained);
    d.retained.v = NULL;
    release(&d);
}

static int reads(const uint8_t *buf, size_t len, char *err) {
    hs_snapdata r;
    int rc = hs_snap_read_buffer(buf, len, &r, err, 256);
    hs_snapdata_destroy(&r);
    return rc;
}

static void test_hostile_inputs(const char *path) {
    size_t len = 0, i;
    uint8_t *good = slurp(path, &len), *bad;
    char err[256];
    CHECK(good != NULL && len > 200);
    if (good == NULL)
        return;
    bad = malloc(len);
    CHECK(reads(good, len, err) == HS_OK);
    /* every truncation is refused */
    for (i = 0; i < len; i += (i < 128 ? 1 : 97))
        CHECK(reads(good, i, err) != HS_OK);
    CHECK(reads(good, 40, err) == HS_ETRUNC && strstr(err, "truncated"));
    /* foreign file */
    CHECK(reads((const uint8_t *)"PK\x03\x04 not a snapshot at all", 26, err) == HS_EFORMAT);
    CHECK(strstr(err, "not a heapscope snapshot") != NULL);
    /* a newer version */
    memcpy(bad, good, len);
    bad[8] = 3;
    CHECK(reads(bad, len, err) == HS_EVERSION && strstr(err, "version 3"));
    bad[8] = 0;
    CHECK(reads(bad, len, err) == HS_EVERSION && strstr(err, "version 0"));
    /* every single flipped byte after the magic is caught (checksums) */
    for (i = 8; i < len; i++) {
        int rc;
        memcpy(bad, good, len);
        bad[i] ^= 0x5a;
        rc = reads(bad, len, err);
        /* padding bytes between sections are not covered by a checksum */
        CHECK(rc != HS_OK || bad[i] == (uint8_t)(0 ^ 0x5a));
    }
    free(bad);
    free(good);
}

static void test_bad_names(void) {
    hs_snapdata d, r;
    char err[256];
    size_t len = 0;
    uint8_t *buf;
    make(&d, 5);
    d.names = "0\tapp\n9\tout of range\n";
    CHECK(hs_snap_write("bad_names.hsnap", &d) == HS_OK);
    buf = slurp("bad_names.hsnap", &len);
    CHECK(buf != NULL && hs_snap_read_buffer(buf, len, &r, err, sizeof(err)) == HS_EFORMAT);
    CHECK(strstr(err, "NAMES") != NULL);
    hs_snapdata_destroy(&r);
    free(buf);
    remove("bad_names.hsnap");
    release(&d);
}

static void test_text_sections_must_be_utf8(void) {
    static char *bad_type[] = {"dict", "li\xffst", "app.Session"};
    static const struct {
        const char *meta, *results;
    } cases[] = {{"python=3.11\xc0\x80\n", "{}"},                     /* overlong NUL */
                 {"python=3.11\n", "{\"a\": \"\xed\xa0\x80\"}"},      /* a surrogate */
                 {"python=3.11\n", "{\"a\": \"\xf4\x90\x80\x80\"}"}}; /* past U+10FFFF */
    hs_snapdata d, r;
    char err[256];
    size_t len = 0, i;
    uint8_t *buf;
    CHECK(hs_utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\x8d", 14));
    CHECK(!hs_utf8_valid((const uint8_t *)"a\0b", 3));
    CHECK(!hs_utf8_valid((const uint8_t *)"\xc3", 1));
    for (i = 0; i < 4; i++) {
        make(&d, 5);
        if (i == 3)
            d.type_names = bad_type;
        else {
            d.meta = (char *)cases[i].meta;
            d.results = (char *)cases[i].results;
        }
        CHECK(hs_snap_write("bad_text.hsnap", &d) == HS_OK);
        buf = slurp("bad_text.hsnap", &len);
        CHECK(buf != NULL && hs_snap_read_buffer(buf, len, &r, err, sizeof(err)) == HS_EFORMAT);
        CHECK(strstr(err, "UTF-8") != NULL);
        hs_snapdata_destroy(&r);
        free(buf);
        release(&d);
    }
    remove("bad_text.hsnap");
}

/* The corpus's version 2 seeds: plain, and (40 objects) with labels and retained sizes. */
static void write_seeds(const char *dir) {
    static char *strs[] = {"registry", "__self__", "x"};
    char path[512];
    hs_snapdata d;
    uint32_t sizes[3] = {1, 7, 40}, i, v;
    uint8_t kinds[40];
    uint32_t label_names[40];
    uint32_t retained[40];
    for (v = 0; v < 40; v++) {
        kinds[v] = (uint8_t)(v % HS_NLBL);
        label_names[v] = kinds[v] == HS_LBL_INDEX ? v * 300 : v % 3;
        retained[v] = v * 1000003u;
    }
    for (i = 0; i < 3; i++) {
        make(&d, sizes[i]);
        if (sizes[i] == 40) {
            d.label_kind = kinds;
            d.label_name = label_names;
            d.label_strs = strs;
            d.nlabel_strs = 3;
            d.retained.v = retained;
        }
        snprintf(path, sizeof(path), "%s/seed-v%u-%u.hsnap", dir, HS_SNAP_VERSION, sizes[i]);
        CHECK(hs_snap_write(path, &d) == HS_OK);
        release(&d);
    }
}

/* Labels: written and read back; a wrong kind or a string index out of range is refused. */
static void test_labels(const char *path) {
    static char *strs[] = {"registry", "__self__", "x"};
    hs_snapdata d, r;
    char err[256];
    uint32_t v;
    size_t len = 0;
    uint8_t *buf;
    make(&d, 10);
    d.label_kind = malloc(10);
    d.label_name = malloc(10 * sizeof(uint32_t));
    for (v = 0; v < 10; v++) {
        d.label_kind[v] = (uint8_t)(v % HS_NLBL);
        d.label_name[v] = d.label_kind[v] == HS_LBL_INDEX ? v * 7 : v % 3;
    }
    d.label_strs = strs;
    d.nlabel_strs = 3;
    CHECK(hs_snap_write(path, &d) == HS_OK);
    CHECK(hs_snap_read_file(path, &r, err, sizeof(err)) == HS_OK);
    CHECK(r.label_kind != NULL && r.nlabel_strs == 3 && strcmp(r.label_strs[1], "__self__") == 0);
    for (v = 0; v < 10; v++) {
        CHECK(r.label_kind[v] == d.label_kind[v]);
        CHECK(r.label_name[v] == (hs_label_has_name(d.label_kind[v]) ? d.label_name[v] : HS_NONE));
    }
    hs_snapdata_destroy(&r);
    /* A corrupt kind byte: find the LABELKINDS section's bytes and break one. */
    buf = slurp(path, &len);
    CHECK(buf != NULL);
    if (buf != NULL) {
        uint32_t nsec = (uint32_t)buf[16] | (uint32_t)buf[17] << 8, i;
        for (i = 0; i < nsec; i++) {
            const uint8_t *t = buf + 64 + (size_t)i * 32;
            if (t[0] == HS_SEC_LABELKINDS) {
                uint64_t off = 0;
                int b;
                for (b = 7; b >= 0; b--)
                    off = off << 8 | t[8 + b];
                buf[off] = 200;
            }
        }
        /* (the checksum catches it first; either way it is refused in one sentence) */
        CHECK(hs_snap_read_buffer(buf, len, &r, err, sizeof(err)) != HS_OK && err[0] != '\0');
        hs_snapdata_destroy(&r);
        free(buf);
    }
    free(d.label_kind);
    free(d.label_name);
    release(&d);
}

/* The CRC-32 of the standard check string, of every length around the 8-byte
 * steps, and of every length and alignment around the 16- and 64-byte steps
 * of the carry-less-multiply path, against a bit-at-a-time reference. */
static uint32_t crc_reference(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu, b;
    size_t k;
    for (k = 0; k < n; k++) {
        c ^= p[k];
        for (b = 0; b < 8; b++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void test_crc_long(void) {
    enum { N = 5000 };
    uint8_t *buf = malloc(N + 16);
    size_t i, off;
    int agree = 1;
    for (i = 0; i < N + 16; i++)
        buf[i] = (uint8_t)hs_test_rand();
    for (off = 0; off < 16; off += 5)
        for (i = 0; i <= 300; i++)
            if (hs_crc32(buf + off, i) != crc_reference(buf + off, i))
                agree = 0;
    for (i = 300; i <= N; i += 97)
        if (hs_crc32(buf + 3, i) != crc_reference(buf + 3, i))
            agree = 0;
    memset(buf, 0xFF, N);
    if (hs_crc32(buf, N) != crc_reference(buf, N))
        agree = 0;
    CHECK(agree);
    free(buf);
}

static void test_crc(void) {
    static const char check[] = "123456789";
    uint8_t buf[64];
    uint32_t i;
    test_crc_long();
    CHECK(hs_crc32(check, 9) == 0xCBF43926u);
    CHECK(hs_crc32("", 0) == 0);
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    for (i = 0; i <= sizeof(buf); i++) {
        /* a byte-at-a-time reference */
        uint32_t c = 0xFFFFFFFFu, k, b;
        for (k = 0; k < i; k++) {
            c ^= buf[k];
            for (b = 0; b < 8; b++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        CHECK(hs_crc32(buf, i) == (c ^ 0xFFFFFFFFu));
    }
}

int main(int argc, char **argv) {
    const char *path = "test_snapfile.hsnap";
    test_crc();
    test_round_trip(path);
    test_retained(path);
    test_labels(path);
    test_hostile_inputs(path);
    test_bad_names();
    test_text_sections_must_be_utf8();
    remove(path);
    if (argc > 1)
        write_seeds(argv[1]);
    TEST_DONE("test_snapfile");
}
