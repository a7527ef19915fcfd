"""heapscope attach PID: what grows in a running process, and why it is alive.

Takes ``--samples`` census samples ``--interval`` seconds apart inside the
process (nothing installed there, no restart), reports the growth between
them and, for the types that grew in every interval, the stories: the path
from a root that keeps them alive, the fix, and where they were allocated
when the target traces with tracemalloc.  ``--watch`` prints the growth of
every interval until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from heapscope.cli import add_html_option, at_least_zero, emit, positive

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Any


def pid_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a process id (a number), got {text!r}") from None


seconds = at_least_zero(float, "seconds", " seconds")


def add_attach_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout", type=seconds, default=30.0, help="give up on one request after this long (default 30 s)"
    )
    parser.add_argument(
        "--method",
        choices=("auto", "remote", "injector", "pending", "gilensure"),
        default="auto",
        help="how the agent gets in (default auto: the interpreter's remote-debugging interface, PEP 768, "
        "where the target has it and allows it; else heapscope's injector, by what the main thread is doing)",
    )


def attach_error(exc: BaseException) -> int:
    code = getattr(exc, "code", 2)
    print(f"heapscope: error: {exc}", file=sys.stderr)
    return int(code)


def describe(att: Any) -> str:
    inj = att.injections[-1] if att.injections else None
    if inj is None:
        return ""
    if att.path == "remote":
        return f"remote debugging interface (PEP 768), threads held {inj.stopped_ms:.2f} ms for the writes"
    why = f"injector ({att.path_note}), " if att.path_note else ""
    return f"{why}{inj.method}, main thread stopped {inj.stopped_ms:.1f} ms"


def add_metrics_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve per-type metrics of each sample for Prometheus at http://HOST:PORT/metrics",
    )
    parser.add_argument(
        "--otlp",
        metavar="URL",
        help="push the same metrics through OTLP/HTTP, e.g. http://127.0.0.1:4318/v1/metrics "
        "(pip install 'heapscope[otlp]')",
    )
    parser.add_argument(
        "--metrics-types",
        type=positive,
        default=50,
        metavar="N",
        help="types with their own series: the top N by bytes, the rest as type=other (default 50)",
    )
    parser.add_argument(
        "--metrics-window",
        type=positive,
        default=5,
        metavar="K",
        help="a leak suspect grew in each of the last K intervals (default 5; at least 2)",
    )


def start_metrics(args: argparse.Namespace, info: dict[str, str]) -> Any:
    """The metrics of --metrics and --otlp (MetricsError when they cannot start)."""
    from heapscope import __version__
    from heapscope.metrics import Metrics

    info = {**info, "heapscope": __version__}
    sink = Metrics(args.metrics, args.otlp, args.metrics_types, args.metrics_window, info)
    print(f"heapscope: serving metrics at {sink.where}", file=sys.stderr)
    return sink


class AttachCommand:
    name = "attach"
    finished = False  # set once the target's session ended with `finish`
    help = "Attach to a running Python process by PID: what grows, why it is alive, what to change."

    def prepare_parser(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pid", type=pid_arg, metavar="PID", help="the process to look into")
        parser.add_argument(
            "--samples", type=positive, default=3, help="census samples to take (default 3; at least 2)"
        )
        parser.add_argument(
            "--interval", type=seconds, default=5.0, help="seconds between samples (default 5)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
        add_html_option(parser)
        parser.add_argument(
            "--watch", action="store_true", help="print the growth of every interval until Ctrl-C"
        )
        parser.add_argument(
            "--top", type=positive, default=15, help="rows per interval with --watch (default 15)"
        )
        add_metrics_options(parser)
        add_attach_options(parser)

    def run(self, args: argparse.Namespace) -> int:
        from heapscope.attach import session
        from heapscope.attach.preflight import AttachError

        if (args.metrics or args.otlp) and not args.watch:
            return attach_error(ValueError("--metrics and --otlp send the samples of --watch: add --watch"))
        if not args.watch and args.samples < 2:
            return attach_error(
                ValueError(f"--samples must be at least 2 (got {args.samples}): growth needs two samples")
            )
        try:
            att = session.open_target(args.pid, timeout=args.timeout, method=args.method)
        except AttachError as exc:
            return attach_error(exc)
        server = None
        if args.metrics or args.otlp:  # after the target checked out: a bad PID is one line
            from heapscope.metrics import MetricsError

            try:
                server = start_metrics(args, {"pid": str(args.pid)})
            except MetricsError as exc:
                session.close(att)
                return attach_error(exc)
        sid = os.urandom(4).hex()
        try:
            if args.watch:
                return self._watch(att, sid, args, server)
            return self._samples(att, sid, args)
        except AttachError as exc:
            return attach_error(exc)
        except KeyboardInterrupt:
            print("heapscope: interrupted", file=sys.stderr)
            return 130
        finally:
            try:
                if not self.finished:  # `finish` ended the session in the target already
                    session.request(att, "drop", session=sid)
            except (AttachError, KeyboardInterrupt, OSError):
                pass
            finally:
                session.close(att)  # the staging goes, whatever happened above
                if server is not None:
                    server.close()

    def _samples(self, att: Any, sid: str, args: argparse.Namespace) -> int:
        from heapscope.attach import session
        from heapscope.explain import add_stories
        from heapscope.model import AttachInfo, Injection
        from heapscope.report import verdicts

        stats = []
        fin: dict[str, Any] = {}
        for i in range(args.samples):
            if i:
                time.sleep(args.interval)
            t0 = time.perf_counter()
            # The last sample brings the verdict and its stories: one injection fewer.
            last = {"finish": "1", "explain": "1"} if i == args.samples - 1 else {}
            out = session.request(att, "census", session=sid, **last)
            fin = out
            ms = (time.perf_counter() - t0) * 1000
            stats.append({"objects": out["count"], "bytes": out["size"], "ms": round(ms, 2)})
            print(
                f"heapscope: sample {i + 1}/{args.samples} of process {att.pid}: "
                f"{out['count']:,} objects, {out['size'] / 2**20:.1f} MiB ({ms:.0f} ms; {describe(att)})",
                file=sys.stderr,
            )
        self.finished = True
        series = [(name, counts, sizes) for name, counts, sizes in fin["series"]]
        report = verdicts(series, runs=args.samples - 1, warmup=0)
        report.target = f"pid {att.pid}"
        report.python = str(fin.get("python", report.python))
        report.unit = "intervals"
        report.tracing = bool(fin.get("tracing"))
        if report.leaks and fin.get("results"):
            add_stories(report, fin["results"])
        report.attach = AttachInfo(
            pid=att.pid,
            interval=args.interval,
            samples=stats,
            injections=[Injection(j.method, j.stopped_ms, j.total_ms) for j in att.injections],
            path=att.path,
            path_note=att.path_note,
        )
        emit(report, args, sys.stdout)
        return 1 if report.leaked else 0

    def _watch(self, att: Any, sid: str, args: argparse.Namespace, server: Any = None) -> int:
        from heapscope.attach import session
        from heapscope.model import GrowthRow, GrowthTick, sort_growth

        n = 0
        while True:
            t0 = time.perf_counter()
            metrics = {"rows": "1", "addresses": "1"} if server is not None else {"addresses": "0"}
            out = session.request(att, "census", session=sid, keep_last="1", **metrics)
            if server is not None:
                from heapscope.metrics import Sample

                rows = [(t, c, b) for t, c, b in out["rows"]]
                stopped = sum(j.stopped_ms for j in att.injections[-1:]) / 1000
                suspects = server.suspects(rows)
                retained = 0
                if suspects:  # what the suspects' new objects keep alive, by their stories
                    ex = session.request(att, "explain", session=sid, types="\t".join(suspects))
                    retained = int(ex.get("retained", 0))
                    stopped += sum(j.stopped_ms for j in att.injections[-1:]) / 1000
                server.publish(Sample(rows, time.perf_counter() - t0, stopped, suspects, retained))
            grew = [
                GrowthRow(*row) for row in out.get("diff") or [] if row[2] > 0 or (row[2] == 0 and row[4] > 0)
            ]
            tick = GrowthTick(
                f"{time.strftime('%H:%M:%S')} process {att.pid}",
                out["count"],
                out["size"],
                sort_growth(grew),
                first=n == 0,
                detail=describe(att),
                limit=args.top,
            )
            emit(tick, args, sys.stdout)
            n += 1
            time.sleep(args.interval)
