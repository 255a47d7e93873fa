"""Stable addresses for the blocks of a campaign, so a waiting flow can be stored.

A suspended flow is a list of ``(steps, next_index)`` continuations, innermost
block first (see :class:`camp.runtime.evaluator.Suspend`). Each block is named
by a path from the campaign's body: ``()`` is the body; ``(i, "then", k)`` the
k-th branch of the ``if`` at step ``i``; ``(i, "else")`` its ``else``;
``(i, "body")`` / ``(i, "retry-else")`` a ``retry``'s blocks — nested paths
concatenate. ``encode`` and ``decode`` are inverses for a given campaign.

A ``retry`` cut by a ``wait`` continues as a
:class:`~camp.runtime.evaluator.RetryState`; it is stored as
``{"retry": [path..., index of the retry step], "attempt": n, "inner": [...]}``
(``inner``: the rest of the attempt, in the same form).
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


_INDEX: dict[int, tuple[Any, dict[int, Path], dict[int, Path]]] = {}


def _index(campaign_steps: tuple[A.Step, ...]) -> tuple[dict[int, Path], dict[int, Path]]:
    """Block and retry-step addresses by object id, computed once per campaign body."""
    cached = _INDEX.get(id(campaign_steps))
    if cached is not None and cached[0] is campaign_steps:
        return cached[1], cached[2]
    by_id: dict[int, Path] = {}
    retries: dict[int, Path] = {}
    for path, steps in blocks(campaign_steps):
        by_id[id(steps)] = path
        for i, step in enumerate(steps):
            if isinstance(step, A.Retry):
                retries[id(step)] = (*path, i)
    _INDEX[id(campaign_steps)] = (campaign_steps, by_id, retries)  # keeps the body alive
    return by_id, retries


def encode(campaign_steps: tuple[A.Step, ...], rest: list[Any]) -> list[Any]:
    """A JSON-able form of a continuation: ``[[path..., next_index], ...]``."""
    by_id, retries = _index(campaign_steps)

    def one(entry: Any) -> Any:
        if isinstance(entry, tuple):
            steps, index = entry
            return [*by_id[id(steps)], index]
        return {
            "retry": list(retries[id(entry.step)]),
            "attempt": entry.attempt,
            "inner": [one(e) for e in entry.inner],
        }

    return [one(e) for e in rest]


def decode(campaign_steps: tuple[A.Step, ...], data: list[Any]) -> list[Any]:
    """The continuation ``encode`` gave; KeyError/IndexError/ValueError if the campaign changed."""
    from camp.runtime.evaluator import RetryState

    by_path = dict(blocks(campaign_steps))

    def one(entry: Any) -> Any:
        if isinstance(entry, dict):
            *path, index = entry["retry"]
            step = by_path[tuple(path)][int(index)]
            if not isinstance(step, A.Retry):
                raise ValueError(f"step {index} of block {path} is not a retry")
            return RetryState(step, int(entry["attempt"]), [one(e) for e in entry["inner"]])
        return (by_path[tuple(entry[:-1])], int(entry[-1]))

    return [one(e) for e in data]
