"""`camp graph`: golden Mermaid and DOT text for every example, the trigger cascade
from small programs, --campaign, SVG/PNG through Graphviz and its absence, exit codes.

Regenerate the golden files after an intended change with

    CAMP_UPDATE_GOLDENS=1 python -m pytest tests/graph

and read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from camp.checker import check_files
from camp.cli import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
CASCADE = HERE / "cascade"
UPDATE = os.environ.get("CAMP_UPDATE_GOLDENS") == "1"
EXAMPLES = sorted((ROOT / "examples").glob("*.camp"))
HAVE_DOT = shutil.which("dot") is not None
NO_DOT = "Graphviz's dot is not installed (Debian/Homebrew package 'graphviz'; .ci/run installs it)"


def camp(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("fmt,suffix", [("mermaid", "mmd"), ("dot", "dot")])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_golden(example: Path, fmt: str, suffix: str) -> None:
    code, out, err = camp("graph", str(example.relative_to(ROOT)), "--format", fmt)
    assert code == 0, err
    expected = GOLDEN / f"{example.stem}.{suffix}"
    if UPDATE:
        expected.write_text(out, encoding="utf-8")
    assert out == expected.read_text(encoding="utf-8")


def test_graph_is_deterministic() -> None:
    first = camp("graph", "examples/nurture.camp", "--format", "dot")[1]
    assert all(
        camp("graph", "examples/nurture.camp", "--format", "dot")[1] == first for _ in range(3)
    )


def test_scoring_shows_executables_parent_tokens_and_the_cascade() -> None:
    code, out, _ = camp("graph", "examples/scoring.camp")
    assert code == 0
    assert 'c0[["AddBehaviorPoints"]]:::executable' in out
    assert out.count('-->|"with parent tokens"|') == 3
    assert re.search(r'-\.->\|"added to list #quot;MQLs - December 2026#quot;"\|', out)
    assert 'e0>"schedule every day at #quot;02:00#quot;"]:::entry' in out


# ---- the cascade, from small programs: each case's expected edges are in its header ----


def cascade_cases() -> list[Path]:
    return sorted(CASCADE.glob("*.camp"))


def expected_edges(path: Path) -> list[str]:
    return [
        line.removeprefix("# edge:").strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# edge:")
    ]


@pytest.mark.parametrize("case", cascade_cases(), ids=lambda p: p.stem)
def test_cascade_edges(case: Path) -> None:
    result = check_files([case])
    assert result.ok, result.diagnostics
    got = [f"{e.source} -{e.kind}-> {e.target} [{e.label}]" for e in result.graph.edges]
    assert got == expected_edges(case)


# ---- --campaign --------------------------------------------------------------------------


def test_campaign_draws_only_what_it_reaches() -> None:
    code, out, _ = camp("graph", "examples/scoring.camp", "--campaign", "RescoreDatabase")
    assert code == 0
    names = re.findall(r'\["([A-Za-z]+)"\]', out) + re.findall(r'\[\["([A-Za-z]+)"\]\]', out)
    assert sorted(set(names)) == [
        "DecayBehaviorScore",
        "QualifyLead",
        "RescoreDatabase",
        "RouteNewMQL",  # QualifyLead adds to the MQL list: a cascade
        "Score",
        "ScoreBehavior",
        "ScoreDemographics",
    ]
    assert "AddBehaviorPoints" not in out and "ScorePricingVisit" not in out
    assert "schedule every day at #quot;02:00#quot;" in out
    assert "page #quot;/pricing#quot;" not in out


def test_unknown_campaign_is_one_line_exit_2() -> None:
    code, out, err = camp("graph", "examples/scoring.camp", "--campaign", "Nope")
    assert code == 2 and out == ""
    assert err.startswith("camp: error: --campaign: no campaign named 'Nope' (campaigns: ")
    assert err.count("\n") == 1


def test_program_with_check_errors_is_refused_exit_3() -> None:
    code, out, err = camp("graph", "examples/errors/E201_call_undefined.camp")
    assert code == 3 and out == ""
    assert "error[E201]: call of undefined campaign 'NormaliseCountry'" in err
    assert err.rstrip().endswith("camp: refused to draw: 1 check error(s)")


def test_missing_file_exit_2() -> None:
    code, _, err = camp("graph", "nope.camp")
    assert code == 2 and err.startswith("camp: error: ") and "nope.camp" in err


# ---- through Graphviz ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["svg", "png", "html"])
def test_without_dot_one_clear_line_exit_2(
    fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    code, out, err = camp("graph", "examples/webinar.camp", "--format", fmt)
    assert code == 2 and out == ""
    assert err == (
        f"camp: error: Graphviz's 'dot' program is not installed, so {fmt} output cannot be "
        "drawn: install the Debian package 'graphviz' (apt-get install graphviz) or Homebrew's "
        "'graphviz' (brew install graphviz); --format mermaid and --format dot need nothing\n"
    )
    # the text formats still work
    assert camp("graph", "examples/webinar.camp", "--format", "mermaid")[0] == 0


@pytest.mark.skipif(not HAVE_DOT, reason=NO_DOT)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_renders_to_svg_with_one_node_per_campaign(example: Path) -> None:
    code, out, err = camp("graph", str(example.relative_to(ROOT)), "--format", "svg")
    assert code == 0, err
    assert out.startswith("<svg")
    campaigns = check_files([example]).symbols.campaigns
    drawn = re.findall(r'<g id="node\d+" class="node campaign \w+">\n<title>c\d+</title>', out)
    assert len(drawn) == len(campaigns)
    for name in campaigns:
        assert f">{name}</text>" in out


@pytest.mark.skipif(not HAVE_DOT, reason=NO_DOT)
def test_png_and_html_files(tmp_path: Path) -> None:
    png, page = tmp_path / "g.png", tmp_path / "g.html"
    assert camp("graph", "examples/webinar.camp", "--out", str(png))[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert camp("graph", "examples/webinar.camp", "--out", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "FollowUpWebinarQ1" in text
    assert "<script" not in text and "http-equiv" not in text
