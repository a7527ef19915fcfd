/* Exports of a Snapshot (export.c): DevTools heap snapshots and columns. */
#ifndef HS_EXPORT_GLUE_H
#define HS_EXPORT_GLUE_H

#include "../core/hs_snapfile.h"
#include "heap.h"

/* A core view of the snapshot's arrays (borrowed; no metadata, results or names). */
void hs_snapshot_view(const hs_snapshot_object *s, hs_snapdata *d);
PyObject *hs_snapshot_export_heapsnapshot(PyObject *self, PyObject *arg);
PyObject *hs_snapshot_columns(PyObject *self, PyObject *Py_UNUSED(ignored));

#endif
