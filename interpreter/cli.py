"""The ``camp`` command line (spec §7). Each command imports what it needs lazily,
so ``camp check`` never loads the interpreter, the REPL or Pygments."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
MAX_CALL_DEPTH = 50  # --max-depth: far above Marketo's 3, within Python's stack


def fail_input(message: str) -> NoReturn:
    """A usage or input error: one clear line on stderr, exit status 2."""
    click.echo(f"camp: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def checked_or_refused(file: Path, doing: str, max_depth: int | None = None) -> Any:
    """``file`` checked with its imports. An unreadable file is an input error (exit 2); a
    program that fails the checks is shown as ``camp check`` shows it and refused (exit 3)."""
    from camp.checker import DEFAULT_MAX_DEPTH, InputError, check_files

    try:
        result = check_files([file], DEFAULT_MAX_DEPTH if max_depth is None else max_depth)
    except InputError as e:
        fail_input(str(e))
    if result.errors:
        print_diagnostics(result.diagnostics, result.symbols.sources, err=True)
        click.echo(f"camp: refused to {doing}: {len(result.errors)} check error(s)", err=True)
        sys.exit(EXIT_REFUSED)
    return result


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
    type=click.IntRange(min=1, max=MAX_CALL_DEPTH),
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
        try:
            return start + dt.timedelta(seconds=int(m.group(1)) * units[m.group(2)])
        except OverflowError:
            fail_input(f"{option}: '{text}' after the start goes past the year 9999")
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
@click.option(
    "--max-depth", type=click.IntRange(min=1, max=MAX_CALL_DEPTH), default=3, show_default=True
)
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
@click.option(
    "--resume",
    is_flag=True,
    help="With --db: finish the workspace's interrupted run (with that run's options).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=500, hidden=True)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Write an HTML report of the run (charts, funnels, the graph) to this file.",
)
@click.option(
    "--workers",
    help="Split the run by lead over N local processes ('auto': one per core).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Run the partitions on a Dask cluster ('local': start a LocalCluster).",
)
@click.option(
    "--engine",
    type=click.Choice(["compiled", "tree"]),
    default="compiled",
    show_default=True,
    help="compiled: the program as Python code (falls back to tree for what it does not cover);"
    " tree: the tree-walking reference evaluator.",
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
    resume: bool,
    batch_size: int,
    report: Path | None,
    workers: str | None,
    dask_address: str | None,
    engine: str,
) -> None:
    """Run the campaigns of FILE over lead data and report what they did.

    With --db the leads come from a workspace and everything the run does is
    written back to it; a later run continues from the workspace's clock.
    """
    import datetime as dt

    from camp.checker import InputError
    from camp.parallel import uses_parts  # folders of parts, Parquet
    from camp.runtime.evaluator import Limits
    from camp.runtime.run import RunOptions, execute

    if dask_address is not None and db is not None:
        fail_input(
            "--dask with --db: a workspace is one SQLite file, which processes on other "
            "machines cannot share (SQLite does not work over a network file system); "
            "use --workers N with --db (see docs/parallel.md)"
        )
    if (workers is not None or dask_address is not None) and report is not None:
        fail_input(
            "--report with --workers/--dask: the report's counts are kept in one process; "
            "run the report without --workers/--dask (see docs/parallel.md)"
        )
    count = None  # --workers N
    if workers is not None or dask_address is not None:
        if trace:
            fail_input(
                "--trace prints one run's steps in order: it cannot follow a partitioned run; "
                "drop --workers/--dask (or run the leads you want to trace serially)"
            )
        if workers is not None:
            from camp.parallel.cli import parse_workers

            try:
                count = parse_workers(workers)
            except InputError as e:
                fail_input(str(e))
    if db is not None:
        _run_workspace(
            file,
            db,
            campaign=campaign,
            leads=leads,
            events=events,
            start=start,
            until=until,
            out=out,
            activities=activities,
            trace=trace,
            fmt=fmt,
            max_depth=max_depth,
            limits=Limits(max_steps, max_cascade),
            resume=resume,
            batch_size=batch_size,
            report=report,
            workers=count,
            engine=engine,
        )
    if resume:
        fail_input("--resume finishes an interrupted run on a workspace: give --db DB")
    result = checked_or_refused(file, "run", max_depth)
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
        engine=engine,
    )
    if _use_color(sys.stderr) and not trace:
        opts.progress = _progress
    collector: Any = None
    if report is not None:
        from camp.pictures.cli import start_report

        collector = start_report(report)
        opts.activity_sinks.append(collector.add)
    try:
        if workers is not None or dask_address is not None:
            from camp.parallel.cli import run_partitioned

            summary = run_partitioned(file, result.symbols, opts, count, dask_address, max_depth)
        elif uses_parts(leads, events, out):
            from camp.parallel.cli import run_parts

            summary = run_parts(result.symbols, opts)
        else:
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
    if report is not None:
        from camp.pictures.cli import finish_report

        finish_report(report, collector, summary, result, file)
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


@main.command("fmt")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing.")
def fmt(files: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Rewrite FILE... (folders: their *.camp files; '-': stdin to stdout) in the canonical layout."""
    from camp.format.command import run_fmt

    sys.exit(run_fmt(files, check, show_diff))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg", "png", "html"]),
    help="Default: from --out's suffix (.mmd .dot .svg .png .html), else mermaid.",
)
@click.option("--campaign", metavar="NAME", help="Only what campaign NAME reaches.")
@click.option("--out", type=click.Path(path_type=Path), help="Write here instead of stdout.")
def graph(file: Path, fmt: str | None, campaign: str | None, out: Path | None) -> None:
    """Draw FILE's campaigns: calls, requests and the trigger cascade."""
    from camp.pictures.cli import graph_command

    sys.exit(graph_command(file, fmt, campaign, out))


# ---- lead workspaces (SQLite): camp run --db, camp db ..., camp log ---------------------


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-k", "keyword", metavar="TEXT", help="Only tests whose name contains TEXT.")
@click.option("-x", "stop_first", is_flag=True, help="Stop at the first failing test.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
)
@click.option("--coverage", is_flag=True, help="Record which steps and branches the tests ran.")
@click.option(
    "--coverage-format",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option("--out-coverage", type=click.Path(path_type=Path), help="Write coverage here.")
@click.option("--max-depth", type=click.IntRange(min=1), default=3, show_default=True)
def test_command(
    paths: tuple[Path, ...],
    keyword: str | None,
    stop_first: bool,
    fmt: str,
    coverage: bool,
    coverage_format: str,
    out_coverage: Path | None,
    max_depth: int,
) -> None:
    """Run the tests of PATH... (files, or folders searched for .camp files with tests)."""
    from camp.testing.command import run_command

    sys.exit(
        run_command(
            list(paths),
            keyword,
            stop_first,
            fmt,
            coverage,
            coverage_format,
            out_coverage,
            max_depth,
        )
    )


def _open_workspace(db: Path, create: bool = False) -> Any:
    from camp.store.base import WorkspaceError
    from camp.store.sqlite import SQLiteStore

    try:
        return SQLiteStore.open(db, create=create)
    except WorkspaceError as e:
        fail_input(str(e))


def _lock_workspace(db: Path, what: str) -> Any:
    from camp.store.base import WorkspaceError
    from camp.store.sqlite import WorkspaceLock

    lock = WorkspaceLock(db)
    try:
        lock.acquire(what)
    except WorkspaceError as e:
        fail_input(str(e))
    return lock


def _program_digest(sources: dict[str, str]) -> str:
    import hashlib

    h = hashlib.sha256()
    for text in sorted(sources.values()):
        h.update(text.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _refuse_changed_resume_options(
    unfinished: Any, campaign: str | None, events: Path | None, start: str | None, until: str | None
) -> None:
    """``--resume`` accepts the interrupted run's own options again; a different one is refused."""
    from camp.checker.loader import display_path
    from camp.store.runner import resume_differences

    given: dict[str, Any] = {}
    if campaign is not None:
        given["--campaign"] = campaign
    if events is not None:
        given["--events"] = display_path(events)
    if start is not None:
        given["--start"] = parse_when(start, "--start")
    if until is not None:
        given["--until"] = parse_when(until, "--until", unfinished.start)
    ctx = click.get_current_context()
    for param in ("max_steps", "max_cascade", "max_depth"):
        if ctx.get_parameter_source(param) is not click.core.ParameterSource.DEFAULT:
            given["--" + param.replace("_", "-")] = ctx.params[param]
    differ = resume_differences(unfinished, given)
    if differ:
        fail_input(
            "--resume finishes the interrupted run with its own options; these differ: "
            + ", ".join(differ)
            + " (give the same options, or none)"
        )


def _run_workspace(
    file: Path,
    db: Path,
    *,
    campaign: str | None,
    leads: Path | None,
    events: Path | None,
    start: str | None,
    until: str | None,
    out: Path | None,
    activities: Path | None,
    trace: bool,
    fmt: str,
    max_depth: int,
    limits: Any,
    resume: bool,
    batch_size: int,
    report: Path | None = None,
    workers: int | None = None,
    engine: str = "compiled",
) -> NoReturn:
    """``camp run FILE --db DB``: leads from the workspace, everything written back to it."""
    import datetime as dt

    from camp.checker import InputError
    from camp.checker.loader import display_path
    from camp.runtime.run import RunOptions
    from camp.store.base import WorkerFailed
    from camp.store.runner import WorkspaceRun, run_workspace

    if leads is not None:
        fail_input(
            "--leads and --db: a workspace run reads its leads from the workspace; "
            f"import the file first with `camp db import {display_path(db)} {display_path(leads)}`"
        )
    lock = _lock_workspace(db, f"camp run {file}")
    try:
        store = _open_workspace(db)
        if resume:
            unfinished = store.unfinished_run()
            if unfinished is not None:
                _refuse_changed_resume_options(unfinished, campaign, events, start, until)
                max_depth = int(unfinished.options.get("max_depth") or max_depth)
        result = checked_or_refused(file, "run", max_depth)
        clock = store.clock()
        if start:
            begin = parse_when(start, "--start")
        else:
            begin = clock or dt.datetime.now().replace(microsecond=0)
        end = parse_when(until, "--until", begin) if until else None
        opts = RunOptions(
            campaign=campaign,
            events=events,
            start=begin,
            until=end,
            out=out,
            activities=activities,
            limits=limits,
            trace=(lambda line: click.echo(line, err=True)) if trace else None,
            engine=engine,
        )
        if _use_color(sys.stderr) and not trace:
            opts.progress = _progress
        ws = WorkspaceRun(
            program=display_path(file),
            digest=_program_digest(result.symbols.sources),
            resume=resume,
            batch=batch_size,
            events_name=display_path(events) if events else None,
            db=display_path(db),
            warn=lambda message: click.echo(f"camp: warning: {message}", err=True),
            workers=workers,
            held_fds=(lock.fd,),
        )
        if report is not None:
            from camp.pictures.cli import start_report

            start_report(report)
        finish = (
            f"the workspace keeps every batch committed before it: finish the run with "
            f"`camp run {display_path(file)} --db {display_path(db)} --resume`"
        )
        try:
            summary, errors = run_workspace(result.symbols, store, opts, ws)
        except InputError as e:
            fail_input(str(e))
        except WorkerFailed as e:
            if opts.progress is not None:
                click.echo("\r\x1b[K", nl=False, err=True)
            click.echo(f"camp: error: {e}; {finish}", err=True)
            sys.exit(EXIT_FAIL)
        except KeyboardInterrupt:
            stopped = "every worker stopped; " if workers else ""
            click.echo(f"\ncamp: interrupted: {stopped}{finish}", err=True)
            sys.exit(130)
        if report is not None:
            from camp.pictures.cli import finish_workspace_report

            finish_workspace_report(report, store, summary, result, file)
        if opts.progress is not None:
            click.echo("\r\x1b[K", nl=False, err=True)
        if fmt == "json":
            import json

            shown = summary.to_json()
            shown["workspace"] = {"db": display_path(db), "errors": errors, "resumed": resume}
            click.echo(json.dumps(shown, indent=2))
        else:
            _print_summary(summary, result.symbols.sources)
            click.echo(
                f"workspace    {display_path(db)}: clock at {summary.end}"
                + (f"; {errors} error(s) in the whole run" if resume else "")
            )
        store.close()
    finally:
        lock.release()
    sys.exit(EXIT_FAIL if errors else EXIT_OK)


@main.group(cls=CampGroup)
def db() -> None:
    """Lead workspaces (one SQLite file): import, export, stats. See also `camp log`."""


@db.command("import")
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--key",
    type=click.Choice(["id", "email"]),
    default="id",
    show_default=True,
    help="Match rows to leads by id, or by e-mail address (trimmed, case-insensitive).",
)
@click.option(
    "--skip-bad-rows",
    "rejects",
    metavar="REJECTS",
    type=click.Path(path_type=Path),
    help="Import the good rows; write each bad one to REJECTS with a 'reason'.",
)
@click.option(
    "--schema",
    metavar="PROGRAM.camp",
    type=click.Path(path_type=Path),
    help="Type the values by this program's fields block (else by their look).",
)
def db_import(
    db_path: Path, file: Path, key: str, rejects: Path | None, schema: Path | None
) -> None:
    """Import leads from FILE (CSV, JSON or JSONL) into the workspace DB, in one transaction.

    Leads new to the workspace raise 'created' in the next `camp run --db`.
    """
    from camp.checker import InputError, check_files
    from camp.checker.loader import display_path
    from camp.runtime.leadio import Typer
    from camp.store.importer import import_leads
    from camp.store.runner import unfinished_message

    typer = Typer.by_look()
    types: dict[str, str] | None = None
    if schema is not None:
        try:
            result = check_files([schema])
        except InputError as e:
            fail_input(f"--schema: {e}")
        if result.errors:
            print_diagnostics(result.diagnostics, result.symbols.sources, err=True)
            fail_input(f"--schema {display_path(schema)}: {len(result.errors)} check error(s)")
        typer = Typer(result.symbols)
        if result.symbols.closed:
            types = {
                n: str(f.type)
                for n, f in result.symbols.fields.items()
                if n != "id" and not f.implicit
            }
    new_workspace = not db_path.exists()
    lock = _lock_workspace(db_path, f"camp db import {file}")
    try:
        store = _open_workspace(db_path, create=True)
        unfinished = store.unfinished_run()
        if unfinished is not None:
            fail_input(unfinished_message(unfinished, display_path(db_path)))
        try:
            outcome = import_leads(store, file, key, typer, types, rejects)
        except InputError as e:
            store.close()
            if new_workspace:  # nothing written: not even an empty workspace
                for suffix in ("", "-wal", "-shm", ".lock"):
                    Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            fail_input(str(e))
        store.close()
    finally:
        lock.release()
    click.echo(
        f"imported {display_path(file)} into {display_path(db_path)}: {outcome.rows} row(s), "
        f"{outcome.created} new lead(s), {outcome.updated} updated, {outcome.rejected} rejected"
        + (f" (see {display_path(rejects)})" if rejects is not None and outcome.rejected else "")
    )
    click.echo(f"the workspace has {outcome.leads} lead(s)")
    if outcome.created:
        click.echo(f"{outcome.created} new lead(s) will raise 'created' in the next run")


def _compile_where(text: str) -> tuple[Any, Any, Any]:
    """A --where CONDITION: parsed, checked (functions, arity, types) and ready to evaluate."""
    from camp.checker import check_sources
    from camp.grammar.parser import CampSyntaxError, parse_expression

    try:
        parse_expression(text, "--where")
    except CampSyntaxError as e:
        fail_input(f"--where: {e.diagnostics[0].message}")
    result = check_sources([("--where", f"campaign Export <\n  where {text};\n>\n")])
    if result.errors:
        first = result.errors[0]
        fail_input(f"--where: {first.message}" + (f" ({first.hint})" if first.hint else ""))
    info = result.symbols.campaigns["Export"]
    return result.symbols, info, info.filters[0]


@db.command("export")
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write the leads: .csv, .json or .jsonl.",
)
@click.option("--list", "list_name", metavar="NAME", help="Only the members of this static list.")
@click.option("--where", metavar="CONDITION", help='A Camp condition, e.g. "score >= 50".')
def db_export(db_path: Path, out: Path, list_name: str | None, where: str | None) -> None:
    """Write the workspace's leads (id first, then every field) to a file."""
    import datetime as dt
    import os

    from camp.checker.loader import InputError, display_path
    from camp.runtime.evaluator import Frame, Interpreter
    from camp.runtime.leadio import file_format, write_leads
    from camp.runtime.values import CampaignError
    from camp.runtime.world import ActivityLog, Lead

    try:
        file_format(out)
    except InputError as e:
        fail_input(f"--out: {e}")
    test = _compile_where(where) if where else None
    store = _open_workspace(db_path)
    key = None
    if list_name is not None:
        key = list_name.casefold()
        names = dict(store.conn.execute("SELECT key, name FROM lists"))
        members = store.conn.execute(
            "SELECT 1 FROM list_members WHERE list_key = ? LIMIT 1", (key,)
        ).fetchone()
        if key not in names and members is None:
            known = ", ".join(f"'{n}'" for n in sorted(names.values())) or "none"
            fail_input(f"--list: no static list named '{list_name}' (lists: {known})")
    rows = source = store.iter_lead_fields(key)
    if test is not None:
        symbols, info, expr = test
        now = store.clock() or dt.datetime.now().replace(microsecond=0)
        interp = Interpreter(symbols, ActivityLog(None, keep=False), now)
        frame = Frame(info, None, None, None)

        def matching() -> Any:
            for lead_id, fields in source:
                try:
                    ok = interp.condition(expr, frame, Lead(lead_id, fields))
                except CampaignError as e:
                    fail_input(f"--where: lead {lead_id}: {e.message}")
                if ok:
                    yield lead_id, fields

        rows = matching()
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")  # renamed when complete
    try:
        count = write_leads(tmp, rows, store.field_order())
    except OSError as e:
        tmp.unlink(missing_ok=True)
        fail_input(f"{display_path(out)}: cannot write: {e.strerror}")
    except SystemExit:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    click.echo(f"exported {count} lead(s) to {display_path(out)}")


@db.command("stats")
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def db_stats(db_path: Path, fmt: str) -> None:
    """Counts: leads, lists and memberships, program members, activities by type, waiting flows."""
    import json

    from camp.checker.loader import display_path

    store = _open_workspace(db_path)
    stats = store.stats()
    stats["workspace"] = display_path(db_path)
    if fmt == "json":
        click.echo(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    click.echo(f"workspace    {stats['workspace']} (layout version {stats['version']})")
    click.echo(f"clock        {stats['clock'] or 'not started'}")
    click.echo(f"leads        {stats['leads']}  ({stats['fields']} fields)")
    click.echo(f"lists        {stats['lists']}  ({stats['memberships']} memberships)")
    for item in stats["list_members"]:
        click.echo(f"  {item['list']:<36} {item['members']}")
    if stats["program_members"]:
        click.echo("programs")
        for item in stats["program_members"]:
            click.echo(f"  {item['program']:<24} {item['status']:<16} {item['members']}")
    click.echo(f"activities   {stats['activities']}")
    for name, count in stats["activities_by_type"].items():
        click.echo(f"  {name:<36} {count}")
    click.echo(f"waiting      {stats['waiting_flows']} flow(s)")
    for item in stats["waiting_by_campaign"]:
        click.echo(f"  {item['campaign']:<36} {item['flows']}")
    queued = stats["queued"]
    click.echo(
        f"queued       {queued['flows']} flow(s), {queued['new_leads']} new lead(s), "
        f"{queued['created']} imported lead(s) to raise 'created'"
    )
    last = stats["last_run"]
    line = f"runs         {stats['runs']}"
    if last is not None:
        what = f"--campaign {last['campaign']}" if last["campaign"] else "queue"
        line += (
            f"  (last: #{last['id']} {last['program']} {what}, {last['status']}, "
            f"{last['start']} → {last['end']})"
        )
    click.echo(line)


@db.command("report")
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The HTML file.")
@click.option(
    "--program",
    type=click.Path(path_type=Path),
    help="The program to draw (default: the one the workspace last ran, if it is there).",
)
def db_report(db_path: Path, out: Path, program: Path | None) -> None:
    """An HTML report over the workspace's whole history (like camp run --report)."""
    from camp.pictures.cli import db_report_command

    sys.exit(db_report_command(db_path, out, program))


@main.command("log")
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.option("--lead", metavar="ID|EMAIL", help="One lead, by id or e-mail address.")
@click.option("--type", "type_", metavar="T", help="One activity type, e.g. 'Send Email'.")
@click.option("--campaign", metavar="C", help="Activities of one campaign.")
@click.option("--since", metavar="T", help="Activities at or after this date-time.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def log(
    db_path: Path,
    lead: str | None,
    type_: str | None,
    campaign: str | None,
    since: str | None,
    fmt: str,
) -> None:
    """The workspace's activity log, in the order things happened.

    --format json prints JSONL in the shape of `camp run --activities`.
    """
    import json

    from camp.store.base import ActivityQuery

    store = _open_workspace(db_path)
    query = ActivityQuery(campaign=campaign)
    if lead is not None:
        text = lead.strip()
        if text.isdigit():
            query.lead_ids = [int(text)]
        else:
            query.lead_ids = store.ids_by_email(text)
            if not query.lead_ids:
                fail_input(f"--lead: no lead with the e-mail address '{text}'")
    if type_ is not None:
        types = {t.casefold(): t for t in store.activity_types()}
        found = types.get(type_.strip().casefold())
        if found is None:
            known = ", ".join(sorted(types.values())) or "none yet"
            fail_input(f"--type: no activities of type '{type_}' (types in the log: {known})")
        query.type = found
    if since is not None:
        query.since = parse_when(since, "--since")
    write = sys.stdout.write
    for record in store.activities(query):
        if fmt == "json":
            write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        attrs = "  ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}"
            for k, v in record.items()
            if k not in ("lead", "time", "type", "campaign")
        )
        write(
            f"{record['time']}  lead {record['lead']:<6} {record['type']:<22} "
            f"{record['campaign']}{'  ' + attrs if attrs else ''}\n"
        )
    sys.stdout.flush()


@main.command("lsp")
@click.option("--stdio", is_flag=True, help="Speak over stdin/stdout (the default and only mode).")
def lsp(stdio: bool) -> None:
    """Run the Camp language server (LSP over stdio) for editors."""
    from camp.lsp.server import main as serve  # pygls is imported only here

    serve()


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


def entry() -> None:
    """The ``camp`` console script (and ``python -m camp.cli``): the command, then an exit
    that does not take apart what the process built. ``gc.freeze()`` moves every object out
    of the cyclic collector's sight, so the interpreter's shutdown neither collects nor
    frees the modules, the grammar and the checked program one by one (about 10 ms of a
    ``camp check``). The commands close their own outputs; the interpreter still flushes
    stdout and stderr and runs the exit handlers. Tests call :func:`main` in-process and
    are left alone."""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    entry()
