import glob
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def tool_env():
    """The environment for programs that are not heapscope's (a browser, node,
    Prometheus): without the sanitizer stage's LD_PRELOAD and options, which
    are for the Python under test, not for them."""
    env = dict(os.environ)
    for key in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "PYTHONMALLOC"):
        env.pop(key, None)
    return env


@pytest.fixture
def examples_dir():
    return EXAMPLES


def validate(doc, schema="report"):
    """Check a JSON document against its schema in docs/ (SCHEMA.schema.json)."""
    import json

    import pytest

    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(ROOT, "docs", f"{schema}.schema.json")) as f:
        jsonschema.validate(doc, json.load(f))


def run_heapscope(*args, cwd=ROOT, timeout=120, env=None):
    """Run the installed CLI as a user would, in a fresh process."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "heapscope", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def _staged():
    return set(glob.glob("/tmp/heapscope-*"))


# Every process this pytest process starts (targets, the CLI): a staging
# directory is this run's when its target or its owner is one of them or this
# process (an in-process attach).  Other xdist workers and other runs on the
# machine leave theirs, legitimately for a while (a killed tool's, which the
# next attach removes), and those are not this test's.
_SPAWNED = set()
_popen_init = subprocess.Popen.__init__


def _recording_init(self, *args, **kwargs):
    _popen_init(self, *args, **kwargs)
    _SPAWNED.add(self.pid)


subprocess.Popen.__init__ = _recording_init


def _ours(directory):
    parts = os.path.basename(directory).split("-")
    mine = _SPAWNED | {os.getpid()}
    if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) in mine:
        return True
    try:
        with open(os.path.join(directory, "owner")) as f:
            return int(f.read().split()[0]) in mine
    except (OSError, ValueError, IndexError):
        return False


@pytest.fixture(autouse=True)
def nothing_staged_is_left_behind():
    """Issue #11: attach's staging directories stayed when the tool was killed,
    and the test suite left some.  After every test, none of its own remain."""
    before = _staged()
    yield
    deadline = time.monotonic() + 5  # a tool just killed may still be exiting
    while {d for d in _staged() - before if _ours(d)} and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [d for d in _staged() - before if _ours(d) and not _owner_alive(d)]
    assert not left, f"the test left heapscope's staging behind: {sorted(left)}"


def _owner_alive(directory):
    """Is the heapscope process that staged this directory still running?"""
    try:
        with open(os.path.join(directory, "owner")) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        # No owner file yet: an attach may have just made the directory (mkdir
        # comes before the owner file).  Only an old one is left over.
        try:
            return time.time() - os.stat(directory).st_mtime < 30
        except OSError:
            return False
    return os.path.exists(f"/proc/{pid}")


def pytest_terminal_summary(terminalreporter):
    """The attach stress figures of this run, one row per mode (issue #11)."""
    stress = sys.modules.get("test_attach_stress")
    if stress is None or not stress.ROWS:
        return
    import attach_stress

    terminalreporter.section("heapscope attach stress")
    terminalreporter.write_line(attach_stress.HEADER)
    for row in stress.ROWS:
        terminalreporter.write_line(row)


@pytest.fixture
def target(tmp_path):
    """make(mode, **kw): an attach target (integration/attach_target.py in that mode), closed afterwards."""
    from test_attach import Target

    made = []

    def make(mode, **kw):
        d = tmp_path / f"t{len(made)}"
        d.mkdir()
        t = Target(d, mode, **kw)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
