/* Census: counts and shallow bytes per type from one heap walk, held in C
 * memory (no Python object per type until asked), so a Census kept by the
 * caller adds nothing to the heap it measures. */
#ifndef HS_CENSUS_H
#define HS_CENSUS_H

#include "walk.h"

extern PyType_Spec hs_census_spec;

/* heapscope._heapscope.census(keep_addresses=False) */
PyObject *hs_census_take(PyObject *module, int keep_addresses, PyObject *own_args, PyObject *own_kwargs);
/* heapscope._heapscope.series(censuses) */
PyObject *hs_census_series(PyObject *module, PyObject *seq);
/* heapscope._heapscope.verdict(counts, sizes) */
PyObject *hs_census_verdict(PyObject *module, PyObject *args);
/* Is `addr` among the census' objects?  -1 when it kept no addresses. */
int hs_census_has_address(PyObject *census, uintptr_t addr);
#endif
