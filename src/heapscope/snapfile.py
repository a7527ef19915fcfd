"""Snapshot files: write a heap's graph to disk, read it back anywhere, compare two.

The format (``docs/snapshot-format.md``) is written and read by the C core;
this module adds the metadata and the answers computed while the heap was
live (top retainers with labelled paths), stored as JSON in the file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from heapscope import _heapscope
from heapscope._heapscope import Snapshot, SnapshotError
from heapscope.graph import analyze
from heapscope.model import GrowthRow, Retainer, SnapshotDiff, SnapshotSummary, Story, TypeRow, sort_growth

__all__ = ["LoadedSnapshot", "SnapshotError", "diff", "load", "take", "write"]


def take(top: int = 20) -> Snapshot:
    """Walk the heap now: graph, roots, dominators, and the top retainers with labels."""
    return analyze(top=top, labels=True)


def write(snap: Snapshot, path: str) -> None:
    """Write ``snap`` to ``path`` with metadata (Python, pid, time, command line)."""
    # The extension adds Python's version, the pid, the time and the command line
    # (the attach agent's snapshots get the same from the same code).
    results = snap.results()
    snap.save(path, {"heapscope": _version()}, results if isinstance(results, dict) else None)


def _version() -> str:
    from heapscope import __version__

    return __version__


@dataclass
class LoadedSnapshot:
    """A snapshot read from a file: the graph as integers, its metadata, its stored answers."""

    path: str
    snapshot: Snapshot
    meta: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    def census(self) -> list[tuple[str, int, int]]:
        rows = self.snapshot.type_rows()
        rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
        return rows


def load(path: str) -> LoadedSnapshot:
    """Read a snapshot file; SnapshotError (one sentence) when it is not a valid one.

    Everything read is checked: the C reader checks the binary sections
    (sizes, ranges, checksums, UTF-8), and the stored answers are checked
    here against the shapes the reports use, so a file with valid checksums
    but hostile content is refused with a sentence, never a traceback.
    """
    if not os.path.exists(path):
        raise SnapshotError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise SnapshotError(f"{path}: not a file (a directory or a device)")
    try:
        snap, meta_text = _heapscope.load(path)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read it ({exc.strerror})") from None
    except MemoryError:
        raise SnapshotError(f"{path}: too large to read into memory") from None
    meta = {}
    for line in (meta_text or "").splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    raw = snap.stored_results()
    results: dict[str, Any] = {}
    if raw:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise SnapshotError(f"{path}: stored results are not valid JSON ({str(exc)[:80]})") from None
        results = _checked_results(parsed, path)
    return LoadedSnapshot(path, snap, meta, results)


_PATH_FIELDS: dict[str, type | tuple[type, ...]] = {
    "root": dict,
    "hops": list,
}
_RETAINER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "address": int,
    "size": int,
    "retained_size": int,
    "path": dict,
}


def _fields(value: object, spec: dict[str, type | tuple[type, ...]], where: str, path: str) -> None:
    if not isinstance(value, dict):
        raise SnapshotError(f"{path}: stored results are malformed ({where} is not an object)")
    for key, kind in spec.items():
        if not isinstance(value.get(key), kind) or isinstance(value.get(key), bool) and kind is int:
            raise SnapshotError(f"{path}: stored results are malformed ({where}.{key})")


def _checked_results(parsed: object, path: str) -> dict[str, Any]:
    """The stored answers, if they have the shapes the reports read; SnapshotError otherwise."""
    if not isinstance(parsed, dict):
        raise SnapshotError(f"{path}: stored results are malformed (not a JSON object)")
    retainers = parsed.get("top_retainers", [])
    if not isinstance(retainers, list):
        raise SnapshotError(f"{path}: stored results are malformed (top_retainers is not a list)")
    for i, r in enumerate(retainers):
        where = f"top_retainers[{i}]"
        _fields(r, _RETAINER_FIELDS, where, path)
        _fields(r["path"], _PATH_FIELDS, where + ".path", path)
        root = r["path"]["root"]
        if not all(isinstance(root.get(k), str) for k in ("kind", "name")):
            raise SnapshotError(f"{path}: stored results are malformed ({where}.path.root)")
        if not isinstance(r["path"].get("path", []), list) or not all(
            isinstance(h, str) for h in r["path"].get("path", [])
        ):
            raise SnapshotError(f"{path}: stored results are malformed ({where}.path.path)")
        for h in r["path"]["hops"]:
            if (
                not isinstance(h, dict)
                or not isinstance(h.get("type"), str)
                or not isinstance(h.get("address"), (int, type(None)))
                or isinstance(h.get("address"), bool)
                or not isinstance(h.get("label"), (str, type(None)))
                or not all(isinstance(h.get(k), (str, type(None))) for k in ("kind", "general", "name"))
            ):
                raise SnapshotError(f"{path}: stored results are malformed ({where}.path.hops)")
    return {"top_retainers": retainers}


def diff(
    old: LoadedSnapshot, new: LoadedSnapshot, max_stories: int = 10, between: Sequence[LoadedSnapshot] = ()
) -> SnapshotDiff:
    """What grew from ``old`` to ``new``, how the objects born in between are held, and the verdict.

    The verdict is check's rule over the files' censuses (``old``, ``between``...,
    ``new``): a type leaks when its count grew from each file to the next.  With
    two files of one process that is one interval, so a type must also have
    objects born after ``old`` still alive in ``new``.  Stories get their hints.
    """
    from heapscope.explain import mark_held_through
    from heapscope.hints import hint_for

    files = [old, *between, new]
    rows = [{t: (c, s) for t, c, s in f.snapshot.type_rows()} for f in files]
    before, after = rows[0], rows[-1]
    growth = []
    for t in set(before) | set(after):
        c0, s0 = before.get(t, (0, 0))
        c1, s1 = after.get(t, (0, 0))
        if c1 != c0 or s1 != s0:
            growth.append(GrowthRow(t, c1, c1 - c0, s1, s1 - s0))
    sort_growth(growth)
    same_process = old.meta.get("pid") == new.meta.get("pid") and old.meta.get("pid") is not None
    if same_process:  # objects at addresses A did not have: born in between
        born = new.snapshot.born_after(old.snapshot, max_stories)
    else:  # another process: addresses say nothing; explain the types that grew
        grown = [g.type for g in growth if g.delta > 0][:20]
        born = new.snapshot.born_after(old.snapshot, max_stories, grown)
    stories = [Story.from_raw(st) for st in born["stories"]]
    for st in stories:
        st.hint = hint_for(st)
    leaks = []
    for t in {g.type for g in growth if g.delta > 0}:
        counts = [r.get(t, (0, 0))[0] for r in rows]
        sizes = [r.get(t, (0, 0))[1] for r in rows]
        if not _heapscope.verdict(counts, sizes) & _heapscope.VERDICT_LEAK:
            continue
        if len(files) == 2 and same_process and not any(st.type == t for st in stories):
            continue  # one interval: only with new objects still alive
        leaks.append(t)
    leaks.sort(key=lambda t: next((i for i, g in enumerate(growth) if g.type == t), 0))
    # As in check's report: a story whose path runs through another leaked class's
    # objects names it, and comes after the stories that do not.
    # A file keeps no type's source file: its name tells a class of the user's or a
    # library's ("app.Session") from built-in and standard-library ones ("tuple",
    # "collections.deque"), which do not hide what they hold.
    stdlib = getattr(sys, "stdlib_module_names", ())
    classes = {t for t in leaks if "." in t and t.split(".", 1)[0] not in stdlib}
    groups: dict[str, list[Story]] = {}
    for st in stories:
        groups.setdefault(st.type, []).append(st)
    mark_held_through(list(groups.items()), classes)
    stories.sort(key=lambda st: st.held_through is not None)
    return SnapshotDiff(
        old={"path": old.path, **old.meta},
        new={"path": new.path, **new.meta},
        same_process=same_process,
        growth=growth,
        born=born["born"],
        stories=stories,
        files=len(files),
        leaks=leaks,
    )


def summary(loaded: LoadedSnapshot, top: int = 10) -> SnapshotSummary:
    """What one snapshot file holds: counts, largest types, top retainers, kinds of roots."""
    stats = loaded.snapshot.stats()
    retainers = loaded.results.get("top_retainers") or loaded.snapshot.top_retainers(top)
    return SnapshotSummary(
        file=loaded.path,
        meta=dict(loaded.meta),
        objects=stats["objects"],
        edges=stats["edges"],
        roots=dict(stats["root_kinds"]),
        types=[TypeRow(t, c, s) for t, c, s in loaded.census()[:top]],
        top_retainers=[Retainer.from_raw(r) for r in retainers[:top]],
    )
