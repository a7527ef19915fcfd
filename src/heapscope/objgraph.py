"""objgraph's API on heapscope's engine (docs/objgraph.md).

``import heapscope.objgraph as objgraph`` and an objgraph script runs as
before: the same functions, signatures and output formats.  Counting,
statistics and finding objects by type go through heapscope's C census and
walk, which see every object, not only those the cyclic collector tracks;
the graph functions (chains, show_refs, show_backrefs, show_chain) walk
references as objgraph does and write the same Graphviz files.

Intended differences (each one documented, and its objgraph test adjusted
in tests/objgraph/objgraph-tests.patch):

* counts include objects the collector does not track (int, str, float...),
  and ``by_type`` finds them too;
* type names are heapscope's: ``module.QualifiedName`` (a nested class is
  ``mod.Outer.Inner``, objgraph says ``mod.Inner``); short names are the
  part after the last dot;
* objgraph's private helpers (``_show_graph``, ``_short_repr``, ...) are not
  part of the API and are not provided.
"""

from __future__ import annotations

import codecs
import collections
import gc
import inspect
import io
import operator
import os
import shutil
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterable
from typing import Any, Callable, Optional, TextIO

from heapscope import _heapscope

__all__ = [
    "at",
    "at_addrs",
    "by_type",
    "count",
    "find_backref_chain",
    "find_ref_chain",
    "get_leaking_objects",
    "get_new_ids",
    "growth",
    "is_proper_module",
    "most_common_types",
    "show_backrefs",
    "show_chain",
    "show_growth",
    "show_most_common_types",
    "show_refs",
    "typestats",
]

Filter = Optional[Callable[[Any], bool]]


# ---- names -----------------------------------------------------------------


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _name_of(obj: object, shortnames: bool) -> str:
    """An object's type name as the census says it (module.QualifiedName)."""
    tp = type(obj)
    module = getattr(tp, "__module__", None)
    qual = getattr(tp, "__qualname__", tp.__name__)
    full = qual if module in (None, "builtins") else f"{module}.{qual}"
    return _short(full) if shortnames else full


def _rows() -> list[tuple[str, int, int]]:
    """Every type's (name, count, bytes) now, from heapscope's C census."""
    return _heapscope.census().rows()


# ---- statistics ----------------------------------------------------------------


def count(typename: str, objects: Iterable[object] | None = None) -> int:
    """How many objects of the type (a short name, or module.Name) are alive.

    heapscope counts every object, tracked by the collector or not.
    """
    if objects is not None:
        short = "." not in typename
        return sum(1 for o in objects if _name_of(o, short) == typename)
    if "." in typename:
        return sum(c for t, c, _ in _rows() if t == typename)
    return sum(c for t, c, _ in _rows() if _short(t) == typename)


def typestats(
    objects: Iterable[object] | None = None, shortnames: bool = True, filter: Filter = None
) -> dict[str, int]:
    """{type name: count} of every live object (or of ``objects``)."""
    stats: dict[str, int] = collections.defaultdict(int)
    if objects is None and filter is None:
        for t, c, _ in _rows():
            stats[_short(t) if shortnames else t] += c
        return dict(stats)
    if objects is None:
        objects = gc.get_objects()
    try:
        for o in objects:
            if filter is None or filter(o):
                stats[_name_of(o, shortnames)] += 1
    finally:
        del objects
    return dict(stats)


def most_common_types(
    limit: int | None = 10,
    objects: Iterable[object] | None = None,
    shortnames: bool = True,
    filter: Filter = None,
) -> list[tuple[str, int]]:
    """The types with the most live objects: [(name, count)], most first."""
    stats = sorted(typestats(objects, shortnames, filter).items(), key=operator.itemgetter(1), reverse=True)
    return stats[:limit] if limit else stats


def show_most_common_types(
    limit: int | None = 10,
    objects: Iterable[object] | None = None,
    shortnames: bool = True,
    file: TextIO | None = None,
    filter: Filter = None,
) -> None:
    """Print most_common_types() as a table."""
    file = sys.stdout if file is None else file
    stats = most_common_types(limit, objects, shortnames, filter)
    width = max((len(name) for name, _ in stats), default=0)
    for name, n in stats:
        file.write(f"{name:<{width}} {n}\n")


_PEAKS: dict[str, int] = {}


def growth(
    limit: int | None = 10,
    peak_stats: dict[str, int] = _PEAKS,
    shortnames: bool = True,
    filter: Filter = None,
) -> list[tuple[str, int, int]]:
    """Types whose count rose above their peak since the last call:
    [(name, count, increase)], largest increase first.  ``peak_stats`` keeps
    the peaks (by default one dict, kept between calls)."""
    gc.collect()
    stats = typestats(shortnames=shortnames, filter=filter)
    deltas = {}
    for name, n in stats.items():
        if n > peak_stats.get(name, 0):
            deltas[name] = n - peak_stats.get(name, 0)
            peak_stats[name] = n
    rows = sorted(deltas.items(), key=operator.itemgetter(1), reverse=True)
    if limit:
        rows = rows[:limit]
    return [(name, stats[name], delta) for name, delta in rows]


def show_growth(
    limit: int | None = 10,
    peak_stats: dict[str, int] | None = None,
    shortnames: bool = True,
    file: TextIO | None = None,
    filter: Filter = None,
) -> None:
    """Print growth() as a table: name, count, increase."""
    rows = growth(limit, _PEAKS if peak_stats is None else peak_stats, shortnames, filter)
    if rows:
        file = sys.stdout if file is None else file
        width = max(len(name) for name, _, _ in rows)
        for name, n, delta in rows:
            file.write(f"{name:<{width}}{n:9d} {delta:+9d}\n")


_IDS: dict[str, Any] = {}


def get_new_ids(
    skip_update: bool = False,
    limit: int | None = 10,
    sortby: str = "deltas",
    shortnames: bool | None = None,
    file: TextIO | None = None,
    _state: dict[str, Any] = _IDS,
) -> dict[str, set[int]]:
    """The ids of the objects of each type that are new since the last call
    (objects tracked by the collector, as objgraph), with a table of counts."""
    if not _state:
        _state.update(
            old=collections.defaultdict(set),
            current=collections.defaultdict(set),
            new=collections.defaultdict(set),
            shortnames=True,
        )
    new_ids = _state["new"]
    if skip_update:
        return new_ids
    old_ids, current_ids = _state["old"], _state["current"]
    if shortnames is None:
        shortnames = _state["shortnames"]
    _state["shortnames"] = shortnames
    gc.collect()
    for ids in old_ids.values():
        ids.clear()
    for name, ids in current_ids.items():
        old_ids[name].update(ids)
    for ids in current_ids.values():
        ids.clear()
    objects = gc.get_objects()
    for o in objects:
        current_ids[_name_of(o, bool(shortnames))].add(id(o))
    del objects, o
    for ids in new_ids.values():
        ids.clear()
    rows = []
    for name in list(current_ids):
        n_old, n_now = len(old_ids[name]), len(current_ids[name])
        if not n_old and not n_now:  # a type gone since the call before: forget it
            for state in (old_ids, current_ids, new_ids):
                state.pop(name, None)
            continue
        new_ids[name] = current_ids[name] - old_ids[name]
        rows.append((name, n_old, n_now, len(new_ids[name]), n_now - n_old))
    column = {"old": 1, "current": 2, "new": 3, "deltas": 4}[sortby]
    rows.sort(key=operator.itemgetter(column, 0), reverse=True)
    if limit is not None:
        rows = rows[:limit]
    if rows:
        file = sys.stdout if file is None else file
        width = max(len("Type"), max(len(r[0]) for r in rows))
        rule = "=" * (width + 13 * 4)
        print(rule, file=file)
        print(
            f"{'Type':<{width}}{'Old_ids':>13}{'Current_ids':>13}{'New_ids':>13}{'Count_Deltas':>13}",
            file=file,
        )
        print(rule, file=file)
        for name, n_old, n_now, n_new, delta in rows:
            print(f"{name:<{width}}{n_old:13d}{n_now:13d}{n_new:+13d}{delta:+13d}", file=file)
        print(rule, file=file)
    return new_ids


# ---- finding objects ----------------------------------------------------------------


def get_leaking_objects(objects: list[object] | None = None) -> list[object]:
    """Objects no other object refers to (among those the collector tracks,
    or among ``objects``): references held by C code, or refcount bugs."""
    gc.collect()
    everything = gc.get_objects()
    if objects is None:
        objects = everything
    try:
        ids = {id(o) for o in objects}
        for o in everything:
            if o is not objects:
                ids.difference_update(id(r) for r in gc.get_referents(o))
        return [o for o in objects if id(o) in ids]
    finally:
        del everything, objects


def by_type(typename: str, objects: Iterable[object] | None = None) -> list[object]:
    """The live objects of a type (a short name, or module.Name), found by
    heapscope's walk: untracked objects too."""
    if objects is not None:
        short = "." not in typename
        return [o for o in objects if _name_of(o, short) == typename]
    if "." in typename:
        names = [typename]
    else:
        names = sorted({t for t, _, _ in _rows() if _short(t) == typename})
    return _heapscope.instances(names) if names else []


def at(addr: int) -> object | None:
    """The object the collector tracks at that address, or None."""
    for o in gc.get_objects():
        if id(o) == addr:
            return o
    return None


def at_addrs(address_set: Iterable[int]) -> list[object]:
    """The objects the collector tracks at those addresses."""
    wanted = set(address_set)
    return [o for o in gc.get_objects() if id(o) in wanted]


def is_proper_module(obj: object) -> bool:
    """A module object that is in sys.modules under its own name."""
    return inspect.ismodule(obj) and obj is sys.modules.get(getattr(obj, "__name__", None) or "")


# ---- chains ---------------------------------------------------------------------


def _chain(
    obj: object,
    predicate: Callable[[Any], bool],
    edges: Callable[[Any], list[Any]],
    max_depth: int,
    extra: Iterable[int],
) -> list[object]:
    """Breadth-first along ``edges`` from obj to the nearest object the predicate takes."""
    queue = [obj]
    depth = {id(obj): 0}
    parent: dict[int, object | None] = {id(obj): None}
    ignore = set(extra)
    ignore.update(map(id, (extra, queue, depth, parent, ignore, sys._getframe(), sys._getframe(1))))
    gc.collect()
    while queue:
        target = queue.pop(0)
        if predicate(target):
            chain = [target]
            while parent[id(target)] is not None:
                target = parent[id(target)]
                chain.append(target)
            return chain
        if depth[id(target)] < max_depth:
            found = edges(target)
            ignore.add(id(found))
            for other in found:
                if id(other) not in ignore and id(other) not in depth:
                    depth[id(other)] = depth[id(target)] + 1
                    parent[id(other)] = target
                    queue.append(other)
    return [obj]


def find_ref_chain(
    obj: object, predicate: Callable[[Any], bool], max_depth: int = 20, extra_ignore: Iterable[int] = ()
) -> list[object]:
    """The shortest chain of references from obj to an object the predicate takes: [obj, ..., it]."""
    return _chain(obj, predicate, gc.get_referents, max_depth, extra_ignore)[::-1]


def find_backref_chain(
    obj: object, predicate: Callable[[Any], bool], max_depth: int = 20, extra_ignore: Iterable[int] = ()
) -> list[object]:
    """The shortest chain of references to obj from an object the predicate
    takes (usually is_proper_module): [it, ..., obj]; [obj] when none."""
    return _chain(obj, predicate, gc.get_referrers, max_depth, extra_ignore)


# ---- graphs ---------------------------------------------------------------------


def show_backrefs(
    objs: Any,
    max_depth: int = 3,
    extra_ignore: Iterable[int] = (),
    filter: Filter = None,
    too_many: int = 10,
    highlight: Filter = None,
    filename: str | None = None,
    extra_info: Callable[[Any], str] | None = None,
    refcounts: bool = False,
    shortnames: bool = True,
    output: TextIO | None = None,
    extra_node_attrs: Callable[[Any], dict[str, str]] | None = None,
) -> None:
    """Draw what refers to objs, up to max_depth back (Graphviz)."""
    return _Graph(gc.get_referrers, False, locals()).draw(objs)


def show_refs(
    objs: Any,
    max_depth: int = 3,
    extra_ignore: Iterable[int] = (),
    filter: Filter = None,
    too_many: int = 10,
    highlight: Filter = None,
    filename: str | None = None,
    extra_info: Callable[[Any], str] | None = None,
    refcounts: bool = False,
    shortnames: bool = True,
    output: TextIO | None = None,
    extra_node_attrs: Callable[[Any], dict[str, str]] | None = None,
) -> None:
    """Draw what objs refer to, up to max_depth deep (Graphviz)."""
    return _Graph(gc.get_referents, True, locals()).draw(objs)


def show_chain(*chains: list[object], **kw: Any) -> None:
    """Draw one or more chains (find_backref_chain's or, with backrefs=False,
    find_ref_chain's)."""
    backrefs = kw.pop("backrefs", True)
    members = {id(o) for chain in chains for o in chain}

    def keep(o: object) -> bool:
        return id(o) in members

    opts = dict(kw, filter=keep, max_depth=max(map(len, chains)) - 1)
    if backrefs:
        show_backrefs([chain[-1] for chain in chains], **opts)
    else:
        show_refs([chain[0] for chain in chains], **opts)


class _Graph:
    """A breadth-first drawing of objects and their references, objgraph's way."""

    def __init__(self, edges: Callable[[Any], list[Any]], forward: bool, opts: dict[str, Any]) -> None:
        self.edges, self.forward, self.o = edges, forward, opts

    def draw(self, objs: Any) -> Any:
        o = self.o
        if not isinstance(objs, (list, tuple)):
            objs = [objs]
        if o["filename"] and o["output"]:
            raise ValueError("Cannot specify both output and filename.")
        if o["output"] is not None:
            f, dot = o["output"], None
        elif o["filename"] and o["filename"].endswith(".dot"):
            f, dot = codecs.open(o["filename"], "w", encoding="utf-8"), o["filename"]
        else:
            fd, dot = tempfile.mkstemp(prefix="objgraph-", suffix=".dot", text=True)
            f = io.TextIOWrapper(os.fdopen(fd, "wb"), "utf-8")
        nodes = self._write(f, objs, sys._getframe(), sys._getframe(1))
        if o["output"] is not None:
            return None
        f.close()
        print(f"Graph written to {dot} ({nodes} nodes)")
        _present(dot, o["filename"])
        return None

    def _write(self, f: TextIO, objs: list[Any], *frames: types.FrameType) -> int:
        o, max_depth = self.o, self.o["max_depth"]
        f.write("digraph ObjectGraph {\n  node[shape=box, style=filled, fillcolor=white];\n")
        queue: list[Any] = []
        depth: dict[int, int] = {}
        ignore = set(o["extra_ignore"])
        ignore.update(map(id, (objs, o["extra_ignore"], queue, depth, ignore, o, self.__dict__)))
        for frame in (sys._getframe(), *frames):
            ignore.update((id(frame), id(frame.f_locals)))
        for obj in objs:
            f.write(f"  {_node(obj)}[fontcolor=red];\n")
            depth[id(obj)] = 0
            queue.append(obj)
        del obj
        gc.collect()
        nodes = 0
        while queue:
            nodes += 1
            target = queue.pop(0)
            d = depth[id(target)]
            attrs = "".join(
                f', {k}="{_quote(v)}"' for k, v in (o["extra_node_attrs"] or (lambda x: {}))(target).items()
            )
            f.write(f'  {_node(target)}[label="{_label(target, o)}"{attrs}];\n')
            h, s, v = _shade((0, 0, 1), (0, 0, 0.3), d, max_depth)
            if inspect.ismodule(target):
                h, s = 0.3, 1
            if o["highlight"] and o["highlight"](target):
                h, s, v = 0.6, 0.6, 0.5 + v * 0.5
            f.write(f'  {_node(target)}[fillcolor="{h:g},{s:g},{v:g}"];\n')
            if v < 0.5:
                f.write(f"  {_node(target)}[fontcolor=white];\n")
            if hasattr(getattr(target, "__class__", None), "__del__"):
                f.write(
                    f"  {_node(target)}->{_node(target)}_has_a_del"
                    "[color=red,style=dotted,len=0.25,weight=10];\n"
                )
                f.write(
                    f'  {_node(target)}_has_a_del[label="__del__",shape=doublecircle,height=0.25,'
                    f'color=red,fillcolor="0,.5,1",fontsize=6];\n'
                )
            if d >= max_depth:
                continue
            found = self.edges(target)
            ignore.add(id(found))
            shown = skipped = 0
            for other in found:
                if id(other) in ignore or (o["filter"] and not o["filter"](other)):
                    continue
                if shown >= o["too_many"]:
                    skipped += 1
                    continue
                src, dst = (target, other) if self.forward else (other, target)
                f.write(f"  {_node(src)} -> {_node(dst)}{_edge_label(src, dst, o['shortnames'])};\n")
                if id(other) not in depth:
                    depth[id(other)] = d + 1
                    queue.append(other)
                shown += 1
            del found
            if skipped:
                h, s, v = _shade((0, 1, 1), (0, 1, 0.3), d + 1, max_depth)
                n = _node(target)
                word, edge = (
                    ("references", f"{n}->too_many_{n}")
                    if self.forward
                    else ("backreferences", f"too_many_{n}->{n}")
                )
                f.write(f"  {edge}[color=red,style=dotted,len=0.25,weight=10];\n")
                f.write(
                    f'  too_many_{n}[label="{skipped} more {word}",shape=box,height=0.25,color=red,'
                    f'fillcolor="{h:g},{s:g},{v:g}",fontsize=6];\n'
                )
                f.write(f"  too_many_{n}[fontcolor=white];\n")
        f.write("}\n")
        return nodes


def _present(dot: str | None, filename: str | None) -> None:
    """Render the .dot as objgraph does: an image when a filename asks for one,
    else xdot when installed, else a .png beside the .dot."""
    if dot is None:
        return
    if filename and filename.endswith(".dot"):
        return
    if not filename and shutil.which("xdot"):
        print("Spawning graph viewer (xdot)")
        subprocess.Popen(["xdot", dot], close_fds=True)
        return
    if not filename:
        if not shutil.which("dot"):
            print("Graph viewer (xdot) and image renderer (dot) not found, not doing anything else")
            return
        print("Graph viewer (xdot) not found, generating a png instead")
        filename = dot[: -len(".dot")] + ".png"
    if not shutil.which("dot"):
        print("Image renderer (dot) not found, not doing anything else")
        return
    fmt = os.path.splitext(filename)[1][1:] or "png"
    cmd = ["dot", f"-T{fmt}", f"-o{filename}", dot]
    rc = subprocess.Popen(cmd, close_fds=False).wait()
    if rc != 0:
        print(f'dot failed (exit code {rc}) while executing "{" ".join(cmd)}"')
    else:
        print(f"Image generated as {filename}")


def _node(obj: object) -> str:
    return f"o{id(obj)}"


def _quote(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\0", "\\\\0")


def _shade(start: tuple[float, ...], end: tuple[float, ...], depth: int, max_depth: int) -> tuple[float, ...]:
    if max_depth == 0:
        return start
    return tuple(a + (b - a) * depth / max_depth for a, b in zip(start, end))


def _label(obj: object, o: dict[str, Any]) -> str:
    text = _name_of(obj, o["shortnames"])
    if o["refcounts"] and hasattr(sys, "getrefcount"):
        text += f" [{sys.getrefcount(obj) - 1}]"
    text += "\n" + _describe(obj)
    if o["extra_info"]:
        text += "\n" + str(o["extra_info"](obj))
    return _quote(text)


def _repr(obj: object, width: int = 40) -> str:
    try:
        text = repr(obj)
    except Exception:
        return "(unrepresentable)"
    return text if len(text) <= width else text[: width - 3] + "..."


def _describe(obj: object) -> str:
    """A short line under the type name: a name, a size, or the repr."""
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType)):
        name = getattr(obj, "__name__", None)
        if isinstance(obj, types.FunctionType) and name == "<lambda>":
            code = obj.__code__
            return f"lambda: {os.path.basename(code.co_filename)}:{code.co_firstlineno}"
        if isinstance(name, str):
            return name
    if isinstance(obj, types.MethodType):
        name = getattr(obj.__func__, "__name__", None)
        return name if isinstance(name, str) else _repr(obj)
    if isinstance(obj, types.FrameType):
        return f"{os.path.basename(obj.f_code.co_filename)}:{obj.f_lineno}"
    if isinstance(obj, (dict, list, tuple, set, frozenset)):
        return f"{len(obj)} items"
    return _repr(obj)


def _edge_label(src: object, dst: object, shortnames: bool = True) -> str:
    """How src holds dst, as a Graphviz edge attribute (empty when unknown)."""
    if isinstance(dst, dict) and dst is getattr(src, "__dict__", None):
        return ' [label="__dict__",weight=10]'
    if isinstance(src, types.FrameType) and dst is src.f_globals:
        return ' [label="f_globals",weight=10]'
    if isinstance(src, types.MethodType):
        if dst is src.__self__:
            return ' [label="__self__",weight=10]'
        if dst is src.__func__:
            return ' [label="__func__",weight=10]'
    if isinstance(src, (list, tuple)):
        for i, v in enumerate(src):
            if v is dst:
                return f' [label="[{i}]"]'
    if isinstance(src, dict):
        for k, v in src.items():
            if v is dst:
                text = k if isinstance(k, str) else _name_of(k, shortnames) + "\n" + _repr(k)
                return f' [label="{_quote(text)}"]'
    return ""
