/* hs_progress.h: a progress line on a terminal. */
#include "hs_progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HS_PROGRESS_AFTER 1.0  /* seconds of work before anything is shown (p->after: 0) */
#define HS_PROGRESS_EVERY 0.25 /* seconds between two writes */

double hs_progress_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hs__write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n <= 0)
            return; /* a terminal that went away: say nothing more */
        buf += n;
        len -= (size_t)n;
    }
}

/* 3200000 -> "3,200,000" */
static void hs__thousands(uint64_t v, char *out, size_t size) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), i, j = 0;
    for (i = 0; i < n && (size_t)j + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
}

void hs_progress_phase(hs_progress *p, const char *phase) {
    if (p->fd < 0)
        return;
    if (p->now == NULL)
        p->now = hs_progress_clock;
    if (p->phase == NULL && !p->started)
        p->start = p->now();
    p->started = 1;
    p->phase = phase;
    p->last = 0;
    hs_progress_tick(p, 0);
}

void hs_progress_show(hs_progress *p, const char *phase, int now) {
    if (p->fd < 0)
        return;
    if (p->now == NULL)
        p->now = hs_progress_clock;
    p->force = now;
    hs_progress_phase(p, phase);
    p->force = 0;
}

void hs_progress_tick(hs_progress *p, uint64_t done) {
    char line[160], count[32];
    double t;
    if (p->fd < 0 || p->phase == NULL)
        return;
    t = p->now();
    if (p->force) { /* a phase that will not tick: its name, at once */
        snprintf(line, sizeof line, "\rheapscope: %s...\033[K", p->phase);
        hs__write_all(p->fd, line, strlen(line));
        p->shown = 1;
        return;
    }
    if (t - p->start < (p->after > 0 ? p->after : HS_PROGRESS_AFTER) ||
        (p->last != 0 && t - p->last < HS_PROGRESS_EVERY))
        return;
    p->last = t;
    if (done > 0) {
        hs__thousands(done, count, sizeof count);
        snprintf(line, sizeof line, "\rheapscope: %s: %s objects, %.1f s\033[K", p->phase, count,
                 t - p->start);
    } else
        snprintf(line, sizeof line, "\rheapscope: %s, %.1f s\033[K", p->phase, t - p->start);
    hs__write_all(p->fd, line, strlen(line));
    p->shown = 1;
}

void hs_progress_end(hs_progress *p) {
    if (p->fd >= 0 && p->shown)
        hs__write_all(p->fd, "\r\033[K", 4);
    p->shown = 0;
    p->started = 0;
    p->phase = NULL;
}
