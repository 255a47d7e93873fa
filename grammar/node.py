"""``@dataclass`` for Camp's records — the AST's nodes, spans, diagnostics, the checker's
tables — cheap to define. It makes what ``dataclasses.dataclass`` makes (fields from
the annotations, defaults and ``field(default_factory=...)``, a positional/keyword
``__init__``, ``__eq__``, ``__hash__``, ``__repr__``, ``__match_args__``, ``order``,
``frozen``, ``slots``), but ``dataclasses`` generates and ``exec``s each method of each
class at import (and builds a slotted class twice), which cost Camp's start-up tens of
milliseconds.

Here ``__eq__``/``__hash__``/``__repr__``/ordering are shared functions over the class's
field tuple, and ``__init__`` is made the first time any record is created, for every
record class defined so far: one code object per shape of ``__init__`` (how many fields,
which have defaults or factories, frozen or not) is compiled, then copied for each class
with its own field names (``CodeType.replace``, a microsecond each).

``from camp.grammar.node import dataclass, field`` replaces ``from dataclasses import
dataclass, field``; the defaults are the same (``frozen=False``, ``slots=False``,
``eq=True``, ``order=False``). ``dataclasses.fields``/``replace``/``asdict`` do not know
these classes: use :func:`field_names` and :func:`replace` from this module.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda f: f


__all__ = ["dataclass", "field", "field_names", "is_node", "is_node_class", "node", "replace"]

T = TypeVar("T")

_pending: list[type] = []  # record classes whose __init__ is not made yet
_HAS_FACTORY = object()  # the default of a parameter whose field has a default_factory
_templates: dict[tuple[bool, tuple[bool, ...]], types.CodeType] = {}  # __init__ per shape


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field '{name}'")


def _key(self: Any) -> tuple[Any, ...]:
    return tuple([getattr(self, n) for n in self.__node_compare__])


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _key(self) == _key(other)
    return NotImplemented


def _lt(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _key(self) < _key(other)
    return NotImplemented


def _le(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _key(self) <= _key(other)
    return NotImplemented


def _gt(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _key(self) > _key(other)
    return NotImplemented


def _ge(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _key(self) >= _key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_key(self))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__node_repr__)
    return f"{self.__class__.__qualname__}({inner})"


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple([getattr(self, n) for n in self.__node_fields__])


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for n, v in zip(self.__node_fields__, state, strict=True):
        object.__setattr__(self, n, v)


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """Stands in for every pending class's ``__init__`` until the first record is made."""
    materialize()
    type(self).__init__(self, *args, **kwargs)


def _shape(cls: Any) -> tuple[bool, tuple[bool, ...]]:
    """What an ``__init__``'s code depends on: frozen or not, and which fields have a
    default_factory (plain defaults live in the function's ``__defaults__``)."""
    factories = cls.__node_factories__
    return cls.__node_frozen__, tuple(name in factories for name in cls.__node_fields__)


def _source(frozen: bool, factories: tuple[bool, ...], names: tuple[str, ...]) -> str:
    params, body = ["self"], []
    for i, (factory, name) in enumerate(zip(factories, names, strict=True)):
        params.append(name)
        if factory:
            body.append(f"    if {name} is _HAS_FACTORY: {name} = _f{i}()")
        body.append(f"    _set(self, {name!r}, {name})" if frozen else f"    self.{name} = {name}")
    return f"def __init__({', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"


def _compiled(source: str) -> types.CodeType:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<camp.grammar.node>", "exec"), namespace)
    code: types.CodeType = namespace["__init__"].__code__
    return code


def _template(shape: tuple[bool, tuple[bool, ...]]) -> types.CodeType:
    """The ``__init__`` of every class of this shape, with fields ``_p0``, ``_p1``..."""
    code = _templates.get(shape)
    if code is None:
        frozen, factories = shape
        names = tuple(f"_p{i}" for i in range(len(factories)))
        code = _compiled(_source(frozen, factories, names))
        _templates[shape] = code
    return code


def _init_code(cls: Any) -> types.CodeType:
    fields: tuple[str, ...] = cls.__node_fields__
    shape = _shape(cls)
    try:
        rename = {f"_p{i}": name for i, name in enumerate(fields)}
        template = _template(shape)
        code = template.replace(
            co_varnames=tuple(rename.get(n, n) for n in template.co_varnames),
            co_names=tuple(rename.get(n, n) for n in template.co_names),
            co_consts=tuple(
                rename.get(c, c) if isinstance(c, str) else c for c in template.co_consts
            ),
        )
    except Exception:  # an interpreter whose code objects differ: compile this one
        code = _compiled(_source(*shape, fields))
    if sys.version_info >= (3, 11):
        code = code.replace(co_qualname=f"{cls.__qualname__}.__init__")
    return code


def _make_init(cls: Any) -> Callable[..., None]:
    fields: tuple[str, ...] = cls.__node_fields__
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    defaults: list[Any] = []
    for i, name in enumerate(fields):
        factory = cls.__node_factories__.get(name)
        if factory is not None:
            namespace[f"_f{i}"] = factory
            defaults.append(_HAS_FACTORY)
        elif name in cls.__node_defaults__:
            defaults.append(cls.__node_defaults__[name])
    init = types.FunctionType(_init_code(cls), namespace, "__init__", tuple(defaults) or None)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def materialize() -> None:
    """Make the ``__init__`` of every pending record class."""
    while _pending:
        cls = _pending.pop()
        type.__setattr__(cls, "__init__", _make_init(cls))


def _record(cls: type[T], frozen: bool, slots: bool, eq: bool, order: bool) -> type[T]:
    body = cls.__dict__
    fields: list[str] = []
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    hidden: set[str] = set()  # fields left out of __eq__/__hash__/ordering
    unshown: set[str] = set()  # fields left out of __repr__
    for base in reversed(cls.__mro__[1:]):
        if "__node_fields__" in base.__dict__:
            fields.extend(n for n in base.__dict__["__node_fields__"] if n not in fields)
            defaults.update(base.__dict__["__node_defaults__"])
            factories.update(base.__dict__["__node_factories__"])
            defaults.update(dict.fromkeys(base.__dict__["__node_factories__"], _HAS_FACTORY))
            hidden |= set(base.__dict__["__node_fields__"]) - set(base.__dict__["__node_compare__"])
            unshown |= set(base.__dict__["__node_fields__"]) - set(base.__dict__["__node_repr__"])
    inherited = set(fields)
    own: list[str] = []
    class_values: dict[str, Any] = {}  # what a class without slots keeps as class attributes
    for name, annotation in body.get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        own.append(name)
        if name not in fields:
            fields.append(name)
        defaults.pop(name, None)
        factories.pop(name, None)
        value = body.get(name, MISSING)
        if isinstance(value, Field):
            if not value.init or value.kw_only is True or value.hash is not None:
                raise TypeError(f"{cls.__name__}.{name}: field(init/kw_only/hash) unsupported")
            if value.default_factory is not MISSING:
                factories[name] = value.default_factory
                defaults[name] = _HAS_FACTORY
            elif value.default is not MISSING:
                defaults[name] = class_values[name] = value.default
            if not value.compare:
                hidden.add(name)
            if not value.repr:
                unshown.add(name)
        elif value is not MISSING:
            defaults[name] = class_values[name] = value
    seen_default = False
    for name in fields:
        if name in defaults:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}: non-default field '{name}' follows a default one")
    methods: dict[str, Any] = {
        "__node_fields__": tuple(fields),
        "__node_defaults__": {n: v for n, v in defaults.items() if n not in factories},
        "__node_factories__": factories,
        "__node_compare__": tuple(n for n in fields if n not in hidden),
        "__node_repr__": tuple(n for n in fields if n not in unshown),
        "__node_frozen__": frozen,
        "__match_args__": tuple(fields),
        "__init__": _first_init,
    }
    if "__repr__" not in body:
        methods["__repr__"] = _repr
    if eq:
        if "__eq__" not in body:
            methods["__eq__"] = _eq
        explicit_hash = body.get("__hash__") is not None
        if not explicit_hash:
            methods["__hash__"] = _hash if frozen else None
    if order:
        methods.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
    if frozen:
        methods.update(__setattr__=_setattr, __delattr__=_delattr)
    if slots:
        namespace = {k: v for k, v in body.items() if k not in own}
        namespace.pop("__dict__", None)
        namespace.pop("__weakref__", None)
        namespace.update(methods)
        namespace.update(
            __qualname__=cls.__qualname__,
            __slots__=tuple(n for n in own if n not in inherited),
            __getstate__=_getstate,
            __setstate__=_setstate,
        )
        meta: Any = type(cls)
        new: type[T] = meta(cls.__name__, cls.__bases__, namespace)
    else:
        new = cls
        for name in own:
            if name in class_values:
                type.__setattr__(new, name, class_values[name])
            elif name in body:
                type.__delattr__(new, name)  # a field(default_factory=...)
        for name, value in methods.items():
            type.__setattr__(new, name, value)
    _pending.append(new)
    return new


@overload
def dataclass(cls: type[T], /) -> type[T]: ...


@overload
def dataclass(
    *, frozen: bool = False, slots: bool = False, eq: bool = True, order: bool = False
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field, Field))
def dataclass(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = False,
    slots: bool = False,
    eq: bool = True,
    order: bool = False,
) -> Any:
    """``dataclasses.dataclass`` with the same defaults, cheap to define (see the module
    docstring)."""

    def wrap(c: type[T]) -> type[T]:
        return _record(c, frozen, slots, eq, order)

    return wrap if cls is None else wrap(cls)


@dataclass_transform(frozen_default=True, eq_default=True, field_specifiers=(field, Field))
def node(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True, slots=True)``: a frozen, slotted record."""
    return _record(cls, True, True, True, False)


def is_node_class(cls: type) -> bool:
    return "__node_fields__" in cls.__dict__


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of record ``obj`` with some fields changed (``dataclasses.replace``)."""
    cls: Any = type(obj)
    values = {n: getattr(obj, n) for n in cls.__node_fields__}
    values.update(changes)
    result: T = cls(**values)
    return result


def is_node(obj: object) -> bool:
    """Whether ``obj`` is a record instance (``dataclasses.is_dataclass`` for records)."""
    return hasattr(type(obj), "__node_fields__") and not isinstance(obj, type)


def field_names(obj: object) -> tuple[str, ...]:
    """A record's (or record class's) field names in order (``dataclasses.fields``)."""
    cls = obj if isinstance(obj, type) else type(obj)
    names: tuple[str, ...] = getattr(cls, "__node_fields__", ())
    return names
