"""Fix hints on real leaking programs, and near misses that must not get them."""

import os
import sys

import pytest

import heapscope

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import class_registry  # noqa: E402
import class_registry_fixed  # noqa: E402
import leak_shapes as ls  # noqa: E402
import second_index  # noqa: E402
import unclosed_files  # noqa: E402


def hints(step):
    report = heapscope.check(step, runs=4, warmup=2, trace=True)
    return report, {leak.type: (leak.hint.id if leak.hint else None) for leak in report.leaks}


@pytest.mark.parametrize(
    "step, leaked_type, hint_id, words",
    [
        (class_registry.step, "class_registry.ClassA", "weak-key-registry", "weakref.WeakKeyDictionary"),
        (second_index.step, "second_index.Member", "second-index", "second_index.members"),
        (ls.callbacks_step, "leak_shapes.Widget", "bound-method-callbacks", "WeakMethod"),
        (ls.lru_method_step, "leak_shapes.PriceService", "lru-cache-on-method", "self"),
        (ls.exceptions_step, "leak_shapes.Payload", "stored-exception-traceback", "clear_frames"),
        (ls.closure_step, "leak_shapes.Big", "closure-capture", "leak_shapes.HANDLERS[i]"),
        (ls.logger_step, "logging.Logger", "logger-per-request", "LoggerAdapter"),
        (ls.tasks_step, "_asyncio.Task", "asyncio-task-set", "add_done_callback(leak_shapes.TASKS.discard)"),
        (ls.weak_backref_step, "leak_shapes.Node", "weak-key-dict-values-refer-to-keys", "refer back"),
        (unclosed_files.step, "_io.TextIOWrapper", "unclosed-resource", "unclosed_files._open_logs"),
        (ls.cache_step, "leak_shapes.Result", "unbounded-container", "deque(maxlen=...)"),
    ],
)
def test_leak_shapes_get_their_fix(step, leaked_type, hint_id, words):
    report, ids = hints(step)
    assert ids.get(leaked_type) == hint_id, (ids, str(report))
    leak = report.leak(leaked_type)
    assert words in leak.hint.text
    assert "Fix: " in str(report)


@pytest.mark.parametrize(
    "step",
    [
        class_registry_fixed.step,
        ls.callbacks_fixed_step,
        ls.lru_function_step,
        ls.exceptions_fixed_step,
        ls.logger_fixed_step,
        ls.tasks_fixed_step,
        ls.closure_fixed_step,
    ],
)
def test_near_misses_are_not_leaks(step):
    report, ids = hints(step)
    assert not report.leaked, str(report)


def test_weak_key_hint_needs_a_weakrefable_key():
    # a plain registry keyed by instances gets the WeakKeyDictionary hint...
    _, ids = hints(ls.plain_registry_step)
    assert ids["leak_shapes.Node"] == "weak-key-registry"
    # ...but not when the values refer back to the keys: then it says why not
    report, ids = hints(ls.weak_backref_step)
    assert "WeakKeyDictionary" in report.leak("leak_shapes.Node").hint.text
    assert "make it a" not in report.leak("leak_shapes.Node").hint.text


def test_allocation_site_named_in_hint():
    report, _ = hints(class_registry.step)
    leak = report.leak("class_registry.ClassA")
    site = leak.allocated_at[0]
    assert site.file.endswith("class_registry.py") and site.count == 4
    with open(site.file) as f:
        assert "ClassA()" in f.readlines()[site.line - 1]
    assert f"class_registry.py:{site.line}" in leak.hint.text


def test_without_tracing_the_report_says_how_to_get_sites():
    report = heapscope.check(class_registry.step, runs=3, trace=False)
    assert report.leak("class_registry.ClassA").allocated_at is None
    assert "tracing was off" in str(report)


def test_unclosed_census_and_collected_unclosed():
    import gc
    import tracemalloc

    tracemalloc.start(3)
    try:
        f = open(os.devnull)  # noqa: SIM115 (kept open on purpose)
        found = heapscope.unclosed()
        assert any(s.type == "_io.TextIOWrapper" and s.path.root.frame for s in found)
        f.close()
        after = heapscope.unclosed()
        assert not any(s.type == "_io.TextIOWrapper" and s.path.root.frame for s in after)

        def drops_open_file():
            open(os.devnull)  # noqa: SIM115 (collected unclosed: ResourceWarning)
            gc.collect()

        report = heapscope.check(drops_open_file, runs=3, warmup=1)
        collected = report.collected_unclosed
        assert collected is not None
        assert collected[0].count >= 3 and "unclosed file" in collected[0].message
        assert collected[0].file.endswith("test_hints.py")
    finally:
        tracemalloc.stop()


class Buffer:
    def __init__(self):
        self.blob = bytearray()


BUFFER = Buffer()


def grows_in_place():
    BUFFER.blob.extend(b"x" * 1_000_000)  # no new object: no type grows in count


def test_leak_suspects_when_no_type_grows():
    report = heapscope.check(grows_in_place, runs=3, warmup=1, suspects=True)
    assert not report.leaked
    top = report.suspects[0]
    assert top.path.text in (f"{__name__}.BUFFER", f"{__name__}.BUFFER.blob")
    assert top.delta >= 3 * 1_000_000
    assert "leak suspects" in str(report)


def test_held_by_c_code_names_the_bound_method():
    import atexit
    import sys as _sys

    if _sys.version_info < (3, 10):
        pytest.skip("3.9's atexit shows its callbacks to the collector: a module global, not C")
    try:
        report, ids = hints(ls.atexit_step)
        allowed = ("held-by-c-code", "bound-method-callbacks", "atexit-registration")  # the last: 3.14+
        assert ids["leak_shapes.Connection"] in allowed
        text = report.leak("leak_shapes.Connection").hint.text
        assert "atexit" in text
    finally:
        import gc

        for obj in gc.get_objects():
            if type(obj) is ls.Connection:
                atexit.unregister(obj.close)


def test_unclosed_after_a_baseline_tells_only_what_was_opened_since():
    from heapscope import _heapscope

    old = open(os.devnull)  # noqa: SIM115 (kept open on purpose)
    base = _heapscope.census(keep_addresses=True)
    try:
        # nothing opened since: no story, and no heap walk needed for it
        assert not [s for s in heapscope.unclosed(baseline=base) if s.type == "_io.TextIOWrapper"]
        new = open(os.devnull)  # noqa: SIM115
        try:
            found = [s for s in heapscope.unclosed(baseline=base) if s.type == "_io.TextIOWrapper"]
            assert sum(s.count for s in found) == 1
            everything = [s for s in heapscope.unclosed() if s.type == "_io.TextIOWrapper"]
            assert sum(s.count for s in everything) >= 2  # without the baseline, the old one too
        finally:
            new.close()
    finally:
        old.close()


class Slotted:
    __slots__ = ("n",)  # no '__weakref__': cannot be weakly referenced until it is added

    def __init__(self, n):
        self.n = n


SLOTTED_SEEN = {}
PAIRS_SEEN = {}
_calls = iter(range(10**9))


def slotted_registry_step():
    SLOTTED_SEEN[Slotted(next(_calls))] = True


def tuple_registry_step():
    n = next(_calls)
    PAIRS_SEEN[(f"user-{n}", n)] = True  # a built-in key: no __slots__ can make it weakly referenceable


def test_an_unweakrefable_key_gets_the_fix_its_type_allows():
    # A class in Python source can take '__weakref__' in its __slots__ ...
    report, ids = hints(slotted_registry_step)
    hint = report.leak(f"{__name__}.Slotted").hint
    assert hint.id == "weak-key-registry" and "'__weakref__' to Slotted.__slots__" in hint.text
    # ... a tuple cannot (SQLAlchemy's event registry is keyed by tuples): no such advice.
    report, ids = hints(tuple_registry_step)
    hint = report.leak("tuple").hint
    assert hint.id == "unweakrefable-key-registry", str(report)
    assert f"{__name__}.PAIRS_SEEN keeps every tuple as a key" in hint.text
    assert "__slots__" not in hint.text and "remove each entry" in hint.text
