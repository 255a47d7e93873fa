"""``camp fmt [FILE...|-] [--check] [--diff]``: the command around :func:`format_source`."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import NoReturn

import click
from camp.format import FormatError, FormatterBug, format_source, skips_formatting

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
_SKIP_DIRS = {"node_modules", "__pycache__"}


def camp_files(paths: tuple[Path, ...]) -> list[Path]:
    """FILEs as given; folders searched for ``*.camp`` (hidden folders skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*.camp")):
                parts = p.relative_to(path).parts[:-1]
                if not any(x.startswith(".") or x in _SKIP_DIRS for x in parts) and p.is_file():
                    found.append(p)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def diff(before: str, after: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"{name}\t(original)",
            f"{name}\t(formatted)",
        )
    )


def _fail_input(message: str) -> NoReturn:
    """As camp.cli.fail_input (not imported: it would pull the whole CLI into this module)."""
    click.echo(f"camp: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _show_errors(error: FormatError, name: str, source: str) -> None:
    """The syntax errors as ``camp check`` renders them, on stderr."""
    from camp.diagnostics import render

    color = sys.stderr.isatty()
    for d in error.diagnostics:
        click.echo(render(d, {name: source}, color=color), err=True)
        click.echo("", err=True)
    count = len(error.diagnostics)
    click.echo(f"{name}: not formatted: {count} syntax error{'s' * (count != 1)}", err=True)


def _show_bug(bug: FormatterBug, name: str) -> None:
    """A formatter bug is Camp's fault, not the user's: one line, never a traceback."""
    click.echo(
        f"camp fmt: internal error formatting {name}: {bug}; "
        "the file was left unchanged, please report it",
        err=True,
    )


def run_fmt(paths: tuple[Path, ...], check: bool, show_diff: bool) -> int:
    from camp.checker.loader import InputError, display_path, read_source

    if Path("-") in paths:
        if len(paths) > 1:
            _fail_input("'-' (standard input) cannot be combined with files")
        return _fmt_stdin(check, show_diff)
    files = camp_files(paths or (Path("."),))
    sources: list[tuple[Path, str, str]] = []
    for path in files:
        try:
            sources.append((path, display_path(path), read_source(path)))
        except InputError as e:
            _fail_input(str(e))
    changed: list[str] = []
    errors = skipped = bugs = 0
    for path, name, source in sources:
        if skips_formatting(source):
            skipped += 1
            continue
        try:
            formatted = format_source(source, name)
        except FormatError as e:
            _show_errors(e, name, source)
            errors += 1
            continue
        except FormatterBug as bug:
            _show_bug(bug, name)
            bugs += 1
            continue
        if formatted == source:
            continue
        changed.append(name)
        if show_diff:
            click.echo(diff(source, formatted, name), nl=False)
        elif check:
            click.echo(f"would reformat {name}")
        else:
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(formatted)
    _summary(len(sources) - skipped, changed, errors, bugs, skipped, write=not (check or show_diff))
    if errors or bugs:
        return EXIT_ERROR
    return EXIT_CHANGED if check and changed else EXIT_OK


def _summary(
    total: int, changed: list[str], errors: int, bugs: int, skipped: int, write: bool
) -> None:
    def files(n: int) -> str:
        return f"{n} file{'s' * (n != 1)}"

    kept = total - len(changed) - errors - bugs
    if write:
        parts = [f"{files(len(changed))} reformatted", f"{files(kept)} left unchanged"]
    else:
        parts = [f"{files(len(changed))} would be reformatted", f"{files(kept)} already formatted"]
    if errors:
        parts.append(f"{files(errors)} with syntax errors")
    if bugs:
        parts.append(f"{files(bugs)} not formatted (internal error)")
    if skipped:
        parts.append(f"{files(skipped)} skipped (fmt: skip-file)")
    click.echo(", ".join(parts), err=True)


def _fmt_stdin(check: bool, show_diff: bool) -> int:
    data = sys.stdin.buffer.read()
    name = "<stdin>"
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        click.echo(
            f"camp: error: {name}:{line}: not valid UTF-8 text (byte {e.start + 1})", err=True
        )
        return EXIT_ERROR
    try:
        formatted = format_source(source, name)
    except FormatError as e:
        _show_errors(e, name, source)
        if not (check or show_diff):
            click.echo(source, nl=False)  # a filter passes what it cannot format through unchanged
        return EXIT_ERROR
    except FormatterBug as bug:
        _show_bug(bug, name)
        if not (check or show_diff):
            click.echo(source, nl=False)
        return EXIT_ERROR
    if show_diff:
        click.echo(diff(source, formatted, name), nl=False)
    elif not check:
        click.echo(formatted, nl=False)
    return EXIT_CHANGED if check and formatted != source else EXIT_OK
