"""heapscope run script.py [args]: run a script as __main__ and report what grew."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

from heapscope.cli import Terminated, add_report_options, emit, error
from heapscope.cli.script import ScriptError, prepare
from heapscope.model import GrowthTick
from heapscope.reporters import text


def seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return v


def publish(server: Any, sampler: Any, t0: float) -> None:
    """The last sample's metrics: every type's counts, the suspects and what
    their objects born since the baseline retain.  The census holds the GIL,
    so the script's threads were paused for the whole sample."""
    from heapscope.graph import analyze
    from heapscope.metrics import Sample

    suspects = server.suspects(sampler.samples[-1].rows())
    retained = 0
    if suspects:
        snap = analyze(types=suspects, baseline=sampler.samples[0], max_stories=50, sites=False)
        stories = (snap.results().get("leaks") or {}).get("stories") or []
        retained = sum(st["retained_size"] for st in stories)
        del snap
    took = time.perf_counter() - t0
    server.publish(Sample(sampler.samples[-1].rows(), took, took, suspects, retained))


class RunCommand:
    name = "run"
    exit_by_signal = True  # interrupted, it reports, then dies of the signal as the script would
    help = "Run a Python script as __main__; report growth every SECONDS and at exit."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--every",
            type=seconds,
            default=None,
            metavar="SECONDS",
            help="also report growth every SECONDS while the script runs",
        )
        add_report_options(parser)
        from heapscope.cli.attach import add_metrics_options

        add_metrics_options(parser)
        parser.add_argument("script", help="the Python script to run")
        parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")

    def run(self, args: argparse.Namespace) -> int:
        from heapscope.sampler import Sampler, Ticker  # the analysis, only for this command

        try:
            run_script = prepare(args.script, args.args)
        except ScriptError as exc:
            return error(str(exc))
        server = None
        if args.metrics or args.otlp:
            from heapscope.cli.attach import start_metrics
            from heapscope.metrics import MetricsError

            if args.every is None:
                args.every = 10.0  # metrics need samples while the script runs
            try:
                server = start_metrics(args, {"pid": str(os.getpid()), "script": args.script})
            except MetricsError as exc:
                return error(str(exc))
        if not args.no_trace:
            import tracemalloc

            tracemalloc.start(max(1, args.frames))
        sampler = Sampler()  # after the metrics server: its thread and socket are in the baseline
        started = time.monotonic()

        def tick() -> None:
            t0 = time.perf_counter()
            rows = sampler.sample()
            t = time.monotonic() - started
            tick = GrowthTick(f"[heapscope] t={t:.1f}s, sample {len(sampler.samples) - 1}", None, None, rows)
            print(text.render(tick), file=sys.stderr)
            if server is not None:
                publish(server, sampler, t0)

        ticker = Ticker(args.every, tick) if args.every else None
        if ticker:
            ticker.start()
            ticker.started.wait()
            sampler.rebase()  # the thread's own objects are heapscope's, not the script's growth
            ticker.go.set()  # (no tick may land between the two baselines)
        interrupted = 0  # the signal, when one stopped the script
        try:
            status = run_script()
        except KeyboardInterrupt:
            interrupted, status = signal.SIGINT, 130  # report what grew so far, then exit as the signal would
        except Terminated as exc:
            interrupted, status = exc.signum, 128 + exc.signum
        finally:
            if ticker:
                ticker.stop()
            if server is not None:
                server.close()
        sampler.sample()
        report = sampler.report(args.every)
        report.target = args.script
        report.exit_code = status
        emit(report, args, sys.stderr)
        if interrupted == signal.SIGINT:
            raise KeyboardInterrupt
        if interrupted:
            raise Terminated(interrupted)  # a new one: the caught one and its frames were not sampled
        return status
