"""A second why-alive question on a kept snapshot (issue #14: under 10 ms).

One heap of about --objects GC-tracked containers; heapscope.snapshot() once;
then why(obj, snapshot=snap) for --queries different objects, against a
fresh heapscope.why(obj) (a whole walk each) and, when installed,
objgraph.find_backref_chain (the peer that answers the same question).
Printed as medians and ratios measured in this run.

usage: python bench/bench_why_kept.py [--objects 1000000] [--queries 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heaps  # noqa: E402

import heapscope  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()
    keep = heaps.build(args.objects)
    step = max(1, len(keep) // args.queries)
    subjects = [keep[i] for i in range(0, len(keep), step)][: args.queries]
    t0 = time.perf_counter()
    snap = heapscope.snapshot(top=0)
    snap_s = time.perf_counter() - t0
    kept = []
    for obj in subjects:
        t0 = time.perf_counter()
        w = heapscope.why(obj, snapshot=snap)
        kept.append((time.perf_counter() - t0) * 1000)
        assert w.path.text
    live = []
    for obj in subjects[:3]:
        t0 = time.perf_counter()
        heapscope.why(obj)
        live.append((time.perf_counter() - t0) * 1000)
    med = statistics.median
    print(
        f"heap: {snap.stats().get('objects', '?'):,} objects; snapshot taken in {snap_s:.2f} s (labels kept)"
    )
    print(
        f"{'why(obj, snapshot=snap)':<44} {med(kept):>9.2f} ms  (max {max(kept):.2f} ms, {len(kept)} objects)"
    )
    print(f"{'why(obj): a fresh walk each':<44} {med(live):>9.0f} ms")
    print(f"ratio: fresh / kept = {med(live) / med(kept):.0f}x")
    try:
        import objgraph
    except ImportError:
        print("objgraph: not installed, peer not measured (bench/run.sh installs it)")
        return
    peer = []
    for obj in subjects[:3]:
        t0 = time.perf_counter()
        objgraph.find_backref_chain(obj, objgraph.is_proper_module, max_depth=20)
        peer.append((time.perf_counter() - t0) * 1000)
    print(f"{'objgraph.find_backref_chain':<44} {med(peer):>9.0f} ms")
    print(f"ratio: objgraph / kept = {med(peer) / med(kept):.0f}x")


if __name__ == "__main__":
    main()
