"""Attach preflight on real processes: every refusal has its own code and sentence."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from heapscope.attach import preflight
from heapscope.attach.preflight import AttachError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="attach reads /proc")


def spawn(*cmd):
    # Tools like gdb must not inherit a sanitizer preloaded into the test run.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")}
    if cmd[0] == sys.executable:
        env = dict(os.environ)
    return subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def python_target(exe=sys.executable):
    proc = spawn(exe, "-c", "import time\nwhile True: time.sleep(0.05)")
    time.sleep(0.3)
    return proc


def refusal(pid):
    with pytest.raises(AttachError) as info:
        preflight.check(pid)
    assert "\n" not in str(info.value)
    return info.value


def test_a_python_process_passes_and_its_symbols_are_found():
    proc = python_target()
    try:
        t = preflight.check(proc.pid)
        assert t.version == sys.version_info[:2]
        for sym in ("Py_AddPendingCall", "PyRun_SimpleString", "PyGILState_Ensure", "_PyRuntime"):
            assert t.symbols[sym] > 0x1000
        assert t.same_mount_namespace
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no system Python")
def test_debian_system_python_with_libpython_in_the_executable():
    proc = python_target("/usr/bin/python3")
    try:
        t = preflight.check(proc.pid)
        assert "python3" in os.path.basename(t.python)
        assert "Py_AddPendingCall" in t.symbols
    finally:
        proc.kill()
        proc.wait()


def test_no_such_process():
    proc = spawn("true")
    proc.wait()
    e = refusal(proc.pid)
    assert e.code == preflight.NO_PROCESS and f"no such process: {proc.pid}" in str(e)


def test_not_python():
    proc = spawn("sleep", "30")
    try:
        time.sleep(0.1)
        e = refusal(proc.pid)
        assert e.code == preflight.NOT_CPYTHON and "not a CPython interpreter" in str(e)
    finally:
        proc.kill()
        proc.wait()


def test_stopped_by_job_control():
    proc = python_target()
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        time.sleep(0.2)
        e = refusal(proc.pid)
        assert e.code == preflight.STOPPED and f"kill -CONT {proc.pid}" in str(e)
        os.kill(proc.pid, signal.SIGCONT)
        assert preflight.check(proc.pid).pid == proc.pid
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed")
def test_already_traced():
    proc = python_target()
    gdb = spawn("gdb", "-p", str(proc.pid), "-batch", "-ex", "shell sleep 60")
    try:
        deadline = time.time() + 60  # gdb reads symbols first: slow on a loaded machine
        traced = False
        while time.time() < deadline and not traced:
            with open(f"/proc/{proc.pid}/status") as f:
                traced = "TracerPid:\t0" not in f.read()
            time.sleep(0.1)
        if not traced:
            pytest.skip("gdb did not attach within 60 s")
        e = refusal(proc.pid)
        assert e.code == preflight.TRACED and f"already traced by process {gdb.pid}" in str(e)
    finally:
        gdb.kill()
        gdb.wait()
        proc.kill()
        proc.wait()


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None or not os.path.exists("/usr/bin/python3"),
    reason="needs root, setpriv and a system Python an unprivileged user can run",
)
def test_no_permission_for_another_users_process():
    import pathlib
    import tempfile

    # The preflight is plain standard-library Python: run a copy of it as
    # user nobody, from a directory that user can read.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="heapscope-preflight-", dir="/tmp"))
    tmp_path.chmod(0o755)
    shutil.copy(preflight.__file__, tmp_path / "preflight.py")
    (tmp_path / "preflight.py").chmod(0o644)
    proc = python_target()
    try:
        code = (
            "import sys; sys.path.insert(0, sys.argv[2]); import preflight\n"
            "try:\n preflight.check(int(sys.argv[1]))\nexcept preflight.AttachError as e:\n"
            " print(e.code, e); sys.exit(0)\nsys.exit(1)\n"
        )
        r = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                code,
                str(proc.pid),
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
        )
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"{preflight.PERMISSION} ")
        assert "runs as uid 0" in r.stdout and "as root" in r.stdout
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_self_and_bad_pids():
    assert refusal(os.getpid()).code == preflight.NO_PROCESS
    assert refusal(0).code == preflight.NO_PROCESS


def test_a_machine_other_than_x86_64_is_refused_before_the_target_is_touched(monkeypatch):
    # attach's injector is x86_64 code; on aarch64 everything else works and
    # attach says so in one line, with exit status ARCH.
    real = os.uname()
    fake = type("uname", (), {"machine": "aarch64", "sysname": real.sysname, "release": real.release})
    monkeypatch.setattr(preflight.os, "uname", lambda: fake)
    err = refusal(os.getpid())
    assert err.code == preflight.ARCH
    assert str(err) == (
        "attach is built for x86_64 only, not aarch64: run heapscope check/run inside the program"
    )
