/* The CPython versions heapscope supports: the one place that says so.
 * compat.h refuses to build outside this range, the attach tables
 * (src/attach/hs_layouts.c) carry a row for each version in it (a test
 * checks), and the extension exports it as SUPPORTED_VERSIONS, from which
 * attach's preflight and the docs' table derive.  A new version means:
 * raise HS_PY_MINOR_MAX, run scripts/gen-layouts.sh, review compat.h. */
#ifndef HS_VERSIONS_H
#define HS_VERSIONS_H

#define HS_PY_MAJOR 3
#define HS_PY_MINOR_MIN 9
#define HS_PY_MINOR_MAX 15

#endif
