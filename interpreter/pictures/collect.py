"""The run report's aggregates, counted one activity record at a time.

A :class:`ReportCollector` is one more consumer of the activity stream (beside the
``--activities`` writer): it keeps counters whose size depends on the program and the
simulated time span (hours × activity types, statuses, e-mails, lists, error kinds),
never on the number of leads or activities, so a report costs no memory per lead.
The same class reads a workspace's stored log for ``camp db report``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SENT = "sent"


@dataclass
class ErrorGroup:
    code: str
    campaign: str
    count: int
    message: str  # the first occurrence's
    lead: Any
    time: str
    stack: list[Any]  # the first occurrence's, outermost first


@dataclass
class ReportCollector:
    total: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_hour: dict[str, Counter[str]] = field(default_factory=dict)  # "2026-12-01T09" -> types
    statuses: dict[str, Counter[str]] = field(default_factory=dict)  # program -> status -> leads
    emails: dict[str, Counter[str]] = field(default_factory=dict)  # e-mail -> sent / reason
    lists: Counter[str] = field(default_factory=Counter)  # list -> members added - removed
    errors: dict[tuple[str, str], ErrorGroup] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None

    def add(self, record: dict[str, Any]) -> None:
        type_ = record["type"]
        time = str(record["time"])
        self.total += 1
        self.by_type[type_] += 1
        if self.first is None:
            self.first = time
        self.last = time
        hour = self.by_hour.get(time[:13])
        if hour is None:
            hour = self.by_hour[time[:13]] = Counter()
        hour[type_] += 1
        if type_ == "Send Email":
            self.emails.setdefault(str(record["email"]), Counter())[SENT] += 1
        elif type_ == "Email Blocked":
            reason = str(record.get("reason") or "blocked")
            self.emails.setdefault(str(record["email"]), Counter())[reason] += 1
        elif type_ == "Change Program Status":
            # A status only moves forward, so each applied change is one lead entering it.
            if record.get("applied"):
                self.statuses.setdefault(str(record["program"]), Counter())[str(record["new"])] += 1
        elif type_ == "Add to List":
            self.lists[str(record["list"])] += 1
        elif type_ == "Remove from List":
            self.lists[str(record["list"])] -= 1
        elif type_ == "Flow Error":
            key = (str(record.get("code")), str(record["campaign"]))
            group = self.errors.get(key)
            if group is None:
                self.errors[key] = ErrorGroup(
                    key[0],
                    key[1],
                    1,
                    str(record.get("message", "")),
                    record["lead"],
                    time,
                    list(record.get("stack") or []),
                )
            else:
                group.count += 1
