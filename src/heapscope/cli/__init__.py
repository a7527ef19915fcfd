"""The command line: one command object per subcommand (memray's shape).

Each command has ``prepare_parser(parser)`` and ``run(args) -> exit code``.
Exit codes: 0 no leak / success, 1 leak found, 2 bad usage or bad input,
3-14 attach failures (docs/attach.md), 130 interrupted (Ctrl-C), 143
terminated (SIGTERM); `run`, `snapshot` and `exec` exit with their script's status.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from heapscope import __version__

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Any, Callable, Protocol, TextIO, TypeVar

    N = TypeVar("N", int, float)

    class Command(Protocol):
        name: str
        help: str

        def prepare_parser(self, parser: argparse.ArgumentParser) -> None: ...

        def run(self, args: argparse.Namespace) -> int: ...


# Every command, in the order `heapscope --help` lists them: module, class.
# A command line names one, and only that one's module is imported (attach
# starts faster without the analysis, the runner and the exporters).
_COMMANDS = {
    "check": ("heapscope.cli.check", "CheckCommand"),
    "run": ("heapscope.cli.run", "RunCommand"),
    "attach": ("heapscope.cli.attach", "AttachCommand"),
    "exec": ("heapscope.cli.exec_", "ExecCommand"),
    "snapshot": ("heapscope.cli.snapshot", "SnapshotCommand"),
    "diff": ("heapscope.cli.diff", "DiffCommand"),
    "report": ("heapscope.cli.report", "ReportCommand"),
    "export": ("heapscope.cli.export", "ExportCommand"),
}


def _commands(names: list[str] | None = None) -> list[Command]:
    import importlib

    out = []
    for name in names or list(_COMMANDS):
        module, cls = _COMMANDS[name]
        out.append(getattr(importlib.import_module(module), cls)())
    return out


def at_least_zero(parse: Callable[[str], N], expected: str, unit: str = "") -> Callable[[str], N]:
    """An argparse type: ``parse(text)``, 0 or more; the errors name what was expected."""

    def convert(text: str) -> N:
        try:
            v = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"expected 0 or more{unit}, got {v}")
        return v

    convert.__name__ = parse.__name__
    return convert


positive = at_least_zero(int, "a whole number")


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() finds it ($COLUMNS,
    then stdout's terminal, else 80), without importing shutil: argparse's
    formatter imports it (and with it bz2, lzma and zlib) for every argument
    added, which `heapscope attach` would pay for on every start."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, **kwargs: Any) -> None:
        if kwargs.get("width") is None:
            kwargs["width"] = _columns() - 2
        super().__init__(prog, **kwargs)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"heapscope: error: {message} (see heapscope --help)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's."""
    first = next((a for a in (argv or []) if not a.startswith("-")), None)
    parser = _Parser(
        prog="heapscope",
        description="Find Python memory leaks: what grows, why it is alive, what to change.",
    )
    parser.add_argument("--version", action="version", version=f"heapscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in _commands([first] if first in _COMMANDS else None):
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.prepare_parser(p)
        p.add_argument(
            "--quiet",
            action="store_true",
            help="no progress line on stderr (shown only on a terminal, for work over a second)",
        )
        p.set_defaults(_command=cmd)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind so that every finally block cleans up (a target
    resumed, staging removed), then exit as a terminated process."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def _progress(args: argparse.Namespace) -> None:
    """Long walks, analyses and snapshot files show a progress line on stderr
    when it is a terminal, unless --quiet."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty and not getattr(args, "quiet", False):
        from heapscope import _heapscope

        # HEAPSCOPE_PROGRESS_AFTER (seconds; the tests set it small) moves the
        # one-second threshold.
        after = float(os.environ.get("HEAPSCOPE_PROGRESS_AFTER", "1") or 1)
        _heapscope.set_progress(sys.stderr.fileno(), after)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    cmd = getattr(args, "_command", None)
    if extra:
        if not getattr(cmd, "takes_more_positionals", False) or any(a.startswith("-") for a in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.more = extra
    if cmd is None:
        parser.print_help(sys.stderr)
        return 2
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    _progress(args)
    try:
        return cmd.run(args)
    except (KeyboardInterrupt, Terminated) as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        print(f"heapscope: {'interrupted' if signum == signal.SIGINT else 'terminated'}", file=sys.stderr)
        if getattr(cmd, "exit_by_signal", False):
            # run/snapshot stand in for the script: die of the signal, as it would have.
            sys.stderr.flush()
            sys.stdout.flush()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        return 128 + signum
    except BrokenPipeError:
        # `heapscope ... | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """The output and tracing options `check` and `run` share."""
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument(
        "--dot", metavar="FILE", help="draw the leaks' retention paths (Graphviz .dot; .png/.svg rendered)"
    )
    add_html_option(parser)
    parser.add_argument("--frames", type=int, default=5, help="tracemalloc frames per allocation (default 5)")
    parser.add_argument(
        "--no-trace", action="store_true", help="do not trace allocations (faster; no allocation sites)"
    )


def add_html_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--html", metavar="FILE", help="also write the report as one self-contained HTML page (docs/html.md)"
    )


def emit(obj: object, args: argparse.Namespace, text_stream: TextIO) -> None:
    """A model object as the user asked, through the reporters: --dot picture, --json on stdout, or text."""
    from heapscope import reporters

    if getattr(args, "dot", None):
        from heapscope.reporters.dot import write

        print(f"heapscope: {write(reporters.get('dot').render(obj), args.dot)}", file=sys.stderr)
    if getattr(args, "html", None):
        from heapscope.reporters import html

        print(f"heapscope: {html.write(html.render(obj), args.html)}", file=sys.stderr)
    if getattr(args, "json", False):
        sys.stdout.write(reporters.get("json").render(obj))
    else:
        print(reporters.get("text").render(obj), file=text_stream)
    sys.stdout.flush()


def error(message: str) -> int:
    """Print the one-line error and return the bad-input exit code."""
    print(f"heapscope: error: {message}", file=sys.stderr)
    return 2
