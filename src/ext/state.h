/*
 * The extension module's state (multi-phase init, PEP 489): heap types and
 * references it keeps.  get_heapscope_state() works from the module; types
 * defined with PyType_FromModuleAndSpec() reach it via PyType_GetModule().
 */
#ifndef HS_STATE_H
#define HS_STATE_H

#include "compat.h"

typedef struct {
    PyTypeObject *census_type;
    PyTypeObject *snapshot_type;
    PyObject *error;               /* heapscope._heapscope.HeapscopeError */
    PyObject *snapshot_error;      /* SnapshotError(HeapscopeError): a bad snapshot file */
    PyObject *gc_get_objects;      /* gc.get_objects, for versions without a C listing */
    PyObject *gc_get_freeze_count; /* gc.get_freeze_count: the permanent generation's size */
    PyObject *gc_module;           /* for pausing the collector on 3.9 */
} hs_state;

static inline hs_state *get_heapscope_state(PyObject *module) {
    return (hs_state *)PyModule_GetState(module);
}

/* tp_new of types only heapscope creates (census(), analyze()). */
static inline PyObject *hs_no_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    (void)args;
    (void)kwargs;
    PyErr_Format(PyExc_TypeError,
                 "cannot create '%.100s' instances; heapscope.census() and "
                 "heapscope.snapshot() make them",
                 type->tp_name);
    return NULL;
}

#endif
