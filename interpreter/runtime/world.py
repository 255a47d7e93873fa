"""The world a simulation runs in: leads, their lists and program statuses, and
the activity log (spec §5). Activities go to a sink: kept in memory, streamed to
a JSONL file, or both; the run summary counts them either way."""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from camp.runtime.values import to_json
from camp.types import Value


@dataclass(eq=False, slots=True)
class Lead:
    id: int
    fields: dict[str, Value]
    lists: set[str] = field(default_factory=set)  # static lists, case-folded names
    statuses: dict[str, str] = field(default_factory=dict)  # program -> status
    runs: dict[str, _dt.datetime] = field(default_factory=dict)  # campaign -> last run
    steps: int = 0  # steps run for this lead in this run (R204)

    def describe(self) -> str:
        email = self.fields.get("email")
        return f"{self.id} ({email})" if email else str(self.id)


class ActivityLog:
    """Append-only activity log: counts, optional in-memory list, optional JSONL stream."""

    def __init__(self, stream: IO[str] | None = None, keep: bool = True) -> None:
        self.stream = stream
        self.keep = keep
        self.items: list[dict[str, Any]] = []
        self.by_type: Counter[str] = Counter()
        self.emails: Counter[str] = Counter()
        self.total = 0

    def add(
        self, lead: Lead, time: _dt.datetime, type_: str, campaign: str, **attrs: Any
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "lead": lead.id,
            "time": time.isoformat(timespec="seconds"),
            "type": type_,
            "campaign": campaign,
        }
        for key, value in attrs.items():
            record[key] = to_json(value)
        self.total += 1
        self.by_type[type_] += 1
        if type_ == "Send Email":
            self.emails[attrs["email"]] += 1
        if self.keep:
            self.items.append(record)
        if self.stream is not None:
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record
