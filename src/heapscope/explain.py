"""Stories onto a report's leaks, with their hints: shared by check, run and attach.

Light on purpose (the model and the rules only): ``heapscope attach`` uses it
on the answers the agent sent, without importing the in-process analysis.
"""

from __future__ import annotations

from heapscope.model import OWNERS, Report, Story, merge_same_paths

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def stories_from_results(results: dict[str, Any]) -> dict[str, list[Story]]:
    """Stories per leaked type name, from analyze()'s results (live, or sent by the attach agent)."""
    out: dict[str, list[Story]] = {}
    leaks = results.get("leaks") or {}
    for raw in leaks.get("stories", []):
        story = Story.from_raw(raw)
        out.setdefault(story.type, []).append(story)
    return out


def add_stories(report: Report, results: dict[str, Any]) -> None:
    """Give each leak of ``report`` its stories (each with its fix hint), from analyze()'s results.

    A type whose new objects are all inside another leaked type's objects (a
    leaked Conn's dict) is folded: it names that type instead of telling its
    own story, and comes after the leaks that explain it.
    """
    from heapscope.hints import hint_for

    by_type = stories_from_results(results)
    folded = (results.get("leaks") or {}).get("folded") or {}
    for leak in report.leaks:
        stories = merge_same_paths(by_type.get(leak.type, []))
        for story in stories:
            story.hint = hint_for(story)
        # What the user can change first; within an owner, the C analysis's order (retained size).
        stories.sort(key=lambda st: OWNERS.index(st.owner))
        leak.stories = stories
        info = folded.get(leak.type)
        if info:
            leak.payload_of, leak.folded = str(info["into"]), int(info["count"])
    _mark_held_through(report)
    # The user's own classes first, then libraries', then built-in types; those another
    # leak tells in part after those it does not, those it tells last.  (Stable: within
    # each, the growth order.)
    report.leaks.sort(
        key=lambda lk: (
            lk.secondary,
            any(st.held_through for st in lk.stories),
            OWNERS.index(lk.stories[0].type_owner) if lk.stories else len(OWNERS),
        )
    )


def _mark_held_through(report: Report) -> None:
    """Mark each leak whose every story is reached through another leaked class's objects."""
    classes = {lk.type for lk in report.leaks if lk.stories and lk.stories[0].type_owner != "interpreter"}
    through = mark_held_through([(lk.type, lk.stories) for lk in report.leaks], classes)
    for leak in report.leaks:
        if leak.type in through:
            leak.held_through = leak.stories[0].held_through


def mark_held_through(groups: Sequence[tuple[str, Sequence[Story]]], classes: set[str]) -> set[str]:
    """Set ``held_through`` on the stories of each (type, its stories) whose path runs through
    another of the leaked ``classes``; returns the types all of whose stories are held so.

    One leaked object often keeps a whole structure: a receiver left connected
    to a signal holds its Flask app, whose url map holds its rules. Each of
    those types grows as often, but the leak to fix is the receiver's: the
    others name it (the topmost leaked class on their paths that is not itself
    held through another) instead of repeating its story and fix; so does each
    such story of a leak that is also held another way. Only classes
    defined in Python code (``classes``: check, run and attach pass the leaked
    ones, diff those that grew) hold others this way; a built-in container (a
    tuple key holding a lambda) does not hide what it holds.
    """

    def on_path(story: Story, own: str) -> list[str]:
        return [h.type for h in story.path.hops[:-1] if h.type in classes and h.type != own]

    through = {t for t, stories in groups if stories and all(on_path(st, t) for st in stories)}
    for t, stories in groups:
        for story in stories:
            story.held_through = next((c for c in on_path(story, t) if c not in through), None)
    return {t for t, stories in groups if t in through and stories and all(st.held_through for st in stories)}
