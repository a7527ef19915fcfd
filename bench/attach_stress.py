"""Attach again and again to a target built to be hurt, and count the harm.

The target (tests/python/integration/stress_target.py) runs a 1 kHz Python
signal handler in its main thread beside threads that build and drop
objects, a GIL-holding C call and a spinning thread: the process that
`heapscope attach` crashed in 7 of 194 attaches before issue #11 was fixed.
Each attach is the user's command, `heapscope attach PID --samples 2
--interval 0 --json`; after each one the target must be alive, neither
stopped nor traced, still advancing, with its arithmetic intact.  A target
that dies is counted and restarted.

    python bench/attach_stress.py [--python PY ...] [-n 200] [--modes plain,trace,big] [--kill 0.15,0.7]

prints one row per (Python, mode): attaches, crashed, hung, left stopped,
left traced, stuck (no heartbeat for 30 s after an attach), corrupt, seconds
per attach, the longest wait for the next heartbeat after an attach, exit
codes.  `run()` is
what the test suite asserts on (tests/python/integration/test_attach_stress.py).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "tests", "python", "integration", "stress_target.py")
MODES = {"plain": [], "trace": ["--trace"], "big": ["--big", "1000000"]}


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


# A killed heapscope's ptrace helper outlives it and finishes what it started
# (docs/attach.md): the target is briefly stopped, and traced until the
# injected call it waits on has run.  Only what remains after this is harm.
HELPER_GRACE = 5.0


def _let_go(pid: int, grace: float) -> tuple[dict[str, str], float]:
    """The target's status once it is neither stopped nor traced, or after
    `grace` seconds; and how long that took."""
    start = time.monotonic()
    while True:
        st = _status(pid)
        waited = time.monotonic() - start
        held = st.get("State", "")[:1] in ("T", "t") or st.get("TracerPid", "0") != "0"
        if not held or waited >= grace:
            return st, waited
        time.sleep(0.005)


def _heartbeat(directory: str) -> str:
    try:
        with open(os.path.join(directory, "hb")) as f:
            return f.read()
    except OSError:
        return ""


class _Target:
    def __init__(self, python: str, mode: str, env: dict[str, str]) -> None:
        self.dir = tempfile.mkdtemp(prefix="hs-stress-")
        self.proc = subprocess.Popen(
            [python, TARGET, self.dir, *MODES[mode]],
            env=env,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not _heartbeat(self.dir):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"stress target did not start: {self.proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)

    def advancing(self, before: str, wait: float = 30.0) -> float | None:
        """Seconds until the heartbeat moved on (None: it did not within `wait`).

        A busy target with tracemalloc on, on a loaded machine, may take
        seconds to write its next heartbeat: slow is not stuck."""
        started = time.monotonic()
        while time.monotonic() - started < wait:
            if _heartbeat(self.dir) != before:
                return time.monotonic() - started
            if self.proc.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def close(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return err


def run(
    python: str,
    n: int,
    mode: str = "plain",
    heapscope: list[str] | None = None,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    method: str = "auto",
    kill: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Attach n times (`heapscope attach --method METHOD`); the counts of everything that went wrong.

    `python` runs the target and, unless `heapscope` says otherwise, the CLI
    (attach needs a heapscope built for the target's Python).  With `kill`
    (seconds: low, high), each attach asks for 200 back-to-back samples and
    is SIGKILLed at a random time in that range, mid-injection as often as
    not; one ordinary attach at the end must still find the leak."""
    heapscope = heapscope or [python, "-m", "heapscope"]
    env = dict(os.environ if env is None else env)
    out: dict[str, Any] = dict.fromkeys(
        ("crashed", "hung", "left_stopped", "left_traced", "stuck", "corrupt"), 0
    )
    out.update(
        python=python,
        mode=mode,
        method=method,
        attaches=n,
        exit_codes=collections.Counter(),
        failures=[],
        longest_gap=0.0,
        helper_linger=0.0,
        killed=kill is not None,
    )
    out["version"] = subprocess.run(
        [python, "-c", "import platform, sys; print(platform.python_version(), sys.executable)"],
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()[0]
    target = _Target(python, mode, env)
    started = time.monotonic()
    try:
        for i in range(n):
            before = _heartbeat(target.dir)
            last = kill is not None and i == n - 1
            samples = "200" if kill is not None and not last else "2"
            cmd = [
                *heapscope,
                "attach",
                str(target.proc.pid),
                "--samples",
                samples,
                "--interval",
                "0",
                "--json",
                "--method",
                method,
            ]
            try:
                if kill is not None and not last:
                    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
                    time.sleep(random.uniform(*kill))
                    p.kill()
                    err = p.communicate(timeout=timeout)[1].decode(errors="replace")
                    r = subprocess.CompletedProcess(cmd, p.returncode, "", err)
                else:
                    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
                out["exit_codes"][r.returncode] += 1
                if r.returncode not in (0, 1, -signal.SIGKILL) or (last and r.returncode != 1):
                    out["failures"].append(f"attach {i}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
            except subprocess.TimeoutExpired:
                out["hung"] += 1
                out["failures"].append(f"attach {i}: no answer within {timeout:g} s")
            st, waited = _let_go(target.proc.pid, grace=HELPER_GRACE if kill is not None else 0.0)
            out["helper_linger"] = max(out["helper_linger"], waited)
            if target.proc.poll() is not None:
                out["crashed"] += 1
                err = target.close()
                out["failures"].append(f"attach {i}: target died ({target.proc.returncode}): {err[-300:]}")
                target = _Target(python, mode, env)
                continue
            if st.get("State", "")[:1] in ("T", "t"):
                out["left_stopped"] += 1
                out["failures"].append(f"attach {i}: target left stopped")
                os.kill(target.proc.pid, signal.SIGCONT)
            if st.get("TracerPid", "0") != "0":
                out["left_traced"] += 1
                out["failures"].append(f"attach {i}: target left traced by {st.get('TracerPid')}")
            gap = target.advancing(before)
            if gap is None:
                out["stuck"] += 1
                out["failures"].append(f"attach {i}: target stopped advancing (30 s)")
            else:
                out["longest_gap"] = max(out["longest_gap"], gap)
            if os.path.exists(os.path.join(target.dir, "corrupt")):
                out["corrupt"] += 1
                out["failures"].append(f"attach {i}: the target's arithmetic check failed")
                os.unlink(os.path.join(target.dir, "corrupt"))
    finally:
        out["seconds_per_attach"] = (time.monotonic() - started) / max(1, n)
        target.close()
    return out


HEADER = (
    f"{'target':<16} {'mode':<6} {'method':<8} {'attaches':>8} {'crashed':>7} {'hung':>5} {'left stopped':>12} "
    f"{'left traced':>11} {'stuck':>5} {'corrupt':>7}  {'s/att':>6} {'max gap':>7}  exit codes"
)


def _row(r: dict[str, Any]) -> str:
    codes = " ".join(f"{k}:{v}" for k, v in sorted(r["exit_codes"].items()))
    return (
        f"{'CPython ' + r.get('version', '?'):<16} {r['mode']:<6} {r.get('method', 'auto'):<8} {r['attaches']:>8} {r['crashed']:>7} {r['hung']:>5} "
        f"{r['left_stopped']:>12} {r['left_traced']:>11} {r['stuck']:>5} {r['corrupt']:>7}  "
        f"{r['seconds_per_attach']:>6.2f} {r['longest_gap']:>7.2f}  {codes}"
        + (
            f"  (each attach SIGKILLed at a random point, the last one not; the helper let the target go"
            f" within {r['helper_linger']:.2f} s)"
            if r.get("killed")
            else ""
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--python",
        action="append",
        help="interpreter(s) with heapscope installed, for target and CLI; default: this one",
    )
    ap.add_argument("-n", type=int, default=200, help="attaches per mode (default 200)")
    ap.add_argument(
        "--modes", default="plain,trace,big", help="of plain, trace (tracemalloc on), big (1M objects)"
    )
    ap.add_argument("--big-n", type=int, default=20, help="attaches in the big mode (default 20)")
    ap.add_argument(
        "--kill", metavar="LOW,HIGH", help="SIGKILL each attach after LOW to HIGH seconds (e.g. 0.15,0.7)"
    )
    args = ap.parse_args()
    kill = tuple(float(x) for x in args.kill.split(",")) if args.kill else None
    print(HEADER)
    bad = 0
    for py in args.python or [sys.executable]:
        for mode in args.modes.split(","):
            r = run(py, args.big_n if mode == "big" else args.n, mode, kill=kill)  # type: ignore[arg-type]
            print(_row(r), flush=True)
            for line in r["failures"][:5]:
                print("    " + line)
            bad += r["crashed"] + r["hung"] + r["left_stopped"] + r["left_traced"] + r["stuck"] + r["corrupt"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
