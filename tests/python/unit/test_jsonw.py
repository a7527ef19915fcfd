"""The C JSON writer the attach agent and snapshot files use (issue #12's one pipeline)."""

import json
import math

import pytest

from heapscope import _heapscope
from heapscope.attach import agent


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**70),
        3.25,
        "plain",
        'quote " and \\ and \n and \x01 and é and 𝄞',
        [1, [2, (3, {"a": None})]],
        {"n": 1, 7: "int key"},
        {"nested": {"deep": [{"x": 1.5e-300}]}},
    ],
)
def test_round_trips_like_the_agents_python_writer(value):
    text = _heapscope.json_dumps(value)
    assert json.loads(text) == json.loads(json.dumps(value))
    assert json.loads(text) == json.loads(agent._json(value))


def test_non_finite_numbers_are_null():
    assert json.loads(_heapscope.json_dumps([math.nan, math.inf, -math.inf])) == [None, None, None]


def test_lone_surrogates_survive():
    assert "\\udc80" in json.loads(_heapscope.json_dumps("a\udc80b"))


@pytest.mark.parametrize("value", [object(), {(1, 2): 3}, type("S", (str,), {})("x"), {1.5: 2}])
def test_anything_else_is_refused_without_running_its_code(value):
    with pytest.raises(TypeError):
        _heapscope.json_dumps(value)


def test_too_deep_is_refused():
    deep: list = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError):
        _heapscope.json_dumps(deep)


def test_snapshot_files_carry_the_standard_metadata(tmp_path):
    import os
    import sys

    from heapscope import snapfile

    path = str(tmp_path / "m.hsnap")
    snapfile.write(snapfile.take(top=1), path)
    meta = snapfile.load(path).meta
    assert meta["pid"] == str(os.getpid())
    assert meta["python"] == sys.version.split()[0] and meta["implementation"] == "CPython"
    assert meta["heapscope"] and meta["time"][:2] == "20" and "argv" in meta
