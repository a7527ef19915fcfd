/* The snapshot file's label sections (LABELKINDS, LABELNAMES, LABELSTRS):
 * reading them, every byte treated as hostile (see hs_snapfile.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_le.h"
#include "hs_snapfile.h"
#include "hs_varint.h"

static int hs__lfail(char *err, size_t errlen, int code, const char *fmt, ...) {
    va_list ap;
    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* The three label sections, all present or none: every kind known, one name
 * per named kind, every string index in range, every string UTF-8. */
int hs_snap_read_labels(const uint8_t *const *sec_ptr, const uint64_t *sec_len, const uint32_t *sec_count,
                        uint32_t n, uint32_t version, hs_snapdata *out, char *err, size_t errlen) {
    const uint8_t *kinds = sec_ptr[HS_SEC_LABELKINDS], *names = sec_ptr[HS_SEC_LABELNAMES];
    const uint8_t *strs = sec_ptr[HS_SEC_LABELSTRS], *p, *end;
    const uint8_t *np = names, *nend = names + sec_len[HS_SEC_LABELNAMES];
    uint32_t nstr, nnamed = sec_count[HS_SEC_LABELNAMES], k, j = 0, named = 0;
    if (kinds == NULL || names == NULL || strs == NULL)
        return hs__lfail(err, errlen, HS_EFORMAT, "the label sections come together: one is missing");
    if (sec_len[HS_SEC_LABELKINDS] != n || sec_count[HS_SEC_LABELKINDS] != n ||
        (version == 1 ? sec_len[HS_SEC_LABELNAMES] != (uint64_t)nnamed * 4
                      : sec_len[HS_SEC_LABELNAMES] < nnamed))
        return hs__lfail(err, errlen, HS_EFORMAT, "label section sizes do not agree with the objects");
    nstr = sec_count[HS_SEC_LABELSTRS];
    if (nstr > sec_len[HS_SEC_LABELSTRS] ||
        (sec_len[HS_SEC_LABELSTRS] > 0 && strs[sec_len[HS_SEC_LABELSTRS] - 1]))
        return hs__lfail(err, errlen, HS_EFORMAT, "section LABELSTRS is not NUL-terminated strings");
    for (k = 0; k < n; k++) {
        if (kinds[k] >= HS_NLBL)
            return hs__lfail(err, errlen, HS_EFORMAT, "section LABELKINDS: an unknown label kind");
        named += hs_label_has_name(kinds[k]) != 0;
    }
    if (named != nnamed)
        return hs__lfail(err, errlen, HS_EFORMAT, "section LABELNAMES: not one name per named label");
    out->label_kind = malloc((size_t)n + 1);
    out->label_name = malloc(((size_t)n + 1) * sizeof(uint32_t));
    out->label_strs = calloc((size_t)nstr + 1, sizeof(char *));
    if (out->label_kind == NULL || out->label_name == NULL || out->label_strs == NULL)
        return HS_ENOMEM;
    memcpy(out->label_kind, kinds, n);
    for (k = 0; k < n; k++) {
        uint32_t name = HS_NONE;
        if (hs_label_has_name(kinds[k])) {
            uint64_t v = 0;
            if (version == 1)
                v = hs_le_get32(names + (size_t)(j++) * 4);
            else if (hs_varint_get(&np, nend, &v) != 0 || v > UINT32_MAX)
                return hs__lfail(err, errlen, HS_EFORMAT, "section LABELNAMES: a bad number");
            name = (uint32_t)v;
            if (kinds[k] != HS_LBL_INDEX && name >= nstr)
                return hs__lfail(err, errlen, HS_EFORMAT, "section LABELNAMES: a string index out of range");
        }
        out->label_name[k] = name;
    }
    if (version >= 2 && np != nend)
        return hs__lfail(err, errlen, HS_EFORMAT, "section LABELNAMES has trailing bytes");
    p = strs;
    end = strs + sec_len[HS_SEC_LABELSTRS];
    for (k = 0; k < nstr; k++) {
        const uint8_t *s = p;
        while (p < end && *p)
            p++;
        if (p >= end || !hs_utf8_valid(s, (size_t)(p - s)))
            return hs__lfail(err, errlen, HS_EFORMAT,
                             "section LABELSTRS: a string is not UTF-8 (corrupt file)");
        out->label_strs[k] = malloc((size_t)(p - s) + 1);
        if (out->label_strs[k] == NULL)
            return HS_ENOMEM;
        memcpy(out->label_strs[k], s, (size_t)(p - s) + 1);
        out->nlabel_strs = k + 1;
        p++;
    }
    if (p != end)
        return hs__lfail(err, errlen, HS_EFORMAT, "section LABELSTRS has trailing bytes");
    return HS_OK;
}
