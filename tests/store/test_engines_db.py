"""Workspace runs on the compiled engine: every example's documented run, its data
imported into a workspace, gives the same workspace (leads, lists, statuses, the activity
log in its order, the queue, the run record) and the same summary on `--engine tree` and
`--engine compiled`; the summary names the engine that ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import (
    ROOT,
    START,
    camp,
    copy_workspace,
    example_runs,
    example_workspace,
    run_summary,
    workspace_state,
    write,
)

EXAMPLES = example_runs()


@pytest.mark.parametrize("args", [a for _, a in EXAMPLES], ids=[i for i, _ in EXAMPLES])
def test_examples_run_the_same_on_both_engines(
    work: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    base = work / "base.db"
    run = example_workspace(args, base)
    tree = copy_workspace(base, work / "tree.db")
    compiled = copy_workspace(base, work / "compiled.db")
    one = camp("run", *run, "--db", tree, "--engine", "tree", "--format", "json")
    two = camp("run", *run, "--db", compiled, "--engine", "compiled", "--format", "json")
    assert one.exit_code in (0, 1), one.output
    assert two.exit_code == one.exit_code, two.output
    assert run_summary(one)["engine"] == "tree"
    assert run_summary(two, "engine") == run_summary(one, "engine")
    assert workspace_state(compiled) == workspace_state(tree)


def test_a_workspace_run_uses_the_compiled_engine(work: Path) -> None:
    write(work / "p.camp", 'campaign Touch < set touched = 1; add to list "Touched"; >\n')
    write(work / "q.camp", "campaign Touch < set touched = 1; wait 1 day; set touched = 2; >\n")
    write(work / "leads.csv", "id,email\n1,a@example.com\n2,b@example.com\n")
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    # A program with a 'wait' is compiled too: its waiting campaign's own steps run on
    # the tree-walker, which calls the compiled code (docs/performance.md).
    for program, engine, chosen in (
        ("p.camp", "compiled", []),
        ("q.camp", "compiled", []),
        ("p.camp", "tree", ["--engine", "tree"]),
    ):
        result = camp(
            "run", program, "--db", "ws.db", "--campaign", "Touch", "--start", START,
            "--format", "json", *chosen,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert run_summary(result)["engine"] == engine
