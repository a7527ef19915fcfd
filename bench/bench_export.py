"""Exports of a snapshot file, timed against writing the file itself.

    python bench/bench_export.py [--sizes 1000000,5000000]

For each heap size (GC-tracked containers; bench/heaps.py), in a fresh
process: write the .hsnap file (the walk excluded), then read it and export
it as a Chrome DevTools .heapsnapshot and as Parquet tables (pyarrow, when
installed).  Goals (#16, #17): heapsnapshot within 2x the .hsnap write,
Parquet within 3x.  The ratio printed is export time / .hsnap write time.
Peak memory (ru_maxrss) is printed per step: the export streams.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(n: int, d: str, step: str) -> dict:
    sys.path.insert(0, HERE)
    import gc

    from heapscope import export, snapfile

    path = os.path.join(d, "a.hsnap")
    if step == "write":
        import heaps

        keep = heaps.build(n)
        gc.collect()
        snap = snapfile.take(top=20)
        rss0 = _rss_mib()
        t0 = time.perf_counter()
        snapfile.write(snap, path)
        out = {"seconds": time.perf_counter() - t0, "objects": snap.stats()["objects"], "rss0": rss0}
        del keep
    else:
        loaded = snapfile.load(path)
        rss0 = _rss_mib()
        t0 = time.perf_counter()
        if step == "heapsnapshot":
            export.heapsnapshot(loaded, os.path.join(d, "a.heapsnapshot"))
            size = os.path.getsize(os.path.join(d, "a.heapsnapshot"))
        else:
            export.parquet([loaded], os.path.join(d, "tables"))
            size = sum(e.stat().st_size for e in os.scandir(os.path.join(d, "tables")))
        out = {"seconds": time.perf_counter() - t0, "bytes": size, "rss0": rss0}
    out["rss"] = _rss_mib()
    return out


def run(n: int, d: str, step: str) -> dict:
    code = f"import sys; sys.path.insert(0, {HERE!r}); import bench_export as b, json; print(json.dumps(b.worker({n}, {d!r}, {step!r})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,5000000")
    args = ap.parse_args()
    try:
        import pyarrow  # noqa: F401

        steps = ["heapsnapshot", "parquet"]
    except ImportError:
        steps = ["heapsnapshot"]
        print("(pyarrow is not installed: no Parquet row)")
    print(
        f"{'tracked':>10} {'objects':>11} {'step':>13} {'seconds':>8} {'x .hsnap':>9} {'MB out':>8} {'peak MiB':>9}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as d:
            w = run(n, d, "write")
            size = os.path.getsize(os.path.join(d, "a.hsnap"))
            print(
                f"{n:>10,} {w['objects']:>11,} {'.hsnap write':>13} {w['seconds']:>8.2f} {1:>9.2f} {size / 1e6:>8.0f} {w['rss']:>9.0f}"
            )
            for step in steps:
                r = run(n, d, step)
                ratio = r["seconds"] / w["seconds"]
                print(
                    f"{n:>10,} {w['objects']:>11,} {step:>13} {r['seconds']:>8.2f} {ratio:>9.2f} {r['bytes'] / 1e6:>8.0f} {r['rss']:>9.0f}"
                )


if __name__ == "__main__":
    main()
