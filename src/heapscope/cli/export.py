"""heapscope export FILE... --format heapsnapshot|parquet -o OUT: a snapshot file in other tools' formats."""

from __future__ import annotations

import argparse
import os
import sys

from heapscope.cli import error


class ExportCommand:
    name = "export"
    # `heapscope export FILE... --format parquet DIR`: argparse leaves positionals
    # after the options unparsed; main() hands them over as args.more.
    takes_more_positionals = True
    help = (
        "Export snapshot files: a Chrome DevTools .heapsnapshot (one file), "
        "or Parquet tables for DuckDB and Spark (any number of files)."
    )

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "files", metavar="FILE", nargs="+", help="snapshot files written by `heapscope snapshot`"
        )
        parser.add_argument(
            "--format", choices=("heapsnapshot", "parquet"), required=True, help="what to write"
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="OUT",
            help="the .heapsnapshot file, or the directory for the Parquet tables "
            "(for parquet, the last FILE may name it instead)",
        )
        parser.add_argument(
            "--stories",
            type=int,
            default=10,
            help="parquet: stories per pair of files of one process (default 10)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from heapscope import export, snapfile

        files, out = [*args.files, *getattr(args, "more", [])], args.output
        if out is None and args.format == "parquet" and len(files) > 1:
            out = files.pop()  # `heapscope export FILE... --format parquet DIR`
        if out is None:
            return error("the output is missing: give -o OUT")
        if args.format == "heapsnapshot" and len(files) != 1:
            return error(f"a .heapsnapshot holds one heap; give one FILE, not {len(files)}")
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            return error(f"cannot write {out}: no directory {parent}")
        if args.format == "parquet" and os.path.exists(out) and not os.path.isdir(out):
            return error(f"{out} is a file; Parquet tables go into a directory")
        try:
            if args.format == "parquet":
                export._pyarrow()  # before reading files: a missing pyarrow is said at once
            loaded = []
            for f in files:
                try:
                    loaded.append(snapfile.load(f))
                except snapfile.SnapshotError as exc:
                    return error(f"{exc} (give a file written by `heapscope snapshot`)")
            if args.format == "heapsnapshot":
                export.heapsnapshot(loaded[0], out)
                print(f"heapscope: wrote {out} (open it in Chrome DevTools: Memory, Load)", file=sys.stderr)
            else:
                rows = export.parquet(loaded, out, args.stories)
                tables = ", ".join(f"{name} {count:,}" for name, count in rows.items())
                print(f"heapscope: wrote {out}/*.parquet: {tables} rows", file=sys.stderr)
        except export.ExportError as exc:
            return error(str(exc))
        return 0
