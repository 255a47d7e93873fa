"""`camp run --db --campaign NAME` runs only NAME (issue 13, item 9): another batch
campaign's schedule neither fires nor moves the workspace's clock."""

from __future__ import annotations

import json
from pathlib import Path

from store_helpers import START, camp, log_json, write

PROGRAM = """\
campaign Main < set main = true; >
campaign Nightly < schedule every day at "02:00"; qualify every time; set nightly += 1; >
"""


def test_campaign_run_on_a_workspace_leaves_other_schedules_alone(work: Path) -> None:
    write(work / "p.camp", PROGRAM)
    write(work / "leads.csv", "id,email\n1,a@x.com\n2,b@x.com\n")
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    result = camp(
        "run", "p.camp", "--db", "ws.db", "--campaign", "Main", "--start", START,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["clock"] == {"start": START, "end": START}
    # (with --until the workspace's clock moves to it, as for any window; without, it stays)
    runs = [a["campaign"] for a in log_json(work / "ws.db", "--type", "Campaign Run")]
    assert runs == ["Main", "Main"]
