"""A few hundred cases of bench/fuzz_harness.py (the full run, >= 10,000 cases, is in
docs/robustness.md): generated and mutated programs, lead and event files through
check, run and fmt; no case may raise a non-Camp exception or leave partial output."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _harness():
    spec = importlib.util.spec_from_file_location(
        "fuzz_harness", ROOT / "bench" / "fuzz_harness.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_harness"] = module
    spec.loader.exec_module(module)
    return module


def test_a_few_hundred_fuzz_cases_raise_nothing_but_camp_errors(tmp_path):
    harness = _harness()
    report = harness.run_cases(250, seed=20261201, save=tmp_path)
    assert report.cases == 250
    assert [f"{f.case}: camp {' '.join(f.command)}\n{f.error}" for f in report.findings] == []
    # the cases reach every outcome: clean checks and runs as well as refusals
    for outcome in ("check 0", "check 1", "run 0", "run 2", "run 3"):
        assert report.exits[outcome] > 0, report.summary()
