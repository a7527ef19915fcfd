#include "errors.h"

#include <errno.h>
#include <string.h>

#include "../attach/hs_inject.h"
#include "../attach/hs_remote.h"
#include "../core/hs_core.h"

PyObject *hs_raise(hs_state *st, int code, int saved_errno, const char *context) {
    const char *what = context ? context : "heapscope";
    PyObject *heapscope_error = st ? st->error : PyExc_RuntimeError;
    PyObject *snapshot_error = st ? st->snapshot_error : PyExc_RuntimeError;
    switch (code) {
    case HS_ENOMEM:
        return PyErr_NoMemory();
    case HS_EINVAL:
        return PyErr_Format(PyExc_ValueError, "%s: %s", what, hs_strerror(code));
    case HS_ETOOBIG:
        return PyErr_Format(heapscope_error,
                            "%s: %s (heapscope indexes objects and references with 32 bits: at most "
                            "4294967294 of each)",
                            what, hs_strerror(code));
    case HS_EFORMAT:
    case HS_EVERSION:
    case HS_ETRUNC:
    case HS_ECHECKSUM:
        return PyErr_Format(snapshot_error, "%s: %s", what, hs_strerror(code));
    case HS_EIO:
        if (saved_errno != 0) {
            errno = saved_errno;
            return PyErr_SetFromErrnoWithFilename(PyExc_OSError, what);
        }
        return PyErr_Format(PyExc_OSError, "%s: %s", what, hs_strerror(code));
    case HS_ECALLBACK:
        if (PyErr_Occurred())
            return NULL; /* the callback set it */
        return PyErr_Format(heapscope_error, "%s: %s", what, hs_strerror(code));
    default:
        return PyErr_Format(heapscope_error, "%s: %s (code %d)", what, hs_strerror(code), code);
    }
}

int hs_errors_add_constants(PyObject *module) {
    static const struct {
        const char *name;
        int value;
    } codes[] = {
        {"ERR_NOMEM", HS_ENOMEM},
        {"ERR_INVAL", HS_EINVAL},
        {"ERR_TOOBIG", HS_ETOOBIG},
        {"ERR_FORMAT", HS_EFORMAT},
        {"ERR_VERSION", HS_EVERSION},
        {"ERR_IO", HS_EIO},
        {"ERR_TRUNC", HS_ETRUNC},
        {"ERR_CHECKSUM", HS_ECHECKSUM},
        {"ERR_CALLBACK", HS_ECALLBACK},
        {"INJECT_OK", HS_INJ_OK},
        {"INJECT_GONE", HS_INJ_GONE},
        {"INJECT_PERM", HS_INJ_PERM},
        {"INJECT_LAYOUT", HS_INJ_LAYOUT},
        {"INJECT_NOTREADY", HS_INJ_NOTREADY},
        {"INJECT_TIMEOUT", HS_INJ_TIMEOUT},
        {"INJECT_TRACED", HS_INJ_TRACED},
        {"INJECT_STOPPED", HS_INJ_STOPPED},
        {"INJECT_FAILED", HS_INJ_FAILED},
        {"INJECT_UNSUPPORTED", HS_INJ_UNSUPPORTED},
        {"INJECT_NOT_PARKED", HS_INJ_NOT_PARKED},
        {"INJECT_DISABLED", HS_INJ_DISABLED},
        {"INJECT_BUSY", HS_INJ_BUSY},
        {"REMOTE_ARM_MAIN", HS_REMOTE_ARM_MAIN},
        {"REMOTE_ARM_ALL", HS_REMOTE_ARM_ALL},
        {"REMOTE_DISARM", HS_REMOTE_DISARM},
        {"REMOTE_PROBE", HS_REMOTE_PROBE},
    };
    size_t i;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (PyModule_AddIntConstant(module, codes[i].name, codes[i].value) < 0)
            return -1;
    if (PyModule_AddStringConstant(module, "INJECT_HELPER_NAME", HS_HELPER_NAME) < 0)
        return -1;
    return 0;
}
