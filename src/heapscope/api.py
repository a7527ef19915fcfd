"""The Python API: census, growth, check."""

from __future__ import annotations

import gc
from typing import Callable

from heapscope import _heapscope
from heapscope._heapscope import Census
from heapscope.report import GrowthRow, Report, verdicts

_last_growth: Census | None = None


def census() -> Census:
    """Count every live object (tracked or not) by type, with shallow sizes."""
    return _heapscope.census()


def growth(limit: int = 20) -> list[GrowthRow]:
    """Types whose object count grew since the previous call (objgraph's show_growth).

    Runs ``gc.collect()`` first.  The first call compares against an empty heap,
    so it lists the largest types.
    """
    global _last_growth
    gc.collect()
    now = _heapscope.census()
    rows: list[GrowthRow] = []
    if _last_growth is None:
        rows = [GrowthRow(t, c, c, s, s) for t, c, s in now.rows()]
        rows.sort(key=lambda r: (-r.delta, r.type))
    else:
        rows = [GrowthRow(*r) for r in now.diff(_last_growth) if r[2] > 0]
    _last_growth = now
    return rows[:limit]


def check(fn: Callable[[], object], runs: int = 5, warmup: int = 2) -> Report:
    """Call ``fn`` ``warmup`` times unmeasured, then ``runs`` times with a census after each.

    A type leaks when its count grew in every measured run (the rule of
    CPython's refleak hunter); one that grew, then stopped, is reported apart.
    Exceptions raised by ``fn`` propagate.
    """
    if runs < 2:
        raise ValueError("runs must be at least 2: a leak is growth repeated in every run")
    if warmup < 0:
        raise ValueError("warmup must be 0 or more")
    for _ in range(warmup):
        fn()
    gc.collect()
    samples: list[Census | None] = [None] * (runs + 1)
    samples[0] = _heapscope.census()
    for i in range(runs):
        fn()
        gc.collect()
        samples[i + 1] = _heapscope.census()
    series = _heapscope.series(samples)
    return verdicts(series, runs=runs, warmup=warmup)
