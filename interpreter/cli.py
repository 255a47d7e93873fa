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
    """Usage errors as one line, ``camp: error: ...``, exit status 2 (spec §7)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help() if e.ctx else str(e))
            sys.exit(EXIT_USAGE)
        except click.UsageError as e:
            hint = f" (see 'camp {e.ctx.info_name} --help')" if e.ctx and e.ctx.parent else ""
            fail_input(f"{e.format_message()}{hint}")
        except click.Abort:
            click.echo("camp: aborted", err=True)
            sys.exit(EXIT_FAIL)
        except click.ClickException as e:
            fail_input(e.format_message())


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
            click.echo(
                f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            )
    sys.exit(EXIT_FAIL if errors else EXIT_OK)


def parse_when(text: str, option: str, start: Any = None) -> Any:
    """An ISO date-time, or (for --until) a duration after the start: '7 days', '12 hours'."""
    import datetime as dt
    import re

    units = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000}
    m = re.fullmatch(r"\s*(\d+)\s*(minute|hour|day|week|month)s?\s*", text)
    if m and start is not None:
        return start + dt.timedelta(seconds=int(m.group(1)) * units[m.group(2)])
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)
    except ValueError:
        what = "a date-time like 2026-12-01T09:00" + (
            " or a duration like '7 days'" if start else ""
        )
        fail_input(f"{option}: '{text}' is not {what}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--campaign", help="Batch campaign, executable (test harness) or requestable campaign to run."
)
@click.option("--leads", type=click.Path(path_type=Path), help="Leads: CSV, JSON or JSONL.")
@click.option(
    "--events",
    type=click.Path(path_type=Path),
    help="Events (JSONL): form, page, click, event, created.",
)
@click.option("--db", type=click.Path(path_type=Path), help="A lead workspace (SQLite).")
@click.option("--start", help="Simulation start (default: now, to the second).")
@click.option("--until", help="Simulation end: a date-time or a duration after --start.")
@click.option("--out", type=click.Path(path_type=Path), help="Write every lead after the run.")
@click.option(
    "--activities", type=click.Path(path_type=Path), help="Write the activity log (JSONL)."
)
@click.option("--trace", is_flag=True, help="Print each step as it runs, indented by call depth.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--max-depth", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--max-steps",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Steps per lead per run (R204).",
)
@click.option(
    "--max-cascade",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Trigger cascade depth (R205).",
)
def run(
    file: Path,
    campaign: str | None,
    leads: Path | None,
    events: Path | None,
    db: Path | None,
    start: str | None,
    until: str | None,
    out: Path | None,
    activities: Path | None,
    trace: bool,
    fmt: str,
    max_depth: int,
    max_steps: int,
    max_cascade: int,
) -> None:
    """Run the campaigns of FILE over lead data and report what they did."""
    import datetime as dt

    from camp.checker import InputError, check_files
    from camp.runtime.evaluator import Limits
    from camp.runtime.run import RunOptions, execute

    if db is not None:
        fail_input("--db: lead workspaces are not available in this version yet")
    try:
        result = check_files([file], max_depth)
    except InputError as e:
        fail_input(str(e))
    if result.errors:
        print_diagnostics(result.diagnostics, result.symbols.sources, err=True)
        click.echo(f"camp: refused to run: {len(result.errors)} check error(s)", err=True)
        sys.exit(EXIT_REFUSED)
    begin = parse_when(start, "--start") if start else dt.datetime.now().replace(microsecond=0)
    end = parse_when(until, "--until", begin) if until else None
    opts = RunOptions(
        campaign=campaign,
        leads=leads,
        events=events,
        start=begin,
        until=end,
        out=out,
        activities=activities,
        limits=Limits(max_steps, max_cascade),
        trace=(lambda line: click.echo(line, err=True)) if trace else None,
    )
    if _use_color(sys.stderr) and not trace:
        opts.progress = _progress
    try:
        summary = execute(result.symbols, opts)
    except InputError as e:
        fail_input(str(e))
    if opts.progress is not None:
        click.echo("\r\x1b[K", nl=False, err=True)
    if fmt == "json":
        import json

        click.echo(json.dumps(summary.to_json(), indent=2))
    else:
        _print_summary(summary, result.symbols.sources)
    sys.exit(EXIT_FAIL if summary.errors else EXIT_OK)


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--leads", type=click.Path(path_type=Path), help="Leads to load: CSV, JSON or JSONL.")
@click.option("--db", type=click.Path(path_type=Path), help="A lead workspace (SQLite).")
def repl(file: Path | None, leads: Path | None, db: Path | None) -> None:
    """An interactive session: expressions, steps and declarations on a current lead."""
    from camp.repl import run_repl

    sys.exit(run_repl(file, leads, db))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="terminal256",
    show_default=True,
    help="terminal256, terminal, html, svg or latex.",
)
def highlight(file: Path, fmt: str) -> None:
    """Print FILE with syntax highlighting."""
    from camp.checker.loader import InputError, read_source
    from camp.highlight.render import highlight as render_highlight

    try:
        text = read_source(file)
        click.echo(render_highlight(text, fmt, title=file.name), nl=False)
    except InputError as e:
        fail_input(str(e))
    except ValueError as e:
        fail_input(str(e))


def _progress(count: int) -> None:
    if count % 5000 == 0:
        click.echo(f"\r{count:,} leads…", nl=False, err=True)


def _print_summary(summary: Any, sources: dict[str, str]) -> None:
    from camp.diagnostics import render

    for d in summary.errors:
        click.echo(render(d, sources), err=True)
        click.echo("", err=True)
    click.echo(f"clock        {summary.start} → {summary.end}")
    click.echo(f"leads        {summary.leads}")
    click.echo(f"flows        {summary.flows}")
    click.echo(f"steps        {summary.steps}")
    click.echo(f"activities   {summary.activities}")
    for name, count in summary.by_type.items():
        click.echo(f"  {name:<24} {count}")
    if summary.emails:
        click.echo("emails sent")
        for name, count in summary.emails.items():
            click.echo(f"  {name:<24} {count}")
    click.echo(f"errors       {len(summary.errors)}")
    for d in summary.errors:
        click.echo(f"  {d.code} lead {d.lead}: {d.message}")
    if summary.waiting:
        click.echo(f"waiting      {len(summary.waiting)} flow(s) still queued at the end")
        for w in summary.waiting[:20]:
            click.echo(f"  lead {w['lead']}  {w['campaign']}  until {w['until']}")
        if len(summary.waiting) > 20:
            click.echo(f"  … and {len(summary.waiting) - 20} more")


if __name__ == "__main__":  # pragma: no cover
    main()
