"""heapscope report FILE: what a snapshot file holds: biggest types, top retainers, roots."""

from __future__ import annotations

import argparse
import json
import sys

from heapscope.cli import error
from heapscope.graph import Path
from heapscope.reporters.text import fmt_bytes


class ReportCommand:
    name = "report"
    help = "Report on a snapshot file: largest types, what retains the most memory, kinds of roots."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a snapshot file written by `heapscope snapshot`")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--dot", metavar="FILE", help="draw the top retainers' paths (Graphviz)")
        parser.add_argument("--top", type=int, default=10, help="rows to show (default 10)")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import snapfile

        try:
            loaded = snapfile.load(args.file)
        except snapfile.SnapshotError as exc:
            return error(f"{exc} (give a file written by `heapscope snapshot`)")
        stats = loaded.snapshot.stats()
        census = loaded.census()
        retainers = loaded.results.get("top_retainers") or loaded.snapshot.top_retainers(args.top)
        doc = {
            "schema": "heapscope.snapshot-report/1",
            "file": args.file,
            "meta": loaded.meta,
            "objects": stats["objects"],
            "edges": stats["edges"],
            "roots": stats["root_kinds"],
            "types": [{"type": t, "count": c, "size": s} for t, c, s in census[: args.top]],
            "top_retainers": retainers[: args.top],
        }
        if args.dot:
            from heapscope.reporters.dot import paths_to_dot, write

            paths = [(r["path"], f"retains {fmt_bytes(r['retained_size'])}") for r in retainers[: args.top]]
            print(f"heapscope: {write(paths_to_dot(paths), args.dot)}", file=sys.stderr)
        if args.json:
            json.dump(doc, sys.stdout, indent=2)
            sys.stdout.write("\n")
            return 0
        m = loaded.meta
        print(f"{args.file}: {stats['objects']} objects, {stats['edges']} references "
              f"(Python {m.get('python', '?')}, pid {m.get('pid', '?')}, {m.get('time', '?')})")
        print(f"  {m.get('argv', '')}")
        print("\nlargest types:")
        for t, c, s in census[: args.top]:
            print(f"  {fmt_bytes(s):>10}  {c:>9}  {t}")
        print("\nretaining the most memory:")
        for r in retainers[: args.top]:
            print(f"  {fmt_bytes(r['retained_size']):>10}  {r['type']} at {Path.from_raw(r['path']).text}")
        return 0
