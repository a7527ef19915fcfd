"""Progress on long work (issue #16, item 4): a walk, an analysis or a
snapshot file that takes over a second shows one line on stderr when it is a
terminal, rewritten in place and cleared at the end; none with --quiet, none
when stderr is not a terminal."""

import os
import pty
import subprocess
import sys
import time

SCRIPT = "keep = [(i, str(i), [i]) for i in range(100_000)]\n"  # about 400k objects
# The line shows after 10 ms of work here (a second by default): the test needs no
# heap of millions.
ENV = {**os.environ, "HEAPSCOPE_PROGRESS_AFTER": "0.01"}


def _run_on_a_terminal(tmp_path, *extra):
    script = tmp_path / "big.py"
    script.write_text(SCRIPT)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "heapscope",
            "snapshot",
            *extra,
            "-o",
            str(tmp_path / "big.hsnap"),
            str(script),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=ENV,
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 600
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end closed: the process is done
            break
        if not chunk:
            break
        out += chunk
        assert time.monotonic() < deadline
    os.close(master)
    assert proc.wait(timeout=60) == 0, out[-2000:]
    return out.decode("utf-8", "replace")


def test_a_long_walk_shows_progress_on_a_terminal_and_clears_it(tmp_path):
    text = _run_on_a_terminal(tmp_path)
    assert "\rheapscope: walking the heap: " in text and " objects, " in text, text[-2000:]
    assert "\r\x1b[K" in text  # cleared at the end, so the next line starts clean
    assert text.rstrip().splitlines()[-1].startswith("heapscope: ") or "snapshot" in text


def test_no_progress_with_quiet_or_off_a_terminal(tmp_path):
    text = _run_on_a_terminal(tmp_path, "--quiet")
    assert "walking the heap" not in text, text[-2000:]
    script = tmp_path / "big.py"
    r = subprocess.run(
        [sys.executable, "-m", "heapscope", "snapshot", "-o", str(tmp_path / "b2.hsnap"), str(script)],
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    assert "walking the heap" not in r.stderr and "\x1b[K" not in r.stderr
