"""Stable addresses for the blocks of a campaign, so a waiting flow can be stored.

A suspended flow is a list of ``(steps, next_index)`` continuations, innermost
block first (see :class:`camp.runtime.evaluator.Suspend`). Each block is named
by a path from the campaign's body: ``()`` is the body; ``(i, "then", k)`` the
k-th branch of the ``if`` at step ``i``; ``(i, "else")`` its ``else``;
``(i, "body")`` / ``(i, "retry-else")`` a ``retry``'s blocks — nested paths
concatenate. ``encode`` and ``decode`` are inverses for a given campaign.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from camp.grammar import ast as A

Path = tuple[Any, ...]


def blocks(steps: tuple[A.Step, ...], path: Path = ()) -> Iterator[tuple[Path, tuple[A.Step, ...]]]:
    """Every block of a step list with its path, the list itself first."""
    yield path, steps
    for i, step in enumerate(steps):
        if isinstance(step, A.If):
            for k, (_, body) in enumerate(step.branches):
                yield from blocks(body, (*path, i, "then", k))
            if step.else_body is not None:
                yield from blocks(step.else_body, (*path, i, "else"))
        elif isinstance(step, A.Retry):
            yield from blocks(step.body, (*path, i, "body"))
            if step.else_body is not None:
                yield from blocks(step.else_body, (*path, i, "retry-else"))


def encode(
    campaign_steps: tuple[A.Step, ...], rest: list[tuple[tuple[A.Step, ...], int]]
) -> list[list[Any]]:
    """A JSON-able form of a continuation: ``[[path..., next_index], ...]``."""
    by_id = {id(b): p for p, b in blocks(campaign_steps)}
    return [[*by_id[id(steps)], index] for steps, index in rest]


def decode(
    campaign_steps: tuple[A.Step, ...], data: list[list[Any]]
) -> list[tuple[tuple[A.Step, ...], int]]:
    by_path = dict(blocks(campaign_steps))
    return [(by_path[tuple(entry[:-1])], int(entry[-1])) for entry in data]
