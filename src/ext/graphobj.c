#include "graphobj.h"
typedef struct { PyObject_HEAD } hs_snapshot_object;
static PyType_Slot snapshot_slots[] = {{0, NULL}};
PyType_Spec hs_snapshot_spec = {
    .name = "heapscope._heapscope.Snapshot",
    .basicsize = sizeof(hs_snapshot_object),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = snapshot_slots,
};
