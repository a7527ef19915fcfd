/*
 * JSON text of plain values (None, bool, int, float, str, list, tuple, dict
 * with str or int keys), in C: the attach agent answers with it (a target
 * may not have imported json, and Python code there queues for the GIL
 * behind every busy thread), and snapshot files store their answers with it.
 * Exact types only (subclasses of the containers and of str are refused),
 * so no Python code runs; NaN and infinities become null, as the agent's
 * readers expect.
 */
#ifndef HS_JSONW_H
#define HS_JSONW_H

#include "state.h"

/* heapscope._heapscope.json_dumps(value) -> str */
PyObject *hs_json_dumps(PyObject *module, PyObject *value);

#endif
