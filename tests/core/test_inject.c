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
#include "hs_test.h"

static void test_layout_table(void) {
    for (int minor = 9; minor <= 13; minor++) {
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
    CHECK(hs_layout_find(3, 8) == NULL);
    CHECK(hs_layout_find(3, 14) == NULL);
    CHECK(hs_layout_find(2, 7) == NULL);
}

static uint64_t fake_runtime[1024]; /* all zero: "not initialized" */

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
    req.minor = 14;
    CHECK(hs_inject(&req, &res) == HS_INJ_UNSUPPORTED);
    CHECK(strstr(res.msg, "3.14") != NULL);
}

int main(void) {
    test_layout_table();
    test_refusals_touch_nothing();
    TEST_DONE("test_inject");
}
