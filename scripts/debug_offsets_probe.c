/* Prints one row of the _Py_DebugOffsets table in src/attach/hs_layouts.c:
 * where, inside the _Py_DebugOffsets structure at the start of _PyRuntime,
 * each field the attach paths read sits (3.13+; scripts/gen-layouts.sh).
 * The values themselves are read from the target at attach time.
 * Dev tool only. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include "internal/pycore_debug_offsets.h"

#define D(field) ((unsigned long)offsetof(_Py_DebugOffsets, field))

int main(void) {
  printf("    {%d, %d, %lu, ", PY_MAJOR_VERSION, PY_MINOR_VERSION, (unsigned long)sizeof(_Py_DebugOffsets));
  printf("%lu, %lu, %lu, %lu, ", D(runtime_state.finalizing), D(runtime_state.interpreters_head),
         D(interpreter_state.threads_head), D(interpreter_state.threads_main));
  printf("%lu, %lu, %lu, %lu, ", D(thread_state.next), D(thread_state.interp), D(thread_state.thread_id),
         D(thread_state.native_thread_id));
#if PY_VERSION_HEX >= 0x030e0000
  printf("%lu, %lu, %lu, %lu, %lu, %lu},\n", D(debugger_support.eval_breaker),
         D(debugger_support.remote_debugger_support), D(debugger_support.remote_debugging_enabled),
         D(debugger_support.debugger_pending_call), D(debugger_support.debugger_script_path),
         D(debugger_support.debugger_script_path_size));
#else
  printf("0, 0, 0, 0, 0, 0},\n"); /* no remote-debugger support before 3.14 */
#endif
  return 0;
}
