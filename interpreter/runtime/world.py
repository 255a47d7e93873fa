"""The world a simulation runs in: leads, their lists and program statuses, and
the activity log (spec §5). Activities go to a sink: kept in memory, streamed to
a JSONL file, or both; the run summary counts them either way."""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from collections.abc import Callable
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


def _json_default(value: Any) -> Any:
    """Values the JSON encoder does not know: numbers, dates (see :func:`to_json`)."""
    return to_json(value)


def _make_dumps() -> Callable[[Any], str]:
    """One JSON encoder for every activity line: ``json.dumps`` builds a new C encoder on
    each call, which costs more than encoding a small record. Camp values JSON lacks
    (Decimal, dates) go through ``default``; lists are tuples already."""
    encoder = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False)
    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - CPython always has it
        return encoder.encode
    if c_make_encoder is None:  # pragma: no cover
        return encoder.encode
    chunks = c_make_encoder(
        None, _json_default, encode_basestring, None, ": ", ", ", False, False, True
    )
    return lambda record: "".join(chunks(record, 0))


_dumps = _make_dumps()


# A consumer of activity records (e.g. a report): called with each record as built,
# attributes still Camp values (Decimal, dates); it must not keep the dict's identity.
ActivitySink = Callable[[dict[str, Any]], None]


class ActivityLog:
    """Append-only activity log: counts, optional in-memory list, optional JSONL stream,
    optional sinks. With none of them (``counting_only``) no record is built at all: the
    summary only needs the counts.

    Counts: ``total`` and ``by_type`` (which a subclass may add to), and ``tally``, one
    slot per activity type (:meth:`slot`), so that compiled code counts an activity with
    one list increment; reading ``total`` or ``by_type`` first folds ``tally`` in."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        keep: bool = True,
        sinks: list[ActivitySink] | None = None,
    ) -> None:
        self.stream = stream
        self.keep = keep
        self.sinks: list[ActivitySink] = list(sinks or ())
        # Nothing wants the records (and add() is this class's own): only count them.
        self.counting_only = (
            stream is None and not keep and not self.sinks and type(self).add is ActivityLog.add
        )
        self.items: list[dict[str, Any]] = []
        self.tally: list[int] = []  # activities by type, at the type's slot; not yet in _total
        self._slots: dict[str, int] = {}  # type -> its index in tally, in order
        self._total = 0
        self._by_type: Counter[str] = Counter()
        self.emails: Counter[str] = Counter()
        self._time: _dt.datetime | None = None
        self._time_text = ""

    def slot(self, type_: str) -> int:
        """The index in ``tally`` counting activities of ``type_``."""
        index = self._slots.get(type_)
        if index is None:
            index = self._slots[type_] = len(self._slots)
            self.tally.append(0)
        return index

    def _settle(self) -> None:
        tally = self.tally
        if any(tally):
            for type_, n in zip(self._slots, tally, strict=True):
                if n:
                    self._by_type[type_] += n
                    self._total += n
            tally[:] = [0] * len(tally)  # the same list: compiled code holds it

    @property
    def total(self) -> int:
        self._settle()
        return self._total

    @property
    def by_type(self) -> Counter[str]:
        self._settle()
        return self._by_type

    def add(
        self, lead: Lead, time: _dt.datetime, type_: str, campaign: str, **attrs: Any
    ) -> dict[str, Any]:
        index = self._slots.get(type_)
        self.tally[self.slot(type_) if index is None else index] += 1
        if type_ == "Send Email":
            self.emails[attrs["email"]] += 1
        if self.counting_only:
            return attrs
        if time is not self._time:  # the clock moves far less often than activities happen
            self._time, self._time_text = time, time.isoformat(timespec="seconds")
        record: dict[str, Any] = {
            "lead": lead.id,
            "time": self._time_text,
            "type": type_,
            "campaign": campaign,
        }
        record.update(attrs)
        for sink in self.sinks:
            sink(record)
        if self.stream is not None:
            self.stream.write(_dumps(record) + "\n")
        if self.keep:
            for key in attrs:
                record[key] = to_json(record[key])
            self.items.append(record)
        return record
