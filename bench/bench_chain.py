"""Linked lists of class instances: the case that was quadratic (issue #11).

Each row runs in a fresh process: build a chain of N instances (with a
__dict__, or with __slots__), then time heapscope.why() of its head and of
its tail (the path through all N nodes) and heapscope.snapshot().  Before
the fix, why(head) and snapshot() took 0.40 / 1.56 / 4.96 / 20.9 s for 10k
/ 20k / 40k / 80k nodes (3.12), and a 1M __slots__ chain did not finish in
300 s.  The peer is objgraph.find_backref_chain, the one other tool that
answers the same question (the chain to a module), measured on the same heap
up to --peer-max nodes (it is quadratic itself).

    python bench/bench_chain.py [--sizes 100000,1000000] [--peer-max 100000]

The last line per chain is the time per node at the largest size over the
time per node at the one before: 1.0 is linear (below 1, fixed costs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, time, gc
n, kind, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Node:
    def __init__(self, nxt): self.next = nxt
class Slot:
    __slots__ = ("next", "__weakref__")
    def __init__(self, nxt): self.next = nxt
cls = Node if kind == "dict" else Slot
import weakref
tail = cls(None)
head = tail
for _ in range(n):
    head = cls(head)
tail_ref = weakref.ref(tail)
del tail  # the tail is reached only through the whole chain
gc.collect()
t = time.perf_counter()
if what == "why-head":
    import heapscope; w = heapscope.why(head); assert "head" in w.path.text
elif what == "why-tail":
    import heapscope, re; w = heapscope.why(tail_ref()); m = re.search(r"(\d+) more hops", w.path.text)
    assert m and len(w.path.hops) + int(m.group(1)) > n, w.path.text[-200:]  # the middle is elided
elif what == "snapshot":
    import heapscope; heapscope.snapshot(top=20)
elif what == "objgraph":
    import objgraph; chain = objgraph.find_backref_chain(tail_ref(), objgraph.is_proper_module, max_depth=2 * n + 10); assert len(chain) > n, len(chain)
print(json.dumps(time.perf_counter() - t))
"""


def measure(n: int, kind: str, what: str) -> float | None:
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), kind, what], capture_output=True, text=True, timeout=1800
    )
    if r.returncode != 0:
        return None
    return float(json.loads(r.stdout))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--peer-max", type=int, default=100000)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        import objgraph  # noqa: F401

        peer = True
    except ImportError:
        peer = False
    print(
        f"{'chain':<8} {'nodes':>9} {'why(head)':>10} {'why(tail)':>10} {'snapshot':>10} {'objgraph':>10} {'ratio':>7}"
    )
    for kind in ("dict", "slots"):
        prev: dict[str, float] = {}
        last: dict[str, float] = {}
        for n in sizes:
            row = {w: measure(n, kind, w) for w in ("why-head", "why-tail", "snapshot")}
            og = measure(n, kind, "objgraph") if peer and n <= args.peer_max else None
            ratio = f"{og / row['why-tail']:.1f}x" if og and row["why-tail"] else "-"
            cells = [
                f"{row[w]:.3f}" if row[w] is not None else "fail"
                for w in ("why-head", "why-tail", "snapshot")
            ]
            print(
                f"{kind:<8} {n:>9,} {cells[0]:>10} {cells[1]:>10} {cells[2]:>10} "
                f"{(f'{og:.3f}' if og else '-'):>10} {ratio:>7}",
                flush=True,
            )
            prev, last = last, {k: v for k, v in row.items() if v}
        if len(sizes) > 1:
            scale = sizes[-1] / sizes[-2]
            growth = ", ".join(f"{w} {last[w] / prev[w] / scale:.2f}" for w in last if w in prev)
            print(f"{kind:<8} time per node at {sizes[-1]:,} over at {sizes[-2]:,} (1.0 = linear): {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
