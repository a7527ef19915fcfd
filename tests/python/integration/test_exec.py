"""`heapscope exec PID script.py` (issue #15): a user's script run inside a
live process at a safe point, through both attach paths; its output, its
exception and its exit status come back; nothing stays behind."""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_heapscope
from test_attach import PATHS, needs_ptrace

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64", reason="attach is built for Linux x86_64"
)


def _script(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _exec(pid, script, path, *extra, timeout=120):
    method = ("--method", "injector") if path == "injector" else ()
    return run_heapscope("exec", str(pid), script, *method, *extra, timeout=timeout)


PROBE = """
import sys, gc, __main__
print("in", __name__, "pid", __import__("os").getpid())
print("leaky objects:", sum(type(o).__name__ == "Leaky" for o in gc.get_objects()) > 0)
print("a line on stderr", file=sys.stderr)
"""


@needs_ptrace
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", ["sleep", "spin", "read", "threads"])
def test_exec_runs_in_the_target_and_its_output_comes_back(target, tmp_path, mode, path):
    t = target(mode)
    r = _exec(t.pid, _script(tmp_path, "probe.py", PROBE), path)
    assert r.returncode == 0, r.stderr
    assert f"in __heapscope_exec__ pid {t.pid}\n" in r.stdout
    if mode != "read":  # read never makes a Leaky: it waits before its first
        assert "leaky objects: True" in r.stdout
    assert r.stderr == "a line on stderr\n", r.stderr
    t.healthy()


@needs_ptrace
@pytest.mark.parametrize("path", PATHS)
def test_a_script_that_raises_gives_its_traceback_and_status_1(target, tmp_path, path):
    t = target("sleep")
    script = _script(
        tmp_path, "boom.py", "def f():\n    raise ValueError('boom in the target')\nprint('before')\nf()\n"
    )
    r = _exec(t.pid, script, path)
    assert r.returncode == 1, r.stderr
    assert r.stdout == "before\n"
    lines = r.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):", r.stderr
    assert f'File "{script}", line 4, in <module>' in r.stderr and "agent.py" not in r.stderr
    assert lines[-1] == "ValueError: boom in the target"
    t.healthy()
    # SystemExit gives the status, as python script.py would
    r = _exec(t.pid, _script(tmp_path, "exit.py", "raise SystemExit(7)\n"), path)
    assert (r.returncode, r.stdout, r.stderr) == (7, "", ""), r.stderr
    t.healthy()


@needs_ptrace
def test_nothing_of_the_run_stays_in_the_target(target, tmp_path):
    t = target("threads")
    first = _script(
        tmp_path, "one.py", "left_behind = [1, 2, 3]\nimport sys\nprint(type(sys.stdout).__name__)\n"
    )
    r = _exec(t.pid, first, "remote")
    assert r.returncode == 0 and r.stdout.strip() != "TextIOWrapper", r  # routed while it runs
    check = """
import sys, gc, __main__
print(type(sys.stdout).__name__, type(sys.stderr).__name__)
print(hasattr(__main__, "left_behind"))
print(sum(1 for o in gc.get_objects() if type(o) is dict and o.get("left_behind") == [1, 2, 3]))
"""
    r = _exec(t.pid, _script(tmp_path, "two.py", check), "remote")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # the streams are the target's own again outside a run; the first run's globals are gone
    assert lines[1:] == ["False", "0"], r.stdout
    assert not [n for n in os.listdir(f"/proc/{t.pid}/root/tmp") if n.startswith(f"heapscope-{t.pid}-")]
    t.healthy()


@needs_ptrace
@pytest.mark.parametrize("mode", ["sleep", "read"])  # read: entered in a parked thread (the injector)
def test_ctrl_c_stops_waiting_and_says_the_script_still_runs(target, tmp_path, mode):
    t = target(mode)
    done = tmp_path / "done"
    script = _script(
        tmp_path,
        "long.py",
        f"import time\nprint('started', flush=True)\nfor i in range(80):\n    time.sleep(0.1)\n"
        f"open({str(done)!r}, 'w').close()\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "heapscope", "exec", str(t.pid), script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "started\n"  # streamed while the script runs
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and f"the script still runs in process {t.pid}" in err, err
    assert not done.exists()
    deadline = time.monotonic() + 40  # the script runs 8 s; a loaded machine takes longer
    while not done.exists():  # it finishes on its own, the target unharmed
        assert time.monotonic() < deadline, "the script did not finish"
        time.sleep(0.05)
    # Nothing of heapscope stays mapped in the target (a trampoline's scratch is
    # unmapped by a helper once the script is done).  That cleanup stops the
    # thread for its munmap, as any injection does: the target's health is
    # checked once it is over, so a stop it left behind would still show.
    deadline = time.monotonic() + 10
    while True:
        with open(f"/proc/{t.pid}/maps") as f:
            anon_rwx = [
                line
                for line in f
                if (" rwxp " in line or " r-xp 00000000 00:00 0 " in line) and not line.rstrip().endswith("]")
            ]
        if not anon_rwx or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not anon_rwx, anon_rwx
    t.healthy()


def test_bad_input_is_one_line_and_exit_2_or_the_attach_code(tmp_path):
    r = run_heapscope("exec", str(os.getpid()), str(tmp_path / "missing.py"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot read" in r.stderr, r.stderr
    bad = _script(tmp_path, "bad.py", "def (:\n")
    r = run_heapscope("exec", str(os.getpid()), bad)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "bad.py:1" in r.stderr, r.stderr
    ok = _script(tmp_path, "ok.py", "print(1)\n")
    dead = subprocess.Popen(["true"])
    dead.wait()
    r = run_heapscope("exec", str(dead.pid), ok)
    assert r.returncode == 3 and r.stderr.count("\n") == 1, r.stderr
    r = run_heapscope("exec", "1", ok)  # not Python, or not ours to trace
    assert r.returncode in (4, 8) and r.stderr.count("\n") == 1, r.stderr
