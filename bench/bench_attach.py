"""Attach benchmark: a sleeping target with about 100k objects.

Measures, per attach (median of --repeat):
  * heapscope: request to answer for one census sample, and how long the
    target's main thread was ptrace-stopped; attach to a report with two
    samples (interval waits excluded by construction), in-process and as the
    whole `heapscope attach --samples 2 --interval 0` command;
  * the peer: Pyrasite's recipe (gdb -p PID, PyGILState_Ensure +
    PyRun_SimpleString + PyGILState_Release), run against the same target
    in the same run, with the same census code (gc.get_objects by type).
    gdb stops every thread for its whole run, so its stop time is its
    wall time.  Targets: attach to a report under 100 ms, main thread
    stopped under 10 ms.

usage: python bench/bench_attach.py [--objects 100000] [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = """
import sys, time
sys.path.insert(0, {here!r})
import heaps
keep = heaps.build({n})
open({ready!r}, "w").close()
while True:
    time.sleep(0.05)
"""


SPINNER = """
import sys
sys.path.insert(0, {here!r})
import heaps
keep = heaps.build({n})
open({ready!r}, "w").close()
x = 0
while True:
    x = (x * 31 + 7) % 1000003
"""


def start(n: int, tmp: str, spin: bool = False) -> subprocess.Popen[bytes]:
    ready = os.path.join(tmp, "ready-spin" if spin else "ready")
    code = (SPINNER if spin else TARGET).format(here=HERE, n=n, ready=ready)
    proc = subprocess.Popen([sys.executable, "-c", code])
    while not os.path.exists(ready):
        time.sleep(0.01)
    time.sleep(0.2)
    return proc


def bench_heapscope(pid: int, repeat: int) -> tuple[list[float], list[float], int]:
    from heapscope.attach import session

    att = session.open_target(pid, timeout=30)
    walls, stops = [], []
    count = 0
    try:
        session.request(att, "census", session="warm", keep_last="1", addresses="0")  # loads the agent
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = session.request(att, "census", session="b", keep_last="1", addresses="0")
            walls.append((time.perf_counter() - t0) * 1000)
            stops.append(att.injections[-1].stopped_ms)
            count = int(out["count"])
    finally:
        session.close(att)
    return walls, stops, count


def bench_report(pid: int, repeat: int) -> list[float]:
    """What `heapscope attach PID --samples 2 --interval 0` does once Python runs:
    preflight and staging, two samples (the second brings the final analysis),
    the report."""
    from heapscope.attach import session
    from heapscope.report import verdicts

    out = []
    for i in range(repeat):
        t0 = time.perf_counter()
        att = session.open_target(pid, timeout=30)
        try:
            session.request(att, "census", session=f"r{i}")
            fin = session.request(att, "census", session=f"r{i}", finish="1", explain="1")
            verdicts(fin["series"], runs=1, warmup=0)
        finally:
            session.close(att)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench_cli(pid: int, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        out.append(cli_once(pid))
    return out


def bench_cli_first(n: int, repeat: int, tmp: str) -> list[float]:
    """The CLI's first attach to a process: the target loads the agent and the
    extension too (later attaches find them loaded)."""
    out = []
    for _ in range(repeat):
        proc = start(n, tmp)
        try:
            out.append(cli_once(proc.pid))
        finally:
            proc.kill()
            proc.wait()
            os.unlink(os.path.join(tmp, "ready"))
    return out


def cli_once(pid: int) -> float:
    # The command a user types: the console script beside this Python (pip's
    # wrapper), or `python -m heapscope` where there is none.
    script = os.path.join(os.path.dirname(sys.executable), "heapscope")
    command = [script] if os.access(script, os.X_OK) else [sys.executable, "-m", "heapscope"]
    t0 = time.perf_counter()
    r = subprocess.run(
        [
            *command,
            "attach",
            str(pid),
            "--samples",
            "2",
            "--interval",
            "0",
            "--json",
        ],
        capture_output=True,
    )
    assert r.returncode in (0, 1), r.stderr
    return (time.perf_counter() - t0) * 1000


def bench_gdb(pid: int, repeat: int, tmp: str) -> list[float]:
    result = os.path.join(tmp, "gdb-result")
    code = (
        "import gc\\n"
        "c = {}\\n"
        "for o in gc.get_objects(): c[type(o).__name__] = c.get(type(o).__name__, 0) + 1\\n"
        f"open('{result}', 'w').write(str(len(c)))\\n"
    )
    out = []
    for _ in range(repeat):
        if os.path.exists(result):
            os.unlink(result)
        t0 = time.perf_counter()
        r = subprocess.run(
            [
                "gdb",
                "-p",
                str(pid),
                "-batch",
                "-nx",
                "-ex",
                "set confirm off",
                "-ex",
                "call (int)PyGILState_Ensure()",
                "-ex",
                f'call (int)PyRun_SimpleString("{code}")',
                "-ex",
                "call (void)PyGILState_Release($1)",
            ],
            capture_output=True,
            timeout=120,
        )
        out.append((time.perf_counter() - t0) * 1000)
        if not os.path.exists(result):
            said = [ln for ln in (r.stderr + r.stdout).decode(errors="replace").splitlines() if ln.strip()]
            errs = [ln for ln in said if "rror" in ln or "Couldn't" in ln or "annot" in ln] or said[-1:]
            raise RuntimeError(f"gdb's injection produced no result ({errs[0] if errs else 'no output'})")
    return out


def bench_remote_exec(pid: int, repeat: int, tmp: str) -> list[float]:
    """3.14+: CPython's own sys.remote_exec (PEP 768) running the same census
    script as the gdb recipe; call to result file."""
    result = os.path.join(tmp, "remote-result")
    script = os.path.join(tmp, "census.py")
    with open(script, "w") as f:
        f.write(
            "import gc\n"
            "c = {}\n"
            "for o in gc.get_objects(): c[type(o).__name__] = c.get(type(o).__name__, 0) + 1\n"
            f"open({result!r} + '.tmp', 'w').write(str(len(c)))\n"
            f"__import__('os').replace({result!r} + '.tmp', {result!r})\n"
        )
    out = []
    for _ in range(repeat):
        if os.path.exists(result):
            os.unlink(result)
        t0 = time.perf_counter()
        sys.remote_exec(pid, script)  # type: ignore[attr-defined]
        while not os.path.exists(result):
            time.sleep(0.0002)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    proc = start(args.objects // 2, tmp)  # heaps.build(n) gives about 2n objects
    try:
        walls, stops, count = bench_heapscope(proc.pid, args.repeat)
        report = bench_report(proc.pid, max(3, args.repeat // 2))
        cli = bench_cli(proc.pid, max(3, args.repeat // 2))
        med = statistics.median
        print(f"target: {count:,} objects, sleeping (pid {proc.pid}), Python {sys.version.split()[0]}")
        print(f"{'what':<48} {'median':>10} {'min':>10}")
        print(
            f"{'heapscope: one census sample, request to answer':<48} {med(walls):>8.1f} ms {min(walls):>7.1f} ms"
        )
        print(f"{'heapscope: main thread ptrace-stopped':<48} {med(stops):>8.2f} ms {min(stops):>7.2f} ms")
        what = "attach to a report: 2 samples, in-process"
        print(f"{what:<48} {med(report):>8.1f} ms {min(report):>7.1f} ms")
        what = "the same by the CLI (Python start + imports too)"
        print(f"{what:<48} {med(cli):>8.1f} ms {min(cli):>7.1f} ms")
        first = bench_cli_first(args.objects // 2, max(3, args.repeat // 2), tmp)
        what = "the CLI's first attach to a fresh target"
        print(f"{what:<48} {med(first):>8.1f} ms {min(first):>7.1f} ms")
        gdb: list[float] = []
        if shutil.which("gdb"):
            try:
                gdb = bench_gdb(proc.pid, max(3, args.repeat // 2), tmp)
            except RuntimeError as e:  # gdb 13 cannot call into the target on some kernels
                print(f"gdb: {e}; peer not measured")
        else:
            print("gdb: not installed, peer not measured")
        if gdb:
            print(
                f"{'gdb + PyRun_SimpleString (Pyrasite recipe)':<48} {med(gdb):>8.1f} ms {min(gdb):>7.1f} ms"
            )
            print(
                f"ratio, one sample: gdb / heapscope = {med(gdb) / med(walls):.1f}x; "
                f"all threads stopped by gdb / main thread stopped by heapscope = {med(gdb) / med(stops):.0f}x"
            )
        if hasattr(sys, "remote_exec"):
            rx = bench_remote_exec(proc.pid, args.repeat, tmp)
            what = "sys.remote_exec, the same census script"
            print(f"{what:<48} {med(rx):>8.1f} ms {min(rx):>7.1f} ms")
            print(
                f"ratio, one sample: sys.remote_exec / heapscope = {med(rx) / med(walls):.1f}x "
                "(heapscope's sample also sizes every object and keeps the census for the diff)"
            )
        spinner = start(args.objects // 2, tmp, spin=True)
        try:
            swalls, sstops, _ = bench_heapscope(spinner.pid, args.repeat)
        finally:
            spinner.kill()
            spinner.wait()
        print(
            f"{'spinning target: one sample, request to answer':<48} {med(swalls):>8.1f} ms {min(swalls):>7.1f} ms"
        )
        print(
            f"{'spinning target: main thread ptrace-stopped':<48} {med(sstops):>8.2f} ms {min(sstops):>7.2f} ms"
        )
        targets = {
            "attach to a report < 100 ms (in-process)": med(report) < 100,
            "attach end to end <= 60 ms (the CLI)": med(cli) <= 60,
            "main thread stopped < 10 ms (sleeping, spinning)": max(med(stops), med(sstops)) < 10,
        }
        for what, ok in targets.items():
            print(f"target {what}: {'met' if ok else 'NOT met'}")
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
