"""heapscope._record against dataclasses: every record of the model (and of
the attach modules) behaves as ``dataclasses.dataclass`` of the same class
would: the same __init__ parameters and defaults, fresh factory defaults per
instance, equality, repr, hashing and, for the frozen ones, read-only fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from heapscope import _record, model
from heapscope.attach import preflight, session


def _records() -> list[type]:
    out = []
    for mod in (model, session, preflight):
        for value in vars(mod).values():
            mine = isinstance(value, type) and value.__module__ == mod.__name__
            if mine and "__record_fields__" in vars(value):
                out.append(value)
    return out


RECORDS = _records()


def _twin(cls: type) -> type:
    """The class as dataclasses would make it, from the same annotations and defaults."""
    ns: dict[str, object] = {"__annotations__": dict(vars(cls).get("__annotations__") or cls.__annotations__)}
    for name, default in cls.__record_defaults__.items():  # type: ignore[attr-defined]
        if isinstance(default, _record._Factory):
            ns[name] = dataclasses.field(default_factory=default.default_factory)
        else:
            ns[name] = default
    frozen = "__setattr__" in cls.__dict__
    return dataclasses.dataclass(frozen=frozen)(type(cls.__name__, (), ns))


def test_every_model_record_is_found() -> None:
    names = {c.__name__ for c in RECORDS}
    assert {"Report", "Story", "Hop", "Path", "Leak", "Frame", "Target", "Attached"} <= names, names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_record_matches_dataclass(cls: type) -> None:
    twin = _twin(cls)
    mine, theirs = inspect.signature(cls), inspect.signature(twin)
    assert list(mine.parameters) == list(theirs.parameters)
    for p, q in zip(mine.parameters.values(), theirs.parameters.values()):
        assert p.kind == q.kind
        assert (p.default is inspect.Parameter.empty) == (q.default is inspect.Parameter.empty), p.name
        if q.default is not inspect.Parameter.empty and not repr(q.default).startswith("<factory"):
            assert p.default == q.default, p.name
    names = list(theirs.parameters)
    required = [n for n in names if theirs.parameters[n].default is inspect.Parameter.empty]
    args = {n: f"v{i}" for i, n in enumerate(required)}
    a, b, t = cls(**args), cls(**args), twin(**args)
    for n in names:  # the same values, factory defaults made fresh per instance
        assert getattr(a, n) == getattr(t, n), n
        if isinstance(getattr(t, n), (list, dict)):
            assert getattr(a, n) is not getattr(b, n), n
    assert a == b and not (a != b)
    assert repr(a) == repr(t).replace(twin.__qualname__, cls.__qualname__, 1)
    assert cls.__match_args__ == getattr(twin, "__match_args__", cls.__match_args__)  # 3.10+ dataclasses
    if required:
        c = cls(**{**args, required[0]: "other"})
        assert a != c
    assert (a == t) is False  # another class: not equal, as dataclasses
    frozen = "__setattr__" in cls.__dict__
    if frozen:
        assert hash(a) == hash(b) == hash(t)
        with pytest.raises(AttributeError):
            setattr(a, names[0], "x")
        with pytest.raises(AttributeError):
            delattr(a, names[0])
    else:
        with pytest.raises(TypeError):
            hash(a)
        setattr(a, names[0], "x")
        assert getattr(a, names[0]) == "x"
    with pytest.raises(TypeError):
        cls(*range(len(names) + 1))  # one argument too many


def test_record_rules() -> None:
    @_record.dataclass
    class Base:
        a: int
        b: list = _record.field(default_factory=list)

    @_record.dataclass(frozen=True)
    class Child(Base):
        c: int = 3

    x = Child(1)
    assert (x.a, x.b, x.c) == (1, [], 3) and Child.__match_args__ == ("a", "b", "c")
    with pytest.raises(_record.FrozenInstanceError):
        x.c = 4  # type: ignore[misc]
    with pytest.raises(ValueError, match="default_factory"):

        @_record.dataclass
        class Shared:
            items: list = []  # noqa: RUF012

    with pytest.raises(TypeError, match="follows default"):

        @_record.dataclass
        class Order:
            a: int = 1
            b: int  # type: ignore[misc]
