"""``camp run PROGRAM --db DB --workers N``: the flows of a workspace run run in N worker
processes; this process, the workspace's one writer, commits what they did in exactly
the serial run's batches and order.

The writer holds the workspace lock, records (or resumes) the run as a serial run does,
then forks the workers: they inherit the checked program, open the workspace read-only
(WAL lets them read beside the writer) and send back what each flow did, ready to
store: activity rows, each lead as it is afterwards (encoded, see
:data:`~camp.store.sqlite.LeadRow`), what the flows queued, counts and errors. The
writer compares the leads with their stored rows and writes the differences, as the
serial run does.

- **Phase 1** (``--campaign`` over the leads in id order): the serial run's pages of
  ``--batch-size`` leads go to the workers round-robin, at most :data:`AHEAD` pages per
  worker ahead of the writer. Page *i* is committed when it and every page before it
  are back; what its flows queued gets the seqs the serial run would give (the page's
  own count, offset by the run's counter). Each commit is the serial run's transaction
  for that page.
- **Phase 2** (the queue by (time, seq)): a lead belongs to one worker
  (:func:`~camp.parallel.partition_of`). A worker reads its leads' share of the
  queue from the workspace and runs it in (time, seq) order, numbering what its flows
  queue with its own counter; since leads never interact and every counter only grows,
  that is the serial run's order restricted to its leads. The writer runs the serial
  run's own loop (:func:`~camp.store.runner.drain_queue`) over keys: each item it
  takes is the owning worker's next result; it numbers what the item queued with the
  run's counter, so it holds the serial run's queue, takes the serial run's batches
  and commits them as the serial run does. A worker keeps the leads whose last flow is
  not committed yet and reloads the others from the workspace; it runs at most
  :data:`WINDOW` items ahead of the last commit.

A killed or failing worker stops the run (exit status 1, naming the partition): every
commit before it is a whole batch of the serial run, so the workspace is exactly as an
interrupted serial run leaves it, and ``--resume`` (with or without ``--workers``)
finishes it. Ctrl-C stops every worker the same way.

Messages between the processes are plain tuples sent with ``marshal`` (much faster to
make and read than pickles of objects; the writer reads every message in its one
thread, beside its SQLite writes): activity rows and queue rows as stored, leads as
:data:`~camp.store.sqlite.LeadRow` tuples, times as text, campaign errors (rare)
pickled.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import heapq
import marshal
import multiprocessing as mp
import os
import pickle
import signal
from collections import Counter, OrderedDict, deque
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, NamedTuple, NoReturn

from camp.checker.loader import InputError
from camp.diagnostics import Diagnostic
from camp.parallel import exit_text, failure_text, partition_of
from camp.runtime.scheduler import Item, Scheduler
from camp.runtime.world import Lead
from camp.store.base import ActivityRow, QueueEntry, RunRecord, WorkerFailed
from camp.store.codec import time_text
from camp.store.runner import _IMPORTED, Engine, Runner, Totals, drain_queue
from camp.store.sqlite import LeadRow, QueueRow, SQLiteStore

AHEAD = 2  # phase 1: pages per worker sent ahead of the writer
WINDOW_BATCHES = 4  # phase 2: a worker runs at most this many batches' items ahead
FLUSH = 256  # phase 2: items per message from a worker
READ = 1000  # phase 2: queue entries a worker reads at a time
PREFETCH = 256  # phase 2: leads of queued flows a worker loads at a time
KEEP_BATCHES = 40  # phase 2: a worker keeps this many batches' worth of leads in memory
# (20,000 at --batch-size 500) before it forgets committed ones; the writer remembers as
# many leads' last committed rows (it need not read them again)


# ---- what workers send back ------------------------------------------------------------


class PageResult(NamedTuple):
    """Phase 1: one page of leads run."""

    number: int  # pages are numbered from 0 in id order
    last: int  # the page's last lead id (the run's cursor after it)
    leads: int
    rows: list[ActivityRow]
    names: dict[str, str]
    emails: dict[str, int]
    states: list[LeadRow]
    queued: list[QueueRow]  # seqs 1..seqs, in order
    seqs: int
    flows: int
    steps: int
    errors: bytes | None  # pickled list[Diagnostic]


class ItemResult(NamedTuple):
    """Phase 2: one queue item run."""

    lead_id: int
    time: str  # the item's time (as stored)
    stored: int  # the store's seq of the entry; 0 for an item queued in this phase
    rows: list[ActivityRow]
    names: dict[str, str] | None  # (None: none; as below, which is most items)
    emails: tuple[str, ...] | None  # the e-mails sent
    state: LeadRow | None  # the lead afterwards (None: no such lead)
    created: bool  # the item brought a new lead (a 'created' event)
    queued: list[QueueRow] | None  # what it queued, in order (seqs not set)
    flows: int
    steps: int
    errors: bytes | None  # pickled list[Diagnostic]


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    conn.send_bytes(marshal.dumps(message))


def _errors(errors: list[Diagnostic]) -> bytes | None:
    return pickle.dumps(errors) if errors else None


# ---- the workers ------------------------------------------------------------------------


class _Recording(Scheduler):
    """Remembers what each item queues, in order; keeps the queue as (time, seq, item)
    (a worker's queue is long: tuples compare much faster than items)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pushed: list[Item] = []
        self.heap: list[tuple[Any, int, Item]] = []

    def push(self, item: Item) -> None:
        heapq.heappush(self.heap, (item.time, item.seq, item))
        self.pushed.append(item)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this worker when the writer dies (even by SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux: EOF on the pipe does
        pass
    if os.getppid() != parent:
        os._exit(1)


class _Worker:
    def __init__(
        self, index: int, count: int, runner: Runner, run: RunRecord, commands: Connection
    ) -> None:
        self.index, self.count = index, count
        self.runner, self.run = runner, run
        self.commands = commands
        assert isinstance(runner.store, SQLiteStore)
        self.store = store = SQLiteStore.open_reader(runner.store.path)
        self.forced: set[int] = set()  # leads typing by the schema changed (written anyway)

        def load(ids: list[int]) -> list[Lead]:
            leads = store.leads(ids, run.id, runner.conform)
            self.forced |= store.take_forced()
            return leads

        self.eng = Engine(runner, run, load, _Recording)
        self.committed = 0
        self.keep = KEEP_BATCHES * runner.ws.batch
        # lead -> the number of its last item, least recently run first
        self._last: OrderedDict[int, int] = OrderedDict()

    def serve(self, results: Connection) -> None:
        _send(results, ("ready", self.eng.name))
        while True:
            message = self.commands.recv()
            if message[0] == "page":
                _send(results, ("page", tuple(self.page(*message[1:]))))
            elif message[0] == "queue":
                self.queue(results, *message[1:])
            elif message[0] == "stop":
                return

    def _take_counts(self) -> tuple[int, list[Diagnostic]]:
        stats = self.eng.sched.stats
        flows, errors = stats.flows, stats.errors
        stats.flows, stats.errors = 0, []
        stats.error_times.clear()  # a workspace run keeps the order it commits in
        return flows, errors

    def page(self, number: int, after: int, last: int) -> PageResult:
        eng, store, runner = self.eng, self.store, self.runner
        sched, cache = eng.sched, eng.cache
        assert isinstance(sched, _Recording)
        sched.seq = 0
        page = store.leads_page(after, last, runner.ws.batch, self.run.id, runner.conform)
        forced = store.take_forced()
        cache.add(page)
        for lead in page:
            eng.run_lead(lead)
        steps = cache.steps_done()
        rows, names, emails = eng.log.take()
        states = [store.lead_row(lead, lead.id in forced) for lead in cache.values()]
        queued = [store.queue_row(runner.to_entry(i)) for _, _, i in sorted(sched.heap)]
        sched.heap.clear()
        sched.pushed.clear()
        cache.reset()
        flows, errors = self._take_counts()
        end = page[-1].id if page else last
        return PageResult(
            number, end, len(page), rows, names, dict(emails), states, queued, sched.seq,
            flows, steps, _errors(errors),
        )  # fmt: skip

    # -- phase 2

    def _listen(self, block: bool) -> None:
        """Take the writer's messages: how many of this worker's items are committed."""
        while block or self.commands.poll():
            message = self.commands.recv()
            block = False
            if message[0] == "committed":
                self._evict(message[1])

    def _evict(self, committed: int) -> None:
        """Past ``keep`` leads in memory, forget the ones run longest ago whose flows are all
        committed: the workspace holds them as they are (a later flow loads them again)."""
        self.committed = committed
        last, cache = self._last, self.eng.cache
        while last and len(cache) > self.keep:
            lead_id, k = last.popitem(last=False)  # the lead run longest ago
            if k > committed:
                last[lead_id] = k
                last.move_to_end(lead_id, last=False)
                break
            dict.pop(cache, lead_id, None)
            cache.first_steps.pop(lead_id, None)
            self.forced.discard(lead_id)

    def queue(self, results: Connection, base: int, now: str) -> None:
        eng, store, runner, run = self.eng, self.store, self.runner, self.run
        interp, sched, cache = eng.interp, eng.sched, eng.cache
        assert isinstance(sched, _Recording)
        interp.now = _dt.datetime.fromisoformat(now)
        sched.seq = base
        heap = sched.heap
        heap.clear()
        until = run.until
        window = WINDOW_BATCHES * runner.ws.batch
        share: deque[QueueEntry] = deque()
        after = ("", 0)
        exhausted = False
        last = self._last
        buffer: list[tuple[Any, ...]] = []
        done = 0
        while True:
            if not share and not exhausted:
                got = store.due_share(after, base, until, (self.index, self.count), READ)
                exhausted = len(got) < READ
                if got:
                    assert got[-1].time is not None
                    after = (time_text(got[-1].time), got[-1].seq)
                    # A lead not in memory is as the workspace holds it: load them at once.
                    cache.prefetch(e.lead_id for e in got)
                share.extend(got)
            theirs = share[0] if share else None
            mine = heap[0] if heap else None
            if theirs is not None and (mine is None or (theirs.time, theirs.seq) < mine[:2]):
                share.popleft()
                item, stored = runner.to_item(theirs), theirs.seq
            elif mine is not None and (until is None or mine[0] <= until):
                if not dict.__contains__(cache, mine[2].lead_id):
                    # The heap's first entries are (mostly) the next to come due.
                    cache.prefetch(i.lead_id for _, _, i in heap[:PREFETCH])
                item, stored = heapq.heappop(heap)[2], 0
            else:
                break
            lead_id = item.lead_id
            before = dict.get(cache, lead_id)
            steps_before = None if before is None else before.steps
            sched.pushed.clear()
            eng.run_queued(item)
            lead = dict.get(cache, lead_id)
            state = None
            steps = 0
            if lead is not None:
                first = cache.first_steps.get(lead_id, 0)
                steps = lead.steps - (steps_before if steps_before is not None else first)
                state = store.lead_row(lead, lead_id in self.forced)
            rows, names, emails = eng.log.take()
            flows, errors = self._take_counts()
            pushed = sched.pushed
            buffer.append(
                (
                    lead_id,
                    time_text(item.time),
                    stored,
                    rows,
                    names or None,
                    tuple(emails.elements()) if emails else None,
                    state,
                    item.campaign is None and item.trigger != _IMPORTED,
                    [store.queue_row(runner.to_entry(i)) for i in pushed] if pushed else None,
                    flows,
                    steps,
                    _errors(errors),
                )
            )
            done += 1
            last[lead_id] = done
            last.move_to_end(lead_id)
            if len(buffer) >= FLUSH:
                _send(results, ("items", buffer))
                buffer = []
                self._listen(False)
            while done - self.committed >= window:
                if buffer:
                    _send(results, ("items", buffer))
                    buffer = []
                self._listen(True)
        if buffer:
            _send(results, ("items", buffer))
        _send(results, ("end", done))


def _worker_main(
    index: int,
    count: int,
    runner: Runner,
    run: RunRecord,
    commands: Connection,
    results: Connection,
    others: list[Connection],
    parent: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the writer stops us on Ctrl-C
    _die_with_parent(parent)
    for fd in runner.ws.held_fds:  # the workspace lock is the writer's alone
        os.close(fd)
    for conn in others:  # the writer's ends of the other workers' pipes
        conn.close()
    try:
        _Worker(index, count, runner, run, commands).serve(results)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the writer is gone
    except BaseException as e:  # reported to the writer, which names this partition
        text = str(e) if isinstance(e, InputError) else f"{type(e).__name__}: {e}"
        with suppress(OSError):
            _send(results, ("error", text))


# ---- the writer -----------------------------------------------------------------------------


@dataclass(order=True, slots=True)
class _Key:
    """An item of the queue as the writer knows it: its key (time as stored, seq), lead,
    and its row (for one queued in this batch, to store if the batch ends before it
    runs)."""

    time: str
    seq: int
    lead_id: int = field(default=0, compare=False)
    row: QueueRow | None = field(default=None, compare=False)


class _Writer:
    def __init__(self, runner: Runner, run: RunRecord, count: int) -> None:
        self.runner, self.run, self.count = runner, run, count
        store = runner.store
        assert isinstance(store, SQLiteStore)
        self.store = store
        self.totals = Totals()
        self.inbox: deque[tuple[int, Any]] = deque()  # messages read, not yet taken
        self.procs: list[Any] = []
        self.commands: list[Connection] = []
        self.results: list[Connection] = []
        self.engine = "tree"
        self.items: list[deque[ItemResult]] = [deque() for _ in range(count)]
        # The leads last committed, as committed: their stored rows need no reading.
        self.remembered: OrderedDict[int, LeadRow] = OrderedDict()
        self.ended: dict[int, int] = {}

    # -- workers

    def start(self) -> None:
        try:
            ctx = mp.get_context("fork")
        except ValueError:  # pragma: no cover - no fork (Windows)
            raise InputError(
                "--workers with --db needs processes started by fork (Linux, macOS): "
                "run without --workers"
            ) from None
        mine: list[Connection] = []
        for k in range(self.count):
            cmd_read, cmd_write = ctx.Pipe(duplex=False)
            res_read, res_write = ctx.Pipe(duplex=False)
            with suppress(OSError, AttributeError):  # Linux: fewer waits on a full pipe
                fcntl.fcntl(res_write.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
            proc = ctx.Process(
                target=_worker_main,
                args=(k, self.count, self.runner, self.run, cmd_read, res_write, mine,
                      os.getpid()),
                name=f"camp workspace partition {k + 1}/{self.count}",
                daemon=True,
            )  # fmt: skip
            proc.start()
            cmd_read.close()
            res_write.close()
            mine += [cmd_write, res_read]
            self.procs.append(proc)
            self.commands.append(cmd_write)
            self.results.append(res_read)
        for _ in range(self.count):
            k, message = self._next()
            if message[0] != "ready":  # pragma: no cover - the protocol's first message
                self._fail(k, f"unexpected message {message[0]!r}")
            self.engine = message[1]

    def _fail(self, k: int, why: str) -> NoReturn:
        raise WorkerFailed(failure_text(k, self.count, why))

    def _died(self, k: int) -> NoReturn:
        proc = self.procs[k]
        proc.join(5)
        how = exit_text(proc.exitcode)
        self._fail(k, f"its worker process ended before the run did ({how})")

    def _send(self, k: int, message: tuple[Any, ...]) -> None:
        try:
            self.commands[k].send(message)
        except OSError:  # its end of the pipe is closed: the worker is gone
            self._died(k)

    def _next(self) -> tuple[int, Any]:
        """The next message of any worker; a worker that failed or died stops the run.

        Read in this thread, when needed: a reader thread would take the GIL from
        SQLite's writes, which let it go and take it back on every row. A worker whose
        pipe is full waits meanwhile; it runs ahead of the writer all the same.
        """
        while not self.inbox:
            for conn in wait(self.results, timeout=0.5):
                assert isinstance(conn, Connection)
                k = self.results.index(conn)
                try:
                    self.inbox.append((k, marshal.loads(conn.recv_bytes())))
                except (EOFError, OSError):
                    self._died(k)
        k, message = self.inbox.popleft()
        if message[0] == "error":
            self._fail(k, message[1])
        return k, message

    def stop(self) -> None:
        for conn in self.commands:
            with suppress(OSError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(2)

    def kill(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()
        for proc in self.procs:
            proc.join()
        for conn in self.commands + self.results:
            conn.close()

    def _count(self, errors: bytes | None) -> None:
        if errors is not None:
            self.totals.errors.extend(pickle.loads(errors))

    # -- phase 1

    def pages(self) -> None:
        run, store, runner = self.run, self.store, self.runner
        batch, progress = runner.ws.batch, runner.opts.progress
        seq = store.seq()
        sent = committed = 0
        cursor = run.cursor
        exhausted = False
        back: dict[int, PageResult] = {}
        done_leads = run.cursor
        totals = self.totals
        while True:
            while not exhausted and sent - committed < AHEAD * self.count:
                last = store.page_end(cursor, run.max_lead, batch)
                if last is None:
                    exhausted = True
                    break
                self._send(sent % self.count, ("page", sent, cursor, last))
                cursor, sent = last, sent + 1
            if committed == sent and exhausted:
                break
            page = back.pop(committed, None)
            if page is None:
                _, message = self._next()
                result = PageResult._make(message[1])
                back[result.number] = result
                continue
            queued: list[QueueRow] = [(r[0] + seq, *r[1:]) for r in page.queued]
            seq += page.seqs
            totals.flows += page.flows
            totals.steps += page.steps
            self._count(page.errors)
            totals.add_rows(page.rows, page.emails)
            run.cursor, run.now = page.last, run.start
            self.write(page.rows, page.names, page.states, [], [], queued, seq)
            committed += 1
            if progress is not None:
                done_leads += page.leads
                progress(done_leads)
        runner.end_phase_1(run)

    def write(
        self,
        rows: list[ActivityRow],
        names: dict[str, str],
        states: list[LeadRow],
        fetched: list[int],
        done: list[int],
        queued: list[QueueRow],
        seq: int,
    ) -> None:
        """Commit a batch as the serial run does: ``states`` are the batch's leads in the
        serial run's order; those made here (``fetched``, loaded by this process) have
        their stored rows noted already, the workers' are compared with theirs now."""
        store, run = self.store, self.run
        skip = set(fetched)
        known = self.remembered

        def save() -> None:
            unknown = []
            for st in states:
                if st[0] in skip:
                    continue
                before = known.get(st[0])
                if before is None:
                    unknown.append(st[0])
                else:
                    store.note(before)
            store.snapshot(unknown, run.id)
            store.save_states(states, run.id)

        def enqueue() -> None:
            store.enqueue_rows(queued)

        self.runner.write_batch(run, self.totals, rows, names, save, done, enqueue, seq)
        for st in states:  # as the workspace holds them now
            known[st[0]] = st
            known.move_to_end(st[0])
        while len(known) > KEEP_BATCHES * self.runner.ws.batch:
            known.popitem(last=False)

    # -- phase 2

    def _item(self, k: int) -> ItemResult:
        items = self.items[k]
        while not items:
            if k in self.ended:
                self._fail(k, "internal error: the writer expects an item the worker does not have")
            self._receive()
        return items.popleft()

    def _receive(self) -> None:
        """Take one phase-2 message of any worker: the items it ran, or its end."""
        w, message = self._next()
        if message[0] == "items":
            self.items[w].extend(map(ItemResult._make, message[1]))
        elif message[0] == "end":
            self.ended[w] = message[1]

    def queue(self) -> None:
        run, store, runner, count = self.run, self.store, self.runner, self.count
        base = seq = store.seq()
        for k in range(count):
            self._send(k, ("queue", base, time_text(run.now)))
        now = time_text(run.now)
        heap: list[_Key] = []
        consumed = [0] * count
        told = [0] * count
        rows: list[ActivityRow] = []
        names: dict[str, str] = {}
        emails: Counter[str] = Counter()
        states: dict[int, LeadRow] = {}
        created: dict[int, None] = {}
        chunk: list[int] = []
        totals = self.totals

        def due() -> list[_Key]:
            keys = store.due_keys(run.until, runner.ws.batch)
            chunk.extend(i for _, _, i in keys)
            return [_Key(t, s, i) for t, s, i in keys]

        def process(key: _Key) -> None:
            nonlocal now, seq
            if key.time > now:
                now = key.time
            k = partition_of(key.lead_id, count)
            res = self._item(k)
            expected = key.seq if key.seq <= base else 0
            if res.lead_id != key.lead_id or res.time != key.time or res.stored != expected:
                self._fail(
                    k,
                    f"internal error: the writer expected lead {key.lead_id} at {key.time}, "
                    f"the worker ran lead {res.lead_id} at {res.time}",
                )
            consumed[k] += 1
            rows.extend(res.rows)
            if res.names:
                for key_, name in res.names.items():
                    names.setdefault(key_, name)
            if res.emails:
                emails.update(res.emails)
            totals.flows += res.flows
            totals.steps += res.steps
            self._count(res.errors)
            if res.state is not None:
                states[res.lead_id] = res.state
                if res.created:
                    created.setdefault(res.lead_id, None)
            if res.queued:
                for row in res.queued:
                    seq += 1
                    assert row[1] is not None  # (a queued flow has its time)
                    heapq.heappush(heap, _Key(row[1], seq, row[3], row))

        def commit(done: list[int]) -> None:
            pending = sorted(heap)
            heap.clear()
            queued: list[QueueRow] = []
            for key in pending:
                assert key.row is not None
                queued.append((key.seq, *key.row[1:]))
            # The batch's leads in the serial run's order: the leads of the store's
            # entries it took, in id order (each loaded and typed, whether its item ran
            # in this batch or not), then the leads 'created' events brought.
            ids = sorted(set(chunk))
            existing = store.existing_ids(ids)
            order = [i for i in ids if i in existing]
            order += [i for i in created if i not in existing]
            idle = [i for i in order if i not in states]
            loaded = {
                lead.id: store.lead_row(lead) for lead in store.leads(idle, run.id, runner.conform)
            }  # (rare: a batch that ends before some of its entries)
            batch_states = [st for i in order if (st := states.get(i) or loaded.get(i))]
            totals.add_rows(rows, emails)
            run.now = _dt.datetime.fromisoformat(now)
            self.write(rows, names, batch_states, list(loaded), done, queued, seq)
            rows.clear()
            names.clear()
            emails.clear()
            states.clear()
            created.clear()
            chunk.clear()
            for k in range(count):
                if consumed[k] != told[k]:
                    told[k] = consumed[k]
                    self._send(k, ("committed", consumed[k]))

        until = None if run.until is None else time_text(run.until)
        drain_queue(due, heap, until, runner.ws.batch, process, commit)
        while len(self.ended) < count:
            self._receive()
        for k in range(count):
            if self.items[k] or self.ended[k] != consumed[k]:
                self._fail(k, "internal error: the worker ran items the writer did not take")


def drive_partitioned(runner: Runner, run: RunRecord, count: int) -> tuple[Totals, str]:
    """Run ``run`` (just begun or resumed) with ``count`` worker processes."""
    writer = _Writer(runner, run, count)
    try:
        writer.start()
        if run.phase == 1:
            writer.pages()
        writer.queue()
        writer.stop()
    finally:
        writer.kill()
    return writer.totals, writer.engine
