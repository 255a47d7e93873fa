"""The AST's node classes (camp.grammar.node): every class in camp.grammar.ast is one,
and they behave as frozen, slotted dataclasses do (init, equality, hash, repr); the same
decorator makes the other records as ``dataclasses`` would (mutable, factories, order)."""

from __future__ import annotations

import copy
import inspect
import pickle
from dataclasses import FrozenInstanceError
from decimal import Decimal
from enum import Enum

import pytest
from camp.grammar import ast as A
from camp.grammar import node as node_module
from camp.grammar.node import dataclass, field, field_names, is_node_class, node, replace
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


# ---- the same decorator for the other records (checker tables, diagnostics, stdlib) ----


@dataclass
class Table:
    name: str
    rows: list[int] = field(default_factory=list)
    note: str = ""
    impl: object = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    source: str
    target: str


@dataclass(frozen=True)
class Frozen:
    a: int
    b: tuple[int, ...] = ()


@dataclass(eq=False)
class Identity:
    a: int


def test_mutable_records_behave_as_dataclasses():
    t = Table("t")
    assert t.rows == [] and t.rows is not Table("t").rows  # a fresh list each time
    assert Table("t", [1], note="n") == Table(name="t", rows=[1], note="n")
    assert Table("t", impl=len) == Table("t", impl=print)  # compare=False
    assert repr(Table("t", [1])) == "Table(name='t', rows=[1], note='')"  # repr=False
    t.rows.append(2)
    t.note = "changed"
    assert (t.rows, t.note) == ([2], "changed")
    with pytest.raises(TypeError):
        hash(t)  # eq without frozen: unhashable, as dataclasses makes it
    assert Table.__match_args__ == ("name", "rows", "note", "impl")
    assert Table.note == ""  # a plain default stays a class attribute
    assert not hasattr(Table, "rows")  # a default_factory does not
    assert pickle.loads(pickle.dumps(Table("t", [3]))) == Table("t", [3])
    with pytest.raises(TypeError):
        Table()  # type: ignore[call-arg]


def test_order_frozen_without_slots_and_identity_records():
    assert sorted([Edge("b", "a"), Edge("a", "z"), Edge("a", "b")]) == [
        Edge("a", "b"),
        Edge("a", "z"),
        Edge("b", "a"),
    ]
    assert Edge("a", "b") < Edge("a", "c") and not Edge("a", "b") > Edge("a", "c")
    f = Frozen(1)
    assert hash(f) == hash(Frozen(1, ())) and f.b == ()
    with pytest.raises(FrozenInstanceError):
        f.a = 2  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(f)) == f
    assert copy.copy(Edge("a", "b")) == Edge("a", "b")
    i = Identity(1)
    assert i != Identity(1) and i == i and hash(i) == object.__hash__(i)  # eq=False


def test_subclass_fields_follow_the_base_s():
    @dataclass(frozen=True, slots=True)
    class Base:
        a: int
        b: int = 2

    @dataclass(frozen=True, slots=True)
    class Sub(Base):
        c: int = 3

    s = Sub(1)
    assert (s.a, s.b, s.c) == (1, 2, 3)
    assert field_names(Sub) == ("a", "b", "c")
    assert repr(s).endswith("Sub(a=1, b=2, c=3)")
    assert Sub.__qualname__.endswith("test_subclass_fields_follow_the_base_s.<locals>.Sub")


def test_init_made_by_compiling_when_code_objects_cannot_be_copied(monkeypatch):
    def no_template(shape):
        raise RuntimeError("no template")

    monkeypatch.setattr(node_module, "_template", no_template)

    @dataclass
    class Late:
        x: int
        items: list[str] = field(default_factory=list)

    late = Late(1)
    assert (late.x, late.items) == (1, []) and Late(x=2, items=["a"]).items == ["a"]
