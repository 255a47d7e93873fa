"""How deeply a parsed program nests (blocks, parentheses, operators).

The parser is an LALR loop and never recurses, but the checker, the interpreter
and the other tools walk the AST recursively. A program nested deeper than
:data:`MAX_NESTING` is refused with a syntax diagnostic (E001) at the first node
past the limit, so no tool ever meets a Python ``RecursionError``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from camp.grammar.span import Span

MAX_NESTING = 100  # AST levels: far above any real campaign, far below Python's stack

_LEAVES = (str, int, bool, Span)


@functools.cache
def _child_slots(cls: type) -> tuple[str, ...]:
    """The attributes of an AST class that may hold other nodes."""
    names: tuple[str, ...] = getattr(cls, "__node_fields__", ())
    return tuple(
        n for n in names if n != "span" and not n.endswith(("_span", "_spans")) and n != "file"
    )


def _levels(node: Any) -> Iterator[tuple[Any, int]]:
    """Every AST node under ``node`` (itself included) with its level, 1 for ``node``."""
    stack: list[tuple[Any, int]] = [(node, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        obj, level = pop()
        if isinstance(obj, tuple):
            for item in obj:
                if not isinstance(item, _LEAVES):
                    push((item, level))
            continue
        if isinstance(obj, type) or not hasattr(obj, "__node_fields__"):
            continue
        level += 1
        yield obj, level
        for name in _child_slots(obj.__class__):
            value = getattr(obj, name)
            if value is not None and not isinstance(value, _LEAVES):
                push((value, level))


def too_deep(node: Any, limit: int = MAX_NESTING) -> Span | None:
    """The span of the first node nested more than ``limit`` levels deep, else None."""
    for obj, level in _levels(node):
        if level > limit:
            span: Span | None = getattr(obj, "span", None)
            if span is not None:
                return span
    return None


def depth(node: Any) -> int:
    """How many AST levels ``node`` nests (1 for a node without child nodes)."""
    return max((level for _, level in _levels(node)), default=0)
