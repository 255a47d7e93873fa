"""The one interface between the interpreter's runs and where the world is kept.

A :class:`Store` holds what a simulation needs between runs (spec §5):

- leads, each an ``id`` and typed fields (fields outside the schema are kept
  too), with its static lists, program statuses and last run per campaign
  (``Lead.lists`` / ``Lead.statuses`` / ``Lead.runs``);
- the append-only activity log;
- the queue: flows to start (requests and triggers), waiting flows with their
  resume time and continuation position, new leads from events, and leads
  imported since the last run (their ``created`` trigger);
- the run table, so an interrupted run can be finished (``--resume``);
- the simulation clock and the queue's sequence counter.

Writes happen inside :meth:`Store.transaction`: everything one batch of a run
changes commits together or not at all. Two implementations:
:class:`camp.store.memory.MemoryStore` (the in-memory world of a file-based
run) and :class:`camp.store.sqlite.SQLiteStore` (a workspace file).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from camp.checker.loader import InputError
from camp.runtime.world import Lead
from camp.types import Value


class WorkspaceError(InputError):
    """The workspace cannot be used as asked (exit status 2, nothing written)."""


class WorkerFailed(Exception):
    """A worker process of a partitioned workspace run failed (exit status 1): the
    workspace keeps every batch committed before, as after a crash."""


# Queue entry kinds.
FLOW = "flow"  # start a campaign's flow for a lead (a request, a trigger, a schedule)
RESUME = "resume"  # a waiting flow: resume at ``time`` from ``position``
NEW_LEAD = "new-lead"  # a lead from a ``created`` event joins at ``time``
CREATED = "created"  # an imported lead: raise ``created`` at the next run's start

#: One activity as stored: (run id, lead id, time, type, campaign, attributes as JSON).
ActivityRow = tuple[int | None, int, str, str, str, str]


@dataclass
class QueueEntry:
    """A queued item, in a form that can be stored (no AST, no frames)."""

    seq: int
    time: _dt.datetime | None  # None: at the start of the next run
    kind: str
    lead_id: int
    campaign: str | None = None
    trigger: str = ""
    cascade: int = 0
    position: list[list[Any]] | None = None  # RESUME: camp.runtime.positions.encode(...)
    fields: dict[str, Value] | None = None  # NEW_LEAD: the lead's fields


@dataclass
class RunRecord:
    """One ``camp run`` on a workspace, and how far it got."""

    id: int
    program: str  # the program file as given
    digest: str  # of the program's sources: --resume needs the same program
    options: dict[str, Any]  # campaign, start, until, limits... (what --resume reuses)
    start: _dt.datetime
    until: _dt.datetime | None
    phase: int  # 1: the --campaign batch over leads; 2: the queue
    cursor: int  # phase 1: the last lead id done
    max_lead: int  # phase 1 covers leads up to this id (those present at the start)
    now: _dt.datetime  # the simulation clock at the last commit
    stats: dict[str, Any] = field(default_factory=dict)
    status: str = "running"  # or "done"


@dataclass
class ActivityQuery:
    lead_ids: Sequence[int] | None = None
    type: str | None = None
    campaign: str | None = None
    since: _dt.datetime | None = None
    run_id: int | None = None


def activity_record(
    lead_id: int, time: str, type_: str, campaign: str, attrs_json: str
) -> dict[str, Any]:
    """A stored activity in the shape of ``camp run --activities`` (spec §7)."""
    record: dict[str, Any] = {"lead": lead_id, "time": time, "type": type_, "campaign": campaign}
    record.update(json.loads(attrs_json))
    return record


class Store(Protocol):
    """What a workspace run needs from where the world is kept."""

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together (or not at all)."""
        ...

    # ---- leads -----------------------------------------------------------------------
    def leads(
        self,
        ids: Iterable[int],
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        """The leads with these ids that exist (with lists, statuses, runs), in id order.

        ``Lead.steps`` is the count of run ``run_id`` (0 for another run: R204 is per run).
        ``admit`` (typing by the program's schema) is applied to the leads run ``run_id``
        has not written yet: once per run. A lead it changes is saved even if nothing
        else changes it, so that it is not typed again.
        """
        ...

    def leads_page(
        self,
        after: int,
        last: int,
        limit: int,
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        """Up to ``limit`` leads with ``after < id <= last``, in id order (as :meth:`leads`)."""
        ...

    def iter_lead_fields(
        self, list_key: str | None = None
    ) -> Iterator[tuple[int, dict[str, Value]]]:
        """Every lead's fields in id order (only a static list's members, given its key)."""
        ...

    def save_leads(self, leads: Iterable[Lead], run_id: int | None) -> None:
        """Insert or update leads: fields, lists, statuses, runs and (for a run) step counts."""
        ...

    def max_lead_id(self) -> int: ...

    def lead_count(self) -> int: ...

    def ids_by_email(self, email: str) -> list[int]: ...

    def existing_ids(self, ids: Iterable[int]) -> set[int]: ...

    def field_order(self) -> list[str]:
        """Every field name seen, first-seen (or schema) order."""
        ...

    def add_fields(self, names: Iterable[str], types: dict[str, str] | None = None) -> None: ...

    # ---- activity log --------------------------------------------------------------
    def append_activities(self, rows: Sequence[ActivityRow], list_names: dict[str, str]) -> None:
        """Append to the log (``list_names``: static list key -> display name, first seen)."""
        ...

    def activities(self, query: ActivityQuery) -> Iterator[dict[str, Any]]:
        """Activities in the order they happened, in the shape of ``--activities``."""
        ...

    # ---- queue ------------------------------------------------------------------------
    def enqueue(self, entries: Iterable[QueueEntry]) -> None: ...

    def enqueue_all_leads(
        self, campaign: str, time: _dt.datetime, trigger: str, first_seq: int
    ) -> int:
        """Queue ``campaign`` for every lead (id order, consecutive seqs); returns the count."""
        ...

    def due(self, until: _dt.datetime | None, limit: int) -> list[QueueEntry]:
        """The first ``limit`` entries by (time, seq), up to ``until``."""
        ...

    def dequeue(self, seqs: Iterable[int]) -> None: ...

    def queued(self, kinds: Sequence[str] | None = None) -> Iterator[QueueEntry]: ...

    def date_undated(self, time: _dt.datetime) -> None:
        """Give entries queued for "the next run" (imports) that run's start time."""
        ...

    def queue_counts(self) -> dict[str, int]:
        """How many entries of each kind are queued."""
        ...

    def queued_positions(self) -> list[tuple[str | None, str | None, int]]:
        """Distinct (campaign, JSON position) of queued flows and how many: to validate them."""
        ...

    def drop_queued(self, campaign: str | None, position: str | None) -> None:
        """Drop the queued flows of a campaign (at a position) the program no longer has."""
        ...

    def drop_kind(self, kind: str) -> int:
        """Drop every queued entry of one kind; returns how many."""
        ...

    # ---- runs, clock, sequence ---------------------------------------------------------
    def unfinished_run(self) -> RunRecord | None: ...

    def begin_run(self, run: RunRecord) -> RunRecord:
        """Record a new run (its id is assigned); call inside a transaction."""
        ...

    def save_run(self, run: RunRecord) -> None: ...

    def clock(self) -> _dt.datetime | None: ...

    def set_clock(self, when: _dt.datetime) -> None: ...

    def seq(self) -> int:
        """The last queue sequence number handed out."""
        ...

    def set_seq(self, seq: int) -> None: ...
