"""A 20,000-lead run with triggers, waits and events: examples/nurture.camp's leads and
events tiled (16 leads a block, 1,250 blocks), each block's events a few seconds later
than the last's, with its own 'created' leads (ids assigned after the file's)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
BLOCK = 16


def generate(folder: Path, blocks: int = 1250) -> tuple[Path, Path]:
    with (DATA / "nurture.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    assert len(rows) == BLOCK
    events = [
        json.loads(line)
        for line in (DATA / "nurture.events.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    leads = folder / "leads.csv"
    with leads.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        for b in range(blocks):
            for row in rows:
                copy = dict(row, id=str(int(row["id"]) + BLOCK * b))
                local, _, domain = row["email"].partition("@")
                copy["email"] = f"{local}+{b}@{domain}" if b else row["email"]
                writer.writerow(copy)
    tiled: list[tuple[str, int, dict[str, object]]] = []
    for b in range(blocks):
        for n, ev in enumerate(events):
            copy = json.loads(json.dumps(ev))
            when = dt.datetime.fromisoformat(ev["time"]) + dt.timedelta(seconds=b)
            copy["time"] = when.isoformat()
            if "lead" in copy:
                copy["lead"] += BLOCK * b
            else:
                email = copy["fields"]["email"]
                local, _, domain = email.partition("@")
                copy["fields"]["email"] = f"{local}+{b}@{domain}"
            tiled.append((copy["time"], b * len(events) + n, copy))
    tiled.sort(key=lambda t: (t[0], t[1]))
    events_path = folder / "events.jsonl"
    with events_path.open("w", encoding="utf-8") as f:
        for _, _, ev in tiled:
            f.write(json.dumps(ev) + "\n")
    return leads, events_path


if __name__ == "__main__":  # pragma: no cover - by hand
    import sys

    print(generate(Path(sys.argv[1])))
