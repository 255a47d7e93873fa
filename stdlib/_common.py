"""Shared helpers for the stdlib implementations: argument checks, text rendering, examples."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import NoReturn

from camp.grammar.node import dataclass
from camp.stdlib.registry import CallContext, Function, FunctionError, Param
from camp.types import Type, Value, type_of

Impl = Callable[..., Value]


class Missing(Enum):
    """The marker for an optional argument that the call left out."""

    MISSING = "missing"


MISSING = Missing.MISSING

# The clock that the documented examples run against (see ``Example``).
EXAMPLE_NOW = _dt.datetime(2026, 3, 14, 9, 30)


def fail(function: str, message: str) -> NoReturn:
    """Raise the error that the evaluator reports as R207, naming the function."""
    raise FunctionError(f"{function}(): {message}")


def kind(value: Value) -> str:
    """How an error message names the type of a value: ``number``, ``text``..."""
    return str(type_of(value))


def want_text(function: str, param: str, value: Value) -> str:
    if isinstance(value, str):
        return value
    fail(function, f"'{param}' must be text, got {kind(value)} {render_value(value)}")


def want_number(function: str, param: str, value: Value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    fail(function, f"'{param}' must be a number, got {kind(value)} {render_value(value)}")


def want_int(function: str, param: str, value: Value) -> int:
    number = want_number(function, param, value)
    if not number.is_finite() or number != number.to_integral_value():
        fail(function, f"'{param}' must be a whole number, got {render_value(value)}")
    return int(number)


def null_propagating(impl: Impl) -> Impl:
    """Wrap ``impl`` so that a null in any argument gives null without calling it."""

    @functools.wraps(impl)
    def wrapper(ctx: CallContext, *args: Value | Missing) -> Value:
        if any(arg is None for arg in args):
            return None
        return impl(ctx, *args)

    return wrapper


def format_number(number: Decimal) -> str:
    """A number as text, without exponent or trailing zeros: ``2.50`` → ``2.5``."""
    if not number.is_finite():
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def to_text(value: Value) -> str:
    """A value as text, the way ``concat`` renders it (null is ``""``); the same text as
    the runtime's ``+`` on text (``camp.runtime.values.fmt``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return ", ".join(to_text(item) for item in value)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def render_value(value: Value) -> str:
    """A value as Camp source text: ``"a\\"b"``, ``2.5``, ``true``, ``null``, ``[1, 2]``."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, _dt.datetime):
        return f'datetime("{value.isoformat()}")'
    if isinstance(value, _dt.date):
        return f'date("{value.isoformat()}")'
    return to_text(value)


@dataclass(frozen=True, slots=True)
class Example:
    """A documented call that the tests run: ``name(*args)`` gives ``result``."""

    args: tuple[Value, ...]
    result: Value

    def render(self, name: str) -> str:
        call = f"{name}({', '.join(render_value(arg) for arg in self.args)})"
        return f"{call} → {render_value(self.result)}"


# name -> its documented example, filled by ``define``.
EXAMPLES: dict[str, Example] = {}


def define(
    name: str,
    params: tuple[Param, ...],
    returns: Type,
    doc: str,
    impl: Impl,
    example: Example,
    *,
    variadic: bool = False,
) -> Function:
    """Build a :class:`Function` whose doc is ``doc`` followed by its example."""
    if not doc.endswith((".", "!", "?")):
        raise ValueError(f"the doc of {name} must be a sentence: {doc!r}")
    EXAMPLES[name] = example
    full_doc = f"{doc} Example: {example.render(name)}."
    return Function(name, params, returns, full_doc, impl, variadic=variadic)
