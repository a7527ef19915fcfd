/* Progress on long work, for a terminal: one line on stderr, rewritten in
 * place ("heapscope: walking the heap: 3,200,000 objects, 2.1 s"), shown
 * only once the work has taken longer than a second, at most four times a
 * second, and cleared when it ends.  Plain C, no Python.h: write(2) only,
 * so it may run inside the raw-pointer window. */
#ifndef HS_PROGRESS_H
#define HS_PROGRESS_H

#include <stdint.h>

typedef struct {
    int fd;              /* where to write; -1: off */
    double (*now)(void); /* seconds, monotonic (a test may pass its own clock) */
    double start, last;  /* when the work began; when the line was last written */
    const char *phase;   /* what is being done */
    int shown;           /* a line is on the terminal */
    int started;         /* the clock runs (a phase began since the last end) */
    int force;           /* hs_progress_show: write the phase's name now */
    double after;        /* seconds of work before a line is shown; 0: one second */
} hs_progress;

/* Begin a phase of work (the first phase starts the clock). */
void hs_progress_phase(hs_progress *p, const char *phase);
/* A phase with no ticks inside (a file written in one call): shown at once
 * when `now` (the caller expects it to be long), else as hs_progress_phase. */
void hs_progress_show(hs_progress *p, const char *phase, int now);
#define HS_PROGRESS_BIG 1000000u /* objects from which a file's write is shown at once */
/* `done` items of the phase so far; writes the line when it is time. */
void hs_progress_tick(hs_progress *p, uint64_t done);
/* The work is over: the line, if one was written, is cleared. */
void hs_progress_end(hs_progress *p);
/* The monotonic clock hs_progress uses by default. */
double hs_progress_clock(void);

#endif
