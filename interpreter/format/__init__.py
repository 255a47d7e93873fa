"""``camp fmt``: the canonical layout of Camp source (docs/format.md).

:func:`format_source` is the one entry point (the command line and the
language server both use it). It refuses a source with syntax errors
(:class:`FormatError`), and it checks its own work before returning: the
result must parse to the same AST (spans aside) and keep every comment, in
order; otherwise it raises :class:`FormatterBug` rather than return a
program that means something else.
"""

from __future__ import annotations

import re
from typing import Any

from camp.diagnostics import Diagnostic
from camp.format.printer import FormatterBug, Printer, Source
from camp.format.scan import scan
from camp.grammar.node import field_names, is_node
from camp.grammar.parser import parse
from camp.grammar.span import Span

__all__ = [
    "FormatError",
    "FormatterBug",
    "format_module",
    "format_source",
    "shape",
    "skips_formatting",
]

_SKIP_FILE = re.compile(r"#\s*fmt:\s*skip-file\b")


class FormatError(Exception):
    """The source does not parse; ``diagnostics`` are the parser's syntax errors (E001)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(f"{d.span}: {d.message}" for d in diagnostics))
        self.diagnostics = diagnostics


def skips_formatting(source: str) -> bool:
    """Whether a ``# fmt: skip-file`` comment line comes before the first declaration."""
    for line in source.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            return False
        if _SKIP_FILE.match(text):
            return True
    return False


def format_source(source: str, filename: str = "<stdin>") -> str:
    """``source`` in the canonical layout, comments kept. Raises :class:`FormatError`.

    A file that opts out with ``# fmt: skip-file`` is returned unchanged, unparsed."""
    if skips_formatting(source):
        return source
    result = parse(source, filename)
    if not result.ok:
        raise FormatError(result.diagnostics)
    before = scan(source)
    printer = Printer(Source(source, before))
    printer.node(result.node)
    text = printer.finish()
    after = parse(text, filename)
    if not after.ok:
        raise FormatterBug(f"{filename}: the formatted text does not parse: {after.diagnostics}")
    if shape(after.node) != shape(result.node):
        raise FormatterBug(f"{filename}: formatting would change the program")
    kept = [c.text for c in scan(text).comments]
    if kept != [c.text for c in before.comments]:
        raise FormatterBug(f"{filename}: formatting would lose or reorder a comment")
    return text


def format_module(module: Any) -> str:
    """An AST (e.g. a generated one) in the canonical layout, without comments."""
    printer = Printer(None)
    printer.node(module)
    return printer.finish()


def shape(node: Any) -> Any:
    """A node as nested tuples without its spans, for comparing ASTs."""
    if isinstance(node, Span):
        return None
    if is_node(node):
        return (type(node).__name__, *(shape(getattr(node, f)) for f in field_names(node)))
    if isinstance(node, (tuple, list)):
        return tuple(shape(x) for x in node)
    return node
