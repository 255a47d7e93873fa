from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import Runner


@pytest.fixture
def camp(tmp_path: Path) -> Runner:
    return Runner(tmp_path)
