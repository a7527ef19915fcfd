/* The progress line: nothing in the first second, then at most four lines a
 * second, counts with thousands separators, cleared at the end; off when
 * the fd is -1.  A fake clock drives it; the output goes to a pipe. */
#include <string.h>
#include <unistd.h>

#include "hs_progress.h"
#include "hs_test.h"

static double fake_t = 100.0;
static double fake_now(void) {
    return fake_t;
}

static size_t drain(int fd, char *buf, size_t size) {
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

int main(void) {
    int fds[2];
    char buf[4096];
    CHECK(pipe(fds) == 0);
    hs_progress p = {fds[1], fake_now, 0, 0, NULL, 0, 0, 0, 0};
    hs_progress_phase(&p, "walking the heap");
    hs_progress_tick(&p, 1000);
    fake_t += 0.5;
    hs_progress_tick(&p, 2000); /* 0.5 s in: still quiet */
    CHECK(p.shown == 0);
    fake_t += 0.6;
    hs_progress_tick(&p, 3200000);
    CHECK(drain(fds[0], buf, sizeof buf) > 0);
    CHECK(strstr(buf, "heapscope: walking the heap: 3,200,000 objects, 1.1 s") != NULL);
    CHECK(buf[0] == '\r');
    fake_t += 0.1;
    hs_progress_tick(&p, 3300000); /* 0.1 s after the last line: not yet */
    fake_t += 0.2;
    hs_progress_tick(&p, 3400000);
    drain(fds[0], buf, sizeof buf);
    CHECK(strstr(buf, "3,400,000") != NULL && strstr(buf, "3,300,000") == NULL);
    hs_progress_phase(&p, "finding paths"); /* a new phase is shown at once */
    drain(fds[0], buf, sizeof buf);
    CHECK(strstr(buf, "heapscope: finding paths, 1.4 s") != NULL);
    hs_progress_end(&p);
    drain(fds[0], buf, sizeof buf);
    CHECK(strcmp(buf, "\r\033[K") == 0);
    /* A long write with no ticks inside: shown at once when asked. */
    hs_progress_show(&p, "writing the snapshot file", 1);
    drain(fds[0], buf, sizeof buf);
    CHECK(strstr(buf, "heapscope: writing the snapshot file...") != NULL);
    hs_progress_end(&p);
    drain(fds[0], buf, sizeof buf);
    hs_progress_show(&p, "writing the snapshot file", 0); /* a small one: quiet */
    CHECK(p.shown == 0);
    hs_progress_end(&p);
    /* Off: nothing is written, whatever the clock says. */
    hs_progress off = {-1, fake_now, 0, 0, NULL, 0, 0, 0, 0};
    hs_progress_phase(&off, "walking the heap");
    fake_t += 10;
    hs_progress_tick(&off, 5);
    hs_progress_end(&off);
    CHECK(off.shown == 0);
    close(fds[0]);
    close(fds[1]);
    TEST_DONE("test_progress");
}
