"""``@node``: the AST's class decorator. Like ``@dataclass(frozen=True, slots=True)`` —
fields from the annotations (defaults allowed), positional/keyword ``__init__``,
``__eq__``, ``__hash__``, ``__repr__``, ``__match_args__``, frozen, slotted — but cheap
to define: ``dataclass`` generates and ``exec``s each method of each class (and builds a
slotted class twice) at import, which made importing the AST cost tens of ms.

Here ``__eq__``/``__hash__``/``__repr__`` are shared functions over the class's field
tuple, and the ``__init__`` of every node class is generated in one ``compile()`` the
first time any node is created. To turn a new class into a node, write ``@node`` above
it (instead of ``@dataclass(frozen=True, slots=True)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda f: f


T = TypeVar("T")

_MISSING = object()
_pending: list[type] = []  # node classes whose __init__ is not generated yet


def _field_names(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for base in reversed(cls.__mro__[1:]):
        names.extend(getattr(base, "__node_fields__", ()))
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect import: start-up)
    names.extend(n for n in own if n not in names)
    return tuple(names)


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field '{name}'")


def _values(self: Any) -> tuple[Any, ...]:
    return tuple([getattr(self, n) for n in self.__node_fields__])


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_values(self))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__node_fields__)
    return f"{self.__class__.__qualname__}({inner})"


def _getstate(self: Any) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for n, v in zip(self.__node_fields__, state, strict=True):
        object.__setattr__(self, n, v)


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """Stands in for every pending class's ``__init__`` until the first node is made."""
    materialize()
    type(self).__init__(self, *args, **kwargs)


def materialize() -> None:
    """Generate the ``__init__`` of every pending node class, in one ``compile``."""
    if not _pending:
        return
    classes: list[Any] = list(_pending)
    namespace: dict[str, Any] = {"_set": object.__setattr__}
    lines: list[str] = []
    for i, cls in enumerate(classes):
        params, body = ["self"], []
        for name in cls.__node_fields__:
            default = cls.__node_defaults__.get(name, _MISSING)
            if default is _MISSING:
                params.append(name)
            else:
                namespace[f"_d{i}_{name}"] = default
                params.append(f"{name}=_d{i}_{name}")
            body.append(f"    _set(self, {name!r}, {name})")
        lines.append(f"def _init{i}({', '.join(params)}):")
        lines.extend(body or ["    pass"])
    exec(compile("\n".join(lines) + "\n", "<camp.grammar.node>", "exec"), namespace)
    for i, cls in enumerate(classes):
        init = namespace[f"_init{i}"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        type.__setattr__(cls, "__init__", init)
    del _pending[: len(classes)]


@dataclass_transform(frozen_default=True, eq_default=True)
def node(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, slotted node class (see the module docstring)."""
    fields = _field_names(cls)
    own = list(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063 (as above)
    defaults: dict[str, Any] = {}
    for base in reversed(cls.__mro__[1:]):
        defaults.update(getattr(base, "__node_defaults__", {}))
    namespace = dict(cls.__dict__)
    for name in own:
        if name in namespace:
            defaults[name] = namespace.pop(name)
    seen_default = False
    for name in fields:
        if name in defaults:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}: non-default field '{name}' follows a default one")
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace.update(
        __slots__=tuple(own),
        __node_fields__=fields,
        __node_defaults__=defaults,
        __match_args__=fields,
        __init__=_first_init,
        __setattr__=_setattr,
        __delattr__=_delattr,
        __eq__=namespace.get("__eq__", _eq),
        __hash__=namespace.get("__hash__") or _hash,
        __repr__=namespace.get("__repr__", _repr),
        __getstate__=_getstate,
        __setstate__=_setstate,
    )
    meta: Any = type(cls)
    new: type[T] = meta(cls.__name__, cls.__bases__, namespace)
    _pending.append(new)
    return new


def is_node_class(cls: type) -> bool:
    return "__node_fields__" in cls.__dict__


@overload
def dataclass(cls: type[T], /) -> type[T]: ...


@overload
def dataclass(
    *, frozen: bool = True, slots: bool = True, eq: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, eq_default=True)
def dataclass(
    cls: type[T] | None = None, /, *, frozen: bool = True, slots: bool = True, eq: bool = True
) -> Any:
    """``@node`` spelt like the ``dataclasses`` decorator it replaces, so that
    ``@dataclass(frozen=True, slots=True)`` in the AST modules (``from camp.grammar.node
    import dataclass``) makes a node class; only that frozen, slotted style is supported."""
    if not (frozen and slots and eq):
        raise TypeError("camp.grammar.node.dataclass makes frozen, slotted classes only")
    if cls is None:
        return node
    return node(cls)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of node ``obj`` with some fields changed (``dataclasses.replace`` for nodes)."""
    cls: Any = type(obj)
    values = {n: getattr(obj, n) for n in cls.__node_fields__}
    values.update(changes)
    result: T = cls(**values)
    return result


def is_node(obj: object) -> bool:
    """Whether ``obj`` is a node instance (``dataclasses.is_dataclass`` for nodes)."""
    return hasattr(type(obj), "__node_fields__") and not isinstance(obj, type)


def field_names(obj: object) -> tuple[str, ...]:
    """A node's (or node class's) field names in order (``dataclasses.fields`` for nodes)."""
    cls = obj if isinstance(obj, type) else type(obj)
    names: tuple[str, ...] = getattr(cls, "__node_fields__", ())
    return names
