"""The verdict: a census series (baseline + one sample per run) as a Report.

The rule itself is the C core's (src/core/hs_verdict.c); the Report and its
rows are the typed model (heapscope.model).  ``Report.to_dict()`` is the JSON
format ``heapscope.report/1`` documented in ``docs/report.schema.json``.
"""

from __future__ import annotations

from collections.abc import Sequence

from heapscope import _heapscope
from heapscope.model import REPORT_SCHEMA as SCHEMA
from heapscope.model import GrowthRow, Leak, Report, sort_growth

__all__ = ["SCHEMA", "GrowthRow", "Leak", "Report", "verdicts"]


def verdicts(series: Sequence[tuple[str, Sequence[int], Sequence[int]]], runs: int, warmup: int) -> Report:
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
    sort_growth(report.growth)
    report.leaks.sort(key=lambda x: (-sum(x.per_run), -x.delta_size, x.type))
    report.flattened.sort(key=lambda x: (-sum(x.per_run), x.type))
    return report
