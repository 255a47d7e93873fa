"""`camp run --report` and `camp db report`: the page's sections and numbers, offline
(no external reference), streaming counts, and the errors a user can make."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from camp.cli import main
from camp.pictures.collect import ReportCollector
from click.testing import CliRunner
from report_runs import ROOT, write_report


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def figures(page: str) -> dict[str, dict]:
    m = re.search(r'<script id="camp-figures" type="application/json">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def webinar(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "webinar.html"
    code, stdout, stderr = write_report("webinar", out)
    assert code == 0, stderr
    assert "activities   244" in stdout  # the run's own summary is still printed
    return out.read_text(encoding="utf-8")


def test_every_section_is_there(webinar: str) -> None:
    for section in ("summary", "timeline", "funnels", "emails", "lists", "errors", "graph"):
        assert f'<section id="{section}">' in webinar
    assert "<title>Camp run report: examples/webinar.camp</title>" in webinar
    assert "simulated 2026-12-01T08:00:00 → 2026-12-14T09:00:00" in webinar


def test_self_contained(webinar: str) -> None:
    # no file, script, style, image or font is fetched: everything is inline
    assert not re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)=", webinar)
    assert "@import" not in webinar and "url(http" not in webinar
    assert webinar.count("<script") == 3  # plotly.js, the figures (JSON), the drawing


def test_summary_numbers(webinar: str) -> None:
    cards = dict(
        (label, int(value))
        for value, label in re.findall(r'<div class="card"><b>(\d+)</b><span>(\w+)</span>', webinar)
    )
    assert cards == {
        "leads": 20,
        "flows": 49,
        "steps": 236,
        "activities": 244,
        "errors": 0,
        "waiting": 0,
    }
    assert '<tr><td>Send Email</td><td class="n">36</td></tr>' in webinar


def test_funnel_in_progression_order(webinar: str) -> None:
    funnel = figures(webinar)["chart-funnel-0"]
    assert funnel["program"] == "Webinar 2026-Q1"
    assert funnel["data"][0]["y"] == ["Invited", "Registered", "No Show", "Attended"]
    assert funnel["data"][0]["x"] == [14, 10, 5, 7]


def test_emails_lists_and_timeline(webinar: str) -> None:
    figs = figures(webinar)
    emails = {
        t["name"]: dict(zip(t["y"], t["x"], strict=True)) for t in figs["chart-emails"]["data"]
    }
    assert emails["sent"]["Webinar 2026-Q1 Invitation"] == 12
    assert sum(emails["sent"].values()) == 36
    blocked = sum(sum(v.values()) for k, v in emails.items() if k.startswith("blocked: "))
    assert blocked == 10
    lists = figs["chart-lists"]["data"][0]
    assert dict(zip(lists["y"], lists["x"], strict=True)) == {
        "Webinar 2026-Q1 On-demand Nurture": 5,
        "Webinar 2026-Q1 Registrants": 11,
    }
    timeline = figs["chart-timeline"]
    assert timeline["layout"]["barmode"] == "stack"
    assert sum(sum(t["y"]) for t in timeline["data"]) == 244
    assert timeline["data"][0]["x"][0] == "2026-12-01"  # a 2-week run is drawn per day


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
def test_graph_embedded(webinar: str) -> None:
    graph = webinar.split('<section id="graph">', 1)[1]
    assert "<svg" in graph and ">FollowUpWebinarQ1</text>" in graph


def test_graph_as_text_without_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "r.html"
    assert write_report("webinar", out)[0] == 0
    graph = out.read_text(encoding="utf-8").split('<section id="graph">', 1)[1]
    assert "<svg" not in graph
    assert "Graphviz (the <code>dot</code> program) is not installed" in graph
    assert "flowchart LR" in graph


def test_errors_grouped_with_one_example_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.camp").write_text(
        'executable campaign Boom < fail "no luck"; >\ncampaign Run < call Boom; >\n',
        encoding="utf-8",
    )
    Path("leads.csv").write_text("id,email\n1,a@example.com\n2,b@example.com\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["run", "p.camp", "--campaign", "Run", "--leads", "leads.csv", "--start",
         "2026-12-01T09:00:00", "--report", "r.html"],
    )  # fmt: skip
    assert result.exit_code == 1  # campaign errors: the run's exit code is unchanged
    errors = Path("r.html").read_text(encoding="utf-8").split('<section id="errors">', 1)[1]
    errors = errors.split("</section>", 1)[0]
    assert "<h3>R206 in Run: 2 flows</h3>" in errors
    assert (
        '<p>no luck <span class="note">(first: lead 1 at 2026-12-01T09:00:00)</span></p>' in errors
    )
    assert "<pre>p.camp:2:16 Run\np.camp:1:28 Boom</pre>" in errors


def test_without_plotly_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "plotly", None)  # as if it were not installed
    out = tmp_path / "r.html"
    code, stdout, stderr = write_report("webinar", out)
    assert code == 2 and stdout == "" and not out.exists()
    assert stderr == (
        "camp: error: --report: the run report draws its charts with plotly, which is not "
        "installed: pip install 'camp-lang[report]' (or pip install plotly)\n"
    )


def test_workspace_run_report_matches_the_file_run(tmp_path: Path, webinar: str) -> None:
    runner = CliRunner()
    db = tmp_path / "ws.db"
    assert (
        runner.invoke(main, ["db", "import", str(db), "examples/data/webinar.csv"]).exit_code == 0
    )
    out = tmp_path / "r.html"
    ran = runner.invoke(
        main,
        ["run", "examples/webinar.camp", "--db", str(db),
         "--events", "examples/data/webinar.events.jsonl",
         "--start", "2026-12-01T08:00:00", "--until", "2026-12-20T00:00:00",
         "--report", str(out)],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    page = out.read_text(encoding="utf-8")
    mine, theirs = figures(page), figures(webinar)
    for key in ("chart-funnel-0", "chart-emails", "chart-lists", "chart-timeline"):
        assert mine[key]["data"] == theirs[key]["data"], key
    assert "members in the workspace after the run" in page


def test_collector_memory_does_not_grow_with_leads() -> None:
    c = ReportCollector()
    for lead in range(50_000):
        c.add(
            {
                "lead": lead,
                "time": "2026-12-01T09:00:00",
                "type": "Send Email",
                "campaign": "A",
                "email": "Hi",
            }
        )
        c.add({"lead": lead, "time": "2026-12-01T09:30:00", "type": "Change Program Status", "campaign": "A",
               "program": "P", "old": None, "new": "Invited", "applied": True})  # fmt: skip
    assert c.total == 100_000
    assert list(c.by_hour) == ["2026-12-01T09"]
    assert c.emails == {"Hi": {"sent": 50_000}}
    assert c.statuses == {"P": {"Invited": 50_000}}


def test_db_report_over_the_whole_history(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "ws.db"
    assert (
        runner.invoke(main, ["db", "import", str(db), "examples/data/webinar.csv"]).exit_code == 0
    )
    events = ["--events", "examples/data/webinar.events.jsonl"]
    for args in (
        [*events, "--start", "2026-12-01T08:00:00", "--until", "2026-12-05T00:00:00"],
        ["--until", "2026-12-20T00:00:00"],  # the waits resume; the events were given once
    ):
        ran = runner.invoke(
            main, ["run", "examples/webinar.camp", "--db", str(db), *args]
        )  # fmt: skip
        assert ran.exit_code == 0, ran.stderr
    out = tmp_path / "ws.html"
    result = runner.invoke(main, ["db", "report", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "2 run(s)" in page
    funnel = figures(page)["chart-funnel-0"]["data"][0]
    assert funnel["y"] == ["Invited", "Registered", "No Show", "Attended"]
    assert sum(funnel["x"]) > 0
    assert ">FollowUpWebinarQ1</text>" in page or "flowchart LR" in page


def test_db_report_missing_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["db", "report", str(tmp_path / "no.db"), "--out", "x.html"])
    assert result.exit_code == 2 and result.stderr.startswith("camp: error: ")
