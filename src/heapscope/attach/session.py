# ruff: noqa: E501  (the error messages are whole sentences)
"""Attach to a live CPython process: stage the agent, inject, collect results.

The C injector (``_heapscope._inject``) gets a bootstrap string run in the
target's main thread at a safe point; the bootstrap compiles the staged
``agent.py`` and calls it.  The agent answers through files in a directory
under the target's ``/tmp``, reached through ``/proc/PID/root`` so that other
mount namespaces work too (design: shared/design/ATTACH.md).
"""

from __future__ import annotations

import errno
import json
import os
import struct
import time

from heapscope import _heapscope
from heapscope.attach import preflight
from heapscope.attach.preflight import AttachError

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from dataclasses import dataclass, field
    from typing import Any, Callable
else:
    from heapscope._record import dataclass, field

# Exit codes beyond preflight's.
EXITED = 11
TIMEOUT = 12
NOT_READY = 13
FAILED = 14

# The injector's codes (exported by the extension) -> the CLI's exit codes.
# A test checks that every INJECT_* code but INJECT_OK is here.
_ERR_CODES = {
    _heapscope.INJECT_GONE: EXITED,
    _heapscope.INJECT_PERM: preflight.PERMISSION,
    _heapscope.INJECT_LAYOUT: preflight.UNSUPPORTED,
    _heapscope.INJECT_NOTREADY: NOT_READY,
    _heapscope.INJECT_TIMEOUT: TIMEOUT,
    _heapscope.INJECT_TRACED: preflight.TRACED,
    _heapscope.INJECT_STOPPED: preflight.STOPPED,
    _heapscope.INJECT_FAILED: FAILED,
    _heapscope.INJECT_UNSUPPORTED: preflight.UNSUPPORTED,
    _heapscope.INJECT_NOT_PARKED: FAILED,
    _heapscope.INJECT_DISABLED: preflight.UNSUPPORTED,
    _heapscope.INJECT_BUSY: FAILED,
}
NOT_PARKED = _heapscope.INJECT_NOT_PARKED  # gilensure was asked for and is not safe
METHODS = {"auto": 0, "pending": 1, "gilensure": 2}
# How the agent gets in: the interpreter's remote-debugging interface (PEP 768)
# where the target has one and allows it, else the ptrace injector.
PATH_REMOTE = "remote"
PATH_INJECTOR = "injector"
METHOD_CHOICES = ("auto", PATH_REMOTE, PATH_INJECTOR, "pending", "gilensure")
# Bump with any change to the agent's protocol or a fix in the extension it
# runs: a target keeps the first one loaded (v1 could crash a target, #11).
MODULE_KEY = "_heapscope_agent_v3"
AGENT_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent.py")
AGENT_BYTECODE = "agent.pyc"  # its name when staged as bytecode (see _agent_file)


@dataclass
class Injection:
    """What one injection did: the method, and how long the main thread was stopped."""

    method: str
    stopped_ms: float
    total_ms: float
    state: str


@dataclass
class Attached:
    """A target prepared for requests: its symbols, and the staged agent directory."""

    target: preflight.Target
    symbols: dict[str, int]
    host_dir: str  # the directory, as this process reaches it
    target_dir: str  # the same directory, as the target sees it
    timeout: float
    method: str = "auto"
    die_at: int = 0  # test hook: the injector SIGKILLs itself at this step
    own_tmp_dir: str | None = None  # the directory through our /tmp, when the target shares it
    # While a request waits: called every few milliseconds (exec streams output with it).
    on_wait: Callable[[], None] | None = None
    # Once the agent has claimed a request, wait for it without the deadline (exec).
    unbounded: bool = False
    injections: list[Injection] = field(default_factory=list)
    path: str = PATH_INJECTOR  # PATH_REMOTE or PATH_INJECTOR
    path_note: str = ""  # why the injector, when the target has the remote interface
    _serial: int = 0

    @property
    def pid(self) -> int:
        return self.target.pid


# The staging directory belongs to the target's user once chowned, so nothing
# in it is trusted: heapscope (often root) creates its files only new and never
# through a symlink, reads them never through one, and removes the directory
# without following any (shutil.rmtree's guarantee, by descriptors).
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _create(path: str, data: bytes) -> None:
    """A new file holding data (FileExistsError if anything is there, a symlink too)."""
    fd = os.open(path, _NEW, 0o644)
    try:
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


def _copy(src: str, dst: str) -> None:
    with open(src, "rb") as f:
        _create(dst, f.read())


def _read(path: str) -> bytes:
    """A file's bytes, never through a symlink, never waiting on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        parts = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
    finally:
        os.close(fd)


def _remove_tree(path: str, dir_fd: int | None = None) -> None:
    """_remove_tree(path): through directory descriptors, no symlink followed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        try:  # a file or a symlink where a directory was
            os.unlink(path, dir_fd=dir_fd)
        except OSError:
            pass
        return
    try:
        for name in os.listdir(fd):
            try:
                os.unlink(name, dir_fd=fd)
            except IsADirectoryError:
                _remove_tree(name, fd)
            except OSError:
                pass
    except OSError:
        pass
    finally:
        os.close(fd)
    try:
        os.rmdir(path, dir_fd=dir_fd)
    except OSError:
        pass


def _read_mem(pid: int, addr: int, size: int) -> bytes:
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as f:
        f.seek(addr)
        return f.read(size)


def _libc(pid: int) -> tuple[int, int]:
    """(address of __errno_location, address of a `syscall` instruction) in the target's libc."""
    maps = preflight._read(f"/proc/{pid}/maps")
    starts: dict[str, int] = {}
    text: list[tuple[str, int, int, int]] = []
    for line in maps.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        path = parts[5]
        name = os.path.basename(path)
        if not (name.startswith("libc.so") or name.startswith("libc-")):
            continue
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        off = int(parts[2], 16)
        if off == 0 and path not in starts:
            starts[path] = lo
        if "x" in parts[1]:
            text.append((path, lo, hi, off))
    for path, lo, hi, off in text:
        local = f"/proc/{pid}/root{path}"
        syms, _pie = preflight._elf_dynsym(local, {"__errno_location"})
        if "__errno_location" not in syms or path not in starts:
            continue
        with open(local, "rb") as f:
            f.seek(off)
            code = f.read(hi - lo)
        at = code.find(b"\x0f\x05")
        if at < 0:
            continue
        return starts[path] + syms["__errno_location"], lo + at
    raise AttachError(
        preflight.NOT_CPYTHON,
        f"process {pid} does not map glibc's libc.so.6 (a static or musl build?): attach needs glibc",
    )


def _version_word(pid: int, symbols: dict[str, int]) -> int | None:
    addr = symbols.get("Py_Version")
    if addr is None:
        return None
    try:
        return int(struct.unpack("<I", _read_mem(pid, addr, 4))[0])
    except OSError:
        return None


def _extension_for(version: tuple[int, int]) -> str:
    """The heapscope extension built for the target's Python (this process's, when they match)."""
    path = _heapscope.__file__
    assert path is not None
    tag = f"cpython-{version[0]}{version[1]}-"
    if tag not in os.path.basename(path):
        raise AttachError(
            preflight.UNSUPPORTED,
            f"the target runs Python {version[0]}.{version[1]} and this heapscope is built for "
            f"{os.path.basename(path).split('.')[1]}: run heapscope from a Python {version[0]}.{version[1]} "
            f"that has it installed (python{version[0]}.{version[1]} -m pip install heapscope)",
        )
    return path


def _agent_file(source: str = AGENT_SOURCE) -> tuple[str, str]:
    """(file to stage, its name there): the installed bytecode of agent.py
    when it is current, else the source.

    The target's first request runs the agent: compiling its source there
    took 5 ms of the attach.  The extension staged beside it is built for the
    target's Python version, so this one's bytecode suits it (bytecode does
    not change between the final releases of a version).  A .pyc counts when
    its header has this interpreter's magic number and records the source's
    size and modification time (the check the import system makes); pip
    writes one at install time."""
    from importlib import _bootstrap_external as bx  # loaded at start-up: no import runs

    try:
        pyc = bx.cache_from_source(source, optimization="")
        st = os.stat(source)
        with open(pyc, "rb") as f:
            head = f.read(16)
    except (OSError, NotImplementedError, ValueError):
        return source, "agent.py"
    flags, mtime, size = struct.unpack("<III", head[4:16]) if len(head) == 16 else (1, 0, 0)
    if (
        head[:4] == bx.MAGIC_NUMBER
        and flags == 0
        and (mtime, size)
        == (
            int(st.st_mtime) & 0xFFFFFFFF,
            st.st_size & 0xFFFFFFFF,
        )
    ):
        return pyc, AGENT_BYTECODE
    return source, "agent.py"


def open_target(pid: int, timeout: float = 30.0, method: str = "auto") -> Attached:
    """Checks, resolves and stages everything; touches the target only through files."""
    # The supported versions: src/core/hs_versions.h, through the extension.
    target = preflight.check(pid, _heapscope.SUPPORTED_VERSIONS)
    if "_Py_NegativeRefcount" in target.symbols:
        raise AttachError(
            preflight.UNSUPPORTED,
            f"process {pid} runs a debug build of Python (Py_DEBUG changes its layouts): attach supports release builds",
        )
    word = _version_word(pid, target.symbols)
    if word is not None:
        major, minor, level = word >> 24, (word >> 16) & 0xFF, (word >> 4) & 0xF
        if (major, minor) != target.version:
            raise AttachError(
                preflight.UNSUPPORTED,
                f"process {pid}: Py_Version says {major}.{minor} but the file name says {target.version[0]}.{target.version[1]}",
            )
        if level != 0xF:
            raise AttachError(
                preflight.UNSUPPORTED,
                f"process {pid} runs a pre-release of Python {major}.{minor}: attach supports final releases",
            )
    ext = _extension_for(target.version)
    path, path_note = _choose_path(target, method)
    errno_fn, syscall_insn = _libc(pid)
    symbols = dict(target.symbols)
    symbols["__errno_location"] = errno_fn
    symbols["syscall"] = syscall_insn
    name = f"heapscope-{pid}-{os.urandom(6).hex()}"
    root = f"/proc/{pid}/root/tmp"
    host_dir = os.path.join(root, name)
    remove_stale(root)
    try:
        os.mkdir(host_dir, 0o700)
        _create(os.path.join(host_dir, "owner"), _owner_id(os.getpid()).encode())
        status = preflight._status(pid)
        uid, gid = int(status["Uid"].split()[1]), int(status["Gid"].split()[1])
        if os.geteuid() == 0 and (uid, gid) != (0, 0):
            os.chown(host_dir, uid, gid)
        for src, dst in (_agent_file(), (ext, os.path.basename(ext))):
            out = os.path.join(host_dir, dst)
            try:
                os.link(src, out)
            except OSError:
                _copy(src, out)
            if os.geteuid() == 0 and (uid, gid) != (0, 0):
                os.chown(out, uid, gid)
    except FileNotFoundError:
        raise AttachError(
            preflight.NO_PROCESS, f"process {pid} exited before heapscope could attach"
        ) from None
    except OSError as exc:
        _remove_tree(host_dir)
        raise AttachError(
            preflight.NAMESPACE,
            f"cannot stage heapscope's agent in process {pid}'s /tmp ({exc.strerror}): attach needs a writable /tmp in the target",
        ) from None
    except BaseException:
        _remove_tree(host_dir)  # interrupted while staging
        raise
    return Attached(
        target,
        symbols,
        host_dir,
        "/tmp/" + name,
        timeout,
        method="auto" if method in (PATH_REMOTE, PATH_INJECTOR) else method,
        die_at=int(os.environ.get("HEAPSCOPE_TEST_DIE_AT", "0")),
        path=path,
        path_note=path_note,
        own_tmp_dir=os.path.join("/tmp", name) if _same_tmp(pid) else None,
    )


def _choose_path(target: preflight.Target, method: str) -> tuple[str, str]:
    """(path, note): the remote-debugging interface when the target has it and allows it.

    Asks the target's own _Py_DebugOffsets (read only): an interpreter without
    the interface (before 3.14) answers "unsupported" and gets the injector
    silently; one that runs with remote debugging disabled gets it with a note."""
    if method not in ("auto", PATH_REMOTE):
        return PATH_INJECTOR, ""
    major, minor = target.version
    probe = _heapscope._remote(
        target.pid, major, minor, target.symbols["_PyRuntime"], "/", _heapscope.REMOTE_PROBE
    )
    err = int(probe["err"])
    if err == _heapscope.INJECT_OK:
        return PATH_REMOTE, ""
    if err == _heapscope.INJECT_UNSUPPORTED and method == "auto":
        return PATH_INJECTOR, ""
    if err == _heapscope.INJECT_DISABLED and method == "auto":
        return PATH_INJECTOR, f"remote debugging is disabled in process {target.pid}"
    if err == _heapscope.INJECT_DISABLED:
        raise AttachError(
            preflight.UNSUPPORTED,
            f"{probe['msg']}: drop --method remote to use heapscope's injector, or restart it with remote debugging on",
        )
    _raise_for_code(err, str(probe["msg"]))
    return PATH_INJECTOR, ""  # not reached


def _same_tmp(pid: int) -> bool:
    """Does the target see the same /tmp as this process?"""
    try:
        return (
            os.stat(f"/proc/{pid}/root/tmp").st_ino == os.stat("/tmp").st_ino
            and os.stat(f"/proc/{pid}/root/tmp").st_dev == os.stat("/tmp").st_dev
        )
    except OSError:
        return False


def _owner_id(pid: int) -> str:
    """'PID START': a process and its start time (a reused PID has another)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            start = f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = "?"
    return f"{pid} {start}\n"


def remove_stale(tmp: str) -> list[str]:
    """Remove heapscope staging directories in `tmp` whose owner is gone.

    A directory is stale when the heapscope process that made it (its
    `owner` file) no longer runs, or, for one without an owner file, when
    the target its name carries no longer runs.  Returns what was removed.
    """
    removed = []
    try:
        names = [n for n in os.listdir(tmp) if n.startswith("heapscope-")]
    except OSError:
        return removed
    for name in names:
        path = os.path.join(tmp, name)
        parts = name.split("-")
        try:
            owner = _read(os.path.join(path, "owner")).decode()
            stale = _owner_id(int(owner.split()[0])) != owner
        except (OSError, ValueError, IndexError):
            stale = len(parts) == 3 and parts[1].isdigit() and not os.path.exists(f"/proc/{parts[1]}")
            if not stale and os.path.isdir(path):
                try:  # no owner file: an interrupted staging, stale after a minute
                    stale = not os.path.exists(os.path.join(path, "owner")) and (
                        time.time() - os.stat(path).st_mtime > 60
                    )
                except OSError:
                    stale = False
        if stale:
            _remove_tree(path)
            removed.append(name)
    return removed


def _bootstrap(directory: str, key: str, compiled: bool = False) -> bytes:
    """What PyRun_SimpleString runs: binds no name in __main__, never raises.

    The first time, it loads the staged agent (its bytecode when `compiled`,
    else it compiles agent.py); later, the agent cached in sys.modules runs
    directly."""
    path = directory + ("/" + AGENT_BYTECODE if compiled else "/agent.py")
    read = f"(lambda f: (f.read(), f.close())[0])(__import__('_io').open_code({path!r}))"
    # marshal is built in and imported at start-up: __import__ finds it in sys.modules.
    code = f"__import__('marshal').loads({read}[16:])" if compiled else f"B.compile({read}, {path!r}, 'exec')"
    return (
        "try:\n"
        f" (lambda B, m: m._hs_run({directory!r}, {key!r}) if m is not None else"
        f" (lambda g: (B.exec({code}, g), g['_run']({directory!r}, {key!r})))"
        "({'__name__': '__heapscope_agent__'}))"
        f"(__import__('builtins'), __import__('sys').modules.get({MODULE_KEY!r}))\n"
        "except BaseException:\n"
        " pass\n"
    ).encode()


def _raise_for(att: Attached, res: dict[str, Any]) -> None:
    err = int(res["err"])
    if err:
        msg = str(res["msg"])
        if err == _heapscope.INJECT_TIMEOUT and res.get("state"):
            msg += f" (main thread: {res['state']})"
        _raise_for_code(err, msg)


def _raise_for_code(err: int, msg: str) -> None:
    if err:
        raise AttachError(_ERR_CODES.get(err, FAILED), msg)


def _alive(pid: int) -> bool:
    try:
        return preflight._state(pid) not in ("Z", "X")
    except OSError:
        return False


def request(att: Attached, op: str, **params: str) -> dict[str, Any]:
    """Run one agent request in the target; returns the agent's answer."""
    att._serial += 1
    key = str(att._serial)
    host = att.host_dir
    body = "".join(
        f"{k}={v}\n"
        for k, v in {"op": op, "ext": os.path.basename(_heapscope.__file__ or ""), **params}.items()
    )
    try:
        _create(os.path.join(host, f"request-{key}"), body.encode())
    except FileExistsError:
        raise AttachError(
            FAILED,
            f"something else wrote heapscope's request file into its staging directory in process {att.pid}'s /tmp; "
            "heapscope did not touch it. Attach again",
        ) from None
    except OSError as exc:
        if not _alive(att.pid):
            raise AttachError(EXITED, f"process {att.pid} exited while heapscope was attached") from None
        raise AttachError(
            FAILED, f"cannot write heapscope's request into process {att.pid}'s /tmp: {exc.strerror}"
        ) from None
    result_path = os.path.join(host, f"result-{key}")
    deadline = time.monotonic() + att.timeout
    code = _bootstrap(att.target_dir, key, os.path.exists(os.path.join(host, AGENT_BYTECODE)))
    if att.path != PATH_REMOTE or not _run_remote(att, key, code, result_path, deadline):
        _run_injector(att, key, code, result_path, deadline)
    return _answer(att, result_path)


def _run_injector(att: Attached, key: str, code: bytes, result_path: str, deadline: float) -> None:
    """One request through heapscope's ptrace injector: a pending call, or
    PyGILState_Ensure in a main thread parked outside the interpreter."""
    host = att.host_dir
    last_state = ""
    pending: list[dict[str, Any]] = []
    # gilensure runs the request inside the trampoline: an unbounded one (exec)
    # may run for long, so its scratch is unmapped once the answer is there.
    inside: list[dict[str, Any]] = []
    injected = 0
    method = METHODS[att.method]
    try:
        while True:
            remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
            res = _heapscope._inject(
                att.pid,
                att.target.version[0],
                att.target.version[1],
                att.symbols,
                code,
                method=method,
                timeout_ms=remaining_ms,
                die_at=att.die_at,
                no_wait=1 if att.unbounded else 0,
            )
            if pending and res["err"] == NOT_PARKED:
                # A retry: still not parked, and one pending call is queued already.
                res = {"err": 0, "scratch": 0, "keep_code": 0, "method": "pending", "state": res["state"]}
                res.update(stopped_ms=0.0, total_ms=0.0)
            _raise_for(att, res)
            last_state = str(res["state"])
            if "tid" in res:
                injected += 1
                att.injections.append(
                    Injection(
                        str(res["method"]), float(res["stopped_ms"]), float(res["total_ms"]), last_state
                    )
                )
            if res["keep_code"]:
                pending.append(res)
            elif res["scratch"] and res.get("in_flight"):
                inside.append(res)
            elif res["scratch"]:
                _cleanup(att, res, int(res["scratch_len"]))
            # Wait for the answer; a pending call not claimed within a second is retried
            # (the main thread may be parked by now); `claimed-KEY` makes it run once.
            retry_at = time.monotonic() + 1.0
            while not os.path.exists(result_path):
                now = _still_waiting(att)
                if now > deadline and not _running_unbounded(att, key):
                    raise AttachError(
                        TIMEOUT,
                        f"process {att.pid} did not run heapscope's agent within {att.timeout:g} s "
                        f"(main thread: {last_state}); it resumes untouched. Try again, or a longer --timeout",
                    )
                if now > retry_at and not os.path.exists(os.path.join(host, f"claimed-{key}")):
                    # Never queue a second pending call (the queue is small and the
                    # target's own); only a main thread parked by now gets another try.
                    method = METHODS["gilensure"]
                    break
                time.sleep(0.0005 if now - retry_at < -0.95 else 0.005)
            else:
                break
    except BaseException:
        # Make a late pending call a no-op; its code string stays mapped for it.
        try:
            _create(os.path.join(host, f"cancel-{key}"), b"")
        except OSError:
            pass
        for res in pending:
            _cleanup(att, res, int(res["code_offset"]))
        for res in inside:
            if _in_trampoline_still(att, res):
                _cleanup_when_done(att, res)
            else:
                _cleanup(att, res, int(res["scratch_len"]))
        raise
    for res in inside:
        _cleanup(att, res, int(res["scratch_len"]))
    # When the one injection of this request was a pending call, that call is
    # what answered: it compiled its string long ago, so all of it can go.
    # After a retry, the pending call may still be queued: its string stays.
    # So it does when the agent never claimed the request (an answer file
    # planted by something else): the call is still queued, and made a no-op.
    answered = os.path.exists(os.path.join(host, f"claimed-{key}"))
    if pending and not answered:
        try:
            _create(os.path.join(host, f"cancel-{key}"), b"")
        except OSError:
            pass
    for res in pending:
        _cleanup(att, res, int(res["scratch_len"] if injected == 1 and answered else res["code_offset"]))


def _in_trampoline_still(att: Attached, res: dict[str, Any]) -> bool:
    """Is an unbounded request (exec) still running inside the trampoline?  Then
    its scratch mapping cannot go yet: it stays until the target exits."""
    return _running_unbounded(att, att_key(att)) and not os.path.exists(
        os.path.join(att.host_dir, f"result-{att_key(att)}")
    )


def _cleanup_when_done(att: Attached, res: dict[str, Any]) -> None:
    """The caller stops waiting while its request still runs in the trampoline
    (Ctrl-C during a long exec): a detached helper watches the trampoline's
    done flag (reads only, every 50 ms) and unmaps the scratch once the
    thread has left it, so nothing stays in the target."""
    scratch, length, tid = int(res["scratch"]), int(res["scratch_len"]), int(res["tid"])
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            while _alive(att.pid):
                try:
                    if struct.unpack("<Q", _read_mem(att.pid, scratch, 8))[0]:
                        _heapscope._inject_cleanup(att.pid, tid, att.symbols["syscall"], scratch, length)
                        break
                except OSError:
                    break
                time.sleep(0.05)
    finally:
        os._exit(0)


def att_key(att: Attached) -> str:
    return str(att._serial)


def _still_waiting(att: Attached) -> float:
    """One turn of a wait for the agent's answer: the target must still run; the
    caller's on_wait (exec's output) gets its turn.  Returns the time."""
    if not _alive(att.pid):
        raise AttachError(EXITED, f"process {att.pid} exited while heapscope was attached")
    if att.on_wait is not None:
        att.on_wait()
    return time.monotonic()


def _running_unbounded(att: Attached, key: str) -> bool:
    """An unbounded request the agent has started: no deadline applies any more."""
    return att.unbounded and os.path.exists(os.path.join(att.host_dir, f"claimed-{key}"))


def claimed(att: Attached) -> bool:
    """Has the agent started the latest request?"""
    return os.path.exists(os.path.join(att.host_dir, f"claimed-{att._serial}"))


def _remote_call(att: Attached, script: str, action: int) -> dict[str, Any]:
    major, minor = att.target.version
    return dict(
        _heapscope._remote(
            att.pid,
            major,
            minor,
            att.symbols["_PyRuntime"],
            script,
            action,
            timeout_ms=5000,
            die_at=att.die_at,
        )
    )


def _run_remote(att: Attached, key: str, code: bytes, result_path: str, deadline: float) -> bool:
    """One request through the interpreter's remote-debugging interface (PEP 768).

    The bootstrap goes into a script file; the main thread's state is armed
    with its path.  A main thread that does not reach a safe point within
    half a second (blocked in C) gets company: every thread state of the
    interpreter is armed, and `claimed-KEY` makes the first one to run it the
    only one.  When none has after a second (a single thread parked in a
    read, say), the states are disarmed and False returned: the injector
    then enters the parked thread.  Once the answer is there, or heapscope
    gives up, the states that never ran it are disarmed, so nothing of
    heapscope stays queued in the target."""
    host = att.host_dir
    name = f"boot-{key}.py"
    try:
        _create(os.path.join(host, name), code)
    except FileExistsError:
        raise AttachError(
            FAILED,
            f"something else wrote heapscope's script into its staging directory in process {att.pid}'s /tmp; "
            "heapscope did not touch it. Attach again",
        ) from None
    script = att.target_dir + "/" + name
    res = _remote_call(att, script, _heapscope.REMOTE_ARM_MAIN)
    _raise_for(att, res)
    att.injections.append(
        Injection(PATH_REMOTE, float(res["stopped_ms"]), float(res["total_ms"]), "main thread armed")
    )
    armed_all = False
    claimed = os.path.join(host, f"claimed-{key}")
    try:
        retry_at = time.monotonic() + 0.5
        give_up_at = retry_at + 0.5
        while not os.path.exists(result_path):
            now = _still_waiting(att)
            if now > deadline and not _running_unbounded(att, key):
                state = _remote_call(att, "/", _heapscope.REMOTE_PROBE).get("state") or "unknown"
                raise AttachError(
                    TIMEOUT,
                    f"process {att.pid} did not run heapscope's agent within {att.timeout:g} s "
                    f"(main thread: {state}; no thread reached a safe point); it resumes untouched. "
                    "Try again, or a longer --timeout",
                )
            if now > retry_at and not os.path.exists(claimed):
                if not armed_all:
                    more = _remote_call(att, script, _heapscope.REMOTE_ARM_ALL)
                    _raise_for(att, more)
                    att.injections[-1].stopped_ms += float(more["stopped_ms"])
                    att.injections[-1].state = "every thread armed"
                    armed_all = True
                elif now > give_up_at:
                    _remote_call(att, script, _heapscope.REMOTE_DISARM)
                    if not os.path.exists(claimed):
                        return False  # no thread reaches a safe point: the injector's turn
            time.sleep(0.0005 if now - retry_at < -0.45 else 0.005)
    except BaseException:
        try:
            _create(os.path.join(host, f"cancel-{key}"), b"")
        except OSError:
            pass
        raise
    finally:
        if _alive(att.pid):
            _remote_call(att, script, _heapscope.REMOTE_DISARM)
    return True


def _answer(att: Attached, result_path: str) -> dict[str, Any]:
    try:
        text = _read(result_path)
    except OSError as exc:
        if not _alive(att.pid):
            raise AttachError(EXITED, f"process {att.pid} exited while heapscope was attached") from None
        why = "it is a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise AttachError(
            FAILED, f"cannot read heapscope's answer in process {att.pid}'s /tmp ({why}). Attach again"
        ) from None
    try:
        out: dict[str, Any] = json.loads(text)
        if not isinstance(out, dict):
            raise ValueError("not an object")
    except ValueError:
        raise AttachError(
            FAILED,
            f"the answer in process {att.pid}'s /tmp is not heapscope agent's (not a JSON object): "
            "something else wrote it. Attach again",
        ) from None
    if "error" in out:
        raise AttachError(FAILED, f"heapscope's agent failed inside process {att.pid}: {out['error']}")
    return out


def _cleanup(att: Attached, res: dict[str, Any], length: int) -> None:
    """Unmap `length` bytes of what an injection left mapped, from its start.
    (A queued pending call leaves only its code string: code_offset is 0.)"""
    if length <= 0 or not res["scratch"] or not _alive(att.pid):
        return
    done = _heapscope._inject_cleanup(
        att.pid, int(res["tid"]), att.symbols["syscall"], int(res["scratch"]), length, die_at=att.die_at
    )
    if att.injections:
        att.injections[-1].stopped_ms += float(done["stopped_ms"])


def close(att: Attached) -> None:
    """Remove the staged directory; a request still queued then finds no agent and does nothing."""
    _remove_tree(att.host_dir)
    if att.own_tmp_dir and not _alive(att.pid):
        # The target exited: /proc/PID/root is gone, but its /tmp was ours.
        _remove_tree(att.own_tmp_dir)
