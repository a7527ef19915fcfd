#ifndef HS_INSTANCES_H
#define HS_INSTANCES_H

#include "state.h"

/* heapscope._heapscope.instances(type_names) -> [objects] */
PyObject *hs_instances(PyObject *module, PyObject *arg);

#endif
