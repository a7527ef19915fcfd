/*
 * The raw-pointer window.
 *
 * From the moment a walk lists the objects to the last dereference of a
 * raw PyObject pointer in its arrays, no Python code may run, the GIL must
 * not be released and the cyclic collector stays paused (hs_gc_pause):
 * another thread, or the program's own signal handler run from the eval
 * breaker, could otherwise free what the arrays still point at.  Inside
 * the window, call only C code that neither executes bytecode nor checks
 * for signals.  Known traps, each of which has bitten or could bite:
 *
 *   - repr() or str() of an int: the decimal conversion calls
 *     PyErr_CheckSignals() once per digit, which runs Python signal
 *     handlers, whose eval loop may hand the GIL to another thread;
 *   - attribute or dict lookups whose key comparison may call a Python
 *     __eq__ or __hash__ (scan with PyDict_Next and compare exact str keys);
 *   - tracemalloc lookups (3.13's tables lock is a PyMutex, which parks and
 *     detaches the thread state when contended, releasing the GIL);
 *   - calling anything that may be a Python callable, a getset descriptor
 *     that delegates to another object, a mapping's methods;
 *   - a Py_DECREF that may free a heap object (its __del__, weakref
 *     callbacks);
 *   - Py_BEGIN_ALLOW_THREADS, PyErr_CheckSignals(), I/O.
 *
 * Allocating Python objects is allowed (the collector is paused, and an
 * allocation does not run the eval breaker), but never one per heap object.
 * What must be asked of an object after the window (tracemalloc sites,
 * whether a file is closed) is asked of objects on which the window took a
 * strong reference, or before the window opens.
 *
 * hs_window_open() is exported as _heapscope._window_open() so that tests
 * can check, from other threads and from signal handlers, that nobody ever
 * sees the window open: anyone who can run while it is open is a bug.
 */
#ifndef HS_WINDOW_H
#define HS_WINDOW_H

extern int hs_window_depth;

static inline void hs_window_enter(void) {
    hs_window_depth++;
}
static inline void hs_window_leave(void) {
    hs_window_depth--;
}
static inline int hs_window_open(void) {
    return hs_window_depth > 0;
}

#endif
