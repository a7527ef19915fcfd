"""Growth and the repetition rule: leak, no leak, grew-then-flattened."""

import functools
import gc

import pytest

import heapscope
from heapscope.report import verdicts

_registry = []


class Leaky:
    pass


def leaks():
    _registry.append(Leaky())


def clean():
    x = [Leaky() for _ in range(10)]
    return len(x)


class Entry:
    pass


@functools.lru_cache(maxsize=3)
def cached(n):
    return Entry()


_counter = iter(range(10**9))


def fills_cache():
    cached(next(_counter) % 6)


def test_leak_is_found():
    report = heapscope.check(leaks, runs=4, warmup=1)
    leak = report.leak(f"{__name__}.Leaky")
    assert report.leaked and leak is not None
    assert leak.per_run == [1, 1, 1, 1]
    assert leak.to_dict()["root"] == {"kind": "module global", "name": f"{__name__}._registry"}
    assert leak.to_dict()["path_text"] == f"{__name__}._registry[i]"
    assert leak.stories[0].count == 4


def test_no_leak():
    report = heapscope.check(clean, runs=4, warmup=1)
    assert not report.leaked, str(report)


def test_cache_filling_is_flattened_not_a_leak():
    gc.collect()
    report = heapscope.check(fills_cache, runs=6, warmup=0)
    assert not report.leak(f"{__name__}.Entry")
    assert any(f.type == f"{__name__}.Entry" for f in report.flattened), str(report)


def test_verdict_rules_on_series():
    series = [
        ("A", [0, 1, 2, 3], [0, 8, 16, 24]),  # every run: leak
        ("B", [0, 2, 2, 2], [0, 16, 16, 16]),  # grew then flat
        ("C", [5, 5, 5, 5], [40, 48, 48, 48]),  # size only
        ("D", [0, 1, 1, 2], [0, 8, 8, 16]),  # irregular, still growing: neither
    ]
    r = verdicts(series, runs=3, warmup=0)
    assert [x.type for x in r.leaks] == ["A"]
    assert [x.type for x in r.flattened] == ["B"]
    assert {g.type for g in r.growth} == {"A", "B", "C", "D"}


def test_check_arguments_and_exceptions():
    with pytest.raises(ValueError):
        heapscope.check(clean, runs=1)

    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        heapscope.check(boom)


def test_growth_like_show_growth():
    heapscope.growth()
    keep = [Leaky() for _ in range(7)]
    rows = heapscope.growth()
    row = next(r for r in rows if r.type == f"{__name__}.Leaky")
    assert row.delta == 7
    assert heapscope.growth() == [] or all(
        r.type != f"{__name__}.Leaky" for r in heapscope.growth()
    )
    del keep


def test_report_json_matches_schema():
    import json
    import os

    jsonschema = pytest.importorskip("jsonschema")
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "..", "docs", "report.schema.json")) as f:
        schema = json.load(f)
    report = heapscope.check(leaks, runs=3, warmup=1)
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), schema)
    assert report.to_dict()["verdict"] == "leak"


def test_heapscope_own_objects_never_show_in_a_leak():
    # The list analyze() was called with once showed as a leaked list "held by
    # C code", allocated in heapscope/graph.py (found on a blinker leak).
    import os

    pkg = os.path.dirname(os.path.abspath(heapscope.__file__))
    keep = []

    def step():
        keep.append([1, 2])

    report = heapscope.check(step, runs=3, warmup=1, trace=True)
    leak = next(x for x in report.leaks if x.type == "list")
    sites = [s.file for story in leak.stories for s in (story.allocated_at or [])]
    assert sites and not any(f.startswith(pkg) for f in sites), sites
    assert sum(story.count for story in leak.stories) == 3, [s.to_dict() for s in leak.stories]


class Job:
    """Made before the runs, with a cycle through itself, consumed one per run."""

    def __init__(self):
        self.me = self
        self.results = []


class Payload:
    pass


def test_the_heap_frozen_for_the_runs_is_thawed_and_its_garbage_decides_nothing():
    # check freezes the heap that exists before its runs (gc.freeze), so the
    # collections between runs look only at new objects.  A Job from before
    # the runs that becomes cyclic garbage in one is then not collected, and
    # keeps the Payloads made in that run: growth every run, yet no leak.
    # One full collection after the runs sees it, and check measures again
    # unfrozen.
    jobs = [Job() for _ in range(40)]

    def consume():
        job = jobs.pop()
        job.results.extend(Payload() for _ in range(3))

    before = gc.get_freeze_count()  # 0, but 3.12 starts with some (then check freezes nothing)
    report = heapscope.check(consume, runs=5, warmup=1)
    assert not report.leaked, str(report)
    assert gc.get_freeze_count() == before  # thawed
    # ... and thawed when the function raises.
    with pytest.raises(IndexError):
        heapscope.check(lambda: [].pop(), runs=2, warmup=0)
    assert gc.get_freeze_count() == before


def test_a_heap_the_program_froze_stays_frozen_and_leaks_are_still_found():
    gc.collect()
    gc.freeze()  # as a pre-fork server does once its app is loaded
    try:
        frozen = gc.get_freeze_count()
        report = heapscope.check(leaks, runs=4, warmup=1)
        assert report.leak(f"{__name__}.Leaky").per_run == [1, 1, 1, 1]
        assert gc.get_freeze_count() >= frozen  # check thawed none of the program's frozen objects
    finally:
        gc.unfreeze()
