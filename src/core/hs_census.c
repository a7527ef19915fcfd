#include "hs_census.h"

#include <stdlib.h>
#include <string.h>

#include "hs_addrmap.h"

void hs_series_destroy(hs_series *s) {
    free(s->names);
    free(s->counts);
    free(s->sizes);
    memset(s, 0, sizeof(*s));
}

/* Row of census c with `like`'s key and name, or NULL. */
static const hs_census_entry *hs__find(const hs_census_view *c, const hs_addrmap *idx,
                                       const hs_census_entry *like) {
    uint32_t slot;
    if (!hs_addrmap_get(idx, like->key, &slot))
        return NULL;
    return strcmp(c->rows[slot].name, like->name) == 0 ? &c->rows[slot] : NULL;
}

static int hs__grow(hs_series *s, size_t *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    const char **names = realloc(s->names, ncap * sizeof(char *));
    int64_t *counts, *sizes;
    if (names == NULL)
        return HS_ENOMEM;
    s->names = names;
    counts = realloc(s->counts, ncap * s->ncensus * sizeof(int64_t));
    if (counts == NULL)
        return HS_ENOMEM;
    s->counts = counts;
    sizes = realloc(s->sizes, ncap * s->ncensus * sizeof(int64_t));
    if (sizes == NULL)
        return HS_ENOMEM;
    s->sizes = sizes;
    *cap = ncap;
    return HS_OK;
}

int hs_series_build(const hs_census_view *cs, uint32_t n, int changed_only, hs_series *out) {
    hs_addrmap *idx = calloc((size_t)n + 1, sizeof(hs_addrmap));
    size_t cap = 0;
    uint32_t i, j, k;
    int rc = HS_ENOMEM;
    memset(out, 0, sizeof(*out));
    out->ncensus = n;
    if (idx == NULL)
        return HS_ENOMEM;
    for (i = 0; i < n; i++) {
        if (hs_addrmap_init(&idx[i], (size_t)cs[i].nrows + 1, 1) != HS_OK)
            goto done;
        for (j = 0; j < cs[i].nrows; j++)
            if (hs_addrmap_put(&idx[i], cs[i].rows[j].key, j, NULL) < 0)
                goto done;
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < cs[i].nrows; j++) {
            const hs_census_entry *row = &cs[i].rows[j];
            int64_t *cnt, *sz;
            int changed = 0, earlier = 0;
            /* a row is reported from the first census that has it */
            for (k = 0; k < i && !earlier; k++)
                earlier = hs__find(&cs[k], &idx[k], row) != NULL;
            if (earlier)
                continue;
            if (out->ntypes == cap && hs__grow(out, &cap) != HS_OK)
                goto done;
            cnt = &out->counts[(size_t)out->ntypes * n];
            sz = &out->sizes[(size_t)out->ntypes * n];
            for (k = 0; k < n; k++) {
                const hs_census_entry *r = hs__find(&cs[k], &idx[k], row);
                cnt[k] = r ? r->count : 0;
                sz[k] = r ? r->size : 0;
                changed |= cnt[k] != row->count || sz[k] != row->size;
            }
            if (changed_only && !changed)
                continue;
            out->names[out->ntypes++] = row->name;
        }
    rc = HS_OK;
done:
    for (i = 0; i < n; i++)
        hs_addrmap_destroy(&idx[i]);
    free(idx);
    if (rc != HS_OK)
        hs_series_destroy(out);
    return rc;
}
