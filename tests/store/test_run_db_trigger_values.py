"""A change-triggered flow that waits across workspace runs keeps trigger.old and
trigger.new (they are stored with the queued flow)."""

from __future__ import annotations

from pathlib import Path

from store_helpers import START, camp, log_json, write

PROGRAM = """\
fields <
  email: text;
  score: number = 0;
>

campaign Bump < set score = 75; >

campaign Watch <
  on change score to > 50;
  wait 2 days;
  moment "score {{trigger.old}} -> {{trigger.new}}";
>
"""


def test_trigger_values_survive_a_wait_across_runs(work: Path) -> None:
    write(work / "p.camp", PROGRAM)
    write(work / "leads.csv", "id,email,score\n1,a@example.com,40\n")
    assert camp("db", "import", "ws.db", "leads.csv", "--schema", "p.camp").exit_code == 0
    first = camp(
        "run", "p.camp", "--db", "ws.db", "--campaign", "Bump", "--start", START, "--until", "1 day"
    )
    assert first.exit_code == 0, first.output
    assert [a for a in log_json(work / "ws.db") if a["type"] == "Interesting Moment"] == []
    second = camp("run", "p.camp", "--db", "ws.db", "--until", "3 days")
    assert second.exit_code == 0, second.output
    moments = [
        a["description"] for a in log_json(work / "ws.db") if a["type"] == "Interesting Moment"
    ]
    assert moments == ["score 40 -> 75"]
