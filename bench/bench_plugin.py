"""The pytest plugin's overhead per checked test on a heap of about 100k objects.

    python bench/bench_plugin.py

Runs a generated test file in fresh pytest processes: 20 tests unmarked,
the same tests marked no_leaks, and (the peer, when pytest-memray is
installed) marked limit_leaks under `pytest --memray`; prints the plugin's own
reported overhead (its time beyond the repeated runs of the test bodies) per
test, and each run's wall-clock difference per test against the unmarked run,
with the ratio pytest-memray / heapscope.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

TESTS = """
import sys
sys.path.insert(0, {bench!r})
import heaps
import pytest

HEAP = heaps.build({n})
MARK = {mark}

def body(i):
    data = [object() for _ in range(50)]
    return sum(1 for _ in data) + i

{tests}
"""


MARKS = {"plain": "", "heapscope": "@pytest.mark.no_leaks\n", "memray": '@pytest.mark.limit_leaks("1 MB")\n'}


def run(kind: str, n: int, count: int) -> tuple[float, str]:
    tests = "\n".join(MARKS[kind] + f"def test_{i}():\n    body({i})\n" for i in range(count))
    marked = kind == "heapscope"
    extra = ["--memray"] if kind == "memray" else []
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "test_bench_plugin.py")
        with open(path, "w") as f:
            f.write(
                TESTS.format(bench=os.path.dirname(os.path.abspath(__file__)), n=n, mark=marked, tests=tests)
            )
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, path],
            capture_output=True,
            text=True,
        )
        return time.perf_counter() - t0, r.stdout


def median_run(kind: str, n: int, count: int, repeat: int = 3) -> tuple[float, str]:
    """The median wall time of `repeat` fresh runs (the runs are short: noise is large)."""
    results = sorted((run(kind, n, count) for _ in range(repeat)), key=lambda r: r[0])
    return results[repeat // 2]


def main() -> None:
    n, count = 42_000, 20  # about 100k objects in all (tracked or not)
    t_plain, _ = median_run("plain", n, count)
    t_marked, out = median_run("heapscope", n, count)
    m = re.search(r"heapscope: checked (\d+) test\(s\).*?([\d.]+) s \((\d+) ms per test", out)
    print(
        f"Python {sys.version.split()[0]}; {count} tests; heap of {n:,} tracked objects (about 100k in all)"
    )
    print(f"  unmarked run:  {t_plain:.2f} s")
    ours = (t_marked - t_plain) / count * 1000
    print(f"  no_leaks run:  {t_marked:.2f} s  ({ours:.0f} ms more per test)")
    if m:
        print(f"  plugin's own time beyond the repeated bodies: {m.group(3)} ms per test (target: 15 ms)")
    else:
        print(out[-2000:])
    try:
        import pytest_memray  # noqa: F401
    except ImportError:
        print("  pytest-memray is not installed: no peer (bench/run.sh installs it)")
        return
    t_memray, out = median_run("memray", n, count)
    theirs = (t_memray - t_plain) / count * 1000
    print(f"  pytest-memray limit_leaks run: {t_memray:.2f} s  ({theirs:.0f} ms more per test)")
    if ours >= 1:
        print(f"  ratio, per test: pytest-memray / heapscope = {theirs / ours:.1f}x")
    else:
        print(
            f"  ratio, per test: heapscope's extra is within the runs' noise (< 1 ms); pytest-memray's {theirs:.0f} ms"
        )


if __name__ == "__main__":
    main()
