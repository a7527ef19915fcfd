#!/usr/bin/env bash
# The benchmark's own environment: heapscope (release build) and the peer
# tools, never installed as heapscope's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BENCH_VENV:-build/bench-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q objgraph pympler guppy3 .
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
