"""The static checker: every rule of the language reference's "Static rules".

Input: the modules of a loaded program. Output: diagnostics (sorted by
position) and the :class:`~camp.checker.symbols.Symbols` tables.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from camp.diagnostics import Diagnostic, sorted_diagnostics
from camp.grammar import ast as A
from camp.grammar.node import dataclass
from camp.grammar.span import Span
from camp.stdlib.registry import Registry
from camp.types import FIELD_TYPES, Type, Value, compatible, type_of

from .symbols import BUILTIN_FIELDS, CampaignInfo, FieldInfo, Kind, ProgramInfo, Symbols

if TYPE_CHECKING:
    from .graph import ProgramGraph

DEFAULT_MAX_DEPTH = 3
TOKEN_NAMESPACES = ("my", "lead", "campaign", "program")


@dataclass
class CheckResult:
    symbols: Symbols
    diagnostics: list[Diagnostic]

    @functools.cached_property
    def graph(self) -> ProgramGraph:
        """Calls, requests and the trigger cascade (camp graph, reports, LSP), built on
        first use: ``camp check`` and ``camp run`` do not need it."""
        from .graph import build_graph

        return build_graph(self.symbols)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    import difflib  # only when a name is unknown (start-up)

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def walk_steps(steps: Iterable[A.Step]) -> Iterator[A.Step]:
    """Every step, nested blocks included, in source order."""
    for step in steps:
        yield step
        if isinstance(step, A.If):
            for _, body in step.branches:
                yield from walk_steps(body)
            if step.else_body:
                yield from walk_steps(step.else_body)
        elif isinstance(step, A.Retry):
            yield from walk_steps(step.body)
            if step.else_body:
                yield from walk_steps(step.else_body)


def parent_chain(
    chain: tuple[ProgramInfo, ...], own: ProgramInfo | None
) -> tuple[ProgramInfo, ...]:
    """A callee's token chain under ``with parent tokens``: the caller's, then its own."""
    if own is None or own in chain:
        return chain
    return (*chain, own)


def parse_schedule_time(text: str, daily: bool) -> _dt.datetime | _dt.time | None:
    try:
        if daily:
            return _dt.time.fromisoformat(text)
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None


class Checker:
    def __init__(
        self,
        modules: list[A.Module],
        sources: dict[str, str],
        registry: Registry,
        max_depth: int = DEFAULT_MAX_DEPTH,
        library_files: set[str] | None = None,
    ) -> None:
        self.modules = modules
        self.sources = sources
        self.registry = registry
        self.max_depth = max_depth
        self.library_files = library_files or set()
        self.dropped_targets: set[str] = set()  # called by a duplicate (dropped) campaign
        self.diags: list[Diagnostic] = []
        self.fields: dict[str, FieldInfo] = {f.name: f for f in BUILTIN_FIELDS}
        self.closed = False
        self.campaigns: dict[str, CampaignInfo] = {}
        self.programs: dict[str, ProgramInfo] = {}
        self.webhooks: dict[str, A.WebhookDecl] = {}
        self.names: dict[str, Span] = {}  # the shared campaign/webhook/program namespace
        self._lists: dict[str, str] | None = None  # static list names, built on first use

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, span, hint))

    # ---- pass 1: declarations -----------------------------------------------

    def declare(self, kind: str, name: str, span: Span) -> bool:
        first = self.names.get(name)
        if first is not None:
            self.error(
                "E305",
                f"duplicate name '{name}': already declared at {first}",
                span,
                "campaigns, webhooks and programs share one namespace across all loaded files",
            )
            return False
        self.names[name] = span
        return True

    def collect(self) -> None:
        field_decls = [
            fd
            for m in self.modules
            for i in m.items
            if isinstance(i, A.FieldsDecl)
            for fd in i.fields
        ]
        self.closed = any(isinstance(i, A.FieldsDecl) for m in self.modules for i in m.items)
        for fd in field_decls:
            self.declare_field(fd)
        for module in self.modules:
            for item in module.items:
                if isinstance(item, A.WebhookDecl):
                    if self.declare("webhook", item.name, item.name_span):
                        self.webhooks[item.name] = item
                elif isinstance(item, A.Program):
                    self.collect_program(item)
                elif isinstance(item, A.Campaign):
                    self.collect_campaign(item, None)

    def declare_field(self, fd: A.FieldDecl) -> None:
        existing = self.fields.get(fd.name)
        ftype = FIELD_TYPES[fd.type_name]
        if existing is not None:
            if existing.span is None and existing.type is ftype:
                # Re-declaring a built-in with its own type is allowed (to give a default).
                pass
            else:
                where = f"at {existing.span}" if existing.span else "(built in)"
                self.error(
                    "E305", f"duplicate field '{fd.name}': already declared {where}", fd.name_span
                )
                return
        default: Value = None
        if fd.default is not None:
            default = fd.default.value
            if not compatible(ftype, type_of(default)):
                self.error(
                    "E304",
                    f"default for {fd.type_name} field '{fd.name}' is a {type_of(default)}",
                    fd.default.span,
                )
        elif existing is not None:
            default = existing.default
        self.fields.pop(fd.name, None)  # a re-declared built-in takes its declared place
        self.fields[fd.name] = FieldInfo(
            fd.name, ftype, default, fd.name_span, read_only=fd.name == "id"
        )

    def collect_program(self, program: A.Program) -> None:
        if not self.declare("program", program.name, program.name_span):
            for campaign in program.campaigns:  # still known, so calls to them resolve
                self.collect_campaign(campaign, None)
            return
        tokens: dict[str, A.TokenDecl] = {}
        for tok in program.tokens:
            if tok.name in tokens:
                self.error(
                    "E305",
                    f"duplicate token 'my.{tok.name}' in program '{program.name}'",
                    tok.span,
                )
            tokens[tok.name] = tok
        statuses: list[str] = []
        step: dict[str, int] = {}
        for i, st in enumerate(program.statuses):
            if st.plain in statuses:
                self.error("E305", f"duplicate status '{st.plain}'", st.span)
            else:
                statuses.append(st.plain)
                step[st.plain] = program.steps[i] if program.steps else len(step)
        success: set[str] = set()
        for st in program.success:
            if st.plain not in step:
                self.error(
                    "E306",
                    f"success status '{st.plain}' is not a status of program '{program.name}'",
                    st.span,
                    suggest(st.plain, statuses) or "declare it in 'statuses' first",
                )
            success.add(st.plain)
        info = ProgramInfo(program, tokens, statuses, step, frozenset(success))
        self.programs[program.name] = info
        for campaign in program.campaigns:
            self.collect_campaign(campaign, info)

    def collect_campaign(self, c: A.Campaign, program: ProgramInfo | None) -> None:
        if not self.declare("campaign", c.name, c.name_span):
            # E305 already; the executables it calls are not "never called" (no W102)
            self.dropped_targets.update(
                s.target for s in walk_steps(c.steps) if isinstance(s, A.CallStep)
            )
            return
        clauses = c.clauses
        triggers = tuple(cl.trigger for cl in clauses if isinstance(cl, A.On))
        kind = Kind.EXECUTABLE if c.executable else Kind.TRIGGER if triggers else Kind.BATCH
        qualify = A.QualifyRule.EVERY_TIME if c.executable else A.QualifyRule.ONCE
        interval: A.Duration | None = None
        for cl in clauses:
            if isinstance(cl, A.Qualify):
                qualify, interval = cl.rule, cl.interval
        steps = c.steps
        info = CampaignInfo(
            c,
            kind,
            program,
            qualify,
            interval,
            triggers,
            tuple(cl.condition for cl in clauses if isinstance(cl, A.Where)),
            tuple(cl for cl in clauses if isinstance(cl, A.Schedule)),
            steps,
            [s for s in walk_steps(steps) if isinstance(s, A.CallStep)],
        )
        self.campaigns[c.name] = info

    # ---- pass 2: each campaign ------------------------------------------------

    def check_campaign(self, info: CampaignInfo) -> None:
        c = info.decl
        seen_step = False
        for item in c.body:
            if isinstance(item, A.TEST_LINES):
                self.test_line_outside(info, item)
                continue
            is_clause = isinstance(item, A.CLAUSE_TYPES)
            if is_clause and seen_step:
                self.error(
                    "E401",
                    "clause after a step: 'on', 'where', 'qualify' and 'schedule' come first",
                    item.span,
                    "move this clause above the campaign's first step",
                )
            if not is_clause:
                seen_step = True
        for cl in c.clauses:
            self.check_clause(info, cl)
        self.check_block(info, info.steps, in_retry=False)

    def test_line_outside(self, info: CampaignInfo, line: A.TestLine) -> None:
        from .testcheck import TEST_LINE_WORDS

        word = TEST_LINE_WORDS[type(line)]
        self.error(
            "E403",
            f"'{word}' is only allowed in a test, not in campaign '{info.name}'",
            line.span,
            'test lines go in a test "NAME" < ... > declaration; campaigns are run by camp run',
        )

    def check_clause(self, info: CampaignInfo, cl: A.Clause) -> None:
        if isinstance(cl, A.On):
            if info.kind is Kind.EXECUTABLE:
                self.error(
                    "E103",
                    f"trigger 'on {cl.trigger.describe()}' is not allowed in executable "
                    f"campaign '{info.name}'",
                    cl.span,
                    "executables run only when another campaign calls them; put the trigger "
                    "on the calling campaign",
                )
            self.check_trigger(info, cl.trigger)
        elif isinstance(cl, A.Where):
            self.expect_boolean(info, cl.condition, "a 'where' filter")
        elif isinstance(cl, A.Schedule):
            if info.kind is not Kind.BATCH:
                self.error(
                    "E402",
                    f"'schedule' on {info.kind} campaign '{info.name}': only batch campaigns "
                    "are scheduled",
                    cl.span,
                    "remove the schedule, or make a batch campaign (no 'on' triggers, not "
                    "executable) that calls or requests this one",
                )
            elif parse_schedule_time(cl.at, cl.daily) is None:
                fmt = '"HH:MM"' if cl.daily else '"YYYY-MM-DDTHH:MM"'
                self.error(
                    "E304", f"'{cl.at}' is not a valid time", cl.at_span, f"write it as {fmt}"
                )

    def check_trigger(self, info: CampaignInfo, t: A.Trigger) -> None:
        arg = t.argument
        if isinstance(arg, A.FieldRef):
            ftype = self.field_type(arg)
            for k in t.constraints:
                if k.value is None:
                    continue
                vtype = self.infer(info, k.value, list_ok=k.op in ("in", "not in"))
                if k.op in ("in", "not in"):
                    if vtype not in (Type.LIST, Type.ANY):
                        self.error("E304", f"'{k.op}' needs a list, not {vtype}", k.value.span)
                    continue
                known = ftype not in (Type.ANY, Type.NULL) and vtype not in (Type.ANY, Type.NULL)
                if known and not compatible(ftype, vtype):
                    self.error(
                        "E304",
                        f"'{k.side}' of {ftype} field '{arg.name}' compared with {vtype}",
                        k.value.span,
                    )
                elif known and k.op in ("<", "<=", ">", ">=") and ftype is Type.BOOLEAN:
                    self.error("E304", f"'{k.op}' does not order booleans", k.span)
        elif isinstance(arg, A.Str):
            self.check_str(info, arg)
            if t.kind is A.TriggerKind.STATUS_CHANGE:
                self.known_program(arg.plain, arg.span)

    def check_block(self, info: CampaignInfo, steps: tuple[A.Step, ...], in_retry: bool) -> None:
        stopped = reported = False
        for step in steps:
            if stopped and not reported:
                reported = True
                self.error(
                    "W101",
                    "unreachable step after 'stop;'",
                    step.span,
                    "'stop' removes the lead from the flow; delete this step or the stop",
                )
            self.check_step(info, step, in_retry)
            stopped = stopped or isinstance(step, A.Stop)

    def check_step(self, info: CampaignInfo, step: A.Step, in_retry: bool) -> None:
        executable = info.kind is Kind.EXECUTABLE
        if isinstance(step, A.Set):
            self.check_set(info, step)
        elif isinstance(step, A.CallStep):
            self.check_call(info, step, in_retry)
        elif isinstance(step, A.Request):
            self.check_request(step)
        elif isinstance(step, A.SendEmail):
            self.check_str(info, step.email)
        elif isinstance(step, A.SendAlert):
            self.check_str(info, step.alert)
            self.expect(info, step.to, Type.TEXT, "an alert recipient")
        elif isinstance(step, A.Wait):
            if executable:
                self.error(
                    "E101",
                    f"'wait' is not allowed in executable campaign '{info.name}'",
                    step.span,
                    "executables run synchronously; move the wait into the caller, or use "
                    "'request'",
                )
            if (
                step.at is not None
                and step.at_span is not None
                and parse_schedule_time(step.at, True) is None
            ):
                self.error(
                    "E304",
                    f"'{step.at}' is not a valid time of day",
                    step.at_span,
                    'write it as "HH:MM"',
                )
            if step.until is not None:
                t = self.infer(info, step.until)
                if t not in (Type.DATE, Type.DATETIME, Type.TEXT, Type.ANY, Type.NULL):
                    self.error(
                        "E304",
                        f"'wait until' needs a date or datetime, not {t}",
                        step.until.span,
                    )
        elif isinstance(step, A.WebhookCall):
            if executable:
                self.error(
                    "E102",
                    f"'webhook' is not allowed in executable campaign '{info.name}'",
                    step.span,
                    "webhooks are asynchronous in Marketo; call it from a trigger or batch "
                    "campaign",
                )
            if step.name not in self.webhooks:
                self.error(
                    "E306",
                    f"undefined webhook '{step.name}'",
                    step.name_span,
                    suggest(step.name, self.webhooks),
                )
        elif isinstance(step, A.AddToList):
            self.check_str(info, step.list_name)
        elif isinstance(step, A.ChangeStatus):
            self.check_change_status(info, step)
        elif isinstance(step, A.Moment):
            self.check_str(info, step.description)
        elif isinstance(step, A.FailStep):
            self.check_str(info, step.message)
        elif isinstance(step, A.If):
            for cond, body in step.branches:
                self.expect_boolean(info, cond, "an 'if' condition")
                self.check_block(info, body, in_retry)
            if step.else_body is not None:
                self.check_block(info, step.else_body, in_retry)
        elif isinstance(step, A.Retry):
            self.check_block(info, step.body, True)
            if step.until is not None:
                self.expect_boolean(info, step.until, "a 'retry ... until' condition")
            if step.else_body is not None:
                self.check_block(info, step.else_body, in_retry)

    def check_set(self, info: CampaignInfo, step: A.Set) -> None:
        ftype = self.field_type(step.field)
        vtype = self.infer(info, step.value)
        finfo = self.fields.get(step.field.name)
        if finfo is not None and finfo.read_only:
            self.error("E304", f"field '{step.field.name}' is read-only", step.field.span)
            return
        if step.op != "=":
            if ftype not in (Type.NUMBER, Type.ANY):
                self.error(
                    "E304",
                    f"'{step.op}' changes a score: field '{step.field.name}' is {ftype}, "
                    "not number",
                    step.span,
                    f"use 'set {step.field.name} = ...' to change a {ftype} field",
                )
            elif vtype not in (Type.NUMBER, Type.ANY, Type.NULL):
                self.error(
                    "E304",
                    f"'{step.op}' needs a number, not {vtype}",
                    step.value.span,
                )
            return
        if not compatible(ftype, vtype):
            self.error(
                "E304",
                f"cannot set {ftype} field '{step.field.name}' to a {vtype}",
                step.value.span,
            )
        elif (
            isinstance(step.value, A.Str)
            and step.value.is_plain
            and step.value.plain.strip().casefold() == "null"
        ):
            # Marketo users type NULL into Change Data Value to clear a field.
            self.error(
                "W104",
                f"'set {step.field.name} = \"{step.value.plain}\";' sets the text "
                f'"{step.value.plain}", it does not clear the field',
                step.value.span,
                f"write 'set {step.field.name} = null;' to clear it",
            )

    def check_call(self, info: CampaignInfo, step: A.CallStep, in_retry: bool) -> None:
        target = self.campaigns.get(step.target)
        if target is None:
            self.error(
                "E201",
                f"call of undefined campaign '{step.target}'",
                step.target_span,
                suggest(step.target, self.campaigns),
            )
            return
        if target.kind is not Kind.EXECUTABLE:
            hint = (
                f"use 'request {step.target};' to queue a trigger campaign"
                if target.kind is Kind.TRIGGER
                else f"declare it 'executable campaign {step.target}'"
            )
            self.error(
                "E202",
                f"'{step.target}' is a {target.kind} campaign, not executable: "
                "only executables can be called",
                step.target_span,
                hint,
            )
            return
        if in_retry and info.file not in self.library_files:
            self.retried.setdefault(step.target, step.span)
        if in_retry and target.qualify is A.QualifyRule.ONCE:
            self.error(
                "W103",
                f"'{step.target}' qualifies once, so retrying this call will not run it again",
                step.span,
                f"give '{step.target}' 'qualify every time;' (the executables' default)",
            )

    def check_request(self, step: A.Request) -> None:
        target = self.campaigns.get(step.target)
        if target is None:
            self.error(
                "E201",
                f"request of undefined campaign '{step.target}'",
                step.target_span,
                suggest(step.target, self.campaigns),
            )
            return
        if target.kind is Kind.EXECUTABLE:
            self.error(
                "E203",
                f"'{step.target}' is executable: run it with 'call', not 'request'",
                step.target_span,
                f"write 'call {step.target};'",
            )
        elif not any(t.kind is A.TriggerKind.REQUESTED for t in target.triggers):
            self.error(
                "E203",
                f"'{step.target}' cannot be requested: it has no 'on requested;' trigger",
                step.target_span,
                f"add 'on requested;' to campaign '{step.target}'",
            )

    def check_change_status(self, info: CampaignInfo, step: A.ChangeStatus) -> None:
        self.check_str(info, step.status)
        if step.program is None:
            program = info.program
            if program is None:
                self.error(
                    "E306",
                    "'change status to' outside a program",
                    step.span,
                    'name the program: change status in "Program" to "Status";',
                )
                return
        else:
            self.check_str(info, step.program)
            program = self.known_program(step.program.plain, step.program.span)
            if program is None:
                return
        self.check_status_of(program, step.status.plain, step.status.span)

    def known_program(self, name: str, span: Span) -> ProgramInfo | None:
        """The program called ``name``, or None after an E306 (with a did-you-mean)."""
        program = self.programs.get(name)
        if program is None:
            self.error("E306", f"undefined program '{name}'", span, suggest(name, self.programs))
        return program

    def check_status_of(
        self, program: ProgramInfo, status: str, span: Span, fold: bool = False
    ) -> None:
        """E306 unless ``status`` is one of ``program``'s (``fold``: case-insensitively)."""
        names = program.statuses
        if status in names or (fold and status.casefold() in {n.casefold() for n in names}):
            return
        statuses = ", ".join(f'"{n}"' for n in names) or "none declared"
        self.error(
            "E306",
            f"'{status}' is not a status of program '{program.name}'",
            span,
            suggest(status, names) or f"its statuses are: {statuses}",
        )

    # ---- tokens, fields, expressions --------------------------------------------

    def check_str(self, info: CampaignInfo, s: A.Str) -> None:
        for part in s.parts:
            if isinstance(part, A.Interp):
                self.check_token(info, part.namespace, part.name, part.span, part.text)

    def check_token(
        self, info: CampaignInfo, namespace: str, name: str, span: Span, text: str
    ) -> None:
        if namespace == "my":
            missing = [
                chain
                for chain in self.token_contexts(info)
                if not any(name in p.tokens for p in chain)
            ]
            if missing:
                chain = missing[0]
                ctx = chain[0] if chain else None
                where = (
                    "not declared in " + " nor in ".join(f"program '{p.name}'" for p in chain)
                    if chain
                    else "tokens exist only inside a program, and this campaign is not in one"
                )
                names = [n for p in chain for n in p.tokens]
                self.error(
                    "E302",
                    f"undefined token {text}: {where}",
                    span,
                    suggest(name, names) or "declare it in the program: token NAME = value;"
                    if ctx
                    else "my.* tokens belong to a program; move the campaign into one, or call "
                    "it 'with parent tokens'",
                )
        elif namespace == "lead":
            if self.closed and name not in self.fields:
                self.error(
                    "E302",
                    f"undefined token {text}: no field '{name}' in the schema",
                    span,
                    suggest(name, self.fields),
                )
        elif namespace == "trigger":
            if name not in ("old", "new"):
                self.error(
                    "E302",
                    f"undefined token {text}",
                    span,
                    "write {{trigger.old}} or {{trigger.new}}",
                )
            else:
                self.trigger_value_type(info, text, span)
        elif namespace == "campaign":
            if name != "name":
                self.error("E302", f"undefined token {text}", span, "write {{campaign.name}}")
        elif namespace == "program":
            if name != "name":
                self.error("E302", f"undefined token {text}", span, "write {{program.name}}")
            elif info.program is None and not any(self.token_contexts(info)):
                self.error(
                    "E302",
                    f"{text} used outside a program",
                    span,
                    "only campaigns inside a program have a program name",
                )
        else:
            self.error(
                "E302",
                f"undefined token {text}",
                span,
                "tokens are {{my.NAME}}, {{lead.FIELD}}, {{campaign.name}}, {{program.name}} "
                "and {{trigger.old}}/{{trigger.new}}",
            )

    def token_contexts(self, info: CampaignInfo) -> list[tuple[ProgramInfo, ...]]:
        """The token lookup chains a campaign may run with: each is the programs whose
        tokens it sees, first match wins. Under ``with parent tokens`` the caller's chain
        comes first and the campaign's own program is the fallback (M)."""
        cached = self._contexts.get(info.name)
        if cached is not None:
            return cached
        own: tuple[ProgramInfo, ...] = (info.program,) if info.program is not None else ()
        self._contexts[info.name] = [own]  # guards against call cycles
        contexts: list[tuple[ProgramInfo, ...]] = []
        callers = self.callers.get(info.name, [])
        if info.kind is not Kind.EXECUTABLE or not callers:
            contexts.append(own)  # its own context (or run directly: a test harness)
        if any(not parent for _, parent in callers):
            contexts.append(own)
        for caller, parent in callers:
            if parent:
                for chain in self.token_contexts(self.campaigns[caller]):
                    contexts.append(parent_chain(chain, info.program))
        result = list(dict.fromkeys(contexts))
        self._contexts[info.name] = result
        return result

    def warm_token_contexts(self) -> None:
        """Fill the token-context cache callers first, iteratively, so that
        :meth:`token_contexts` never recurses along a long 'with parent tokens' chain."""
        done: set[str] = set()
        for root in self.campaigns:
            if root in done:
                continue
            done.add(root)
            stack = [(root, iter(self.callers.get(root, [])))]
            while stack:
                name, callers = stack[-1]
                item = next(callers, None)
                if item is None:
                    stack.pop()
                    self.token_contexts(self.campaigns[name])
                elif item[1] and item[0] not in done:
                    done.add(item[0])
                    stack.append((item[0], iter(self.callers.get(item[0], []))))

    def field_type(self, ref: A.FieldRef) -> Type:
        info = self.fields.get(ref.name)
        if info is not None:
            return info.type
        if self.closed:
            self.error(
                "E301",
                f"undefined field '{ref.name}'",
                ref.span,
                suggest(ref.name, self.fields) or "declare it in the 'fields' block",
            )
        return Type.ANY

    def expect_boolean(self, info: CampaignInfo, expr: A.Expr, what: str) -> None:
        self.expect(info, expr, Type.BOOLEAN, what)

    def expect(self, info: CampaignInfo, expr: A.Expr, wanted: Type, what: str) -> None:
        t = self.infer(info, expr)
        if not compatible(wanted, t):
            self.error("E304", f"{what} must be {wanted}, not {t}", expr.span)

    def infer(self, info: CampaignInfo, e: A.Expr, list_ok: bool = False) -> Type:
        """The static type of ``e`` (``ANY`` when unknown), reporting E301–E304 on the way."""
        if isinstance(e, A.Literal):
            return type_of(e.value)
        if isinstance(e, A.Str):
            self.check_str(info, e)
            return Type.TEXT
        if isinstance(e, A.FieldRef):
            return self.field_type(e)
        if isinstance(e, A.TokenRef):
            self.check_token(info, "my", e.name, e.span, f"my.{e.name}")
            types = {
                type_of(found.tokens[e.name].value.value)
                for chain in self.token_contexts(info)
                for found in [next((p for p in chain if e.name in p.tokens), None)]
                if found is not None
            }
            return types.pop() if len(types) == 1 else Type.ANY
        if isinstance(e, A.ListExpr):
            for item in e.items:
                self.infer(info, item)
            if not list_ok:
                self.error(
                    "E304",
                    "a list can only stand after 'in' / 'not in' or as a function argument",
                    e.span,
                )
            return Type.LIST
        if isinstance(e, A.FuncCall):
            return self.infer_call(info, e)
        if isinstance(e, A.Not):
            self.expect_boolean(info, e.operand, "the operand of 'not'")
            return Type.BOOLEAN
        if isinstance(e, A.Negate):
            self.expect(info, e.operand, Type.NUMBER, "the operand of '-'")
            return Type.NUMBER
        if isinstance(e, A.IsEmpty):
            self.infer(info, e.value)
            return Type.BOOLEAN
        if isinstance(e, A.InPast):
            t = self.infer(info, e.value)
            if t not in (Type.DATE, Type.DATETIME, Type.ANY, Type.NULL):
                self.error("E304", f"'in past' needs a date or datetime, not {t}", e.value.span)
            return Type.BOOLEAN
        if isinstance(e, A.TriggerValue):
            return self.trigger_value_type(info, f"trigger.{e.name}", e.span)
        if isinstance(e, A.Membership):
            self.check_membership(info, e)
            return Type.BOOLEAN
        if isinstance(e, A.Between):
            parts = [self.infer(info, x) for x in (e.value, e.low, e.high)]
            known = {t for t in parts if t not in (Type.ANY, Type.NULL)}
            if known - {Type.NUMBER} and known - {Type.DATE, Type.DATETIME}:
                self.error(
                    "E304",
                    "'between' needs numbers or dates: got " + ", ".join(str(t) for t in parts),
                    e.span,
                )
            return Type.BOOLEAN
        return self.infer_binary(info, e)

    def trigger_value_type(self, info: CampaignInfo, text: str, span: Span) -> Type:
        """trigger.old / trigger.new: the type of the field an 'on change' trigger names
        (ANY when the campaign listens to several fields, or is an executable)."""
        if info.kind is Kind.EXECUTABLE:
            return Type.ANY  # its caller's trigger values, when a change started it
        fields = {
            t.argument.name
            for t in info.triggers
            if t.kind is A.TriggerKind.CHANGE and isinstance(t.argument, A.FieldRef)
        }
        if not fields:
            self.error(
                "E302",
                f"{text} is only set in a campaign triggered by 'on change FIELD'",
                span,
                f"add 'on change FIELD;' to campaign '{info.name}'",
            )
            return Type.ANY
        if len(fields) > 1:
            return Type.ANY
        found = self.fields.get(next(iter(fields)))
        return found.type if found is not None else Type.ANY

    def check_membership(self, info: CampaignInfo, e: A.Membership) -> None:
        self.check_str(info, e.name)
        if e.status is not None:
            self.check_str(info, e.status)
        if not e.name.is_plain:
            return  # a name with tokens is known at run time only
        name = e.name.plain
        if e.kind == "list":
            import difflib  # lazily: start-up time

            known = self.list_names()
            close = difflib.get_close_matches(name.casefold(), list(known), n=1, cutoff=0.6)
            if name.casefold() not in known and close:
                # Lists are free-form (leads may arrive on them), so only a probable typo
                # of a list some campaign does use is worth a warning.
                self.error(
                    "W106",
                    f"no campaign adds leads to list '{name}'",
                    e.name.span,
                    f"did you mean '{known[close[0]]}'?",
                )
            return
        program = self.known_program(name, e.name.span)
        if program is not None and e.status is not None and e.status.is_plain:
            self.check_status_of(program, e.status.plain, e.status.span, fold=True)

    def list_names(self) -> dict[str, str]:
        """Every static list a step or trigger names (case-folded -> as written)."""
        if self._lists is None:
            names: dict[str, str] = {}
            for c in self.campaigns.values():
                for t in c.triggers:
                    if t.kind is A.TriggerKind.ADDED_TO_LIST and isinstance(t.argument, A.Str):
                        names.setdefault(t.argument.plain.casefold(), t.argument.plain)
                for step in walk_steps(c.steps):
                    if isinstance(step, A.AddToList):
                        names.setdefault(step.list_name.plain.casefold(), step.list_name.plain)
            self._lists = names
        return self._lists

    def infer_binary(self, info: CampaignInfo, e: A.Binary) -> Type:
        op = e.op
        if op in (A.BinOp.IN, A.BinOp.NOT_IN):
            self.infer(info, e.left)
            rt = self.infer(info, e.right, list_ok=True)
            if rt not in (Type.LIST, Type.ANY):
                self.error("E304", f"'{op}' needs a list on its right, not {rt}", e.right.span)
            return Type.BOOLEAN
        lt = self.infer(info, e.left)
        rt = self.infer(info, e.right)
        known = lt not in (Type.ANY, Type.NULL) and rt not in (Type.ANY, Type.NULL)
        if op in A.LOGICAL:
            for side, t in ((e.left, lt), (e.right, rt)):
                if not compatible(Type.BOOLEAN, t):
                    self.error("E304", f"'{op}' needs booleans, not {t}", side.span)
            return Type.BOOLEAN
        if op is A.BinOp.ADD and Type.TEXT in (lt, rt):
            return Type.TEXT  # '+' of text concatenates
        if op in A.ARITHMETIC:
            for side, t in ((e.left, lt), (e.right, rt)):
                if not compatible(Type.NUMBER, t):
                    self.error("E304", f"'{op}' needs numbers, not {t}", side.span)
            return Type.NUMBER
        if op in A.COMPARISONS:
            if known and not compatible(lt, rt):
                self.error("E304", f"cannot compare {lt} with {rt} using '{op}'", e.op_span)
            elif known and op not in (A.BinOp.EQ, A.BinOp.NE) and lt is Type.BOOLEAN:
                self.error("E304", f"'{op}' does not order booleans", e.op_span)
            return Type.BOOLEAN
        # is / is not / contains / starts with / ends with
        if op in (A.BinOp.IS, A.BinOp.IS_NOT):
            if known and not compatible(lt, rt):
                self.error("E304", f"cannot compare {lt} with {rt} using '{op}'", e.op_span)
            return Type.BOOLEAN
        for side, t in ((e.left, lt), (e.right, rt)):
            if not compatible(Type.TEXT, t):
                self.error("E304", f"'{op}' needs text, not {t}", side.span)
        return Type.BOOLEAN

    def infer_call(self, info: CampaignInfo, e: A.FuncCall) -> Type:
        arg_types = [self.infer(info, a, list_ok=True) for a in e.args]
        fn = self.registry.get(e.name)
        if fn is None:
            self.error(
                "E303",
                f"undefined function '{e.name}'",
                e.name_span,
                suggest(e.name, self.registry),
            )
            return Type.ANY
        if not fn.accepts(len(e.args)):
            upper = fn.max_args
            if upper is None:
                want = f"at least {fn.min_args}"
            elif upper == fn.min_args:
                want = str(upper)
            else:
                want = f"{fn.min_args} to {upper}"
            self.error(
                "E303",
                f"'{e.name}' takes {want} argument{'s' if not want.endswith(' 1') and want != '1' else ''}, got {len(e.args)}",
                e.span,
                f"signature: {fn.signature}",
            )
            return fn.returns
        for i, (arg, t) in enumerate(zip(e.args, arg_types, strict=True)):
            param = fn.params[min(i, len(fn.params) - 1)]
            if not compatible(param.type, t):
                self.error(
                    "E304",
                    f"argument '{param.name}' of '{e.name}' must be {param.type}, not {t}",
                    arg.span,
                    f"signature: {fn.signature}",
                )
        return fn.returns

    # ---- pass 3: the call graph -----------------------------------------------

    def check_graph(self) -> None:
        # Cycles: depth-first search over call edges among executables.
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        path: list[str] = []
        reported: set[frozenset[str]] = set()

        def visit(root: str) -> None:
            # Iterative (an explicit stack of call iterators): a chain of thousands of
            # executables must give E205, not exhaust Python's stack.
            state[root] = 1
            path.append(root)
            pending = [iter(self.campaigns[root].calls)]
            while pending:
                call = next(pending[-1], None)
                if call is None:
                    pending.pop()
                    state[path.pop()] = 2
                    continue
                target = self.campaigns.get(call.target)
                if target is None or target.kind is not Kind.EXECUTABLE:
                    continue
                if state.get(call.target) == 1:
                    cycle = [*path[path.index(call.target) :], call.target]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.error(
                            "E204",
                            "cycle of calls: " + " → ".join(cycle),
                            call.span,
                            "executables run synchronously, so a cycle never ends; break it",
                        )
                elif call.target not in state:
                    state[call.target] = 1
                    path.append(call.target)
                    pending.append(iter(target.calls))

        for name in self.campaigns:
            if name not in state:
                visit(name)
        if reported:
            return
        # Depth: the longest chain of executables below each root campaign.
        longest: dict[str, list[str]] = {}

        def executable_calls(name: str) -> list[str]:
            return [
                call.target
                for call in self.campaigns[name].calls
                if call.target in self.campaigns
                and self.campaigns[call.target].kind is Kind.EXECUTABLE
            ]

        def chain(start: str) -> list[str]:
            # Post-order without recursion (the graph has no cycles here).
            todo = [start]
            while todo:
                name = todo[-1]
                if name in longest:
                    todo.pop()
                    continue
                targets = executable_calls(name)
                missing = [t for t in targets if t not in longest]
                if missing:
                    todo.extend(missing)
                    continue
                todo.pop()
                best: list[str] = []
                for target in targets:
                    if len(longest[target]) + 1 > len(best):
                        best = [target, *longest[target]]
                longest[name] = best
            return longest[start]

        for name, info in self.campaigns.items():
            if info.kind is Kind.EXECUTABLE and self.callers.get(name):
                continue  # only roots: campaigns nobody calls
            for call in info.calls:
                target = self.campaigns.get(call.target)
                if target is None or target.kind is not Kind.EXECUTABLE:
                    continue
                below = [call.target, *chain(call.target)]
                if len(below) > self.max_depth:
                    self.error(
                        "E205",
                        f"executables nested {len(below)} deep (limit {self.max_depth}): "
                        + " → ".join([name, *below]),
                        call.span,
                        "Marketo runs a parent and at most three levels of executables; flatten "
                        "the chain (or raise the limit with --max-depth)",
                    )

    def check_default_qualify(self) -> None:
        """W105: an executable a ``retry`` calls relies on Camp's 'every time' default,
        a departure from Marketo (whose default is once)."""
        for name, call_span in self.retried.items():
            target = self.campaigns.get(name)
            if (
                target is None
                or target.kind is not Kind.EXECUTABLE
                or target.file in self.library_files
                or any(isinstance(cl, A.Qualify) for cl in target.decl.clauses)
            ):
                continue
            self.error(
                "W105",
                f"executable '{name}' has no 'qualify' clause and is retried (at {call_span}): "
                "Camp runs executables every time by default, Marketo's default is once",
                target.decl.name_span,
                "write 'qualify every time;' in it to make the rule explicit",
            )

    def check_unused(self) -> None:
        for name, info in self.campaigns.items():
            if info.kind is not Kind.EXECUTABLE or self.callers.get(name):
                continue
            if name in self.dropped_targets:
                continue
            if info.file in self.library_files:
                continue  # a library's executables are there to be called, or not
            self.error(
                "W102",
                f"executable campaign '{name}' is never called",
                info.decl.name_span,
                f"call it from another campaign ('call {name};'), or delete it",
            )

    # ---- driver -----------------------------------------------------------------

    def run(self) -> CheckResult:
        self.collect()
        self.callers: dict[str, list[tuple[str, bool]]] = {}
        for name, info in self.campaigns.items():
            for call in info.calls:
                self.callers.setdefault(call.target, []).append((name, call.parent_tokens))
        self._contexts: dict[str, list[tuple[ProgramInfo, ...]]] = {}
        self.retried: dict[str, Span] = {}  # executables called inside a retry: first call
        for module in self.modules:
            for item in module.items:
                if isinstance(item, A.WebhookDecl):
                    self.check_webhook(item)
        self.warm_token_contexts()
        for info in self.campaigns.values():
            self.check_campaign(info)
        tests = A.all_tests(self.modules)
        if tests:
            from .testcheck import TestChecker  # only for files with tests (start-up)

            TestChecker(self).run(tests)
        self.check_graph()
        self.check_unused()
        self.check_default_qualify()
        symbols = Symbols(
            self.campaigns,
            self.programs,
            self.webhooks,
            self.fields,
            self.closed,
            self.registry,
            self.sources,
            self.max_depth,
        )
        return CheckResult(symbols, sorted_diagnostics(self.diags))

    def check_webhook(self, w: A.WebhookDecl) -> None:
        for field_ref, _ in w.responses:
            self.field_type(field_ref)
        for s in [w.url, w.body, *(v for _, v in w.headers)]:
            if s is None:
                continue
            for part in s.parts:
                if isinstance(part, A.Interp) and part.namespace not in (
                    "lead",
                    "campaign",
                    "my",
                    "trigger",
                ):
                    # my.* tokens resolve in the calling campaign's program at run time
                    self.error("E302", f"undefined token {part.text}", part.span)
                elif (
                    isinstance(part, A.Interp)
                    and part.namespace == "lead"
                    and self.closed
                    and part.name not in self.fields
                ):
                    self.error(
                        "E302",
                        f"undefined token {part.text}: no field '{part.name}' in the schema",
                        part.span,
                        suggest(part.name, self.fields),
                    )
        if w.url is None:
            self.error(
                "E306", f"webhook '{w.name}' has no url", w.name_span, 'add url "https://...";'
            )
