#include "hs_snapfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t hs__magic[8] = {'H', 'E', 'A', 'P', 'S', 'C', 'P', 0x1a};

/* ---- little-endian encoding ------------------------------------------- */

static void hs__put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static void hs__put64(uint8_t *p, uint64_t v) {
    hs__put32(p, (uint32_t)v);
    hs__put32(p + 4, (uint32_t)(v >> 32));
}
static uint32_t hs__get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t hs__get64(const uint8_t *p) {
    return (uint64_t)hs__get32(p) | (uint64_t)hs__get32(p + 4) << 32;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct {
    uint32_t id;
    uint8_t *data;
    uint64_t length;
    uint32_t count;
} hs__section;

static size_t hs__pad8(size_t x) {
    return (x + 7) & ~(size_t)7;
}

int hs_snap_write(const char *path, const hs_snapdata *d) {
    hs__section sec[12];
    int nsec = 0, i, rc = HS_ENOMEM;
    uint8_t header[HS_SNAP_HEADER_SIZE], *table = NULL;
    size_t names_len = 0, offset, tmp_len;
    uint64_t m = d->graph.m;
    uint32_t k;
    char *tmp = NULL;
    FILE *f = NULL;

    memset(sec, 0, sizeof(sec));
    for (k = 0; k < d->ntypes; k++)
        names_len += strlen(d->type_names[k]) + 1;
    if (d->meta) {
        sec[nsec].id = HS_SEC_META;
        sec[nsec].length = strlen(d->meta);
        sec[nsec].data = malloc(sec[nsec].length + 1);
        if (sec[nsec].data == NULL)
            goto done;
        memcpy(sec[nsec].data, d->meta, sec[nsec].length);
        nsec++;
    }
    sec[nsec].id = HS_SEC_TYPENAMES;
    sec[nsec].count = d->ntypes;
    sec[nsec].length = names_len;
    sec[nsec].data = malloc(names_len + 1);
    if (sec[nsec].data == NULL)
        goto done;
    for (k = 0, offset = 0; k < d->ntypes; k++) {
        size_t l = strlen(d->type_names[k]) + 1;
        memcpy(sec[nsec].data + offset, d->type_names[k], l);
        offset += l;
    }
    nsec++;

    sec[nsec].id = HS_SEC_OBJECTS;
    sec[nsec].count = d->n;
    sec[nsec].length = (uint64_t)d->n * 16;
    sec[nsec].data = malloc((size_t)sec[nsec].length + 1);
    if (sec[nsec].data == NULL)
        goto done;
    for (k = 0; k < d->n; k++) {
        uint8_t *r = sec[nsec].data + (size_t)k * 16;
        hs__put64(r, d->addr[k]);
        hs__put32(r + 8, d->type_id[k]);
        hs__put32(r + 12, d->size[k] > UINT32_MAX ? UINT32_MAX : (uint32_t)d->size[k]);
    }
    nsec++;

    sec[nsec].id = HS_SEC_TIERS;
    sec[nsec].count = d->n;
    sec[nsec].length = d->n;
    sec[nsec].data = malloc((size_t)d->n + 1);
    if (sec[nsec].data == NULL)
        goto done;
    if (d->n)
        memcpy(sec[nsec].data, d->tier, d->n);
    nsec++;

    sec[nsec].id = HS_SEC_EDGE_OFF;
    sec[nsec].count = d->n + 1;
    sec[nsec].length = ((uint64_t)d->n + 1) * 4;
    sec[nsec].data = malloc((size_t)sec[nsec].length);
    if (sec[nsec].data == NULL)
        goto done;
    for (k = 0; k <= d->n; k++)
        hs__put32(sec[nsec].data + (size_t)k * 4, d->n ? d->graph.fwd_off[k] : 0);
    nsec++;

    sec[nsec].id = HS_SEC_EDGES;
    sec[nsec].count = (uint32_t)m;
    sec[nsec].length = m * 4;
    sec[nsec].data = malloc((size_t)sec[nsec].length + 1);
    if (sec[nsec].data == NULL)
        goto done;
    for (k = 0; k < m; k++)
        hs__put32(sec[nsec].data + (size_t)k * 4, d->graph.fwd[k]);
    nsec++;

    if (d->results) {
        sec[nsec].id = HS_SEC_RESULTS;
        sec[nsec].length = strlen(d->results);
        sec[nsec].data = malloc(sec[nsec].length + 1);
        if (sec[nsec].data == NULL)
            goto done;
        memcpy(sec[nsec].data, d->results, sec[nsec].length);
        nsec++;
    }

    if (d->names) {
        sec[nsec].id = HS_SEC_NAMES;
        sec[nsec].length = strlen(d->names);
        sec[nsec].data = malloc(sec[nsec].length + 1);
        if (sec[nsec].data == NULL)
            goto done;
        memcpy(sec[nsec].data, d->names, sec[nsec].length);
        nsec++;
    }

    if (d->label_kind != NULL && d->label_name != NULL) {
        uint32_t named = 0, j = 0;
        size_t slen = 0, at = 0;
        for (k = 0; k < d->n; k++)
            named += hs_label_has_name(d->label_kind[k]) != 0;
        sec[nsec].id = HS_SEC_LABELKINDS;
        sec[nsec].count = d->n;
        sec[nsec].length = d->n;
        sec[nsec].data = malloc((size_t)d->n + 1);
        if (sec[nsec].data == NULL)
            goto done;
        memcpy(sec[nsec].data, d->label_kind, d->n);
        nsec++;
        sec[nsec].id = HS_SEC_LABELNAMES;
        sec[nsec].count = named;
        sec[nsec].length = (uint64_t)named * 4;
        sec[nsec].data = malloc((size_t)named * 4 + 1);
        if (sec[nsec].data == NULL)
            goto done;
        for (k = 0; k < d->n; k++)
            if (hs_label_has_name(d->label_kind[k]))
                hs__put32(sec[nsec].data + (size_t)(j++) * 4, d->label_name[k]);
        nsec++;
        for (k = 0; k < d->nlabel_strs; k++)
            slen += strlen(d->label_strs[k]) + 1;
        sec[nsec].id = HS_SEC_LABELSTRS;
        sec[nsec].count = d->nlabel_strs;
        sec[nsec].length = slen;
        sec[nsec].data = malloc(slen + 1);
        if (sec[nsec].data == NULL)
            goto done;
        for (k = 0; k < d->nlabel_strs; k++) {
            size_t l = strlen(d->label_strs[k]) + 1;
            memcpy(sec[nsec].data + at, d->label_strs[k], l);
            at += l;
        }
        nsec++;
    }

    if (d->retained != NULL) {
        sec[nsec].id = HS_SEC_RETAINED;
        sec[nsec].count = d->n;
        sec[nsec].length = (uint64_t)d->n * 8;
        sec[nsec].data = malloc((size_t)d->n * 8 + 1);
        if (sec[nsec].data == NULL)
            goto done;
        for (k = 0; k < d->n; k++)
            hs__put64(sec[nsec].data + (size_t)k * 8, d->retained[k]);
        nsec++;
    }

    table = calloc((size_t)nsec, 32);
    if (table == NULL)
        goto done;
    offset = hs__pad8(HS_SNAP_HEADER_SIZE + (size_t)nsec * 32);
    for (i = 0; i < nsec; i++) {
        uint8_t *t = table + (size_t)i * 32;
        hs__put32(t, sec[i].id);
        hs__put64(t + 8, offset);
        hs__put64(t + 16, sec[i].length);
        hs__put32(t + 24, hs_crc32(sec[i].data, (size_t)sec[i].length));
        hs__put32(t + 28, sec[i].count);
        offset = hs__pad8(offset + (size_t)sec[i].length);
    }
    memset(header, 0, sizeof(header));
    memcpy(header, hs__magic, 8);
    hs__put32(header + 8, HS_SNAP_VERSION);
    hs__put32(header + 12, HS_SNAP_HEADER_SIZE);
    hs__put32(header + 16, (uint32_t)nsec);
    hs__put64(header + 24, offset);
    hs__put32(header + 32, hs_crc32(table, (size_t)nsec * 32));

    tmp_len = strlen(path) + 16;
    tmp = malloc(tmp_len);
    if (tmp == NULL)
        goto done;
    snprintf(tmp, tmp_len, "%s.tmp", path);
    rc = HS_EIO;
    f = fopen(tmp, "wb");
    if (f == NULL)
        goto done;
    {
        static const uint8_t zeros[8] = {0};
        size_t pos = 0;
        if (fwrite(header, 1, sizeof(header), f) != sizeof(header) ||
            fwrite(table, 1, (size_t)nsec * 32, f) != (size_t)nsec * 32)
            goto done;
        pos = HS_SNAP_HEADER_SIZE + (size_t)nsec * 32;
        for (i = 0; i < nsec; i++) {
            size_t pad = hs__pad8(pos) - pos;
            if (pad && fwrite(zeros, 1, pad, f) != pad)
                goto done;
            pos += pad;
            if (sec[i].length && fwrite(sec[i].data, 1, (size_t)sec[i].length, f) != (size_t)sec[i].length)
                goto done;
            pos += (size_t)sec[i].length;
        }
        {
            size_t pad = hs__pad8(pos) - pos;
            if (pad && fwrite(zeros, 1, pad, f) != pad)
                goto done;
        }
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto done;
    }
    f = NULL;
    if (rename(tmp, path) != 0)
        goto done;
    rc = HS_OK;
done:
    if (f != NULL)
        fclose(f);
    if (rc != HS_OK && tmp != NULL)
        remove(tmp);
    free(tmp);
    free(table);
    for (i = 0; i < (int)(sizeof(sec) / sizeof(sec[0])); i++)
        free(sec[i].data);
    return rc;
}

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
    free(d->type_id);
    free(d->size);
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
    free(d->retained);
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

int hs_snap_read_buffer(const uint8_t *buf, size_t len, hs_snapdata *out, char *err, size_t errlen) {
    const uint8_t *sec_ptr[HS_SEC_LAST + 1] = {NULL};
    uint64_t sec_len[HS_SEC_LAST + 1] = {0};
    uint32_t sec_count[HS_SEC_LAST + 1] = {0}, nsec, i, version, n, ntypes, m;
    uint64_t file_size;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len < 8 || memcmp(buf, hs__magic, 8) != 0)
        return hs__fail(err, errlen, HS_EFORMAT,
                        "not a heapscope snapshot (the file does not start with its magic bytes)");
    if (len < HS_SNAP_HEADER_SIZE)
        return hs__fail(err, errlen, HS_ETRUNC, "truncated: %zu bytes, shorter than the %u-byte header", len,
                        HS_SNAP_HEADER_SIZE);
    version = hs__get32(buf + 8);
    if (version != HS_SNAP_VERSION)
        return hs__fail(err, errlen, HS_EVERSION,
                        "snapshot format version %u; this heapscope reads version %u", version,
                        HS_SNAP_VERSION);
    if (hs__get32(buf + 12) != HS_SNAP_HEADER_SIZE)
        return hs__fail(err, errlen, HS_EFORMAT, "bad header size %u", hs__get32(buf + 12));
    nsec = hs__get32(buf + 16);
    file_size = hs__get64(buf + 24);
    if (file_size > len)
        return hs__fail(err, errlen, HS_ETRUNC, "truncated: %zu bytes of %llu", len,
                        (unsigned long long)file_size);
    if (file_size < len)
        return hs__fail(err, errlen, HS_EFORMAT, "%zu bytes, but the header says %llu", len,
                        (unsigned long long)file_size);
    if (nsec == 0 || nsec > 32 || (uint64_t)HS_SNAP_HEADER_SIZE + (uint64_t)nsec * 32 > len)
        return hs__fail(err, errlen, HS_EFORMAT, "bad section count %u", nsec);
    if (HS__CRC_MISMATCH(hs_crc32(buf + HS_SNAP_HEADER_SIZE, (size_t)nsec * 32), hs__get32(buf + 32)))
        return hs__fail(err, errlen, HS_ECHECKSUM,
                        "the section table's checksum does not match (corrupt file)");
    for (i = 0; i < nsec; i++) {
        const uint8_t *t = buf + HS_SNAP_HEADER_SIZE + (size_t)i * 32;
        uint32_t id = hs__get32(t);
        uint64_t off = hs__get64(t + 8), l = hs__get64(t + 16);
        if (id < 1 || id > HS_SEC_LAST) /* unknown sections are skipped: later versions may add some */
            continue;
        if (sec_ptr[id] != NULL)
            return hs__fail(err, errlen, HS_EFORMAT, "section %s appears twice", hs__secname(id));
        if (off > len || l > len - off)
            return hs__fail(err, errlen, HS_ETRUNC, "section %s runs past the end of the file",
                            hs__secname(id));
        if (HS__CRC_MISMATCH(hs_crc32(buf + off, (size_t)l), hs__get32(t + 24)))
            return hs__fail(err, errlen, HS_ECHECKSUM, "section %s: checksum mismatch (corrupt file)",
                            hs__secname(id));
        sec_ptr[id] = buf + off;
        sec_len[id] = l;
        sec_count[id] = hs__get32(t + 28);
    }
    for (i = HS_SEC_TYPENAMES; i <= HS_SEC_EDGES; i++)
        if (sec_ptr[i] == NULL)
            return hs__fail(err, errlen, HS_EFORMAT, "section %s is missing", hs__secname(i));
    n = sec_count[HS_SEC_OBJECTS];
    ntypes = sec_count[HS_SEC_TYPENAMES];
    m = sec_count[HS_SEC_EDGES];
    if (sec_len[HS_SEC_OBJECTS] != (uint64_t)n * 16 || sec_len[HS_SEC_TIERS] != n ||
        sec_count[HS_SEC_TIERS] != n || sec_count[HS_SEC_EDGE_OFF] != (uint64_t)n + 1 ||
        sec_len[HS_SEC_EDGE_OFF] != ((uint64_t)n + 1) * 4 || sec_len[HS_SEC_EDGES] != (uint64_t)m * 4 ||
        n >= HS_NONE - 1 || ntypes > sec_len[HS_SEC_TYPENAMES])
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
    out->type_id = malloc((size_t)n * sizeof(uint32_t) + 1);
    out->size = malloc((size_t)n * sizeof(uint64_t) + 1);
    out->tier = malloc((size_t)n + 1);
    out->type_names = calloc((size_t)ntypes + 1, sizeof(char *));
    if (!out->addr || !out->type_id || !out->size || !out->tier || !out->type_names)
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
    for (i = 0; i < n; i++) {
        const uint8_t *r = sec_ptr[HS_SEC_OBJECTS] + (size_t)i * 16;
        out->addr[i] = hs__get64(r);
        out->type_id[i] = hs__get32(r + 8);
        out->size[i] = hs__get32(r + 12);
        out->tier[i] = sec_ptr[HS_SEC_TIERS][i];
        if (out->type_id[i] >= ntypes) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "object %u has type %u of %u", i, out->type_id[i], ntypes);
            goto fail;
        }
        if (out->tier[i] > 5) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "object %u has an unknown root kind %u", i, out->tier[i]);
            goto fail;
        }
    }
    if (hs_graph_init(&out->graph, n, m) != HS_OK)
        goto fail;
    {
        uint32_t prev = 0, e = 0, v;
        if (hs__get32(sec_ptr[HS_SEC_EDGE_OFF]) != 0) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "edge offsets do not start at 0");
            goto fail;
        }
        for (v = 0; v < n; v++) {
            uint32_t end = hs__get32(sec_ptr[HS_SEC_EDGE_OFF] + ((size_t)v + 1) * 4);
            if (end < prev || end > m) {
                rc = hs__fail(err, errlen, HS_EFORMAT, "edge offsets are not increasing at object %u", v);
                goto fail;
            }
            if (hs_graph_begin_node(&out->graph, v) != HS_OK)
                goto fail;
            for (e = prev; e < end; e++) {
                uint32_t to = hs__get32(sec_ptr[HS_SEC_EDGES] + (size_t)e * 4);
                if (to >= n) {
                    rc = hs__fail(err, errlen, HS_EFORMAT, "edge %u points to object %u of %u", e, to, n);
                    goto fail;
                }
                if (hs_graph_add_edge(&out->graph, to) != HS_OK)
                    goto fail;
            }
            prev = end;
        }
        if (prev != m) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "edge offsets end at %u, not at %u edges", prev, m);
            goto fail;
        }
        if (hs_graph_finish(&out->graph, n) != HS_OK)
            goto fail;
    }
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
        rc = hs_snap_read_labels(sec_ptr, sec_len, sec_count, n, out, err, errlen);
        if (rc != HS_OK)
            goto fail;
    }
    if (sec_ptr[HS_SEC_RETAINED] != NULL) {
        if (sec_len[HS_SEC_RETAINED] != (uint64_t)n * 8 || sec_count[HS_SEC_RETAINED] != n) {
            rc = hs__fail(err, errlen, HS_EFORMAT, "section RETAINED: %llu bytes for %u objects",
                          (unsigned long long)sec_len[HS_SEC_RETAINED], n);
            goto fail;
        }
        rc = HS_ENOMEM;
        out->retained = malloc((size_t)n * 8 + 1);
        if (out->retained == NULL)
            goto fail;
        for (i = 0; i < n; i++)
            out->retained[i] = hs__get64(sec_ptr[HS_SEC_RETAINED] + (size_t)i * 8);
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
