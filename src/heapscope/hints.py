"""Fix hints: recognise the common leak shapes in a story and say what to change.

Each rule looks at one story (its path from the root, the types on it, the
facts the C analysis recorded about the leaked objects) and returns a hint
``{"id", "text"}`` naming the concrete holder, type and allocation line, or
None.  Rules are tried in order; the first that matches wins.  A rule checks
its preconditions: a WeakKeyDictionary is only suggested for weak-referenceable,
hashable keys whose values do not refer back to them.
"""

from __future__ import annotations

from heapscope.model import RESOURCE_TYPES, Hint, Story

TYPE_CHECKING = False  # typing is not imported at run time: `heapscope attach` starts faster
if TYPE_CHECKING:
    from typing import Callable


def _hop_types(story: Story) -> list[str]:
    return [h.type for h in story.path.hops]


def _text_upto(story: Story, k: int, general: bool = False) -> str:
    """The path text of its first k hops (hidden hops show nothing)."""
    hops = [h for h in story.path.hops[:k] if h.label is not None]
    return "".join((h.general or h.label or "") if general else (h.label or "") for h in hops)


def _holder(story: Story, drop: int = 1) -> str:
    """The path text without its last `drop` hops: the container that holds them."""
    hops = story.path.hops
    if len(hops) <= drop:
        return story.path.text or "?"
    return _text_upto(story, len(hops) - drop)


def _find(story: Story, kind: str, name: str | None = None) -> int:
    """Index of the first hop of this kind (and name), or -1."""
    for i, h in enumerate(story.path.hops):
        if h.kind == kind and (name is None or h.name == name):
            return i
    return -1


def _where(story: Story) -> str:
    sites = story.allocated_at or []
    if not sites:
        return ""
    s = sites[0]
    return f" (allocated at {s.where})"


def _short(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def traceback_frames(story: Story) -> Hint | None:
    at = _find(story, "attribute", "__traceback__")
    if story.facts.get("exception"):
        holder = _holder(story)
    elif at > 0:
        holder = _text_upto(story, at, general=True)
    else:
        return None
    return Hint(
        "stored-exception-traceback",
        f"{holder} keeps exceptions whose tracebacks hold their frames and every local in them "
        f"({story.count} {_short(story.type)}){_where(story)}: keep str(exc) or "
        "traceback.format_exception(exc) instead, or call traceback.clear_frames(exc.__traceback__) "
        "before storing the exception.",
    )


def bound_method_callbacks(story: Story) -> Hint | None:
    types, hops = _hop_types(story), story.path.hops
    if story.type == "method" and len(types) >= 2:
        container = _holder(story, 1)
    elif len(types) >= 3 and hops[-1].kind == "bound self" and types[-2] == "method":
        container = _holder(story, 2)
    else:
        return None
    kept = "object" if story.type == "method" else _short(story.type)
    return Hint(
        "bound-method-callbacks",
        f"{container} holds bound methods, and each keeps its {kept} alive"
        f"{_where(story)}: store weakref.WeakMethod(obj.method) and skip dead ones when calling, "
        "or unsubscribe when the object is done.",
    )


_PER_CALL_KEYS = ("function", "cell", "method", "functools.partial", "builtin_function_or_method")


def _lru_wrapper(story: Story) -> int:
    types = _hop_types(story)
    return types.index("functools._lru_cache_wrapper") if "functools._lru_cache_wrapper" in types else -1


def lru_cache_keyed_per_call(story: Story) -> Hint | None:
    """A cache whose keys are made anew on each call (a closure, a lambda, a bound method).

    Precondition: the leaked objects are functions/cells/methods (what a key of
    that kind is made of), and the cache is not a method's (that is the next rule).
    """
    i = _lru_wrapper(story)
    if i < 0 or story.type not in _PER_CALL_KEYS or story.path.hops[i].kind == "class attribute":
        return None
    name = _text_upto(story, i + 1)
    return Hint(
        "lru-cache-keyed-per-call",
        f"functools.lru_cache/cache on {name} is called with a {_short(story.type)} made anew on every "
        f"call, so each call adds an entry that keeps it alive ({story.count} so far){_where(story)}: "
        "pass a value that is the same from call to call (a module-level function, a name, an id), "
        "or give the cache a maxsize.",
    )


def lru_cache_on_method(story: Story) -> Hint | None:
    i = _lru_wrapper(story)
    if i < 0:
        return None
    hops = story.path.hops
    # A method's cache is reached through its class: Class.method is the wrapper.
    through_class = hops[i].kind == "class attribute" or (
        story.path.root.kind == "class attribute" and any(h.type == "type" for h in hops[:i])
    )
    if not through_class:
        return None
    name = _text_upto(story, i + 1)
    return Hint(
        "lru-cache-on-method",
        f"functools.lru_cache/cache on {name} keys its cache by `self`, so it keeps every "
        f"{_short(story.type)} alive{_where(story)}: cache a function of the arguments only (a module "
        "function or staticmethod), or give each instance its own cache in __init__ "
        "(self.method = functools.lru_cache()(self._method)).",
    )


_RECEIVER_ATTRS = (
    "receivers",
    "_receivers",
    "listeners",
    "_listeners",
    "handlers",
    "_handlers",
    "callbacks",
    "_callbacks",
    "subscribers",
    "_subscribers",
    "observers",
    "_observers",
)


def signal_receivers(story: Story) -> Hint | None:
    """Receivers connected to a signal or event and never disconnected (blinker, Django, ...).

    Precondition: the path goes through a receivers-like attribute of an object
    whose class is a signal, event, emitter or dispatcher.
    """
    hops = story.path.hops
    for i, h in enumerate(hops):
        if h.kind != "attribute" or h.name not in _RECEIVER_ATTRS or i < 1:
            continue
        owner = hops[i - 1] if hops[i - 1].kind != "own dict" or i < 2 else hops[i - 2]
        kind = owner.type.lower()
        if not any(w in kind for w in ("signal", "event", "emitter", "dispatch")):
            continue
        sig = _text_upto(story, i)
        if owner.type.startswith("blinker."):
            how = (
                f"{sig}.connect(receiver, weak=False) per call is never disconnected: connect once at "
                f"start-up, or call {sig}.disconnect(receiver) when it is done, or connect with weak=True "
                "(the default) so a receiver goes away with its object"
            )
        elif owner.type.startswith("django."):
            how = (
                f"{sig}.connect(receiver, weak=False) per call is never disconnected: connect once (in "
                f"AppConfig.ready, with dispatch_uid=...), or call {sig}.disconnect(receiver) when done"
            )
        else:
            how = (
                f"receivers are added to {sig} and never removed: remove each when its owner is done, "
                "or keep weak references to them (weakref.WeakMethod)"
            )
        return Hint(
            "signal-receivers",
            f"{sig} keeps every receiver connected to it, and each keeps its {_short(story.type)} alive "
            f"({story.count} so far){_where(story)}: {how}.",
        )
    return None


def context_var_per_call(story: Story) -> Hint | None:
    if story.type not in ("_contextvars.ContextVar", "ContextVar"):  # (no module prefix before 3.10)
        return None
    return Hint(
        "context-var-per-call",
        f"{story.count} ContextVar objects are created and kept{_where(story)}: a contextvars.ContextVar "
        "is meant to be created once, at module level; every context that set it keeps it. Create it "
        "once and call .set()/.reset() per request.",
    )


def orm_session(story: Story) -> Hint | None:
    """A long-lived ORM session keeping every object added or loaded (SQLAlchemy)."""
    types = _hop_types(story)
    is_session = [t.startswith("sqlalchemy.orm.") and t.endswith("Session") for t in types]
    at = is_session.index(True) if True in is_session else -1
    if at < 0:
        return None
    sess = _text_upto(story, at + 1)
    return Hint(
        "orm-session-holds-objects",
        f"the SQLAlchemy session {sess} keeps every {_short(story.type)} added to it or loaded through it "
        f"({story.count} so far){_where(story)}: use one session per unit of work "
        "(`with Session(engine) as session:` per request), and commit/close it, or call "
        "session.expunge_all() when done.",
    )


def weakref_finalize_registry(story: Story) -> Hint | None:
    if story.path.root.name != "weakref.finalize._registry" and "weakref.finalize" not in _hop_types(story):
        return None
    return Hint(
        "finalize-args-keep-object",
        f"weakref.finalize keeps its callback and arguments until the object dies ({story.count} "
        f"{_short(story.type)}){_where(story)}: if the callback or an argument refers to the object (a "
        "bound method of it, the object itself), it never dies. Pass only what the clean-up needs, or "
        "call the finalizer's detach() when done.",
    )


def reraised_stored_exception(story: Story) -> Hint | None:
    """One stored exception raised again and again: each raise adds a traceback entry."""
    # Tracebacks (not the exception objects) grow: one exception, raised again and again.
    # (Stored exceptions are the leak themselves, their tracebacks folded into them.)
    if story.type not in ("traceback", "frame"):
        return None
    tb = _find(story, "attribute", "__traceback__")
    if tb < 1:
        return None
    holder = _text_upto(story, tb, general=True)
    return Hint(
        "re-raised-stored-exception",
        f"the exception {holder} is raised again every time, and each raise adds a traceback entry "
        f"that keeps a frame alive ({story.count} {_short(story.type)}): raise a new exception each time "
        "(raise Error(...) from stored), or raise stored.with_traceback(None).",
    )


def thread_local_never_cleared(story: Story) -> Hint | None:
    types = _hop_types(story)
    at = next((i for i, t in enumerate(types) if t in ("_thread._local", "_threading_local.local")), -1)
    if at < 0:
        return None
    local = _text_upto(story, at + 1)
    return Hint(
        "thread-local-never-cleared",
        f"{local} is a threading.local: what a thread stores there lives as long as the thread, and a "
        f"pool's threads never end ({story.count} {_short(story.type)}){_where(story)}: delete the "
        "attribute when the request ends (del local.x, in a finally), or use a contextvars.ContextVar.",
    )


def warning_registry_per_message(story: Story) -> Hint | None:
    at = _find(story, "module global", "__warningregistry__")
    if at < 0:
        at = _find(story, "attribute", "__warningregistry__")
    if at < 0:
        return None
    registry = _text_upto(story, at + 1)
    return Hint(
        "warning-registry-per-message",
        f"{registry} keeps one entry per distinct warning text ({story.count} so far){_where(story)}: "
        "keep the message constant and put the changing data elsewhere (a log record), or issue it "
        "with warnings.simplefilter('ignore') / a filter that does not record it.",
    )


def logging_handler_per_call(story: Story) -> Hint | None:
    at = _find(story, "attribute", "handlers")
    types = _hop_types(story)
    if at < 1 or not any(t in ("logging.Logger", "logging.RootLogger") for t in types[:at]):
        return None
    logger = _text_upto(story, at)
    return Hint(
        "logging-handler-per-call",
        f"a handler is added to {logger} on every call and never removed ({story.count} "
        f"{_short(story.type)} so far){_where(story)}: configure handlers once at start-up, or check "
        "logger.handlers before addHandler(), and removeHandler() what a call added.",
    )


def asyncio_timer_handle(story: Story) -> Hint | None:
    types = _hop_types(story)
    handles = ("asyncio.events.TimerHandle", "asyncio.events.Handle")
    at = next((i for i, t in enumerate(types) if t in handles), -1)
    if at < 0:
        return None
    return Hint(
        "asyncio-timer-handle",
        f"the event loop keeps a scheduled callback for each {_short(story.type)} ({story.count} so "
        f"far){_where(story)}: keep the handle loop.call_later() returns and call handle.cancel() "
        "when the object is done (and stop rescheduling).",
    )


def sqlalchemy_listener_per_call(story: Story) -> Hint | None:
    types = _hop_types(story)
    if not any(t.startswith("sqlalchemy.event.") for t in types):
        return None
    return Hint(
        "sqlalchemy-listener-per-call",
        f"an event listener is attached with sqlalchemy.event.listen() on every call and never removed "
        f"({story.count} {_short(story.type)} so far){_where(story)}: listen once per process (check "
        "event.contains(target, name, fn) first), or event.remove() what the call attached.",
    )


def mock_records_calls(story: Story) -> Hint | None:
    if not story.type.startswith("unittest.mock.") and not any(
        t.startswith("unittest.mock.") for t in _hop_types(story)
    ):
        return None
    recorded = ("_mock_mock_calls", "_mock_call_args_list", "_mock_method_calls")
    if not any(_find(story, "attribute", name) >= 0 for name in recorded):
        return None
    return Hint(
        "mock-records-calls",
        f"{story.path.root.name} is a long-lived Mock: it records every call made to it (mock_calls, "
        f"call_args_list; {story.count} so far){_where(story)}: create the mock per test, or call "
        "mock.reset_mock() between uses.",
    )


def debug_mode_query_log(story: Story) -> Hint | None:
    """A framework's debug-mode log of every query (Django's DEBUG=True connection.queries_log)."""
    at = _find(story, "attribute", "queries_log")
    if at < 1:
        return None
    log = _text_upto(story, at + 1)
    return Hint(
        "debug-mode-query-log",
        f"{log} is Django's debug-mode query log: with DEBUG=True each connection keeps the SQL it "
        f"ran, up to 9000 queries ({story.count} so far){_where(story)}: run workers and production "
        "with DEBUG=False, or call django.db.reset_queries() in long loops.",
    )


def asyncio_task_set(story: Story) -> Hint | None:
    types = _hop_types(story)
    if not story.type.endswith("Task") or len(types) < 2 or types[-2] not in ("set", "list"):
        return None
    holder = _holder(story)
    return Hint(
        "asyncio-task-set",
        f"{holder} keeps finished asyncio tasks: after adding a task, call "
        f"task.add_done_callback({holder}.discard) so it leaves the set when done.",
    )


def logger_per_request(story: Story) -> Hint | None:
    at = _find(story, "attribute", "loggerDict")
    if at < 1 or "logging.Manager" not in _hop_types(story)[:at]:
        return None
    return Hint(
        "logger-per-request",
        "logging.getLogger() with a new name per call creates a Logger the logging manager keeps "
        f"forever{_where(story)}: use one logger (logging.getLogger(__name__)) and pass per-request data "
        "with extra= or a logging.LoggerAdapter.",
    )


def weak_values_refer_to_keys(story: Story) -> Hint | None:
    types = _hop_types(story)
    if "weakref.WeakKeyDictionary" not in types:
        return None
    i = types.index("weakref.WeakKeyDictionary")
    holder = _text_upto(story, i + 1)
    return Hint(
        "weak-key-dict-values-refer-to-keys",
        f"{holder} is a WeakKeyDictionary, but its values refer back to their keys, so no key is "
        f"ever freed ({story.count} {_short(story.type)}){_where(story)}: store values that do not "
        "reference the key (keep only what you need, or a weakref.ref to the key).",
    )


def weak_key_registry(story: Story) -> Hint | None:
    if story.path.hops[-1].kind != "dict key":
        return None
    if story.path.root.kind not in ("class attribute", "module global"):
        return None
    holder = _holder(story)
    facts = story.facts
    t = _short(story.type)
    if facts.get("value_refers_to_key"):
        return Hint(
            "registry-value-refers-to-key",
            f"{holder} is keyed by {t} objects whose values refer back to their keys, so even a "
            "weakref.WeakKeyDictionary would keep them: remove each entry when its key is done, or "
            "store values that do not reference the key.",
        )
    if not facts.get("hashable", True):
        return None
    if not facts.get("weakrefable", True):
        if str(facts.get("type_file") or "").endswith(".py"):  # a class in Python source: it can be changed
            return Hint(
                "weak-key-registry",
                f"{holder} keeps every {t} as a key{_where(story)}: make it a "
                f"weakref.WeakKeyDictionary, after adding '__weakref__' to {t}.__slots__ so {t} "
                "objects can be weakly referenced.",
            )
        # A built-in or C type (a tuple, a str): no weak reference can be made to one.
        return Hint(
            "unweakrefable-key-registry",
            f"{holder} keeps every {t} as a key{_where(story)}, and {t} objects cannot be weakly "
            "referenced, so a WeakKeyDictionary is no way out: remove each entry when what it "
            "stands for is done, or bound the registry (functools.lru_cache(maxsize=...), an "
            "OrderedDict that evicts its oldest entries).",
        )
    return Hint(
        "weak-key-registry",
        f"{holder} keeps every {t} as a key{_where(story)}: make it a "
        "weakref.WeakKeyDictionary so entries go away with their keys, or remove them when done.",
    )


def second_index(story: Story) -> Hint | None:
    """A module-level dict still holds what another of the module's dicts dropped.

    The module's other dicts are facts the C analysis gathered in the process
    that owns the heap (the target, under attach), not this one's modules.
    """
    root = story.path.root
    types = _hop_types(story)
    if root.kind != "module global" or len(types) < 2 or types[-2] != "dict":
        return None
    # The index is the module's own dict (`by_id[k]`), not a dict deep inside
    # one of its objects (a router's tree under `app`: no second index there).
    if story.path.hops[-1].kind == "dict key" or story.path.hops[-2].kind != "module global":
        return None
    facts = story.facts
    modname, holder_name, others = facts.get("module"), facts.get("holder"), facts.get("module_dicts") or []
    if not modname or not holder_name or not others:
        return None
    holder = f"{modname}.{holder_name}"
    other = f"{modname}.{sorted(others)[0]}"
    return Hint(
        "second-index",
        f"{story.count} {_short(story.type)} objects are still in {holder}{_where(story)}; if they "
        f"were removed from another index such as {other}, remove them from {holder} too (delete from "
        f"every index together), or make {holder} a weakref.WeakValueDictionary.",
    )


def closure_capture(story: Story) -> Hint | None:
    at = _find(story, "closure")
    if at < 1:
        return None
    func = _text_upto(story, at, general=True)
    return Hint(
        "closure-capture",
        f"the closure {func} keeps a captured variable alive ({story.count} "
        f"{_short(story.type)}){_where(story)}: capture only what the function uses (pass small values "
        "in, or del the large local before defining the function).",
    )


def atexit_registration(story: Story) -> Hint | None:
    """Bound methods registered with atexit: seen through the atexit module on 3.9, through
    the interpreter's own callback list on 3.14+ (3.10-3.13 keep them in C: held_by_c)."""
    if story.path.root.name != "atexit" or story.path.root.kind not in ("module global", "held by C code"):
        return None
    return Hint(
        "atexit-registration",
        f"atexit keeps every function registered with it until the interpreter exits, and each bound "
        f"method keeps its {_short(story.type)} ({story.count} so far){_where(story)}: call "
        "atexit.unregister(obj.method) when the object is closed, or register one function for all of them "
        "that holds weak references.",
    )


def subclass_registry(story: Story) -> Hint | None:
    """Entries of a class's __subclasses__() registry: there because the subclasses are."""
    k = next((i for i, h in enumerate(story.path.hops) if h.name == "__subclasses__()"), -1)
    if k < 0:
        return None
    base = _text_upto(story, k) or story.path.root.name
    return Hint(
        "subclass-registry",
        f"{story.count} {_short(story.type)} are entries of {base}'s subclass registry: CPython keeps "
        "on each class a weak reference to each of its subclasses, keyed by id(), until the subclass "
        "is freed. They are there because the subclasses are: free the classes that leak (above; a "
        "class made per call, such as a model created at run time, is the usual cause) and these go "
        "with them.",
    )


def held_by_c(story: Story) -> Hint | None:
    root = story.path.root
    if root.kind != "held by C code":
        return None
    name = root.name
    if story.path.hops and story.path.hops[0].type == "method":
        what = (
            "a bound method registered with C code (atexit.register, signal.signal, a C extension's callback)"
        )
        fix = "unregister it when done (atexit.unregister), or register a function that holds a weakref"
    else:
        what = f"{name}, referenced only from C code (an extension's state, a C callback registry)"
        fix = "find where it was registered with the C API and release it there"
    return Hint("held-by-c-code", f"{story.count} {_short(story.type)} are kept by {what}: {fix}.")


def unclosed_resource(story: Story) -> Hint | None:
    if story.type not in RESOURCE_TYPES:
        return None
    return Hint(
        "unclosed-resource",
        f"{story.count} open {_short(story.type)} objects are kept by {_holder(story)}"
        f"{_where(story)} and never closed: close them when done (`with open(...) as f:`, or "
        "f.close() in a finally) and drop them from the container.",
    )


def unbounded_container(story: Story) -> Hint | None:
    root = story.path.root
    types = _hop_types(story)
    if root.kind not in ("module global", "class attribute") or len(types) < 2:
        return None
    if types[-2] not in ("list", "dict", "set", "collections.deque", "collections.OrderedDict"):
        return None
    # The container must be one the user's code names: not a C object's internal list (a
    # sqlite3 connection's statement list), reached by a reference no attribute names.
    if story.path.hops[-2].kind in ("C reference", "unknown"):
        return None
    holder = _holder(story)
    return Hint(
        "unbounded-container",
        f"{holder} grows by {_short(story.type)} objects without bound{_where(story)}: remove "
        "entries when they are done, or use a bounded structure (functools.lru_cache(maxsize=...), "
        "collections.deque(maxlen=...), an OrderedDict that evicts its oldest entries).",
    )


RULES: list[Callable[[Story], Hint | None]] = [
    subclass_registry,  # first: its keys and values are the interpreter's, whatever holds the class
    reraised_stored_exception,
    traceback_frames,
    lru_cache_keyed_per_call,
    lru_cache_on_method,
    signal_receivers,
    context_var_per_call,
    orm_session,
    weakref_finalize_registry,
    atexit_registration,  # before bound-method callbacks: atexit's list is the interpreter's
    debug_mode_query_log,  # before thread-locals: Django's connections are thread-local
    thread_local_never_cleared,
    warning_registry_per_message,
    logging_handler_per_call,
    asyncio_timer_handle,
    sqlalchemy_listener_per_call,
    mock_records_calls,
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
