"""heapscope exec PID script.py: run a script inside a live process, safely.

Pyrasite's job (the seed's workflow ran objgraph in a live process through
it), on attach's machinery: the script runs at the interpreter's own safe
point (the remote-debugging interface on 3.14+, heapscope's injector before),
its stdout and stderr come back here as it writes them, an exception comes
back as its traceback, and its exit status is heapscope's.  Only a process
the caller may already ptrace.  Afterwards nothing of the run stays in the
target but attach's own cached agent: the script's globals are cleared and
the staging directory is removed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any, TextIO

from heapscope.cli.attach import add_attach_options, attach_error, pid_arg

# Once the script has started, heapscope waits for it however long it runs;
# --timeout only bounds the wait for a safe point.
INTERRUPTED = 130


class _Tail:
    """Copies what a file in the staging directory gains to one of our streams."""

    def __init__(self, path: str, out: TextIO) -> None:
        self.path, self.out, self.pos = path, out, 0

    def pump(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return
        if data:
            self.pos += len(data)
            self.out.write(data.decode("utf-8", "backslashreplace"))
            self.out.flush()


class ExecCommand:
    name = "exec"
    help = "Run a Python script inside a running process (by PID) at a safe point; its output comes here."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pid", type=pid_arg, metavar="PID", help="the process to run the script in")
        parser.add_argument("script", help="the Python file to run there")
        add_attach_options(parser)

    def run(self, args: argparse.Namespace) -> int:
        from heapscope.attach import session
        from heapscope.attach.preflight import AttachError

        try:
            with open(args.script, "rb") as f:
                source = f.read()
            compile(source, args.script, "exec")
        except OSError as exc:
            return attach_error(ValueError(f"cannot read {args.script}: {exc.strerror}"))
        except SyntaxError as exc:
            return attach_error(ValueError(f"{args.script}:{exc.lineno}: {exc.msg}: fix the script"))
        try:
            att = session.open_target(args.pid, timeout=args.timeout, method=args.method)
        except AttachError as exc:
            return attach_error(exc)
        try:
            return self._exec(att, args, source)
        except AttachError as exc:
            return attach_error(exc)
        except KeyboardInterrupt:
            if session.claimed(att):
                print(
                    f"heapscope: stopped waiting; the script still runs in process {att.pid} "
                    "(its further output is not shown)",
                    file=sys.stderr,
                )
            else:
                print(f"heapscope: interrupted before the script started in {att.pid}", file=sys.stderr)
            return INTERRUPTED
        finally:
            session.close(att)

    def _exec(self, att: Any, args: argparse.Namespace, source: bytes) -> int:
        from heapscope.attach import session

        name = "script.py"
        with open(os.path.join(att.host_dir, name), "wb") as f:
            f.write(source)
        key = str(att._serial + 1)  # the request about to be made
        tails = [
            _Tail(os.path.join(att.host_dir, f"stdout-{key}"), sys.stdout),
            _Tail(os.path.join(att.host_dir, f"stderr-{key}"), sys.stderr),
        ]
        # Ctrl-C only sets a flag; the wait loop raises KeyboardInterrupt at a
        # point of its own, never inside the injector's or the cleanup's calls.
        interrupted: list[int] = []

        def wait() -> None:
            for t in tails:
                t.pump()
            if interrupted:
                raise KeyboardInterrupt

        att.on_wait = wait
        att.unbounded = True
        previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
        try:
            out = session.request(
                att, "exec", script=att.target_dir + "/" + name, name=os.path.abspath(args.script)
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        for t in tails:
            t.pump()
        return int(out.get("exit", 1)) & 0xFF
