"""Why is it alive: roots, labelled shortest paths, stories, dominators."""

import atexit
import gc
import os
import sys

import pytest

import heapscope
from heapscope import _heapscope
from heapscope.graph import HOP_KINDS, Path, Root, analyze


class Node:
    def __init__(self, payload=None):
        self.payload = payload


class Holder:
    registry = {}


GLOBAL_THING = Node()


def test_module_global():
    w = heapscope.why(GLOBAL_THING)
    assert w.path.root == Root("module global", f"{__name__}.GLOBAL_THING")
    assert w.path.text == f"{__name__}.GLOBAL_THING"


def test_class_attribute_dict_key():
    key = Node()
    Holder.registry[key] = "value"
    try:
        w = heapscope.why(key)
        assert w.path.root.kind == "class attribute"
        assert w.path.root.name == f"{__name__}.Holder.registry"
        assert w.path.general_text == f"{__name__}.Holder.registry[<Node> (key)]"
        assert w.path.text.startswith(f"{__name__}.Holder.registry[<Node at 0x")
    finally:
        Holder.registry.clear()


def test_a_dict_on_a_running_frames_evaluation_stack_is_still_named_by_its_class():
    # `Holder.registry[probe()] = 1` pushes the dict on this frame's evaluation
    # stack before probe() runs: no traversal sees that reference, so the dict
    # looks held by C code, one hop from the key; the class still explains it.
    key = Node()
    Holder.registry[key] = "value"
    seen = []

    def probe():
        seen.append(heapscope.why(key))
        return "probe"

    try:
        Holder.registry[probe()] = 1
        w = seen[0]
        assert w.path.root.kind == "class attribute"
        assert w.path.general_text == f"{__name__}.Holder.registry[<Node> (key)]"
    finally:
        Holder.registry.clear()


def test_local_variable_of_a_running_function():
    def inner():
        held_here = Node()
        container = [held_here]
        return heapscope.why(held_here), container

    w, _ = inner()
    frame = w.path.root.frame
    assert w.path.root.kind == "thread stack"
    assert frame is not None and frame.function == "inner"
    if sys.version_info >= (3, 11):  # the local itself is the root
        assert frame.local == "container"
        assert w.path.text == "container[0]"
    else:  # the frame object is the root; it holds the local
        assert w.path.text.endswith(" (local held_here)")
    assert "main thread" in str(w)


def test_held_by_c_code_atexit_bound_method():
    obj = Node()
    atexit.register(obj.__init__)  # a bound method only the atexit module's C state holds
    try:
        obj_id = id(obj)
        w = heapscope.why(obj)
        assert w.path.text.endswith(".__self__")
        if sys.version_info >= (3, 14):  # the interpreter's list of callbacks, named
            assert w.path.root == Root("held by C code", "atexit")
            assert w.path.text.startswith("atexit's callbacks[")
        elif sys.version_info >= (3, 10):
            assert w.path.root.kind == "held by C code"
            assert "method" in w.path.root.name
        else:  # 3.9's atexit module shows its callbacks to the collector
            assert w.path.root == Root("module global", "atexit")
        assert id(obj) == obj_id
    finally:
        atexit.unregister(obj.__init__)


def make_closure():
    captured = Node()

    def closure():
        return captured

    return closure, captured


CLOSURE, CAPTURED = None, None


def test_through_a_closure():
    global CLOSURE
    CLOSURE, captured = make_closure()
    try:
        w = heapscope.why(captured)
        assert w.path.text == f"{__name__}.CLOSURE.__closure__[0].cell_contents"
    finally:
        CLOSURE = None


STORED_ERRORS = []


def fails():
    big_local = Node("in a frame")  # noqa: F841 (the traceback keeps it)
    raise ValueError("boom")


def test_through_a_stored_exception_traceback():
    try:
        fails()
    except ValueError as exc:
        STORED_ERRORS.append(exc)
    frames_local = None
    for obj in gc.get_objects():
        if type(obj) is Node and obj.payload == "in a frame":
            frames_local = obj
    try:
        w = heapscope.why(frames_local)
        assert w.path.root.kind == "module global"
        assert ".__traceback__" in w.path.text
        assert ".tb_frame" in w.path.text
        # 3.11+: the frame of fails(); before, the running test's own frame
        # object (also in the traceback) is a shorter way to it.
        assert w.path.text.endswith((" (local big_local)", " (local frames_local)"))
    finally:
        STORED_ERRORS.clear()


def test_stories_group_many_objects_held_the_same_way():
    Holder.registry.clear()
    gc.collect()
    base = heapscope.census(keep_addresses=True)
    for _ in range(1000):
        Holder.registry[Node(bytearray(64))] = "x"
    gc.collect()
    snap = _heapscope.analyze(types=[f"{__name__}.Node"], baseline=base)
    leaks = snap.results()["leaks"]
    try:
        assert leaks["nstories"] == 1
        story = leaks["stories"][0]
        assert story["count"] == 1000
        path = Path.from_raw(story["path"])
        assert path.general_text == f"{__name__}.Holder.registry[<Node> (key)]"
        shown = [(h.kind, h.name) for h in path.hops if h.label is not None]
        assert shown == [
            ("root", None),
            ("module global", "Holder"),
            ("class attribute", "registry"),
            ("dict key", None),
        ]
        # each Node retains itself and its bytearray
        assert story["retained_size"] >= 1000 * (sys.getsizeof(Node()) + sys.getsizeof(bytearray(64)))
    finally:
        Holder.registry.clear()


def test_retained_size_and_top_retainers():
    global BIG
    BIG = Node([bytearray(1000) for _ in range(200)])
    try:
        w = heapscope.why(BIG)
        assert w.retained_size >= 200 * 1000
        tops = heapscope.top_retainers(100)  # (other test modules' big objects may come first)
        assert any(t.path.text == f"{__name__}.BIG" for t in tops), [t.path.text for t in tops]
        snap = heapscope.snapshot(top=5)
        assert abs(snap.retained_size(id(BIG)) - w.retained_size) <= w.retained_size // 100
        assert snap.path_types(id(BIG))[-1] == (f"{__name__}.Node", id(BIG))
        # (labelling a path may have given BIG a real __dict__ in between)
        assert snap.idom(id(BIG.payload)) in (id(BIG), id(vars(BIG)))
        stats = snap.stats()
        assert stats["objects"] > 1000 and stats["edges"] > stats["objects"] // 2
        assert stats["root_kinds"]["module global"] >= 1
    finally:
        BIG = None


def test_snapshot_holds_no_reference_to_the_heap():
    obj = Node()
    before = sys.getrefcount(obj)
    snap = heapscope.snapshot()
    assert sys.getrefcount(obj) == before
    assert snap.retained_size(id(obj)) > 0
    with pytest.raises(KeyError):
        snap.retained_size(1)


def test_why_does_not_leak_itself():
    report = heapscope.check(lambda: heapscope.why(GLOBAL_THING), runs=4, warmup=2, explain=False)
    assert not report.leaked, str(report)


def test_frame_locals_are_read_in_place_with_unbound_ones_beside():
    # 3.12+'s PyFrame_GetVar() formats a NameError for an unbound local with
    # %R, which runs signal handlers: heapscope reads the frame itself
    # (issue #11), checked against a live frame at import.
    assert _heapscope.FRAME_LOCALS_READ == 1

    class Held:
        pass

    def running():
        box = [Held()]
        w = heapscope.why(box[0])
        later = 1  # unbound while why() runs
        return w, later

    w, _ = running()
    if sys.version_info >= (3, 11):  # the local is the root
        assert w.path.root.frame is not None and w.path.root.frame.local == "box", w.path
        assert w.path.text == "box[0]", w.path
    else:  # the frame is an object that holds its locals
        assert w.path.text == "<frame running> (local box)[0]", w.path


def test_the_model_knows_every_hop_kind_the_analysis_makes():
    assert tuple(_heapscope.HOP_KINDS) == HOP_KINDS


def test_hops_say_how_each_object_is_held():
    class Box:
        def method(self):
            return self

    def make():
        secret = [Box()]

        def inner():
            return secret

        return inner

    holder = Box()
    holder.callbacks = {"k": make()}
    holder.bound = [Box().method]
    w = heapscope.why(holder.callbacks["k"].__closure__[0].cell_contents[0])
    shown = [(h.kind, h.name) for h in w.path.hops if h.label is not None]
    assert shown[-6:] == [
        ("attribute", "callbacks"),
        ("dict value", "k"),
        ("closure", "__closure__"),
        ("index", None),
        ("closure cell", "cell_contents"),
        ("index", None),
    ], w.path.hops
    if shown[:-6] == [("root", None)]:  # 3.11+: the frame's local is the root
        assert w.path.root.kind == "thread stack" and w.path.root.frame.local == "holder"
    else:  # before 3.11 the running frame is the root, and `holder` one of its locals
        assert shown[:-6] == [("root", None), ("frame local", "holder")], w.path.hops
    bound = heapscope.why(holder.bound[0].__self__)
    assert [h.kind for h in bound.path.hops][-3:] == ["attribute", "index", "bound self"], bound.path.hops


def test_why_on_a_kept_snapshot_reads_as_the_live_answer():
    holder = {"registry": [Node() for _ in range(3)]}
    live = heapscope.why(holder["registry"][1])
    snap = heapscope.snapshot()
    kept = heapscope.why(holder["registry"][1], snapshot=snap)
    # The same holder, the same hops; how the running frame itself is named may
    # differ (a frame object that exists by then, say, is the root of both).
    assert live.path.text.endswith("['registry'][1]") and kept.path.text.endswith("['registry'][1]")
    assert kept.path.root.kind == live.path.root.kind == "thread stack"
    if live.path.text == "holder['registry'][1]":  # the local itself is the root
        assert kept.path.text == live.path.text and kept.path.root.name == "holder"
    assert kept.type == live.type and kept.retained_size == live.retained_size
    # The snapshot's answer is as of when it was taken: a later object is not in it.
    later = Node()
    with pytest.raises(heapscope.HeapscopeError, match="not in this snapshot"):
        heapscope.why(later, snapshot=snap)
    del holder, later


# Objects made at run time (not constants of a code object), held only here.
LEAF_HOLDER = {"k": ("tuple of", "strs", "".join(["a str built at run time ", "held by a tuple"]))}


class IntHolder:
    values = [1, 2, int("7" * 40)]


def _why_cases():
    gc.collect()  # untracks the tuple of strs: the walk must go through it all the same
    assert not gc.is_tracked(LEAF_HOLDER["k"])
    return {
        "module global": (GLOBAL_THING, f"{__name__}.GLOBAL_THING"),
        "str in an untracked tuple": (LEAF_HOLDER["k"][2], f"{__name__}.LEAF_HOLDER['k'][2]"),
        "int in a class attribute": (IntHolder.values[2], f"{__name__}.IntHolder.values[2]"),
    }


@pytest.mark.parametrize("case", ["module global", "str in an untracked tuple", "int in a class attribute"])
def test_paths_alone_leave_out_leaves_and_answer_the_same(case):
    obj, text = _why_cases()[case]
    full = heapscope.why(obj)
    fast = heapscope.why(obj, dominators=False)
    assert full.path.text == fast.path.text == text
    assert full.path.root == fast.path.root
    assert fast.size == full.size == sys.getsizeof(obj)
    assert fast.retained_size == fast.size
    # The walk for paths alone has no node for what references nothing
    # (strs, ints, floats) beyond the object asked about.
    snap_full = analyze(objects=[obj], dominators=True)
    snap_fast = analyze(objects=[obj], dominators=False)
    assert snap_full.stats()["leaves_left_out"] is False
    assert snap_fast.stats()["leaves_left_out"] is True
    assert snap_fast.stats()["objects"] < snap_full.stats()["objects"] * 0.9
    assert snap_fast.stats()["objects"] >= len(gc.get_objects()) * 0.9


class _Payloads:
    def __init__(self):
        self.payload = [bytearray(100) for _ in range(50)]


class _PayloadRegistry:
    items = {i: _Payloads() for i in range(5)}


def test_a_snapshot_of_paths_alone_answers_paths_and_refuses_retained_sizes():
    # Without the leaves the graph lacks what they retain (the bytearrays
    # here): a retained size from it would be wrong, so none is given.
    obj = _PayloadRegistry.items[3]
    full = analyze(objects=[obj], dominators=True)
    fast = analyze(objects=[obj], dominators=False)
    assert full.retained_size(id(obj)) >= 50 * sys.getsizeof(bytearray(100))
    with pytest.raises(ValueError, match="no retained sizes; take heapscope.snapshot"):
        fast.retained_size(id(obj))
    with pytest.raises(ValueError, match="no retained sizes"):
        fast.top_retainers(5)
    again = fast.why(id(obj))  # a second question: the path, its own size for the retained one
    assert again["path"] == full.why(id(obj))["path"]
    assert again["retained_size"] == again["size"] == sys.getsizeof(obj)


def test_paths_alone_a_local_leaf():
    def inner():
        text = "".join(["local ", "text"])
        holder = (text, "other")
        return heapscope.why(text, dominators=False), holder

    w, _ = inner()
    assert w.path.root.kind == "thread stack"
    if sys.version_info >= (3, 11):
        assert w.path.text in ("text", "holder[0]")


GENERATED = None


def test_a_code_objects_constants_are_held_through_it(tmp_path):
    # A code object is not a GC type: no tp_traverse shows its references.
    # Its constants (a template's or a generated method's, compiled at run
    # time) were "held by C code"; they are held through the function.
    global GENERATED
    ns = {}
    exec(compile("def f():\n    return ('alpha', ('beta', 1.5))\n", "<generated>", "exec"), ns)
    GENERATED = ns["f"]
    consts = GENERATED.__code__.co_consts
    try:
        w = heapscope.why(consts)
        assert w.path.root == Root("module global", f"{__name__}.GENERATED")
        assert w.path.text == f"{__name__}.GENERATED.__code__.co_consts"
        # and offline: a snapshot file with its labels names the same field
        out = str(tmp_path / "code.hsnap")
        analyze(labels=True).save(out)
        from heapscope import snapfile

        offline = snapfile.load(out).snapshot.why(id(consts))
        assert [h["label"] for h in offline["path"]["hops"]][-2:] == [".__code__", ".co_consts"], offline
    finally:
        GENERATED = None


def _analyze_as_heapscope(types):
    # This file's frames count as heapscope's own (tool_dir), as check's do.
    here = os.path.dirname(os.path.abspath(__file__))
    return _heapscope.analyze(types=types, dominators=False, tool_dir=here)


def test_a_type_name_only_heapscope_holds_is_heapscope_s():
    # check asks analyze() about the leaked types by name; the list it copies
    # them into held a reference that no edge counted, so a name made after
    # the baseline (and held only by heapscope's report) was a root of its
    # own: "held by the interpreter", allocated in heapscope/api.py.
    name = "".join(["made", "-", "here"])
    held = [name]
    address = id(name)
    del name
    snap = _analyze_as_heapscope(list(held))
    assert snap.why(address)["path"]["root"]["kind"] == "heapscope"


class RegistryBase:
    pass


def test_a_class_s_subclass_registry_is_held_by_the_class():
    # CPython keeps on each class a dict of weak references to its subclasses
    # (__subclasses__()), which no traverse visits: its entries were "held by
    # C code" in every leak of classes made per call (pydantic's
    # create_model).  They are held by the base class.
    import weakref

    sub = type("Sub", (RegistryBase,), {})
    entry = next(r for r in weakref.getweakrefs(sub) if type(r) is weakref.ReferenceType)
    w = heapscope.why(entry)
    assert w.path.root == Root("module global", f"{__name__}.RegistryBase"), w.path
    assert w.path.general_text == f"{__name__}.RegistryBase.__subclasses__()[<int>]", w.path
    del sub, entry


class _Stale:
    pass


def _frame_dict(frame):
    # The locals dict a frame keeps, found without frame.f_locals (which
    # would refresh it); None when the frame keeps none.
    return next((r for r in gc.get_referents(frame) if type(r) is dict and "x" in r), None)


def _ask_about_the_stale_local(frame, out):
    # No local of this frame holds the object: the shortest path to it runs
    # from the running frame below through the dict it keeps.
    out.append(heapscope.why(_frame_dict(frame)["x"]))
    out.append(_frame_dict(frame))


def _hold_through_a_stale_locals_dict(out):
    x = _Stale()
    locals()  # the frame's locals dict now holds x too...
    del x  # ...and only it does
    _ask_about_the_stale_local(sys._getframe(), out)


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="before 3.11 a frame keeps the dict locals() made")
def test_a_report_never_rewrites_a_running_frame_s_locals():
    # Labelling a frame's edge through frame.f_locals refreshed the frame's
    # locals dict inside the raw-pointer window, and freed what a stale entry
    # held while the walk still pointed at it (a use-after-free ASan showed
    # in window_churn.py).  The dict is read as it is.
    out = []
    _hold_through_a_stale_locals_dict(out)
    why, kept = out
    assert kept is not None and type(kept["x"]) is _Stale, kept  # untouched: 'x' is still there
    assert why.path is not None and str(why).rstrip().endswith(".f_locals['x']"), str(why)
