"""Golden input/expected pairs: tests/format/cases/NAME.in formats to NAME.out.

Regenerate after an intended layout change, then read the diff:

    CAMP_UPDATE_GOLDENS=1 python -m pytest tests/format/test_format_cases.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from camp.format import format_source
from camp.format.scan import scan
from format_helpers import ast_of

CASES = Path(__file__).resolve().parent / "cases"
INPUTS = sorted(CASES.glob("*.in"))
UPDATE = os.environ.get("CAMP_UPDATE_GOLDENS") == "1"


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # keep \r\n as written


@pytest.mark.parametrize("case", INPUTS, ids=lambda p: p.stem)
def test_case_formats_to_its_expected_output(case: Path) -> None:
    expected_path = case.with_suffix(".out")
    got = format_source(read(case), case.name)
    if UPDATE:
        expected_path.write_bytes(got.encode("utf-8"))
    assert got == read(expected_path)


@pytest.mark.parametrize("case", INPUTS, ids=lambda p: p.stem)
def test_case_output_is_stable_and_means_the_same(case: Path) -> None:
    source = read(case)
    out = read(case.with_suffix(".out"))
    assert format_source(out, case.name) == out
    assert ast_of(out) == ast_of(source)
    assert [c.text for c in scan(out).comments] == [c.text for c in scan(source).comments]


def test_every_input_has_an_expected_output() -> None:
    assert len(INPUTS) >= 10
    outs = sorted(CASES.glob("*.out"))
    assert [p.stem for p in outs] == [p.stem for p in INPUTS]
