from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest
from store_helpers import DATA, camp


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder that is also the working directory (messages name files relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


CRASH_LEADS = int(os.environ.get("CAMP_CRASH_LEADS", "5000"))


@pytest.fixture(scope="session")
def big_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of CRASH_LEADS leads (fixed seed) for tests/store/data/crash.camp, built once."""
    folder = tmp_path_factory.mktemp("big")
    rng = random.Random(20261201)
    leads = folder / "leads.csv"
    with leads.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "email", "country", "visits"])
        for i in range(1, CRASH_LEADS + 1):
            country = rng.choice([" us", "CA ", "de", "fr", "Us", ""])
            writer.writerow([i, f"lead{i}@example.com", country, rng.randint(0, 9)])
    db = folder / "base.db"
    result = camp("db", "import", db, leads, "--schema", DATA / "crash.camp")
    assert result.exit_code == 0, result.output
    return db
