"""heapscope report FILE: what a snapshot file holds: biggest types, top retainers, roots."""

from __future__ import annotations

import argparse
import sys

from heapscope.cli import add_html_option, emit, error


class ReportCommand:
    name = "report"
    help = "Report on a snapshot file: largest types, what retains the most memory, kinds of roots."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a snapshot file written by `heapscope snapshot`")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        add_html_option(parser)
        parser.add_argument("--dot", metavar="FILE", help="draw the top retainers' paths (Graphviz)")
        parser.add_argument("--top", type=int, default=10, help="rows to show (default 10)")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        try:
            loaded = snapfile.load(args.file)
        except snapfile.SnapshotError as exc:
            return error(f"{exc} (give a file written by `heapscope snapshot`)")
        summary = snapfile.summary(loaded, args.top)
        summary.file = args.file
        emit(summary, args, sys.stdout)
        return 0
