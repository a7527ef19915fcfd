# ruff: noqa: E501  (the refusal messages are whole sentences)
"""Read-only checks that decide whether heapscope may attach to a PID.

Nothing here stops, traces or writes to the target: it reads /proc and the
interpreter's ELF file.  Each refusal is an AttachError with its own exit
code and a one-line message that names the remedy (design notes:
shared/design/ATTACH.md, sections 4 and 5).
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    try:  # dataclasses' import is a third of `heapscope attach`'s start-up
        from heapscope._record import dataclass
    except ImportError:  # this file copied and run on its own (a test runs it as another user)
        from dataclasses import dataclass

# Exit codes of `heapscope attach`, one per failure kind.
NO_PROCESS = 3
NOT_CPYTHON = 4
UNSUPPORTED = 5
STOPPED = 6
TRACED = 7
PERMISSION = 8
NAMESPACE = 9
ARCH = 10

# The name heapscope's ptrace helper gives itself (HS_HELPER_NAME in
# src/attach/hs_pmem.h).  A heapscope killed mid-attach leaves its helper to
# finish the injection and let the target go, which takes well under a
# second; an attach that starts in that moment waits for it this long.
HELPER_NAME = "heapscope-trace"
HELPER_GRACE = 5.0


class AttachError(Exception):
    """Why heapscope will not attach; ``code`` is the CLI's exit status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Target:
    pid: int
    python: str  # the interpreter file as the target sees it
    version: tuple[int, int]
    uid: int
    same_mount_namespace: bool
    symbols: dict[str, int]  # runtime addresses of the symbols the injector needs


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in _read(f"/proc/{pid}/status").splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def _state(pid: int) -> str:
    stat = _read(f"/proc/{pid}/stat")
    return stat[stat.rindex(")") + 2 :].split()[0]


def _ptrace_scope() -> int:
    try:
        return int(_read("/proc/sys/kernel/yama/ptrace_scope").strip())
    except (OSError, ValueError):
        return 0


def _has_cap_sys_ptrace() -> bool:
    cap = int(_status(os.getpid()).get("CapEff", "0"), 16)
    return bool(cap & (1 << 19))


def _is_ancestor(pid: int) -> bool:
    me = os.getpid()
    p = pid
    for _ in range(64):
        try:
            p = int(_status(p).get("PPid", "0"))
        except OSError:
            return False
        if p == me:
            return True
        if p <= 1:
            return False
    return False


def _check_permission(pid: int, status: dict[str, str]) -> None:
    uid = int(status["Uid"].split()[1])  # effective uid
    cap = _has_cap_sys_ptrace()
    scope = _ptrace_scope()
    if scope == 3:
        raise AttachError(
            PERMISSION,
            "ptrace is disabled on this machine (kernel.yama.ptrace_scope=3); it can only be re-enabled by a reboot",
        )
    if not cap:
        if uid != os.geteuid():
            raise AttachError(
                PERMISSION,
                f"process {pid} runs as uid {uid} and heapscope as uid {os.geteuid()}: run heapscope as that "
                "user, or as root (in Docker: --cap-add=SYS_PTRACE)",
            )
        if scope == 2:
            raise AttachError(
                PERMISSION,
                "kernel.yama.ptrace_scope=2 lets only CAP_SYS_PTRACE attach: run heapscope as root "
                "(in Docker: --cap-add=SYS_PTRACE; Kubernetes: securityContext.capabilities.add: [SYS_PTRACE])",
            )
        if scope == 1 and not _is_ancestor(pid):
            raise AttachError(
                PERMISSION,
                "kernel.yama.ptrace_scope=1 lets a process trace only its descendants: run heapscope with sudo, "
                "or `sudo sysctl kernel.yama.ptrace_scope=0`",
            )


def _elf_dynsym(path: str, wanted: set[str]) -> tuple[dict[str, int], bool]:
    """Symbol values from an ELF file's .dynsym, and whether it is position independent.

    Reads only the headers, .dynsym and its string table (not the whole file,
    which can be tens of megabytes with debug information)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF":
            return {}, False
        if head[4] != 2 or head[5] != 1:
            raise AttachError(
                ARCH, f"{path} is not a 64-bit little-endian ELF file: only x86_64 targets are supported"
            )
        e_type, e_machine = struct.unpack_from("<HH", head, 16)
        if e_machine != 62:
            raise AttachError(ARCH, f"{path} is not an x86_64 binary: attach is built for x86_64 only")
        (shoff,) = struct.unpack_from("<Q", head, 40)
        shentsize, shnum, _shstrndx = struct.unpack_from("<HHH", head, 58)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from("<IIQQQQIIQQ", table, i * shentsize) for i in range(shnum)]
        found: dict[str, int] = {}
        for _name, stype, _flags, _addr, off, size, link, _info, _align, entsize in sections:
            if stype != 11 or entsize != 24 or link >= len(sections):  # SHT_DYNSYM of Elf64_Sym
                continue
            f.seek(sections[link][4])
            strtab = f.read(sections[link][5])
            f.seek(off)
            symtab = f.read(size - size % 24)
            # Where each wanted name sits in the string table (a name may also end
            # a longer one: "x_Py_Version" holds "Py_Version" at +1).
            offsets: dict[int, str] = {}
            for sym in wanted:
                key = sym.encode() + b"\0"
                at = strtab.find(key)
                while at >= 0:
                    offsets[at] = sym
                    at = strtab.find(key, at + 1)
            for st_name, _info, _other, st_shndx, st_value, _size in struct.iter_unpack("<IBBHQQ", symtab):
                sym = offsets.get(st_name)
                if sym is not None and st_shndx != 0:
                    found[sym] = st_value
    return found, e_type == 3  # ET_DYN


NEEDED = {
    "Py_AddPendingCall",
    "PyRun_SimpleString",
    "PyGILState_Ensure",
    "PyGILState_Release",
    "_PyRuntime",
    "Py_Version",
    "_Py_NegativeRefcount",  # only debug builds (Py_REF_DEBUG) define it
}


def _find_python(pid: int) -> tuple[str, str, int, dict[str, int]]:
    """(path as the target sees it, path from here, load bias, symbol values) of its CPython."""
    maps = _read(f"/proc/{pid}/maps")  # one read: a consistent view
    seen: dict[str, int] = {}
    for line in maps.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        path = parts[5]
        if "python" not in os.path.basename(path) or path.endswith(" (deleted)"):
            continue
        start = int(parts[0].split("-")[0], 16)
        offset = int(parts[2], 16)
        if path not in seen and offset == 0:
            seen[path] = start
    for path, start in seen.items():
        local = f"/proc/{pid}/root{path}"
        try:
            syms, pie = _elf_dynsym(local, NEEDED)
        except OSError:
            continue
        if "Py_AddPendingCall" in syms:
            bias = start if pie else 0
            return path, local, bias, {k: v + bias for k, v in syms.items()}
    raise AttachError(
        NOT_CPYTHON,
        f"process {pid} is not a CPython interpreter (no libpython or python binary defines Py_AddPendingCall)",
    )


def _version(path: str) -> tuple[int, int] | None:
    m = re.search(r"python(\d)\.(\d+)", os.path.basename(path))
    return (int(m.group(1)), int(m.group(2))) if m else None


def _comm(pid: int) -> str | None:
    try:
        return _read(f"/proc/{pid}/comm").strip()
    except OSError:
        return None


def _helper_let_go(pid: int, tracer: int, grace: float) -> dict[str, str]:
    """Waits while ``tracer``, heapscope's own helper, still traces ``pid``;
    the target's status once it let go, or AttachError(TRACED) after ``grace``."""
    import time

    deadline = time.monotonic() + grace
    while True:
        time.sleep(0.01)
        try:
            status = _status(pid)
        except FileNotFoundError:
            raise AttachError(
                NO_PROCESS, f"process {pid} exited while an earlier heapscope's helper let it go"
            ) from None
        now = int(status.get("TracerPid", "0"))
        if now != tracer and (now == 0 or _comm(now) != HELPER_NAME):
            return status
        tracer = now  # another heapscope's helper took it: that one lets go too
        if time.monotonic() > deadline:
            raise AttachError(
                TRACED,
                f"process {pid} is still traced by heapscope's ptrace helper (process {tracer}) of an "
                f"earlier attach, {grace:g} s on: try again in a moment, or `kill {tracer}` if it stays",
            )


def check(pid: int, supported: Sequence[tuple[int, int]] | None = None) -> Target:
    """Everything that can be known about attaching to ``pid`` without touching it."""
    machine = os.uname().machine
    if machine not in ("x86_64", "AMD64"):
        raise AttachError(
            ARCH,
            f"attach is built for x86_64 only, not {machine}: run heapscope check/run inside the program",
        )
    if pid <= 0:
        raise AttachError(NO_PROCESS, f"{pid} is not a process id")
    if pid == os.getpid():
        raise AttachError(
            NO_PROCESS, "heapscope cannot attach to itself: use heapscope.check() or heapscope.snapshot()"
        )
    try:
        state = _state(pid)
        status = _status(pid)
    except FileNotFoundError:
        raise AttachError(
            NO_PROCESS, f"no such process: {pid} (has it exited? `ps -p {pid}` shows it)"
        ) from None
    tracer = int(status.get("TracerPid", "0"))
    if tracer and _comm(tracer) == HELPER_NAME:  # a killed heapscope's helper, letting go
        status = _helper_let_go(pid, tracer, HELPER_GRACE)
        state = status.get("State", "?")[:1]
    if state in ("Z", "X"):
        raise AttachError(NO_PROCESS, f"process {pid} has exited (it is a zombie waiting for its parent)")
    if state in ("T",):
        raise AttachError(
            STOPPED, f"process {pid} is stopped (job control): resume it with `kill -CONT {pid}` first"
        )
    tracer = int(status.get("TracerPid", "0"))
    if tracer:
        comm = _comm(tracer)
        who = f" ({comm})" if comm else ""
        raise AttachError(
            TRACED,
            f"process {pid} is already traced by process {tracer}{who}: detach that debugger or profiler first",
        )
    _check_permission(pid, status)
    if status.get("Seccomp", "0") == "2":
        raise AttachError(
            PERMISSION,
            f"process {pid} runs under a seccomp filter that may kill it for the calls attach injects",
        )
    try:
        path, local, _bias, syms = _find_python(pid)
    except PermissionError:
        if os.geteuid() == 0:
            raise AttachError(
                PERMISSION,
                f"cannot read process {pid}'s memory map even as root: it is protected (another user "
                "namespace or a security policy); run heapscope where that process's owner can trace it",
            ) from None
        raise AttachError(
            PERMISSION, f"cannot read process {pid}'s memory map: run heapscope as its user or as root"
        ) from None
    version = _version(path)
    if version is None:
        raise AttachError(UNSUPPORTED, f"cannot tell the Python version of process {pid} from {path}")
    if supported is not None and version not in supported:
        raise AttachError(
            UNSUPPORTED,
            f"process {pid} runs Python {version[0]}.{version[1]}; attach supports "
            + ", ".join(f"{a}.{b}" for a, b in supported),
        )
    try:
        same_ns = os.readlink("/proc/self/ns/mnt") == os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        same_ns = True
    return Target(pid, path, version, int(status["Uid"].split()[1]), same_ns, syms)
