"""heapscope beside objgraph, pympler, guppy3 and tracemalloc, in the same run.

Each measurement runs in a fresh process: build a synthetic heap of N
GC-tracked objects, then time one call of each tool and measure its peak
extra memory (the rise of the process' peak RSS during the call).

    python bench/bench_census.py                    # 100k and 1M objects, all tools
    python bench/bench_census.py --sizes 5000000 --tools heapscope,objgraph.typestats

Census tools: heapscope.census (every object, sizes), objgraph.typestats and
objgraph.show_growth (GC-tracked objects only, no sizes), pympler's muppy
summary and guppy3's hpy().heap() (every object, sizes).  Why-alive tools
(--why): heapscope.why against objgraph.find_backref_chain and guppy3's
shpaths on the seed's registry leak and a 20-hop chain.  --graph times the
full graph with roots, paths and dominators.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
CENSUS_TOOLS = ["heapscope", "objgraph.typestats", "objgraph.show_growth", "pympler", "guppy3"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def census_call(tool: str):
    if tool == "heapscope":
        import heapscope

        census = heapscope.census  # imported before the clock starts, as the peers are
        return lambda: census().count
    if tool == "objgraph.typestats":
        import objgraph

        return lambda: sum(objgraph.typestats().values())
    if tool == "objgraph.show_growth":
        import objgraph

        def growth():
            with open(os.devnull, "w") as out:
                objgraph.show_growth(file=out)
            return None

        return growth
    if tool == "pympler":
        from pympler import muppy, summary

        return lambda: sum(row[1] for row in summary.summarize(muppy.get_objects()))
    if tool == "guppy3":
        from guppy import hpy

        return lambda: hpy().heap().count
    if tool == "heapscope.graph":
        import heapscope

        snapshot = heapscope.snapshot
        return lambda: snapshot(top=0).stats()["objects"]
    if tool == "tracemalloc.snapshot":
        import tracemalloc

        return lambda: len(tracemalloc.take_snapshot().traces)
    raise SystemExit(f"unknown tool {tool}")


def why_call(tool: str, target: weakref.ref[object]):
    # The target is reached only through the leak: the benchmark holds a weak
    # reference, so that no tool can answer with the benchmark's own local.
    if tool == "heapscope":
        import heapscope

        why = heapscope.why
        return lambda: why(target(), dominators=False).path.text
    if tool == "objgraph":
        import objgraph

        return lambda: len(objgraph.find_backref_chain(target(), objgraph.is_proper_module))
    if tool == "guppy3":
        from guppy import hpy

        h = hpy()
        return lambda: str(h.iso(target()).shpaths)[:200]
    raise SystemExit(f"unknown tool {tool}")


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, HERE)
    import gc

    import heaps

    if args.tool == "tracemalloc.snapshot":
        import tracemalloc

        tracemalloc.start()
    keep = heaps.build(args.n)
    target = None
    if args.why == "registry":
        target = heaps.registry_leak(1000)
    elif args.why == "chain":
        target = heaps.chain(20)
    ref = weakref.ref(target) if target is not None else None
    del target
    gc.collect()
    tracked = len(gc.get_objects())
    fn = why_call(args.tool, ref) if args.why else census_call(args.tool)
    before = peak_rss_mb()
    t0 = time.perf_counter()
    counted = fn()
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "tool": args.tool,
                "n": args.n,
                "tracked": tracked,
                "seconds": seconds,
                "peak_extra_mb": max(0.0, peak_rss_mb() - before),
                "counted": counted if isinstance(counted, (int, type(None))) else str(counted)[:80],
            }
        )
    )
    del keep


def measure(tool: str, n: int, case: str | None = None, timeout: float = 900) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--tool", tool, "--n", str(n)]
    if case:
        cmd += ["--why-case", case]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "n": n, "error": f"timed out after {timeout:.0f} s"}
    if r.returncode != 0:
        return {"tool": tool, "n": n, "error": (r.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def table(rows: list[dict], base_tool: str, title: str) -> None:
    print(f"\n{title}")
    base = next((r for r in rows if r["tool"] == base_tool and "error" not in r), None)
    print(f"  {'tool':<24} {'seconds':>9} {'peak MB':>9} {'vs heapscope':>13}  counted")
    for r in rows:
        if "error" in r:
            print(f"  {r['tool']:<24} {'-':>9} {'-':>9} {'-':>13}  {r['error']}")
            continue
        ratio = r["seconds"] / base["seconds"] if base and base["seconds"] > 0 else float("nan")
        print(
            f"  {r['tool']:<24} {r['seconds']:>9.3f} {r['peak_extra_mb']:>9.1f} "
            f"{ratio:>12.1f}x  {r['counted']}"
        )
    if base:
        counted = base["counted"] if isinstance(base["counted"], int) else base["tracked"]
        per_obj = base["peak_extra_mb"] * 1024 * 1024 / max(1, counted)
        print(f"  heapscope peak extra memory: {per_obj:.1f} bytes per object counted")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000", help="GC-tracked objects per heap, comma-separated")
    ap.add_argument("--tools", default=",".join(CENSUS_TOOLS))
    ap.add_argument("--why", action="store_true", help="also benchmark why-alive against objgraph and guppy3")
    ap.add_argument("--graph", action="store_true", help="also time the full graph, paths and dominators")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tool", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--why-case", dest="why_case", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args()
    if args.worker:
        args.why = args.why_case
        worker(args)
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; each cell a fresh process")
    tools = [t for t in args.tools.split(",") if t]
    for n in [int(s) for s in args.sizes.split(",")]:
        rows = [measure(t, n, timeout=args.timeout) for t in tools]
        if args.graph:
            rows.append(measure("heapscope.graph", n, timeout=args.timeout))
        table(rows, "heapscope", f"census of a heap of {n:,} GC-tracked objects")
        if args.why:
            for case in ("registry", "chain"):
                wrows = [measure(t, n, case, args.timeout) for t in ("heapscope", "objgraph", "guppy3")]
                table(wrows, "heapscope", f"why-alive, {case} case, heap of {n:,} tracked objects")


if __name__ == "__main__":
    main()
