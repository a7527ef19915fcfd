"""heapscope: find Python memory leaks.

What grows, why it is still alive, where it was allocated, and what to
change.  The heap walk and the graph algorithms are C (``_heapscope``);
this package orders the steps and renders the results.
"""

from __future__ import annotations

from heapscope._heapscope import Census, HeapscopeError, Snapshot
from heapscope.api import census, check, growth
from heapscope.graph import (
    Path,
    Retainer,
    Story,
    Why,
    show_backrefs,
    snapshot,
    top_retainers,
    unclosed,
    why,
)
from heapscope.report import Report

__version__ = "0.1.0"

__all__ = [
    "Census",
    "HeapscopeError",
    "Path",
    "Report",
    "Retainer",
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
