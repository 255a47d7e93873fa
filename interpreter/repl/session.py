"""A REPL session: the program typed and loaded so far, the leads, and what each input does.

The session program is the loaded files plus every declaration accepted at the
prompt (each kept as its own source ``<repl-N>``). An input is checked against
the whole session program, so the checker sees everything it would see in a
file; the session only changes when that check finds no error. Expressions are
evaluated and steps run on the current lead through the real interpreter; the
steps' requests and triggers then run through a scheduler over all the leads.

:func:`main` is ``camp repl``: the prompt-toolkit UI on a terminal, plain
line-by-line reading otherwise.
"""

from __future__ import annotations

import datetime as _dt
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from camp.checker import DEFAULT_MAX_DEPTH, CampaignInfo, CheckResult, InputError, Kind, Symbols
from camp.checker.checker import Checker, walk_steps
from camp.checker.loader import LoadedProgram, display_path, load
from camp.diagnostics import Diagnostic, StackFrame, render, sorted_diagnostics
from camp.grammar import ast as A
from camp.grammar.span import Span
from camp.runtime.evaluator import Frame, Interpreter, Limits, StopFlow, Suspend
from camp.runtime.leadio import read_leads
from camp.runtime.scheduler import Item, Scheduler
from camp.runtime.values import CampaignError
from camp.runtime.world import ActivityLog, Lead

from .display import campaign_name, describe_lead, format_activity, format_value, quote
from .parsing import (
    INPUT_NAME,
    SYNTHETIC,
    SYNTHETIC_DISPLAY,
    Parsed,
    classify,
    end_span,
    input_complete,
    unwrap,
    unwrap_span,
)

HELP = """\
Type an expression to see its value, steps to run them on the current lead,
or declarations (campaign, fields, program, webhook, import) to add them to the
session. Enter runs the input once it is complete; until then it adds a line.
Executable campaigns run with 'call NAME;'.

  :help                 this text
  :load FILE            add FILE (and its imports) to the session
  :leads PATH           replace the leads with those of a CSV, JSON or JSONL file
  :lead ID|EMAIL        make another lead the current lead
  :show                 the current lead's fields, lists and program statuses
  :campaigns            the session's campaigns
  :activities [N]       the last N activities (default 20)
  :trace on|off         print each step as it runs, indented by call depth
  :reset                forget everything typed; reload the files and leads of the start
  :quit                 leave (also Ctrl-D)"""

BANNER = "Camp REPL: expressions, steps and declarations. :help lists commands; Ctrl-D leaves."

COMMANDS = (
    "help",
    "load",
    "leads",
    "lead",
    "show",
    "campaigns",
    "activities",
    "trace",
    "reset",
    "quit",
)


class DbUnavailable(Exception):
    """``--db`` cannot be served: the workspace store has no usable API yet."""


def open_db(db: Path) -> Callable[[Symbols], dict[int, Lead]]:
    """``--db DB``: a reader of the SQLite workspace's leads, typed by the schema.

    The one place the REPL touches :mod:`camp.store`: it reads the leads through
    ``camp.store.sqlite.load_leads``; the session's changes are not written back.
    """
    try:
        from camp.store import sqlite as store  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        raise DbUnavailable from None
    loader = getattr(store, "load_leads", None)
    if not callable(loader):
        raise DbUnavailable

    def read(symbols: Symbols) -> dict[int, Lead]:
        return {lead.id: lead for lead in loader(db, symbols)}

    return read


class _EchoLog(ActivityLog):
    """The session's activity log; prints each activity as it happens while a hook is set."""

    def __init__(self) -> None:
        super().__init__(keep=True)
        self.echo: Callable[[dict[str, Any]], None] | None = None

    def add(
        self, lead: Lead, time: _dt.datetime, type_: str, campaign: str, **attrs: Any
    ) -> dict[str, Any]:
        record = super().add(lead, time, type_, campaign, **attrs)
        if self.echo is not None:
            self.echo(record)
        return record


def _now() -> _dt.datetime:
    return _dt.datetime.now().replace(microsecond=0)


def _synthetic_info() -> CampaignInfo:
    span = Span(INPUT_NAME, 1, 1, 1, 1)
    decl = A.Campaign(SYNTHETIC, False, (), span, span)
    return CampaignInfo(decl, Kind.BATCH, None, A.QualifyRule.EVERY_TIME, None, (), (), (), ())


class Session:
    """The state of one REPL session and the handling of each input."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO | None = None,
        *,
        color: bool = False,
        max_depth: int = DEFAULT_MAX_DEPTH,
        clock: Callable[[], _dt.datetime] = _now,
    ) -> None:
        self.out = out
        self.err = err if err is not None else out
        self.color = color
        self.max_depth = max_depth
        self.clock = clock
        self.limits = Limits()
        self.trace = False
        self.quit = False
        self.failures = 0  # inputs that ended in an error
        self.start_file: Path | None = None
        self.start_leads: Path | None = None
        self.start_db: Callable[[Symbols], dict[int, Lead]] | None = None
        self._clear()

    def _clear(self) -> None:
        self.files: list[Path] = []
        self.file_program = LoadedProgram()
        self.decls: list[tuple[str, str]] = []  # accepted declarations: (<repl-N>, text)
        self.checker, self.result = self._check(self._program([]))
        self.leads: dict[int, Lead] = {1: Lead(1, {})}
        self.current = 1
        self.seen_fields: set[str] = set()
        self.log = _EchoLog()
        self.queue: list[Item] = []
        self.seq = 0
        self.now = self.clock()

    # ---- output ----------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def complain(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def show(self, diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
        for d in diagnostics:
            self.complain(render(d, sources, color=self.color))

    # ---- start-up ----------------------------------------------------------------

    def start(
        self,
        file: Path | None,
        leads: Path | None,
        quiet: bool = False,
        db: Callable[[Symbols], dict[int, Lead]] | None = None,
    ) -> None:
        """Load the command line's FILE and leads (a file or a workspace reader).

        Raises InputError when one cannot be read. A FILE with check errors is
        reported and left out; the session goes on without it.
        """
        self.start_file, self.start_leads, self.start_db = file, leads, db
        if file is not None and not self.load_file(file, fatal=True, quiet=quiet):
            self.failures += 1
        if leads is not None:
            self.use_leads(self._read_leads(leads))
        elif db is not None:
            self.use_leads(db(self.result.symbols))

    def use_leads(self, leads: dict[int, Lead]) -> None:
        if not leads:
            raise InputError("no leads in the file")
        self.leads = leads
        self.current = next(iter(leads))
        self.queue.clear()
        self.seen_fields = {name for lead in leads.values() for name in lead.fields}

    def _read_leads(self, path: Path) -> dict[int, Lead]:
        return {raw.id: Lead(raw.id, raw.fields) for raw in read_leads(path, self.result.symbols)}

    # ---- the session program ---------------------------------------------------

    def _program(
        self, extra: list[tuple[str, str]], base: LoadedProgram | None = None
    ) -> LoadedProgram:
        """The loaded files, the accepted declarations and ``extra`` as one program."""
        files = self.file_program if base is None else base
        typed = load([], [*self.decls, *extra])
        known = set(files.sources)
        return LoadedProgram(
            modules=[*files.modules, *(m for m in typed.modules if m.file not in known)],
            sources={**files.sources, **{k: v for k, v in typed.sources.items() if k not in known}},
            diagnostics=[
                *files.diagnostics,
                *(d for d in typed.diagnostics if d.span is None or d.span.file not in known),
            ],
            library_files=files.library_files | typed.library_files,
        )

    def _check(self, program: LoadedProgram) -> tuple[Checker, CheckResult]:
        from camp.stdlib.functions import REGISTRY

        checker = Checker(
            program.modules, program.sources, REGISTRY, self.max_depth, program.library_files
        )
        result = checker.run()
        result.diagnostics = sorted_diagnostics(program.diagnostics + result.diagnostics)
        return checker, result

    def _fresh(self, result: CheckResult, text: str | None = None) -> list[Diagnostic]:
        """Diagnostics the last input brought (W102 never: anything can be called here)."""
        baseline = set(self.result.diagnostics)
        out = []
        for d in result.diagnostics:
            if d.code == "W102" or d in baseline:
                continue
            if text is not None and d.span is not None and d.span.file == INPUT_NAME:
                if d.code == "W101":
                    continue
                d = unwrap(d, text)
            out.append(d)
        return out

    def _adopt(self, checker: Checker, result: CheckResult) -> None:
        self.checker, self.result = checker, result

    def load_file(self, path: Path, fatal: bool = False, quiet: bool = False) -> bool:
        """``:load FILE``: add a file; the session is unchanged if it has errors."""
        paths = [*self.files, path]
        try:
            base = load(paths)
        except InputError as e:
            if fatal:
                raise
            self.complain(f"error: {e}")
            return False
        checker, result = self._check(self._program([], base))
        fresh = self._fresh(result)
        self.show(fresh, result.symbols.sources)
        if result.errors:
            count = len(result.errors)
            self.complain(f"{path} not loaded: {count} error{'s' * (count != 1)}")
            return False
        self.files, self.file_program = paths, base
        self._adopt(checker, result)
        name = display_path(path)
        campaigns = sum(1 for c in result.symbols.campaigns.values() if c.file == name)
        if not quiet:
            self.say(f"loaded {path}: {campaigns} campaign{'s' * (campaigns != 1)}")
        return True

    # ---- inputs ----------------------------------------------------------------------

    def submit(self, text: str) -> bool:
        """Handle one complete input; False when it ended in an error. Never raises."""
        try:
            ok = self._submit(text)
        except KeyboardInterrupt:
            self.complain("interrupted")
            ok = False
        except Exception as e:  # an internal bug must not end the session
            self.complain(f"internal error: {type(e).__name__}: {e}")
            ok = False
        if not ok:
            self.failures += 1
        return ok

    def _submit(self, text: str) -> bool:
        parsed = classify(text)
        if parsed.kind == "empty":
            return True
        if parsed.kind == "meta":
            return self.meta(parsed.text)
        if parsed.kind == "error":
            self.show(parsed.diagnostics, {INPUT_NAME: text})
            return False
        if parsed.kind == "expression":
            return self.evaluate(parsed)
        if parsed.kind == "declarations":
            return self.declare(parsed)
        return self.run_steps(parsed)

    @property
    def lead(self) -> Lead:
        lead = self.leads.get(self.current)
        if lead is None:
            lead = next(iter(self.leads.values()))
            self.current = lead.id
        return lead

    def _tick(self) -> _dt.datetime:
        self.now = max(self.now, self.clock())
        return self.now

    def _trace_line(self, line: str) -> None:
        self.say("trace " + line.replace(SYNTHETIC, SYNTHETIC_DISPLAY))

    def _interpreter(self, symbols: Any) -> Interpreter:
        trace = self._trace_line if self.trace else None
        return Interpreter(symbols, self.log, self._tick(), self.limits, trace)

    # ---- expressions -----------------------------------------------------------------

    def evaluate(self, parsed: Parsed) -> bool:
        info = _synthetic_info()
        checker = self.checker
        checker.diags = []
        try:
            checker.infer(info, parsed.node, list_ok=True)
            found = sorted_diagnostics(checker.diags)
        finally:
            checker.diags = []
        sources = {**self.result.symbols.sources, INPUT_NAME: parsed.text}
        self.show(found, sources)
        if any(d.is_error for d in found):
            return False
        interp = self._interpreter(self.result.symbols)
        try:
            value = interp.eval(parsed.node, Frame(info, None, None, None), self.lead)
        except CampaignError as err:
            span = err.span if err.span is not None else end_span(parsed.text)
            self.show([Diagnostic(err.code, err.message, span)], sources)
            return False
        self.say(format_value(value))
        return True

    # ---- declarations ----------------------------------------------------------------

    def declare(self, parsed: Parsed) -> bool:
        module: A.Module = parsed.node
        sources = {INPUT_NAME: parsed.text}
        reserved = [
            Diagnostic("E305", f"'{SYNTHETIC}' is reserved for the REPL", c.name_span)
            for c in _campaigns(module)
            if c.name == SYNTHETIC
        ]
        if reserved:
            self.show(reserved, sources)
            return False
        _, result = self._check(self._program([(INPUT_NAME, parsed.text)]))
        fresh = self._fresh(result)
        self.show(fresh, {**result.symbols.sources, **sources})
        if any(d.is_error for d in fresh) or result.errors:
            return False
        name = f"<repl-{len(self.decls) + 1}>"
        self.decls.append((name, parsed.text))
        checker, renamed = self._check(self._program([]))
        if renamed.errors:  # pragma: no cover - the same program under another name
            self.decls.pop()
            raise RuntimeError("the declaration did not check under its session name")
        self._adopt(checker, renamed)
        for item in module.items:
            self.say(f"defined {_describe(item, renamed)}")
        return True

    # ---- steps -----------------------------------------------------------------------

    def run_steps(self, parsed: Parsed) -> bool:
        text = parsed.text
        _, result = self._check(self._program([(INPUT_NAME, parsed.source)]))
        fresh = self._fresh(result, text)
        sources = {**result.symbols.sources, INPUT_NAME: text}
        self.show(fresh, sources)
        if any(d.is_error for d in fresh) or result.errors:
            return False
        symbols = result.symbols
        info = symbols.campaigns[SYNTHETIC]
        interp = self._interpreter(symbols)
        scheduler = Scheduler(interp, self.leads)
        scheduler.queue, scheduler.seq = self.queue, self.seq
        for lead in self.leads.values():
            lead.steps = 0  # the step limit counts per input
        lead = self.lead
        first_seq = self.seq
        errors = scheduler.stats.errors

        def echo(record: dict[str, Any]) -> None:
            if record.get("type") == "Flow Error" and errors:
                shown = _unwrap_runtime(errors[-1], text)
                record["stack"] = [f.as_activity() for f in shown.stack]  # user's lines
                self.show([shown], sources)
            else:
                self.say(format_activity(record, self.current))

        self.log.echo = echo
        try:
            frame = Frame(info, None, None, None)
            try:
                interp.run_block(info.steps, frame, lead)
            except Suspend as s:
                seq = scheduler.next_seq()
                scheduler.push(
                    Item(
                        time=s.until,
                        seq=seq,
                        lead_id=lead.id,
                        campaign=info,
                        trigger="",
                        cascade=0,
                        frame=frame,
                        rest=s.rest,
                    )
                )
            except StopFlow:
                pass
            except CampaignError as err:
                scheduler.error(lead, frame, err)
            scheduler.run(interp.now)  # the requests and triggers the steps raised
        finally:
            self.log.echo = None
            self.queue, self.seq = scheduler.queue, scheduler.seq
        for waiting in sorted(i for i in self.queue if i.seq > first_seq and i.campaign):
            assert waiting.campaign is not None
            who = campaign_name(waiting.campaign.name)
            if waiting.lead_id != self.current:
                who += f", lead {waiting.lead_id}"
            self.say(f"flow waiting until {waiting.time.isoformat(timespec='seconds')} ({who})")
        self.seen_fields.update(lead.fields)
        return not errors

    # ---- meta-commands ---------------------------------------------------------------

    def meta(self, line: str) -> bool:
        try:
            words = shlex.split(line[1:])
        except ValueError as e:
            self.complain(f"error: {e}")
            return False
        if not words:
            self.complain("error: a command follows ':' (:help lists them)")
            return False
        name, args = words[0], words[1:]
        aliases = {"q": "quit", "exit": "quit", "h": "help", "?": "help"}
        name = aliases.get(name, name)
        if name not in COMMANDS:
            close = [c for c in COMMANDS if c.startswith(name[:2])]
            hint = f"; did you mean :{close[0]}?" if close else ""
            self.complain(f"error: unknown command ':{name}'{hint} (:help lists them)")
            return False
        handler: Callable[[list[str]], bool] = getattr(self, f"cmd_{name}")
        return handler(args)

    def _arity(self, args: list[str], usage: str, low: int, high: int) -> bool:
        if low <= len(args) <= high:
            return True
        self.complain(f"usage: {usage}")
        return False

    def cmd_help(self, args: list[str]) -> bool:
        self.say(HELP)
        return True

    def cmd_quit(self, args: list[str]) -> bool:
        self.quit = True
        return True

    def cmd_load(self, args: list[str]) -> bool:
        if not self._arity(args, ":load FILE", 1, 1):
            return False
        return self.load_file(Path(args[0]))

    def cmd_leads(self, args: list[str]) -> bool:
        if not self._arity(args, ":leads PATH", 1, 1):
            return False
        try:
            self.use_leads(self._read_leads(Path(args[0])))
        except InputError as e:
            self.complain(f"error: {e}")
            return False
        count = len(self.leads)
        self.say(f"{count} lead{'s' * (count != 1)}; current lead {self.lead.describe()}")
        return True

    def cmd_lead(self, args: list[str]) -> bool:
        if not args:
            self.say(f"current lead {self.lead.describe()}")
            return True
        if not self._arity(args, ":lead ID|EMAIL", 1, 1):
            return False
        key = args[0]
        found: Lead | None = None
        if key.isdigit():
            found = self.leads.get(int(key))
        else:
            folded = key.casefold()
            found = next(
                (
                    lead
                    for lead in self.leads.values()
                    if isinstance(lead.fields.get("email"), str)
                    and str(lead.fields["email"]).strip().casefold() == folded
                ),
                None,
            )
        if found is None:
            self.complain(f"error: no lead {key} ({len(self.leads)} loaded)")
            return False
        self.current = found.id
        self.say(f"current lead {found.describe()}")
        return True

    def cmd_show(self, args: list[str]) -> bool:
        for line in describe_lead(self.lead, list(self.result.symbols.fields)):
            self.say(line)
        return True

    def cmd_campaigns(self, args: list[str]) -> bool:
        campaigns = list(self.result.symbols.campaigns.values())
        if not campaigns:
            self.say("no campaigns yet")
            return True
        width = max(len(c.name) for c in campaigns)
        for c in campaigns:
            where = f"  in program {quote(c.program.name)}" if c.program else ""
            self.say(f"{c.kind!s:<10}  {c.name.ljust(width)}  {c.decl.name_span}{where}")
        return True

    def cmd_activities(self, args: list[str]) -> bool:
        if not self._arity(args, ":activities [N]", 0, 1):
            return False
        count = 20
        if args:
            if not args[0].isdigit():
                self.complain("usage: :activities [N]")
                return False
            count = int(args[0])
        items = self.log.items[-count:] if count else []
        if not items:
            self.say("no activities")
        for record in items:
            self.say(format_activity(record, self.current))
        return True

    def cmd_trace(self, args: list[str]) -> bool:
        if not args:
            self.say(f"trace is {'on' if self.trace else 'off'}")
            return True
        if len(args) != 1 or args[0] not in ("on", "off"):
            self.complain("usage: :trace on|off")
            return False
        self.trace = args[0] == "on"
        self.say(f"trace {args[0]}")
        return True

    def cmd_reset(self, args: list[str]) -> bool:
        self._clear()
        try:
            self.start(self.start_file, self.start_leads, quiet=True, db=self.start_db)
        except InputError as e:
            self.complain(f"error: {e}")
            return False
        self.say("session reset")
        return True

    # ---- what completion needs ------------------------------------------------------

    def field_names(self) -> dict[str, str]:
        """Field name -> a description (its type, or where it was seen)."""
        names: dict[str, str] = {}
        symbols = self.result.symbols
        for name, info in symbols.fields.items():
            names[name] = f"{info.type} field"
        for name in sorted(self.seen_fields | set(self.lead.fields)):
            names.setdefault(name, "field")
        return names

    def list_names(self) -> list[str]:
        names: dict[str, None] = {}
        for c in self.result.symbols.campaigns.values():
            for step in walk_steps(c.steps):
                if isinstance(step, A.AddToList):
                    names[step.list_name.plain] = None
            for t in c.triggers:
                if t.kind is A.TriggerKind.ADDED_TO_LIST and isinstance(t.argument, A.Str):
                    names[t.argument.plain] = None
        known = {n.casefold() for n in names}
        for name in sorted(self.lead.lists):
            if name not in known:
                names[name] = None
        return list(names)


def _campaigns(module: A.Module) -> list[A.Campaign]:
    out: list[A.Campaign] = []
    for item in module.items:
        if isinstance(item, A.Campaign):
            out.append(item)
        elif isinstance(item, A.Program):
            out.extend(item.campaigns)
    return out


def _describe(item: A.Decl, result: CheckResult) -> str:
    if isinstance(item, A.Campaign):
        info = result.symbols.campaigns.get(item.name)
        kind = info.kind if info is not None else ("executable" if item.executable else "")
        return f"{kind} campaign {item.name}".strip()
    if isinstance(item, A.Program):
        inside = len(item.campaigns)
        return f"program {quote(item.name)} ({inside} campaign{'s' * (inside != 1)})"
    if isinstance(item, A.WebhookDecl):
        return f"webhook {item.name}"
    if isinstance(item, A.FieldsDecl):
        return "fields " + ", ".join(f.name for f in item.fields)
    if isinstance(item, A.TestDecl):  # checked, never run here: camp test runs tests
        return f"test {quote(item.name)} (not run in the REPL; use camp test)"
    return f"import {quote(item.path)}"


def _unwrap_runtime(d: Diagnostic, text: str) -> Diagnostic:
    """A run-time error whose stack passes through the prompt's steps, in the user's lines."""
    from camp.grammar.node import replace

    def frame(f: StackFrame) -> StackFrame:
        if f.span.file != INPUT_NAME:
            return f
        return replace(f, span=unwrap_span(f.span, text), campaign=campaign_name(f.campaign))

    span = d.span
    if span is not None and span.file == INPUT_NAME:
        span = unwrap_span(span, text)
    return replace(d, span=span, stack=tuple(frame(f) for f in d.stack))


# ---- the two front ends ---------------------------------------------------------------


def run_piped(session: Session, stream: Iterable[str]) -> int:
    """Read inputs line by line (the same completeness rule as Enter); plain output.

    Exit status: 0 when every input went well, 1 when any had an error.
    """
    lines: list[str] = []
    for raw in stream:
        lines.append(raw.rstrip("\r\n"))
        text = "\n".join(lines)
        if input_complete(text):
            lines = []
            session.submit(text)
            if session.quit:
                break
    else:
        text = "\n".join(lines)
        if text.strip():
            session.submit(text)  # unfinished input at the end: shows what is missing
    return 1 if session.failures else 0


def main(file: Path | None, leads: Path | None, db: Path | None) -> int:
    """``camp repl [FILE] [--leads PATH | --db DB]``."""
    if leads is not None and db is not None:
        sys.stderr.write("camp: error: --leads and --db cannot be used together\n")
        return 2
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session = Session(sys.stdout, sys.stderr, color=interactive)
    if interactive:
        session.say(BANNER)
    try:
        read_db = open_db(db) if db is not None else None
        session.start(file, leads, quiet=not interactive, db=read_db)
    except DbUnavailable:
        sys.stderr.write("camp: error: --db is not available yet\n")
        return 2
    except InputError as e:
        sys.stderr.write(f"camp: error: {e}\n")
        return 2
    if interactive:
        from .terminal import run_interactive

        return run_interactive(session)
    try:
        return run_piped(session, sys.stdin)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 1
