"""heapscope attach on real processes: every state the main thread can be in,
the failure modes, the tool killed mid-way, and a stress run.

After each attach the target must still run and answer (SIGUSR1 -> pong),
must not be stopped or traced, and must not have found its own arithmetic
corrupted.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_heapscope, validate

from heapscope import _heapscope
from heapscope.attach import preflight, session

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64", reason="attach is built for Linux x86_64"
)
# Non-Python tools run without a sanitizer the test run may preload.
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attach_target.py")


def _ptrace_allowed():
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            if f.read().strip() == "3":
                return False
    except OSError:
        pass
    with open("/proc/self/status") as f:
        status = f.read()
    return "Seccomp:\t2" not in status


needs_ptrace = pytest.mark.skipif(not _ptrace_allowed(), reason="ptrace is disabled on this machine")


class Target:
    def __init__(self, tmp_path, mode, exe=sys.executable, env=None, exe_args=()):
        self.dir = str(tmp_path)
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [exe, *exe_args, TARGET, mode, self.dir],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
        )
        self.pid = self.proc.pid
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(self.dir, "ready")):
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            assert time.monotonic() < deadline, "target did not start"
            time.sleep(0.01)
        time.sleep(0.1)

    def healthy(self, wait=10.0):
        """Still running, not stopped, not traced, answers a signal, arithmetic intact."""
        assert self.proc.poll() is None, f"target died: {self.proc.returncode}"
        assert not os.path.exists(os.path.join(self.dir, "corrupt")), open(
            os.path.join(self.dir, "corrupt")
        ).read()
        state = preflight._state(self.pid)
        assert state not in ("T", "t", "Z"), state
        assert preflight._status(self.pid)["TracerPid"] == "0"
        pong = os.path.join(self.dir, "pong")
        before = int(open(pong).read()) if os.path.exists(pong) else 0
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + wait
        while True:
            if os.path.exists(pong) and int(open(pong).read() or 0) > before:
                return
            assert self.proc.poll() is None, f"target died: {self.proc.returncode}"
            assert time.monotonic() < deadline, "target did not answer SIGUSR1"
            time.sleep(0.01)

    def call_begun(self, wait=20.0):
        """ccall mode: wait until a new C call begins (about 1.2 s of GIL held from now)."""
        path = os.path.join(self.dir, "call")
        before = open(path).read() if os.path.exists(path) else ""
        deadline = time.monotonic() + wait
        while not os.path.exists(path) or open(path).read() == before:
            assert self.proc.poll() is None, f"target died: {self.proc.returncode}"
            assert time.monotonic() < deadline, "target began no C call"
            time.sleep(0.002)

    def modules(self):
        path = os.path.join(self.dir, "modules")
        if os.path.exists(path):
            os.unlink(path)
        os.kill(self.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 10
        while not os.path.exists(path):
            assert time.monotonic() < deadline, "target did not answer SIGUSR2"
            time.sleep(0.01)
        return set(open(path).read().split())

    def mappings(self, needle):
        with open(f"/proc/{self.pid}/maps") as f:
            return {line.split(None, 5)[5].strip() for line in f if needle in line and len(line.split()) >= 6}

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream:
                stream.close()


def attach_json(pid, *extra, timeout=120):
    r = run_heapscope(
        "attach", str(pid), "--samples", "3", "--interval", "0.3", "--json", *extra, timeout=timeout
    )
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


def still_answers(t, codes=(0, 1)):
    """The target is alive and running, another attach reports on it, and it
    is alive and running after that too."""
    t.healthy()
    r, report = attach_json(t.pid)
    assert r.returncode in codes and report is not None, r.stderr
    t.healthy()


# Both attach paths where the interpreter has the remote-debugging interface
# (PEP 768, 3.14+): "remote" is the default there, "injector" forced.
HAS_REMOTE = _heapscope._remote_layout(*sys.version_info[:2])
PATHS = ["remote", "injector"] if HAS_REMOTE else ["injector"]

# Through the remote interface: the interpreter runs the agent at its next safe
# point; a main thread parked outside the interpreter (read) has the injector
# enter it after a second.
EXPECTED_REMOTE = {
    "sleep": ({"remote", "gilensure", "pending"}, "remote"),
    "spin": ({"remote"}, "remote"),
    "read": ({"remote", "gilensure"}, "gilensure"),
    "select": ({"remote", "gilensure", "pending"}, "remote"),
    "ccall": ({"remote", "pending", "gilensure"}, None),
    "threads": ({"remote", "pending", "gilensure"}, "remote"),
    "lock": ({"remote", "gilensure", "pending"}, "remote"),
}

# (methods that may be used, the one that must be used at least once)
EXPECTED_METHOD = {
    "sleep": ({"gilensure", "pending"}, "gilensure"),  # mostly asleep; caught awake, a pending call
    "spin": ({"pending"}, "pending"),
    "read": ({"gilensure"}, "gilensure"),  # never wakes up by itself
    "select": ({"gilensure", "pending"}, "gilensure"),
    "ccall": ({"pending"}, "pending"),  # holds the GIL: never parked
    "threads": ({"pending", "gilensure"}, None),
    "lock": ({"gilensure", "pending"}, None),
}


@needs_ptrace
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", ["sleep", "spin", "read", "select", "ccall", "threads", "lock"])
def test_attach_reports_growth_and_the_target_lives_on(target, mode, path):
    t = target(mode)
    extra = ("--method", "injector") if path == "injector" else ()
    r, report = attach_json(t.pid, *extra)
    assert r.returncode in (0, 1), r.stderr
    assert report["schema"] == "heapscope.report/1" and report["target"] == f"pid {t.pid}"
    validate(report)
    assert report["attach"]["path"] == path and report["attach"]["path_note"] == ""
    methods = {inj["method"] for inj in report["attach"]["injections"]}
    allowed, needed = (EXPECTED_REMOTE if path == "remote" else EXPECTED_METHOD)[mode]
    assert methods <= allowed and (needed is None or needed in methods), methods
    assert len(report["attach"]["samples"]) == 3
    if mode in ("sleep", "spin", "select", "threads"):
        # These leak a Leaky (and its list and str) every loop: found, and explained.
        assert r.returncode == 1, r.stderr
        leak = next(x for x in report["leaks"] if x["type"] == "__main__.Leaky")
        assert "__main__.Leaky.registry" in leak["path_text"], leak
        assert "WeakKeyDictionary" in leak["hint"]["text"], leak
    if mode == "read":
        if HAS_REMOTE:
            # Known defect (issue #15's note): on 3.14/3.15 the agent entered
            # through PyGILState_Ensure in a thread parked in read(2) leaves its
            # last answer referenced, which the next census counts.  Seen from
            # `heapscope exec` after such an attach (2026-12-08): the frame
            # objects of the first request's agent (_exists <- <lambda> <-
            # _load <- _work <- _run, holding `out`, `path`, `data`) are still
            # alive, with no referrer the GC knows of, and gc.collect() frees
            # none of them: a reference held from C, not yet found.
            pytest.xfail("3.14+: the gilensure injection leaves the agent's last answer alive")
        assert r.returncode == 0, r.stdout  # blocked: nothing grows
    t.healthy(wait=20 if mode == "ccall" else 10)
    # and a second attach to the same process works as well (the agent is cached there)
    r2, report2 = attach_json(t.pid, *extra)
    assert r2.returncode in (0, 1), r2.stderr
    if mode == "read":
        # Nothing grows the second time either: before 3.11 the census counted
        # the running frames' locals, the agent's among them (a str leak, exit 1).
        assert r2.returncode == 0, [(x["type"], x["per_run"]) for x in report2["leaks"]]
    t.healthy(wait=20 if mode == "ccall" else 10)


@needs_ptrace
@pytest.mark.skipif(not HAS_REMOTE, reason="the remote-debugging interface is 3.14+")
@pytest.mark.parametrize("how", ["PYTHON_DISABLE_REMOTE_DEBUG", "-X disable-remote-debug"])
def test_remote_debugging_disabled_falls_back_to_the_injector_and_says_so(target, how):
    if how.startswith("-X"):
        t = target("threads", exe_args=["-X", "disable-remote-debug"])
    else:
        t = target("threads", env={"PYTHON_DISABLE_REMOTE_DEBUG": "1"})
    r, report = attach_json(t.pid)
    assert r.returncode == 1, r.stderr
    validate(report)
    assert report["attach"]["path"] == "injector"
    assert "remote debugging is disabled" in report["attach"]["path_note"]
    assert {i["method"] for i in report["attach"]["injections"]} <= {"pending", "gilensure"}
    assert "injector (remote debugging is disabled" in r.stderr
    t.healthy()
    # Asked for the remote path only: a one-line refusal that names the way out.
    r = run_heapscope("attach", str(t.pid), "--method", "remote", "--samples", "2", "--interval", "0")
    assert r.returncode == preflight.UNSUPPORTED, r.stderr
    assert r.stderr.count("\n") == 1 and "drop --method remote" in r.stderr, r.stderr
    t.healthy()


@needs_ptrace
@pytest.mark.skipif(not HAS_REMOTE, reason="the remote-debugging interface is 3.14+")
def test_remote_path_leaves_nothing_armed_and_no_thread_stopped_long(target):
    t = target("threads")
    r, report = attach_json(t.pid)
    assert r.returncode == 1, r.stderr
    injections = report["attach"]["injections"]
    assert {i["method"] for i in injections} == {"remote"}
    # Threads are held only for the few memory writes of each request.
    assert max(i["stopped_ms"] for i in injections) < 200, injections
    # No thread state still names a heapscope script, and the staging directory is gone.
    att = session.open_target(t.pid)
    try:
        probe = _heapscope._remote(
            t.pid, *att.target.version, att.symbols["_PyRuntime"], "/tmp/heapscope-", _heapscope.REMOTE_PROBE
        )
        assert probe["err"] == 0 and probe["call_result"] == 0, probe
    finally:
        session.close(att)
    assert not [n for n in os.listdir(f"/proc/{t.pid}/root/tmp") if n.startswith(f"heapscope-{t.pid}-")]
    t.healthy()


@needs_ptrace
@pytest.mark.parametrize("how", ["tracemalloc.start", "PYTHONTRACEMALLOC"])
def test_allocation_sites_when_the_target_traces(target, how):
    env = {"ATTACH_TARGET_TRACE": "1"} if how == "tracemalloc.start" else {"PYTHONTRACEMALLOC": "5"}
    t = target("sleep", env=env)
    r, report = attach_json(t.pid)
    assert r.returncode == 1, r.stderr
    assert report["tracing"] is True
    leak = next(x for x in report["leaks"] if x["type"] == "__main__.Leaky")
    sites = leak["allocated_at"]
    assert sites and sites[0]["file"].endswith("attach_target.py"), sites
    src = open(TARGET).read().splitlines()
    assert "Leaky(n)" in src[sites[0]["line"] - 1], sites
    t.healthy()


@needs_ptrace
def test_the_bundled_service_example(tmp_path):
    from conftest import EXAMPLES

    proc = subprocess.Popen(
        [sys.executable, os.path.join(EXAMPLES, "leaky_service.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("serving")
        r = run_heapscope("attach", str(proc.pid), "--samples", "3", "--interval", "0.5")
        assert r.returncode == 1, r.stderr
        assert "__main__.Handler" in r.stdout and "__main__.listeners[i].__self__" in r.stdout, r.stdout
        assert "weakref.WeakMethod" in r.stdout, r.stdout
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


@needs_ptrace
def test_read_mode_wakes_and_still_works_after_attach(target):
    t = target("read")
    out = session.open_target(t.pid, timeout=20)
    try:
        session.request(out, "census", session="x")
        assert out.injections[-1].method == "gilensure"
        assert "read" in out.injections[-1].state
    finally:
        session.close(out)
    # the read(2) the attach interrupted was restarted: a byte written now is read
    t.proc.stdin.write(b"abc")
    t.proc.stdin.flush()
    t.healthy()


@needs_ptrace
@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no system Python")
def test_debian_system_python(target):
    ver = subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")},
    ).stdout.split()
    if tuple(int(x) for x in ver) != sys.version_info[:2]:
        pytest.skip(
            f"/usr/bin/python3 is {'.'.join(ver)}; this heapscope is built for {sys.version_info[:2]}"
        )
    if os.path.realpath("/usr/bin/python3") == os.path.realpath(sys.executable):
        pytest.skip("the tests already run on /usr/bin/python3")
    t = target("sleep", exe="/usr/bin/python3")
    r, report = attach_json(t.pid)
    assert r.returncode == 1, r.stderr
    assert any(x["type"] == "__main__.Leaky" for x in report["leaks"])
    t.healthy()


@needs_ptrace
def test_snapshot_of_a_running_process(target, tmp_path):
    t = target("sleep")
    out = tmp_path / "live.hsnap"
    r = run_heapscope("snapshot", str(t.pid), "-o", str(out))
    assert r.returncode == 0, r.stderr
    r = run_heapscope("report", str(out), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["meta"]["pid"] == str(t.pid) and data["meta"]["attached"] == "1"
    from heapscope import snapfile

    loaded = snapfile.load(str(out))
    assert any(name == "__main__.Leaky" and count > 0 for name, count, _size in loaded.census())
    t.healthy()


@needs_ptrace
def test_watch_prints_growth_until_interrupted(target):
    t = target("sleep")
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "heapscope", "attach", str(t.pid), "--watch", "--interval", "0.3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # a test run started in the background ignores SIGINT, and so would this child
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "__main__.Leaky" in out, out
    t.healthy()


@needs_ptrace
def test_agent_imports_nothing_new_and_loads_the_extension_once(target):
    t = target("sleep")
    before = t.modules()
    for _ in range(3):
        r, _report = attach_json(t.pid)
        assert r.returncode == 1, r.stderr
    after = t.modules()
    # Only heapscope's own extension, and the builtin gc module it uses (no Python code runs to import it).
    assert after - before <= {session.MODULE_KEY, "gc"}, after - before
    assert "threading" not in after - before
    # one mapping of the extension (copied or linked per attach, loaded once)
    files = t.mappings("_heapscope")
    assert len(files) == 1, files
    # the staged directories are gone
    assert not [n for n in os.listdir(f"/proc/{t.pid}/root/tmp") if n.startswith(f"heapscope-{t.pid}-")]
    t.healthy()


def _in_chroot():
    # scripts/sid-chroot.sh says so (inside, /proc/1/root is not even readable).
    return os.environ.get("HEAPSCOPE_IN_CHROOT") == "1"


@needs_ptrace
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare")
@pytest.mark.skipif(
    _in_chroot(),
    reason="inside a chroot (the 3.14/3.15 suites): a new mount namespace's root is not the chroot",
)
def test_other_mount_and_pid_namespace_with_noexec_tmp():
    # The target runs in its own pid and mount namespaces, where /tmp is a
    # noexec tmpfs: the agent is staged through /proc/PID/root, the thread id
    # translated through NSpid, and the extension loaded from a memfd.
    import pathlib
    import tempfile

    d = pathlib.Path(tempfile.mkdtemp(prefix="heapscope-ns-", dir="/var/tmp"))  # not under the new /tmp
    # Tools run without a sanitizer preloaded; the target gets it back (its
    # staged extension may be the sanitized build).
    preload = f"env LD_PRELOAD={os.environ['LD_PRELOAD']} " if os.environ.get("LD_PRELOAD") else ""
    python = os.path.realpath(sys.executable)  # the target needs no venv; one under /tmp is hidden
    if python.startswith("/tmp/"):
        pytest.skip(f"{python} lives under /tmp, which the test mounts over")
    target_py = d / "attach_target.py"  # this checkout may itself live under /tmp
    shutil.copyfile(TARGET, target_py)
    script = f"mount -t tmpfs -o noexec,mode=1777 tmpfs /tmp && exec {preload}{python} {target_py} sleep {d}"
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    unshare = ["unshare", "--mount", "--pid", "--fork", "--mount-proc", "--propagation", "private"]
    proc = subprocess.Popen([*unshare, "sh", "-c", script], stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(d / "ready"):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2)
        # unshare forked the namespace's init, which exec'd the target
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            inner = int(f.read().split()[0])
        with open(f"/proc/{inner}/status") as f:
            nspid = [line for line in f if line.startswith("NSpid:")][0].split()
        assert len(nspid) == 3 and nspid[-1] == "1", nspid  # pid 1 in its namespace
        r, report = attach_json(inner)
        assert r.returncode == 1, r.stderr
        assert any(x["type"] == "__main__.Leaky" for x in report["leaks"])
        with open(f"/proc/{inner}/maps") as f:
            assert "memfd:heapscope-agent" in f.read()  # noexec /tmp: loaded from memory
        assert os.path.exists(f"/proc/{inner}/root/tmp") and not [
            n for n in os.listdir(f"/proc/{inner}/root/tmp") if n.startswith("heapscope-")
        ]
        assert proc.poll() is None
    finally:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                for pid in f.read().split():
                    os.kill(int(pid), signal.SIGKILL)  # the pid-ns init: only SIGKILL reaches it
        except OSError:
            pass
        proc.kill()
        proc.wait()
        proc.stderr.close()
        shutil.rmtree(d, ignore_errors=True)


@needs_ptrace
def test_a_layout_that_does_not_match_is_refused_and_the_target_is_untouched(target):
    # Tell the injector the target is another minor version: the sanity reads
    # (initialized flag, thread list back-pointers, the main thread's fs base,
    # _Py_DebugOffsets) must refuse it instead of writing anything.
    from heapscope import _heapscope

    t = target("spin")
    att = session.open_target(t.pid)
    try:
        major, minor = att.target.version
        mine = _heapscope._inject_layout(major, minor)
        others = [v for v in _heapscope.SUPPORTED_VERSIONS if _heapscope._inject_layout(*v) != mine]
        assert len(others) >= 3, others  # 3.9 and 3.10 share one layout
        for other in others:
            res = _heapscope._inject(t.pid, other[0], other[1], att.symbols, b"pass", timeout_ms=2000)
            assert res["err"] != 0, (other, res)
            assert res["scratch"] == 0 and "\n" not in res["msg"], res
    finally:
        session.close(att)
    t.healthy()
    r, _report = attach_json(t.pid)
    assert r.returncode == 1, r.stderr


@needs_ptrace
def test_target_exits_mid_attach(target):
    t = target("sleep")
    proc = subprocess.Popen(
        [sys.executable, "-m", "heapscope", "attach", str(t.pid), "--samples", "3", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.6)
    t.proc.kill()
    t.proc.wait()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode in (session.EXITED, preflight.NO_PROCESS), err
    line = [x for x in err.splitlines() if x.startswith("heapscope: error:")]
    assert len(line) == 1 and "exited" in line[0], err


@needs_ptrace
def test_what_is_planted_in_the_staging_directory_is_never_followed(target, tmp_path):
    """The staging directory is the target's user's once chowned: heapscope
    (often root) must not write, read or remove through a symlink planted in
    it, nor wait on a FIFO there; each refusal is one line, exit 14."""
    t = target("sleep")
    victim = tmp_path / "victim"
    victim.write_text("precious")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept").write_text("kept")
    att = session.open_target(t.pid)
    host = att.host_dir
    try:
        os.symlink(victim, os.path.join(host, "request-1"))
        with pytest.raises(preflight.AttachError) as e:
            session.request(att, "census")
        assert e.value.code == session.FAILED and "did not touch it" in str(e.value), e.value
        os.symlink(victim, os.path.join(host, "result-a"))
        os.mkfifo(os.path.join(host, "result-b"))
        with open(os.path.join(host, "result-c"), "w") as f:
            f.write("[not heapscope's")
        for name, says in (("result-a", "symlink"), ("result-b", "not a JSON object"), ("result-c", "JSON")):
            with pytest.raises(preflight.AttachError) as e:
                session._answer(att, os.path.join(host, name))
            assert e.value.code == session.FAILED and says in str(e.value), (name, e.value)
            assert "\n" not in str(e.value)
        os.symlink(outside, os.path.join(host, "link"))
        os.mkdir(os.path.join(host, "sub"))
        os.symlink(outside / "kept", os.path.join(host, "sub", "link"))
    finally:
        session.close(att)
    assert not os.path.exists(host)
    assert victim.read_text() == "precious" and (outside / "kept").read_text() == "kept"
    still_answers(t)


@needs_ptrace
def test_an_answer_planted_before_the_agent_ran_leaves_its_pending_call_harmless(target):
    """In a long C call holding the GIL, the target gets a pending call that
    runs only when the call returns.  An answer file already there (written by
    something else) must not make heapscope unmap the string the queued call
    will run (the old code did, and the target died of SIGSEGV when the C call
    returned): the call is cancelled, its string stays.  The injector is asked
    for: on 3.14 and newer `auto` takes the remote-debugging interface, which
    queues no pending call of heapscope's own."""
    t = target("ccall")
    t.call_begun()
    att = session.open_target(t.pid, method=session.PATH_INJECTOR)
    try:
        with open(os.path.join(att.host_dir, "result-1"), "w") as f:
            f.write("planted")
        with pytest.raises(preflight.AttachError) as e:
            session.request(att, "census", session="planted")
        assert e.value.code == session.FAILED and "not heapscope agent's" in str(e.value), e.value
        assert {i.method for i in att.injections} == {"pending"}
        t.call_begun()  # the C call returned, the queued call ran (and did nothing)
        time.sleep(0.2)
        assert not os.path.exists(os.path.join(att.host_dir, "result-1.tmp"))
    finally:
        session.close(att)
    still_answers(t)


def _vm_kib(pid):
    return int(preflight._status(pid)["VmSize"].split()[0])


@needs_ptrace
def test_a_queued_pending_call_keeps_only_its_code_string_mapped(target):
    """Once a pending call is queued, the target reads only its code string:
    the rest of the scratch (control block, trampoline, stack: about 280 KiB)
    is unmapped at once, so a heapscope killed before the answer leaves a page
    or two behind, not the whole scratch (the old code left it all mapped)."""
    t = target("ccall")  # a long C call holding the GIL: the call stays queued
    att = session.open_target(t.pid)
    try:
        t.call_begun()
        before = _vm_kib(t.pid)
        major, minor = att.target.version
        res = _heapscope._inject(
            t.pid, major, minor, att.symbols, b"pass", method=session.METHODS["pending"], timeout_ms=5000
        )
        assert res["err"] == 0 and res["method"] == "pending" and res["keep_code"], res
        queued = _vm_kib(t.pid) - before
        assert res["code_offset"] == 0 and res["scratch_len"] <= 8192, res
        assert queued <= 8, f"{queued} KiB still mapped for the queued call"
        t.call_begun()  # the C call returned and the queued call ran
        scratch, length = int(res["scratch"]), int(res["scratch_len"])
        tid, insn = int(res["tid"]), att.symbols["syscall"]
        done = _heapscope._inject_cleanup(t.pid, tid, insn, scratch, length, die_at=0)
        assert done["err"] == 0, done
        assert _vm_kib(t.pid) <= before, (before, _vm_kib(t.pid))
    finally:
        session.close(att)
    still_answers(t)


# ---- failure modes: one line, one exit code each, and no harm ----


def one_line_error(r):
    """The error is one line, the last one (progress lines may come before it)."""
    lines = r.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("heapscope: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], r.stderr
    return errors[0]


def test_no_such_process():
    proc = subprocess.Popen(["true"], env=TOOL_ENV)
    proc.wait()
    r = run_heapscope("attach", str(proc.pid))
    assert r.returncode == preflight.NO_PROCESS
    assert "no such process" in one_line_error(r)


def test_not_python():
    proc = subprocess.Popen(["sleep", "30"], env=TOOL_ENV)
    try:
        time.sleep(0.1)
        r = run_heapscope("attach", str(proc.pid))
        assert r.returncode == preflight.NOT_CPYTHON
        assert "not a CPython interpreter" in one_line_error(r)
    finally:
        proc.kill()
        proc.wait()


@needs_ptrace
def test_stopped_target_is_refused_and_left_stopped(target):
    t = target("sleep")
    os.kill(t.pid, signal.SIGSTOP)
    try:
        time.sleep(0.1)
        r = run_heapscope("attach", str(t.pid))
        assert r.returncode == preflight.STOPPED
        assert "kill -CONT" in one_line_error(r)
        assert preflight._state(t.pid) == "T"  # we did not resume what the user stopped
    finally:
        os.kill(t.pid, signal.SIGCONT)
    t.healthy()


@needs_ptrace
def test_already_traced(target):
    t = target("sleep")
    # Another tracer: a small process that seizes the target and waits.
    tracer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import ctypes, sys, time\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"assert libc.ptrace(0x4206, {t.pid}, None, None) == 0\n"
            "print('ok', flush=True)\n"
            "time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert tracer.stdout.readline().strip() == "ok"
        r = run_heapscope("attach", str(t.pid))
        assert r.returncode == preflight.TRACED
        assert f"already traced by process {tracer.pid}" in one_line_error(r)
    finally:
        tracer.kill()
        tracer.wait()
        tracer.stdout.close()
    time.sleep(0.1)
    t.healthy()


@needs_ptrace
@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"), reason="needs root and setpriv"
)
def test_no_permission(target):
    t = target("sleep")
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD",)}
    r = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            *(["env", f"LD_PRELOAD={os.environ['LD_PRELOAD']}"] if os.environ.get("LD_PRELOAD") else []),
            sys.executable,
            "-m",
            "heapscope",
            "attach",
            str(t.pid),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=60,
    )
    if any(
        s in r.stderr
        for s in ("No module named", "Permission denied", "error while loading shared libraries")
    ):
        pytest.skip("heapscope is not importable as nobody here (test_attach_preflight covers the refusal)")
    assert r.returncode == preflight.PERMISSION, r.stderr
    assert "run heapscope as that user, or as root" in one_line_error(r)
    t.healthy()


@needs_ptrace
def test_timeout_says_what_the_main_thread_does_and_the_late_call_is_harmless(target):
    t = target("ccall")  # each C call holds the GIL for about 1.2 s
    t.call_begun()  # attach as one begins: the 0.2 s run out inside it
    r = run_heapscope("attach", str(t.pid), "--timeout", "0.2", "--samples", "2")
    assert r.returncode == session.TIMEOUT, r.stderr
    line = one_line_error(r)
    assert "main thread:" in line and "GIL" in line, line
    time.sleep(2.5)  # the queued pending call runs now, finds no agent, does nothing
    t.healthy(wait=20)
    r = run_heapscope("attach", str(t.pid), "--samples", "2", "--interval", "0.1")
    assert r.returncode in (0, 1), r.stderr
    t.healthy(wait=20)


def _fake_helper(pid, hold):
    # A tracer that names itself as heapscope's ptrace helper does, seizes the
    # target and exits after `hold` seconds (the kernel then lets it go).
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import ctypes, sys, time\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"assert libc.prctl(15, {preflight.HELPER_NAME!r}.encode(), 0, 0, 0) == 0\n"
            f"assert libc.ptrace(0x4206, {pid}, None, None) == 0\n"
            "print('ok', flush=True)\n"
            f"time.sleep({hold})\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_helper_name_is_the_one_preflight_waits_for():
    assert preflight.HELPER_NAME == _heapscope.INJECT_HELPER_NAME


@needs_ptrace
def test_an_attach_waits_for_a_killed_heapscopes_helper_to_let_go(target):
    t = target("sleep")
    helper = _fake_helper(t.pid, 1.0)
    try:
        assert helper.stdout.readline().strip() == "ok"
        began = time.monotonic()
        r = run_heapscope("attach", str(t.pid), "--samples", "2", "--interval", "0.1")
        assert r.returncode == 1, r.stderr  # it waited, then attached and found the leak
        assert helper.poll() is not None and time.monotonic() - began > 0.5
    finally:
        helper.kill()
        helper.wait()
        helper.stdout.close()
    t.healthy()


@needs_ptrace
def test_a_helper_that_never_lets_go_is_named_with_the_remedy(target):
    t = target("sleep")
    helper = _fake_helper(t.pid, 60)
    try:
        assert helper.stdout.readline().strip() == "ok"
        r = run_heapscope("attach", str(t.pid))
        assert r.returncode == preflight.TRACED, r.stderr
        line = one_line_error(r)
        assert f"heapscope's ptrace helper (process {helper.pid})" in line and "try again" in line, line
    finally:
        helper.kill()
        helper.wait()
        helper.stdout.close()
    time.sleep(0.1)
    t.healthy()


@needs_ptrace
@pytest.mark.parametrize("step", [5, 6])
def test_attach_again_at_once_after_heapscope_was_killed_mid_injection(target, step):
    # The user's `kill -9` then the same command again: the killed heapscope's
    # helper still holds the target (the test hook makes it linger 1 s after
    # the kill); the new attach waits for it instead of calling it a debugger.
    t = target("spin")
    extra = ("--method", "injector") if HAS_REMOTE else ()
    env = {"HEAPSCOPE_TEST_DIE_AT": str(step), "HEAPSCOPE_TEST_HELPER_LINGER_MS": "1000"}
    r = run_heapscope("attach", str(t.pid), "--samples", "2", *extra, env=env)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    tracer = int(preflight._status(t.pid)["TracerPid"])
    assert tracer and preflight._comm(tracer) == preflight.HELPER_NAME
    r = run_heapscope("attach", str(t.pid), "--samples", "2", "--interval", "0.1", *extra)
    assert r.returncode == 1, r.stderr
    still_answers(t, codes=(1,))


def test_bad_arguments():
    r = run_heapscope("attach", "notapid")
    assert r.returncode == 2 and "expected a process id" in r.stderr
    r = run_heapscope("attach", "1", "--samples", "1")
    assert r.returncode == 2 and "--samples must be at least 2" in one_line_error(r)


# ---- the tool killed at each step of an injection ----


@needs_ptrace
@pytest.mark.parametrize(
    "step, mode",
    [(1, "spin"), (2, "spin"), (3, "spin"), (4, "spin"), (5, "spin"), (6, "spin"), (7, "spin")]
    + [(5, "sleep"), (6, "sleep"), (7, "sleep")],  # gilensure: the helper unmaps right after the call
)
def test_tool_killed_mid_injection_target_survives(target, step, mode):
    # The injector's steps (1-4); on 3.14+ through --method injector.  5 and 6:
    # while the main thread runs the injected mmap with heapscope's registers
    # (entering, returning), 7: the cleanup's munmap.  Before the ptrace work
    # moved into a helper that outlives the tool, 5-7 crashed the target with
    # SIGSEGV every time: the kernel let the thread go with borrowed registers.
    t = target(mode)
    extra = ("--method", "injector") if HAS_REMOTE else ()
    r = run_heapscope(
        "attach", str(t.pid), "--samples", "2", *extra, env={"HEAPSCOPE_TEST_DIE_AT": str(step)}
    )
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    time.sleep(0.3)
    still_answers(t, codes=(1,))


@needs_ptrace
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["spin", "sleep"])
def test_tool_killed_at_random_points_target_survives(target, mode):
    # The user's Ctrl-\ or `kill -9` at any moment: 40 times, the tool
    # SIGKILLed at a random point while it takes 200 samples back to back (an
    # injection every few ms, so often mid-injection).  Before the ptrace
    # work moved into a helper that outlives the tool, this failed in every
    # run: the target died of SIGSEGV after 1, 3 and 38 kills (the kernel
    # resumed its thread with the injected system call's registers).
    t = target(mode)
    extra = ("--method", "injector") if HAS_REMOTE else ()
    slow = 3.0 if os.environ.get("HEAPSCOPE_SANITIZED") else 1.0
    rng = random.Random(os.getpid())
    cmd = [sys.executable, "-m", "heapscope", "attach", str(t.pid), "--samples", "200", "--interval", "0"]
    for i in range(40):
        p = subprocess.Popen(
            [*cmd, *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.15, 0.6) * slow)
        p.kill()
        p.wait()
        time.sleep(0.02)
        assert t.proc.poll() is None, f"the target died ({t.proc.returncode}) after {i + 1} kills"
    time.sleep(0.3)
    still_answers(t, codes=(1,))  # the staging the kills left is removed


@needs_ptrace
@pytest.mark.parametrize("step", [11, 12, 13, 14])
def test_ptrace_helper_killed_at_a_step_target_survives_and_the_tool_says_so(target, step):
    # The helper that does the ptrace work, itself killed at step 1-4 (the
    # points where its death leaves the thread its own registers, or the
    # trampoline): the tool reports it in one line and the target runs on.
    t = target("spin")
    extra = ("--method", "injector") if HAS_REMOTE else ()
    r = run_heapscope(
        "attach", str(t.pid), "--samples", "2", *extra, env={"HEAPSCOPE_TEST_DIE_AT": str(step)}
    )
    assert r.returncode == session.FAILED, (r.returncode, r.stderr)
    line = one_line_error(r)
    assert "ptrace helper" in line and "died" in line, line
    time.sleep(0.3)
    still_answers(t, codes=(1,))


@needs_ptrace
@pytest.mark.skipif(not HAS_REMOTE, reason="the remote-debugging interface is 3.14+")
@pytest.mark.parametrize("step", [1, 2])
def test_tool_killed_with_the_threads_held_target_survives(target, step):
    # Killed while every thread is held for the writes (before, after them): the
    # kernel lets the threads go; an armed request runs later, finds no agent.
    t = target("threads")
    r = run_heapscope("attach", str(t.pid), "--samples", "2", env={"HEAPSCOPE_TEST_DIE_AT": str(step)})
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    time.sleep(0.3)
    still_answers(t, codes=(1,))


# ---- stress ----


@needs_ptrace
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["threads", "sleep"])
def test_100_attaches_in_a_row(target, mode):
    t = target(mode, env={"ATTACH_TARGET_ALARM": "1"})  # and a 1 kHz signal timer
    att = session.open_target(t.pid, timeout=30)
    methods = set()
    try:
        for i in range(100):
            out = session.request(att, "census", session="stress", keep_last="1", addresses="0")
            assert out["count"] > 1000
            methods.add(att.injections[-1].method)
            if i % 25 == 0:
                t.healthy()
    finally:
        session.close(att)
    t.healthy()
    assert methods


def test_the_agent_s_bytecode_is_staged_only_while_it_matches_its_source(tmp_path):
    import importlib.util
    import py_compile

    src = str(tmp_path / "agent.py")
    shutil.copyfile(session.AGENT_SOURCE, src)
    assert session._agent_file(src) == (src, "agent.py")  # no bytecode: the source
    pyc = importlib.util.cache_from_source(src, optimization="")
    py_compile.compile(
        src, cfile=pyc, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP
    )
    assert session._agent_file(src) == (pyc, session.AGENT_BYTECODE)
    st = os.stat(src)
    os.utime(src, (st.st_atime, st.st_mtime + 5))  # the source changed after it was compiled
    assert session._agent_file(src) == (src, "agent.py")
    os.utime(src, (st.st_atime, st.st_mtime))
    with open(pyc, "r+b") as f:  # another interpreter's bytecode
        f.write(b"\0\0\r\n")
    assert session._agent_file(src) == (src, "agent.py")
    py_compile.compile(
        src, cfile=pyc, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )
    assert session._agent_file(src) == (src, "agent.py")  # hash-based: not checked here, so not used


@needs_ptrace
@pytest.mark.parametrize("loader", ["bytecode", "source"])
def test_a_fresh_target_loads_the_agent_from_its_bytecode_or_its_source(
    target, loader, monkeypatch, tmp_path
):
    if loader == "source":
        monkeypatch.setattr(session, "_agent_file", lambda: (session.AGENT_SOURCE, "agent.py"))
    elif session._agent_file()[1] != session.AGENT_BYTECODE:
        pytest.skip("this installation has no current bytecode of agent.py (pip writes it)")
    t = target("sleep")
    att = session.open_target(t.pid)
    try:
        staged = set(os.listdir(att.host_dir))
        assert ("agent.pyc" in staged) == (loader == "bytecode") and ("agent.py" in staged) == (
            loader == "source"
        )
        first = session.request(att, "census", session="s")
        time.sleep(0.5)  # the target leaks a Leaky every loop
        second = session.request(att, "census", session="s", finish="1")
        assert first["count"] > 1000 and second["count"] > 1000, (first, second)
        assert "__main__.Leaky" in second["leak_types"], second["leak_types"]
    finally:
        session.close(att)
    # The agent the target keeps came from the file staged: the source's path
    # names the staging directory, the bytecode's the installed agent.py.
    probe = tmp_path / "probe.py"
    probe.write_text(f"import sys; print(sys.modules[{session.MODULE_KEY!r}]._hs_run.__code__.co_filename)\n")
    r = run_heapscope("exec", str(t.pid), str(probe))
    assert r.returncode == 0, r.stderr
    where = r.stdout.strip()
    if loader == "bytecode":
        assert where == session.AGENT_SOURCE, where
    else:
        assert where == att.target_dir + "/agent.py", where
    t.healthy()
