"""Plain records for the model: what ``dataclasses.dataclass`` makes, without importing it.

``import dataclasses`` (with the ``inspect`` it pulls in) and the decorator's
introspection were about 35 ms of a 95 ms ``heapscope attach``.  This makes
the same ``__init__`` (positional or keyword, plain defaults and
``field(default_factory=...)``), ``__repr__``, ``__eq__``, ``__match_args__``
and, for ``frozen=True``, read-only attributes and ``__hash__``; a non-frozen
record is unhashable, as a dataclass is.  Only that subset: no ``ClassVar``,
``InitVar``, ``__post_init__``, ``kw_only`` or ordering.

Type checkers see the real ``dataclasses`` (the modules import it under
``TYPE_CHECKING``), and ``tests/python/test_record.py`` checks that every
record behaves as the dataclass of the same class would.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Factory:
    __slots__ = ("default_factory",)

    def __init__(self, default_factory: Callable[[], object]) -> None:
        self.default_factory = default_factory


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made per instance, as ``dataclasses.field(default_factory=...)``."""
    return _Factory(default_factory)


_NO_DEFAULT = object()


def dataclass(cls: type[T] | None = None, *, frozen: bool = False) -> Any:
    """``@dataclass`` or ``@dataclass(frozen=True)``, for the subset above."""

    def wrap(c: type[T]) -> type[T]:
        return _make(c, frozen)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], frozen: bool) -> type[T]:
    fields: list[str] = []
    defaults: dict[str, object] = {}
    for base in reversed(cls.__mro__[1:]):
        for name in getattr(base, "__record_fields__", ()):
            if name not in fields:
                fields.append(name)
            if name in base.__record_defaults__:
                defaults[name] = base.__record_defaults__[name]
    own = cls.__dict__.get("__annotations__")
    if own is None and "__annotate__" in cls.__dict__:  # 3.14+: annotations made on first access
        own = cls.__annotations__
    for name in own or {}:
        if name not in fields:
            fields.append(name)
        if name in cls.__dict__:
            value = cls.__dict__[name]
            if type(value).__hash__ is None:  # a list, dict or set, shared by every instance
                raise ValueError(
                    f"mutable default {type(value)} for field {name} is not allowed: use default_factory"
                )
            defaults[name] = value
            if isinstance(value, _Factory):
                delattr(cls, name)
    params, body = [], []
    env: dict[str, object] = {"__setattr": object.__setattr__}
    seen_default = False
    for name in fields:
        value = defaults.get(name, _NO_DEFAULT)
        if value is _NO_DEFAULT:
            if seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            expr = name
        elif isinstance(value, _Factory):
            seen_default = True
            env[f"__f_{name}"] = value.default_factory
            params.append(f"{name}=__missing")
            expr = f"__f_{name}() if {name} is __missing else {name}"
        else:
            seen_default = True
            env[f"__d_{name}"] = value
            params.append(f"{name}=__d_{name}")
            expr = name
        body.append(f"    __setattr(self, {name!r}, {expr})" if frozen else f"    self.{name} = {expr}")
    env["__missing"] = _MISSING
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    init = _LazyInit(cls, src, env)
    _LAZY.append(init)
    names = tuple(fields)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

    members: dict[str, object] = {
        "__init__": init,
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__match_args__": names,
        "__record_fields__": names,
        "__record_defaults__": dict(defaults),
    }
    if frozen:

        def __setattr__(self: Any, name: str, value: object) -> None:
            if type(self) is cls or name in names:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            object.__setattr__(self, name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in names:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            object.__delattr__(self, name)

        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in names))

        members.update(__setattr__=__setattr__, __delattr__=__delattr__, __hash__=__hash__)
    elif "__hash__" not in cls.__dict__:
        members["__hash__"] = None
    for key, value in members.items():
        if callable(value) and hasattr(value, "__qualname__"):
            value.__qualname__ = f"{cls.__qualname__}.{key}"
        if key in ("__repr__", "__eq__") and key in cls.__dict__:
            continue  # the class's own wins, as with dataclasses
        setattr(cls, key, value)
    return cls


class _LazyInit:
    """The record's ``__init__`` until it is first used, then the compiled one.

    Compiling the 22 model records' ``__init__`` at import was 3.7 ms of the
    model's 6 ms (most of ``heapscope attach``'s own import time).  This
    descriptor compiles on first access, which creating an instance,
    ``cls.__init__`` and ``inspect.signature(cls)`` all are, and puts the
    real function on the class in its place.
    """

    __slots__ = ("cls", "env", "src")

    def __init__(self, cls: type, src: str, env: dict[str, object]) -> None:
        self.cls, self.src, self.env = cls, src, env

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        real = self.cls.__dict__.get("__init__")
        if real is self:  # first use (another thread may have compiled it already)
            exec(self.src, self.env)  # noqa: S102 - source built by _make from the class's own field names
            real = self.env["__init__"]
            real.__qualname__ = f"{self.cls.__qualname__}.__init__"
            _COMPILED.append(self)  # referenced until the caller that looked this up is done with it
            self.cls.__init__ = real  # type: ignore[misc]
        return real if obj is None else real.__get__(obj, owner)


_COMPILED: list[_LazyInit] = []
_LAZY: list[_LazyInit] = []  # every record's, compiled or not


def compile_all() -> None:
    """Compile every record's ``__init__`` now.  A measurement calls it before its
    baseline: one compiled during the runs would be a function heapscope made,
    held by its class, among the objects born in them."""
    for init in _LAZY:
        init.__get__(None, init.cls)


class _Missing:
    def __repr__(self) -> str:
        return "<factory>"


_MISSING = _Missing()
