"""heapscope's typed model: what every front end produces and every reporter renders.

Plain data, built from the C analysis's results (``from_raw``) and written as
JSON (``to_dict``, the formats in ``docs/*.schema.json``).  Nothing here
renders text or imports a reporter: ``str()`` of a model object asks the text
reporter registered in ``heapscope.reporters`` (it registers itself when the
package is imported).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass, field
    from typing import Any
else:
    from heapscope._record import dataclass, field

REPORT_SCHEMA = "heapscope.report/1"
DIFF_SCHEMA = "heapscope.diff/1"
SUMMARY_SCHEMA = "heapscope.snapshot-report/1"

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

#: Root kinds, as the C analysis names its tiers (plus what a path's anchor says).
ROOT_KINDS = (
    "module global",
    "class attribute",
    "thread stack",
    "held by C code",
    "interpreter",
    "heapscope",
    "unreachable",
)

# The text reporter registers itself here (heapscope.reporters.text).
_text_renderer: Callable[[object], str] | None = None


def register_text_renderer(render: Callable[[object], str]) -> None:
    global _text_renderer
    _text_renderer = render


def _as_text(obj: object) -> str:
    if _text_renderer is None:  # pragma: no cover - heapscope/__init__ registers it
        return repr(obj)
    return _text_renderer(obj)


class _Text:
    """str() of a model object is its text report."""

    def __str__(self) -> str:
        return _as_text(self)


def short_path(file: str) -> str:
    """A file name as a user reads it: relative to the working directory when below it."""
    import os

    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return rel if not rel.startswith("..") and not os.path.isabs(rel) else file


#: Whose code holds a story's objects, in the order reports show them: what the
#: user can change first, then libraries holding on the user's behalf, then the
#: standard library and the interpreter.
OWNERS = ("user", "library", "stdlib", "interpreter")


def code_owner(file: str | None, root_kind: str = "") -> str:
    """'user', 'library', 'stdlib' or 'interpreter' for the file whose code holds the objects.

    By the path alone, so that it works for a file of another process (attach):
    site-packages and dist-packages are libraries, .../lib/pythonX.Y/ the
    standard library, anything else the user's.
    """
    import re

    if not file or root_kind in ("interpreter", "held by C code", "heapscope", "unreachable"):
        return "interpreter"
    if file.startswith("<frozen ") or file.startswith("<"):
        return "stdlib" if file.startswith("<frozen ") else "user"
    if "/site-packages/" in file or "/dist-packages/" in file:
        return "library"
    if re.search(r"/lib(64)?/python3\.\d+t?/", file):
        return "stdlib"
    return "user"


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


def growth_key(delta: int, delta_size: int, type_name: str) -> tuple[int, int, str]:
    """The order growth is shown in: most new objects first, then most new bytes, then by name."""
    return (-delta, -delta_size, type_name)


@dataclass(frozen=True)
class Frame:
    """A running frame that holds a root: where it runs, and the local."""

    thread: int
    function: str
    file: str
    line: int
    local: str | None = None

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Frame:
        return cls(
            int(raw.get("thread") or 0),
            str(raw.get("function", "?")),
            str(raw.get("file", "?")),
            int(raw.get("line") or 0),
            raw.get("local"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread": self.thread,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "local": self.local,
        }


@dataclass(frozen=True)
class Root:
    """Where a path starts: a module global, a running frame's local, C code, ..."""

    kind: str
    name: str
    frame: Frame | None = None

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Root:
        frame = raw.get("frame")
        return cls(
            str(raw.get("kind", "?")),
            str(raw.get("name", "")),
            Frame.from_raw(frame) if isinstance(frame, dict) else None,
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.frame is not None:
            d["frame"] = self.frame.to_dict()
        return d


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
class Path(_Text):
    """A shortest strong reference path from a root to an object, as hops."""

    root: Root
    hops: list[Hop]

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Path:
        hops = [Hop.from_raw(h, i == 0) for i, h in enumerate(raw.get("hops") or [])]
        if hops and hops[0].label is None and raw.get("path"):
            # a file written before hops carried their labels: its text parts
            first = str(raw["path"][0])
            hops[0] = Hop(hops[0].kind, hops[0].type, hops[0].address, first, first)
        return cls(root=Root.from_raw(raw.get("root") or {}), hops=hops)

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
    def reachable(self) -> bool:
        return self.root.kind != "unreachable"

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root.to_dict(),
            "path": self.parts,
            "path_text": self.text,
            "hops": [h.to_dict() for h in self.hops],
        }


@dataclass(frozen=True)
class Site:
    """Where objects were allocated (tracemalloc's innermost frame outside the standard library)."""

    file: str
    line: int
    count: int

    @property
    def where(self) -> str:
        """'examples/app.py:30': the file relative to the working directory when it is below it."""
        return f"{short_path(self.file)}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "count": self.count}


@dataclass(frozen=True)
class Hint:
    """What to change: a rule's id (docs) and its sentence naming the holder and the fix."""

    id: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text}


@dataclass
class Why(_Text):
    """Why one object is alive: its path from a root, and what it retains."""

    object: str
    type: str
    size: int
    retained_size: int
    path: Path

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "object": self.object,
            "type": self.type,
            "size": self.size,
            "retained_size": self.retained_size,
        }
        d.update(self.path.to_dict())
        return d


@dataclass(frozen=True)
class Payload:
    """Objects of another type inside a story's leaked objects (a leaked Conn's dict and buffer)."""

    type: str
    count: int
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "count": self.count, "size": self.size}


@dataclass
class Story:
    """Leaked objects held the same way: one path shape, its count and sizes."""

    type: str
    count: int
    size: int
    retained_size: int
    path: Path
    allocated_at: list[Site] | None = None  # None: tracemalloc was off
    facts: dict[str, Any] = field(default_factory=dict)  # what the rules read (docs/hints.md)
    hint: Hint | None = None
    retained_known: bool = True  # False: a diff of files without dominators (retained_size is the size)
    sampled: int | None = None  # objects whose allocation site was looked up (at most 200 per story)
    payload: list[Payload] = field(default_factory=list)  # the other leaked types its objects hold
    held_through: str | None = None  # the leaked class (not itself held so) its path runs through

    @property
    def owner(self) -> str:
        """Whose code holds these objects: one of OWNERS."""
        return code_owner(self.facts.get("holder_file"), self.path.root.kind)

    @property
    def inside_others_code(self) -> bool:
        """Is a library's or the interpreter's structure on the path (a class not the user's)?"""
        return any(code_owner(f) != "user" for f in self.facts.get("path_type_files") or [])

    @property
    def type_owner(self) -> str:
        """Whose code defines the objects' class: one of OWNERS ('interpreter' for built-in types)."""
        return code_owner(self.facts.get("type_file"))

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Story:
        sites = raw.get("allocated_at")
        parsed = None
        if sites is not None:
            parsed = sorted(
                (Site(s["file"], int(s["line"]), int(s["count"])) for s in sites),
                key=lambda x: (-x.count, x.file, x.line),
            )
        return cls(
            raw["type"],
            raw["count"],
            raw["size"],
            raw["retained_size"] if raw.get("retained_size") is not None else raw["size"],
            Path.from_raw(raw["path"]),
            parsed,
            dict(raw.get("facts") or {}),
            retained_known=raw.get("retained_size") is not None,
            sampled=int(raw["sampled"]) if isinstance(raw.get("sampled"), int) else None,
            payload=[Payload(p["type"], int(p["count"]), int(p["size"])) for p in raw.get("payload") or []],
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "count": self.count,
            "size": self.size,
            "retained_size": self.retained_size if self.retained_known else None,
        }
        d.update(self.path.to_dict())
        d["path_text"] = self.path.general_text
        d["example_path_text"] = self.path.text
        if self.allocated_at is not None:
            d["allocated_at"] = [s.to_dict() for s in self.allocated_at]
            if self.sampled is not None:
                d["sampled"] = self.sampled
        if self.hint is not None:
            d["hint"] = self.hint.to_dict()
        if self.payload:
            d["payload"] = [p.to_dict() for p in self.payload]
        if self.held_through is not None:
            d["held_through"] = self.held_through
        return d


def merge_same_paths(stories: list[Story]) -> list[Story]:
    """Stories of one type whose paths read the same are one story (counts, sizes and sites summed).

    The C analysis groups by path shape; two shapes can still print the same
    text (a container reached through equal keys of different objects).
    """
    out: list[Story] = []
    seen: dict[tuple[str, str, str, str], Story] = {}
    for st in stories:
        key = (st.type, st.path.root.kind, st.path.root.name, st.path.general_text)
        first = seen.get(key)
        if first is None:
            seen[key] = st
            out.append(st)
            continue
        first.count += st.count
        first.size += st.size
        first.retained_size += st.retained_size
        if first.sampled is not None and st.sampled is not None:
            first.sampled += st.sampled
        if first.allocated_at is not None and st.allocated_at is not None:
            merged: dict[tuple[str, int], int] = {}
            for site in first.allocated_at + st.allocated_at:
                merged[(site.file, site.line)] = merged.get((site.file, site.line), 0) + site.count
            first.allocated_at = [
                Site(f, line, n) for (f, line), n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        counts: dict[str, Payload] = {p.type: p for p in first.payload}
        for p in st.payload:
            q = counts.get(p.type)
            counts[p.type] = Payload(p.type, p.count + (q.count if q else 0), p.size + (q.size if q else 0))
        first.payload = list(counts.values())
    return out


@dataclass
class Retainer(_Text):
    """An object retaining much memory (a node of the dominator tree)."""

    type: str
    address: int
    size: int
    retained_size: int
    path: Path

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Retainer:
        return cls(raw["type"], raw["address"], raw["size"], raw["retained_size"], Path.from_raw(raw["path"]))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "address": self.address,
            "size": self.size,
            "retained_size": self.retained_size,
        }
        d.update(self.path.to_dict())
        return d


@dataclass
class GrowthRow:
    """One type's change between two samples."""

    type: str
    count: int
    delta: int
    size: int
    delta_size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "count": self.count,
            "delta": self.delta,
            "size": self.size,
            "delta_size": self.delta_size,
        }


def sort_growth(rows: list[GrowthRow]) -> list[GrowthRow]:
    rows.sort(key=lambda r: growth_key(r.delta, r.delta_size, r.type))
    return rows


@dataclass
class Suspect:
    """An object whose retained size grew over the runs."""

    type: str
    path: Path
    retained_before: int
    retained_after: int

    @property
    def delta(self) -> int:
        return self.retained_after - self.retained_before

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "path_text": self.path.text,
            "root": self.path.root.to_dict(),
            "retained_before": self.retained_before,
            "retained_after": self.retained_after,
            "delta": self.delta,
        }


def merge_sites(stories: list[Story]) -> list[Site] | None:
    """Allocation sites over all stories of a leak, most objects first; None untraced."""
    counts: dict[tuple[str, int], int] = {}
    traced = False
    for story in stories:
        if story.allocated_at is None:
            continue
        traced = True
        for site in story.allocated_at:
            key = (site.file, site.line)
            counts[key] = counts.get(key, 0) + site.count
    if not traced:
        return None
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Site(f, line, n) for (f, line), n in ordered]


@dataclass(frozen=True)
class CollectedUnclosed:
    """Files or sockets the collector closed (a ResourceWarning), by where they were opened."""

    message: str
    file: str | None
    line: int | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "file": self.file, "line": self.line, "count": self.count}


@dataclass
class Leak:
    """A type whose count grew in every measured run (or, flattened, only at first)."""

    type: str
    count: int
    per_run: list[int]
    size: int
    delta_size: int
    stories: list[Story] = field(default_factory=list)
    payload_of: str | None = None  # the leaked type whose objects hold these (folded into its stories)
    folded: int = 0  # how many of the new objects are that payload
    held_through: str | None = None  # a leaked class whose objects every story's path runs through

    @property
    def secondary(self) -> bool:
        """Told by another leak: folded into its stories, or reached only through its objects."""
        return self.explained_elsewhere or self.held_through is not None

    @property
    def explained_elsewhere(self) -> bool:
        """All its new objects are inside another leaked type's objects: that type's stories tell it."""
        return self.payload_of is not None and not self.stories

    @property
    def retained_size(self) -> int | None:
        return sum(s.retained_size for s in self.stories) if self.stories else None

    @property
    def allocated_at(self) -> list[Site] | None:
        return merge_sites(self.stories) if self.stories else None

    @property
    def hint(self) -> Hint | None:
        return self.stories[0].hint if self.stories else None

    @property
    def sampled(self) -> int | None:
        """How many of its objects' allocation sites were looked up (None: not traced)."""
        counts = [s.sampled for s in self.stories if s.sampled is not None]
        return sum(counts) if counts else None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "count": self.count,
            "per_run": list(self.per_run),
            "size": self.size,
            "delta_size": self.delta_size,
        }
        if self.payload_of is not None:
            d["payload_of"] = self.payload_of
            d["folded"] = self.folded
        if self.held_through is not None:
            d["held_through"] = self.held_through
        if self.stories:
            first = self.stories[0]
            d["root"] = {"kind": first.path.root.kind, "name": first.path.root.name}
            d["path"] = first.path.parts
            d["path_text"] = first.path.general_text
            d["retained_size"] = self.retained_size
            sites = self.allocated_at
            if sites is not None:
                d["allocated_at"] = [s.to_dict() for s in sites]
            if first.hint is not None:
                d["hint"] = first.hint.to_dict()
            d["stories"] = [s.to_dict() for s in self.stories]
        return d


@dataclass
class Injection:
    """One attach injection: how the target was entered and how long its main thread stopped."""

    method: str
    stopped_ms: float
    total_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "stopped_ms": round(self.stopped_ms, 3),
            "total_ms": round(self.total_ms, 3),
        }


@dataclass
class AttachInfo:
    """How `heapscope attach` measured a live process."""

    pid: int
    interval: float
    samples: list[dict[str, Any]]  # {"objects", "bytes", "ms"} per census
    injections: list[Injection]
    path: str = "injector"  # "remote": the interpreter's remote-debugging interface (PEP 768)
    path_note: str = ""  # why the injector when the target has that interface

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "interval": self.interval,
            "samples": list(self.samples),
            "injections": [j.to_dict() for j in self.injections],
            "path": self.path,
            "path_note": self.path_note,
        }


@dataclass
class Report(_Text):
    """What heapscope found: growth, leaks, and the types that grew then flattened."""

    runs: int
    warmup: int = 0
    growth: list[GrowthRow] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    flattened: list[Leak] = field(default_factory=list)
    target: str | None = None
    python: str = field(default_factory=lambda: sys.version.split()[0])  # as platform.python_version()
    unit: str = "runs"  # what a run is: "runs", "sample intervals", "intervals"
    tracing: bool | None = None  # did tracemalloc trace (allocation sites)?
    note: str | None = None
    suspects: list[Suspect] | None = None
    unclosed: list[Story] | None = None  # files and sockets still open and referenced
    collected_unclosed: list[CollectedUnclosed] | None = None  # closed only by the collector
    attach: AttachInfo | None = None
    exit_code: int | None = None  # run: the script's own exit status
    unconfirmed: list[Leak] = field(default_factory=list)  # grew in every run, not when measured longer
    extended_runs: int = 0  # calls made to confirm thin evidence

    @property
    def leaked(self) -> bool:
        return bool(self.leaks)

    def leak(self, type_name: str) -> Leak | None:
        """The leak of the type named ``type_name`` (as reported), or None."""
        for leak in self.leaks:
            if leak.type == type_name:
                return leak
        return None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "python": self.python,
            "target": self.target,
            "runs": self.runs,
            "warmup": self.warmup,
            "verdict": "leak" if self.leaks else "no leak",
            "growth": [g.to_dict() for g in self.growth],
            "leaks": [leak.to_dict() for leak in self.leaks],
            "flattened": [f.to_dict() for f in self.flattened],
        }
        if self.unit != "runs":
            d["unit"] = self.unit
        if self.tracing is not None:
            d["tracing"] = self.tracing
        if self.note is not None:
            d["note"] = self.note
        if self.suspects is not None:
            d["suspects"] = [s.to_dict() for s in self.suspects]
        if self.unclosed or self.collected_unclosed:
            unclosed: dict[str, Any] = {}
            if self.collected_unclosed:
                unclosed["collected_unclosed"] = [c.to_dict() for c in self.collected_unclosed]
            if self.unclosed:
                unclosed["open"] = [s.to_dict() for s in self.unclosed]
            d["unclosed"] = unclosed
        if self.attach is not None:
            d["attach"] = self.attach.to_dict()
        if self.exit_code is not None:
            d["exit_code"] = self.exit_code
        if self.extended_runs:
            d["extended_runs"] = self.extended_runs
            d["unconfirmed"] = [u.to_dict() for u in self.unconfirmed]
        return d


@dataclass
class TypeRow:
    """A type's objects in one snapshot."""

    type: str
    count: int
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "count": self.count, "size": self.size}


@dataclass
class SnapshotSummary(_Text):
    """What one snapshot file holds (`heapscope report FILE`)."""

    file: str
    meta: dict[str, str]
    objects: int
    edges: int
    roots: dict[str, int]  # root kind -> count
    types: list[TypeRow]
    top_retainers: list[Retainer]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SUMMARY_SCHEMA,
            "file": self.file,
            "meta": dict(self.meta),
            "objects": self.objects,
            "edges": self.edges,
            "roots": dict(self.roots),
            "types": [t.to_dict() for t in self.types],
            "top_retainers": [r.to_dict() for r in self.top_retainers],
        }


@dataclass
class SnapshotDiff(_Text):
    """What grew between two snapshot files, and how the objects born in between are held."""

    old: dict[str, str]  # {"path", and the file's meta}
    new: dict[str, str]
    same_process: bool
    growth: list[GrowthRow]
    born: int
    stories: list[Story]
    files: int = 2  # snapshots compared (the verdict's samples)
    leaks: list[str] = field(default_factory=list)  # types the verdict names

    @property
    def leaked(self) -> bool:
        return bool(self.leaks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": DIFF_SCHEMA,
            "same_process": self.same_process,
            "old": dict(self.old),
            "new": dict(self.new),
            "files": self.files,
            "verdict": "leak" if self.leaks else "no leak",
            "leaks": list(self.leaks),
            "growth": [g.to_dict() for g in self.growth],
            "born": self.born,
            "stories": [s.to_dict() for s in self.stories],
        }


@dataclass
class GrowthTick(_Text):
    """One periodic sample while a program runs (`run --every`, `attach --watch`)."""

    label: str  # "t=3.0s, sample 2" or "12:00:01 process 123"
    objects: int | None  # live objects, when counted
    size: int | None  # their bytes
    grew: list[GrowthRow]
    first: bool = False  # the first sample: no growth yet
    detail: str = ""  # e.g. how the attach reached the process
    limit: int = 10

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "objects": self.objects,
            "size": self.size,
            "grew": [g.to_dict() for g in self.grew],
        }


@dataclass
class LeakFailure(_Text):
    """The pytest plugin's failure: a test's leak report."""

    report: Report

    def to_dict(self) -> dict[str, Any]:
        return self.report.to_dict()
