"""Stories onto a report's leaks, with their hints: shared by check, run and attach.

Light on purpose (the model and the rules only): ``heapscope attach`` uses it
on the answers the agent sent, without importing the in-process analysis.
"""

from __future__ import annotations

from heapscope.model import OWNERS, Report, Story, merge_same_paths

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
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
    # The user's own classes first, then libraries', then built-in types; folded ones last.
    # (Stable: within each, the growth order.)
    report.leaks.sort(
        key=lambda lk: (
            lk.explained_elsewhere,
            OWNERS.index(lk.stories[0].type_owner) if lk.stories else len(OWNERS),
        )
    )
