"""heapscope: find Python memory leaks.

What grows, why it is still alive, where it was allocated, and what to
change.  The heap walk and the graph algorithms are C (``_heapscope``);
this package orders the steps and renders the results.
"""

from __future__ import annotations

from heapscope._heapscope import Census, HeapscopeError, Snapshot
from heapscope.model import Hop, Path, Report, Retainer, Root, Story, Why
from heapscope.reporters import text as _text  # noqa: F401  (str() of the model renders through it)

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

# The analysis is imported on first use (PEP 562): a command that does not
# need it (attach, report, diff) starts faster.
_LAZY = {
    "census": "heapscope.api",
    "check": "heapscope.api",
    "growth": "heapscope.api",
    "show_backrefs": "heapscope.backrefs",
    "snapshot": "heapscope.graph",
    "top_retainers": "heapscope.graph",
    "unclosed": "heapscope.graph",
    "why": "heapscope.graph",
}

if TYPE_CHECKING:
    from heapscope.api import census, check, growth
    from heapscope.backrefs import show_backrefs
    from heapscope.graph import snapshot, top_retainers, unclosed, why


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heapscope' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Census",
    "HeapscopeError",
    "Hop",
    "Path",
    "Report",
    "Retainer",
    "Root",
    "Snapshot",
    "Story",
    "Why",
    "__version__",
    "census",
    "check",
    "growth",
    "show_backrefs",
    "snapshot",
    "top_retainers",
    "unclosed",
    "why",
]
