/* The injector's refusals, without a Python: layouts are looked up by
 * version, and a process whose "runtime" does not look initialized is
 * refused before any ptrace call (the target is a forked child, so the
 * address of a local buffer is valid in it). */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hs_inject.h"
#include "hs_pmem.h"
#include "hs_remote.h"
#include "hs_test.h"
#include "hs_versions.h"

static void test_layout_table(void) {
    for (int minor = HS_PY_MINOR_MIN; minor <= HS_PY_MINOR_MAX; minor++) {
        const hs_layout *L = hs_layout_find(3, minor);
        CHECK(L != NULL);
        if (L == NULL)
            continue;
        CHECK(L->major == 3 && L->minor == minor);
        CHECK(L->gil_size > L->gil_locked && L->gil_size > L->gil_last_holder);
        CHECK(L->ts_next != L->ts_interp && L->ts_interp != L->ts_thread_id);
        CHECK((L->ts_native_thread_id != 0) == (minor >= 11)); /* native ids since 3.11 */
        CHECK(L->pending_is_mutex == (minor >= 13));           /* PyMutex since 3.13 */
        CHECK(L->gil_in_runtime == (minor <= 11));             /* per-interpreter GIL since 3.12 */
    }
    CHECK(hs_layout_find(3, HS_PY_MINOR_MIN - 1) == NULL);
    CHECK(hs_layout_find(3, HS_PY_MINOR_MAX + 1) == NULL);
    CHECK(hs_layout_find(2, 7) == NULL);
}

static uint64_t fake_runtime[1024]; /* all zero: "not initialized" */

/* ---- the PEP 768 path (hs_remote.c) ---------------------------------- */

static void test_remote_table(void) {
    for (int minor = 13; minor <= HS_PY_MINOR_MAX; minor++) {
        const hs_dbgoff *D = hs_dbgoff_find(3, minor);
        CHECK(D != NULL);
        if (D == NULL)
            continue;
        CHECK(D->size > 0 && D->size <= 8 * HS_DBGOFF_WORDS && D->size % 8 == 0);
        const uint64_t pos[] = {
            D->rt_finalizing,  D->rt_interpreters_head, D->interp_threads_head, D->ts_next,
            D->ts_interp,      D->ts_thread_id,         D->eval_breaker,        D->remote_support,
            D->remote_enabled, D->pending_call,         D->script_path,         D->script_path_size};
        for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
            CHECK(pos[i] % 8 == 0 && pos[i] < D->size);
        CHECK((D->remote_support != 0) == (minor >= 14)); /* the interface is 3.14's */
    }
    CHECK(hs_dbgoff_find(3, 12) == NULL);
    CHECK(hs_dbgoff_find(3, HS_PY_MINOR_MAX + 1) == NULL);
}

/* A fake 3.14 runtime in a forked child: _Py_DebugOffsets at its start,
 * an interpreter and one thread state.  The child is a copy of this
 * process, so these addresses are valid in it. */
static uint64_t rt14[1024], interp14[64], ts14[128];

static void fake_314(int enabled) {
    const hs_dbgoff *D = hs_dbgoff_find(3, 14);
    memset(rt14, 0, sizeof rt14);
    memset(interp14, 0, sizeof interp14);
    memset(ts14, 0, sizeof ts14);
    memcpy(rt14, "xdebugpy", 8);
    rt14[1] = (3u << 24) | (14u << 16) | (10u << 8) | (0xFu << 4); /* 3.14.10 final */
    rt14[D->rt_finalizing / 8] = 7000;                             /* rt14[875] == 0 */
    rt14[D->rt_interpreters_head / 8] = 7008;
    rt14[7008 / 8] = (uint64_t)(uintptr_t)interp14;
    rt14[D->interp_threads_head / 8] = 16;
    rt14[D->interp_threads_main / 8] = 24;
    interp14[2] = interp14[3] = (uint64_t)(uintptr_t)ts14;
    rt14[D->remote_enabled / 8] = 40;
    interp14[5] = (uint64_t)enabled;
    rt14[D->ts_next / 8] = 8; /* ts14[1] == 0: the only thread */
    rt14[D->ts_interp / 8] = 16;
    ts14[2] = (uint64_t)(uintptr_t)interp14;
    rt14[D->ts_native_thread_id / 8] = 24;
    rt14[D->eval_breaker / 8] = 32;
    ts14[4] = 0x2; /* another bit already set: kept */
    rt14[D->remote_support / 8] = 64;
    rt14[D->pending_call / 8] = 0; /* int32 at ts+64 */
    rt14[D->script_path / 8] = 8;  /* char[512] at ts+72 */
    rt14[D->script_path_size / 8] = 512;
}

static pid_t child_of(void) {
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    return child;
}

static void test_remote_writes(void) {
    hs_remote_request req;
    hs_inject_result res;
    memset(&req, 0, sizeof req);
    req.major = 3;
    req.minor = 14;
    req.script = "/tmp/heapscope-test/boot-1.py";
    req.timeout_ms = 2000;

    /* Not a runtime at all (no cookie): refused, nothing written. */
    memset(rt14, 0, sizeof rt14);
    pid_t child = child_of();
    req.pid = child;
    req.runtime = (uint64_t)(uintptr_t)rt14;
    req.action = HS_REMOTE_ARM_MAIN;
    CHECK(hs_remote(&req, &res) == HS_INJ_LAYOUT && strchr(res.msg, '\n') == NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);

    /* Remote debugging disabled: refused with its own code. */
    fake_314(0);
    child = child_of();
    req.pid = child;
    CHECK(hs_remote(&req, &res) == HS_INJ_DISABLED && strstr(res.msg, "disable-remote-debug") != NULL);

    /* Enabled: the path, the pending flag and the stop bit land in the child's
     * thread state, and the child is left running (not stopped, not traced). */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    fake_314(1);
    child = child_of();
    req.pid = child;
    req.action = HS_REMOTE_PROBE;
    req.script = "/tmp/heapscope-test/";
    CHECK(hs_remote(&req, &res) == HS_INJ_OK && res.call_result == 0);
    req.action = HS_REMOTE_ARM_MAIN;
    req.script = "/tmp/heapscope-test/boot-1.py";
    CHECK(hs_remote(&req, &res) == HS_INJ_OK && res.call_result == 1);
    uint64_t got[128];
    CHECK(hs_peek(child, (uint64_t)(uintptr_t)ts14, got, sizeof got) == 0);
    CHECK((int32_t)got[8] == 1); /* pending */
    CHECK(strcmp((const char *)&got[9], "/tmp/heapscope-test/boot-1.py") == 0);
    CHECK(got[4] == (0x2 | (1u << 5))); /* eval breaker */
    int status = 0;
    CHECK(waitpid(child, &status, WNOHANG | WUNTRACED | __WALL) == 0); /* running */
    /* Arming again is a no-op; a probe sees one pending; disarming clears it. */
    CHECK(hs_remote(&req, &res) == HS_INJ_OK && res.call_result == 0);
    req.action = HS_REMOTE_PROBE;
    req.script = "/tmp/heapscope-test/";
    CHECK(hs_remote(&req, &res) == HS_INJ_OK && res.call_result == 1);
    req.action = HS_REMOTE_DISARM;
    req.script = "/tmp/heapscope-test/boot-1.py";
    CHECK(hs_remote(&req, &res) == HS_INJ_OK && res.call_result == 1);
    CHECK(hs_peek(child, (uint64_t)(uintptr_t)ts14, got, sizeof got) == 0 && (int32_t)got[8] == 0);
    /* Another debugger's script pending: not overwritten. */
    int32_t one = 1;
    CHECK(hs_poke(child, (uint64_t)(uintptr_t)ts14 + 64, &one, sizeof one) == 0);
    CHECK(hs_poke(child, (uint64_t)(uintptr_t)ts14 + 72, "/other.py", 10) == 0);
    req.action = HS_REMOTE_ARM_MAIN;
    CHECK(hs_remote(&req, &res) == HS_INJ_BUSY);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

static void test_refusals_touch_nothing(void) {
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    CHECK(child > 0);
    hs_inject_request req;
    hs_inject_result res;
    memset(&req, 0, sizeof req);
    req.pid = child;
    req.major = 3;
    req.minor = 11;
    req.runtime = (uint64_t)(uintptr_t)fake_runtime;
    req.code = "pass";
    req.timeout_ms = 1000;
    CHECK(hs_inject(&req, &res) == HS_INJ_NOTREADY);
    CHECK(res.scratch == 0 && strchr(res.msg, '\n') == NULL && strstr(res.msg, "not initialized") != NULL);

    fake_runtime[16 / 8] = 1; /* initialized, but no main interpreter */
    req.runtime = (uint64_t)(uintptr_t)fake_runtime;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* the child is gone: memory reads fail with ESRCH */
    CHECK(hs_inject(&req, &res) == HS_INJ_GONE);

    req.major = 3;
    req.minor = HS_PY_MINOR_MAX + 1;
    CHECK(hs_inject(&req, &res) == HS_INJ_UNSUPPORTED);
    char want[16];
    snprintf(want, sizeof want, "3.%d", HS_PY_MINOR_MAX + 1);
    CHECK(strstr(res.msg, want) != NULL);
}

int main(void) {
    test_layout_table();
    test_refusals_touch_nothing();
    test_remote_table();
    test_remote_writes();
    TEST_DONE("test_inject");
}
