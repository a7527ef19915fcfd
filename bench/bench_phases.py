"""Peak memory of a snapshot by phase, beside guppy3's heap() on the same heap.

Each row is a fresh process holding a synthetic heap of N GC-tracked objects
(bench/heaps.py).  While it takes ``heapscope.snapshot(top=0)`` (every
object, roots, paths, dominators and retained sizes), this process reads the
child's resident set from /proc/PID/statm every 2 ms: the snapshot holds the
GIL throughout, so a thread inside the child could not sample it.  The
samples are split into phases by the snapshot's own clock
(``stats()["seconds"]``, in the order they ran: walk, roots, dominators,
paths, answers), and
each phase's peak is shown above the heap's resident set before the call, in
MB and in bytes per object of the snapshot.  guppy3's ``hpy().heap()`` (a
census with sizes, no paths or dominators) is polled the same way in another
fresh process on the same heap, as the peer.

    python bench/bench_phases.py                      # 1M tracked objects
    python bench/bench_phases.py --sizes 1000000,5000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def child(tool: str, n: int) -> None:
    sys.path.insert(0, HERE)
    import gc

    import heaps

    keep = heaps.build(n)
    if tool == "heapscope":
        import heapscope

        snapshot = heapscope.snapshot
    else:
        from guppy import hpy

        h = hpy()
    gc.collect()
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    if tool == "heapscope":
        s = snapshot(top=0)
        t1 = time.monotonic()
        st = s.stats()
        out = {"objects": st["objects"], "seconds": st["seconds"]}
    else:
        out = {"objects": h.heap().count}
        t1 = time.monotonic()
    out.update(start=t0, end=t1)
    print(json.dumps(out), flush=True)
    del keep


def measure(tool: str, n: int) -> dict:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", tool, "--n", str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        proc.wait()
        raise SystemExit(f"{tool} at {n:,}: the child failed before the call")
    base = rss(proc.pid)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    samples: list[tuple[float, int]] = []
    proc.stdin.write("go\n")
    proc.stdin.flush()
    while reader.is_alive():
        try:
            samples.append((time.monotonic(), rss(proc.pid)))
        except (OSError, IndexError):
            break
        time.sleep(0.002)
    reader.join()
    proc.stdin.close()
    proc.wait()
    if not lines or not lines[0].strip():
        raise SystemExit(f"{tool} at {n:,}: the child exited with {proc.returncode} during the call")
    res = json.loads(lines[0])
    res.update(tool=tool, n=n, base=base, samples=samples)
    return res


def peak(samples: list[tuple[float, int]], lo: float, hi: float, base: int) -> int:
    return max((r - base for t, r in samples if lo <= t < hi), default=0)


def report(hs: dict, peer: dict | None) -> None:
    n_obj = hs["objects"]
    print(f"\nsnapshot(top=0) of a heap of {hs['n']:,} GC-tracked objects ({n_obj:,} objects)")
    print(f"  {'phase':<18} {'seconds':>8} {'peak MB':>9} {'B/object':>9}")
    t = hs["start"]
    for name, secs in hs["seconds"].items():  # in the order the phases ran
        dt = float(secs)
        p = peak(hs["samples"], t, t + dt, hs["base"])
        print(f"  {name:<18} {dt:>8.3f} {p / 2**20:>9.1f} {p / n_obj:>9.1f}")
        t += dt
    whole = peak(hs["samples"], hs["start"], float("inf"), hs["base"])
    print(f"  {'whole call':<18} {hs['end'] - hs['start']:>8.3f} {whole / 2**20:>9.1f} {whole / n_obj:>9.1f}")
    if peer is not None:
        pw = peak(peer["samples"], peer["start"], float("inf"), peer["base"])
        ratio = pw / whole if whole else float("nan")
        print(
            f"  guppy3 hpy().heap() {peer['end'] - peer['start']:>7.3f} {pw / 2**20:>9.1f} "
            f"{pw / max(1, peer['objects']):>9.1f}   (census only; its peak / heapscope's: {ratio:.2f}x)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000", help="GC-tracked objects per heap, comma-separated")
    ap.add_argument("--no-peer", action="store_true", help="skip guppy3")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.n)
        return
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; each row a fresh process, RSS polled every 2 ms"
    )
    for n in [int(s) for s in args.sizes.split(",")]:
        hs = measure("heapscope", n)
        peer = None
        if not args.no_peer:
            try:
                import guppy  # noqa: F401
            except ImportError:
                print("  (guppy3 is not installed here: bench/run.sh installs it)")
            else:
                peer = measure("guppy3", n)
        report(hs, peer)


if __name__ == "__main__":
    main()
