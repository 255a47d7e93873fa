"""Coverage of campaigns by tests: steps run and branches taken (docs/testing.md §3).

Recording is a subclass of the test interpreter, used only under ``--coverage``:
without it the evaluator runs exactly as in ``camp run``. Everything is keyed by
source span, so the same campaign loaded by several test files is one campaign.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from camp.checker.checker import walk_steps
from camp.checker.symbols import Kind, Symbols
from camp.grammar import ast as A
from camp.grammar.span import Span
from camp.runtime.evaluator import Continuation, Frame
from camp.runtime.world import ActivityLog, Lead
from camp.testing.runner import TestInterpreter

RETRY_OUTCOMES = ("first try", "after a retry", "exhausted")
WHERE_OUTCOMES = ("passed", "failed")


@dataclass
class Recorder:
    """What ran, over all tests: step spans, and per choice span the outcomes seen."""

    steps: set[Span] = field(default_factory=set)
    branches: dict[Span, set[str]] = field(default_factory=dict)

    def took(self, span: Span, outcome: str) -> None:
        self.branches.setdefault(span, set()).add(outcome)


def if_outcomes(s: A.If) -> list[str]:
    names = ["if" if i == 0 else f"elif {i}" for i in range(len(s.branches))]
    return [*names, "else" if s.else_body is not None else "no branch (implicit else)"]


class CoveringInterpreter(TestInterpreter):
    """Records steps, ``if`` branches, ``retry`` outcomes and ``where`` results."""

    def __init__(
        self, symbols: Symbols, log: ActivityLog, now: _dt.datetime, recorder: Recorder
    ) -> None:
        super().__init__(symbols, log, now)
        self.recorder = recorder
        self._retries: list[A.Retry] = []
        self._wheres: dict[int, A.Where] = {
            id(cl.condition): cl
            for c in symbols.campaigns.values()
            for cl in c.decl.clauses
            if isinstance(cl, A.Where)
        }
        hit = recorder.steps.add
        for kind, run in list(self._step.items()):
            self._step[kind] = _counting(run, hit)

    def s_if(self, s: A.If, frame: Frame, lead: Lead) -> None:
        outcomes = if_outcomes(s)
        for i, (cond, body) in enumerate(s.branches):
            if self.condition(cond, frame, lead):
                self.recorder.took(s.span, outcomes[i])
                self.run_block(body, frame, lead)
                return
        self.recorder.took(s.span, outcomes[-1])
        if s.else_body is not None:
            self.run_block(s.else_body, frame, lead)

    def retry_from(
        self,
        s: A.Retry,
        first: int,
        inner: list[Continuation] | None,
        frame: Frame,
        lead: Lead,
    ) -> None:
        self._retries.append(s)
        try:
            super().retry_from(s, first, inner, frame, lead)
        finally:
            self._retries.pop()

    def activity(self, lead: Lead, frame: Frame, type_: str, **attrs: Any) -> None:
        super().activity(lead, frame, type_, **attrs)
        if type_ == "Retry Attempt" and self._retries:
            s = self._retries[-1]  # the innermost retry running logs its own attempts
            if attrs["succeeded"]:
                self.recorder.took(s.span, RETRY_OUTCOMES[0 if attrs["attempt"] == 1 else 1])
            elif attrs["attempt"] == s.times:
                self.recorder.took(s.span, RETRY_OUTCOMES[2])

    def condition(self, e: A.Expr, frame: Frame, lead: Lead) -> bool:
        result = super().condition(e, frame, lead)
        where = self._wheres.get(id(e))
        if where is not None:
            self.recorder.took(where.span, WHERE_OUTCOMES[0 if result else 1])
        return result


def _counting(
    run: Callable[[Any, Frame, Lead], None], hit: Callable[[Span], None]
) -> Callable[[Any, Frame, Lead], None]:
    def counted(step: Any, frame: Frame, lead: Lead) -> None:
        hit(step.span)
        run(step, frame, lead)

    return counted


def factory(recorder: Recorder) -> Callable[[Symbols, ActivityLog, _dt.datetime], Any]:
    def make(symbols: Symbols, log: ActivityLog, now: _dt.datetime) -> CoveringInterpreter:
        return CoveringInterpreter(symbols, log, now, recorder)

    return make


# ---- the report ----------------------------------------------------------------------


@dataclass
class Choice:
    span: Span
    kind: str  # if | retry | where
    outcomes: list[str]
    taken: list[str]

    @property
    def missing(self) -> list[str]:
        return [o for o in self.outcomes if o not in self.taken]


@dataclass
class CampaignCoverage:
    name: str
    kind: str
    file: str
    span: Span
    steps: list[Span]
    steps_run: list[Span]
    choices: list[Choice]

    @property
    def branches(self) -> int:
        return sum(len(c.outcomes) for c in self.choices)

    @property
    def branches_taken(self) -> int:
        return sum(len(c.outcomes) - len(c.missing) for c in self.choices)


def campaign_choices(c: A.Campaign) -> Iterator[tuple[Span, str, list[str]]]:
    for cl in c.clauses:
        if isinstance(cl, A.Where):
            yield cl.span, "where", list(WHERE_OUTCOMES)
    for s in walk_steps(c.steps):
        if isinstance(s, A.If):
            yield s.span, "if", if_outcomes(s)
        elif isinstance(s, A.Retry):
            # 'retry 1 times' has no second attempt to succeed on
            yield (
                s.span,
                "retry",
                [o for o in RETRY_OUTCOMES if s.times > 1 or o != "after a retry"],
            )


def report(programs: list[Symbols], recorder: Recorder) -> list[CampaignCoverage]:
    """Per campaign (each once, over every program that loads it), in file order."""
    seen: dict[Span, CampaignCoverage] = {}
    for symbols in programs:
        for info in symbols.campaigns.values():
            decl = info.decl
            if decl.name_span in seen:
                continue
            steps = [s.span for s in walk_steps(decl.steps)]
            choices = [
                Choice(
                    span,
                    kind,
                    outcomes,
                    [o for o in outcomes if o in recorder.branches.get(span, ())],
                )
                for span, kind, outcomes in campaign_choices(decl)
            ]
            kind = "executable" if info.kind is Kind.EXECUTABLE else str(info.kind)
            seen[decl.name_span] = CampaignCoverage(
                decl.name,
                kind,
                decl.span.file,
                decl.span,
                steps,
                [s for s in steps if s in recorder.steps],
                choices,
            )
    return sorted(seen.values(), key=lambda c: (c.file, c.span.line, c.span.column))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "100%"


def totals(cov: list[CampaignCoverage]) -> tuple[int, int, int, int]:
    steps = sum(len(c.steps) for c in cov)
    run = sum(len(c.steps_run) for c in cov)
    branches = sum(c.branches for c in cov)
    taken = sum(c.branches_taken for c in cov)
    return run, steps, taken, branches


def to_text(cov: list[CampaignCoverage]) -> str:
    rows = [("campaign", "steps", "", "branches", "", "branches never taken")]
    for c in cov:
        missing = [
            f"{ch.span.line} ({ch.kind}: {', '.join(ch.missing)})" for ch in c.choices if ch.missing
        ]
        rows.append(
            (
                f"{c.file}:{c.span.line} {c.name}",
                f"{len(c.steps_run)}/{len(c.steps)}",
                _pct(len(c.steps_run), len(c.steps)),
                f"{c.branches_taken}/{c.branches}",
                _pct(c.branches_taken, c.branches),
                "; ".join(missing),
            )
        )
    run, steps, taken, branches = totals(cov)
    rows.append(
        (
            "TOTAL",
            f"{run}/{steps}",
            _pct(run, steps),
            f"{taken}/{branches}",
            _pct(taken, branches),
            "",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, 5)]
        lines.append(("  ".join(cells) + ("  " + r[5] if r[5] else "")).rstrip())
    return "\n".join(lines)


def _span_json(s: Span) -> dict[str, Any]:
    return {
        "file": s.file,
        "line": s.line,
        "column": s.column,
        "end_line": s.end_line,
        "end_column": s.end_column,
    }


def to_json(cov: list[CampaignCoverage]) -> str:
    run, steps, taken, branches = totals(cov)
    doc = {
        "totals": {"steps": steps, "steps_run": run, "branches": branches, "branches_taken": taken},
        "campaigns": [
            {
                "name": c.name,
                "kind": c.kind,
                **_span_json(c.span),
                "steps": len(c.steps),
                "steps_run": len(c.steps_run),
                "branches": c.branches,
                "branches_taken": c.branches_taken,
                "steps_never_run": [_span_json(s) for s in c.steps if s not in c.steps_run],
                "choices": [
                    {
                        "kind": ch.kind,
                        **_span_json(ch.span),
                        "outcomes": ch.outcomes,
                        "taken": ch.taken,
                        "missing": ch.missing,
                    }
                    for ch in c.choices
                ],
            }
            for c in cov
        ],
    }
    return json.dumps(doc, indent=2)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table.summary{border-collapse:collapse;margin-bottom:2em}
table.summary td,table.summary th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}
table.summary td:first-child,table.summary th:first-child{text-align:left}
pre{margin:0}
.src{font-family:ui-monospace,monospace;font-size:13px;border:1px solid #ccc;margin-bottom:2em}
.ln{display:flex;white-space:pre}
.ln .n{width:4em;text-align:right;padding-right:1em;color:#888;user-select:none}
.ln .t{flex:1;padding-left:.5em}
.run{background:#dfd;border-left:4px solid #3a3}
.mis{background:#fdd;border-left:4px solid #c33}
.par{background:#ffc;border-left:4px solid #cc0}
.none{border-left:4px solid transparent}
.note{color:#a60;padding-left:1em;font-style:italic}
.legend span{padding:2px 8px;margin-right:8px}
"""


def to_html(cov: list[CampaignCoverage], sources: dict[str, str]) -> str:
    """One self-contained page: a summary table, then each file with its lines marked."""
    run, steps, taken, branches = totals(cov)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Camp coverage</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>Camp coverage</h1>",
        f"<p>steps {run}/{steps} ({_pct(run, steps)}), branches {taken}/{branches} "
        f"({_pct(taken, branches)})</p>",
        '<p class="legend"><span class="run">run</span><span class="mis">never run</span>'
        '<span class="par">branch partly taken</span></p>',
        '<table class="summary"><tr><th>campaign</th><th>steps</th><th>branches</th></tr>',
    ]
    for c in cov:
        out.append(
            f"<tr><td>{html.escape(c.file)}:{c.span.line} {html.escape(c.name)}</td>"
            f"<td>{len(c.steps_run)}/{len(c.steps)} ({_pct(len(c.steps_run), len(c.steps))})</td>"
            f"<td>{c.branches_taken}/{c.branches} ({_pct(c.branches_taken, c.branches)})</td></tr>"
        )
    out.append("</table>")
    for file in sorted({c.file for c in cov}):
        marks, notes = line_marks([c for c in cov if c.file == file])
        out.append(f"<h2>{html.escape(file)}</h2>")
        out.append('<div class="src">')
        for n, text in enumerate(sources.get(file, "").split("\n"), start=1):
            mark = marks.get(n, "none")
            note = f'<span class="note">{html.escape(notes[n])}</span>' if n in notes else ""
            out.append(
                f'<div class="ln {mark}" id="{html.escape(file)}-{n}"><span class="n">{n}</span>'
                f'<span class="t">{html.escape(text) or " "}{note}</span></div>'
            )
        out.append("</div>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def line_marks(cov: list[CampaignCoverage]) -> tuple[dict[int, str], dict[int, str]]:
    """Per line: run / mis (never run) / par (a choice on it partly taken), and notes."""
    marks: dict[int, str] = {}
    notes: dict[int, str] = {}
    for c in cov:
        ran = set(c.steps_run)
        for s in c.steps:
            if marks.get(s.line) == "mis":
                continue
            marks[s.line] = "run" if s in ran else "mis"
        for ch in c.choices:
            line = ch.span.line
            if not ch.missing:
                marks.setdefault(line, "run")
                continue
            notes[line] = "never: " + ", ".join(ch.missing)
            if not ch.taken:
                marks[line] = "mis"
            elif marks.get(line) != "mis":
                marks[line] = "par"
    return marks, notes
