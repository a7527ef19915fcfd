/*
 * Error codes as exceptions, in one place.  The core returns negative HS_E*
 * codes (src/core/hs_core.h) and the injector positive HS_INJ_* codes
 * (src/attach/hs_inject.h); both are exported as module constants (ERR_*,
 * INJECT_*) that the Python package uses instead of literals, and a test
 * checks the two agree.
 */
#ifndef HS_ERRORS_H
#define HS_ERRORS_H

#include "state.h"

/* Sets the exception for core code `code` and returns NULL.  `st` may be
 * NULL (then HeapscopeError and SnapshotError fall back to RuntimeError);
 * `saved_errno` is errno as the failing call left it (for HS_EIO);
 * `context` says what was being done ("writing /tmp/x.hsnap"). */
PyObject *hs_raise(hs_state *st, int code, int saved_errno, const char *context);

/* Adds ERR_* and INJECT_* constants to the module; 0 or -1. */
int hs_errors_add_constants(PyObject *module);

#endif
