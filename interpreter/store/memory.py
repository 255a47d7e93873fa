"""The in-memory world as a :class:`camp.store.base.Store`.

A file-based ``camp run`` keeps its world in memory: a dict of
:class:`~camp.runtime.world.Lead` objects (``RunSummary.leads_after``), the
activity log and a heap of queue items. :class:`MemoryStore` is that world
behind the store interface: it wraps the same dict of leads
(:meth:`MemoryStore.from_run` takes a finished file-based run as it is), and
the workspace runner (:func:`camp.store.runner.run_workspace`) runs on it as
it runs on a workspace file; the tests run the same simulations on both
stores and compare them.

A transaction buffers nothing: the world simply changes. What makes it behave
like the workspace is that leads are copied in and out, so the runner never
shares objects with the store.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from camp.runtime.world import Lead
from camp.store.base import ActivityQuery, ActivityRow, QueueEntry, RunRecord, activity_record
from camp.store.codec import email_key, time_text


class MemoryStore:
    def __init__(self, leads: dict[int, Lead] | None = None) -> None:
        self.lead_map: dict[int, Lead] = leads if leads is not None else {}
        self.steps: dict[int, tuple[int, int]] = {}  # lead id -> (steps, run id)
        self.log: list[tuple[int, ActivityRow]] = []  # (seq, row)
        self.counts: Counter[str] = Counter()
        self.list_names: dict[str, str] = {}
        self.queue: dict[int, QueueEntry] = {}
        self.runs: list[RunRecord] = []
        self.fields: dict[str, str | None] = {}
        self._clock: _dt.datetime | None = None
        self._seq = 0

    @classmethod
    def from_run(cls, leads: dict[int, Lead], log: Iterable[dict[str, Any]]) -> MemoryStore:
        """The world a file-based run leaves (``leads_after``, its kept ``activity_log``)."""
        store = cls(leads)
        for lead in leads.values():
            store.add_fields(lead.fields)
        for record in log:
            attrs = {
                k: v for k, v in record.items() if k not in ("lead", "time", "type", "campaign")
            }
            row = (
                None,
                record["lead"],
                record["time"],
                record["type"],
                record["campaign"],
                json.dumps(attrs, ensure_ascii=False),
            )
            store.append_activities([row], {})
        return store

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    # ---- leads ------------------------------------------------------------------------------
    def _copy(
        self, lead: Lead, run_id: int | None, admit: Callable[[Lead], None] | None = None
    ) -> Lead:
        out = Lead(
            lead.id, dict(lead.fields), set(lead.lists), dict(lead.statuses), dict(lead.runs)
        )
        steps, steps_run = self.steps.get(lead.id, (0, 0))
        if run_id is not None and steps_run == run_id:
            out.steps = steps
        elif admit is not None:
            admit(out)  # once per run (every lead a run loads is saved back: see save_leads)
        return out

    def leads(
        self,
        ids: Iterable[int],
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        return [
            self._copy(self.lead_map[i], run_id, admit)
            for i in sorted(set(ids))
            if i in self.lead_map
        ]

    def lead(self, lead_id: int, run_id: int | None = None) -> Lead | None:
        found = self.leads([lead_id], run_id)
        return found[0] if found else None

    def leads_page(
        self,
        after: int,
        last: int,
        limit: int,
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        ids = sorted(i for i in self.lead_map if after < i <= last)[:limit]
        return self.leads(ids, run_id, admit)

    def save_leads(self, leads: Iterable[Lead], run_id: int | None = None) -> None:
        for lead in leads:
            self.lead_map[lead.id] = self._copy(lead, None)
            self.steps[lead.id] = (lead.steps if run_id is not None else 0, run_id or 0)
            self.add_fields(lead.fields)

    def max_lead_id(self) -> int:
        return max(self.lead_map, default=0)

    def lead_count(self) -> int:
        return len(self.lead_map)

    def ids_by_email(self, email: str) -> list[int]:
        key = email_key(email)
        return sorted(
            i for i, lead in self.lead_map.items() if email_key(lead.fields.get("email")) == key
        )

    def existing_ids(self, ids: Iterable[int]) -> set[int]:
        return {i for i in ids if i in self.lead_map}

    def field_order(self) -> list[str]:
        return list(self.fields)

    def add_fields(self, names: Iterable[str], types: dict[str, str] | None = None) -> None:
        for name in names:
            if name != "id":
                self.fields.setdefault(name, None)
        for name, type_ in (types or {}).items():
            if name != "id":
                self.fields[name] = type_

    def iter_lead_fields(self, list_key: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        for i in sorted(self.lead_map):
            lead = self.lead_map[i]
            if list_key is None or list_key in lead.lists:
                yield i, dict(lead.fields)

    # ---- activity log ---------------------------------------------------------------------------
    def append_activities(self, rows: Sequence[ActivityRow], list_names: dict[str, str]) -> None:
        for row in rows:
            self.log.append((len(self.log) + 1, row))
            self.counts[row[3]] += 1
        for key, name in list_names.items():
            self.list_names.setdefault(key, name)

    def activity_types(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def activities(self, query: ActivityQuery) -> Iterator[dict[str, Any]]:
        since = None if query.since is None else time_text(query.since)
        ids = None if query.lead_ids is None else set(query.lead_ids)
        for _seq, (run_id, lead_id, time, type_, campaign, attrs) in self.log:
            if (
                (query.type is not None and type_ != query.type)
                or (query.campaign is not None and campaign != query.campaign)
                or (since is not None and time < since)
                or (query.run_id is not None and run_id != query.run_id)
                or (ids is not None and lead_id not in ids)
            ):
                continue
            yield activity_record(lead_id, time, type_, campaign, attrs)

    # ---- queue ----------------------------------------------------------------------------------
    def enqueue(self, entries: Iterable[QueueEntry]) -> None:
        for e in entries:
            self.queue[e.seq] = copy.deepcopy(e)

    def enqueue_all_leads(
        self, campaign: str, time: _dt.datetime, trigger: str, first_seq: int
    ) -> int:
        ids = sorted(self.lead_map)
        for k, lead_id in enumerate(ids):
            self.queue[first_seq + k] = QueueEntry(
                first_seq + k, time, "flow", lead_id, campaign, trigger
            )
        return len(ids)

    def _ordered(self) -> list[QueueEntry]:
        return sorted(
            self.queue.values(),
            key=lambda e: (e.time is None, e.time or _dt.datetime.min, e.seq),
        )

    def due(self, until: _dt.datetime | None, limit: int) -> list[QueueEntry]:
        out = [
            copy.deepcopy(e)
            for e in self._ordered()
            if e.time is not None and (until is None or e.time <= until)
        ]
        return out[:limit]

    def dequeue(self, seqs: Iterable[int]) -> None:
        for s in seqs:
            self.queue.pop(s, None)

    def queued(self, kinds: Sequence[str] | None = None) -> Iterator[QueueEntry]:
        for e in self._ordered():
            if not kinds or e.kind in kinds:
                yield copy.deepcopy(e)

    def date_undated(self, time: _dt.datetime) -> None:
        for e in self.queue.values():
            if e.time is None:
                e.time = time

    def queue_counts(self) -> dict[str, int]:
        return dict(Counter(e.kind for e in self.queue.values()))

    def queued_positions(self) -> list[tuple[str | None, str | None, int]]:
        counts: Counter[tuple[str | None, str | None]] = Counter(
            (e.campaign, None if e.position is None else json.dumps(e.position))
            for e in self.queue.values()
            if e.kind in ("flow", "resume")
        )
        return [(c, p, n) for (c, p), n in counts.items()]

    def drop_queued(self, campaign: str | None, position: str | None) -> None:
        for seq, e in list(self.queue.items()):
            pos = None if e.position is None else json.dumps(e.position)
            if e.kind in ("flow", "resume") and e.campaign == campaign and pos == position:
                del self.queue[seq]

    def drop_kind(self, kind: str) -> int:
        drop = [seq for seq, e in self.queue.items() if e.kind == kind]
        for seq in drop:
            del self.queue[seq]
        return len(drop)

    # ---- runs, clock, sequence ------------------------------------------------------------------
    def unfinished_run(self) -> RunRecord | None:
        return next((replace(r) for r in self.runs if r.status == "running"), None)

    def begin_run(self, run: RunRecord) -> RunRecord:
        run.id = len(self.runs) + 1
        self.runs.append(replace(run, stats=copy.deepcopy(run.stats)))
        return run

    def save_run(self, run: RunRecord) -> None:
        self.runs[run.id - 1] = replace(run, stats=copy.deepcopy(run.stats))

    def clock(self) -> _dt.datetime | None:
        return self._clock

    def set_clock(self, when: _dt.datetime) -> None:
        self._clock = when

    def seq(self) -> int:
        return max(self._seq, max(self.queue, default=0))

    def set_seq(self, seq: int) -> None:
        self._seq = seq
