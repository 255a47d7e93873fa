"""The command-line ends of ``camp graph``, ``camp run --report`` and ``camp db report``."""

from __future__ import annotations

import sys
from pathlib import Path

from camp.cli import EXIT_OK, checked_or_refused, fail_input

SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}
SUFFIXES.update({".svg": "svg", ".png": "png", ".html": "html", ".htm": "html"})


def graph_command(file: Path, fmt: str | None, campaign: str | None, out: Path | None) -> int:
    from camp.checker.loader import display_path
    from camp.pictures.graph import GraphvizMissing, draw

    if fmt is None:
        fmt = SUFFIXES.get(out.suffix.lower(), "mermaid") if out is not None else "mermaid"
    result = checked_or_refused(file, "draw")
    graph = result.graph
    if campaign is not None:
        if campaign not in graph.nodes:
            names = ", ".join(graph.nodes) or "none"
            fail_input(f"--campaign: no campaign named '{campaign}' (campaigns: {names})")
        graph = graph.reached_from(campaign)
    title = display_path(file) + (f" — {campaign}" if campaign else "")
    try:
        data = draw(graph, fmt, title)
    except GraphvizMissing as e:
        fail_input(str(e))
    if out is None:
        if fmt == "png" and sys.stdout.isatty():
            fail_input("--format png writes binary data: give --out FILE.png")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        out.write_bytes(data)
    except OSError as e:
        fail_input(f"{display_path(out)}: cannot write: {e.strerror}")
    return EXIT_OK


# ---- camp run --report -------------------------------------------------------------


def start_report(path: Path) -> object:
    """Before the run: fail now (exit 2) if the report cannot be written; a collector."""
    from camp.pictures.collect import ReportCollector
    from camp.pictures.report import PlotlyMissing, plotly_js

    try:
        plotly_js()
    except PlotlyMissing as e:
        fail_input(f"--report: {e}")
    if path.is_dir():
        fail_input(f"--report: {path} is a folder: give a file name like report.html")
    return ReportCollector()


def finish_report(
    path: Path,
    collector: object,
    summary: object,
    result: object,
    file: Path,
    lists: dict[str, int] | None = None,
) -> None:
    """After the run: the page, from the collector's counts and the run's summary."""
    from camp.checker import CheckResult
    from camp.checker.loader import display_path
    from camp.pictures.collect import ReportCollector
    from camp.pictures.report import ReportInfo, write_report
    from camp.runtime.run import RunSummary

    assert isinstance(collector, ReportCollector)
    assert isinstance(summary, RunSummary)
    assert isinstance(result, CheckResult)
    info = ReportInfo(
        title=f"Camp run report: {display_path(file)}",
        subtitle=f"simulated {summary.start} → {summary.end}",
        summary=[
            ("leads", summary.leads),
            ("flows", summary.flows),
            ("steps", summary.steps),
            ("activities", summary.activities),
            ("errors", len(summary.errors)),
            ("waiting", len(summary.waiting)),
        ],
        statuses={name: list(p.statuses) for name, p in result.symbols.programs.items()},
        graph=result.graph,
        waiting=summary.waiting,
    )
    if lists is not None:
        info.lists, info.list_note = lists, "members in the workspace after the run"
    try:
        write_report(path, collector, info)
    except OSError as e:
        fail_input(f"--report: {display_path(path)}: cannot write: {e.strerror}")


def finish_workspace_report(
    path: Path, store: object, summary: object, result: object, file: Path
) -> None:
    """After ``camp run --db``: this run's activities, read back from the workspace (as
    ``--activities`` does there); list sizes are the workspace's after the run."""
    from camp.pictures.collect import ReportCollector
    from camp.store.base import ActivityQuery
    from camp.store.sqlite import SQLiteStore

    assert isinstance(store, SQLiteStore)
    run = store.last_run()
    collector = ReportCollector()
    if run is not None:
        for record in store.activities(ActivityQuery(run_id=run.id)):
            collector.add(record)
    lists = {x["list"]: x["members"] for x in store.stats()["list_members"]}
    finish_report(path, collector, summary, result, file, lists)


# ---- camp db report ------------------------------------------------------------------


def db_report_command(db: Path, out: Path, program: Path | None) -> int:
    from camp.checker.loader import display_path
    from camp.cli import _open_workspace
    from camp.pictures.collect import ReportCollector
    from camp.pictures.report import PlotlyMissing, ReportInfo, plotly_js, write_report
    from camp.store.base import ActivityQuery

    try:
        plotly_js()
    except PlotlyMissing as e:
        fail_input(str(e))
    store = _open_workspace(db)
    stats = store.stats()
    last = stats.get("last_run")
    if program is None and last is not None and Path(last["program"]).is_file():
        program = Path(last["program"])  # the program the workspace last ran, where it still is
    graph = None
    statuses: dict[str, list[str]] = {}
    if program is not None:
        result = checked_or_refused(program, "draw")
        graph = result.graph
        statuses = {name: list(p.statuses) for name, p in result.symbols.programs.items()}
    collector = ReportCollector()
    for record in store.activities(ActivityQuery()):
        collector.add(record)
    waiting = [
        {"lead": "—", "campaign": w["campaign"], "until": f"{w['flows']} flow(s)"}
        for w in stats.get("waiting_by_campaign", [])
    ]
    info = ReportInfo(
        title=f"Camp workspace report: {display_path(db)}",
        subtitle=(
            f"{stats['runs']} run(s), simulated {collector.first or '—'} → {stats['clock'] or '—'}"
            + (f"; graph of {display_path(program)}" if program is not None else "")
        ),
        summary=[
            ("leads", stats["leads"]),
            ("runs", stats["runs"]),
            ("activities", collector.total),
            ("errors", sum(g.count for g in collector.errors.values())),
            ("waiting", stats["waiting_flows"]),
        ],
        statuses=statuses,
        lists={x["list"]: x["members"] for x in stats["list_members"]},
        list_note="members now in the workspace",
        graph=graph,
        waiting=waiting,
    )
    store.close()
    try:
        write_report(out, collector, info)
    except OSError as e:
        fail_input(f"{display_path(out)}: cannot write: {e.strerror}")
    return EXIT_OK
