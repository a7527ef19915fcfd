/*
 * Shallow size of an object as sys.getsizeof() reports it for built-in
 * types, computed from the object's layout without calling __sizeof__
 * (which may be Python code).  A class that overrides __sizeof__ is
 * measured by its layout instead.
 */
#ifndef HS_SIZES_H
#define HS_SIZES_H

#include "compat.h"

Py_ssize_t hs_object_size(PyObject *op);

#endif
