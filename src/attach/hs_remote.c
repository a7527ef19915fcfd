/* The PEP 768 attach path (hs_remote.h). */
#include "hs_remote.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hs_pmem.h"

#define HS_PLEASE_STOP_BIT (1u << 5) /* _PY_EVAL_PLEASE_STOP_BIT */
#define HS_MAX_THREADS 4096

/* ---- holding every thread for the writes -------------------------------- */

typedef struct {
    int tid[HS_MAX_THREADS];
    int sig[HS_MAX_THREADS]; /* a signal caught in its delivery stop: passed on at release */
    int n;
} hs_held;

static int held_has(const hs_held *h, int tid) {
    for (int i = 0; i < h->n; i++) {
        if (h->tid[i] == tid) {
            return 1;
        }
    }
    return 0;
}

static void release_all(hs_held *h) {
    for (int i = 0; i < h->n; i++) {
        ptrace(PTRACE_DETACH, h->tid[i], 0, (void *)(long)h->sig[i]);
    }
    h->n = 0;
}

/* Waits for tid's first stop after PTRACE_INTERRUPT.  1: stopped (sig set
 * to a signal to pass on), 0: gone, -1: deadline. */
static int wait_held(int tid, int *sig, double deadline) {
    int status = 0, w = hs_wait_stopped(tid, &status, deadline);
    /* An interrupt or group stop passes nothing on; a signal-delivery stop
     * holds a signal the thread must still get. */
    if (w == 1) {
        *sig = (status >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status);
    }
    return w;
}

/* Seizes every thread of pid, then interrupts them all, then waits for each
 * to stop (so that the first is not held while the last is being seized),
 * again until no new one shows up.  0, or an HS_INJ_* error with everything
 * released. */
static int hold_all(int pid, hs_held *h, double deadline, hs_inject_result *res) {
    static int fresh[HS_MAX_THREADS];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    for (int round = 0; round < 8; round++) {
        DIR *d = opendir(path);
        int nfresh = 0, err = 0;
        if (d == NULL) {
            release_all(h);
            return hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", pid);
        }
        struct dirent *e;
        while (err == 0 && (e = readdir(d)) != NULL) {
            int tid = atoi(e->d_name);
            int known = tid <= 0 || held_has(h, tid);
            for (int i = 0; !known && i < nfresh; i++) {
                known = fresh[i] == tid;
            }
            if (known) {
                continue;
            }
            if (h->n + nfresh == HS_MAX_THREADS) {
                err = -1;
                break;
            }
            if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0) {
                if (errno != ESRCH) { /* ESRCH: the thread ended */
                    err = errno;
                }
                continue;
            }
            fresh[nfresh++] = tid;
        }
        closedir(d);
        if (err != 0) {
            for (int i = 0; i < nfresh; i++) {
                ptrace(PTRACE_DETACH, fresh[i], 0, 0);
            }
            release_all(h);
            if (err == -1) {
                return hs_fail(res, HS_INJ_UNSUPPORTED, "process %d has more than %d threads", pid,
                               HS_MAX_THREADS);
            }
            if (err == EPERM) {
                return hs_fail(res, HS_INJ_PERM,
                               "ptrace of process %d was refused (EPERM): run heapscope as the same user "
                               "or as root (kernel.yama.ptrace_scope; in Docker: --cap-add=SYS_PTRACE)",
                               pid);
            }
            return hs_fail(res, HS_INJ_PERM, "ptrace of process %d failed: %s", pid, strerror(err));
        }
        if (nfresh == 0) {
            return 0;
        }
        for (int i = 0; i < nfresh; i++) {
            ptrace(PTRACE_INTERRUPT, fresh[i], 0, 0);
        }
        int late = 0;
        for (int i = 0; i < nfresh; i++) {
            int sig = 0, w = wait_held(fresh[i], &sig, deadline);
            if (w == 1) {
                h->tid[h->n] = fresh[i];
                h->sig[h->n] = sig;
                h->n++;
            } else if (w == 0) {
                continue; /* it ended */
            } else {
                /* Not stopped by the deadline (uninterruptible sleep): a seized
                 * thread can be let go only once it stops, or by its tracer's
                 * exit: this runs in hs_outlive's helper, which exits next. */
                late = 1;
            }
        }
        if (late) {
            release_all(h);
            return hs_fail(res, HS_INJ_TIMEOUT,
                           "a thread of process %d did not stop for ptrace (uninterruptible sleep, "
                           "state D?); it resumes untouched",
                           pid);
        }
    }
    release_all(h);
    return hs_fail(res, HS_INJ_TIMEOUT, "process %d kept starting threads; try again", pid);
}

/* ---- the interpreter's structures --------------------------------------- */

typedef struct {
    const hs_dbgoff *D;
    uint64_t v[HS_DBGOFF_WORDS]; /* the target's _Py_DebugOffsets */
    uint64_t interp;
} hs_interp;

static uint64_t off(const hs_interp *in, uint64_t pos) {
    return in->v[pos / 8];
}

static int read_interp(const hs_remote_request *req, hs_interp *in, hs_inject_result *res) {
    int pid = req->pid;
    in->D = hs_dbgoff_find(req->major, req->minor);
    if (in->D == NULL || in->D->remote_support == 0 || in->D->size > sizeof in->v) {
        return hs_fail(res, HS_INJ_UNSUPPORTED, "Python %d.%d has no remote-debugging interface", req->major,
                       req->minor);
    }
    if (hs_peek(pid, req->runtime, in->v, in->D->size) != 0) {
        return hs_mem_error(res, pid, "_Py_DebugOffsets");
    }
    uint64_t version = in->v[1];
    if (memcmp(in->v, "xdebugpy", 8) != 0 || ((version >> 24) & 0xff) != (uint64_t)req->major ||
        ((version >> 16) & 0xff) != (uint64_t)req->minor || in->v[2] != 0) {
        return hs_fail(res, HS_INJ_LAYOUT,
                       "process %d's _Py_DebugOffsets are not those of a Python %d.%d release build with the "
                       "GIL: attach refuses rather than guess",
                       pid, req->major, req->minor);
    }
    uint64_t path_size = off(in, in->D->script_path_size);
    if (path_size < 64 || path_size > 65536 || strlen(req->script) + 1 > path_size) {
        return hs_fail(res, HS_INJ_LAYOUT,
                       "process %d: the remote-debugger script path (%llu bytes) does not fit", pid,
                       (unsigned long long)path_size);
    }
    uint64_t finalizing = 1;
    if (hs_peek64(pid, req->runtime + off(in, in->D->rt_finalizing), &finalizing) != 0 ||
        hs_peek64(pid, req->runtime + off(in, in->D->rt_interpreters_head), &in->interp) != 0) {
        return hs_mem_error(res, pid, "_PyRuntime");
    }
    if (finalizing != 0 || in->interp == 0) {
        return hs_fail(res, HS_INJ_NOTREADY, "process %d's interpreter is %s: try again once it runs", pid,
                       finalizing != 0 ? "shutting down" : "not initialized yet");
    }
    int32_t enabled = 0;
    if (hs_peek(pid, in->interp + off(in, in->D->remote_enabled), &enabled, sizeof enabled) != 0) {
        return hs_mem_error(res, pid, "the interpreter's configuration");
    }
    if (enabled != 1) {
        return hs_fail(res, HS_INJ_DISABLED,
                       "process %d runs with remote debugging disabled (PYTHON_DISABLE_REMOTE_DEBUG or "
                       "-X disable-remote-debug)",
                       pid);
    }
    return 0;
}

/* The thread states to act on: the main one, or all. */
static int thread_states(const hs_remote_request *req, const hs_interp *in, uint64_t *ts, int max, int *n,
                         hs_inject_result *res) {
    int pid = req->pid;
    *n = 0;
    if (req->action == HS_REMOTE_ARM_MAIN) {
        uint64_t main_ts = 0;
        if (hs_peek64(pid, in->interp + off(in, in->D->interp_threads_main), &main_ts) != 0) {
            return hs_mem_error(res, pid, "the main thread state");
        }
        if (main_ts == 0) {
            return hs_fail(res, HS_INJ_UNSUPPORTED,
                           "process %d's main thread has no Python thread state (an embedded interpreter?)",
                           pid);
        }
        ts[(*n)++] = main_ts;
        return 0;
    }
    uint64_t t = 0;
    if (hs_peek64(pid, in->interp + off(in, in->D->interp_threads_head), &t) != 0) {
        return hs_mem_error(res, pid, "the interpreter's thread list");
    }
    while (t != 0 && *n < max) {
        uint64_t back = 0;
        if (hs_peek64(pid, t + off(in, in->D->ts_interp), &back) != 0 || back != in->interp) {
            return hs_fail(res, HS_INJ_LAYOUT,
                           "process %d: a thread state does not point back to its interpreter", pid);
        }
        ts[(*n)++] = t;
        if (hs_peek64(pid, t + off(in, in->D->ts_next), &t) != 0) {
            return hs_mem_error(res, pid, "a thread state");
        }
    }
    return 0;
}

/* One thread state: arm it, disarm it, or report whether it is pending.
 * 1 when it counted, 0 when not, -1 on a memory error. */
static int act(const hs_remote_request *req, const hs_interp *in, uint64_t ts, hs_inject_result *res) {
    int pid = req->pid;
    uint64_t support = ts + off(in, in->D->remote_support);
    uint64_t pending_at = support + off(in, in->D->pending_call);
    uint64_t path_at = support + off(in, in->D->script_path);
    uint64_t breaker_at = ts + off(in, in->D->eval_breaker);
    size_t len = strlen(req->script) + 1;
    int32_t pending = 0;
    char path[4096];
    size_t cmp = len < sizeof path ? len : sizeof path;
    if (hs_peek(pid, pending_at, &pending, sizeof pending) != 0 || hs_peek(pid, path_at, path, cmp) != 0) {
        return hs_mem_error(res, pid, "a thread's remote-debugger fields"), -1;
    }
    int ours = memcmp(path, req->script, cmp) == 0;
    if (req->action == HS_REMOTE_PROBE) { /* `script` is a prefix here */
        return pending != 0 && memcmp(path, req->script, cmp - 1) == 0;
    }
    if (req->action == HS_REMOTE_DISARM) {
        if (pending == 0 || !ours) {
            return 0;
        }
        int32_t zero = 0;
        return hs_poke(pid, pending_at, &zero, sizeof zero) == 0
                   ? 1
                   : (hs_mem_error(res, pid, "a thread state"), -1);
    }
    if (pending != 0) {
        if (ours) {
            return 0; /* armed already */
        }
        return hs_fail(res, HS_INJ_BUSY,
                       "another debugger's script is pending in process %d (sys.remote_exec?); try again",
                       pid),
               -1;
    }
    int32_t one = 1;
    uint64_t breaker = 0;
    if (hs_poke(pid, path_at, req->script, len) != 0 || hs_poke(pid, pending_at, &one, sizeof one) != 0 ||
        hs_peek64(pid, breaker_at, &breaker) != 0) {
        return hs_mem_error(res, pid, "a thread's remote-debugger fields"), -1;
    }
    breaker |= HS_PLEASE_STOP_BIT;
    if (hs_poke(pid, breaker_at, &breaker, sizeof breaker) != 0) {
        return hs_mem_error(res, pid, "a thread's eval breaker"), -1;
    }
    return 1;
}

/* What the main thread is doing, in res->state: the GIL (through the
 * injector's layout row) and the system call it waits in (/proc). */
static void describe_main(const hs_remote_request *req, const hs_interp *in, hs_inject_result *res) {
    const hs_layout *L = hs_layout_find(req->major, req->minor);
    uint64_t main_ts = 0, gil = 0, holder = 0, native = 0;
    int32_t locked = 0;
    int pid = req->pid;
    if (L == NULL || hs_peek64(pid, in->interp + off(in, in->D->interp_threads_main), &main_ts) != 0) {
        return;
    }
    if (L->gil_in_runtime) {
        gil = req->runtime + L->gil;
    } else if (hs_peek64(pid, in->interp + L->gil, &gil) != 0) {
        return;
    }
    int holds = hs_peek(pid, gil + L->gil_locked, &locked, sizeof locked) == 0 &&
                hs_peek64(pid, gil + L->gil_last_holder, &holder) == 0 && locked != 0 && holder == main_ts;
    char path[96], buf[64] = "";
    int tid = pid;
    if (hs_peek64(pid, main_ts + off(in, in->D->ts_native_thread_id), &native) == 0) {
        int t = hs_translate_tid(pid, (long)native);
        tid = t > 0 ? t : pid;
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, tid);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(buf, sizeof buf, f) == NULL) {
            buf[0] = '\0';
        }
        fclose(f);
    }
    char *end = NULL;
    long nr = strtol(buf, &end, 10);
    const char *gil_text =
        holds ? "holding the GIL (Python code, or a C call that keeps it)" : "without the GIL";
    if (end != buf && nr >= 0) {
        const char *name = hs_syscall_name(nr);
        char num[32];
        if (name == NULL) {
            snprintf(num, sizeof num, "system call %ld", nr);
            name = num;
        }
        snprintf(res->state, sizeof res->state, "blocked in %s, %s", name, gil_text);
    } else {
        snprintf(res->state, sizeof res->state, "running, %s", gil_text);
    }
}

typedef struct {
    const hs_remote_request *req;
    hs_interp in;
    double t0, deadline;
} hs_remote_job;

/* Holds the threads if the action writes the eval breaker, acts on every
 * thread state, lets them go. */
static int remote_act(void *ctx, hs_inject_result *res) {
    static uint64_t ts[HS_MAX_THREADS];
    static hs_held held;
    const hs_remote_job *job = ctx;
    const hs_remote_request *req = job->req;
    hs_interp in = job->in;
    double deadline = job->deadline;
    res->method = 3;
    res->tid = req->pid;
    /* Arming writes the eval breaker: every thread is held for it.  Reading
     * and clearing the pending flag need no hold (the interpreter itself
     * only clears it). */
    int hold = req->action == HS_REMOTE_ARM_MAIN || req->action == HS_REMOTE_ARM_ALL;
    held.n = 0;
    double stop0 = hs_now_ms();
    if (hold && hold_all(req->pid, &held, deadline, res) != 0) {
        return res->err;
    }
    int n = 0, count = 0;
    if (hold && req->die_at == 1) {
        hs_kill_caller(); /* test hook: heapscope killed with the threads held */
    }
    if (thread_states(req, &in, ts, HS_MAX_THREADS, &n, res) == 0) {
        for (int i = 0; i < n; i++) {
            int r = act(req, &in, ts[i], res);
            if (r < 0) {
                break;
            }
            count += r;
        }
    }
    if (hold && req->die_at == 2) {
        hs_kill_caller();
    }
    if (hold) {
        release_all(&held);
        res->stopped_ms = hs_now_ms() - stop0;
    }
    res->call_result = count;
    if (res->err == 0 && req->action == HS_REMOTE_PROBE) {
        describe_main(req, &in, res);
    }
    res->total_ms = hs_now_ms() - job->t0;
    return res->err;
}

int hs_remote(const hs_remote_request *req, hs_inject_result *res) {
    hs_remote_job job;
    memset(res, 0, sizeof *res);
    memset(&job, 0, sizeof job);
    job.req = req;
    job.t0 = hs_now_ms();
    job.deadline = job.t0 + (req->timeout_ms > 0 ? req->timeout_ms : 5000);
    res->method = 3;
    res->tid = req->pid;
    if (read_interp(req, &job.in, res) != 0) {
        return res->err;
    }
    if (req->action == HS_REMOTE_ARM_MAIN || req->action == HS_REMOTE_ARM_ALL) {
        /* The threads are held: a helper does it, and lets them go even if
           this process is killed in the middle. */
        return hs_outlive(remote_act, &job, res);
    }
    return remote_act(&job, res);
}
