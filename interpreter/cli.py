"""The ``camp`` command line (spec §7). Each command imports what it needs lazily,
so ``camp check`` never loads the interpreter, the REPL or Pygments."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


def fail_input(message: str) -> NoReturn:
    """A usage or input error: one clear line on stderr, exit status 2."""
    click.echo(f"camp: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _use_color(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def print_diagnostics(diagnostics: list[Any], sources: dict[str, str], err: bool = False) -> None:
    from camp.diagnostics import render

    stream = sys.stderr if err else sys.stdout
    color = _use_color(stream)
    for d in diagnostics:
        click.echo(render(d, sources, color=color), err=err)
        click.echo("", err=err)


class CampGroup(click.Group):
    """Turns click's usage errors into exit status 2 (click's default) with our prefix."""


@click.group(cls=CampGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="camp-lang", prog_name="camp")
def main() -> None:
    """Camp: marketing-automation campaigns as code."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Deepest chain of nested executables allowed below a parent campaign.",
)
def check(files: tuple[Path, ...], fmt: str, max_depth: int) -> None:
    """Check FILE... (each with its imports) without running anything.

    Each FILE is its own program: its imports join it, other FILEs do not.
    """
    from camp.checker import InputError, check_files
    from camp.diagnostics import sorted_diagnostics, to_json_report

    diagnostics = []
    sources: dict[str, str] = {}
    for file in files:
        try:
            result = check_files([file], max_depth)
        except InputError as e:
            fail_input(str(e))
        diagnostics.extend(result.diagnostics)
        sources.update(result.symbols.sources)
    diagnostics = sorted_diagnostics(diagnostics)
    errors = sum(1 for d in diagnostics if d.is_error)
    if fmt == "json":
        click.echo(to_json_report(diagnostics))
    else:
        print_diagnostics(diagnostics, sources)
        warnings = len(diagnostics) - errors
        if diagnostics:
            click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    sys.exit(EXIT_FAIL if errors else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
