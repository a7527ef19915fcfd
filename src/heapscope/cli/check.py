"""heapscope check TARGET: call a function repeatedly and say whether it leaks."""

from __future__ import annotations

import argparse
import sys
import traceback

from heapscope.cli import add_report_options, emit, error, positive
from heapscope.target import FORM, TargetError, resolve


class CheckCommand:
    name = "check"
    help = "Call TARGET repeatedly; exit 1 if some type grows in every run."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("target", metavar="TARGET", help=FORM)
        parser.add_argument("--runs", type=positive, default=5, help="measured runs (default 5)")
        parser.add_argument("--warmup", type=positive, default=2, help="unmeasured runs first (default 2)")
        parser.add_argument(
            "--suspects",
            action="store_true",
            help="also list the objects whose retained size grew most (two extra heap graphs)",
        )
        add_report_options(parser)

    def run(self, args: argparse.Namespace) -> int:
        if args.runs < 2:
            return error(f"--runs must be at least 2 (got {args.runs}): a leak is growth in every run")
        from heapscope.api import check  # the analysis, only for the command that runs it

        try:
            fn = resolve(args.target)
        except TargetError as exc:
            return error(str(exc))
        raised: list[BaseException] = []

        def target() -> None:
            try:
                fn()
            except (Exception, SystemExit) as exc:  # the target's own failure, not heapscope's
                raised.append(exc)
                raise

        try:
            report = check(
                target,
                runs=args.runs,
                warmup=args.warmup,
                trace=not args.no_trace,
                frames=max(1, args.frames),
                suspects=args.suspects,
            )
        except SystemExit as exc:
            if not raised or exc is not raised[-1]:
                raise
            return error(
                f"{args.target} called sys.exit({exc.code!r}) instead of returning: heapscope calls it "
                "again and again, so it must return; move the exit out of it"
            )
        except Exception as exc:
            if not raised or exc is not raised[-1]:
                raise
            print_user_traceback(exc)
            return error(
                f"{args.target} raised {type(exc).__name__} (traceback above); fix it or pick another target"
            )
        report.target = args.target
        emit(report, args, sys.stdout)
        return 1 if report.leaked else 0


def print_user_traceback(exc: BaseException) -> None:
    """The traceback of the user's code only: heapscope's own frames left out."""
    import os

    import heapscope

    tool = os.path.dirname(os.path.abspath(heapscope.__file__)) + os.sep
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(tool):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)
