"""heapscope's pytest plugin: fail a test that leaks, and say what holds the leak.

- ``@pytest.mark.no_leaks(runs=5, warmup=2, ignore_types=())`` on a test,
- ``--heapscope-leaks`` to check every test,
- the ``leak_check`` fixture to check a callable inside a test body.

The test body is run ``warmup`` times unmeasured, then ``runs`` times with a
census after each (fixtures are set up once).  A type that grows in every
measured run is a leak (CPython's refleak rule); the failure message gives
its count per run, the path from the root that holds it, and its retained
size.  Caches that fill during the warm-up runs do not grow afterwards and
pass; types in ``DEFAULT_IGNORED`` are never reported.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable
from typing import Any, Callable

import pytest

from heapscope.api import check
from heapscope.model import LeakFailure, Report

#: Types that legitimately grow per call in clean code, ignored by default.
#: (Interpreter caches warm up during the warm-up runs and stop growing, so
#: they need no entry here.)
DEFAULT_IGNORED: frozenset[str] = frozenset()


class LeakError(AssertionError):
    """A checked callable leaked; the message is heapscope's story."""

    def __init__(self, report: Report) -> None:
        super().__init__(failure_message(report))
        self.report = report


def failure_message(report: Report) -> str:
    """The failure's text: each leaked type, how it is held, where allocated, the fix."""
    from heapscope.reporters import text

    return text.render(LeakFailure(report))


def _might_leak(fn: Callable[[], object], runs: int, warmup: int) -> bool:
    """The near-free first filter (CPython's refleak hunter's): pymalloc's allocated blocks.

    A type that grows in every run adds blocks (or tracked objects) in every
    run, so when neither count grows in some run, no census is needed: check's
    own rule, on two numbers.  The collector is off meanwhile and nothing is collected (a full
    collection of a big heap costs more than the census it would spare): cyclic
    garbage then only adds blocks, which can only send a test on to the exact
    check, never let a leak through.  Under PYTHONMALLOC=malloc the count is
    always 0: no filter then.
    """
    import gc
    import sys

    if sys.getallocatedblocks() == 0:
        return True
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(warmup):
            fn()
        prev = (sys.getallocatedblocks(), gc.get_count()[0])
        every = [True, True]
        for _ in range(runs):
            fn()
            # pymalloc's blocks (every small object, tracked or not) and the
            # collector's net count of tracked objects allocated since it last ran
            now = (sys.getallocatedblocks(), gc.get_count()[0])
            every = [e and n > p for e, n, p in zip(every, now, prev)]
            prev = now
    finally:
        if was:
            gc.enable()
    return any(every)


def _filtered(report: Report, ignore: Iterable[str]) -> Report:
    ignored = set(ignore) | DEFAULT_IGNORED
    report.leaks = [leak for leak in report.leaks if leak.type not in ignored]
    return report


def check_no_leaks(
    fn: Callable[[], object],
    runs: int = 5,
    warmup: int = 2,
    ignore_types: Iterable[str] = (),
    trace: bool = False,
    prefilter: bool = True,
) -> Report:
    """Run ``fn`` as ``heapscope.check`` does; raise LeakError when it leaks.

    With ``trace``, allocations are traced so the failure names the lines
    that allocated the leaked objects (slower).  With ``prefilter`` (the
    default), a test that adds neither allocator blocks nor tracked objects
    in every run passes without a census; objects over 512 bytes that the
    collector does not track (a large bytes payload) are invisible to that
    filter: check such code with ``prefilter=False``.
    """
    __tracebackhide__ = True
    if prefilter and not _might_leak(fn, runs, warmup):
        return Report(runs=runs, warmup=warmup)  # the allocator saw no growth: no census needed
    report = _filtered(check(fn, runs=runs, warmup=warmup, early_stop=True, trace=trace), ignore_types)
    if report.leaks:
        raise LeakError(report)
    return report


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("heapscope", "memory-leak checks (heapscope)")
    group.addoption(
        "--heapscope-leaks",
        action="store_true",
        default=False,
        help="check every test for leaks (as if marked no_leaks)",
    )
    group.addoption(
        "--heapscope-runs", type=int, default=5, help="measured runs per checked test (default 5)"
    )
    group.addoption(
        "--heapscope-warmup", type=int, default=2, help="warm-up runs per checked test (default 2)"
    )
    group.addoption(
        "--heapscope-no-prefilter",
        action="store_true",
        default=False,
        help="census every checked test (no allocator filter first: slower, sees large untracked objects)",
    )
    group.addoption(
        "--heapscope-trace",
        action="store_true",
        default=False,
        help="trace allocations in checked tests, so failures name the allocating line (slower)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "no_leaks(runs=5, warmup=2, ignore_types=(), trace=False, prefilter=True): "
        "fail the test if some type grows in every run",
    )
    config._heapscope_overhead = 0.0  # type: ignore[attr-defined]
    config._heapscope_checked = 0  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    config = pyfuncitem.config
    marker = pyfuncitem.get_closest_marker("no_leaks")
    if marker is None and not config.getoption("heapscope_leaks"):
        return None
    func = pyfuncitem.obj
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        return None  # let the async plugin run it, unchecked
    kwargs: dict[str, Any] = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    opts = dict(marker.kwargs) if marker is not None else {}
    runs = int(opts.get("runs", config.getoption("heapscope_runs")))
    warmup = int(opts.get("warmup", config.getoption("heapscope_warmup")))
    ignore = opts.get("ignore_types", ())

    body_time = 0.0

    def body() -> None:
        nonlocal body_time
        t = time.perf_counter()
        func(**kwargs)
        body_time += time.perf_counter() - t

    started = time.perf_counter()
    try:
        trace = bool(opts.get("trace", config.getoption("heapscope_trace")))
        prefilter = bool(opts.get("prefilter", not config.getoption("heapscope_no_prefilter")))
        check_no_leaks(body, runs=runs, warmup=warmup, ignore_types=ignore, trace=trace, prefilter=prefilter)
    except LeakError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        total = time.perf_counter() - started
        # Overhead: heapscope's own time, beyond the extra runs of the body.
        config._heapscope_overhead += max(0.0, total - body_time)  # type: ignore[attr-defined]
        config._heapscope_checked += 1  # type: ignore[attr-defined]
    return True


@pytest.fixture
def leak_check() -> Callable[..., Report]:
    """``leak_check(fn, runs=5, warmup=2, ignore_types=())``: fail if ``fn`` leaks."""
    return check_no_leaks


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, each worker checks its own tests; hand its totals to the controller."""
    config = session.config
    output = getattr(config, "workeroutput", None)
    if output is not None:
        checked = getattr(config, "_heapscope_checked", 0)
        output["heapscope"] = (checked, getattr(config, "_heapscope_overhead", 0.0))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: add up the workers' totals for the summary."""
    checked, overhead = getattr(node, "workeroutput", {}).get("heapscope", (0, 0.0))
    config = node.config
    config._heapscope_checked = getattr(config, "_heapscope_checked", 0) + checked
    config._heapscope_overhead = getattr(config, "_heapscope_overhead", 0.0) + overhead


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    checked = getattr(config, "_heapscope_checked", 0)
    if checked:
        overhead = getattr(config, "_heapscope_overhead", 0.0)
        terminalreporter.write_line(
            f"heapscope: checked {checked} test(s) for leaks; heapscope's own time "
            f"{overhead:.2f} s ({overhead / checked * 1000:.0f} ms per test, beyond the repeated runs)"
        )
