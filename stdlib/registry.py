"""The standard-library function registry, shared by the checker and the evaluator.

Each :class:`Function` carries its name, parameter types, return type, docs and
implementation. The checker reads names, arity and types; the evaluator calls
``impl(ctx, *args)`` with run-time values (see :mod:`camp.types`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping

from camp.grammar.node import dataclass, field
from camp.types import Type, Value


class FunctionError(Exception):
    """A function refused its arguments; the evaluator reports it as R207."""


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a function may know about the run: the simulation clock and limits."""

    now: _dt.datetime
    regex_timeout: float = 0.25


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: Type
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[Param, ...]
    returns: Type
    doc: str
    impl: Callable[..., Value] = field(repr=False, compare=False)
    variadic: bool = False  # the last parameter repeats (concat, coalesce, min, max)

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def accepts(self, count: int) -> bool:
        upper = self.max_args
        return count >= self.min_args and (upper is None or count <= upper)

    @property
    def signature(self) -> str:
        parts = []
        for p in self.params:
            text = f"{p.name}: {p.type}"
            if p.optional:
                text += "?"
            parts.append(text)
        if self.variadic:
            parts[-1] += ", ..."
        return f"{self.name}({', '.join(parts)}) -> {self.returns}"


class Registry(Mapping[str, Function]):
    """An immutable name → function table."""

    def __init__(self, functions: list[Function]) -> None:
        self._functions = {f.name: f for f in functions}

    def __getitem__(self, name: str) -> Function:
        return self._functions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)
