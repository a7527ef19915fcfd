"""The Python API: census, growth, check."""

from __future__ import annotations

import gc
from typing import Callable

from heapscope import _heapscope
from heapscope._heapscope import Census
from heapscope.graph import analyze, snapshot, stories_of, top_retainers, why
from heapscope.report import GrowthRow, Report, verdicts

__all__ = ["census", "check", "explain_leaks", "growth", "snapshot", "top_retainers", "why"]

_last_growth: Census | None = None


def census(keep_addresses: bool = False) -> Census:
    """Count every live object (tracked or not) by type, with shallow sizes.

    With ``keep_addresses`` the census also remembers every object's address
    (about 12 bytes per object), so a later analysis can tell which objects
    were born after it.
    """
    return _heapscope.census(keep_addresses=keep_addresses)


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


def check(fn: Callable[[], object], runs: int = 5, warmup: int = 2, explain: bool = True) -> Report:
    """Call ``fn`` ``warmup`` times unmeasured, then ``runs`` times with a census after each.

    A type leaks when its count grew in every measured run (the rule of
    CPython's refleak hunter); one that grew, then stopped, is reported apart.
    Exceptions raised by ``fn`` propagate.  With ``explain``, each leak gets
    its stories: how the objects born during the runs are held, from which
    root, and what they retain.
    """
    if runs < 2:
        raise ValueError("runs must be at least 2: a leak is growth repeated in every run")
    if warmup < 0:
        raise ValueError("warmup must be 0 or more")
    for _ in range(warmup):
        fn()
    gc.collect()
    samples: list[Census | None] = [None] * (runs + 1)
    # The baseline keeps every address: objects not in it were born during
    # the measured runs (the three-snapshot rule).
    samples[0] = _heapscope.census(keep_addresses=True)
    for i in range(runs):
        fn()
        gc.collect()
        samples[i + 1] = _heapscope.census()
    series = _heapscope.series(samples)
    report = verdicts(series, runs=runs, warmup=warmup)
    if report.leaks and explain:
        explain_leaks(report, samples[0])
    return report


def explain_leaks(report: Report, baseline: Census | None, max_stories: int = 10) -> None:
    """Attach the why-alive stories of the report's leaks (objects born after `baseline`)."""
    snap = analyze(
        types=[leak.type for leak in report.leaks], baseline=baseline, max_stories=max_stories
    )
    by_type = stories_of(snap)
    for leak in report.leaks:
        stories = by_type.get(leak.type, [])
        leak.stories = stories
        if stories:
            first = stories[0]
            leak.extra["root"] = {
                "kind": first.path.root.get("kind"),
                "name": first.path.root.get("name"),
            }
            leak.extra["path"] = first.path.hops
            leak.extra["path_text"] = first.path.general_text
            leak.extra["retained_size"] = sum(s.retained_size for s in stories)
            leak.extra["stories"] = [s.to_dict() for s in stories]
