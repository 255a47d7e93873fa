"""What the formatter tests share: the files that must stay formatted, and AST comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from camp.format import shape, skips_formatting
from camp.grammar.parser import parse

ROOT = Path(__file__).resolve().parents[2]


def formatted_files() -> list[Path]:
    """Every example, every error example that parses, and the prelude."""
    files = sorted((ROOT / "examples").rglob("*.camp")) + sorted((ROOT / "stdlib").glob("*.camp"))
    return [f for f in files if not skips_formatting(f.read_text(encoding="utf-8"))]


def ast_of(text: str, name: str = "t.camp") -> Any:
    result = parse(text, name)
    assert result.ok, [str(d.span) + " " + d.message for d in result.diagnostics]
    return shape(result.node)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))
