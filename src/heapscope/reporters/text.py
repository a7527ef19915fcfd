"""The human-readable reporter: the verdict first, then the tables.

Renders every model object (``render``); ``str()`` of a model object comes
here too (registered with heapscope.model on import).
"""

from __future__ import annotations

from heapscope import model
from heapscope.model import (
    GrowthRow,
    GrowthTick,
    LeakFailure,
    Path,
    Report,
    Retainer,
    Root,
    SnapshotDiff,
    SnapshotSummary,
    Story,
    Why,
)

name = "text"


def fmt_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'; keeps the sign."""
    sign = "-" if n < 0 else ""
    v = float(abs(n))
    for unit in ("B", "KiB", "MiB", "GiB"):
        if v < 1024 or unit == "GiB":
            return f"{sign}{int(v)} {unit}" if unit == "B" else f"{sign}{v:.1f} {unit}"
        v /= 1024
    return f"{sign}{v:.1f} GiB"  # pragma: no cover


def _thread_name(ident: int) -> str:
    import threading  # here, not at the top: only a stack root needs it (a millisecond of `heapscope attach`)

    t = threading._active.get(ident)  # type: ignore[attr-defined]
    if t is threading.main_thread():
        return "main thread"
    return f"thread {t.name!r}" if t is not None else f"thread {ident}"


def describe_root(root: Root) -> str:
    """'class attribute registry.Session.tracker', 'local x in f() at a.py:3 (main thread)'."""
    frame = root.frame
    if frame is not None:
        where = f"{frame.function}() at {frame.file}:{frame.line}, {_thread_name(frame.thread)}"
        return f"local {frame.local!r} in {where}" if frame.local else f"the running frame of {where}"
    if root.kind == "held by C code":
        return f"C code (a reference no Python object explains, to {root.name})"
    if root.kind == "interpreter":
        return f"the interpreter ({root.name})"
    return f"{root.kind} {root.name}".strip()


def _per_run(per_run: list[int], unit: str = "run") -> str:
    if len(set(per_run)) == 1:
        return f"+{per_run[0]} per {unit}"
    return f"per {unit} " + " ".join(f"{d:+d}" for d in per_run)


def render_report(report: Report, limit: int = 15) -> str:
    lines: list[str] = []
    what = f" in {report.target}" if report.target else ""
    unit = report.unit
    one = "interval" if unit != "runs" else "run"
    warm = f" (after {report.warmup} warm-up)" if report.warmup else ""
    if report.leaks:
        primary = [leak for leak in report.leaks if not leak.secondary]
        inside = [leak for leak in report.leaks if leak.secondary]
        n = len(primary) or len(inside)
        held = ""
        if inside and primary:
            held = f", holding {len(inside)} more type{'s' if len(inside) != 1 else ''}"
        plural = "s" if n != 1 else ""
        lines.append(f"LEAK{what}: {n} type{plural} grew in every one of {report.runs} {unit}{warm}{held}")
        for leak in primary:
            retained = leak.retained_size
            size_text = (
                f"{fmt_bytes(retained)} retained"
                if retained is not None
                else f"{fmt_bytes(leak.delta_size)} over the runs"
            )
            lines.append(f"  {leak.type}: {leak.count} objects ({_per_run(leak.per_run, one)}, {size_text})")
            lines.extend(story_lines([st for st in leak.stories if st.held_through is None], indent="    "))
            through = [st for st in leak.stories if st.held_through is not None]
            if through:
                count = sum(st.count for st in through)
                lines.append(f"    {count} more held through the leaked {through[0].held_through} objects")
            for site in (leak.allocated_at or [])[:3]:
                lines.append(f"    allocated at {site.where} (+{site.count} {leak.type})")
            held = sum(st.count for st in leak.stories)
            if leak.allocated_at and leak.sampled is not None and leak.sampled < held:
                # the sites of a sample: "+200 allocated" beside "400 held" read as a contradiction
                lines.append(f"    (sites of {leak.sampled} of the {held} objects, sampled)")
        for leak in inside:
            if leak.held_through is not None:
                retained = leak.retained_size or 0
                lines.append(
                    f"  {leak.type}: {leak.count} objects ({_per_run(leak.per_run, one)}, "
                    f"{fmt_bytes(retained)} retained), held through the leaked {leak.held_through} "
                    "objects above"
                )
                continue
            lines.append(
                f"  {leak.type}: {leak.count} objects ({_per_run(leak.per_run, one)}), "
                f"inside the leaked {leak.payload_of} objects above"
            )
    else:
        if report.unconfirmed:
            lines.append(
                f"no leak confirmed{what}: {len(report.unconfirmed)} type(s) grew in every one of "
                f"{report.runs} {unit}{warm}, then not over {report.extended_runs} more calls"
            )
        else:
            lines.append(f"no leak{what}: no type grew in every one of {report.runs} {unit}{warm}")
        if report.note:
            lines.append(f"  ({report.note})")
    if report.leaks and report.tracing is False:
        if report.attach is not None:
            lines.append(
                "  (allocation sites: the process does not trace allocations; start it with "
                "PYTHONTRACEMALLOC=5, or have it call tracemalloc.start())"
            )
        else:
            lines.append(
                "  (allocation sites: tracing was off; heapscope check/run trace by default, "
                "or call tracemalloc.start() before the code runs)"
            )
    if report.suspects:
        lines.append("leak suspects (retained size grew most over the runs):")
        for sus in report.suspects[:5]:
            lines.append(
                f"  {sus.type} at {sus.path.text}: {fmt_bytes(sus.retained_before)} -> "
                f"{fmt_bytes(sus.retained_after)} (+{fmt_bytes(sus.delta)})"
            )
    if report.unconfirmed:
        lines.append(
            f"grew in every run, not confirmed over {report.extended_runs} more calls "
            "(a bounded structure with a long period?):"
        )
        for u in report.unconfirmed:
            where = f", held by {describe_root(u.stories[0].path.root)}" if u.stories else ""
            lines.append(f"  {u.type}: {u.count} objects ({_per_run(u.per_run, one)}{where})")
    elif report.extended_runs and report.leaks:
        lines.append(f"  (confirmed over {report.extended_runs} more calls)")
    if report.flattened:
        lines.append("grew, then flattened (not a leak; a cache filling up?):")
        for f in report.flattened:
            lines.append(f"  {f.type}: {f.count} objects ({_per_run(f.per_run, one)})")
    if report.growth:
        lines.append("")
        lines.append(growth_table(report.growth, limit))
    return "\n".join(lines)


def story_lines(stories: list[Story], indent: str = "  ", limit: int = 3) -> list[str]:
    """How leaked objects are held, one story per path shape."""
    out: list[str] = []
    for story in stories[:limit]:
        inside = ""
        if story.payload:
            inside = ", holding " + ", ".join(f"{p.count} {p.type}" for p in story.payload[:4])
        out.append(
            f"{indent}{story.count} held by {describe_root(story.path.root)} "
            f"({fmt_bytes(story.retained_size)} retained{inside}):"
        )
        out.append(f"{indent}  {story.path.general_text}")
        if story.hint is not None:
            out.append(f"{indent}  Fix: {story.hint.text}")
    if len(stories) > limit:
        out.append(f"{indent}... {len(stories) - limit} more ways they are held")
    return out


def growth_table(rows: list[GrowthRow], limit: int = 15) -> str:
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


def render_path(path: Path) -> str:
    if not path.reachable:
        return f"{path.root.name}: not reachable from any root (garbage, or held only by the caller)"
    return f"{path.text}  (root: {describe_root(path.root)})"


def render_why(why: Why) -> str:
    return (
        f"{why.object} ({fmt_bytes(why.retained_size)} retained) is held by "
        f"{describe_root(why.path.root)}:\n  {why.path.text}"
    )


def render_retainer(r: Retainer) -> str:
    return f"{fmt_bytes(r.retained_size):>10}  {r.type} at {r.path.text}"


def render_diff(d: SnapshotDiff) -> str:
    old, new = d.old.get("path", "A"), d.new.get("path", "B")
    lines = []
    if d.leaks:
        rule = "grew from each file to the next" if d.files > 2 else "grew, and their new objects are alive"
        plural = "s" if len(d.leaks) != 1 else ""
        lines.append(f"LEAK: {len(d.leaks)} type{plural} {rule}: " + ", ".join(d.leaks))
    elif d.files == 2:
        lines.append("no leak: no type grew with new objects still alive (a third file confirms a verdict)")
    else:
        lines.append(f"no leak: no type grew from each of {d.files} files to the next")
    if d.same_process:
        lines.append(f"{old} -> {new}: {d.born} objects born after {old} are alive in {new}")
    else:
        lines.append(
            f"{old} -> {new}: different processes; {d.born} objects of the types "
            "that grew, by how they are held"
        )
    through: dict[tuple[str, str], int] = {}
    for story in d.stories:
        if story.held_through is not None:
            key = (story.type, story.held_through)
            through[key] = through.get(key, 0) + story.count
            continue
        size = f"{fmt_bytes(story.retained_size)} retained" if story.retained_known else fmt_bytes(story.size)
        lines.append(f"  {story.count} {story.type} ({size}) held by {describe_root(story.path.root)}:")
        lines.append(f"    {story.path.general_text}")
        if story.hint is not None:
            lines.append(f"    Fix: {story.hint.text}")
    for (typ, held), count in through.items():
        lines.append(f"  {count} {typ} held through the leaked {held} objects above")
    grew = [g for g in d.growth if g.delta > 0 or g.delta_size > 0]
    if grew:
        lines.append("")
        lines.append(growth_table(grew))
    return "\n".join(lines)


def render_summary(s: SnapshotSummary) -> str:
    m = s.meta
    lines = [
        f"{s.file}: {s.objects} objects, {s.edges} references "
        f"(Python {m.get('python', '?')}, pid {m.get('pid', '?')}, {m.get('time', '?')})",
        f"  {m.get('argv', '')}",
        "",
        "largest types:",
    ]
    for t in s.types:
        lines.append(f"  {fmt_bytes(t.size):>10}  {t.count:>9}  {t.type}")
    lines.append("")
    lines.append("retaining the most memory:")
    for r in s.top_retainers:
        lines.append(f"  {render_retainer(r)}")
    return "\n".join(lines)


def render_tick(t: GrowthTick) -> str:
    size = f", {t.size / 2**20:.1f} MiB" if t.size is not None else ""
    objects = f": {t.objects:,} objects{size}" if t.objects is not None else ""
    detail = f" ({t.detail})" if t.detail else ""
    if t.first:
        return f"{t.label}{objects}"
    lines = [f"{t.label}{objects}{';' if objects else ':'} {len(t.grew)} types grew{detail}"]
    if t.grew:
        lines.append(growth_table(t.grew, t.limit))
    return "\n".join(lines)


def render_failure(f: LeakFailure) -> str:
    report = f.report
    lines = [
        f"heapscope: the test leaks: {len(report.leaks)} type(s) grew in every one of {report.runs} runs"
    ]
    for leak in report.leaks:
        per = leak.per_run[0] if len(set(leak.per_run)) == 1 else leak.per_run
        lines.append(f"  {leak.type}: +{per} per run, {leak.count} alive")
        for story in leak.stories[:3]:
            lines.append(
                f"    {story.count} held by {describe_root(story.path.root)}, "
                f"{fmt_bytes(story.retained_size)} retained:"
            )
            lines.append(f"      {story.path.general_text}")
        for site in (leak.allocated_at or [])[:2]:
            lines.append(f"    allocated at {site.where} ({site.count} of them)")
        if leak.hint is not None:
            lines.append(f"    Fix: {leak.hint.text}")
    return "\n".join(lines)


_RENDERERS = {
    Report: render_report,
    Why: render_why,
    Retainer: render_retainer,
    Path: render_path,
    SnapshotDiff: render_diff,
    SnapshotSummary: render_summary,
    GrowthTick: render_tick,
    LeakFailure: render_failure,
}


def render(obj: object) -> str:
    """The text of any model object."""
    fn = _RENDERERS.get(type(obj))
    if fn is None:
        raise TypeError(f"the text reporter cannot render {type(obj).__name__}")
    return fn(obj)  # type: ignore[operator]


model.register_text_renderer(render)
