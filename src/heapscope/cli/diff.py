"""heapscope diff A B: what grew between two snapshot files, and how the new objects are held."""

from __future__ import annotations

import argparse
import json
import sys

from heapscope.cli import error
from heapscope.graph import Path
from heapscope.reporters.text import fmt_bytes, growth_table


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
        from heapscope.report import GrowthRow

        try:
            old, new = snapfile.load(args.old), snapfile.load(args.new)
        except snapfile.SnapshotError as exc:
            return error(f"{exc} (give two files written by `heapscope snapshot`)")
        result = snapfile.diff(old, new, args.stories)
        if args.json:
            json.dump(result, sys.stdout, indent=2)
            sys.stdout.write("\n")
            return 0
        grew = [g for g in result["growth"] if g["delta"] > 0 or g["delta_size"] > 0]
        if result["same_process"]:
            print(
                f"{args.old} -> {args.new}: {result['born']} objects born after {args.old} "
                f"are alive in {args.new}"
            )
        else:
            print(
                f"{args.old} -> {args.new}: different processes; {result['born']} objects of the types "
                "that grew, by how they are held"
            )
        for story in result["stories"]:
            path = story["path"]
            retained = story["retained_size"]
            size = f"{fmt_bytes(retained)} retained" if retained is not None else fmt_bytes(story["size"])
            print(f"  {story['count']} {story['type']} ({size}) held by {path['root']['kind']}:")
            print(f"    {Path.from_raw(path).text}")
        if grew:
            print()
            print(growth_table([GrowthRow(**g) for g in grew]))
        return 0
