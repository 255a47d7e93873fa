"""The HTML run report (tooling spec §4): one self-contained page, no network requests.

Charts are Plotly figures drawn by the plotly.js bundle that ships inside the ``plotly``
Python package (``plotly.offline.get_plotlyjs()``), inlined once; the figures themselves
are plain JSON built here, so no figure objects (or pandas) are imported.
"""

from __future__ import annotations

import datetime as _dt
import html
import importlib.util
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from camp.checker.graph import ProgramGraph

from .collect import SENT, ReportCollector

INSTALL_HINT = (
    "the run report draws its charts with plotly, which is not installed: "
    "pip install 'camp-lang[report]' (or pip install plotly)"
)

COLORS = [
    "#3b6fd8", "#d8871f", "#2f9a3a", "#c43c3c", "#8a5cc2", "#1f9fb0",
    "#b5893b", "#d35fa0", "#6b7b8c", "#7fa33b", "#e0b000", "#4a4a9a",
]  # fmt: skip


class PlotlyMissing(Exception):
    pass


def plotly_js() -> Path:
    """The plotly.js bundle inside the installed ``plotly`` package (the file that
    ``plotly.offline.get_plotlyjs()`` reads), found without importing plotly: it is
    copied into the page in chunks, never held in memory.
    Raises :class:`PlotlyMissing` when plotly is not installed."""
    try:
        spec = importlib.util.find_spec("plotly")
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        raise PlotlyMissing(INSTALL_HINT)
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise PlotlyMissing(INSTALL_HINT + f" (its {path.name} is missing)")
    return path


@dataclass
class ReportInfo:
    """What the page says about the run beside the counted activities."""

    title: str
    subtitle: str
    summary: list[tuple[str, Any]]  # (label, value) rows, in order
    statuses: dict[str, list[str]] = field(default_factory=dict)  # program -> progression
    lists: dict[str, int] | None = None  # actual list sizes, where known (a workspace)
    list_note: str = "members added during the run, less those removed"
    graph: ProgramGraph | None = None
    waiting: list[dict[str, Any]] = field(default_factory=list)


def _e(value: Any) -> str:
    return html.escape(str(value))


def _buckets(collector: ReportCollector) -> tuple[list[str], dict[str, list[int]], str]:
    """Activity counts over simulated time: hourly for short runs, daily for long ones."""
    hours = sorted(collector.by_hour)
    if not hours:
        return [], {}, "hour"
    first = _dt.datetime.fromisoformat(hours[0] + ":00")
    last = _dt.datetime.fromisoformat(hours[-1] + ":00")
    daily = last - first > _dt.timedelta(days=4)
    merged: dict[str, Counter[str]] = {}
    for hour in hours:
        key = hour[:10] if daily else hour.replace("T", " ") + ":00"
        merged.setdefault(key, Counter()).update(collector.by_hour[hour])
    keys = sorted(merged)
    types = sorted(collector.by_type)
    return keys, {t: [merged[k][t] for k in keys] for t in types}, "day" if daily else "hour"


def _layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": COLORS,
        "legend": {"orientation": "h", "y": -0.2},
    }
    base.update(extra)
    return base


def _bar_height(rows: int) -> int:
    return max(220, 60 + 34 * rows)


def build_figures(collector: ReportCollector, info: ReportInfo) -> dict[str, dict[str, Any]]:
    """Every chart of the page, by element id, as Plotly figure JSON."""
    figures: dict[str, dict[str, Any]] = {}
    keys, series, unit = _buckets(collector)
    if keys:
        figures["chart-timeline"] = {
            "data": [
                {"type": "bar", "name": t, "x": keys, "y": ys, "hovertemplate": "%{y} " + t}
                for t, ys in series.items()
            ],
            "layout": _layout(
                barmode="stack",
                height=420,
                xaxis={"title": {"text": f"simulated time (per {unit})"}, "type": "date"},
                yaxis={"title": {"text": "activities"}},
            ),
        }
    for i, program in enumerate(sorted(set(info.statuses) | set(collector.statuses))):
        counts = collector.statuses.get(program, Counter())
        order = list(info.statuses.get(program, []))
        order += [s for s in counts if s not in order]
        if not order:
            continue  # a program without statuses has no funnel
        figures[f"chart-funnel-{i}"] = {
            "program": program,
            "data": [
                {
                    "type": "funnel",
                    "y": order,
                    "x": [counts[s] for s in order],
                    "textinfo": "value",
                    "marker": {"color": COLORS[0]},
                }
            ],
            "layout": _layout(
                height=_bar_height(len(order)), margin={"l": 160, "r": 20, "t": 10, "b": 30}
            ),
        }
    if collector.emails:
        names = sorted(collector.emails)
        outcomes = sorted(
            {o for c in collector.emails.values() for o in c}, key=lambda o: (o != SENT, o)
        )
        figures["chart-emails"] = {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": o if o == SENT else f"blocked: {o}",
                    "y": names,
                    "x": [collector.emails[n][o] for n in names],
                }
                for o in outcomes
            ],
            "layout": _layout(
                barmode="stack",
                height=_bar_height(len(names)),
                margin={"l": 260, "r": 20, "t": 10, "b": 40},
                yaxis={"autorange": "reversed", "automargin": True},
            ),
        }
    lists = info.lists if info.lists is not None else dict(collector.lists)
    if lists:
        names = sorted(lists)
        figures["chart-lists"] = {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "y": names,
                    "x": [lists[n] for n in names],
                    "marker": {"color": COLORS[2]},
                }
            ],
            "layout": _layout(
                height=_bar_height(len(names)),
                margin={"l": 260, "r": 20, "t": 10, "b": 40},
                yaxis={"autorange": "reversed", "automargin": True},
            ),
        }
    return figures


STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f2a3a;color:#fff;padding:1rem 1.5rem}
header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;color:#c8d0dc}
main{padding:1rem 1.5rem;max-width:1200px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem 1.2rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .6rem}h3{font-size:.95rem;margin:.8rem 0 .3rem}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin-bottom:.8rem}
.card{border:1px solid #dde1e6;border-radius:6px;padding:.5rem .9rem;min-width:6rem}
.card b{display:block;font-size:1.3rem}.card span{color:#666;font-size:.8rem}
.note{color:#666;font-size:.85rem}pre{background:#f3f4f6;padding:.6rem;overflow:auto;font-size:.8rem}
.graph svg{max-width:100%;height:auto}
"""


def _table(head: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            out.append(f'<td class="n">{_e(cell)}</td>' if i in numeric else f"<td>{_e(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _graph_section(graph: ProgramGraph | None) -> str:
    from .graph import GraphvizMissing, to_mermaid, to_svg

    if graph is None:
        return '<p class="note">No program was given, so there is no graph.</p>'
    try:
        return f'<div class="graph">{to_svg(graph)}</div>'
    except GraphvizMissing:
        return (
            '<p class="note">Graphviz (the <code>dot</code> program) is not installed, so the '
            "graph is shown as Mermaid text; install the Debian or Homebrew package "
            "<code>graphviz</code> to see it drawn.</p>"
            f'<pre class="mermaid-text">{_e(to_mermaid(graph))}</pre>'
        )


def render_report(collector: ReportCollector, info: ReportInfo, out: IO[str]) -> None:
    js = plotly_js()
    figures = build_figures(collector, info)
    parts: list[str] = []
    # summary
    cards = "".join(
        f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in info.summary
    )
    by_type = _table(
        ["activity type", "count"], [[t, n] for t, n in sorted(collector.by_type.items())], {1}
    )
    parts.append(f'<section id="summary"><h2>Summary</h2><div class="cards">{cards}</div>{by_type}')
    if info.waiting:
        rows = [[w["lead"], w["campaign"], w["until"]] for w in info.waiting[:50]]
        more = len(info.waiting) - len(rows)
        parts.append(f"<h3>Waiting at the end ({len(info.waiting)} flows)</h3>")
        parts.append(_table(["lead", "campaign", "until"], rows))
        if more:
            parts.append(f'<p class="note">… and {more} more.</p>')
    parts.append("</section>")
    # timeline
    parts.append('<section id="timeline"><h2>Activities over simulated time</h2>')
    parts.append(
        '<div id="chart-timeline" class="chart"></div>'
        if "chart-timeline" in figures
        else '<p class="note">No activities.</p>'
    )
    parts.append("</section>")
    # funnels
    parts.append('<section id="funnels"><h2>Program status funnels</h2>')
    funnels = [(k, f) for k, f in figures.items() if k.startswith("chart-funnel-")]
    if not funnels:
        parts.append('<p class="note">No program statuses changed.</p>')
    for key, fig in funnels:
        statuses = fig["data"][0]["y"]
        counts = fig["data"][0]["x"]
        parts.append(f'<h3>{_e(fig["program"])}</h3><div id="{key}" class="chart funnel"></div>')
        parts.append(
            _table(
                ["status", "leads that reached it"],
                list(map(list, zip(statuses, counts, strict=True))),
                {1},
            )
        )
    if funnels:
        parts.append(
            '<p class="note">Each bar counts the leads that entered the status during the run '
            "(statuses only move forward through the progression, so a lead is counted once "
            "per status; a lead can skip a status).</p>"
        )
    parts.append("</section>")
    # e-mails
    parts.append('<section id="emails"><h2>E-mails sent and blocked</h2>')
    if "chart-emails" in figures:
        parts.append('<div id="chart-emails" class="chart"></div>')
        reasons: Counter[str] = Counter()
        for c in collector.emails.values():
            reasons.update({o: n for o, n in c.items() if o != SENT})
        if reasons:
            parts.append("<h3>Blocked, by reason</h3>")
            parts.append(
                _table(["reason", "e-mails"], [[r, n] for r, n in sorted(reasons.items())], {1})
            )
    else:
        parts.append('<p class="note">No e-mails.</p>')
    parts.append("</section>")
    # lists
    parts.append('<section id="lists"><h2>List sizes</h2>')
    if "chart-lists" in figures:
        parts.append(
            f'<p class="note">{_e(info.list_note)}</p><div id="chart-lists" class="chart"></div>'
        )
    else:
        parts.append('<p class="note">No static lists.</p>')
    parts.append("</section>")
    # errors
    parts.append('<section id="errors"><h2>Campaign errors</h2>')
    if collector.errors:
        for g in sorted(collector.errors.values(), key=lambda g: (g.code, g.campaign)):
            parts.append(
                f"<h3>{_e(g.code)} in {_e(g.campaign)}: {g.count} flow{'s' * (g.count != 1)}</h3>"
                f'<p>{_e(g.message)} <span class="note">(first: lead {_e(g.lead)} at {_e(g.time)})</span></p>'
                f"<pre>{_e(chr(10).join(str(f) for f in g.stack))}</pre>"
            )
    else:
        parts.append('<p class="note">No campaign errors.</p>')
    parts.append("</section>")
    parts.append(
        f'<section id="graph"><h2>Program graph</h2>{_graph_section(info.graph)}</section>'
    )
    data = json.dumps(figures, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(info.title)}</title><style>{STYLE}</style><script>"
    )
    with js.open(encoding="utf-8") as bundle:
        shutil.copyfileobj(bundle, out)
    out.write(
        "</script></head><body>"
        f"<header><h1>{_e(info.title)}</h1><p>{_e(info.subtitle)}</p></header>"
        f"<main>{''.join(parts)}</main>"
        f'<script id="camp-figures" type="application/json">{data}</script>'
        "<script>(function(){var figs=JSON.parse(document.getElementById('camp-figures')"
        ".textContent);Object.keys(figs).forEach(function(id){var f=figs[id];"
        "Plotly.newPlot(id,f.data,f.layout,{displaylogo:false,displayModeBar:false,"
        "responsive:true});});})();"
        "</script></body></html>\n"
    )


def write_report(path: Path, collector: ReportCollector, info: ReportInfo) -> None:
    with path.open("w", encoding="utf-8") as out:
        render_report(collector, info, out)
