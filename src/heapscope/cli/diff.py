"""heapscope diff A B: what grew between two snapshot files, and how the new objects are held."""

from __future__ import annotations

import argparse
import sys

from heapscope.cli import add_html_option, emit, error


class DiffCommand:
    name = "diff"
    help = "Compare two snapshot files: growth, objects born after A still alive in B, their stories."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old", metavar="A", help="the earlier snapshot file")
        parser.add_argument("new", metavar="B", help="the later snapshot file")
        parser.add_argument(
            "more",
            metavar="C",
            nargs="*",
            help="later files still (snapshot FILE.1, FILE.2, ...): the verdict is check's rule over all",
        )
        parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
        add_html_option(parser)
        parser.add_argument("--stories", type=int, default=10, help="stories to show (default 10)")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        try:
            loaded = [snapfile.load(p) for p in (args.old, args.new, *args.more)]
        except snapfile.SnapshotError as exc:
            return error(f"{exc} (give two or more files written by `heapscope snapshot`)")
        result = snapfile.diff(loaded[0], loaded[-1], args.stories, between=loaded[1:-1])
        emit(result, args, sys.stdout)
        return 1 if result.leaked else 0
