/*
 * hs_type_ids: every node's type id, in 2 bytes a node while the ids fit
 * (a heap rarely has 65,536 types), in 4 otherwise.
 *
 * Exactly one of narrow and wide holds the ids (neither, for no nodes).
 * Whoever allocated the array frees it: the glue's walk (which widens the
 * array when its 65,536th type appears) or the file reader (which picks the
 * width from the file's type count).  A walk of 10M objects keeps 20 MB of
 * type ids instead of 40.
 */
#ifndef HS_CORE_TYPEIDS_H
#define HS_CORE_TYPEIDS_H

#include "hs_core.h"

#define HS_TYPE_IDS_NARROW 65536u /* type counts up to this fit in 2 bytes */

typedef struct hs_type_ids {
    uint16_t *narrow;
    uint32_t *wide;
} hs_type_ids;

static inline uint32_t hs_type_ids_get(const hs_type_ids *t, uint32_t v) {
    return t->narrow != NULL ? t->narrow[v] : t->wide[v];
}

/* Stores an id the array's width holds (below HS_TYPE_IDS_NARROW when narrow). */
static inline void hs_type_ids_set(hs_type_ids *t, uint32_t v, uint32_t id) {
    if (t->narrow != NULL)
        t->narrow[v] = (uint16_t)id;
    else
        t->wide[v] = id;
}

/* The array itself, for freeing by its owner. */
static inline void *hs_type_ids_array(const hs_type_ids *t) {
    return t->narrow != NULL ? (void *)t->narrow : (void *)t->wide;
}

#endif
