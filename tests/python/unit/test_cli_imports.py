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
print(" ".join(sorted(m for m in sys.modules if m.startswith("heapscope."))))
"""


def loaded(*argv: str) -> tuple[str, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
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


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "heapscope", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for c in ("check", "run", "attach", "exec", "snapshot", "diff", "report", "export"):
        assert f"    {c} " in out or f"    {c}\n" in out, c
    # a command that is not one still gets argparse's list of choices
    bad = subprocess.run([sys.executable, "-m", "heapscope", "nosuch"], capture_output=True, text=True)
    assert bad.returncode == 2 and "attach" in bad.stderr
