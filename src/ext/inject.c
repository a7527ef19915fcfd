/* heapscope._heapscope._inject: runs the injector with the GIL released. */
#define PY_SSIZE_T_CLEAN
#include "inject.h"

#include "../attach/hs_inject.h"
#include "../attach/hs_remote.h"

static PyObject *result_dict(const hs_inject_result *res) {
    static const char *methods[] = {"auto", "pending", "gilensure", "remote"};
    const char *method = res->method >= 0 && res->method <= 3 ? methods[res->method] : "?";
    return Py_BuildValue(
        "{sisssisdsdslsKsKsKsisiss#ss#}", "err", res->err, "method", method, "tid", res->tid, "stopped_ms",
        res->stopped_ms, "total_ms", res->total_ms, "call_result", res->call_result, "scratch",
        (unsigned long long)res->scratch, "scratch_len", (unsigned long long)res->scratch_len, "code_offset",
        (unsigned long long)res->code_offset, "keep_code", res->keep_code, "in_flight", res->in_flight,
        "state", res->state, (Py_ssize_t)strlen(res->state), "msg", res->msg, (Py_ssize_t)strlen(res->msg));
}

static int get_address(PyObject *symbols, const char *name, uint64_t *out) {
    PyObject *key = PyUnicode_FromString(name);
    PyObject *value = NULL;
    int rc = -1;
    if (key == NULL)
        goto done;
    value = PyObject_GetItem(symbols, key);
    if (value == NULL)
        goto done;
    *out = (uint64_t)PyLong_AsUnsignedLongLong(value);
    if (PyErr_Occurred())
        goto done;
    rc = 0;
done:
    Py_XDECREF(value);
    Py_XDECREF(key);
    return rc;
}

PyObject *hs_mod_inject(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"pid",    "major",      "minor",  "symbols", "code",
                             "method", "timeout_ms", "die_at", "no_wait", NULL};
    hs_inject_request req = {0};
    hs_inject_result res;
    PyObject *symbols = NULL;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "iiiOy|iiii:_inject", kwlist, &req.pid, &req.major,
                                     &req.minor, &symbols, &req.code, &req.method, &req.timeout_ms,
                                     &req.die_at, &req.no_wait))
        return NULL;
    if (get_address(symbols, "_PyRuntime", &req.runtime) < 0 ||
        get_address(symbols, "Py_AddPendingCall", &req.add_pending) < 0 ||
        get_address(symbols, "PyRun_SimpleString", &req.run_string) < 0 ||
        get_address(symbols, "PyGILState_Ensure", &req.gil_ensure) < 0 ||
        get_address(symbols, "PyGILState_Release", &req.gil_release) < 0 ||
        get_address(symbols, "__errno_location", &req.errno_fn) < 0 ||
        get_address(symbols, "syscall", &req.syscall_insn) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS hs_inject(&req, &res);
    Py_END_ALLOW_THREADS return result_dict(&res);
}

PyObject *hs_mod_inject_cleanup(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"pid", "tid", "syscall_insn", "scratch", "length", "die_at", NULL};
    int pid = 0, tid = 0, die_at = 0;
    unsigned long long insn = 0, scratch = 0, length = 0;
    hs_inject_result res;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "iiKKK|i:_inject_cleanup", kwlist, &pid, &tid, &insn,
                                     &scratch, &length, &die_at))
        return NULL;
    Py_BEGIN_ALLOW_THREADS hs_inject_cleanup(pid, tid, insn, scratch, (size_t)length, die_at, &res);
    Py_END_ALLOW_THREADS return result_dict(&res);
}

PyObject *hs_mod_inject_layout(PyObject *module, PyObject *args) {
    int major = 0, minor = 0;
    const hs_layout *L;
    (void)module;
    if (!PyArg_ParseTuple(args, "ii:_inject_layout", &major, &minor))
        return NULL;
    L = hs_layout_find(major, minor);
    if (L == NULL)
        Py_RETURN_NONE;
    return Py_BuildValue(
        "(KKKKiKKKKiKiKKKKK)", (unsigned long long)L->rt_initialized, (unsigned long long)L->rt_finalizing,
        (unsigned long long)L->rt_main_thread, (unsigned long long)L->rt_interp_main, L->gil_in_runtime,
        (unsigned long long)L->gil, (unsigned long long)L->gil_size, (unsigned long long)L->gil_locked,
        (unsigned long long)L->gil_last_holder, L->pending_in_runtime, (unsigned long long)L->pending_lock,
        L->pending_is_mutex, (unsigned long long)L->interp_threads_head, (unsigned long long)L->ts_next,
        (unsigned long long)L->ts_interp, (unsigned long long)L->ts_thread_id,
        (unsigned long long)L->ts_native_thread_id);
}

PyObject *hs_mod_remote(PyObject *module, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"pid",    "major",      "minor",  "runtime", "script",
                             "action", "timeout_ms", "die_at", NULL};
    hs_remote_request req = {0};
    hs_inject_result res;
    unsigned long long runtime = 0;
    (void)module;
    req.timeout_ms = 5000;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "iiiKsi|ii:_remote", kwlist, &req.pid, &req.major,
                                     &req.minor, &runtime, &req.script, &req.action, &req.timeout_ms,
                                     &req.die_at))
        return NULL;
    req.runtime = (uint64_t)runtime;
    Py_BEGIN_ALLOW_THREADS hs_remote(&req, &res);
    Py_END_ALLOW_THREADS return result_dict(&res);
}

PyObject *hs_mod_remote_layout(PyObject *module, PyObject *args) {
    int major = 0, minor = 0;
    const hs_dbgoff *D;
    (void)module;
    if (!PyArg_ParseTuple(args, "ii:_remote_layout", &major, &minor))
        return NULL;
    D = hs_dbgoff_find(major, minor);
    return PyBool_FromLong(D != NULL && D->remote_support != 0);
}
