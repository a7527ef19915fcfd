"""heapscope snapshot -o FILE [--] script.py [args]: write the heap of a script to a file.

The snapshot is taken when the script ends, and also each time the process
receives SIGUSR2 while it runs (FILE, then FILE.1, FILE.2, ...).

heapscope snapshot PID -o FILE: the heap of a running process, by attaching.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from heapscope.cli import error
from heapscope.cli.script import ScriptError, prepare


class SnapshotCommand:
    name = "snapshot"
    exit_by_signal = True  # interrupted, it writes the snapshot, then dies of the signal as the script would
    help = "Run a script and write its heap to a snapshot file (at exit, and on SIGUSR2)."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("-o", "--output", metavar="FILE", help="snapshot file to write (required)")
        parser.add_argument(
            "--top", type=int, default=20, help="top retainers to store with labels (default 20)"
        )
        parser.add_argument("script", help="the Python script to run, or the PID of a running process")
        parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
        from heapscope.cli.attach import add_attach_options

        add_attach_options(parser)

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        if (
            args.script.isdigit()
            and args.output is None
            and len(args.args) == 2
            and args.args[0] in ("-o", "--output")
        ):
            args.output, args.args = args.args[1], []  # `heapscope snapshot PID -o FILE`
        if args.output is None:
            return error("the snapshot file is missing: give -o FILE")

        out_dir = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(out_dir):
            return error(f"cannot write {args.output}: no directory {out_dir}")
        if args.script.isdigit() and not args.args and not os.path.exists(args.script):
            return self._attached(int(args.script), args)
        try:
            run_script = prepare(args.script, args.args)
        except ScriptError as exc:
            return error(str(exc))
        written = [0]

        def take(path: str) -> None:
            snapfile.write(snapfile.take(top=args.top), path)
            print(f"heapscope: wrote snapshot {path}", file=sys.stderr)

        def on_usr2(signum: int, frame: Any) -> None:
            written[0] += 1
            take(f"{args.output}.{written[0]}")

        signal.signal(signal.SIGUSR2, on_usr2)
        try:
            status = run_script()
        except BaseException:
            # Ctrl-C or SIGTERM: the heap as it was is what the user came for.
            take(args.output)
            raise
        take(args.output)
        return status

    def _attached(self, pid: int, args: argparse.Namespace) -> int:
        import shutil
        import time

        from heapscope import __version__
        from heapscope.attach import session
        from heapscope.attach.preflight import AttachError
        from heapscope.cli.attach import attach_error, describe

        try:
            att = session.open_target(pid, timeout=args.timeout, method=args.method)
        except AttachError as exc:
            return attach_error(exc)
        try:
            out = session.request(
                att,
                "snapshot",
                top=str(args.top),
                time=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                version=__version__,
            )
            local = os.path.join(att.host_dir, os.path.basename(out["path"]))
            shutil.copyfile(local, args.output)
        except AttachError as exc:
            return attach_error(exc)
        except OSError as exc:
            return error(f"cannot write {args.output}: {exc.strerror}")
        finally:
            session.close(att)
        stats = out.get("stats", {})
        print(
            f"heapscope: wrote snapshot {args.output} of process {pid} "
            f"({stats.get('objects', '?')} objects; {describe(att)})",
            file=sys.stderr,
        )
        return 0
