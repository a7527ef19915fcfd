/*
 * hs_census: censuses joined into series, over integers and names.
 *
 * A census is a list of rows (type key, type name, count, bytes).  The series
 * of N censuses has one row per distinct (key, name), in the order the
 * censuses first show them, with its count and bytes in each census (0 where
 * absent).  A key is a type's address: a type that died and another that took
 * its address differ by name, so they are two rows.  The census diff is the
 * series of two censuses; the leak verdict (hs_verdict.c) reads each row.
 */
#ifndef HS_CORE_CENSUS_H
#define HS_CORE_CENSUS_H

#include "hs_core.h"

typedef struct {
    uintptr_t key;
    const char *name;
    int64_t count;
    int64_t size;
} hs_census_entry;

typedef struct {
    const hs_census_entry *rows;
    uint32_t nrows;
} hs_census_view;

typedef struct {
    uint32_t ntypes;
    uint32_t ncensus;
    const char **names; /* ntypes, borrowed from the views */
    int64_t *counts;    /* ntypes * ncensus: row t, census k at [t * ncensus + k] */
    int64_t *sizes;
} hs_series;

/* The series of n censuses; with changed_only, the rows whose count or bytes
 * differ somewhere.  0 or HS_ENOMEM. */
int hs_series_build(const hs_census_view *cs, uint32_t n, int changed_only, hs_series *out);
void hs_series_destroy(hs_series *s);

#endif
