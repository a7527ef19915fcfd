#!/usr/bin/env bash
# The benchmark's own environment: heapscope (release build) and the peer
# tools, never installed as heapscope's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BENCH_VENV:-build/bench-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q objgraph pympler guppy3 pytest pytest-memray .
if [ "${1:-}" = all ]; then
    # Every table, each with its peers measured in the same run:
    # bench/run.sh all [SIZES]   (default 1000000,5000000 GC-tracked objects)
    sizes=${2:-1000000,5000000}
    big=${sizes##*,}
    py="$VENV/bin/python"
    echo "== census, why-alive, full graph (objgraph, pympler, guppy3)"
    "$py" bench/bench_census.py --sizes "$sizes" --why --graph
    echo; echo "== a snapshot's peak memory by phase (guppy3)"
    "$py" bench/bench_phases.py --sizes "$sizes"
    echo; echo "== why-alive along a chain (objgraph)"
    "$py" bench/bench_chain.py --sizes "$sizes"
    echo; echo "== a second question on a kept snapshot"
    "$py" bench/bench_why_kept.py
    echo; echo "== snapshot files, and check beside tracemalloc"
    "$py" bench/bench_snapshot.py --sizes "$big"
    echo; echo "== objgraph's API on heapscope (objgraph)"
    "$py" bench/bench_objgraph.py
    echo; echo "== the pytest plugin (pytest-memray)"
    "$py" bench/bench_plugin.py
    echo; echo "== attach (gdb's recipe)"
    "$py" bench/bench_attach.py
    exit 0
fi
if [ "${1:-}" = phases ]; then
    shift
    exec "$VENV/bin/python" bench/bench_phases.py "$@"  # a snapshot's peak memory by phase, guppy3 beside it
fi
if [ "${1:-}" = chain ]; then
    shift
    exec "$VENV/bin/python" bench/bench_chain.py "$@"  # linked lists of instances, objgraph as the peer
fi
if [ "${1:-}" = stress ]; then
    shift
    exec "$VENV/bin/python" bench/attach_stress.py "$@"  # attach again and again; harm per Python
fi
if [ "${1:-}" = why-kept ]; then
    shift
    exec "$VENV/bin/python" bench/bench_why_kept.py "$@"  # a second question on a kept snapshot
fi
if [ "${1:-}" = attach ]; then
    shift
    exec "$VENV/bin/python" bench/bench_attach.py "$@"  # gdb, when installed, is the peer
fi
exec "$VENV/bin/python" bench/bench_census.py "$@"
