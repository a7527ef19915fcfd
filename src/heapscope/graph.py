"""Why is it alive: retention paths, stories and retained sizes from the C graph.

Everything here is a thin view over ``_heapscope.analyze()``, which walks the
heap once, builds the object graph in C and computes the answers while the
objects are still there to label the paths.
"""

from __future__ import annotations

import os
import tracemalloc
from _tracemalloc import _get_object_traceback
from collections.abc import Iterable, Sequence

from heapscope import _heapscope
from heapscope._heapscope import Census, Snapshot
from heapscope.explain import stories_from_results
from heapscope.model import HOP_KINDS, Hop, Path, Retainer, Root, Story, Why

__all__ = [
    "HOP_KINDS",
    "Hop",
    "Path",
    "Retainer",
    "Root",
    "Story",
    "Why",
    "analyze",
    "snapshot",
    "stories_of",
    "top_retainers",
    "unclosed",
    "why",
]

TOOL_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def analyze(
    objects: Sequence[object] = (),
    types: Iterable[str] = (),
    baseline: Census | None = None,
    max_stories: int = 10,
    dominators: bool = True,
    top: int = 0,
    sites: bool = True,
    subjects: Sequence[object] | None = None,
    labels: bool = False,
) -> Snapshot:
    """Run the C analysis; see ``_heapscope.analyze``.

    With ``sites`` and tracemalloc tracing, each story gets ``allocated_at``.
    With ``subjects``, the stories are about those objects (less those in
    ``baseline``) instead of every object of ``types``.  With ``labels``, every
    path edge's label is kept for a snapshot file (``report`` and ``diff`` then
    label their paths as the live analysis does).
    """
    tb_fn = _get_object_traceback if sites and tracemalloc.is_tracing() else None
    return _heapscope.analyze(
        objects=objects,
        types=types,  # not list(types): a list only the call holds would be a C root in the walk
        baseline=baseline,
        max_stories=max_stories,
        dominators=dominators,
        top=top,
        tool_dir=TOOL_DIR,
        traceback_fn=tb_fn,
        subjects=subjects,
        labels=labels,
    )


from heapscope.model import RESOURCE_TYPES  # noqa: E402  (re-exported)


def unclosed(baseline: Census | None = None, max_stories: int = 20) -> list[Story]:
    """Files, sockets and other built-in resources still open and still referenced.

    Each story says how many are held the same way, by what, and (when
    tracemalloc traces) where they were opened.  With ``baseline``, only those
    opened after it.
    """
    # Whether a file is closed is asked here, before the analysis opens its
    # raw-pointer window: the answer may run Python code (a wrapper asks its
    # buffer, which may be a Python object).
    still_open = [obj for obj in _heapscope.instances(RESOURCE_TYPES) if _is_open(obj)]
    if baseline is not None:
        # Only those born after the baseline count (as the analysis decides it:
        # by address); with none, no heap walk is needed.
        still_open = [obj for obj in still_open if not baseline.knows(obj)]
    if not still_open:
        return []
    snap = analyze(baseline=baseline, max_stories=max_stories, subjects=still_open)
    del still_open
    stdio = {f"sys.{n}" for n in ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")}
    return [
        story
        for stories in stories_of(snap).values()
        for story in stories
        if story.path.root.name not in stdio
    ]


def _is_open(obj: object) -> bool:
    """Is this file, socket or epoll object still open?"""
    try:
        closed = getattr(obj, "closed", None)
        if isinstance(closed, bool):
            return not closed
        fileno = getattr(obj, "fileno", None)
        return callable(fileno) and fileno() >= 0
    except (OSError, ValueError):
        return False


def stories_of(snapshot: Snapshot) -> dict[str, list[Story]]:
    """Stories per leaked type name, largest retained first."""
    return stories_from_results(snapshot.results())


def why(obj: object, dominators: bool = True, snapshot: Snapshot | None = None) -> Why:
    """Why is ``obj`` still alive?  The shortest strong path from a root, with labels.

    With ``snapshot`` (one taken earlier: ``heapscope.snapshot()``), the answer is
    the snapshot's, as of when it was taken, and costs no new heap walk (a few
    milliseconds); ``obj`` must have been alive then."""
    if snapshot is not None:
        try:
            raw = snapshot.why(id(obj))
        except KeyError:
            raise _heapscope.HeapscopeError(
                f"{type(obj).__name__} at {id(obj):#x} is not in this snapshot (created after it?)"
            ) from None
        return Why(raw["object"], raw["type"], raw["size"], raw["retained_size"], Path.from_raw(raw["path"]))
    snap = analyze(objects=[obj], dominators=dominators)
    raw = snap.results()["objects"][0]
    if raw.get("path") is None:
        raise _heapscope.HeapscopeError(f"{raw['object']} was not found in the heap walk")
    return Why(raw["object"], raw["type"], raw["size"], raw["retained_size"], Path.from_raw(raw["path"]))


def snapshot(top: int = 20, labels: bool = True) -> Snapshot:
    """Walk the heap once into a Snapshot (graph, roots, dominators, top retainers).

    The Snapshot holds no reference to any live object: queries use addresses.
    ``labels`` keeps every path edge's label, so that ``why(obj, snapshot=snap)``
    and a saved file read as a live answer does.
    """
    return analyze(top=top, labels=labels)


def top_retainers(n: int = 10) -> list[Retainer]:
    """The objects that keep the most memory alive (Eclipse MAT's dominator view)."""
    snap = analyze(top=n)
    return [Retainer.from_raw(r) for r in snap.results()["top_retainers"]]
