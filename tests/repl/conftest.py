"""Fixtures for the REPL tests: an in-process session with captured output and a fixed clock."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from camp.repl.session import Session
from repl_helpers import START, Repl


@pytest.fixture(autouse=True)
def _isolated_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's ~/.local/share/camp/history."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def clock() -> list[dt.datetime]:
    """A settable clock: ``clock[0]`` is the time the session sees."""
    return [START]


@pytest.fixture
def repl(clock: list[dt.datetime]) -> Repl:
    out = io.StringIO()
    return Repl(Session(out, out, clock=lambda: clock[0]), out)
