"""Fix hints: recognise the common leak shapes in a story and say what to change.

Each rule looks at one story (its path from the root, the types on it, the
facts the C analysis recorded about the leaked objects) and returns a hint
``{"id", "text"}`` naming the concrete holder, type and allocation line, or
None.  Rules are tried in order; the first that matches wins.  A rule checks
its preconditions: a WeakKeyDictionary is only suggested for weak-referenceable,
hashable keys whose values do not refer back to them.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from heapscope.graph import Story

Hint = dict[str, str]


def _hop_types(story: Story) -> list[str]:
    return [h.get("type", "") for h in story.path.raw.get("hops", [])]


def _hop_labels(story: Story) -> list[str]:
    return [h.get("label") or "" for h in story.path.raw.get("hops", [])]


def _holder(story: Story, drop: int = 1) -> str:
    """The path text without its last `drop` hops: the container that holds them."""
    hops = story.path.hops
    if len(hops) <= drop:
        return hops[0] if hops else "?"
    return "".join(hops[: len(hops) - drop])


def _where(story: Story) -> str:
    sites = story.allocated_at or []
    if not sites:
        return ""
    s = sites[0]
    return f" (allocated at {s['file']}:{s['line']})"


def _short(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def traceback_frames(story: Story) -> Hint | None:
    if story.facts.get("exception"):
        holder = _holder(story)
    elif ".__traceback__" in story.path.general_text:
        holder = story.path.general_text.split(".__traceback__")[0]
    else:
        return None
    return {
        "id": "stored-exception-traceback",
        "text": f"{holder} keeps exceptions whose tracebacks hold their frames and every local in them "
        f"({story.count} {_short(story.type)}){_where(story)}: keep str(exc) or "
        "traceback.format_exception(exc) instead, or call traceback.clear_frames(exc.__traceback__) "
        "before storing the exception.",
    }


def bound_method_callbacks(story: Story) -> Hint | None:
    types, labels = _hop_types(story), _hop_labels(story)
    if story.type == "method" and len(types) >= 2:
        container = _holder(story, 1)
    elif len(types) >= 3 and labels[-1] == ".__self__" and types[-2] == "method":
        container = _holder(story, 2)
    else:
        return None
    return {
        "id": "bound-method-callbacks",
        "text": f"{container} holds bound methods, and each keeps its {_short(story.type)} alive"
        f"{_where(story)}: store weakref.WeakMethod(obj.method) and skip dead ones when calling, "
        "or unsubscribe when the object is done.",
    }


def lru_cache_on_method(story: Story) -> Hint | None:
    types = _hop_types(story)
    if "functools._lru_cache_wrapper" not in types:
        return None
    i = types.index("functools._lru_cache_wrapper")
    name = "".join(story.path.hops[: i + 1]) if i + 1 <= len(story.path.hops) else story.path.general_text
    return {
        "id": "lru-cache-on-method",
        "text": f"functools.lru_cache/cache on {name} keys its cache by `self`, so it keeps every "
        f"{_short(story.type)} alive{_where(story)}: cache a function of the arguments only (a module "
        "function or staticmethod), or give each instance its own cache in __init__ "
        "(self.method = functools.lru_cache()(self._method)).",
    }


def asyncio_task_set(story: Story) -> Hint | None:
    types = _hop_types(story)
    if not story.type.endswith("Task") or len(types) < 2 or types[-2] not in ("set", "list"):
        return None
    holder = _holder(story)
    return {
        "id": "asyncio-task-set",
        "text": f"{holder} keeps finished asyncio tasks: after adding a task, call "
        f"task.add_done_callback({holder}.discard) so it leaves the set when done.",
    }


def logger_per_request(story: Story) -> Hint | None:
    if ".manager.loggerDict[" not in story.path.general_text:
        return None
    return {
        "id": "logger-per-request",
        "text": "logging.getLogger() with a new name per call creates a Logger the logging manager keeps "
        f"forever{_where(story)}: use one logger (logging.getLogger(__name__)) and pass per-request data "
        "with extra= or a logging.LoggerAdapter.",
    }


def weak_values_refer_to_keys(story: Story) -> Hint | None:
    types = _hop_types(story)
    if "weakref.WeakKeyDictionary" not in types:
        return None
    i = types.index("weakref.WeakKeyDictionary")
    holder = "".join(story.path.hops[: i + 1])
    return {
        "id": "weak-key-dict-values-refer-to-keys",
        "text": f"{holder} is a WeakKeyDictionary, but its values refer back to their keys, so no key is "
        f"ever freed ({story.count} {_short(story.type)}){_where(story)}: store values that do not "
        "reference the key (keep only what you need, or a weakref.ref to the key).",
    }


def weak_key_registry(story: Story) -> Hint | None:
    if not story.path.general_text.endswith("(key)]"):
        return None
    if story.path.root.get("kind") not in ("class attribute", "module global"):
        return None
    holder = _holder(story)
    facts = story.facts
    t = _short(story.type)
    if facts.get("value_refers_to_key"):
        return {
            "id": "registry-value-refers-to-key",
            "text": f"{holder} is keyed by {t} objects whose values refer back to their keys, so even a "
            "weakref.WeakKeyDictionary would keep them: remove each entry when its key is done, or "
            "store values that do not reference the key.",
        }
    if not facts.get("hashable", True):
        return None
    if not facts.get("weakrefable", True):
        return {
            "id": "weak-key-registry",
            "text": f"{holder} keeps every {t} as a key{_where(story)}: make it a "
            f"weakref.WeakKeyDictionary, after adding '__weakref__' to {t}.__slots__ so {t} "
            "objects can be weakly referenced.",
        }
    return {
        "id": "weak-key-registry",
        "text": f"{holder} keeps every {t} as a key{_where(story)}: make it a "
        "weakref.WeakKeyDictionary so entries go away with their keys, or remove them when done.",
    }


def _module_globals(root_name: str) -> tuple[str, dict[str, Any]] | None:
    mod = root_name.split(".")[0]
    for cut in range(root_name.count("."), 0, -1):
        candidate = root_name.rsplit(".", cut)[0]
        if candidate in sys.modules:
            mod = candidate
    m = sys.modules.get(mod)
    return (mod, vars(m)) if m is not None else None


def second_index(story: Story) -> Hint | None:
    root = story.path.root
    types = _hop_types(story)
    if root.get("kind") != "module global" or len(types) < 2 or types[-2] != "dict":
        return None
    if story.path.general_text.endswith("(key)]"):
        return None
    found = _module_globals(root.get("name", ""))
    if found is None:
        return None
    modname, globs = found
    holder_name = root["name"][len(modname) + 1 :].split(".")[0].split("[")[0]
    others = sorted(
        n for n, v in globs.items() if type(v) is dict and n != holder_name and not n.startswith("__")
    )
    if not others:
        return None
    holder = f"{modname}.{holder_name}"
    other = f"{modname}.{others[0]}"
    return {
        "id": "second-index",
        "text": f"{story.count} {_short(story.type)} objects are still in {holder}{_where(story)}; if they "
        f"were removed from another index such as {other}, remove them from {holder} too (delete from "
        f"every index together), or make {holder} a weakref.WeakValueDictionary.",
    }


def closure_capture(story: Story) -> Hint | None:
    text = story.path.general_text
    if ".__closure__" not in text:
        return None
    func = text.split(".__closure__")[0]
    return {
        "id": "closure-capture",
        "text": f"the closure {func} keeps a captured variable alive ({story.count} "
        f"{_short(story.type)}){_where(story)}: capture only what the function uses (pass small values "
        "in, or del the large local before defining the function).",
    }


def held_by_c(story: Story) -> Hint | None:
    root = story.path.root
    if root.get("kind") != "held by C code":
        return None
    name = root.get("name", "")
    if name.startswith("<method"):
        what = (
            "a bound method registered with C code "
            "(atexit.register, signal.signal, a C extension's callback)"
        )
        fix = "unregister it when done (atexit.unregister), or register a function that holds a weakref"
    else:
        what = f"{name}, referenced only from C code (an extension's state, a C callback registry)"
        fix = "find where it was registered with the C API and release it there"
    return {"id": "held-by-c-code", "text": f"{story.count} {_short(story.type)} are kept by {what}: {fix}."}


def unclosed_resource(story: Story) -> Hint | None:
    from heapscope.graph import RESOURCE_TYPES

    if story.type not in RESOURCE_TYPES:
        return None
    return {
        "id": "unclosed-resource",
        "text": f"{story.count} open {_short(story.type)} objects are kept by {_holder(story)}"
        f"{_where(story)} and never closed: close them when done (`with open(...) as f:`, or "
        "f.close() in a finally) and drop them from the container.",
    }


def unbounded_container(story: Story) -> Hint | None:
    root = story.path.root
    types = _hop_types(story)
    if root.get("kind") not in ("module global", "class attribute") or len(types) < 2:
        return None
    if types[-2] not in ("list", "dict", "set", "collections.deque", "collections.OrderedDict"):
        return None
    holder = _holder(story)
    return {
        "id": "unbounded-container",
        "text": f"{holder} grows by {_short(story.type)} objects without bound{_where(story)}: remove "
        "entries when they are done, or use a bounded structure (functools.lru_cache(maxsize=...), "
        "collections.deque(maxlen=...), an OrderedDict that evicts its oldest entries).",
    }


RULES: list[Callable[[Story], Hint | None]] = [
    traceback_frames,
    lru_cache_on_method,
    bound_method_callbacks,
    asyncio_task_set,
    logger_per_request,
    weak_values_refer_to_keys,
    weak_key_registry,
    second_index,
    closure_capture,
    held_by_c,
    unclosed_resource,
    unbounded_container,
]


def hint_for(story: Story) -> Hint | None:
    """The first rule's hint for this story, or None."""
    for rule in RULES:
        hint = rule(story)
        if hint is not None:
            return hint
    return None
