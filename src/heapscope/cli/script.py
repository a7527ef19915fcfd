"""Running a user's script as ``python script.py`` would, for run and snapshot."""

from __future__ import annotations

import os
import sys
import types
from typing import Callable


class ScriptError(Exception):
    """The script cannot be run; str() is the one-line reason."""


def prepare(path: str, argv: list[str]) -> Callable[[], int]:
    """Compile ``path`` and set up ``__main__``; returns a function that runs it.

    The function returns the script's exit status (SystemExit honoured, an
    uncaught exception printed and turned into 1).
    """
    if not os.path.isfile(path):
        raise ScriptError(f"no such script: {path} (give the path of a Python file to run)")
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
    except (SyntaxError, ValueError, OSError) as exc:
        raise ScriptError(f"cannot compile {path}: {exc}") from None
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": path, "__builtins__": __builtins__, "__spec__": None})
    sys.argv = [path, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    sys.modules["__main__"] = main

    def run() -> int:
        from heapscope.cli import Terminated

        try:
            exec(code, main.__dict__)
        except SystemExit as exc:
            return exit_status(exc)
        except (KeyboardInterrupt, Terminated):
            raise  # the command writes what it has, then exits as the signal would
        except BaseException as exc:
            from heapscope.cli.check import print_user_traceback

            print_user_traceback(exc)
            return 1
        return 0

    return run


def exit_status(exc: SystemExit) -> int:
    """The process exit status sys.exit(code) asks for."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
