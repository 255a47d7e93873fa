"""Shared helpers of the REPL tests (fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from camp.repl.session import Session

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
START = dt.datetime(2026, 12, 1, 9, 0, 0)


@dataclass
class Repl:
    """A session whose results and errors go, in order, to one string buffer."""

    session: Session
    out: io.StringIO

    def __call__(self, text: str) -> str:
        """Submit one input; return what it printed since the last call."""
        self.session.submit(text)
        return self.take()

    def take(self) -> str:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text
