"""The pytest plugin's overhead per checked test on a heap of about 100k objects.

    python bench/bench_plugin.py

Runs a generated test file twice in fresh pytest processes: 20 tests marked
no_leaks, then the same tests unmarked; prints the plugin's own reported
overhead (its time beyond the repeated runs of the test bodies) per test, and
the wall-clock difference per test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

TESTS = '''
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
'''


def run(marked: bool, n: int, count: int) -> tuple[float, str]:
    tests = "\n".join(
        ("@pytest.mark.no_leaks\n" if marked else "") + f"def test_{i}():\n    body({i})\n" for i in range(count)
    )
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "test_bench_plugin.py")
        with open(path, "w") as f:
            f.write(TESTS.format(bench=os.path.dirname(os.path.abspath(__file__)), n=n, mark=marked, tests=tests))
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path],
            capture_output=True,
            text=True,
        )
        return time.perf_counter() - t0, r.stdout


def main() -> None:
    n, count = 42_000, 20  # about 100k objects in all (tracked or not)
    t_plain, _ = run(False, n, count)
    t_marked, out = run(True, n, count)
    m = re.search(r"heapscope: checked (\d+) test\(s\).*?([\d.]+) s \((\d+) ms per test", out)
    print(f"Python {sys.version.split()[0]}; {count} tests; heap of {n:,} tracked objects (about 100k in all)")
    print(f"  unmarked run:  {t_plain:.2f} s")
    print(f"  marked run:    {t_marked:.2f} s  ({(t_marked - t_plain) / count * 1000:.0f} ms more per test)")
    if m:
        print(f"  plugin's own time beyond the repeated bodies: {m.group(3)} ms per test (target: 50 ms)")
    else:
        print(out[-2000:])


if __name__ == "__main__":
    main()
