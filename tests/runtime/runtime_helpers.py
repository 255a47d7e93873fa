"""Helpers for the run-time behaviour tests: check a small program, run it over a
few leads written to ``tmp_path``, and look at what a user would see."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from camp.checker import check_sources
from camp.diagnostics import render
from camp.runtime.evaluator import Limits
from camp.runtime.run import RunOptions, RunSummary, execute

START = dt.datetime(2026, 12, 1, 9, 0, 0)


def check_ok(source: str, *, name: str = "main.camp", extra: Iterable[tuple[str, str]] = ()):
    """Check ``source``; fail the test with the rendered diagnostics on any error."""
    result = check_sources([(name, source), *extra])
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, "\n".join(render(d, result.symbols.sources) for d in errors)
    return result


def write_leads(path: Path, leads: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(leads), encoding="utf-8")
    return path


def write_events(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


class Runner:
    """``camp(source, leads, ...)`` → RunSummary with the activity log kept."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path

    def __call__(
        self,
        source: str,
        leads: list[dict[str, Any]] | None = None,
        campaign: str | None = None,
        *,
        events: list[dict[str, Any]] | None = None,
        start: dt.datetime = START,
        until: dt.datetime | None = None,
        limits: Limits | None = None,
        out: str | None = None,
        extra: Iterable[tuple[str, str]] = (),
        max_depth: int | None = None,
    ) -> RunSummary:
        result = check_ok(source, extra=extra)
        symbols = result.symbols
        if max_depth is not None:
            symbols.max_depth = max_depth
        opts = RunOptions(
            campaign=campaign,
            leads=write_leads(self.tmp_path / "leads.json", leads) if leads is not None else None,
            events=write_events(self.tmp_path / "events.jsonl", events) if events else None,
            start=start,
            until=until,
            out=self.tmp_path / out if out else None,
            keep_activities=True,
            limits=limits or Limits(),
        )
        return execute(symbols, opts)


def acts(summary: RunSummary, type_: str | None = None, lead: int | None = None) -> list[dict]:
    """The activities (optionally of one type and/or lead), without lead/time noise kept."""
    return [
        a
        for a in summary.activity_log
        if (type_ is None or a["type"] == type_) and (lead is None or a["lead"] == lead)
    ]


def strip(activity: dict[str, Any], *keys: str) -> dict[str, Any]:
    """An activity without the given keys (default: lead and time)."""
    drop = keys or ("lead", "time")
    return {k: v for k, v in activity.items() if k not in drop}


def kinds(summary: RunSummary, lead: int | None = None) -> list[str]:
    """``"Type campaign"`` for every activity, in order: a compact picture of a run."""
    return [f"{a['type']} {a['campaign']}" for a in acts(summary, lead=lead)]


def field(summary: RunSummary, lead: int, name: str) -> Any:
    return summary.leads_after[lead].fields.get(name)
