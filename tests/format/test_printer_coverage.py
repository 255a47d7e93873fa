"""Every AST class has a printer: a branch adding a node class must add its printer too
(one ``@prints(A.NewClass)`` function in interpreter/format/printer.py)."""

from __future__ import annotations

import inspect

from camp.format.printer import PRINTERS
from camp.grammar import ast as A


def ast_classes() -> list[type]:
    return [
        cls
        for _, cls in inspect.getmembers(A, inspect.isclass)
        if cls.__module__ == A.__name__ and hasattr(cls, "__node_fields__")
    ]


def test_every_ast_class_has_a_printer() -> None:
    classes = ast_classes()
    assert len(classes) >= 40  # the AST is there (not an empty module)
    assert [c.__name__ for c in classes if c not in PRINTERS] == []


def test_printers_are_only_for_ast_classes() -> None:
    assert [c.__name__ for c in PRINTERS if c not in ast_classes()] == []
