"""The leak corpus: each case in cases/ reproduces a public bug report with the real library.

``run(case)`` checks one case the way a user would (``heapscope check FILE:step --json``, in a
fresh process) and scores it against the case's EXPECT: the verdict, the leaked type, a path
naming the holder, the allocating line (marked ``# ALLOC``) and the fix's hint.  Used by the
test suite (tests/python/integration/test_realworld.py) and by bench/score.py.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
LIBRARIES = ("blinker", "sqlalchemy", "flask", "werkzeug", "cachetools", "django", "jinja2")


def cases() -> list[str]:
    return sorted(f[:-3] for f in os.listdir(CASES) if f.endswith(".py") and not f.startswith("_"))


def expectation(case: str) -> dict[str, str]:
    tree = ast.parse(open(os.path.join(CASES, case + ".py")).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXPECT":
            return ast.literal_eval(node.value)
    raise ValueError(f"{case}: no EXPECT")


def missing_libraries(case: str) -> list[str]:
    text = open(os.path.join(CASES, case + ".py")).read()
    return [
        lib
        for lib in LIBRARIES
        if f"import {lib}" in text or f"from {lib}" in text
        if importlib.util.find_spec(lib) is None
    ]


def alloc_line(case: str) -> int | None:
    for i, line in enumerate(open(os.path.join(CASES, case + ".py")), 1):
        if "# ALLOC" in line:
            return i
    return None


@dataclass
class Score:
    case: str
    expected: dict[str, str]
    returncode: int
    verdict: bool = False
    type: bool = False
    holder: bool = False
    line: bool = False
    hint: bool = False
    found_hint: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_leak(self) -> bool:
        return self.expected["verdict"] == "leak"

    @property
    def passed(self) -> bool:
        if not self.is_leak:
            return self.verdict
        return self.verdict and self.type and self.holder and self.line and self.hint


def run(case: str, timeout: float = 300) -> Score:
    exp = expectation(case)
    r = subprocess.run(
        [sys.executable, "-m", "heapscope", "check", f"{case}.py:step", "--json"],
        cwd=CASES,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    score = Score(case, exp, r.returncode)
    if r.returncode not in (0, 1):
        score.notes.append(r.stderr.strip()[-300:])
        return score
    doc = json.loads(r.stdout)
    if exp["verdict"] == "no leak":
        score.verdict = r.returncode == 0
        if not score.verdict:
            score.notes.append("reported: " + ", ".join(lk["type"] for lk in doc["leaks"]))
        return score
    score.verdict = r.returncode == 1
    # by the class name (a type's module prefix differs between versions: ContextVar on 3.9)
    want = exp["type"].rsplit(".", 1)[-1]
    leak = next((lk for lk in doc["leaks"] if lk["type"].rsplit(".", 1)[-1] == want), None)
    if leak is None:
        score.notes.append("leaks: " + ", ".join(lk["type"] for lk in doc["leaks"]))
        return score
    score.type = True
    stories = leak.get("stories") or []
    texts = [s["path_text"] + " " + s["root"]["name"] for s in stories]
    # "a|b": the holder may be named either way (by version: atexit's list on 3.14+)
    score.holder = bool(stories) and any(h in t for t in texts for h in exp["holder"].split("|"))
    line = alloc_line(case)
    sites = leak.get("allocated_at") or []
    score.line = any(os.path.basename(s["file"]) == case + ".py" and s["line"] == line for s in sites)
    score.found_hint = (leak.get("hint") or {}).get("id")
    score.hint = score.found_hint in exp["hint"].split("|")  # "a|b": the hint may differ by version
    if not score.holder:
        score.notes.append("paths: " + " | ".join(texts[:2]))
    if not score.line:
        score.notes.append(
            "sites: " + ", ".join(f"{os.path.basename(s['file'])}:{s['line']}" for s in sites[:3])
        )
    if not score.hint:
        score.notes.append(f"hint: {score.found_hint}")
    return score
