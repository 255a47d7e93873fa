"""Regenerate the README's pictures under docs/img/:

- graph-scoring.png: `camp graph examples/scoring.camp --format png` (needs Graphviz);
- report-webinar.png: a headless-Chromium screenshot of the webinar run's `--report` page.

Run from the repository root: ``.venv/bin/python docs/make_images.py``
(Debian: apt-get install graphviz chromium).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
CAMP = [sys.executable, "-m", "camp.cli"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    IMG.mkdir(parents=True, exist_ok=True)
    graph = IMG / "graph-scoring.png"
    subprocess.run(
        [*CAMP, "graph", "examples/scoring.camp", "--out", str(graph)], cwd=ROOT, check=True
    )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "webinar.html"
        subprocess.run(
            [*CAMP, "run", "examples/webinar.camp",
             "--leads", "examples/data/webinar.csv",
             "--events", "examples/data/webinar.events.jsonl",
             "--start", "2026-12-01T08:00:00", "--until", "2026-12-20T00:00:00",
             "--report", str(page)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        shot = IMG / "report-webinar.png"
        subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={tmp}/profile", "--window-size=1100,2000",
             "--virtual-time-budget=5000", f"--screenshot={shot}", page.as_uri()],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    print(f"wrote {graph.relative_to(ROOT)} and {shot.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
