/*
 * The snapshot file's writer (format version 2; see docs/snapshot-format.md).
 *
 * It streams: each section is encoded into one 1 MiB buffer and written as
 * the buffer fills, its CRC-32 computed on the way, so writing a heap never
 * holds a second copy of it.  The header and the section table, which name
 * every section's offset, length and CRC, are written last, over the zeros
 * that kept their place.  The file appears under its name only when whole
 * (a temporary file, then rename).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_le.h"
#include "hs_snapfile.h"
#include "hs_varint.h"

#define HS__WBUF ((size_t)1 << 20)
#define HS__MAXSEC 12

typedef struct {
    FILE *f;
    uint8_t *buf;
    size_t used;      /* bytes in buf */
    size_t mark;      /* buf[0..mark) is in crc already */
    uint64_t written; /* bytes of the file before buf */
    uint32_t crc;     /* of the current section so far */
    int failed;
} hs__out;

static uint64_t hs__pos(const hs__out *o) {
    return o->written + o->used;
}

static void hs__sync(hs__out *o) {
    o->crc = hs_crc32_update(o->crc, o->buf + o->mark, o->used - o->mark);
    o->mark = o->used;
}

static void hs__flush(hs__out *o) {
    hs__sync(o);
    if (o->used && !o->failed && fwrite(o->buf, 1, o->used, o->f) != o->used)
        o->failed = 1;
    o->written += o->used;
    o->used = o->mark = 0;
}

/* Section bytes, copied or (when large) written straight from p. */
static void hs__bytes(hs__out *o, const void *p, size_t len) {
    if (len >= HS__WBUF / 2) {
        hs__flush(o);
        o->crc = hs_crc32_update(o->crc, p, len);
        if (!o->failed && fwrite(p, 1, len, o->f) != len)
            o->failed = 1;
        o->written += len;
        return;
    }
    if (HS__WBUF - o->used < len)
        hs__flush(o);
    memcpy(o->buf + o->used, p, len);
    o->used += len;
}

static void hs__varint(hs__out *o, uint64_t v) {
    if (HS__WBUF - o->used < HS_VARINT_MAX)
        hs__flush(o);
    o->used += hs_varint_put(o->buf + o->used, v);
}

/* Zero bytes up to the next multiple of 8: between sections, in no CRC. */
static void hs__align(hs__out *o) {
    size_t pad = (size_t)((8 - hs__pos(o) % 8) % 8);
    hs__sync(o);
    if (HS__WBUF - o->used < 8)
        hs__flush(o);
    memset(o->buf + o->used, 0, pad);
    o->used += pad;
    o->mark = o->used;
}

static void hs__strings(hs__out *o, char *const *s, uint32_t count) {
    uint32_t k;
    for (k = 0; k < count; k++)
        hs__bytes(o, s[k], strlen(s[k]) + 1);
}

/* The body of section `id`; its record count. */
static uint32_t hs__body(hs__out *o, const hs_snapdata *d, uint32_t id) {
    uint32_t k, count = 0;
    uint64_t e;
    switch (id) {
    case HS_SEC_META:
        hs__bytes(o, d->meta, strlen(d->meta));
        return 0;
    case HS_SEC_TYPENAMES:
        hs__strings(o, d->type_names, d->ntypes);
        return d->ntypes;
    case HS_SEC_OBJECTS: { /* address as a delta from the previous one, type, size */
        uint64_t prev = 0;
        for (k = 0; k < d->n; k++) {
            hs__varint(o, hs_zigzag((int64_t)(d->addr[k] - prev)));
            hs__varint(o, hs_type_ids_get(&d->type_id, k));
            hs__varint(o, hs_sizes_get(&d->size, k));
            prev = d->addr[k];
        }
        return d->n;
    }
    case HS_SEC_TIERS:
        hs__bytes(o, d->tier, d->n);
        return d->n;
    case HS_SEC_EDGE_OFF: /* each object's number of references */
        for (k = 0; k < d->n; k++)
            hs__varint(o, d->graph.fwd_off[k + 1] - d->graph.fwd_off[k]);
        return d->n;
    case HS_SEC_EDGES: /* each target as a delta from the one before (the source, first) */
        for (k = 0; k < d->n; k++) {
            int64_t prev = k;
            for (e = d->graph.fwd_off[k]; e < d->graph.fwd_off[k + 1]; e++) {
                hs__varint(o, hs_zigzag((int64_t)d->graph.fwd[e] - prev));
                prev = d->graph.fwd[e];
            }
        }
        return (uint32_t)d->graph.m;
    case HS_SEC_RESULTS:
        hs__bytes(o, d->results, strlen(d->results));
        return 0;
    case HS_SEC_NAMES:
        hs__bytes(o, d->names, strlen(d->names));
        return 0;
    case HS_SEC_LABELKINDS:
        hs__bytes(o, d->label_kind, d->n);
        return d->n;
    case HS_SEC_LABELNAMES:
        for (k = 0; k < d->n; k++)
            if (hs_label_has_name(d->label_kind[k])) {
                hs__varint(o, d->label_name[k]);
                count++;
            }
        return count;
    case HS_SEC_LABELSTRS:
        hs__strings(o, d->label_strs, d->nlabel_strs);
        return d->nlabel_strs;
    case HS_SEC_RETAINED:
        for (k = 0; k < d->n; k++)
            hs__varint(o, hs_sizes_get(&d->retained, k));
        return d->n;
    default:
        return 0;
    }
}

int hs_snap_write(const char *path, const hs_snapdata *d) {
    uint32_t ids[HS__MAXSEC], nsec = 0, i;
    uint8_t head[HS_SNAP_HEADER_SIZE + HS__MAXSEC * 32];
    size_t tmp_len = strlen(path) + 16, head_len;
    char *tmp = malloc(tmp_len);
    hs__out o;
    int rc = HS_ENOMEM;

    memset(&o, 0, sizeof(o));
    memset(head, 0, sizeof(head));
    o.buf = malloc(HS__WBUF);
    if (tmp == NULL || o.buf == NULL)
        goto done;
    if (d->meta != NULL)
        ids[nsec++] = HS_SEC_META;
    for (i = HS_SEC_TYPENAMES; i <= HS_SEC_EDGES; i++)
        ids[nsec++] = i;
    if (d->results != NULL)
        ids[nsec++] = HS_SEC_RESULTS;
    if (d->names != NULL)
        ids[nsec++] = HS_SEC_NAMES;
    if (d->label_kind != NULL && d->label_name != NULL)
        for (i = HS_SEC_LABELKINDS; i <= HS_SEC_LABELSTRS; i++)
            ids[nsec++] = i;
    if (d->retained.v != NULL)
        ids[nsec++] = HS_SEC_RETAINED;
    head_len = HS_SNAP_HEADER_SIZE + (size_t)nsec * 32;

    snprintf(tmp, tmp_len, "%s.tmp", path);
    rc = HS_EIO;
    o.f = fopen(tmp, "wb");
    if (o.f == NULL)
        goto done;
    hs__bytes(&o, head, head_len); /* their place; the real ones come last */
    for (i = 0; i < nsec; i++) {
        uint8_t *t = head + HS_SNAP_HEADER_SIZE + (size_t)i * 32;
        uint64_t start;
        uint32_t count;
        hs__align(&o);
        start = hs__pos(&o);
        o.crc = 0;
        count = hs__body(&o, d, ids[i]);
        hs__sync(&o);
        hs_le_put32(t, ids[i]);
        hs_le_put64(t + 8, start);
        hs_le_put64(t + 16, hs__pos(&o) - start);
        hs_le_put32(t + 24, o.crc);
        hs_le_put32(t + 28, count);
    }
    hs__align(&o);
    memcpy(head, HS_SNAP_MAGIC, 8);
    hs_le_put32(head + 8, HS_SNAP_VERSION);
    hs_le_put32(head + 12, HS_SNAP_HEADER_SIZE);
    hs_le_put32(head + 16, nsec);
    hs_le_put64(head + 24, hs__pos(&o));
    hs_le_put32(head + 32, hs_crc32(head + HS_SNAP_HEADER_SIZE, (size_t)nsec * 32));
    hs__flush(&o);
    if (o.failed || fseek(o.f, 0, SEEK_SET) != 0 || fwrite(head, 1, head_len, o.f) != head_len)
        goto done;
    rc = fclose(o.f) == 0 ? HS_OK : HS_EIO;
    o.f = NULL;
    if (rc == HS_OK && rename(tmp, path) != 0)
        rc = HS_EIO;
done:
    if (o.f != NULL)
        fclose(o.f);
    if (rc != HS_OK && tmp != NULL)
        remove(tmp);
    free(tmp);
    free(o.buf);
    return rc;
}
