"""``camp highlight``: Camp source → highlighted text, through Pygments formatters.

Imported lazily by the CLI, so ``camp check`` and friends never load Pygments.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_FORMAT", "FORMATS", "highlight"]

#: The formats ``camp highlight --format`` accepts, the default first.
FORMATS: tuple[str, ...] = ("terminal256", "terminal", "html", "svg", "latex")
DEFAULT_FORMAT = "terminal256"


def _formatter(fmt: str, title: str) -> Any:
    from pygments.formatters import (  # type: ignore[import-untyped, unused-ignore]
        HtmlFormatter,
        LatexFormatter,
        SvgFormatter,
        Terminal256Formatter,
        TerminalFormatter,
    )

    if fmt == "terminal256":
        return Terminal256Formatter()
    if fmt == "terminal":
        return TerminalFormatter()  # the 16 basic ANSI colours
    if fmt == "html":
        # A standalone document with its style sheet inlined.
        return HtmlFormatter(full=True, title=title, encoding=None)
    if fmt == "svg":
        return SvgFormatter()
    if fmt == "latex":
        # A complete document (with the \PY macros), ready for pdflatex.
        return LatexFormatter(full=True, title=title)
    raise AssertionError(fmt)  # unreachable: highlight() validated it


def highlight(text: str, fmt: str = DEFAULT_FORMAT, *, title: str = "") -> str:
    """Highlight Camp source ``text`` in format ``fmt`` (see :data:`FORMATS`).

    ``terminal256`` and ``terminal`` give ANSI escape sequences (256 and 16
    colours); ``html`` a standalone HTML document; ``svg`` an SVG image;
    ``latex`` a standalone LaTeX document. ``title`` (e.g. the file name) is
    the document title for ``html`` and ``latex``.

    Raises :class:`ValueError` with a one-line message for an unknown format.
    """
    name = fmt.strip().lower()
    if name not in FORMATS:
        expected = ", ".join(FORMATS)
        raise ValueError(f"unknown highlight format '{fmt}' (expected one of: {expected})")

    from pygments import highlight as pygments_highlight  # type: ignore[import-untyped, unused-ignore]

    from .lexer import CampLexer

    result: str = pygments_highlight(text, CampLexer(), _formatter(name, title))
    return result
