"""Options for the highlighting tests.

Regenerate the golden token files (tests/highlight/golden/) with

    pytest tests/highlight --update-goldens
    CAMP_UPDATE_GOLDENS=1 pytest tests/highlight     # same, from any invocation
"""

from __future__ import annotations

import contextlib
import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    # ValueError: a conftest closer to the root already defines the option.
    with contextlib.suppress(ValueError):
        parser.addoption(
            "--update-goldens",
            action="store_true",
            default=False,
            help="rewrite the golden files instead of comparing against them",
        )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the goldens should be rewritten rather than compared."""
    if request.config.getoption("--update-goldens", default=False):
        return True
    return os.environ.get("CAMP_UPDATE_GOLDENS", "").strip() not in ("", "0")
