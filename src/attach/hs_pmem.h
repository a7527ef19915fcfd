/* Reading and writing another process's memory, and the small helpers the
 * two attach paths share (the ptrace injector, hs_inject.c, and the
 * interpreter's remote-debugging interface, hs_remote.c).  No Python.h. */
#ifndef HS_PMEM_H
#define HS_PMEM_H

#include <stddef.h>
#include <stdint.h>

#include "hs_inject.h"

double hs_now_ms(void);
void hs_nap_us(long us);
/* Sets res->err and res->msg; returns err. */
int hs_fail(hs_inject_result *res, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* process_vm_readv / process_vm_writev of exactly len bytes: 0, or -1 with errno. */
int hs_peek(int pid, uint64_t addr, void *buf, size_t len);
int hs_poke(int pid, uint64_t addr, const void *buf, size_t len);
int hs_peek64(int pid, uint64_t addr, uint64_t *out);
/* The error for a failed hs_peek/hs_poke, from errno. */
int hs_mem_error(hs_inject_result *res, int pid, const char *what);
/* A thread id in the target's pid namespace, as this process's /proc names it (-1: none). */
int hs_translate_tid(int pid, long nstid);
/* Waits for a ptrace stop of tid (status as waitpid gives it).  1: stopped,
 * 0: gone, -1: the deadline (hs_now_ms) passed or an error. */
int hs_wait_stopped(int tid, int *status, double deadline);

/* Runs fn(ctx, res) in a forked helper process and copies its res back.
 * The helper leaves this process's session and blocks every signal, so that
 * killing heapscope (Ctrl-C, SIGTERM, SIGKILL, its process group) while the
 * target's thread is stopped, or runs an injected system call with borrowed
 * registers, cannot leave that thread to resume in a state that is not its
 * own: the helper finishes the sequence, lets the thread go, and exits.
 * Returns res->err; HS_INJ_FAILED if the helper could not start or died.
 * The helper names itself HS_HELPER_NAME (hs_inject.h). */
int hs_outlive(int (*fn)(void *ctx, hs_inject_result *res), void *ctx, hs_inject_result *res);
/* Test hook, in a helper: SIGKILLs the process that started it (once). */
void hs_kill_caller(void);

/* The name of a blocking system call a thread may wait in, or NULL. */
const char *hs_syscall_name(long nr);

#endif
