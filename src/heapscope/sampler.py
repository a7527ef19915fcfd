"""Sampling a running program: a census now and then, growth between them."""

from __future__ import annotations

import gc
import threading
from typing import Callable

from heapscope import _heapscope
from heapscope._heapscope import Census
from heapscope.model import GrowthRow, Report, sort_growth
from heapscope.report import verdicts


class Sampler:
    """Keeps a baseline census and the samples after it (C objects: nothing on the heap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        gc.collect()
        # The baseline keeps addresses: what was born after it is what leaked.
        # (Census objects live in C memory: sampling adds nothing to the heap.)
        self.samples: list[Census] = [_heapscope.census(keep_addresses=True)]

    def rebase(self) -> None:
        """Take the baseline again: after heapscope's own set-up (the sampling thread), so
        that none of heapscope's objects count as the program's growth."""
        gc.collect()
        with self._lock:
            self.samples = [_heapscope.census(keep_addresses=True)]

    def sample(self) -> list[GrowthRow]:
        """Take a census; return the types that grew since the previous one."""
        gc.collect()
        now = _heapscope.census()
        with self._lock:
            prev = self.samples[-1]
            self.samples.append(now)
        rows = [GrowthRow(*r) for r in now.diff(prev) if r[2] > 0]
        return sort_growth(rows)

    def report(self, every: float | None = None) -> Report:
        """Growth from the baseline to the last sample; a leak grew in every interval.

        A last interval shorter than half of ``every`` (the program ended soon
        after a sample) takes no part in the verdict, only in the growth.
        """
        with self._lock:
            samples = list(self.samples)
        judged = samples
        if every and len(samples) > 3 and samples[-1].taken_at - samples[-2].taken_at < every / 2:
            judged = samples[:-1]
        intervals = len(judged) - 1
        report = verdicts(_heapscope.series(judged), runs=intervals, warmup=0)
        whole = verdicts(_heapscope.series(samples), runs=len(samples) - 1, warmup=0)
        import tracemalloc

        report.tracing = tracemalloc.is_tracing()
        report.growth = whole.growth
        report.unit = "sample intervals"
        if intervals < 2:
            report.leaks = []  # one interval cannot tell a leak from a warm-up
            report.flattened = []
            report.note = "one sample interval: use --every SECONDS for a leak verdict"
        if report.leaks:
            from heapscope.api import explain_leaks

            explain_leaks(report, samples[0])
        return report


class Ticker(threading.Thread):
    """Calls `fn` every `every` seconds until stopped."""

    def __init__(self, every: float, fn: Callable[[], None]) -> None:
        super().__init__(name="heapscope-sampler", daemon=True)
        self.every = every
        self.fn = fn
        self._stop_event = threading.Event()
        self.started = threading.Event()  # the thread runs (its own objects exist)
        self.go = threading.Event()  # sample from now on (set by whoever rebases first)

    def run(self) -> None:
        self.started.set()
        self.go.wait()
        while not self._stop_event.wait(self.every):
            self.fn()

    def stop(self) -> None:
        self.go.set()
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()
