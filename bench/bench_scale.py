"""heapscope at scale: a heap of 20M GC-tracked objects (about 47M in all).

    python bench/bench_scale.py [--tracked 20000000]

One process: builds the heap, then times a census, a why-alive question, a
snapshot file's write and read, and prints each step's peak memory (the rise
of the process' peak RSS over the heap itself).  Object indexes are 32-bit:
a heap of more than 4,294,967,294 objects or edges is refused with "heap too
large for 32-bit object indexes" (HS_ETOOBIG), never wrapped.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracked", type=int, default=20_000_000)
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    import heaps

    import heapscope
    from heapscope import snapfile

    t0 = time.perf_counter()
    keep = heaps.build(args.tracked)
    target = weakref.ref(heaps.registry_leak(1000))
    gc.collect()
    base = peak_mb()
    print(
        f"Python {sys.version.split()[0]}; heap of {len(gc.get_objects()):,} tracked objects "
        f"built in {time.perf_counter() - t0:.0f} s, {base / 1024:.1f} GiB"
    )

    def step(name: str, fn):
        before = peak_mb()
        t = time.perf_counter()
        out = fn()
        print(f"  {name:<22} {time.perf_counter() - t:7.2f} s   peak +{peak_mb() - before:7.0f} MB   {out}")
        return out

    step("census", lambda: f"{heapscope.census().count:,} objects")
    step("why (registry leak)", lambda: heapscope.why(target(), dominators=False).path.text[:60])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "scale.hsnap")
        snap = step("snapshot (graph)", lambda: snapfile.take(top=0))

        def write() -> str:
            snapfile.write(snap, path)
            return f"{os.path.getsize(path) / 2**30:.2f} GiB"

        step("snapshot file write", write)
        snap = None
        step("snapshot file read", lambda: f"{snapfile.load(path).snapshot.stats()['objects']:,} objects")
    print(f"  process peak {peak_mb() / 1024:.1f} GiB (heap {base / 1024:.1f} GiB)")
    del keep


if __name__ == "__main__":
    main()
