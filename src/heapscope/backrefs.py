"""objgraph's show_backrefs on heapscope's engine: why objects are alive, drawn with Graphviz.

A front end (like the CLI): it asks the analysis and renders through a reporter.
"""

from __future__ import annotations

from heapscope.graph import analyze
from heapscope.model import Path


def show_backrefs(objs: object, filename: str = "backrefs.dot") -> str:
    """Draw why ``objs`` (an object or a list of objects) are alive, as a Graphviz picture.

    Returns what was written; a .png/.svg/.pdf name is rendered when ``dot`` exists.
    """
    from heapscope.reporters.dot import paths_to_dot, write

    targets = list(objs) if isinstance(objs, (list, tuple)) else [objs]
    snap = analyze(objects=targets, dominators=False)
    paths = [(Path.from_raw(r["path"]), r["object"]) for r in snap.results()["objects"] if r.get("path")]
    return write(paths_to_dot(paths), filename)
