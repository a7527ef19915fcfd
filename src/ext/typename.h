/* The name heapscope shows for a type: module.QualName for classes defined
 * in Python (builtins left out), tp_name for static C types.  Read from the
 * type's own fields and dict: no descriptor or __getattr__ runs. */
#ifndef HS_TYPENAME_H
#define HS_TYPENAME_H

#include "compat.h"

/* A PyMem_RawMalloc'ed, NUL-terminated name; NULL with MemoryError set. */
char *hs_type_name(PyTypeObject *tp);

#endif
