"""The JSON reporter: each model object's ``to_dict()``, in the formats of docs/*.schema.json."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach --json` starts faster
if TYPE_CHECKING:
    from typing import Any

name = "json"


def document(obj: Any) -> dict[str, Any]:
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"the JSON reporter cannot render {type(obj).__name__}")
    return to_dict()  # type: ignore[no-any-return]


def render(obj: object) -> str:
    """One document; periodic samples (GrowthTick) one per line, to be read as a stream."""
    from heapscope.model import GrowthTick

    if isinstance(obj, GrowthTick):
        return json.dumps(document(obj)) + "\n"
    return json.dumps(document(obj), indent=2) + "\n"
