/* Memory access and helpers shared by the attach paths (hs_pmem.h). */
#include "hs_pmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

double hs_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void hs_nap_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int hs_fail(hs_inject_result *res, int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->msg, sizeof res->msg, fmt, ap);
    va_end(ap);
    res->err = err;
    return err;
}

int hs_peek(int pid, uint64_t addr, void *buf, size_t len) {
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -1;
}

int hs_poke(int pid, uint64_t addr, const void *buf, size_t len) {
    struct iovec local = {(void *)buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -1;
}

int hs_peek64(int pid, uint64_t addr, uint64_t *out) {
    return hs_peek(pid, addr, out, sizeof *out);
}

int hs_mem_error(hs_inject_result *res, int pid, const char *what) {
    if (errno == ESRCH) {
        return hs_fail(res, HS_INJ_GONE, "process %d exited while heapscope was attaching", pid);
    }
    if (errno == EPERM || errno == EACCES) {
        return hs_fail(res, HS_INJ_PERM,
                       "cannot read process %d's memory (%s): run heapscope as its user or as root", pid,
                       strerror(errno));
    }
    return hs_fail(res, HS_INJ_LAYOUT,
                   "cannot read %s in process %d (%s): its interpreter layout is not the expected one", what,
                   pid, strerror(errno));
}

/* A pid-namespace-relative thread id, as this process's /proc names it. */
int hs_translate_tid(int pid, long nstid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    int found = -1;
    if (d == NULL) {
        return -1;
    }
    struct dirent *e;
    while (found < 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        char spath[320], buf[4096];
        snprintf(spath, sizeof spath, "/proc/%d/task/%s/status", pid, e->d_name);
        FILE *f = fopen(spath, "r");
        if (f == NULL) {
            continue;
        }
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *line = strstr(buf, "\nNSpid:");
        if (line == NULL) {
            continue;
        }
        line += 7;
        char *end;
        long first = strtol(line, &end, 10), last = first;
        while (*end == '\t' || *end == ' ') {
            char *next;
            long v = strtol(end, &next, 10);
            if (next == end) {
                break;
            }
            last = v;
            end = next;
        }
        if (last == nstid) {
            found = (int)first;
        }
    }
    closedir(d);
    return found;
}

const char *hs_syscall_name(long nr) {
    switch (nr) {
    case SYS_read:
        return "read";
    case SYS_write:
        return "write";
    case SYS_poll:
        return "poll";
    case SYS_select:
        return "select";
    case SYS_pselect6:
        return "pselect6";
    case SYS_ppoll:
        return "ppoll";
    case SYS_futex:
        return "futex";
    case SYS_nanosleep:
        return "nanosleep";
    case SYS_clock_nanosleep:
        return "clock_nanosleep";
    case SYS_epoll_wait:
        return "epoll_wait";
    case SYS_epoll_pwait:
        return "epoll_pwait";
    case SYS_wait4:
        return "wait4";
    case SYS_accept:
        return "accept";
    case SYS_accept4:
        return "accept4";
    case SYS_recvfrom:
        return "recvfrom";
    case SYS_connect:
        return "connect";
    case SYS_pause:
        return "pause";
    case SYS_restart_syscall:
        return "a restarted call (sleep or wait)";
    default:
        return NULL;
    }
}

/* Waits for a ptrace stop of tid.  1: stopped, 0: gone, -1: timeout/error. */
int hs_wait_stopped(int tid, int *status, double deadline) {
    for (;;) {
        int r = waitpid(tid, status, __WALL | WNOHANG);
        if (r == tid) {
            if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
                return 0;
            }
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return errno == ECHILD ? 0 : -1;
        }
        if (hs_now_ms() > deadline) {
            return -1;
        }
        hs_nap_us(20);
    }
}

/* In a helper: the process that forked it (0: none, or already killed). */
static int hs_caller;

void hs_kill_caller(void) {
    if (hs_caller > 0 && getppid() == hs_caller) {
        kill(hs_caller, SIGKILL);
        /* and lingers that many ms, as a helper slowed by a loaded machine
           would: the next attach finds the target still traced by it */
        const char *linger = getenv("HEAPSCOPE_TEST_HELPER_LINGER_MS");
        if (linger != NULL) {
            hs_nap_us(1000 * strtol(linger, NULL, 10));
        }
    }
    hs_caller = 0;
}

int hs_outlive(int (*fn)(void *ctx, hs_inject_result *res), void *ctx, hs_inject_result *res) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return hs_fail(res, HS_INJ_FAILED, "cannot start heapscope's ptrace helper (pipe: %s)",
                       strerror(errno));
    }
    sigset_t all, saved;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &saved);
    int caller = (int)getpid();
    pid_t child = fork();
    if (child == 0) {
        hs_inject_result mine;
        memset(&mine, 0, sizeof mine);
        /* Nothing of heapscope's stays open here (its stdout, a pipe its
           caller reads to the end): only the answer's pipe. */
        for (int fd = 0; fd < fds[1]; fd++) {
            close(fd);
        }
        long closed = -1;
#ifdef SYS_close_range
        closed = syscall(SYS_close_range, fds[1] + 1, ~0U, 0);
#endif
        for (int fd = fds[1] + 1; closed != 0 && fd < 65536; fd++) {
            close(fd); /* before Linux 5.9 */
        }
        setsid();
        /* Named, so that an attach that finds the target still traced by
           this helper (its heapscope was killed a moment ago) knows it
           will let go, and waits for it (preflight.py, HELPER_NAME). */
        prctl(PR_SET_NAME, HS_HELPER_NAME, 0, 0, 0);
        hs_caller = caller;
        fn(ctx, &mine);
        const char *p = (const char *)&mine;
        size_t left = sizeof mine;
        while (left > 0) {
            ssize_t n = write(fds[1], p, left);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break; /* heapscope is gone: nobody to tell */
            }
            p += n;
            left -= (size_t)n;
        }
        _exit(0);
    }
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &saved, NULL);
    close(fds[1]);
    if (child < 0) {
        close(fds[0]);
        return hs_fail(res, HS_INJ_FAILED, "cannot start heapscope's ptrace helper (fork: %s)",
                       strerror(fork_errno));
    }
    hs_inject_result got;
    size_t have = 0;
    while (have < sizeof got) {
        ssize_t n = read(fds[0], (char *)&got + have, sizeof got - have);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (have != sizeof got) {
        return hs_fail(res, HS_INJ_FAILED,
                       "heapscope's ptrace helper (process %d) died before it finished%s: the target was "
                       "let go; try again",
                       (int)child, WIFSIGNALED(status) ? " (killed by a signal)" : "");
    }
    *res = got;
    return res->err;
}
