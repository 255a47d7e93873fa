"""The compiled engine: a checked program's campaigns turned into Python source once per
run, ``compile()``d and executed instead of walking the AST.

Same semantics as :mod:`camp.runtime.evaluator`, which stays the reference. Operators
take a fast path where the operand's run-time type allows it (text ``contains`` a
literal is one ``in`` on the case-folded text, ``in [constants]`` one set lookup, numbers
compare as decimals, ``lower``/``trim``/``title``... of text call the string method);
anything else goes through the very helpers the tree-walker calls
(:mod:`camp.runtime.values`, the stdlib implementations, ``Interpreter.coerce`` /
``qualifies``), and the less frequent steps (e-mails, lists, moments, ``stop`` ...) call
the tree-walker's own step methods.

Each campaign becomes one function ``(lead, event, depth, frame)``: ``event`` is the
flow's (previous, new) value (``trigger.old``/``trigger.new``), ``depth`` the call depth,
``frame`` the campaign's :class:`Frame`, made only when something needs it (a delegated
step, a qualification rule, ``with parent tokens``). Tokens are resolved when the
program is compiled (a campaign sees its own program's), except in the variant of a
campaign called ``with parent tokens``, which reads them from its frame as the
tree-walker does. The step being run is kept in a local and put on the error when one
passes (``CampaignError.at_step``); each call site adds the callee's stack frame, so
errors carry the tree-walker's spans and campaign stacks.

A campaign with a ``wait`` is left to the tree-walker, which calls the compiled
executables from it. :func:`compile_program` returns ``None`` (the whole program runs on
the tree-walker) for a node it has no rule for, or nesting too deep for Python's
compiler or for the tree-walker's own stack (where the tree-walker would stop with R203,
the compiled code would not).
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from camp.checker.checker import walk_steps
from camp.checker.symbols import CampaignInfo, Kind, ProgramInfo
from camp.grammar import ast as A
from camp.grammar import nesting
from camp.runtime import values as V
from camp.runtime.evaluator import (
    _BINARY,
    LIMIT_CODES,
    Frame,
    Interpreter,
    StopFlow,
    token_chain,
)
from camp.runtime.values import CampaignError
from camp.runtime.world import Lead
from camp.stdlib.registry import FunctionError
from camp.stdlib.text_functions import title_case
from camp.types import Type, type_of

CompiledCampaign = Callable[[Frame, Lead], None]

# Steps run by the tree-walker's own method (no nested blocks, no suspension).
_DELEGATED: dict[type, str] = {
    A.Request: "s_request",
    A.SendEmail: "s_send_email",
    A.SendAlert: "s_send_alert",
    A.WebhookCall: "s_webhook",
    A.AddToList: "s_list",
    A.ChangeStatus: "s_change_status",
    A.Moment: "s_moment",
    A.Stop: "s_stop",
    A.FailStep: "s_fail",
}

# Field types whose values are exactly one Python type (what Interpreter.coerce accepts
# unchanged), by the name generated code knows it by.
_EXACT: dict[Type, str] = {
    Type.TEXT: "str",
    Type.NUMBER: "Decimal",
    Type.BOOLEAN: "bool",
    Type.DATE: "_date",
    Type.DATETIME: "_datetime",
}

# Functions of one text argument that cannot fail on text and give null on null (their
# stdlib implementations are null-propagating), as code on the text ``{}``.
# tests/runtime/test_compiled_fast_paths.py checks them against the implementations.
TEXT_FUNCTIONS: dict[str, str] = {
    "lower": "{}.lower()",
    "upper": "{}.upper()",
    "trim": "{}.strip()",
    "title": "_title_case({})",
    "length": "Decimal(len({}))",
}

# Operators whose result is always true or false (never null, never another value).

# Fast paths of ``X op constant`` when X has the constant's type: the code on X (``{x}``)
# and the constant (``{k}``, its case-folded text ``{f}``, its decimal members ``{d}``).
# Exact comparisons of two values of one type (numbers; texts, case-sensitively).
_COMPARE: dict[A.BinOp, str] = {
    A.BinOp.EQ: "{x} == {k}",
    A.BinOp.NE: "{x} != {k}",
    A.BinOp.LT: "{x} < {k}",
    A.BinOp.LE: "{x} <= {k}",
    A.BinOp.GT: "{x} > {k}",
    A.BinOp.GE: "{x} >= {k}",
}
_FAST_TEXT: dict[A.BinOp, str] = {
    A.BinOp.CONTAINS: "{f} in {x}.casefold()",
    A.BinOp.NOT_CONTAINS: "{f} not in {x}.casefold()",
    A.BinOp.STARTS_WITH: "{x}.casefold().startswith({f})",
    A.BinOp.ENDS_WITH: "{x}.casefold().endswith({f})",
    A.BinOp.NOT_STARTS_WITH: "not {x}.casefold().startswith({f})",
    A.BinOp.NOT_ENDS_WITH: "not {x}.casefold().endswith({f})",
    A.BinOp.IS: "{x}.casefold() == {f}",
    A.BinOp.IS_NOT: "{x}.casefold() != {f}",
    **_COMPARE,
}
_FAST_NUMBER: dict[A.BinOp, str] = {
    A.BinOp.IS: "{x} == {k}",
    A.BinOp.IS_NOT: "{x} != {k}",
    **_COMPARE,
}
_FAST_BOOLEAN: dict[A.BinOp, str] = {
    A.BinOp.IS: "{x} is {k}",
    A.BinOp.IS_NOT: "{x} is not {k}",
    A.BinOp.EQ: "{x} is {k}",
    A.BinOp.NE: "{x} is not {k}",
}
# ``in`` / ``not in`` a list of constants: text by its case-folded members, numbers by
# the decimal members (a number is in the list when it equals one of them).
_FAST_TEXT_IN = {A.BinOp.IN: "{x}.casefold() in {f}", A.BinOp.NOT_IN: "{x}.casefold() not in {f}"}
_FAST_NUMBER_IN = {A.BinOp.IN: "{x} in {d}", A.BinOp.NOT_IN: "{x} not in {d}"}


class Unsupported(Exception):
    """A node the compiler has no rule for: the program runs on the tree-walker."""


def compile_program(interp: Interpreter) -> dict[str, CompiledCampaign] | None:
    """The campaigns of ``interp``'s program as Python functions ``(frame, lead)``, or
    ``None`` when the program must run on the tree-walker. A campaign with a ``wait``
    has none (suspending needs the tree-walker's continuations; it is never called, only
    executables are, and they cannot wait): the tree-walker runs its steps and calls
    the compiled executables."""
    if _tree_walker_frames(interp) > sys.getrecursionlimit() - 200:
        return None  # the tree-walker could run out of stack (R203): so must we
    try:
        gen = _Generator(interp)
        source = gen.program()
        code = compile(source, "<camp compiled>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    namespace = gen.namespace
    exec(code, namespace)
    return {name: namespace[fn] for name, fn in gen.entries.items()}


def _tree_walker_frames(interp: Interpreter) -> int:
    """An upper bound of the Python frames the tree-walker needs for the deepest call
    chain: at most 3 per AST level (run_block, a step method, retry_from / eval,
    condition ...) in each campaign of the chain."""
    campaigns = interp.symbols.campaigns
    own = {name: 3 * nesting.depth(c.steps) + 3 for name, c in campaigns.items()}
    total: dict[str, int] = {}

    def chain(name: str, seen: frozenset[str]) -> int:
        if name in seen:
            return sys.maxsize // 2  # a cycle (the checker refuses them): never compile
        if name not in total:
            callees = [
                s.target
                for s in walk_steps(campaigns[name].steps)
                if isinstance(s, A.CallStep) and s.target in campaigns
            ]
            total[name] = own[name] + max((chain(t, seen | {name}) for t in callees), default=0)
        return total[name]

    return max((chain(name, frozenset()) for name in campaigns), default=0)


def _runtime_helpers(interp: Interpreter) -> dict[str, Any]:
    """The names generated code calls besides ``camp.runtime.values`` (``V``)."""

    def cond(value: Any, span: Any) -> bool:
        # Interpreter.condition, on a value already computed.
        if value is True:
            return True
        if value is False or value is None:
            return False
        err = V.type_error(
            f"a condition must be true or false, got {type_of(value)} {V.fmt_repr(value)}"
        )
        err.span = span
        raise err

    def op(fn: Callable[[Any, Any], Any], left: Any, right: Any, span: Any) -> Any:
        # Interpreter.e_binary around the operator (operands are evaluated before).
        try:
            return fn(left, right)
        except CampaignError as err:
            if err.span is None:
                err.span = span
            raise

    def call(e: A.FuncCall, impl: Callable[..., Any], *args: Any) -> Any:
        # Interpreter.e_call after its arguments.
        try:
            return impl(interp.call_context(), *args)
        except FunctionError as err:
            raise CampaignError("R207", str(err), e.span) from None
        except CampaignError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as err:
            raise CampaignError("R207", f"{e.name}() failed: {err}", e.span) from None

    def fail(code: str, message: str, span: Any) -> Any:
        raise CampaignError(code, message, span)

    def too_many(lead: Lead, step: Any, campaign: str) -> CampaignError:
        max_steps = interp.limits.max_steps
        return CampaignError(
            "R204",
            f"lead {lead.describe()} ran more than {max_steps} steps in this run "
            f"(in campaign '{campaign}')",
            step.span,
        )

    def too_deep(span: Any) -> CampaignError:
        return CampaignError(
            "R203",
            f"call stack deeper than {interp.symbols.max_depth} nested executables",
            span,
        )

    def score_error(s: A.Set, old: Any) -> CampaignError:
        return CampaignError(
            "R202",
            f"'{s.op}' needs a number field: '{s.field.name}' is {V.fmt_repr(old)}",
            s.span,
        )

    def frame(
        campaign: CampaignInfo,
        tokens: ProgramInfo | None,
        depth: int,
        event: Any,
        fallback: tuple[ProgramInfo, ...] = (),
        context: CampaignInfo | None = None,
    ) -> Frame:
        # The Frame the tree-walker's s_call makes (its parent's depth and event given).
        made = Frame(campaign, tokens, None, None, fallback, context)
        made.depth = depth
        made.event = event
        return made

    def parent_frame(campaign: CampaignInfo, caller: Frame, depth: int, event: Any) -> Frame:
        # Interpreter.s_call's frame 'with parent tokens'.
        tokens, fallback = token_chain(caller.tokens, caller.fallback, campaign.program)
        return frame(campaign, tokens, depth, event, fallback, caller.context)

    return {
        "interp": interp,
        "log_add": interp.log.add,
        "_tally": interp.log.tally,
        "_cond": cond,
        "_op": op,
        "_call": call,
        "_fail": fail,
        "_too_many": too_many,
        "_too_deep": too_deep,
        "_score_error": score_error,
        "_frame": frame,
        "_parent_frame": parent_frame,
        "_coerce": interp.coerce,
        "_qualifies": interp.qualifies,
        "_snap": interp.snapshot_at,
        "_run_block": interp.run_block,
        "_title_case": title_case,
        "_xadd": V._EXACT.add,
        "Decimal": Decimal,
        "_date": _dt.date,
        "_datetime": _dt.datetime,
        "CampaignError": CampaignError,
        "StopFlow": StopFlow,
        "_CHANGE": A.TriggerKind.CHANGE,
        "V": V,
    }


def _constant(e: A.Expr) -> tuple[bool, Any]:
    """(True, value) for a constant operand: a literal, a plain string, a list of them."""
    if isinstance(e, A.Literal):
        return True, e.value
    if isinstance(e, A.Str) and e.is_plain:
        return True, e.plain
    if isinstance(e, A.ListExpr) and all(_constant(i)[0] for i in e.items):
        return True, V.ConstList.of(tuple(_constant(i)[1] for i in e.items))
    return False, None


def _always_bool(e: A.Expr) -> bool:
    """Whether ``e`` is always true or false (so a condition need not check it)."""
    if isinstance(e, A.Binary):
        return e.op not in A.ARITHMETIC
    if isinstance(e, A.Literal):
        return isinstance(e.value, bool)
    return isinstance(e, (A.Not, A.IsEmpty, A.Between, A.InPast, A.Membership))


class _Generator:
    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self.symbols = interp.symbols
        self.namespace: dict[str, Any] = _runtime_helpers(interp)
        log = interp.log
        # A log that only counts takes tally increments; any other gets every activity
        # through add().
        self.record = not log.counting_only
        self.entries: dict[str, str] = {}  # campaign name -> its (frame, lead) function
        self.consts: dict[int, str] = {}  # id(object) -> name in the namespace
        self.keep: list[Any] = []  # keeps the constants' ids unique
        self.lines: list[str] = []
        self.counter = 0
        # Campaigns called 'with parent tokens' also get a variant reading their frame.
        self.parented = {
            s.target
            for c in self.symbols.campaigns.values()
            for s in walk_steps(c.steps)
            if isinstance(s, A.CallStep) and s.parent_tokens
        }
        self.names = {name: f"_c{i}" for i, name in enumerate(self.symbols.campaigns)}
        # the function being generated
        self.campaign: CampaignInfo | None = None
        self.dynamic = False  # tokens from the frame (the 'with parent tokens' variant)

    # ---- plumbing ---------------------------------------------------------------------

    def const(self, value: Any, hint: str = "k") -> str:
        name = self.consts.get(id(value))
        if name is None:
            name = f"{hint}{len(self.consts)}"
            self.consts[id(value)] = name
            self.keep.append(value)
            self.namespace[name] = value
        return name

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"_{hint}{self.counter}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    @property
    def c(self) -> CampaignInfo:
        assert self.campaign is not None
        return self.campaign

    def activity(self, depth: int, type_: str, attrs: str) -> None:
        """An activity of the campaign being compiled (Interpreter.activity)."""
        if self.record:
            sep = ", " if attrs else ""
            self.emit(depth, f"log_add(lead, interp.now, {type_!r}, {self.c.name!r}{sep}{attrs})")
        else:
            self.emit(depth, f"_tally[{self.interp.log.slot(type_)}] += 1")

    # ---- the program ------------------------------------------------------------------

    def program(self) -> str:
        for c in self.symbols.campaigns.values():
            if any(isinstance(s, A.Wait) for s in walk_steps(c.steps)):
                if c.kind is Kind.EXECUTABLE:  # the checker refuses it (E101)
                    raise Unsupported("wait in an executable")
                continue
            self.function(c, dynamic=False)
            if c.name in self.parented:
                self.function(c, dynamic=True)
            self.entry(c)
        return "\n".join(self.lines) + "\n"

    def function_name(self, name: str, dynamic: bool) -> str:
        return self.names[name] + ("_p" if dynamic else "")

    def entry(self, c: CampaignInfo) -> None:
        """``(frame, lead)`` for the scheduler and the tree-walker's calls: the campaign
        in ``frame`` (its own token context, or a parent's for the variant that has one,
        else the tree-walker), the step an error stopped at put back on it."""
        info = self.const(c, "c")
        name = f"campaign_{self.names[c.name][2:]}"
        self.entries[c.name] = name
        self.emit(0, f"def {name}(frame, lead):")
        own = f"frame.tokens is {info}.program and not frame.fallback and frame.context is {info}"
        self.emit(1, f"if {own}:")
        self.emit(2, f"run = {self.function_name(c.name, False)}")
        self.emit(1, "else:")
        if c.name in self.parented:
            self.emit(2, f"run = {self.function_name(c.name, True)}")
        else:
            self.emit(2, f"_run_block({info}.steps, frame, lead)")
            self.emit(2, "return")
        self.emit(1, "try:")
        self.emit(2, "run(lead, frame.event, frame.depth, frame)")
        self.emit(1, "except CampaignError as err:")
        self.emit(2, "frame.step = err.at_step")
        self.emit(2, "raise")
        self.emit(0, "")

    def function(self, c: CampaignInfo, dynamic: bool) -> None:
        self.campaign, self.dynamic = c, dynamic
        span = c.decl.span
        self.emit(0, f"# campaign {c.name} ({span.file}:{span.line})")
        self.emit(0, f"def {self.function_name(c.name, dynamic)}(lead, event, depth, frame):")
        if not dynamic and any(type(s) in _DELEGATED for s in walk_steps(c.steps)):
            info = self.const(c, "c")
            self.emit(1, "if frame is None:")
            self.emit(2, f"frame = _frame({info}, {info}.program, depth, event)")
        self.emit(1, "fields = lead.fields")
        self.emit(1, "_s = None")
        self.emit(1, "try:")
        self.block(c.steps, 2)
        # Interpreter.run_block's handler, for the innermost step of this frame; the
        # step is the frame's (Frame.step) for the campaign stack.
        self.emit(1, "except CampaignError as err:")
        self.emit(2, "err.at_step = _s")
        self.emit(2, "if err.span is None:")
        self.emit(3, "err.span = _s.span")
        self.emit(2, "raise")
        self.emit(0, "")

    def block(self, steps: tuple[A.Step, ...], depth: int) -> None:
        if not steps:
            self.emit(depth, "pass")
        for step in steps:
            self.step(step, depth)

    def step(self, s: A.Step, d: int) -> None:
        node = self.const(s, "s")
        self.emit(d, f"# {s.span.file}:{s.span.line}:{s.span.column}")
        # Interpreter.run_block, per step.
        self.emit(d, f"_s = {node}")
        self.emit(d, "lead.steps += 1")
        self.emit(d, f"if lead.steps > {self.interp.limits.max_steps!r}:")
        self.emit(d + 1, f"raise _too_many(lead, {node}, {self.c.name!r})")
        kind = type(s)
        if kind in _DELEGATED:
            self.emit(d, f"interp.{_DELEGATED[kind]}({node}, frame, lead)")
        elif isinstance(s, A.Set):
            self.set_step(s, node, d)
        elif isinstance(s, A.CallStep):
            self.call_step(s, node, d)
        elif isinstance(s, A.If):
            self.if_step(s, d)
        elif isinstance(s, A.Retry):
            self.retry_step(s, node, d)
        else:
            raise Unsupported(kind.__name__)

    # ---- steps ------------------------------------------------------------------------

    def set_step(self, s: A.Set, node: str, d: int) -> None:
        name = s.field.name
        triggers = name in self.interp.change_triggers
        if s.op != "=":
            self.score_step(s, node, d, triggers)
            return
        self.emit(d, f"value = {self.expr(s.value)}")
        self.emit(d, f"old = fields.get({name!r})")
        wanted = self.interp.field_types.get(name)
        if wanted is not None and wanted is not Type.ANY:
            exact = _EXACT.get(wanted)
            known, literal = _constant(s.value)
            if known and (literal is None or (exact and _EXACT.get(type_of(literal)) == exact)):
                pass  # a constant of the field's type (or null): coerce keeps it as it is
            elif exact is not None:
                # Interpreter.coerce returns a value of exactly the wanted type as is.
                self.emit(d, f"if value is not None and type(value) is not {exact}:")
                self.emit(d + 1, f"value = _coerce({name!r}, value, {node})")
            else:
                self.emit(d, f"value = _coerce({name!r}, value, {node})")
        self.emit(d, "if not (type(old) is type(value) and old == value):")
        self.emit(d + 1, f"fields[{name!r}] = value")
        self.activity(d + 1, "Change Data Value", f"field={name!r}, old=old, new=value")
        if triggers:
            self.raise_change(name, d + 1, "value")

    def score_step(self, s: A.Set, node: str, d: int, triggers: bool) -> None:
        """``+=`` / ``-=`` (Interpreter.s_set)."""
        name = s.field.name
        known, literal = _constant(s.value)
        if known and type(literal) is Decimal:
            try:
                change = literal if s.op == "+=" else V.neg(literal)
                from_null = V.add(Decimal(0), change)
            except CampaignError:
                pass
            else:
                # A constant change: the field's number plus it exactly, else the general path.
                k, k0 = self.const(change, "k"), self.const(from_null, "k")
                self.emit(d, f"old = fields.get({name!r})")
                self.emit(d, "if type(old) is Decimal:")
                self.emit(d + 1, "try:")
                self.emit(d + 2, f"new = _xadd(old, {k})")
                self.emit(d + 1, "except ArithmeticError:")
                self.emit(d + 2, f"new = V.add(old, {k})")
                self.emit(d, "elif old is None:")
                self.emit(d + 1, f"new = {k0}")
                self.emit(d, "else:")
                self.emit(d + 1, f"raise _score_error({node}, old)")
                self.emit(d, f"fields[{name!r}] = new")
                self.activity(d, "Change Score", f"field={name!r}, old=old, new=new, change={k}")
                if triggers and change:
                    self.raise_change(name, d, "new")
                return
        self.emit(d, f"value = {self.expr(s.value)}")
        self.emit(d, f"old = fields.get({name!r})")
        self.emit(d, "if value is not None:")
        d += 1
        self.emit(d, "change = value" if s.op == "+=" else "change = V.neg(value)")
        self.emit(d, "base = old if old is not None else Decimal(0)")
        self.emit(d, "new = V.add(base, change) if isinstance(base, Decimal) else None")
        self.emit(d, "if not isinstance(new, Decimal) or not isinstance(change, Decimal):")
        self.emit(d + 1, f"raise _score_error({node}, old)")
        self.emit(d, f"fields[{name!r}] = new")
        self.activity(d, "Change Score", f"field={name!r}, old=old, new=new, change=change")
        if triggers:
            self.emit(d, "if change:")
            self.raise_change(name, d + 1, "new")

    def raise_change(self, name: str, d: int, new: str) -> None:
        # Interpreter.s_set: the event carries (old, new) for 'on change' constraints.
        self.emit(d, "if interp.scheduler is not None:")
        self.emit(
            d + 1, f"interp.scheduler.raise_event(lead, _CHANGE, {name!r}, values=(old, {new}))"
        )

    def call_step(self, s: A.CallStep, node: str, d: int) -> None:
        # Interpreter.s_call.
        target = self.symbols.campaigns[s.target]
        info = self.const(target, "c")
        self.emit(d, f"if depth >= {self.symbols.max_depth!r}:")
        self.emit(d + 1, f"raise _too_deep({node}.span)")
        always = target.qualify is A.QualifyRule.EVERY_TIME and not target.filters
        callee = "callee"
        if s.parent_tokens:
            if self.dynamic:
                self.emit(d, f"callee = _parent_frame({info}, frame, depth + 1, event)")
            else:  # this frame's tokens are its own program's: the chain is known now
                tokens, fallback = token_chain(self.c.program, (), target.program)
                first = self.const(tokens, "p") if tokens is not None else "None"
                rest = self.const(fallback, "p")
                context = self.const(self.c, "c")
                self.emit(
                    d, f"callee = _frame({info}, {first}, depth + 1, event, {rest}, {context})"
                )
        elif not always:
            self.emit(d, f"callee = _frame({info}, {info}.program, depth + 1, event)")
        else:
            callee = "None"  # made by the callee if it needs one
        if always:
            qualified = "True"
        else:
            self.emit(d, f"qualified = _qualifies({info}, callee, lead)")
            qualified = "qualified"
        self.activity(d, "Execute Campaign", f"target={target.name!r}, qualified={qualified}")
        if not always:
            self.emit(d, "if qualified:")
            d += 1
        self.emit(d, f"lead.runs[{target.name!r}] = interp.now")
        self.emit(d, "try:")
        function = self.function_name(target.name, s.parent_tokens)
        self.emit(d + 1, f"{function}(lead, event, depth + 1, {callee})")
        self.emit(d, "except CampaignError as err:")
        self.emit(d + 1, f"err.stack = (*err.stack, _snap({info}, err.at_step))")
        self.emit(d + 1, "raise")

    def if_step(self, s: A.If, d: int) -> None:
        # Interpreter.s_if / condition: true runs the branch, false or null the next.
        for i, (cond, body) in enumerate(s.branches):
            self.emit(d, f"{'if' if i == 0 else 'elif'} {self.cond(cond)}:")
            self.block(body, d + 1)
        if s.else_body is not None:
            self.emit(d, "else:")
            self.block(s.else_body, d + 1)

    def retry_step(self, s: A.Retry, node: str, d: int) -> None:
        # Interpreter.retry_from without suspension (no wait in compiled programs).
        attempt, ok, last = self.fresh("attempt"), self.fresh("ok"), self.fresh("last")
        self.emit(d, f"{last} = None")
        self.emit(d, f"for {attempt} in range(1, {s.times + 1!r}):")
        if not s.body:  # no step would count: each attempt counts, so R204 bounds it
            self.emit(d + 1, "lead.steps += 1")
            self.emit(d + 1, f"if lead.steps > {self.interp.limits.max_steps!r}:")
            self.emit(d + 2, f"raise _too_many(lead, {node}, {self.c.name!r})")
        self.emit(d + 1, "try:")
        self.block(s.body, d + 2)
        if s.until is None:
            self.emit(d + 2, f"{ok} = True")
        else:
            # Raised after the body's steps, from the retry itself: its span, as the
            # tree-walker gives it (the frame's step stays the last one run).
            self.emit(d + 2, "try:")
            self.emit(d + 3, f"{ok} = {self.cond(s.until)}")
            self.emit(d + 2, "except CampaignError as err:")
            self.emit(d + 3, "if err.span is None:")
            self.emit(d + 4, f"err.span = {node}.span")
            self.emit(d + 3, "raise")
        self.emit(d + 1, "except StopFlow:")
        # 'stop;' ends the flow mid-attempt: the attempt still shows in the log.
        self.activity(d + 2, "Retry Attempt", f"attempt={attempt}, succeeded=False")
        self.emit(d + 2, "raise")
        self.emit(d + 1, "except CampaignError as err:")
        self.emit(d + 2, f"if err.code in {LIMIT_CODES!r}:")
        self.emit(d + 3, "raise")
        self.emit(d + 2, f"{last}, {ok} = err, False")
        self.emit(d + 1, "else:")
        self.emit(d + 2, f"if not {ok}:")
        self.emit(d + 3, f"{last} = None")
        self.activity(d + 1, "Retry Attempt", f"attempt={attempt}, succeeded={ok}")
        self.emit(d + 1, f"if {ok}:")
        self.emit(d + 2, "break")
        self.emit(d, "else:")
        if s.else_body is not None:
            self.block(s.else_body, d + 1)
        else:
            self.emit(d + 1, f"if {last} is not None:")
            self.emit(d + 2, f"raise {last}")

    # ---- expressions ------------------------------------------------------------------

    def cond(self, e: A.Expr) -> str:
        """Interpreter.condition: true and false as they are, null as false, else R202.
        (``_v`` is only read right after it is set.)"""
        if _always_bool(e):
            return self.expr(e)
        return (
            f"((_v := {self.expr(e)}) is True "
            f"or (_v is not False and _cond(_v, {self.const(e, 'e')}.span)))"
        )

    def expr(self, e: A.Expr) -> str:
        method = getattr(self, f"e_{type(e).__name__}", None)
        if method is None:
            raise Unsupported(type(e).__name__)
        code: str = method(e)
        return code

    def e_Literal(self, e: A.Literal) -> str:
        return self.const(e.value) if e.value is not None else "None"

    def e_Str(self, e: A.Str) -> str:
        # Interpreter.e_str / token_text.
        if e.is_plain:
            return repr(e.plain)
        parts = [repr(p) if isinstance(p, str) else self.token_text(p) for p in e.parts]
        return f"''.join(({', '.join(parts)},))"

    def token_text(self, p: A.Interp) -> str:
        if p.namespace == "lead":
            if p.name == "id":
                return "V.fmt(Decimal(lead.id))"
            return f"V.fmt({self.field(p.name)})"
        if p.namespace == "my":
            return f"V.fmt({self.token(p.name, p.span)})"
        if p.namespace == "campaign":
            return "frame.context.name" if self.dynamic else repr(self.c.name)
        if p.namespace == "program":
            if self.dynamic:
                return "(frame.tokens.name if frame.tokens is not None else '')"
            return repr(self.c.program.name if self.c.program is not None else "")
        if p.namespace == "trigger":
            return f"V.fmt({self.trigger_value(p.name)})"
        return self.failure("R202", f"unknown token {p.text}", p.span)

    def failure(self, code: str, message: str, span: Any) -> str:
        return f"_fail({code!r}, {message!r}, {self.const(span, 'sp')})"

    def token(self, name: str, span: Any) -> str:
        # Interpreter.token_value: in a campaign's own context its program's token is
        # known now (or its absence, raised when evaluated).
        if self.dynamic:
            return f"interp.token_value({name!r}, frame, {self.const(span, 'sp')})"
        own = Frame(self.c, self.c.program, None, None)
        try:
            value = self.interp.token_value(name, own, span)
        except CampaignError as err:
            return self.failure(err.code, err.message, span)
        return self.const(value) if value is not None else "None"

    def trigger_value(self, name: str) -> str:
        # Interpreter.e_trigger_value: null when the flow was not started by a change.
        return f"(None if event is None else event[{0 if name == 'old' else 1}])"

    def field(self, name: str) -> str:
        # Interpreter.e_field: an absent blocking flag reads as its default (false).
        if name == "id":
            return "Decimal(lead.id)"
        if name in self.interp.implicit:
            default = self.const(self.interp.implicit[name], "k")
            return f"(_f if (_f := fields.get({name!r})) is not None else {default})"
        return f"fields.get({name!r})"

    def e_FieldRef(self, e: A.FieldRef) -> str:
        return self.field(e.name)

    def e_TokenRef(self, e: A.TokenRef) -> str:
        return self.token(e.name, e.span)

    def e_TriggerValue(self, e: A.TriggerValue) -> str:
        return self.trigger_value(e.name)

    def e_FuncCall(self, e: A.FuncCall) -> str:
        fn = self.interp.functions[e.name]
        call = self.const(e, "e")
        impl = self.const(fn.impl, "f")
        fast = TEXT_FUNCTIONS.get(e.name)
        if fast is not None and len(e.args) == 1:
            # text: the string method itself; null: null; anything else: the function
            x = self.fresh("a")
            return (
                f"({fast.format(x)} if type({x} := {self.expr(e.args[0])}) is str "
                f"else None if {x} is None else _call({call}, {impl}, {x}))"
            )
        args = "".join(f", {self.expr(a)}" for a in e.args)
        return f"_call({call}, {impl}{args})"

    def e_ListExpr(self, e: A.ListExpr) -> str:
        known, value = _constant(e)
        if known:
            return self.const(value, "l")
        return f"({''.join(f'{self.expr(i)}, ' for i in e.items)})"

    def e_Not(self, e: A.Not) -> str:
        return f"(not {self.cond(e.operand)})"

    def e_Negate(self, e: A.Negate) -> str:
        return f"V.neg({self.expr(e.operand)})"

    def e_Binary(self, e: A.Binary) -> str:
        if e.op in A.LOGICAL:
            word = "and" if e.op is A.BinOp.AND else "or"
            return f"({self.cond(e.left)} {word} {self.cond(e.right)})"
        fn = self.const(_BINARY[e.op], "op")
        span = self.const(e.op_span, "sp")
        known, value = _constant(e.right)
        fast = self.fast_test(e.op, value) if known and value is not None else None
        if fast is None:
            return f"_op({fn}, {self.expr(e.left)}, {self.expr(e.right)}, {span})"
        paths, null = fast
        x = self.fresh("a")
        k = self.const(value, "k")
        names = {"x": x, "k": k, "f": self.folded(value), "d": self.numbers(value)}
        # Interpreter.e_binary: the operator on the operand's type, null's answer known
        # now, any other value through the operator itself.
        tests = [
            f"{template.format(**names)} if type({x}) is {kind} else " for kind, template in paths
        ]
        tests[0] = tests[0].replace(f"type({x})", f"type({x} := {self.expr(e.left)})", 1)
        return f"({''.join(tests)}{null} if {x} is None else _op({fn}, {x}, {k}, {span}))"

    def folded(self, value: Any) -> str:
        if isinstance(value, V.ConstList):
            return self.const(value.folded, "k")
        return repr(value.casefold()) if isinstance(value, str) else ""

    def numbers(self, value: Any) -> str:
        if isinstance(value, V.ConstList):
            return self.const(frozenset(i for i in value if type(i) is Decimal), "k")
        return ""

    @staticmethod
    def fast_test(op: A.BinOp, value: Any) -> tuple[list[tuple[str, str]], bool] | None:
        """The fast paths of ``X op value`` for a constant value, as (operand type, code)
        pairs, and the operator's answer on null; None: no fast path."""
        tables: list[tuple[str, dict[A.BinOp, str]]]
        if isinstance(value, V.ConstList):
            tables = [("str", _FAST_TEXT_IN), ("Decimal", _FAST_NUMBER_IN)]
        elif type(value) is str:
            tables = [("str", _FAST_TEXT)]
        elif type(value) is Decimal:
            tables = [("Decimal", _FAST_NUMBER)]
        elif type(value) is bool:
            tables = [("bool", _FAST_BOOLEAN)]
        else:
            return None
        paths = [(kind, table[op]) for kind, table in tables if op in table]
        if not paths:
            return None
        try:  # the operator's answer for null, computed once
            null = _BINARY[op](None, value)
        except CampaignError:
            return None
        return paths, bool(null)

    def e_Between(self, e: A.Between) -> str:
        return f"V.between({self.expr(e.value)}, {self.expr(e.low)}, {self.expr(e.high)})"

    def e_IsEmpty(self, e: A.IsEmpty) -> str:
        x = self.fresh("a")
        test = f"(({x} := {self.expr(e.value)}) is None or {x} == '' or {x} == ())"
        return f"(not {test})" if e.negated else test

    def e_InPast(self, e: A.InPast) -> str:
        delta = self.const(V.duration_delta(e.duration), "d")
        return f"V.in_past({self.expr(e.value)}, {delta}, interp.now)"

    def e_Membership(self, e: A.Membership) -> str:
        # Interpreter.e_membership.
        name = self.expr(e.name)
        if e.kind == "list":
            if e.name.is_plain:
                return f"({e.name.plain.casefold()!r} in lead.lists)"
            return f"V.member_of_list(lead.lists, {name})"
        if e.kind == "program":
            return f"V.member_of_program(lead.statuses, {name})"
        assert e.status is not None
        return f"V.status_is(lead.statuses, {name}, {self.expr(e.status)})"
