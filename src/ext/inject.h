/* Glue for the attach injector (src/attach): argument conversion only. */
#ifndef HS_EXT_INJECT_H
#define HS_EXT_INJECT_H

#include <Python.h>

PyObject *hs_mod_inject(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *hs_mod_inject_cleanup(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *hs_mod_inject_layout(PyObject *module, PyObject *args);
PyObject *hs_mod_remote(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *hs_mod_remote_layout(PyObject *module, PyObject *args);

#define HS_INJECT_METHODS                                                                                    \
    {"_inject", (PyCFunction)(void (*)(void))hs_mod_inject, METH_VARARGS | METH_KEYWORDS,                    \
     "_inject(pid, major, minor, symbols, code, method=0, timeout_ms=30000, die_at=0) -> dict"},             \
        {"_inject_cleanup", (PyCFunction)(void (*)(void))hs_mod_inject_cleanup,                              \
         METH_VARARGS | METH_KEYWORDS,                                                                       \
         "_inject_cleanup(pid, tid, syscall_insn, scratch, length, die_at=0) -> dict"},                      \
        {"_inject_layout", hs_mod_inject_layout, METH_VARARGS,                                               \
         "_inject_layout(major, minor) -> the injector's offsets for that version, or None"},                \
        {"_remote", (PyCFunction)(void (*)(void))hs_mod_remote, METH_VARARGS | METH_KEYWORDS,                \
         "_remote(pid, major, minor, runtime, script, action, timeout_ms=5000) -> dict (PEP 768 path)"},     \
        {"_remote_layout", hs_mod_remote_layout, METH_VARARGS,                                               \
         "_remote_layout(major, minor) -> does that version have the remote-debugging interface"},

#endif
