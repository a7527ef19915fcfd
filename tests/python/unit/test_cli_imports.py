"""A command line imports only the command it names (attach starts faster)."""

import subprocess
import sys

import pytest

PROBE = """
import sys
from heapscope.cli import build_parser
parser = build_parser(sys.argv[1:])
args, _ = parser.parse_known_args(sys.argv[1:])
print(args._command.name)
print(" ".join(sorted(m for m in sys.modules if m.startswith("heapscope.") or m in STDLIB_HEAVY)))
"""
# What argparse's formatter would import for the terminal's width (shutil and
# with it bz2, lzma, zlib): 2 ms of every start.
STDLIB_HEAVY = {"shutil", "bz2", "lzma"}


def loaded(*argv: str) -> tuple[str, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", f"STDLIB_HEAVY = {STDLIB_HEAVY!r}" + PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return out[0], set(out[1].split())


@pytest.mark.parametrize(
    "argv, command",
    [
        (["attach", "--samples", "2", "1234"], "attach"),
        (["report", "x.hsnap"], "report"),
        (["diff", "a.hsnap", "b.hsnap"], "diff"),
    ],
)
def test_only_the_named_command_is_imported(argv, command):
    name, modules = loaded(*argv)
    assert name == command
    others = {f"heapscope.cli.{c}" for c in ("run", "exec_", "snapshot", "export")} - {
        f"heapscope.cli.{command}"
    }
    assert not modules & others, modules & others
    # nor the analysis: attach asks the target's agent for it
    if command == "attach":
        assert not modules & {"heapscope.api", "heapscope.graph", "heapscope.explain", "heapscope.report"}
        assert not modules & STDLIB_HEAVY, modules & STDLIB_HEAVY


@pytest.mark.parametrize("columns", [50, 120])
def test_help_still_fits_the_terminal_width(columns):
    # The width comes from $COLUMNS (or the terminal) as shutil would find it.
    env = {**__import__("os").environ, "COLUMNS": str(columns)}
    out = subprocess.run(
        [sys.executable, "-m", "heapscope", "attach", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    # (a choice list like {auto,remote,...} is one word argparse never breaks)
    prose = [line for line in out.splitlines() if "{" not in line]
    widths = [len(line) for line in prose]
    assert max(widths) <= columns, [line for line in prose if len(line) > columns]
    # and the text really is wrapped to it, not to a fixed 80
    assert max(widths) > columns - 25, max(widths)


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "heapscope", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for c in ("check", "run", "attach", "exec", "snapshot", "diff", "report", "export"):
        assert f"    {c} " in out or f"    {c}\n" in out, c
    # a command that is not one still gets argparse's list of choices
    bad = subprocess.run([sys.executable, "-m", "heapscope", "nosuch"], capture_output=True, text=True)
    assert bad.returncode == 2 and "attach" in bad.stderr
