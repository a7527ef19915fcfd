/* Prints one row of src/attach/layouts.c for the CPython whose internal
 * headers it is compiled against (scripts/gen-layouts.sh).  Dev tool only. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x030d0000
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_tstate.h"
#else
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#endif

#define O(type, field) ((unsigned long)offsetof(type, field))

int main(void) {
  printf("    {%d, %d, ", PY_MAJOR_VERSION, PY_MINOR_VERSION);
  printf("%lu, %lu, %lu, %lu, ", O(_PyRuntimeState, initialized), O(_PyRuntimeState, _finalizing),
         O(_PyRuntimeState, main_thread), O(_PyRuntimeState, interpreters.main));
#if PY_VERSION_HEX >= 0x030c0000
  printf("0, %lu, ", O(PyInterpreterState, ceval.gil));
#else
  printf("1, %lu, ", O(_PyRuntimeState, ceval.gil));
#endif
  printf("%lu, %lu, %lu, ", (unsigned long)sizeof(struct _gil_runtime_state),
         O(struct _gil_runtime_state, locked), O(struct _gil_runtime_state, last_holder));
#if PY_VERSION_HEX >= 0x030d0000
  printf("1, %lu, 1, ", O(_PyRuntimeState, ceval.pending_mainthread.mutex));
#elif PY_VERSION_HEX >= 0x030c0000
  printf("1, %lu, 0, ", O(_PyRuntimeState, ceval.pending_mainthread.lock));
#else
  printf("0, %lu, 0, ", O(PyInterpreterState, ceval.pending.lock));
#endif
#if PY_VERSION_HEX >= 0x030b0000
  printf("%lu, ", O(PyInterpreterState, threads.head));
#else
  printf("%lu, ", O(PyInterpreterState, tstate_head));
#endif
  printf("%lu, %lu, %lu, ", O(PyThreadState, next), O(PyThreadState, interp), O(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030b0000
  printf("%lu},\n", O(PyThreadState, native_thread_id));
#else
  printf("0},\n"); /* no native_thread_id before 3.11 */
#endif
  return 0;
}
