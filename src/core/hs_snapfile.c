#include "hs_snapfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_le.h"
#include "hs_scratch.h"
#include "hs_varint.h"

/* ---- reading -------------------------------------------------------------- */

/* Fuzzing builds skip checksums so the fuzzer reaches the structural checks
 * behind them (the conventional libFuzzer macro; never set otherwise). */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define HS__CRC_MISMATCH(computed, stored) ((void)(computed), (void)(stored), 0)
#else
#define HS__CRC_MISMATCH(computed, stored) ((computed) != (stored))
#endif

static int hs__fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    va_list ap;
    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *hs__secname(uint32_t id) {
    static const char *const names[] = {"?",          "META",      "TYPENAMES", "OBJECTS", "TIERS",
                                        "EDGE_OFF",   "EDGES",     "RESULTS",   "NAMES",   "LABELKINDS",
                                        "LABELNAMES", "LABELSTRS", "RETAINED"};
    return id <= HS_SEC_LAST ? names[id] : "unknown";
}

void hs_snapdata_destroy(hs_snapdata *d) {
    uint32_t k;
    if (d == NULL)
        return;
    free(d->addr);
    free(hs_type_ids_array(&d->type_id));
    free(d->size.v);
    hs_sizes_destroy_big(&d->size);
    free(d->tier);
    hs_graph_destroy(&d->graph);
    if (d->type_names != NULL)
        for (k = 0; k < d->ntypes; k++)
            free(d->type_names[k]);
    free(d->type_names);
    free(d->meta);
    free(d->results);
    free(d->names);
    free(d->label_kind);
    free(d->label_name);
    if (d->label_strs != NULL)
        for (k = 0; k < d->nlabel_strs; k++)
            free(d->label_strs[k]);
    free(d->label_strs);
    hs_graph_retained_destroy(&d->retained);
    memset(d, 0, sizeof(*d));
}

static char *hs__text(const uint8_t *p, uint64_t len) {
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, p, (size_t)len);
    s[len] = '\0';
    return s;
}

/* ---- the per-object and per-edge sections, by version ---------------------- */

/* Checks an object's type and root kind, then stores the type (which a
 * narrow array could not hold out of range). */
static int hs__object_ok(hs_snapdata *out, uint32_t i, uint64_t type, uint8_t tier, char *err,
                         size_t errlen) {
    if (type >= out->ntypes)
        return hs__fail(err, errlen, HS_EFORMAT, "object %u has type %llu of %u", i, (unsigned long long)type,
                        out->ntypes);
    if (tier > 5)
        return hs__fail(err, errlen, HS_EFORMAT, "object %u has an unknown root kind %u", i, tier);
    hs_type_ids_set(&out->type_id, i, (uint32_t)type);
    out->tier[i] = tier;
    return HS_OK;
}

static int hs__objects_v1(const uint8_t *objects, const uint8_t *tiers, hs_snapdata *out, char *err,
                          size_t errlen) {
    uint32_t i;
    for (i = 0; i < out->n; i++) {
        const uint8_t *r = objects + (size_t)i * 16;
        out->addr[i] = hs_le_get64(r);
        out->size.v[i] = hs_le_get32(r + 12); /* below HS_SIZE_BIG or equal to it: never big */
        if (hs__object_ok(out, i, hs_le_get32(r + 8), tiers[i], err, errlen) != HS_OK)
            return HS_EFORMAT;
    }
    return HS_OK;
}

static int hs__objects_v2(const uint8_t *p, uint64_t len, const uint8_t *tiers, hs_snapdata *out, char *err,
                          size_t errlen) {
    const uint8_t *end = p + len;
    uint64_t addr = 0, delta, type, size;
    uint32_t i;
    for (i = 0; i < out->n; i++) {
        if (hs_varint_get(&p, end, &delta) != 0 || hs_varint_get(&p, end, &type) != 0 ||
            hs_varint_get(&p, end, &size) != 0)
            return hs__fail(err, errlen, HS_EFORMAT, "section OBJECTS: a bad number at object %u", i);
        if (hs_sizes_set(&out->size, i, size) != HS_OK)
            return HS_ENOMEM;
        addr += (uint64_t)hs_unzigzag(delta);
        out->addr[i] = addr;
        if (hs__object_ok(out, i, type, tiers[i], err, errlen) != HS_OK)
            return HS_EFORMAT;
    }
    if (p != end)
        return hs__fail(err, errlen, HS_EFORMAT, "section OBJECTS has trailing bytes");
    return HS_OK;
}

static int hs__edges_v1(const uint8_t *const *sec_ptr, uint32_t m, hs_snapdata *out, char *err,
                        size_t errlen) {
    uint32_t prev = 0, e, v, n = out->n;
    if (hs_le_get32(sec_ptr[HS_SEC_EDGE_OFF]) != 0)
        return hs__fail(err, errlen, HS_EFORMAT, "edge offsets do not start at 0");
    for (v = 0; v < n; v++) {
        uint32_t end = hs_le_get32(sec_ptr[HS_SEC_EDGE_OFF] + ((size_t)v + 1) * 4);
        if (end < prev || end > m)
            return hs__fail(err, errlen, HS_EFORMAT, "edge offsets are not increasing at object %u", v);
        if (hs_graph_begin_node(&out->graph, v) != HS_OK)
            return HS_ENOMEM;
        for (e = prev; e < end; e++) {
            uint32_t to = hs_le_get32(sec_ptr[HS_SEC_EDGES] + (size_t)e * 4);
            if (to >= n)
                return hs__fail(err, errlen, HS_EFORMAT, "edge %u points to object %u of %u", e, to, n);
            if (hs_graph_add_edge(&out->graph, to) != HS_OK)
                return HS_ENOMEM;
        }
        prev = end;
    }
    if (prev != m)
        return hs__fail(err, errlen, HS_EFORMAT, "edge offsets end at %u, not at %u edges", prev, m);
    return hs_graph_finish(&out->graph, n) == HS_OK ? HS_OK : HS_ENOMEM;
}

/* The graph was made for exactly n nodes and m edges (hs_graph_init): its
 * arrays are filled in place, each edge checked as it is decoded. */
static int hs__edges_v2(const uint8_t *const *sec_ptr, const uint64_t *sec_len, uint32_t m, hs_snapdata *out,
                        char *err, size_t errlen) {
    const uint8_t *dp = sec_ptr[HS_SEC_EDGE_OFF], *dend = dp + sec_len[HS_SEC_EDGE_OFF];
    const uint8_t *ep = sec_ptr[HS_SEC_EDGES], *eend = ep + sec_len[HS_SEC_EDGES];
    uint32_t v, e = 0, n = out->n, *off = out->graph.fwd_off, *fwd = out->graph.fwd;
    uint64_t degree, delta;
    off[0] = 0;
    for (v = 0; v < n; v++) {
        int64_t to = v;
        if (hs_varint_get(&dp, dend, &degree) != 0 || degree > m - e)
            return hs__fail(err, errlen, HS_EFORMAT, "section EDGE_OFF: a bad reference count at object %u",
                            v);
        for (; degree > 0; degree--, e++) {
            if (hs_varint_get(&ep, eend, &delta) != 0)
                return hs__fail(err, errlen, HS_EFORMAT, "section EDGES: a bad number at edge %u", e);
            to += hs_unzigzag(delta);
            if (to < 0 || to >= (int64_t)n)
                return hs__fail(err, errlen, HS_EFORMAT, "edge %u points outside the %u objects", e, n);
            fwd[e] = (uint32_t)to;
        }
        off[v + 1] = e;
    }
    if (e != m)
        return hs__fail(err, errlen, HS_EFORMAT, "the reference counts add up to %u, not to %u edges", e, m);
    if (dp != dend || ep != eend)
        return hs__fail(err, errlen, HS_EFORMAT, "section EDGE_OFF or EDGES has trailing bytes");
    out->graph.n = n;
    out->graph.m = m;
    return HS_OK;
}

int hs_snap_read_buffer(const uint8_t *buf, size_t len, hs_snapdata *out, char *err, size_t errlen) {
    const uint8_t *sec_ptr[HS_SEC_LAST + 1] = {NULL};
    uint64_t sec_len[HS_SEC_LAST + 1] = {0};
    uint32_t sec_count[HS_SEC_LAST + 1] = {0}, nsec, i, version, n, ntypes, m;
    uint64_t file_size;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len < 8 || memcmp(buf, HS_SNAP_MAGIC, 8) != 0)
        return hs__fail(err, errlen, HS_EFORMAT,
                        "not a heapscope snapshot (the file does not start with its magic bytes)");
    if (len < HS_SNAP_HEADER_SIZE)
        return hs__fail(err, errlen, HS_ETRUNC, "truncated: %zu bytes, shorter than the %u-byte header", len,
                        HS_SNAP_HEADER_SIZE);
    version = hs_le_get32(buf + 8);
    if (version < HS_SNAP_MIN_VERSION || version > HS_SNAP_VERSION)
        return hs__fail(err, errlen, HS_EVERSION,
                        "snapshot format version %u; this heapscope reads versions %u to %u", version,
                        HS_SNAP_MIN_VERSION, HS_SNAP_VERSION);
    if (hs_le_get32(buf + 12) != HS_SNAP_HEADER_SIZE)
        return hs__fail(err, errlen, HS_EFORMAT, "bad header size %u", hs_le_get32(buf + 12));
    nsec = hs_le_get32(buf + 16);
    file_size = hs_le_get64(buf + 24);
    if (file_size > len)
        return hs__fail(err, errlen, HS_ETRUNC, "truncated: %zu bytes of %llu", len,
                        (unsigned long long)file_size);
    if (file_size < len)
        return hs__fail(err, errlen, HS_EFORMAT, "%zu bytes, but the header says %llu", len,
                        (unsigned long long)file_size);
    if (nsec == 0 || nsec > 32 || (uint64_t)HS_SNAP_HEADER_SIZE + (uint64_t)nsec * 32 > len)
        return hs__fail(err, errlen, HS_EFORMAT, "bad section count %u", nsec);
    if (HS__CRC_MISMATCH(hs_crc32(buf + HS_SNAP_HEADER_SIZE, (size_t)nsec * 32), hs_le_get32(buf + 32)))
        return hs__fail(err, errlen, HS_ECHECKSUM,
                        "the section table's checksum does not match (corrupt file)");
    for (i = 0; i < nsec; i++) {
        const uint8_t *t = buf + HS_SNAP_HEADER_SIZE + (size_t)i * 32;
        uint32_t id = hs_le_get32(t);
        uint64_t off = hs_le_get64(t + 8), l = hs_le_get64(t + 16);
        if (id < 1 || id > HS_SEC_LAST) /* unknown sections are skipped: later versions may add some */
            continue;
        if (sec_ptr[id] != NULL)
            return hs__fail(err, errlen, HS_EFORMAT, "section %s appears twice", hs__secname(id));
        if (off > len || l > len - off)
            return hs__fail(err, errlen, HS_ETRUNC, "section %s runs past the end of the file",
                            hs__secname(id));
        if (HS__CRC_MISMATCH(hs_crc32(buf + off, (size_t)l), hs_le_get32(t + 24)))
            return hs__fail(err, errlen, HS_ECHECKSUM, "section %s: checksum mismatch (corrupt file)",
                            hs__secname(id));
        sec_ptr[id] = buf + off;
        sec_len[id] = l;
        sec_count[id] = hs_le_get32(t + 28);
    }
    for (i = HS_SEC_TYPENAMES; i <= HS_SEC_EDGES; i++)
        if (sec_ptr[i] == NULL)
            return hs__fail(err, errlen, HS_EFORMAT, "section %s is missing", hs__secname(i));
    n = sec_count[HS_SEC_OBJECTS];
    ntypes = sec_count[HS_SEC_TYPENAMES];
    m = sec_count[HS_SEC_EDGES];
    /* Every count is bounded by its section's real length (a varint is at
     * least a byte), so no allocation below outgrows the file. */
    if (sec_len[HS_SEC_TIERS] != n || sec_count[HS_SEC_TIERS] != n || n >= HS_NONE - 1 ||
        ntypes > sec_len[HS_SEC_TYPENAMES] ||
        (version == 1 &&
         (sec_len[HS_SEC_OBJECTS] != (uint64_t)n * 16 || sec_count[HS_SEC_EDGE_OFF] != (uint64_t)n + 1 ||
          sec_len[HS_SEC_EDGE_OFF] != ((uint64_t)n + 1) * 4 || sec_len[HS_SEC_EDGES] != (uint64_t)m * 4)) ||
        (version >= 2 && (sec_len[HS_SEC_OBJECTS] < (uint64_t)n * 3 || sec_count[HS_SEC_EDGE_OFF] != n ||
                          sec_len[HS_SEC_EDGE_OFF] < n || sec_len[HS_SEC_EDGES] < m)))
        return hs__fail(err, errlen, HS_EFORMAT, "section sizes do not agree with their record counts");

    rc = HS_ENOMEM;
    /* Text sections: UTF-8 without NUL bytes (type names are NUL-separated). */
    {
        static const uint32_t text_ids[] = {HS_SEC_META, HS_SEC_RESULTS, HS_SEC_NAMES};
        const uint8_t *p = sec_ptr[HS_SEC_TYPENAMES], *end = p + sec_len[HS_SEC_TYPENAMES];
        for (i = 0; i < 3; i++)
            if (sec_ptr[text_ids[i]] && !hs_utf8_valid(sec_ptr[text_ids[i]], (size_t)sec_len[text_ids[i]]))
                return hs__fail(err, errlen, HS_EFORMAT, "section %s is not UTF-8 text (corrupt file)",
                                hs__secname(text_ids[i]));
        while (p < end) {
            const uint8_t *z = memchr(p, 0, (size_t)(end - p));
            size_t l = z ? (size_t)(z - p) : (size_t)(end - p);
            if (!hs_utf8_valid(p, l))
                return hs__fail(err, errlen, HS_EFORMAT,
                                "section TYPENAMES: a type name is not UTF-8 (corrupt file)");
            p += l + 1;
        }
    }
    out->n = n;
    out->addr = malloc((size_t)n * sizeof(uint64_t) + 1);
    if (ntypes <= HS_TYPE_IDS_NARROW)
        out->type_id.narrow = malloc((size_t)n * sizeof(uint16_t) + 1);
    else
        out->type_id.wide = malloc((size_t)n * sizeof(uint32_t) + 1);
    out->size.v = malloc((size_t)n * sizeof(uint32_t) + 1);
    out->tier = malloc((size_t)n + 1);
    out->type_names = calloc((size_t)ntypes + 1, sizeof(char *));
    if (!out->addr || !hs_type_ids_array(&out->type_id) || !out->size.v || !out->tier || !out->type_names)
        goto fail;
    /* type names: exactly ntypes NUL-terminated strings */
    {
        const uint8_t *p = sec_ptr[HS_SEC_TYPENAMES], *end = p + sec_len[HS_SEC_TYPENAMES];
        for (i = 0; i < ntypes; i++) {
            const uint8_t *z = memchr(p, 0, (size_t)(end - p));
            if (z == NULL) {
                rc = hs__fail(err, errlen, HS_EFORMAT, "type name %u is not terminated", i);
                goto fail;
            }
            out->type_names[i] = hs__text(p, (uint64_t)(z - p));
            if (out->type_names[i] == NULL)
                goto fail;
            out->ntypes = i + 1;
            p = z + 1;
        }
        if (p != end) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "type name section has trailing bytes");
            goto fail;
        }
    }
    rc = version == 1 ? hs__objects_v1(sec_ptr[HS_SEC_OBJECTS], sec_ptr[HS_SEC_TIERS], out, err, errlen)
                      : hs__objects_v2(sec_ptr[HS_SEC_OBJECTS], sec_len[HS_SEC_OBJECTS],
                                       sec_ptr[HS_SEC_TIERS], out, err, errlen);
    if (rc != HS_OK)
        goto fail;
    rc = HS_ENOMEM;
    if (hs_graph_init(&out->graph, n, m) != HS_OK)
        goto fail;
    rc = version == 1 ? hs__edges_v1(sec_ptr, m, out, err, errlen)
                      : hs__edges_v2(sec_ptr, sec_len, m, out, err, errlen);
    if (rc != HS_OK)
        goto fail;
    rc = HS_ENOMEM;
    if (sec_ptr[HS_SEC_META] && (out->meta = hs__text(sec_ptr[HS_SEC_META], sec_len[HS_SEC_META])) == NULL)
        goto fail;
    if (sec_ptr[HS_SEC_RESULTS] &&
        (out->results = hs__text(sec_ptr[HS_SEC_RESULTS], sec_len[HS_SEC_RESULTS])) == NULL)
        goto fail;
    if (sec_ptr[HS_SEC_NAMES] != NULL) {
        /* every line: a decimal object index < n, a tab, a name without NUL */
        const uint8_t *p = sec_ptr[HS_SEC_NAMES], *end = p + sec_len[HS_SEC_NAMES];
        while (p < end) {
            uint64_t idx = 0;
            const uint8_t *start = p;
            while (p < end && *p >= '0' && *p <= '9' && p - start < 10)
                idx = idx * 10 + (uint64_t)(*p++ - '0');
            if (p == start || p >= end || *p != '\t' || idx >= n) {
                rc = hs__fail(err, errlen, HS_EFORMAT,
                              "section NAMES: a line does not start with an object index");
                goto fail;
            }
            while (p < end && *p != '\n' && *p != '\0')
                p++;
            if (p >= end || *p != '\n') {
                rc = hs__fail(err, errlen, HS_EFORMAT, "section NAMES: a line is not terminated");
                goto fail;
            }
            p++;
        }
        if ((out->names = hs__text(sec_ptr[HS_SEC_NAMES], sec_len[HS_SEC_NAMES])) == NULL)
            goto fail;
    }
    if (sec_ptr[HS_SEC_LABELKINDS] != NULL || sec_ptr[HS_SEC_LABELNAMES] != NULL ||
        sec_ptr[HS_SEC_LABELSTRS] != NULL) {
        rc = hs_snap_read_labels(sec_ptr, sec_len, sec_count, n, version, out, err, errlen);
        if (rc != HS_OK)
            goto fail;
    }
    if (sec_ptr[HS_SEC_RETAINED] != NULL) {
        const uint8_t *p = sec_ptr[HS_SEC_RETAINED], *end = p + sec_len[HS_SEC_RETAINED];
        if ((version == 1 ? sec_len[HS_SEC_RETAINED] != (uint64_t)n * 8 : sec_len[HS_SEC_RETAINED] < n) ||
            sec_count[HS_SEC_RETAINED] != n) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "section RETAINED: %llu bytes for %u objects",
                          (unsigned long long)sec_len[HS_SEC_RETAINED], n);
            goto fail;
        }
        rc = HS_ENOMEM;
        out->retained.v = hs_scratch_alloc((size_t)n + 1, sizeof(uint32_t));
        if (out->retained.v == NULL)
            goto fail;
        for (i = 0; i < n; i++) {
            uint64_t r;
            if (version == 1)
                r = hs_le_get64(p + (size_t)i * 8);
            else if (hs_varint_get(&p, end, &r) != 0) {
                rc = hs__fail(err, errlen, HS_EFORMAT, "section RETAINED: a bad number at object %u", i);
                goto fail;
            }
            if (hs_sizes_set(&out->retained, i, r) != HS_OK)
                goto fail; /* rc is HS_ENOMEM */
        }
        if (version >= 2 && p != end) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "section RETAINED has trailing bytes");
            goto fail;
        }
    }
    return HS_OK;
fail:
    if (rc == HS_ENOMEM)
        hs__fail(err, errlen, rc, "out of memory reading the snapshot");
    hs_snapdata_destroy(out);
    return rc;
}

int hs_snap_read_file(const char *path, hs_snapdata *out, char *err, size_t errlen) {
    FILE *f;
    uint8_t *buf = NULL;
    long size;
    int rc;
    memset(out, 0, sizeof(*out));
    f = fopen(path, "rb");
    if (f == NULL)
        return hs__fail(err, errlen, HS_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return hs__fail(err, errlen, HS_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL) {
        fclose(f);
        return hs__fail(err, errlen, HS_ENOMEM, "out of memory reading %s", path);
    }
    if (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(buf);
        return hs__fail(err, errlen, HS_EIO, "cannot read %s", path);
    }
    fclose(f);
    rc = hs_snap_read_buffer(buf, (size_t)size, out, err, errlen);
    free(buf);
    return rc;
}
