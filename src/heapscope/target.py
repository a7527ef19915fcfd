"""Resolving a TARGET (``path/to/file.py:function`` or ``package.module:function``)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Callable

FORM = "TARGET is path/to/file.py:function or package.module:function"


class TargetError(Exception):
    """A TARGET that cannot be used; str() is the one-line message."""


def _load_file(path: str) -> object:
    if not os.path.isfile(path):
        raise TargetError(f"no such file: {path} ({FORM})")
    directory = os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules else f"__heapscope_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot load {path} as Python source ({FORM})")
    module = importlib.util.module_from_spec(spec)
    if directory not in sys.path:
        sys.path.insert(0, directory)  # as `python file.py` would
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        raise TargetError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    return module


def resolve(target: str) -> Callable[[], object]:
    """The callable a TARGET names; TargetError when it cannot be had."""
    where, sep, func = target.rpartition(":")
    if not sep or not where or not func:
        raise TargetError(f"bad target {target!r}: {FORM}")
    if where.endswith(".py") or os.sep in where:
        module = _load_file(where)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise TargetError(f"cannot import module {where!r}: {exc} ({FORM})") from exc
        except BaseException as exc:
            raise TargetError(f"importing {where} failed: {type(exc).__name__}: {exc}") from exc
    obj: object = module
    for part in func.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(f"{where} has no attribute {func!r} ({FORM})") from None
    if not callable(obj):
        raise TargetError(f"{target} is not callable: it is a {type(obj).__name__}")
    needed = _required_parameters(obj)
    if needed:
        raise TargetError(
            f"{target} needs arguments ({', '.join(needed)}) and heapscope calls it with none: "
            f"give a function without parameters that calls it, e.g. def step(): {func}(...)"
        )
    return obj  # type: ignore[return-value]


def _required_parameters(fn: object) -> list[str]:
    """The parameters a call with no arguments would leave unfilled."""
    import inspect

    try:
        sig = inspect.signature(fn)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []  # a builtin without a signature: let the call say
    return [
        p.name
        for p in sig.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
