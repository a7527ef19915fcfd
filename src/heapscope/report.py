"""The report: plain data every front end produces and every reporter renders.

``Report.to_dict()`` is the JSON format ``heapscope.report/1`` documented in
``docs/report.schema.json``; field names are stable, later versions only add.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from heapscope import _heapscope

SCHEMA = "heapscope.report/1"


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


@dataclass
class Leak:
    """A type whose count grew in every measured run (or, flattened, only at first)."""

    type: str
    count: int
    per_run: list[int]
    size: int
    delta_size: int
    extra: dict[str, Any] = field(default_factory=dict)
    stories: list[Any] = field(default_factory=list)  # list[heapscope.graph.Story]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "count": self.count,
            "per_run": list(self.per_run),
            "size": self.size,
            "delta_size": self.delta_size,
        }
        d.update(self.extra)
        return d


@dataclass
class Report:
    """What heapscope found: growth, leaks, and the types that grew then flattened."""

    runs: int
    warmup: int = 0
    growth: list[GrowthRow] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    flattened: list[Leak] = field(default_factory=list)
    target: str | None = None
    python: str = field(default_factory=platform.python_version)
    extra: dict[str, Any] = field(default_factory=dict)

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
            "schema": SCHEMA,
            "python": self.python,
            "target": self.target,
            "runs": self.runs,
            "warmup": self.warmup,
            "verdict": "leak" if self.leaks else "no leak",
            "growth": [g.to_dict() for g in self.growth],
            "leaks": [leak.to_dict() for leak in self.leaks],
            "flattened": [f.to_dict() for f in self.flattened],
        }
        d.update(self.extra)
        return d

    def __str__(self) -> str:
        from heapscope.reporters.text import render

        return render(self)


def verdicts(
    series: Sequence[tuple[str, Sequence[int], Sequence[int]]], runs: int, warmup: int
) -> Report:
    """Apply the repetition rule to per-type count series (baseline + one sample per run).

    leak: the count grew in every run.  flattened: it grew overall, but not in
    the last run.  Everything that grew overall is listed under growth.
    """
    report = Report(runs=runs, warmup=warmup)
    for name, counts, sizes in series:
        deltas = [counts[i + 1] - counts[i] for i in range(len(counts) - 1)]
        total = counts[-1] - counts[0]
        total_size = sizes[-1] - sizes[0]
        flags = _heapscope.verdict(counts, sizes)  # the rule: src/core/hs_verdict.c
        if flags & _heapscope.VERDICT_GREW:
            report.growth.append(GrowthRow(name, counts[-1], total, sizes[-1], total_size))
        if flags & _heapscope.VERDICT_LEAK:
            report.leaks.append(Leak(name, counts[-1], deltas, sizes[-1], total_size))
        elif flags & _heapscope.VERDICT_FLATTENED:
            report.flattened.append(Leak(name, counts[-1], deltas, sizes[-1], total_size))
    report.growth.sort(key=lambda g: (-g.delta, -g.delta_size, g.type))
    report.leaks.sort(key=lambda x: (-sum(x.per_run), -x.delta_size, x.type))
    report.flattened.sort(key=lambda x: (-sum(x.per_run), x.type))
    return report
