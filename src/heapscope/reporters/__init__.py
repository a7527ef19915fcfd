"""Reporters: one interface every output goes through.

A reporter has a ``name`` and ``render(obj) -> str`` for the model objects it
knows (heapscope.model: Report, Why, Retainer, SnapshotDiff, SnapshotSummary,
GrowthTick, LeakFailure).  ``get(name)`` returns one: "text", "json", "dot", "html".
The model never imports a reporter; reporters import the model.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Protocol

    class Reporter(Protocol):
        name: str

        def render(self, obj: object) -> str: ...


NAMES = ("text", "json", "dot", "html")


def get(name: str) -> Reporter:
    """The reporter called ``name`` (a module of this package)."""
    if name not in NAMES:
        raise ValueError(f"no reporter {name!r}; there are {', '.join(NAMES)}")
    modname = f"heapscope.reporters.{'json_' if name == 'json' else name}"
    __import__(modname)  # not importlib: its import is a millisecond of `heapscope attach`
    return sys.modules[modname]  # type: ignore[return-value]  # a module with `name` and `render` is a Reporter
