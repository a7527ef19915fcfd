"""heapscope snapshot -o FILE [--] script.py [args]: write the heap of a script to a file.

The snapshot is taken when the script ends, and also each time the process
receives SIGUSR2 while it runs (FILE, then FILE.1, FILE.2, ...).
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
    help = "Run a script and write its heap to a snapshot file (at exit, and on SIGUSR2)."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="snapshot file to write")
        parser.add_argument(
            "--top", type=int, default=20, help="top retainers to store with labels (default 20)"
        )
        parser.add_argument("script", help="the Python script to run")
        parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        out_dir = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(out_dir):
            return error(f"cannot write {args.output}: no directory {out_dir}")
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
        status = run_script()
        take(args.output)
        return status
