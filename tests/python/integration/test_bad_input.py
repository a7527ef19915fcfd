"""What a user gets wrong, and interruptions (issue #11): each gets one line
naming the cause and the remedy, the documented exit code, no traceback of
heapscope's, and leaves nothing behind."""

import glob
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import ROOT, run_heapscope

BAD = textwrap.dedent(
    """
    import sys, time

    def exits3():
        sys.exit(3)

    def exits0():
        sys.exit(0)

    def needs(x, y=1):
        pass

    def boom():
        inner()

    def inner():
        raise ValueError("bad value")

    def slow():
        time.sleep(30)
    """
)


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(BAD)
    return str(path)


def one_line_error(r):
    lines = [line for line in r.stderr.splitlines() if line.startswith("heapscope: error:")]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return lines[0]


@pytest.mark.parametrize("fn, code", [("exits3", 3), ("exits0", 0)])
def test_a_target_that_exits_is_an_error_not_a_verdict(bad, fn, code):
    r = run_heapscope("check", f"{bad}:{fn}")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    line = one_line_error(r)
    assert f"sys.exit({code})" in line and "must return" in line
    assert r.stdout == ""


def test_a_target_that_needs_arguments_says_so(bad):
    r = run_heapscope("check", f"{bad}:needs")
    assert r.returncode == 2
    line = one_line_error(r)
    assert "needs arguments (x)" in line and "def step():" in line


def test_the_traceback_of_a_raising_target_shows_only_user_frames(bad):
    r = run_heapscope("check", f"{bad}:boom")
    assert r.returncode == 2
    assert "ValueError: bad value" in r.stderr
    assert 'bad.py", line' in r.stderr and "in inner" in r.stderr
    assert "heapscope" + os.sep not in r.stderr.split("heapscope: error:")[0], r.stderr
    assert "raised ValueError" in r.stderr


def _default_sigint():
    # A test run started in the background inherits SIGINT ignored, and Python
    # then installs no handler (as it should: a background job ignores Ctrl-C).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "heapscope", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
        **kw,
    )


@pytest.mark.parametrize(
    "sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_check_interrupted_says_so_and_exits_128_plus_signal(bad, sig, code, word):
    p = _start("check", f"{bad}:slow")
    time.sleep(1.5)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, (p.returncode, err)
    assert err.strip() == f"heapscope: {word}", err


SERVICE = "import time\nitems = []\nwhile True:\n    items.append(object())\n    time.sleep(0.01)\n"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_snapshot_of_a_script_is_written_when_it_is_stopped(tmp_path, sig):
    script = tmp_path / "svc.py"
    script.write_text(SERVICE)
    out = tmp_path / "final.hsnap"
    p = _start("snapshot", "-o", str(out), str(script))
    time.sleep(2)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == -sig, (p.returncode, err)  # it dies of the signal, as the script would
    assert out.exists(), err
    r = run_heapscope("report", str(out))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_reports_what_grew_when_it_is_stopped(tmp_path, sig):
    script = tmp_path / "svc.py"
    script.write_text(SERVICE)
    p = _start("run", "--no-trace", str(script))
    time.sleep(2)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == -sig, (p.returncode, err)
    assert "object" in err and "Traceback" not in err
    assert "Terminated" not in err and "KeyboardInterrupt" not in err  # heapscope's own objects do not count


@pytest.mark.parametrize("command", [["report", "{d}"], ["diff", "{d}", "{d}"]])
def test_a_directory_is_not_a_snapshot(tmp_path, command):
    r = run_heapscope(*[c.format(d=tmp_path) for c in command])
    assert r.returncode == 2
    assert "not a file" in one_line_error(r)


# ---- attach: interrupted, killed; staging never left behind ----

pytestmark_attach = pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64", reason="attach is built for Linux x86_64"
)
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attach_target.py")


@pytest.fixture
def spinning(tmp_path):
    p = subprocess.Popen([sys.executable, TARGET, "spin", str(tmp_path)], stdin=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not (tmp_path / "ready").exists():
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.01)
    yield p
    p.kill()
    p.wait()


def _staged(pid):
    return glob.glob(f"/proc/{pid}/root/tmp/heapscope-{pid}-*")


def _running_and_untraced(pid):
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return status["State"][0] not in "TtZ" and status["TracerPid"] == "0"


@pytestmark_attach
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_attach_interrupted_resumes_the_target_and_removes_its_files(spinning, sig, code):
    p = _start("attach", str(spinning.pid), "--samples", "50", "--interval", "0.2")
    deadline = time.monotonic() + 30
    while not _staged(spinning.pid):
        assert time.monotonic() < deadline, "attach never staged its files"
        time.sleep(0.01)
    time.sleep(1.0)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, (p.returncode, err)
    assert err.strip().splitlines()[-1] == f"heapscope: {'interrupted' if code == 130 else 'terminated'}"
    assert "Traceback" not in err
    assert _running_and_untraced(spinning.pid)
    assert _staged(spinning.pid) == []


@pytestmark_attach
def test_a_killed_attach_leaves_files_that_the_next_attach_removes(spinning):
    p = _start("attach", str(spinning.pid), "--samples", "50", "--interval", "0.2")
    deadline = time.monotonic() + 30
    while not _staged(spinning.pid):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(1.0)
    p.kill()
    p.wait()
    left = _staged(spinning.pid)
    assert len(left) == 1  # SIGKILL: nothing can clean up...
    r = run_heapscope("attach", str(spinning.pid), "--samples", "2", "--interval", "0")
    assert r.returncode in (0, 1), r.stderr
    assert _staged(spinning.pid) == []  # ...but the next attach removes what its dead owner left
    assert _running_and_untraced(spinning.pid)
