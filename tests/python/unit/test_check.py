"""Growth and the repetition rule: leak, no leak, grew-then-flattened."""

import functools
import gc
import json
import subprocess
import sys

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


_by_name = {"sessions": [], "a": [], "b": []}
_turn = iter(range(10**9))


class Session:
    pass


class Split:
    pass


def leaks_under_one_key():
    _by_name["sessions"].append(Session())


def leaks_under_two_keys():
    _by_name["ab"[next(_turn) % 2]].append(Split())


def test_a_story_names_the_hops_every_member_shares():
    # One list under one key: the key is the same edge for all, so it reads
    # exactly; the list's items differ, so their index stays general.
    leak = heapscope.check(leaks_under_one_key, runs=4, warmup=1).leak(f"{__name__}.Session")
    assert leak is not None and leak.stories[0].count == 4
    assert leak.to_dict()["path_text"] == f"{__name__}._by_name['sessions'][i]"
    # Two lists under two keys, one shape: only the dict is common, so the key
    # stays general.
    leak = heapscope.check(leaks_under_two_keys, runs=4, warmup=1).leak(f"{__name__}.Split")
    assert leak is not None and sum(st.count for st in leak.stories) == 4
    assert [st.path.general_text for st in leak.stories] == [f"{__name__}._by_name[<str>][i]"]


class Rule:
    def __init__(self, i):
        self.i = i


class App:
    def __init__(self):
        self.rules = [Rule(i) for i in range(3)]


class Receiver:
    def __init__(self):
        self.app = App()


_receivers = []
_rule_index = []
_callbacks = {}


def connects_a_receiver():
    r = Receiver()
    _receivers.append(r)
    _rule_index.append(Rule(-1))  # Rules held another way too


def caches_a_lambda():
    key = (lambda: None,)  # a built-in container: what it holds keeps its own story
    _callbacks[key] = Receiver()


def test_types_reached_only_through_a_leaked_object_name_it_instead_of_repeating_its_story():
    report = heapscope.check(connects_a_receiver, runs=4, warmup=1)
    receiver, app, rule = (report.leak(f"{__name__}.{t}") for t in ("Receiver", "App", "Rule"))
    assert receiver is not None and app is not None and rule is not None, str(report)
    assert receiver.held_through is None and receiver.hint is not None
    assert app.held_through == f"{__name__}.Receiver"  # the receiver's leak is the one to fix
    assert app.to_dict()["held_through"] == f"{__name__}.Receiver" and app.stories  # kept in JSON
    # The Rules: 12 inside the receivers' apps, 4 in the second index, which stays a story of its own.
    assert rule.held_through is None
    assert sorted((st.count, st.held_through) for st in rule.stories) == [
        (4, None),
        (12, f"{__name__}.Receiver"),
    ]
    text = str(report)
    assert text.startswith("LEAK"), text
    assert f"{__name__}.App: {app.count} objects (+1 per run," in text
    assert f"retained), held through the leaked {__name__}.Receiver objects above" in text
    assert f"12 more held through the leaked {__name__}.Receiver objects\n" in text
    assert f"{__name__}._rule_index[i]" in text and f"{__name__}._receivers[i]" in text
    assert text.count("Fix:") < len(report.leaks), text  # not one fix per type any more
    # The receiver's story comes first: the rest point to it.
    assert text.index(f"  {__name__}.Receiver:") < text.index(f"  {__name__}.Rule:")
    assert text.index(f"  {__name__}.Rule:") < text.index(f"  {__name__}.App:")


def test_a_builtin_container_does_not_hide_what_it_holds():
    report = heapscope.check(caches_a_lambda, runs=4, warmup=1)
    func = report.leak("function")
    assert func is not None and func.held_through is None, str(report)
    assert all(st.held_through is None for st in func.stories)


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
    assert heapscope.growth() == [] or all(r.type != f"{__name__}.Leaky" for r in heapscope.growth())
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


def test_heapscope_own_names_and_records_never_show_in_a_fresh_process(tmp_path):
    # Found on a jinja2 template cache: the leaked types' names that check
    # made after its baseline showed as new str objects "held by the
    # interpreter", allocated in heapscope/api.py, and the record classes'
    # __init__, compiled on their first use during the runs, as functions
    # and code "held by class attribute heapscope.Report.__init__".  Both
    # happen once per process: `heapscope check`, as a user runs it.
    import os

    (tmp_path / "gen.py").write_text(
        "keep = []\n"
        "def step():\n"
        "    ns = {}\n"
        "    exec('def generated():\\n    return 1\\n', ns)\n"
        "    keep.append(ns['generated'])\n"
        "    keep.append(''.join(['name-', str(len(keep))]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-m", "heapscope", "check", "gen.py:step", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stderr[-500:]
    doc = json.loads(r.stdout)
    pkg = os.path.dirname(os.path.abspath(heapscope.__file__))
    assert {"function", "str"} <= {leak["type"] for leak in doc["leaks"]}, doc["leaks"]
    for leak in doc["leaks"]:
        for st in leak.get("stories") or []:
            where = (leak["type"], st["root"]["kind"], st["path_text"])
            assert st["root"]["kind"] != "interpreter" and "heapscope." not in st["root"]["name"], where
            assert not any(s["file"].startswith(pkg) for s in st.get("allocated_at") or []), where


class KindBase:
    pass


def test_a_leak_of_classes_names_the_subclass_registry_not_c_code():
    # A class made per call and kept (pydantic's create_model per request)
    # also grows its base's registry of subclasses, weak references keyed
    # by id(): their story is that registry's, and the fix is the classes'.
    kinds = {}

    def step():
        kinds[len(kinds)] = type(f"Kind{len(kinds)}", (KindBase,), {})

    report = heapscope.check(step, runs=3, warmup=1)
    refs = next(x for x in report.leaks if x.type in ("weakref.ReferenceType", "weakref"))  # 3.9: "weakref"
    story = next(st for st in refs.stories if st.path.root.name == f"{__name__}.KindBase")
    assert story.path.general_text.endswith("KindBase.__subclasses__()[<int>]"), story.path.general_text
    assert story.hint is not None and story.hint.id == "subclass-registry", story.hint
    from_c = [
        (lk.type, st.path.text)
        for lk in report.leaks
        for st in lk.stories
        if st.path.root.kind == "held by C code"
    ]
    assert not from_c, from_c


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


def test_what_only_a_running_frame_s_code_holds_is_not_born_in_the_runs():
    # Before 3.11 the analysis lists the running frames (for their locals),
    # which no census does: the constants of code that only a running frame
    # holds (an exec'd module, as pytest-xdist runs its worker) were in the
    # graph and in no census, so they read as born during the runs, with
    # stories through "<frame <module>> -> <code>.co_consts" (3.10).
    keep: list[object] = []

    def step():
        keep.append((object(), len(keep)))

    src = (
        "def inner():\n"
        "    return heapscope.check(step, runs=3, warmup=1)\n"
        "MARKS = [('a constant only this code holds', 1), ('another', 2), ('and', 'more')]\n"
        "report = inner()\n"
    )
    ns: dict[str, object] = {"heapscope": heapscope, "step": step}
    exec(compile(src, "<exec'd module>", "exec"), ns)
    report = ns["report"]
    assert isinstance(report, heapscope.Report)
    tuples = next(lk for lk in report.leaks if lk.type == "tuple")
    paths = [st.path.text for st in tuples.stories]
    # one story: the closure's list (a cell of this test's frame)
    assert paths and not any("co_" in p or "<code>" in p for p in paths), paths
    assert all(p.endswith("cell_contents[<int>]") or "cell_contents[" in p for p in paths), paths
