#ifndef HS_AGENTIO_H
#define HS_AGENTIO_H

#include "state.h"

PyObject *hs_agent_claim(PyObject *module, PyObject *arg);
PyObject *hs_agent_exists(PyObject *module, PyObject *arg);
PyObject *hs_agent_read(PyObject *module, PyObject *arg);
PyObject *hs_agent_write(PyObject *module, PyObject *args);

#define HS_AGENTIO_METHODS                                                                                   \
    {"_agent_claim", hs_agent_claim, METH_O, "_agent_claim(path) -> created? (the attach agent's)"},         \
        {"_agent_exists", hs_agent_exists, METH_O, "_agent_exists(path) -> bool (the attach agent's)"},      \
        {"_agent_read", hs_agent_read, METH_O, "_agent_read(path) -> bytes (the attach agent's)"},           \
        {"_agent_write", hs_agent_write, METH_VARARGS,                                                       \
         "_agent_write(tmp, final, data): write, then rename (the attach agent's)"},

#endif
