"""The AST's node classes (camp.grammar.node): every class in camp.grammar.ast is one,
and they behave as frozen, slotted dataclasses do (init, equality, hash, repr)."""

from __future__ import annotations

import copy
import inspect
import pickle
from dataclasses import FrozenInstanceError
from decimal import Decimal
from enum import Enum

import pytest
from camp.grammar import ast as A
from camp.grammar.node import is_node_class, node, replace
from camp.grammar.span import Span

S = Span("f.camp", 1, 2, 1, 5)


def test_every_class_in_ast_is_a_node():
    classes = [
        c
        for _, c in inspect.getmembers(A, inspect.isclass)
        if c.__module__ == A.__name__ and not issubclass(c, Enum)
    ]
    assert len(classes) > 30
    not_nodes = [c.__name__ for c in classes if not is_node_class(c)]
    assert not_nodes == []
    assert is_node_class(Span)


def test_nodes_are_frozen_slotted_and_compare_by_value():
    a = A.FieldRef("score", S)
    assert a == A.FieldRef(name="score", span=S)
    assert a != A.FieldRef("other", S)
    assert a != A.TokenRef("score", S)  # another class, same fields
    assert hash(a) == hash(A.FieldRef("score", S))
    assert repr(a) == (
        "FieldRef(name='score', span=Span(file='f.camp', line=1, column=2, end_line=1, "
        "end_column=5))"
    )
    with pytest.raises(FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del a.name  # type: ignore[misc]
    assert not hasattr(a, "__dict__")
    with pytest.raises(TypeError):
        A.FieldRef("score")  # type: ignore[call-arg]
    assert A.FieldRef.__match_args__ == ("name", "span")


def test_defaults_replace_copy_and_pickle():
    lit = A.Literal(Decimal(3), S)
    c = A.Campaign("C", False, (), S, S)
    assert c.program is None
    assert replace(c, program="P").program == "P" and c.program is None
    assert copy.deepcopy(lit) == lit
    assert pickle.loads(pickle.dumps(lit)) == lit


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError, match="follows a default"):

        @node
        class Bad:
            a: int = 1
            b: int
