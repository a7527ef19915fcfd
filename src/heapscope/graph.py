"""Why is it alive: retention paths, stories and retained sizes from the C graph.

Everything here is a thin view over ``_heapscope.analyze()``, which walks the
heap once, builds the object graph in C and computes the answers while the
objects are still there to label the paths.
"""

from __future__ import annotations

import os
import sysconfig
import threading
import tracemalloc
from _tracemalloc import _get_object_traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from heapscope import _heapscope
from heapscope._heapscope import Census, Snapshot

TOOL_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _thread_name(ident: int) -> str:
    t = threading._active.get(ident)  # type: ignore[attr-defined]
    if t is threading.main_thread():
        return "main thread"
    return f"thread {t.name!r}" if t is not None else f"thread {ident}"


def describe_root(root: dict[str, Any]) -> str:
    """'class attribute registry.Session.tracker', 'local x in f() at a.py:3 (main thread)'."""
    kind = root.get("kind", "?")
    name = root.get("name", "")
    frame = root.get("frame")
    if frame:
        where = f"{frame['function']}() at {frame['file']}:{frame['line']}, {_thread_name(frame['thread'])}"
        local = frame.get("local")
        return f"local {local!r} in {where}" if local else f"the running frame of {where}"
    if kind == "held by C code":
        return f"C code (a reference no Python object explains, to {name})"
    if kind == "interpreter":
        return f"the interpreter ({name})"
    return f"{kind} {name}".strip()


#: How one hop of a path is held by the one before it (the C analysis's
#: ``_heapscope.HOP_KINDS``; a test checks the two agree).
HOP_KINDS = (
    "root",  # the path's first shown object: its label is the root's name
    "attribute",  # obj.name: an instance attribute, a slot, a special attribute (.__traceback__)
    "module global",  # module.name
    "class attribute",  # Class.name
    "dict key",  # d[<key>]: the object is the key
    "dict value",  # d['key']
    "index",  # a list or tuple item
    "set member",
    "closure",  # function.__closure__
    "closure cell",  # cell.cell_contents
    "bound self",  # method.__self__
    "bound function",  # method.__func__
    "frame local",  # a frame's or a suspended generator's local variable
    "own dict",  # an object's own __dict__, merged into the next hop (no label)
    "C reference",  # a reference tp_traverse reports that no attribute names
    "unknown",  # a path read from a snapshot file: the edge exists, its name was not kept
    "elided",  # the middle of a very long path, left out
)


@dataclass(frozen=True)
class Hop:
    """One object on a path, and how the one before it holds it."""

    kind: str
    type: str
    address: int | None
    label: str | None = None  # the edge as text (".registry", "[3]"); None when hidden
    general: str | None = None  # the label with keys and indexes generalised ("[<str>]")
    name: str | None = None  # the bare attribute, global, local or str-key name
    elided: int = 0  # hops left out, for an "elided" hop

    @classmethod
    def from_raw(cls, raw: dict[str, Any], first: bool = False) -> Hop:
        label = raw.get("label")
        kind = raw.get("kind") or ("root" if first else "unknown")  # files before hop kinds
        return cls(
            kind=kind,
            type=raw.get("type", "?"),
            address=raw.get("address"),
            label=label,
            general=raw.get("general", label),
            name=raw.get("name"),
            elided=int(raw.get("elided") or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "label": self.label,
            "general": self.general,
            "name": self.name,
            "type": self.type,
            "address": self.address,
        }
        if self.elided:
            d["elided"] = self.elided
        return d


@dataclass
class Path:
    """A shortest strong reference path from a root to an object, as hops."""

    root: dict[str, Any]
    hops: list[Hop]

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Path:
        hops = [Hop.from_raw(h, i == 0) for i, h in enumerate(raw.get("hops") or [])]
        if hops and hops[0].label is None and raw.get("path"):
            # a file written before hops carried their labels: its text parts
            first = str(raw["path"][0])
            hops[0] = Hop(hops[0].kind, hops[0].type, hops[0].address, first, first)
        return cls(root=dict(raw.get("root", {})), hops=hops)

    @property
    def parts(self) -> list[str]:
        """The shown labels: the root's name, then one per visible hop."""
        return [h.label for h in self.hops if h.label is not None]

    @property
    def text(self) -> str:
        """'mod.Holder.registry[<Node at 0x...> (key)]'."""
        return "".join(self.parts)

    @property
    def general_text(self) -> str:
        """The text with keys and indexes generalised: the story's shape."""
        return "".join(h.general or h.label or "" for h in self.hops if h.label is not None)

    @property
    def length(self) -> int:
        return len(self.hops) - 1

    @property
    def reachable(self) -> bool:
        return self.root.get("kind") != "unreachable"

    def to_dict(self) -> dict[str, Any]:
        root = {"kind": self.root.get("kind"), "name": self.root.get("name")}
        if self.root.get("frame"):
            root["frame"] = self.root["frame"]
        return {
            "root": root,
            "path": self.parts,
            "path_text": self.text,
            "hops": [h.to_dict() for h in self.hops],
        }

    def __str__(self) -> str:
        if not self.reachable:
            name = self.root.get("name")
            return f"{name}: not reachable from any root (garbage, or held only by the caller)"
        return f"{self.text}  (root: {describe_root(self.root)})"


@dataclass
class Why:
    """Why one object is alive: its path from a root, and what it retains."""

    object: str
    type: str
    size: int
    retained_size: int
    path: Path

    def to_dict(self) -> dict[str, Any]:
        d = {
            "object": self.object,
            "type": self.type,
            "size": self.size,
            "retained_size": self.retained_size,
        }
        d.update(self.path.to_dict())
        return d

    def __str__(self) -> str:
        from heapscope.reporters.text import fmt_bytes

        return (
            f"{self.object} ({fmt_bytes(self.retained_size)} retained) is held by "
            f"{describe_root(self.path.root)}:\n  {self.path.text}"
        )


@dataclass
class Story:
    """Leaked objects held the same way: one path shape, its count and sizes."""

    type: str
    count: int
    size: int
    retained_size: int
    path: Path
    allocated_at: list[dict[str, Any]] | None = None  # None: tracemalloc was off
    facts: dict[str, Any] = field(default_factory=dict)
    hint: dict[str, str] | None = None

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Story:
        sites = raw.get("allocated_at")
        if sites is not None:
            sites = sorted(sites, key=lambda x: (-x["count"], x["file"], x["line"]))
        return cls(
            raw["type"],
            raw["count"],
            raw["size"],
            raw["retained_size"],
            Path.from_raw(raw["path"]),
            sites,
            dict(raw.get("facts") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "count": self.count,
            "size": self.size,
            "retained_size": self.retained_size,
        }
        d.update(self.path.to_dict())
        d["path_text"] = self.path.general_text
        d["example_path_text"] = self.path.text
        if self.allocated_at is not None:
            d["allocated_at"] = list(self.allocated_at)
        if self.hint is not None:
            d["hint"] = dict(self.hint)
        return d


@dataclass
class Retainer:
    """An object retaining much memory (a node of the dominator tree)."""

    type: str
    address: int
    size: int
    retained_size: int
    path: Path

    def to_dict(self) -> dict[str, Any]:
        d = {
            "type": self.type,
            "address": self.address,
            "size": self.size,
            "retained_size": self.retained_size,
        }
        d.update(self.path.to_dict())
        return d

    def __str__(self) -> str:
        from heapscope.reporters.text import fmt_bytes

        return f"{fmt_bytes(self.retained_size):>10}  {self.type} at {self.path.text}"


def _site_exclude() -> tuple[str, ...]:
    """Where allocation sites are not interesting: the standard library, heapscope."""
    paths = {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib")}
    return tuple(sorted(p for p in paths if p)) + (TOOL_DIR, "<frozen ")


def analyze(
    objects: Sequence[object] = (),
    types: Iterable[str] = (),
    baseline: Census | None = None,
    max_stories: int = 10,
    dominators: bool = True,
    top: int = 0,
    sites: bool = True,
    subjects: Sequence[object] | None = None,
) -> Snapshot:
    """Run the C analysis; see ``_heapscope.analyze``.

    With ``sites`` and tracemalloc tracing, each story gets ``allocated_at``.
    With ``subjects``, the stories are about those objects (less those in
    ``baseline``) instead of every object of ``types``.
    """
    tb_fn = _get_object_traceback if sites and tracemalloc.is_tracing() else None
    return _heapscope.analyze(
        objects=objects,
        types=list(types),
        baseline=baseline,
        max_stories=max_stories,
        dominators=dominators,
        top=top,
        tool_dir=TOOL_DIR,
        traceback_fn=tb_fn,
        site_exclude=_SITE_EXCLUDE,
        subjects=subjects,
    )


_SITE_EXCLUDE = _site_exclude()

#: Built-in types whose objects hold an OS resource and have a `closed` attribute.
RESOURCE_TYPES = (
    "_io.FileIO",
    "_io.BufferedReader",
    "_io.BufferedWriter",
    "_io.BufferedRandom",
    "_io.TextIOWrapper",
    "socket.socket",
    "_socket.socket",
    "select.epoll",
)


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
    snap = analyze(baseline=baseline, max_stories=max_stories, subjects=still_open)
    del still_open
    stdio = {f"sys.{n}" for n in ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")}
    return [
        story
        for stories in stories_of(snap).values()
        for story in stories
        if story.path.root.get("name") not in stdio
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


def stories_from_results(results: dict[str, Any]) -> dict[str, list[Story]]:
    """Stories per leaked type name, from a Snapshot's results (live, or sent by the attach agent)."""
    out: dict[str, list[Story]] = {}
    leaks = results.get("leaks") or {}
    for raw in leaks.get("stories", []):
        story = Story.from_raw(raw)
        out.setdefault(story.type, []).append(story)
    return out


def why(obj: object, dominators: bool = True) -> Why:
    """Why is ``obj`` still alive?  The shortest strong path from a root, with labels."""
    snap = analyze(objects=[obj], dominators=dominators)
    raw = snap.results()["objects"][0]
    if raw.get("path") is None:
        raise _heapscope.HeapscopeError(f"{raw['object']} was not found in the heap walk")
    return Why(
        raw["object"], raw["type"], raw["size"], raw["retained_size"], Path.from_raw(raw["path"])
    )


def show_backrefs(objs: object, filename: str = "backrefs.dot") -> str:
    """Draw why ``objs`` (an object or a list of objects) are alive, as a Graphviz picture.

    Returns what was written; a .png/.svg/.pdf name is rendered when ``dot`` exists.
    """
    from heapscope.reporters.dot import paths_to_dot, write

    targets = list(objs) if isinstance(objs, (list, tuple)) else [objs]
    snap = analyze(objects=targets, dominators=False)
    raws = [(r["path"], r["object"]) for r in snap.results()["objects"] if r.get("path")]
    return write(paths_to_dot(raws), filename)


def snapshot(top: int = 20) -> Snapshot:
    """Walk the heap once into a Snapshot (graph, roots, dominators, top retainers).

    The Snapshot holds no reference to any live object: queries use addresses.
    """
    return analyze(top=top)


def top_retainers(n: int = 10) -> list[Retainer]:
    """The objects that keep the most memory alive (Eclipse MAT's dominator view)."""
    snap = analyze(top=n)
    return [
        Retainer(r["type"], r["address"], r["size"], r["retained_size"], Path.from_raw(r["path"]))
        for r in snap.results()["top_retainers"]
    ]
