"""Snapshot files and allocation sites, timed in fresh processes.

    python bench/bench_snapshot.py [--sizes 1000000]

For each heap size: write a snapshot (beyond the graph walk), read it back,
diff two snapshots of the same process, and the file's bytes per object and
per edge.  Then `check` of a leaking function with and without allocation
tracing, beside a plain tracemalloc compare_to of the same runs: tracing from
just before the calls (as check does), and tracing all along (started before
the heap was built, as a service would to know every line).
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


def snapshot_worker(n: int, d: str) -> dict:
    sys.path.insert(0, HERE)
    import gc

    import heaps

    from heapscope import snapfile

    keep = heaps.build(n)
    gc.collect()
    t0 = time.perf_counter()
    snap = snapfile.take(top=0)
    t_graph = time.perf_counter() - t0
    a = os.path.join(d, "a.hsnap")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    snapfile.write(snap, a)
    t_write = time.perf_counter() - t0
    write_peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    stats = snap.stats()
    heaps.registry_leak(10000)
    gc.collect()
    b = os.path.join(d, "b.hsnap")
    snapfile.write(snapfile.take(top=0), b)
    t0 = time.perf_counter()
    la = snapfile.load(a)
    t_read = time.perf_counter() - t0
    lb = snapfile.load(b)
    t0 = time.perf_counter()
    result = snapfile.diff(la, lb)
    t_diff = time.perf_counter() - t0
    size = os.path.getsize(a)
    del keep
    return {
        "n": n,
        "objects": stats["objects"],
        "edges": stats["edges"],
        "graph_s": t_graph,
        "write_s": t_write,
        "read_s": t_read,
        "diff_s": t_diff,
        "bytes": size,
        "bytes_per_object": size / stats["objects"],
        "bytes_per_edge": size / stats["edges"],
        "born": result.born,
        "write_peak_mb": write_peak_mb,
        "rss_mb": rss_before / 1024,
    }


def sites_worker(mode: str, n: int) -> dict:
    sys.path.insert(0, HERE)
    import gc
    import tracemalloc

    import heaps

    import heapscope

    if mode == "tracemalloc-all-along":
        tracemalloc.start(5)  # as a service that traces from its start
    keep = heaps.build(n)
    gc.collect()

    def step() -> None:
        heaps.registry_leak(100)

    t0 = time.perf_counter()
    if mode.startswith("tracemalloc"):
        if not tracemalloc.is_tracing():
            tracemalloc.start(5)  # from just before the calls, as check traces
        for _ in range(2):
            step()
        snaps = [tracemalloc.take_snapshot()]
        for _ in range(5):
            step()
            snaps.append(tracemalloc.take_snapshot())
        stats = snaps[-1].compare_to(snaps[0], "lineno")
        answer = str(stats[0])
        tracemalloc.stop()
    else:
        report = heapscope.check(step, runs=5, warmup=2, trace=(mode == "check-traced"))
        leak = report.leaks[0]
        answer = f"{leak.type} {(leak.allocated_at or [None])[0]}"
    del keep
    return {"mode": mode, "seconds": time.perf_counter() - t0, "answer": answer[:100]}


def run(args: list[str]) -> dict:
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000")
    ap.add_argument("--worker")
    ap.add_argument("--n", type=int)
    ap.add_argument("--dir")
    ap.add_argument(
        "--check-heap", type=int, default=1_000_000, help="tracked objects behind the check comparison"
    )
    a = ap.parse_args()
    if a.worker == "snapshot":
        print(json.dumps(snapshot_worker(a.n, a.dir)))
        return
    if a.worker:
        print(json.dumps(sites_worker(a.worker, a.n)))
        return
    print(f"Python {sys.version.split()[0]}; each line a fresh process")
    for n in [int(s) for s in a.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as d:
            r = run(["--worker", "snapshot", "--n", str(n), "--dir", d])
        if "error" in r:
            print(f"  snapshot at {n:,}: {r['error']}")
            continue
        print(
            f"  {n:,} tracked ({r['objects']:,} objects, {r['edges']:,} edges): graph {r['graph_s']:.2f} s, "
            f"write {r['write_s']:.2f} s (peak +{r['write_peak_mb']:.0f} MB over {r['rss_mb']:.0f} MB), "
            f"read {r['read_s']:.2f} s, diff {r['diff_s']:.2f} s; "
            f"file {r['bytes'] / 1e6:.1f} MB = {r['bytes_per_object']:.1f} B per object in all"
        )
    n = a.check_heap
    print(f"  check beside tracemalloc's compare_to by hand, {n:,} tracked heap, 100 leaked objects per run:")
    times = {}
    for mode in ("check-untraced", "check-traced", "tracemalloc", "tracemalloc-all-along"):
        r = run(["--worker", mode, "--n", str(n)])
        times[mode] = r.get("seconds", float("nan"))
        print(f"    {mode:<22} {times[mode]:7.2f} s   {r.get('answer', r.get('error'))}")
    for peer in ("tracemalloc", "tracemalloc-all-along"):
        print(f"    ratio {peer} / check-traced = {times[peer] / times['check-traced']:.2f}x")


if __name__ == "__main__":
    main()
