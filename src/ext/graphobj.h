#ifndef HS_GRAPHOBJ_H
#define HS_GRAPHOBJ_H
#include "state.h"
extern PyType_Spec hs_snapshot_spec;
#define HS_GRAPH_METHODS
#endif
