"""Synthetic heaps for the benchmarks: a realistic mix of object kinds."""

from __future__ import annotations

import gc


class Record:
    def __init__(self, i: int) -> None:
        self.id = i
        self.name = f"record-{i}"
        self.tags = [f"t{i % 97}", i * 1.5]


class Point:
    __slots__ = ("x", "y", "label")

    def __init__(self, i: int) -> None:
        self.x = i
        self.y = i * 2
        self.label = str(i)


def build(n_tracked: int) -> list:
    """About n_tracked GC-tracked objects, plus the untracked ones they hold."""
    keep = []
    for i in range(n_tracked // 8):
        r = Record(i)  # instance + its tags list
        p = Point(i)
        keep.append((r, p))  # tuple holding tracked objects
        keep.append({"rec": r, "key": f"k{i}", "n": i})  # dict with a tracked value
        keep.append({i, f"s{i}"})  # set
        keep.append([p, i, f"l{i}"])  # list
    gc.collect()
    return keep


class Session:
    pass


class Tracker:
    def __init__(self) -> None:
        self._labels: dict = {}


class Registry:
    tracker = Tracker()


def registry_leak(n: int) -> Session:
    """The seed's registry leak: n Sessions kept as keys of a class-level dict."""
    last = None
    for _ in range(n):
        last = Session()
        Registry.tracker._labels[last] = "x"
    return last


def chain(n: int) -> object:
    """A 20-hop chain from a module global to one object."""
    global CHAIN_HEAD
    node = {"leaf": Session()}
    leaf = node["leaf"]
    for _ in range(n):
        node = {"next": node}
    CHAIN_HEAD = node
    return leaf


CHAIN_HEAD = None
