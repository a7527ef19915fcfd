"""Graphviz pictures of retention paths, as objgraph's show_backrefs draws them.

Each path is drawn from its root (top) to the held object (bottom, red);
paths that share objects share nodes.  ``write()`` renders to PNG, SVG or PDF
when the file name asks for it and Graphviz's ``dot`` is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from typing import Any

from heapscope.model import Path, Report, SnapshotSummary, Why
from heapscope.reporters.text import fmt_bytes

name = "dot"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def paths_to_dot(paths: Iterable[tuple[Path | dict[str, Any], str]]) -> str:
    """paths: (Path, or a raw path dict from the C analysis or a file, caption) pairs -> dot source."""
    lines = [
        "digraph heapscope {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    seen_nodes: set[str] = set()
    seen_edges: set[tuple[str, str, str]] = set()
    for given, caption in paths:
        path = given if isinstance(given, Path) else Path.from_raw(given)
        hops, root = path.hops, path.root
        prev = None
        for i, hop in enumerate(hops):
            # An elided stretch of a long path has no address: a node of its own.
            node = f"n{hop.address:x}" if isinstance(hop.address, int) else f"elided{len(seen_nodes)}"
            if node not in seen_nodes:
                seen_nodes.add(node)
                label = hop.type
                if label == "type" and (hop.label or "").startswith("."):
                    label = f"class {hop.label[1:]}"
                attrs = ""
                if i == 0:
                    label = f"{root.kind}\n{root.name}"
                    attrs = ', fillcolor="#d9ead3"'
                if i == len(hops) - 1:
                    label = f"{hop.type}\n{caption}"
                    attrs = ', fillcolor="#f4cccc"'
                lines.append(f"  {node} [label={_quote(label)}{attrs}];")
            if prev is not None:
                edge = (prev, node, hop.label or "")
                if edge not in seen_edges:
                    seen_edges.add(edge)
                    lines.append(f"  {prev} -> {node} [label={_quote(edge[2].strip())}];")
            prev = node
    lines.append("}")
    return "\n".join(lines) + "\n"


def report_to_dot(report: Report) -> str:
    """The stories of a Report's leaks, one path each."""
    paths: list[tuple[Path | dict[str, Any], str]] = []
    for leak in report.leaks:
        for story in leak.stories:
            paths.append((story.path, f"{story.count} leaked ({leak.type})"))
    return paths_to_dot(paths)


def render(obj: object) -> str:
    """Graphviz source: a Report's stories, a Why's path, a SnapshotSummary's top retainers."""
    if isinstance(obj, Report):
        return report_to_dot(obj)
    if isinstance(obj, Why):
        return paths_to_dot([(obj.path, obj.object)])
    if isinstance(obj, SnapshotSummary):
        return paths_to_dot([(r.path, f"retains {fmt_bytes(r.retained_size)}") for r in obj.top_retainers])
    if isinstance(obj, list) and all(isinstance(w, Why) for w in obj):
        return paths_to_dot([(w.path, w.object) for w in obj])
    raise TypeError(f"the dot reporter cannot render {type(obj).__name__}")


def write(dot_source: str, filename: str) -> str:
    """Write the .dot source, or render it when the extension is png/svg/pdf.

    Returns a one-line description of what was written.
    """
    ext = os.path.splitext(filename)[1].lower().lstrip(".")
    if ext in ("png", "svg", "pdf"):
        dot = shutil.which("dot")
        if dot is None:
            src = os.path.splitext(filename)[0] + ".dot"
            with open(src, "w") as f:
                f.write(dot_source)
            return f"wrote {src} (install Graphviz's `dot` to render {ext.upper()})"
        subprocess.run([dot, f"-T{ext}", "-o", filename], input=dot_source, text=True, check=True)
        return f"wrote {filename}"
    with open(filename, "w") as f:
        f.write(dot_source)
    return f"wrote {filename}"
