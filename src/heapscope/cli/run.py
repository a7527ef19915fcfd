"""heapscope run script.py [args]: run a script as __main__ and report what grew."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import types

from heapscope.cli import error
from heapscope.reporters.text import growth_table
from heapscope.sampler import Sampler, Ticker


def seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return v


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


class RunCommand:
    name = "run"
    help = "Run a Python script as __main__; report growth every SECONDS and at exit."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--every",
            type=seconds,
            default=None,
            metavar="SECONDS",
            help="also report growth every SECONDS while the script runs",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the final report as JSON on stdout"
        )
        parser.add_argument(
            "--dot", metavar="FILE", help="draw the leaks' retention paths (.dot; .png/.svg rendered)"
        )
        parser.add_argument(
            "--frames", type=int, default=5, help="tracemalloc frames per allocation (default 5)"
        )
        parser.add_argument(
            "--no-trace", action="store_true", help="do not trace allocations (faster; no allocation sites)"
        )
        parser.add_argument("script", help="the Python script to run")
        parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")

    def run(self, args: argparse.Namespace) -> int:
        path = args.script
        if not os.path.isfile(path):
            return error(f"no such script: {path} (give the path of a Python file to run)")
        try:
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec")
        except (SyntaxError, ValueError, OSError) as exc:
            return error(f"cannot compile {path}: {exc}")

        main = types.ModuleType("__main__")
        main.__dict__.update({"__file__": path, "__builtins__": __builtins__, "__spec__": None})
        sys.argv = [path, *args.args]
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        sys.modules["__main__"] = main

        if not args.no_trace:
            import tracemalloc

            tracemalloc.start(max(1, args.frames))
        sampler = Sampler()
        started = time.monotonic()

        def tick() -> None:
            rows = sampler.sample()
            t = time.monotonic() - started
            print(
                f"[heapscope] t={t:.1f}s, sample {len(sampler.samples) - 1}: "
                f"{len(rows)} types grew",
                file=sys.stderr,
            )
            if rows:
                print(growth_table(rows, 10), file=sys.stderr)

        ticker = Ticker(args.every, tick) if args.every else None
        if ticker:
            ticker.start()
        status = 0
        try:
            exec(code, main.__dict__)
        except SystemExit as exc:
            status = _exit_code(exc)
        except BaseException:
            traceback.print_exc()
            status = 1
        finally:
            if ticker:
                ticker.stop()
        sampler.sample()
        report = sampler.report(args.every)
        report.target = path
        report.extra["exit_code"] = status
        if args.dot:
            from heapscope.reporters.dot import report_to_dot, write

            print(f"heapscope: {write(report_to_dot(report), args.dot)}", file=sys.stderr)
        if args.json:
            json.dump(report.to_dict(), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print(report, file=sys.stderr)
        sys.stdout.flush()
        return status
