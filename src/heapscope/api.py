"""The Python API: census, growth, check."""

from __future__ import annotations

import gc
import time
import tracemalloc
import warnings
from typing import Callable

from heapscope import _heapscope, _record
from heapscope._heapscope import Census, Snapshot
from heapscope.explain import add_stories
from heapscope.graph import Path, analyze, snapshot, top_retainers, unclosed, why
from heapscope.model import (
    CollectedUnclosed,
    GrowthRow,
    Leak,
    Report,
    Suspect,
    sort_growth,
)
from heapscope.report import verdicts

__all__ = [
    "census",
    "check",
    "explain_leaks",
    "growth",
    "snapshot",
    "top_retainers",
    "unclosed",
    "why",
]

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
    else:
        rows = [GrowthRow(*r) for r in now.diff(_last_growth) if r[2] > 0]
    sort_growth(rows)
    _last_growth = now
    return rows[:limit]


def check(
    fn: Callable[[], object],
    runs: int = 5,
    warmup: int = 2,
    explain: bool = True,
    trace: bool = False,
    frames: int = 5,
    early_stop: bool = False,
    suspects: bool = False,
) -> Report:
    """Call ``fn`` ``warmup`` times unmeasured, then ``runs`` times with a census after each.

    A type leaks when its count grew in every measured run (the rule of
    CPython's refleak hunter); one that grew, then stopped, is reported apart.
    Exceptions raised by ``fn`` propagate.  With ``explain``, each leak gets
    its stories: how the objects born during the runs are held, from which
    root, and what they retain.  With ``trace`` (or when tracemalloc already
    traces), each story also says where its objects were allocated.  With
    ``early_stop``, measuring stops once no type has grown in every run so far
    (no leak is possible then; "flattened" is not reported).  With
    ``suspects``, also report the objects whose retained size grew most over
    the runs (Eclipse MAT's leak suspects), even when no type grew every run.
    While the measured runs go on, the objects from before them are frozen
    (``gc.freeze()``, thawed after) unless the program froze some itself.
    """
    if runs < 2:
        raise ValueError("runs must be at least 2: a leak is growth repeated in every run")
    if warmup < 0:
        raise ValueError("warmup must be 0 or more")
    started = False
    if trace and not tracemalloc.is_tracing():
        tracemalloc.start(frames)
        started = True
    try:
        return _check(fn, runs, warmup, explain, early_stop, suspects)
    finally:
        if started:
            tracemalloc.stop()


def _check(
    fn: Callable[[], object], runs: int, warmup: int, explain: bool, early_stop: bool, suspects: bool = False
) -> Report:
    # Files and sockets collected while still open say so with a
    # ResourceWarning: record those (with where they were opened).  Every
    # other warning goes where it would have gone, as it happens: recording
    # them too would keep heapscope's own list of them growing in the runs.
    caught: list[warnings.WarningMessage] = []
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def showwarning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
            if issubclass(category, ResourceWarning):
                caught.append(warnings.WarningMessage(message, category, filename, lineno, file, line))
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = showwarning
        warnings.simplefilter("always", ResourceWarning)
        report = _measure(fn, runs, warmup, explain, early_stop, suspects)
    collected = collected_unclosed(caught)
    if collected:
        report.collected_unclosed = collected
    return report


def collected_unclosed(caught: list[warnings.WarningMessage]) -> list[CollectedUnclosed]:
    """ResourceWarnings of objects garbage-collected unclosed, by where they were opened."""
    counts: dict[tuple[str, str, int], int] = {}
    for w in caught:
        if not issubclass(w.category, ResourceWarning):
            continue
        file, line = w.filename, w.lineno
        tb = tracemalloc.get_object_traceback(w.source) if w.source is not None else None
        if tb is not None and len(tb):
            frame = tb[-1]
            file, line = frame.filename, frame.lineno
        what = str(w.message).split(" name=")[0].split(" <")[0]
        counts[(what, file, line)] = counts.get((what, file, line), 0) + 1
    return [
        CollectedUnclosed(what, file, line, n)
        for (what, file, line), n in sorted(counts.items(), key=lambda kv: -kv[1])
    ]


def _could_still_leak(samples: list[Census | None]) -> bool:
    """Did some type grow in every run so far?  (Only such a type can be a leak.)"""
    return any(
        _heapscope.verdict(counts, sizes) & _heapscope.VERDICT_LEAK
        for _, counts, sizes in _heapscope.series(samples)
    )


def _quick_no_leak(fn: Callable[[], object], runs: int, warmup: int) -> Report | None:
    """A cheaper first pass for early_stop: no collection between the runs.

    With the collector off, garbage only accumulates, so a count that did not
    grow before collecting cannot have grown after it: if no type grew in
    every run here, there is no leak.  Returns that no-leak report, or None
    when some type might leak (then the exact measurement decides).
    """
    for _ in range(warmup):
        fn()
    # No collection first: garbage present now only adds a constant to every
    # count while the collector is off, which does not change any delta.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        samples: list[Census | None] = [_heapscope.census()]
        for i in range(runs):
            fn()
            samples.append(_heapscope.census())
            if not _could_still_leak(samples):
                return verdicts(_heapscope.series(samples), runs=i + 1, warmup=warmup)
        return None
    finally:
        if was_enabled:
            gc.enable()


def leak_suspects(before: Snapshot, after: Snapshot, limit: int = 10) -> list[Suspect]:
    """Objects among ``after``'s top retainers whose retained size grew since ``before``."""
    out: list[Suspect] = []
    for r in after.results()["top_retainers"]:
        try:
            was = before.retained_size(r["address"])
            if before.path_types(r["address"])[-1][0] != r["type"]:
                was = 0  # another object lives there now
        except KeyError:
            was = 0
        if r["retained_size"] > was:
            out.append(Suspect(r["type"], Path.from_raw(r["path"]), was, r["retained_size"]))
    out.sort(key=lambda x: -x.delta)
    return out[:limit]


def _measure(
    fn: Callable[[], object],
    runs: int,
    warmup: int,
    explain: bool,
    early_stop: bool = False,
    suspects: bool = False,
) -> Report:
    _record.compile_all()
    if early_stop:
        quick = _quick_no_leak(fn, runs, warmup)
        if quick is not None:
            quick.tracing = tracemalloc.is_tracing()
            return quick
        warmup = 0  # the quick pass warmed up already
    for _ in range(warmup):
        fn()
    before = None
    if suspects:
        gc.collect()
        before = analyze(top=0, sites=False)
    samples, done, froze = _runs(fn, runs, early_stop, freeze=True)
    report = verdicts(_heapscope.series(samples[: done + 1]), runs=done, warmup=warmup)
    if froze and report.leaks and _frozen_garbage_held(report, samples[done]):
        samples, done, _ = _runs(fn, runs, early_stop, freeze=False)
        report = verdicts(_heapscope.series(samples[: done + 1]), runs=done, warmup=warmup)
    report.tracing = tracemalloc.is_tracing()
    if before is not None:
        report.suspects = leak_suspects(before, analyze(top=50, sites=False))
    if report.leaks and explain:
        explain_leaks(report, samples[0])
        _confirm_thin(fn, report, samples[done], runs)
        still_open = unclosed(baseline=samples[0])
        if still_open:
            report.unclosed = still_open
    return report


def _runs(
    fn: Callable[[], object], runs: int, early_stop: bool, freeze: bool
) -> tuple[list[Census | None], int, bool]:
    """A baseline census, then ``runs`` calls with a collection and a census after each.

    With ``freeze``, and when nothing is frozen yet, the heap that exists
    before the runs is moved to the collector's permanent generation
    (``gc.freeze()``) for the runs and thawed after, so each collection
    between runs looks only at objects made since: on a large heap the full
    collections were more than half of check's time.  The census still
    counts the frozen objects.  Returns the samples, how many runs were
    measured, and whether the heap was frozen.
    """
    samples: list[Census | None] = [None] * (runs + 1)
    gc.collect()
    froze = freeze and gc.get_freeze_count() == 0  # never thaw what the program froze itself
    if froze:
        gc.freeze()
    try:
        # The baseline keeps every address: objects not in it were born
        # during the measured runs (the three-snapshot rule).
        samples[0] = _heapscope.census(keep_addresses=True)
        done = runs
        for i in range(runs):
            fn()
            gc.collect()
            samples[i + 1] = _heapscope.census()
            if early_stop and i >= 1 and not _could_still_leak(samples[: i + 2]):
                done = i + 1  # nothing grew in every run: no leak is possible any more
                break
    finally:
        if froze:
            gc.unfreeze()
    return samples, done, froze


def _frozen_garbage_held(report: Report, last: Census | None) -> bool:
    """Did a leak's growth rest on frozen garbage?

    An object from before the runs that became cyclic garbage during them was
    not collected while frozen, and kept what it referenced, objects made in
    the runs included.  One full collection tells: if any leaking type then
    has fewer objects than after the last run, measure again unfrozen.
    """
    if last is None:
        return False
    gc.collect()
    shrank = {name for name, _, delta, _, _ in _heapscope.census().diff(last) if delta < 0}
    return any(leak.type in shrank for leak in report.leaks)


#: Measuring longer, for thin evidence: blocks of calls doubling from the first
#: size, at most this many calls in all, within this many seconds.
CONFIRM_FIRST_BLOCK = 10
CONFIRM_CALLS = 2500
CONFIRM_SECONDS = 10.0


#: A leak of at most this many objects in each run, held inside others' code, is measured
#: longer: one cache entry is often several objects of a type (a compiled template's key
#: tuple, its code's constants and names), and a cache fills for as many calls as it has room.
THIN_PER_RUN = 16


def _thin(leak: Leak) -> bool:
    """A few objects per run, held inside a library, the interpreter or C code: could be a
    bounded structure with a long period (a cache pruned every N uses, or one that fills
    over more calls than the runs) rather than a leak."""
    if not leak.stories or max(leak.per_run) > THIN_PER_RUN:
        return False
    return all(st.owner != "user" or st.inside_others_code for st in leak.stories)


def _confirm_thin(fn: Callable[[], object], report: Report, last: Census | None, runs: int) -> None:
    """Measure thin leaks longer before calling them leaks.

    Blocks of calls with a census only at each block's end, within a time
    budget: a type that does not grow over every block is moved to
    ``report.unconfirmed`` ("grew, not confirmed": exit 0).
    """
    thin = [leak for leak in report.leaks if _thin(leak)]
    # A type whose new objects are all inside a thin leak's (a cached template's
    # dicts and cells) is measured with it.
    inside = {leak.type for leak in thin}
    thin += [leak for leak in report.leaks if leak.payload_of in inside and leak not in thin]
    if not thin or last is None:
        return
    block, calls = max(CONFIRM_FIRST_BLOCK, 2 * runs), 0
    blocks: list[Census | None] = [last]
    started = time.monotonic()
    while calls + block <= CONFIRM_CALLS and time.monotonic() - started < CONFIRM_SECONDS:
        for _ in range(block):
            fn()
        calls += block
        block *= 2  # a structure pruned every N uses shows itself once a block is longer than N
        gc.collect()
        blocks.append(_heapscope.census())
    report.extended_runs = calls
    names = {leak.type for leak in thin}
    grew = {
        name
        for name, counts, sizes in _heapscope.series(blocks)
        if name in names and _heapscope.verdict(counts, sizes) & _heapscope.VERDICT_LEAK
    }
    unconfirmed = [leak for leak in thin if leak.type not in grew]
    if unconfirmed:
        report.unconfirmed = unconfirmed
        report.leaks = [leak for leak in report.leaks if leak not in unconfirmed]


def explain_leaks(report: Report, baseline: Census | None, max_stories: int = 10) -> None:
    """Attach the why-alive stories of the report's leaks (objects born after `baseline`)."""
    snap = analyze(types=[leak.type for leak in report.leaks], baseline=baseline, max_stories=max_stories)
    add_stories(report, snap.results())
