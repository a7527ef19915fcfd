/* The ptrace injector (design: shared/design/ATTACH.md, sections 1 and 6).
 *
 * Only the main thread is ever stopped, and only for the few ptrace calls
 * that map a scratch area, copy the trampoline in and point the thread at
 * it.  The trampoline then runs untraced and restores the thread by itself,
 * so killing this process at any later point leaves the target running. */
#include "hs_inject.h"
#include "hs_pmem.h"
#include "hs_remote.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/user.h>

#include "hs_tramp.h"

extern const unsigned char hs_tramp_start[];
extern const unsigned char hs_tramp_end[];

#define PAGE 4096u
#define XSAVE_PAGES 4u /* 16 KiB: room for AVX-512 and AMX state */
#define STACK_SIZE (256u * 1024u)
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

typedef struct {
    const hs_layout *L;
    uint64_t runtime, interp, main_ts, gil;
    uint64_t main_thread; /* pthread_t of the main thread: its fs base */
    int tid;
} hs_rt;

typedef struct {
    int sigs[64];
    int n;
} hs_sigs;

/* 3.13+: the target's own _Py_DebugOffsets must agree with the layout row. */
static int check_debug_offsets(int pid, const hs_layout *L, uint64_t runtime, hs_inject_result *res) {
    const hs_dbgoff *D = hs_dbgoff_find(L->major, L->minor);
    uint64_t d[HS_DBGOFF_WORDS];
    if (D == NULL || D->size > sizeof d) {
        return hs_fail(res, HS_INJ_LAYOUT, "heapscope has no _Py_DebugOffsets table for %d.%d", L->major,
                       L->minor);
    }
    if (hs_peek(pid, runtime, d, D->size) != 0) {
        return hs_mem_error(res, pid, "_Py_DebugOffsets");
    }
    uint64_t want[][2] = {
        {D->rt_finalizing, L->rt_finalizing},
        {D->interp_threads_head, L->interp_threads_head},
        {D->ts_next, L->ts_next},
        {D->ts_interp, L->ts_interp},
        {D->ts_thread_id, L->ts_thread_id},
        {D->ts_native_thread_id, L->ts_native_thread_id},
    };
    int ok = memcmp(d, "xdebugpy", 8) == 0 && ((d[1] >> 24) & 0xff) == (uint64_t)L->major &&
             ((d[1] >> 16) & 0xff) == (uint64_t)L->minor && d[2] == 0;
    for (size_t i = 0; ok && i < sizeof want / sizeof want[0]; i++) {
        ok = d[want[i][0] / 8] == want[i][1];
    }
    if (!ok) {
        return hs_fail(res, HS_INJ_LAYOUT,
                       "process %d's _Py_DebugOffsets do not match heapscope's table for %d.%d "
                       "(a debug, free-threaded or patched build?): attach refuses rather than guess",
                       pid, L->major, L->minor);
    }
    return 0;
}

/* Reads the runtime: main interpreter, the main thread's tstate and tid. */
static int inspect_runtime(int pid, hs_rt *rt, hs_inject_result *res) {
    const hs_layout *L = rt->L;
    int32_t initialized = 0;
    uint64_t finalizing = 1;
    if (hs_dbgoff_find(L->major, L->minor) != NULL && check_debug_offsets(pid, L, rt->runtime, res) != 0) {
        return res->err;
    }
    if (hs_peek(pid, rt->runtime + L->rt_initialized, &initialized, sizeof initialized) != 0 ||
        hs_peek64(pid, rt->runtime + L->rt_finalizing, &finalizing) != 0 ||
        hs_peek64(pid, rt->runtime + L->rt_main_thread, &rt->main_thread) != 0 ||
        hs_peek64(pid, rt->runtime + L->rt_interp_main, &rt->interp) != 0) {
        return hs_mem_error(res, pid, "_PyRuntime");
    }
    if (initialized != 1 || finalizing != 0) {
        return hs_fail(res, HS_INJ_NOTREADY, "process %d's interpreter is %s: try again once it runs", pid,
                       initialized != 1 ? "not initialized yet (or shutting down)" : "shutting down");
    }
    if (rt->interp == 0) {
        return hs_fail(res, HS_INJ_LAYOUT, "process %d has no main interpreter at the expected place", pid);
    }
    uint64_t ts = 0;
    if (hs_peek64(pid, rt->interp + L->interp_threads_head, &ts) != 0) {
        return hs_mem_error(res, pid, "the interpreter's thread list");
    }
    rt->main_ts = 0;
    for (int i = 0; ts != 0 && i < 100000; i++) {
        uint64_t tid = 0, back = 0, next = 0;
        if (hs_peek64(pid, ts + L->ts_thread_id, &tid) != 0 ||
            hs_peek64(pid, ts + L->ts_interp, &back) != 0 || hs_peek64(pid, ts + L->ts_next, &next) != 0) {
            return hs_mem_error(res, pid, "a thread state");
        }
        if (back != rt->interp) {
            return hs_fail(res, HS_INJ_LAYOUT,
                           "process %d: a thread state does not point back to its interpreter; "
                           "the %d.%d layout does not match this build",
                           pid, L->major, L->minor);
        }
        if (tid == rt->main_thread) {
            rt->main_ts = ts;
            break;
        }
        ts = next;
    }
    if (rt->main_ts == 0) {
        return hs_fail(res, HS_INJ_UNSUPPORTED,
                       "process %d's main thread has no Python thread state (an embedded interpreter?): "
                       "attach needs Python running in the main thread",
                       pid);
    }
    rt->tid = pid;
    if (L->ts_native_thread_id != 0) {
        uint64_t native = 0;
        if (hs_peek64(pid, rt->main_ts + L->ts_native_thread_id, &native) != 0) {
            return hs_mem_error(res, pid, "the main thread's id");
        }
        int t = hs_translate_tid(pid, (long)native);
        if (t <= 0) {
            return hs_fail(res, HS_INJ_LAYOUT,
                           "process %d: its main thread id %llu is not one of its threads", pid,
                           (unsigned long long)native);
        }
        rt->tid = t;
    }
    if (L->gil_in_runtime) {
        rt->gil = rt->runtime + L->gil;
    } else if (hs_peek64(pid, rt->interp + L->gil, &rt->gil) != 0 || rt->gil == 0) {
        return hs_mem_error(res, pid, "the GIL");
    }
    return 0;
}

static int pending_lock_free(int pid, const hs_rt *rt, int *is_free) {
    const hs_layout *L = rt->L;
    uint64_t base = (L->pending_in_runtime ? rt->runtime : rt->interp) + L->pending_lock;
    if (L->pending_is_mutex) {
        uint8_t bits = 0;
        if (hs_peek(pid, base, &bits, 1) != 0) {
            return -1;
        }
        *is_free = (bits & 1) == 0;
        return 0;
    }
    uint64_t sem = 0;
    uint32_t value = 0;
    if (hs_peek64(pid, base, &sem) != 0 || sem == 0 || hs_peek(pid, sem, &value, sizeof value) != 0) {
        return -1;
    }
    *is_free = value > 0; /* glibc's sem_t: the count is the low word */
    return 0;
}

static void note_signal(hs_sigs *s, int sig) {
    for (int i = 0; i < s->n; i++) {
        if (s->sigs[i] == sig && sig < SIGRTMIN) {
            return;
        }
    }
    if (s->n < 64) {
        s->sigs[s->n++] = sig;
    }
}

/* PTRACE_SEIZE + PTRACE_INTERRUPT; returns once the thread is in its interrupt stop. */
static int seize_stop(int pid, int tid, hs_sigs *sigs, double deadline, hs_inject_result *res) {
    if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) != 0) {
        if (errno == ESRCH) {
            return hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", pid);
        }
        if (errno == EPERM) {
            return hs_fail(
                res, HS_INJ_PERM,
                "ptrace of process %d was refused (EPERM): run heapscope as the same user or as root "
                "(kernel.yama.ptrace_scope; in Docker: --cap-add=SYS_PTRACE)",
                pid);
        }
        return hs_fail(res, HS_INJ_PERM, "ptrace of process %d failed: %s", pid, strerror(errno));
    }
    if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0) {
        ptrace(PTRACE_DETACH, tid, 0, 0);
        return hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", pid);
    }
    for (int round = 0; round < 1000; round++) {
        int status = 0;
        int w = hs_wait_stopped(tid, &status, deadline + 2000.0);
        if (w == 0) {
            return hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", pid);
        }
        if (w < 0) {
            return hs_fail(
                res, HS_INJ_TIMEOUT,
                "process %d's main thread did not stop for ptrace (uninterruptible sleep, state D?)", pid);
        }
        int event = status >> 16, sig = WSTOPSIG(status);
        if (event == PTRACE_EVENT_STOP) {
            if (sig == SIGTRAP) {
                return 0;
            }
            /* A group stop: someone stopped the process (job control). */
            ptrace(PTRACE_DETACH, tid, 0, 0);
            return hs_fail(res, HS_INJ_STOPPED,
                           "process %d was stopped (job control): resume it with `kill -CONT %d`", pid, pid);
        }
        /* A signal arrived first: hold it back, deliver it when done. */
        note_signal(sigs, sig);
        ptrace(PTRACE_CONT, tid, 0, 0);
        ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    }
    ptrace(PTRACE_DETACH, tid, 0, 0);
    return hs_fail(res, HS_INJ_TIMEOUT, "process %d's main thread kept receiving signals; try again", pid);
}

/* Makes the stopped thread execute one system call at `insn`, then puts its
 * registers back as they were.  It runs under PTRACE_SYSCALL, not single
 * stepping: a tracer that dies leaves the trap flag set (the kernel clears it
 * only on PTRACE_DETACH) and the target would die of SIGTRAP, while the
 * syscall-trace flag is cleared on any detach. */
static int remote_syscall(int tid, const struct user_regs_struct *base, uint64_t insn, long nr, uint64_t a1,
                          uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, long *ret,
                          hs_sigs *sigs, double deadline, int die) {
    struct user_regs_struct r = *base;
    r.rip = insn;
    r.rax = (uint64_t)nr;
    r.orig_rax = (uint64_t)-1;
    r.rdi = a1;
    r.rsi = a2;
    r.rdx = a3;
    r.r10 = a4;
    r.r8 = a5;
    r.r9 = a6;
    if (ptrace(PTRACE_SETREGS, tid, 0, &r) != 0) {
        return -1;
    }
    int rc = -1, entered = 0;
    for (int round = 0; round < 100; round++) {
        if (ptrace(PTRACE_SYSCALL, tid, 0, 0) != 0) {
            break;
        }
        int status = 0;
        int w = hs_wait_stopped(tid, &status, deadline + 2000.0);
        if (w <= 0) {
            return w == 0 ? -2 : -1;
        }
        int event = status >> 16, sig = WSTOPSIG(status);
        if (event == 0 && sig == (SIGTRAP | 0x80)) {
            struct user_regs_struct after;
            if (ptrace(PTRACE_GETREGS, tid, 0, &after) != 0) {
                break;
            }
            if (!entered) {
                if ((long)after.orig_rax != nr || after.rip != insn + 2) {
                    break; /* not our call: cannot happen */
                }
                entered = 1;
                if (die == 1) {
                    hs_kill_caller(); /* test hook: heapscope killed as the call enters */
                }
                continue;
            }
            if (die == 2) {
                hs_kill_caller(); /* test hook: and as it returns */
            }
            *ret = (long)after.rax;
            rc = 0;
            break;
        }
        if (event == 0) {
            note_signal(sigs, sig); /* delivered later; the resume drops it */
        }
    }
    if (ptrace(PTRACE_SETREGS, tid, 0, base) != 0) {
        return -1;
    }
    return rc;
}

/* Test hooks.  die_at = step: heapscope is SIGKILLed there (the helper that
 * does the ptrace work goes on); 10 + step: the helper itself is. */
static void die_if(int die_at, int step) {
    if (die_at == step) {
        hs_kill_caller();
    } else if (die_at == 10 + step) {
        kill(getpid(), SIGKILL);
    }
}

/* The calls a thread parks in, without the GIL, outside the interpreter's
 * own locks: only there may PyGILState_Ensure run in it.  Anything else
 * (an unknown call, a call inside the GIL hand-off) gets a pending call. */
static int blocking_call(long nr) {
    switch (nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_pread64:
    case SYS_write:
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
    case SYS_futex:
    case SYS_restart_syscall:
    case SYS_wait4:
    case SYS_waitid:
    case SYS_accept:
    case SYS_accept4:
    case SYS_connect:
    case SYS_pause:
    case SYS_rt_sigtimedwait:
    case SYS_rt_sigsuspend:
        return 1;
    default:
        return 0;
    }
}

static size_t xsave_size(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b == 0) {
        return 4096;
    }
    return b;
}

typedef struct {
    const hs_inject_request *req;
    hs_rt rt;
    double t0, deadline;
} hs_injection;

typedef struct {
    int pid, tid;
    uint64_t syscall_insn, scratch;
    size_t len;
    int die_at;
} hs_unmapping;

static int inject_traced(void *ctx, hs_inject_result *res);
static int cleanup_traced(void *ctx, hs_inject_result *res);

int hs_inject(const hs_inject_request *req, hs_inject_result *res) {
    memset(res, 0, sizeof *res);
    hs_injection job = {req, {0}, 0, 0};
    hs_rt rt = {0};
    rt.L = hs_layout_find(req->major, req->minor);
    rt.runtime = req->runtime;
    if (rt.L == NULL) {
        return hs_fail(res, HS_INJ_UNSUPPORTED, "heapscope has no layout for Python %d.%d", req->major,
                       req->minor);
    }
    if (xsave_size() > XSAVE_PAGES * PAGE - 64) {
        return hs_fail(res, HS_INJ_UNSUPPORTED,
                       "this CPU's vector state is larger than heapscope provides for");
    }
    double t0 = hs_now_ms();
    double deadline = t0 + (req->timeout_ms > 0 ? req->timeout_ms : 30000);
    if (inspect_runtime(req->pid, &rt, res) != 0) {
        return res->err;
    }
    res->tid = rt.tid;
    job.rt = rt;
    job.t0 = t0;
    job.deadline = deadline;
    /* Everything from here on stops the main thread or changes its
       registers: a helper process does it, and finishes it even if this
       process is killed (SIGKILL included) in the middle. */
    return hs_outlive(inject_traced, &job, res);
}

static int inject_traced(void *ctx, hs_inject_result *res) {
    const hs_injection *job = ctx;
    const hs_inject_request *req = job->req;
    hs_rt rt = job->rt;
    double t0 = job->t0, deadline = job->deadline;
    hs_sigs sigs = {{0}, 0};
    res->tid = rt.tid;

    sigset_t block, saved;
    sigemptyset(&block);
    int blocked[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP};
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
        sigaddset(&block, blocked[i]);
    }
    sigprocmask(SIG_BLOCK, &block, &saved);

    struct user_regs_struct orig;
    int method = 0;
    double stop0 = 0;
    for (;;) {
        if (seize_stop(req->pid, rt.tid, &sigs, deadline, res) != 0) {
            goto out;
        }
        stop0 = hs_now_ms();
        die_if(req->die_at, 1);
        if (ptrace(PTRACE_GETREGS, rt.tid, 0, &orig) != 0) {
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
            hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", req->pid);
            goto out;
        }
        if (orig.fs_base != rt.main_thread) {
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
            hs_fail(res, HS_INJ_LAYOUT,
                    "process %d: thread %d is not the interpreter's main thread (fs base differs); "
                    "the %d.%d layout does not match this build",
                    req->pid, rt.tid, req->major, req->minor);
            goto out;
        }
        int32_t locked = 0;
        uint64_t holder = 0;
        int lock_free = 0;
        if (hs_peek(req->pid, rt.gil + rt.L->gil_locked, &locked, sizeof locked) != 0 ||
            hs_peek64(req->pid, rt.gil + rt.L->gil_last_holder, &holder) != 0 ||
            pending_lock_free(req->pid, &rt, &lock_free) != 0) {
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
            hs_mem_error(res, req->pid, "the GIL state");
            goto out;
        }
        long err = (long)orig.rax;
        int in_sys = (long)orig.orig_rax >= 0 &&
                     (err == -ERESTARTSYS || err == -ERESTARTNOINTR || err == -ERESTARTNOHAND ||
                      err == -ERESTART_RESTARTBLOCK || err == -EINTR);
        long nr = (long)orig.orig_rax;
        /* A restarted call (restart_syscall) keeps the original arguments in its
           registers: a futex address still says whether it waits for the GIL. */
        int on_gil = in_sys && (nr == SYS_futex || nr == SYS_restart_syscall) && orig.rdi >= rt.gil &&
                     orig.rdi < rt.gil + rt.L->gil_size;
        int parkable = in_sys && !on_gil && blocking_call(nr);
        int holds_gil = locked != 0 && holder == rt.main_ts;
        if (on_gil) {
            snprintf(res->state, sizeof res->state, "waiting for the GIL");
        } else if (in_sys) {
            const char *name = hs_syscall_name((long)orig.orig_rax);
            char num[32];
            if (name == NULL) {
                snprintf(num, sizeof num, "system call %ld", (long)orig.orig_rax);
                name = num;
            }
            snprintf(res->state, sizeof res->state, "blocked in %s%s", name,
                     holds_gil ? " while holding the GIL (a C call that does not release it)" : "");
        } else {
            snprintf(res->state, sizeof res->state, "%s",
                     holds_gil ? "running with the GIL (Python code, or a C call that keeps it)"
                               : "running without the GIL");
        }
        method = req->method;
        if (method == HS_METHOD_AUTO) {
            method = parkable && !holds_gil ? HS_METHOD_GILENSURE : HS_METHOD_PENDING;
        }
        if (method == HS_METHOD_GILENSURE && (!parkable || holds_gil)) {
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
            hs_fail(res, HS_INJ_NOT_PARKED,
                    "process %d's main thread is %s: only a pending call is safe there", req->pid,
                    res->state);
            goto out;
        }
        if (method == HS_METHOD_GILENSURE || lock_free) {
            break;
        }
        /* The main thread holds the pending-calls lock: come back shortly. */
        ptrace(PTRACE_DETACH, rt.tid, 0, 0);
        res->stopped_ms += hs_now_ms() - stop0;
        if (hs_now_ms() > deadline) {
            hs_fail(res, HS_INJ_TIMEOUT, "process %d's pending-call queue stayed locked", req->pid);
            goto out;
        }
        hs_nap_us(2000);
    }
    res->method = method;

    size_t code_len = strlen(req->code) + 1;
    size_t str_off = (2u + XSAVE_PAGES) * PAGE + STACK_SIZE;
    size_t total = str_off + ((code_len + PAGE - 1) / PAGE) * PAGE;
    long addr = 0;
    int rc = remote_syscall(rt.tid, &orig, req->syscall_insn, SYS_mmap, 0, total, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0, &addr, &sigs, deadline,
                            req->die_at == 5   ? 1
                            : req->die_at == 6 ? 2
                                               : 0);
    if (rc != 0 || addr < 0 || (unsigned long)addr > -4096UL) {
        if (rc != -2) {
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
        }
        hs_fail(res, rc == -2 ? HS_INJ_GONE : HS_INJ_FAILED,
                "could not map scratch memory in process %d (%s)", req->pid,
                rc == -2   ? "it exited"
                : addr < 0 ? strerror((int)-addr)
                           : "ptrace step failed");
        goto out;
    }
    uint64_t base = (uint64_t)addr;
    res->scratch = base;
    res->scratch_len = total;
    res->code_offset = str_off;
    die_if(req->die_at, 2);

    /* The control block: where to go back, with the kernel's restart rule applied. */
    unsigned char ctl[PAGE];
    memset(ctl, 0, sizeof ctl);
    struct user_regs_struct back = orig;
    if ((long)orig.orig_rax >= 0) {
        long e = (long)orig.rax;
        if (e == -ERESTARTSYS || e == -ERESTARTNOINTR || e == -ERESTARTNOHAND) {
            back.rax = orig.orig_rax;
            back.rip -= 2;
        } else if (e == -ERESTART_RESTARTBLOCK) {
            back.rax = SYS_restart_syscall;
            back.rip -= 2;
        }
    }
    uint64_t code_addr = base + str_off;
    uint64_t v;
#define PUT(off, val) (v = (uint64_t)(val), memcpy(ctl + (off), &v, 8))
    PUT(HS_CTL_ERRNO_FN, req->errno_fn);
    PUT(HS_CTL_XSAVE, base + 2 * PAGE);
    if (method == HS_METHOD_PENDING) {
        PUT(HS_CTL_NCALLS, 1);
        PUT(HS_CTL_CALLS + 0, req->add_pending);
        PUT(HS_CTL_CALLS + 8, req->run_string);
        PUT(HS_CTL_CALLS + 16, code_addr);
    } else {
        PUT(HS_CTL_NCALLS, 3);
        PUT(HS_CTL_CALLS + 0, req->gil_ensure);
        PUT(HS_CTL_CALLS + HS_CALL_SIZE, req->run_string);
        PUT(HS_CTL_CALLS + HS_CALL_SIZE + 8, code_addr);
        PUT(HS_CTL_CALLS + 2 * HS_CALL_SIZE, req->gil_release);
        PUT(HS_CTL_CALLS + 2 * HS_CALL_SIZE + 24, HS_CALL_A0_FROM_R0);
    }
    const uint64_t regs[] = {back.r15, back.r14, back.r13, back.r12, back.rbp,    back.rbx,
                             back.r11, back.r10, back.r9,  back.r8,  back.rax,    back.rcx,
                             back.rdx, back.rsi, back.rdi, back.rip, back.eflags, back.rsp};
    memcpy(ctl + HS_CTL_REGS, regs, sizeof regs);
#undef PUT
    size_t tramp_len = (size_t)(hs_tramp_end - hs_tramp_start);
    int wrote = hs_poke(req->pid, base, ctl, PAGE) == 0 &&
                hs_poke(req->pid, base + PAGE, hs_tramp_start, tramp_len) == 0 &&
                hs_poke(req->pid, code_addr, req->code, code_len) == 0;
    long mp = -1;
    if (wrote) {
        rc = remote_syscall(rt.tid, &orig, req->syscall_insn, SYS_mprotect, base + PAGE, PAGE,
                            PROT_READ | PROT_EXEC, 0, 0, 0, &mp, &sigs, deadline, 0);
    }
    if (!wrote || rc != 0 || mp != 0) {
        long un = 0;
        if (rc != -2) {
            remote_syscall(rt.tid, &orig, req->syscall_insn, SYS_munmap, base, total, 0, 0, 0, 0, &un, &sigs,
                           deadline, 0);
            ptrace(PTRACE_DETACH, rt.tid, 0, 0);
        }
        res->scratch = 0;
        hs_fail(res, rc == -2 ? HS_INJ_GONE : HS_INJ_FAILED, "could not write the trampoline into process %d",
                req->pid);
        goto out;
    }
    die_if(req->die_at, 3);

    struct user_regs_struct go = orig;
    go.rip = base + PAGE;
    go.rsp = base + str_off - 64; /* top of the private stack, 16-byte aligned */
    go.orig_rax = (uint64_t)-1;
    if (ptrace(PTRACE_SETREGS, rt.tid, 0, &go) != 0) {
        ptrace(PTRACE_DETACH, rt.tid, 0, 0);
        hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", req->pid);
        goto out;
    }
    ptrace(PTRACE_DETACH, rt.tid, 0, 0);
    res->stopped_ms += hs_now_ms() - stop0;
    sigprocmask(SIG_SETMASK, &saved, NULL);
    die_if(req->die_at, 4);

    if (req->no_wait && method == HS_METHOD_GILENSURE) {
        /* The trampoline runs the whole request; the caller waits for its
           answer instead, and unmaps the scratch once it is done. */
        for (int i = 0; i < sigs.n; i++) {
            syscall(SYS_tgkill, req->pid, rt.tid, sigs.sigs[i]);
        }
        res->in_flight = 1;
        res->total_ms = hs_now_ms() - t0;
        return 0;
    }

    /* The trampoline runs on its own; wait for its done flag. */
    uint64_t done = 0;
    while (done == 0) {
        if (hs_peek64(req->pid, base + HS_CTL_DONE, &done) != 0) {
            for (int i = 0; i < sigs.n; i++) {
                syscall(SYS_tgkill, req->pid, rt.tid, sigs.sigs[i]);
            }
            return hs_fail(res, HS_INJ_GONE, "process %d exited while the injected call ran", req->pid);
        }
        if (done) {
            break;
        }
        if (hs_now_ms() > deadline) {
            for (int i = 0; i < sigs.n; i++) {
                syscall(SYS_tgkill, req->pid, rt.tid, sigs.sigs[i]);
            }
            res->keep_code = 1;
            return hs_fail(res, HS_INJ_TIMEOUT,
                           "process %d's main thread has not come back from the injected call yet", req->pid);
        }
        hs_nap_us(done ? 0 : 100);
    }
    uint64_t results[HS_MAX_CALLS];
    if (hs_peek(req->pid, base + HS_CTL_RESULT, results, sizeof results) == 0) {
        res->call_result = (long)(int32_t)results[method == HS_METHOD_PENDING ? 0 : 1];
    }
    res->total_ms = hs_now_ms() - t0;
    for (int i = 0; i < sigs.n; i++) {
        syscall(SYS_tgkill, req->pid, rt.tid, sigs.sigs[i]);
    }
    res->keep_code = method == HS_METHOD_PENDING && res->call_result == 0;
    if (res->keep_code) {
        /* The call is queued: only its code string is read from now on.  The
           rest (control block, trampoline, stack: all but a page or two) goes
           now, so that a heapscope killed before the answer leaves only the
           string behind.  What is left: res->scratch, from the string on. */
        hs_unmapping head = {req->pid, rt.tid, req->syscall_insn, base, str_off, req->die_at};
        hs_inject_result unmapped;
        memset(&unmapped, 0, sizeof unmapped);
        if (cleanup_traced(&head, &unmapped) == 0) {
            res->scratch = code_addr;
            res->scratch_len = total - str_off;
            res->code_offset = 0;
        }
        res->stopped_ms += unmapped.stopped_ms;
    } else {
        /* Nothing in the target reads the scratch any more: this helper
           unmaps it now (it is done even if heapscope is killed meanwhile). */
        hs_unmapping un = {req->pid, rt.tid, req->syscall_insn, base, total, req->die_at};
        hs_inject_result unmapped;
        memset(&unmapped, 0, sizeof unmapped);
        if (cleanup_traced(&un, &unmapped) == 0) {
            res->scratch = 0;
        }
        res->stopped_ms += unmapped.stopped_ms;
    }
    if (method == HS_METHOD_PENDING && res->call_result != 0) {
        return hs_fail(res, HS_INJ_FAILED,
                       "process %d refused the pending call (its queue is full); try again", req->pid);
    }
    return 0;
out:
    sigprocmask(SIG_SETMASK, &saved, NULL);
    for (int i = 0; i < sigs.n; i++) {
        syscall(SYS_tgkill, req->pid, rt.tid, sigs.sigs[i]);
    }
    return res->err;
}

int hs_inject_cleanup(int pid, int tid, uint64_t syscall_insn, uint64_t scratch, size_t len, int die_at,
                      hs_inject_result *res) {
    hs_unmapping job = {pid, tid, syscall_insn, scratch, len, die_at};
    memset(res, 0, sizeof *res);
    return hs_outlive(cleanup_traced, &job, res);
}

static int cleanup_traced(void *ctx, hs_inject_result *res) {
    const hs_unmapping *job = ctx;
    int pid = job->pid, tid = job->tid;
    uint64_t syscall_insn = job->syscall_insn, scratch = job->scratch;
    size_t len = job->len;
    hs_sigs sigs = {{0}, 0};
    double deadline = hs_now_ms() + 2000.0;
    sigset_t block, saved;
    sigfillset(&block);
    sigdelset(&block, SIGKILL);
    sigdelset(&block, SIGSTOP);
    sigprocmask(SIG_BLOCK, &block, &saved);
    for (;;) {
        if (seize_stop(pid, tid, &sigs, deadline, res) != 0) {
            break;
        }
        double stop0 = hs_now_ms();
        struct user_regs_struct r;
        if (ptrace(PTRACE_GETREGS, tid, 0, &r) != 0) {
            ptrace(PTRACE_DETACH, tid, 0, 0);
            hs_fail(res, HS_INJ_GONE, "process %d exited", pid);
            break;
        }
        int inside =
            (r.rip >= scratch && r.rip < scratch + len) || (r.rsp >= scratch && r.rsp < scratch + len);
        if (!inside) {
            long ret = 0;
            int rc = remote_syscall(tid, &r, syscall_insn, SYS_munmap, scratch, len, 0, 0, 0, 0, &ret, &sigs,
                                    deadline, job->die_at == 7 ? 2 : 0);
            if (rc != -2) {
                ptrace(PTRACE_DETACH, tid, 0, 0);
            }
            res->stopped_ms += hs_now_ms() - stop0;
            if (rc != 0 || ret != 0) {
                hs_fail(res, HS_INJ_FAILED, "could not unmap heapscope's scratch memory in process %d", pid);
            }
            break;
        }
        ptrace(PTRACE_DETACH, tid, 0, 0);
        res->stopped_ms += hs_now_ms() - stop0;
        if (hs_now_ms() > deadline) {
            hs_fail(res, HS_INJ_TIMEOUT, "process %d's main thread is still in heapscope's trampoline", pid);
            break;
        }
        hs_nap_us(1000);
    }
    sigprocmask(SIG_SETMASK, &saved, NULL);
    for (int i = 0; i < sigs.n; i++) {
        syscall(SYS_tgkill, pid, tid, sigs.sigs[i]);
    }
    return res->err;
}

#else /* not x86_64 */

int hs_inject(const hs_inject_request *req, hs_inject_result *res) {
    memset(res, 0, sizeof *res);
    (void)req;
    res->err = HS_INJ_UNSUPPORTED;
    snprintf(res->msg, sizeof res->msg, "attach is built for x86_64 only");
    return res->err;
}

int hs_inject_cleanup(int pid, int tid, uint64_t syscall_insn, uint64_t scratch, size_t len, int die_at,
                      hs_inject_result *res) {
    (void)pid, (void)tid, (void)syscall_insn, (void)scratch, (void)len, (void)die_at;
    memset(res, 0, sizeof *res);
    res->err = HS_INJ_UNSUPPORTED;
    return res->err;
}

#endif
