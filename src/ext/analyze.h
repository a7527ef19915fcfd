/*
 * The object graph of the whole heap and what heapscope derives from it:
 * roots (what the collector cannot explain), shortest retention paths,
 * dominators and retained sizes, and leak stories (heap.h lists the files).
 *
 * heapscope._heapscope.analyze() walks the heap once, builds the graph in
 * the C core, answers the questions asked (why these objects are alive;
 * how the new objects of these types are held) while the objects are still
 * there to label the paths, and returns a Snapshot: the graph as plain
 * integers (no reference to any live object) plus those answers.
 */
#ifndef HS_ANALYZE_H
#define HS_ANALYZE_H

#include "state.h"

extern PyType_Spec hs_snapshot_spec;

PyObject *hs_analyze(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *hs_load_snapshot(PyObject *module, PyObject *arg);

#define HS_GRAPH_METHODS                                                                                     \
    {"analyze", (PyCFunction)(void (*)(void))hs_analyze, METH_VARARGS | METH_KEYWORDS,                       \
     "analyze(objects=(), types=(), baseline=None, max_stories=10, dominators=True, top=0,\n"                \
     "        tool_dir=None, traceback_fn=None, site_exclude=None, subjects=None, own=None) -> Snapshot"},   \
        {"load", hs_load_snapshot, METH_O, "load(path) -> (Snapshot, meta): read a snapshot file."},

#endif
