"""Shared analysis for editor tools (the language server, the REPL's completer).

A thin layer over the parser and the checker: a position index built from the
AST's spans (:mod:`.index`), the parser's view of what may be typed at a cursor
(:mod:`.context`), and the features an editor asks for (:mod:`.service`).
"""

from __future__ import annotations

from camp.analysis.context import Context, completion_context
from camp.analysis.index import Index, Occurrence, build_index
from camp.analysis.service import Analysis, Edit, Item, Service

__all__ = [
    "Analysis",
    "Context",
    "Edit",
    "Index",
    "Item",
    "Occurrence",
    "Service",
    "build_index",
    "completion_context",
]
