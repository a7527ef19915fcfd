"""heapscope diff A B: what grew between two snapshot files, and how the new objects are held."""

from __future__ import annotations

import argparse
import sys

from heapscope.cli import emit, error


class DiffCommand:
    name = "diff"
    help = "Compare two snapshot files: growth, objects born after A still alive in B, their stories."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old", metavar="A", help="the earlier snapshot file")
        parser.add_argument("new", metavar="B", help="the later snapshot file")
        parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
        parser.add_argument("--stories", type=int, default=10, help="stories to show (default 10)")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        try:
            old, new = snapfile.load(args.old), snapfile.load(args.new)
        except snapfile.SnapshotError as exc:
            return error(f"{exc} (give two files written by `heapscope snapshot`)")
        emit(snapfile.diff(old, new, args.stories), args, sys.stdout)
        return 0
