/*
 * The attach agent's file I/O: tiny files in the target's /tmp (a request,
 * a claim marker, the answer), read and written with the GIL held.
 *
 * Python's os functions release the GIL around every system call.  In a
 * busy target each release puts the agent at the back of the GIL queue,
 * behind every thread (and behind a C call that holds the GIL for tens of
 * milliseconds): ten such calls made one attach take a second or more.
 * These calls take microseconds on a local file, so keeping the GIL is the
 * cheaper choice for the target too.  They are used only by the agent
 * (heapscope/attach/agent.py), never on user paths.
 */
#include "agentio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define HS_AGENT_MAX_READ (64 * 1024 * 1024)

static int hs__path_arg(PyObject *arg, PyObject **bytes) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "a path (str) is required");
        return -1;
    }
    *bytes = PyUnicode_EncodeFSDefault(arg);
    return *bytes == NULL ? -1 : 0;
}

/* _agent_claim(path) -> True if this call created the file, False if it existed. */
PyObject *hs_agent_claim(PyObject *module, PyObject *arg) {
    PyObject *path = NULL, *result = NULL;
    int fd;
    (void)module;
    if (hs__path_arg(arg, &path) < 0)
        return NULL;
    fd = open(PyBytes_AS_STRING(path), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        result = Py_NewRef(Py_True);
    } else if (errno == EEXIST)
        result = Py_NewRef(Py_False);
    else
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
    Py_DECREF(path);
    return result;
}

/* _agent_exists(path) -> bool */
PyObject *hs_agent_exists(PyObject *module, PyObject *arg) {
    PyObject *path = NULL;
    struct stat st;
    int ok;
    (void)module;
    if (hs__path_arg(arg, &path) < 0)
        return NULL;
    ok = stat(PyBytes_AS_STRING(path), &st) == 0;
    Py_DECREF(path);
    return PyBool_FromLong(ok);
}

/* _agent_read(path) -> bytes (the whole file) */
PyObject *hs_agent_read(PyObject *module, PyObject *arg) {
    PyObject *path = NULL, *result = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = -1;
    (void)module;
    if (hs__path_arg(arg, &path) < 0)
        return NULL;
    fd = open(PyBytes_AS_STRING(path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
        goto done;
    }
    for (;;) {
        ssize_t got;
        if (len == cap) {
            char *nb;
            cap = cap ? cap * 2 : 4096;
            if (cap > HS_AGENT_MAX_READ) {
                PyErr_SetString(PyExc_ValueError, "heapscope agent file too large");
                goto done;
            }
            nb = PyMem_RawRealloc(buf, cap);
            if (nb == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            buf = nb;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    result = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
done:
    if (fd >= 0)
        close(fd);
    PyMem_RawFree(buf);
    Py_DECREF(path);
    return result;
}

/* _agent_write(tmp, final, data): writes data to tmp (mode 0600), then
 * renames it to final, so a reader never sees half of it. */
PyObject *hs_agent_write(PyObject *module, PyObject *args) {
    PyObject *tmp_arg, *final_arg, *tmp = NULL, *final = NULL, *result = NULL;
    Py_buffer data = {0};
    int fd = -1;
    size_t off = 0;
    (void)module;
    if (!PyArg_ParseTuple(args, "UUy*:_agent_write", &tmp_arg, &final_arg, &data))
        return NULL;
    if (hs__path_arg(tmp_arg, &tmp) < 0 || hs__path_arg(final_arg, &final) < 0)
        goto done;
    fd = open(PyBytes_AS_STRING(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, tmp_arg);
        goto done;
    }
    while (off < (size_t)data.len) {
        ssize_t put = write(fd, (const char *)data.buf + off, (size_t)data.len - off);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0) {
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, tmp_arg);
            goto done;
        }
        off += (size_t)put;
    }
    if (close(fd) < 0) {
        fd = -1;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, tmp_arg);
        goto done;
    }
    fd = -1;
    if (rename(PyBytes_AS_STRING(tmp), PyBytes_AS_STRING(final)) < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, final_arg);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    if (fd >= 0)
        close(fd);
    PyBuffer_Release(&data);
    Py_XDECREF(tmp);
    Py_XDECREF(final);
    return result;
}
