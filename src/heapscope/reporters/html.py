"""The HTML reporter: one self-contained page per report (docs/html.md).

The page is ``report.html`` with the model object's JSON (the same document
``--json`` prints) embedded; its own script draws the stories as expandable
retention paths, treemaps of retained size by type and by holder, and the
growth across samples.  No network, no library: every line of it is here.
"""

from __future__ import annotations

import json
import os

name = "html"

_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.html")
_SLOT = "/*HEAPSCOPE_DATA*/null"
KINDS = ("Report", "SnapshotDiff", "SnapshotSummary")


def render(obj: object) -> str:
    """The page for a Report (check, run, attach), a SnapshotDiff or a SnapshotSummary."""
    kind = type(obj).__name__
    if kind not in KINDS:
        raise TypeError(f"the HTML reporter draws {', '.join(KINDS)}, not {kind}")
    data = {"kind": kind, "version": _version(), "doc": obj.to_dict()}  # type: ignore[attr-defined]
    # Inside <script>, "</script" would end the element and "<!--" open a
    # comment: "<", ">" and "&" appear only inside JSON strings, as \u escapes.
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    with open(_TEMPLATE, encoding="utf-8") as f:
        return f.read().replace(_SLOT, text, 1)


def _version() -> str:
    """heapscope's version, from the installed distribution (reporters import only the model)."""
    from importlib import metadata

    try:
        return metadata.version("heapscope")
    except metadata.PackageNotFoundError:
        return "?"


def write(page: str, path: str) -> str:
    """Write the page; return the sentence to print."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    except OSError as exc:
        return f"cannot write {path} ({exc.strerror})"
    return f"wrote {path} (open it in a browser; it needs no network)"
