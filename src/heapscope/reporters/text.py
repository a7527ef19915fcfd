"""The human-readable report: the verdict first, then the tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heapscope.report import Report


def fmt_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'; keeps the sign."""
    sign = "-" if n < 0 else ""
    v = float(abs(n))
    for unit in ("B", "KiB", "MiB", "GiB"):
        if v < 1024 or unit == "GiB":
            return f"{sign}{int(v)} {unit}" if unit == "B" else f"{sign}{v:.1f} {unit}"
        v /= 1024
    return f"{sign}{v:.1f} GiB"  # pragma: no cover


def _per_run(per_run: list[int], unit: str = "run") -> str:
    if len(set(per_run)) == 1:
        return f"+{per_run[0]} per {unit}"
    return f"per {unit} " + " ".join(f"{d:+d}" for d in per_run)


def render(report: Report, limit: int = 15) -> str:
    lines: list[str] = []
    what = f" in {report.target}" if report.target else ""
    unit = report.extra.get("unit", "runs")
    one = "interval" if unit != "runs" else "run"
    warm = f" (after {report.warmup} warm-up)" if report.warmup else ""
    if report.leaks:
        n = len(report.leaks)
        lines.append(
            f"LEAK{what}: {n} type{'s' if n != 1 else ''} grew in every one of "
            f"{report.runs} {unit}{warm}"
        )
        for leak in report.leaks:
            retained = leak.extra.get("retained_size")
            size_text = (
                f"{fmt_bytes(retained)} retained"
                if retained is not None
                else f"{fmt_bytes(leak.delta_size)} over the runs"
            )
            lines.append(
                f"  {leak.type}: {leak.count} objects ({_per_run(leak.per_run, one)}, {size_text})"
            )
            lines.extend(story_lines(leak.stories, indent="    "))
            for site in (leak.extra.get("allocated_at") or [])[:3]:
                lines.append(f"    allocated at {site['file']}:{site['line']} (+{site['count']} {leak.type})")
    else:
        lines.append(f"no leak{what}: no type grew in every one of {report.runs} {unit}{warm}")
        if report.extra.get("note"):
            lines.append(f"  ({report.extra['note']})")
    if report.leaks and report.extra.get("tracing") is False:
        if "attach" in report.extra:
            lines.append(
                "  (allocation sites: the process does not trace allocations; start it with "
                "PYTHONTRACEMALLOC=5, or have it call tracemalloc.start())"
            )
        else:
            lines.append(
                "  (allocation sites: tracing was off; heapscope check/run trace by default, "
                "or call tracemalloc.start() before the code runs)"
            )
    if report.extra.get("suspects"):
        lines.append("leak suspects (retained size grew most over the runs):")
        for sus in report.extra["suspects"][:5]:
            lines.append(
                f"  {sus['type']} at {sus['path_text']}: {fmt_bytes(sus['retained_before'])} -> "
                f"{fmt_bytes(sus['retained_after'])} (+{fmt_bytes(sus['delta'])})"
            )
    if report.flattened:
        lines.append("grew, then flattened (not a leak; a cache filling up?):")
        for f in report.flattened:
            lines.append(f"  {f.type}: {f.count} objects ({_per_run(f.per_run, one)})")
    if report.growth:
        lines.append("")
        lines.append(growth_table(report.growth, limit))
    return "\n".join(lines)


def story_lines(stories: list, indent: str = "  ", limit: int = 3) -> list[str]:
    """How leaked objects are held, one story per path shape."""
    from heapscope.graph import describe_root

    out: list[str] = []
    for story in stories[:limit]:
        out.append(
            f"{indent}{story.count} held by {describe_root(story.path.root)} "
            f"({fmt_bytes(story.retained_size)} retained):"
        )
        out.append(f"{indent}  {story.path.general_text}")
        if story.hint is not None:
            out.append(f"{indent}  Fix: {story.hint['text']}")
    if len(stories) > limit:
        out.append(f"{indent}... {len(stories) - limit} more ways they are held")
    return out


def growth_table(rows: list, limit: int = 15) -> str:  # rows: list[GrowthRow]
    shown = rows[:limit]
    width = max([len("type")] + [len(r.type) for r in shown])
    out = [f"{'type':<{width}}  {'count':>9}  {'+delta':>7}  {'bytes':>11}  {'+bytes':>11}"]
    for r in shown:
        out.append(
            f"{r.type:<{width}}  {r.count:>9}  {r.delta:>+7d}  {fmt_bytes(r.size):>11}  "
            f"{fmt_bytes(r.delta_size):>11}"
        )
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more types grew")
    return "\n".join(out)
