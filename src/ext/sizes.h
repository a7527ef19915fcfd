/*
 * Shallow size of an object, as sys.getsizeof() reports it, without ever
 * running Python code (it is called for every object inside the
 * raw-pointer window, see window.h).
 *
 * - str, int, dict, list, set, frozenset, bytearray, tuple, bytes, type and
 *   code objects (and their subclasses): from the layout, exactly as their
 *   C __sizeof__ computes it.
 * - A type whose own __sizeof__ is a C method of a static type or of a
 *   standard-library C module or NumPy (array.array, numpy.ndarray,
 *   collections.deque, io buffers, frames, generators, ...): that method is
 *   called, so buffers the object owns count (an array of a million floats
 *   is 8 MB, not 80 B).  hs_type_sizeof() finds it once per type.  Other
 *   extensions' heap types (a Cython `def __sizeof__` compiles to a C method
 *   that may call Python) keep the layout rule.
 * - Anything else, including a class whose __sizeof__ is Python code:
 *   tp_basicsize (plus items for var-sized objects), never its __sizeof__.
 * Every size includes the pre-header (GC links, managed dict pointers).
 */
#ifndef HS_SIZES_H
#define HS_SIZES_H

#include "compat.h"

/* The C __sizeof__ to call for objects of `tp`, or NULL for the layout rules. */
PyCFunction hs_type_sizeof(PyTypeObject *tp);
/* The size of op, given what hs_type_sizeof() said of its type. */
Py_ssize_t hs_object_size_by(PyObject *op, PyCFunction c_sizeof);
/* The same, looking the type up (one object: the object_size() API). */
Py_ssize_t hs_object_size(PyObject *op);

#endif
