/*
 * Edge labels: how `parent` holds `child`, in the words a Python developer
 * uses (.attr, ['key'], [3], .__closure__, local 'x').  Computed only for
 * the paths a report shows, while the objects are alive and the collector
 * is paused.  Never calls repr/hash/eq of user objects: dict keys are shown
 * by value only for str, int, float, bytes, bool and None.
 */
#ifndef HS_LABELS_H
#define HS_LABELS_H

#include "compat.h"

typedef enum {
    HS_L_NONE = 0, /* not known how */
    HS_L_ATTR,     /* .name: attribute, slot, module global, class attribute */
    HS_L_OWNDICT,  /* the parent's own __dict__ (merged with the next hop) */
    HS_L_VALUE,    /* dict value under a key */
    HS_L_KEY,      /* dict key */
    HS_L_INDEX,    /* list / tuple item */
    HS_L_MEMBER,   /* set member */
    HS_L_LOCAL,    /* local variable of a frame or suspended generator */
    HS_L_SPECIAL,  /* __closure__, __self__, __traceback__, ... */
} hs_label_kind;

typedef struct {
    hs_label_kind kind;
    PyObject *exact;   /* str, e.g. "['user:17']"; NULL for HS_L_NONE */
    PyObject *general; /* str with keys and indexes generalised, e.g. "[<str>]" */
    PyObject *name;    /* the bare name: HS_L_ATTR, HS_L_SPECIAL, HS_L_LOCAL, HS_L_VALUE with a str key */
} hs_label;

/* Fills *out (all references new); 0, or -1 with an exception set. */
int hs_label_edge(PyObject *parent, PyObject *child, hs_label *out);
void hs_label_clear(hs_label *l);

/* A short description of an object for reports: "<ClassA at 0x...>". */
PyObject *hs_describe(PyObject *obj);

#endif
