"""heapscope: find Python memory leaks.

What grows, why it is still alive, where it was allocated, and what to
change.  The heap walk and the graph algorithms are C (``_heapscope``);
this package orders the steps and renders the results.
"""

from __future__ import annotations

from heapscope._heapscope import Census, HeapscopeError, Snapshot
from heapscope.api import census, check, growth
from heapscope.backrefs import show_backrefs
from heapscope.graph import snapshot, top_retainers, unclosed, why
from heapscope.model import Hop, Path, Report, Retainer, Root, Story, Why
from heapscope.reporters import text as _text  # noqa: F401  (str() of the model renders through it)

__version__ = "0.1.0"

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
