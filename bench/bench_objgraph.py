"""heapscope.objgraph against objgraph itself, on the same calls.

    python bench/bench_objgraph.py [--tracked 1000000]

A heap of TRACKED GC-tracked containers (bench/heaps.py); each call is
timed in the same process for both modules (median of 3), and the ratio
objgraph time / heapscope time printed.  heapscope's counts include the
objects the collector does not track, so it counts more in less time.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(fn) -> float:
    runs = []
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracked", type=int, default=1_000_000)
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    import heaps
    import objgraph

    import heapscope.objgraph as hog

    keep = heaps.build(args.tracked)
    calls = {
        "count('Record')": lambda m: m.count("Record"),
        "typestats()": lambda m: m.typestats(),
        "most_common_types()": lambda m: m.most_common_types(),
        "show_growth()": lambda m: m.show_growth(file=io.StringIO()),
        "by_type('Point')": lambda m: m.by_type("Point"),
    }
    print(f"{len(gc.get_objects()):,} objects tracked by the collector")
    print(f"{'call':<22} {'objgraph s':>11} {'heapscope s':>12} {'ratio':>7}")
    for name, call in calls.items():
        t_og = timed(lambda call=call: call(objgraph))
        t_hs = timed(lambda call=call: call(hog))
        print(f"{name:<22} {t_og:>11.3f} {t_hs:>12.3f} {t_og / t_hs:>6.1f}x")
    del keep


if __name__ == "__main__":
    main()
