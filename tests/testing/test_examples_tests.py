"""The examples' tests (examples/tests/): all pass, at least three per example, they
reach at least 90% of the examples' branches, and breaking a campaign fails the
test that pins it, naming the expectation, the expected and the found value."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def camp(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_camp_test_examples_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    cov = tmp_path / "cov.json"
    code, out = camp(
        "test", "examples/", "--coverage", "--coverage-format", "json", "--out-coverage", str(cov)
    )
    assert code == 0, out
    m = re.search(r"^(\d+) passed, 0 failed$", out, re.MULTILINE)
    assert m and int(m.group(1)) >= 25, out
    per_file: dict[str, int] = {}
    for line in out.splitlines():
        if line.startswith("ok"):
            name = line.split()[1].split(":")[0]
            per_file[name] = per_file.get(name, 0) + 1
    for example in sorted(EXAMPLES.glob("*.camp")):
        test_file = f"examples/tests/{example.stem}_test.camp"
        assert per_file.get(test_file, 0) >= 3, f"{example.name}: fewer than 3 tests"
    assert per_file.get("examples/tests/prelude_test.camp", 0) >= 3
    doc = json.loads(cov.read_text())
    ours = [c for c in doc["campaigns"] if c["file"].startswith("examples/")]
    taken = sum(c["branches_taken"] for c in ours)
    total = sum(c["branches"] for c in ours)
    assert taken / total >= 0.9, f"{taken}/{total} branches"


def test_breaking_a_campaign_fails_the_test_that_pins_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    scoring = copy / "scoring.camp"
    text = scoring.read_text(encoding="utf-8")
    assert "  token points = 50;" in text
    scoring.write_text(
        text.replace("  token points = 50;", "  token points = 5;"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, out = camp("test", "examples/tests/scoring_test.camp")
    assert code == 1
    assert out.rstrip().endswith("12 passed, 1 failed")
    assert "FAILED  examples/tests/scoring_test.camp:29  a demo request makes an MQL" in out
    assert 'expectation failed: expect score == 110 and lead_status == "MQL";' in out
    assert '  expected: score == 110 and lead_status == "MQL"\n' in out
    assert '  found:    score = 65\n            lead_status = "Engaged"\n' in out
