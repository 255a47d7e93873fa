"""The compiled engine: a checked program's campaigns turned into Python source once per
run, ``compile()``d and executed instead of walking the AST.

Same semantics as :mod:`camp.runtime.evaluator`, which stays the reference: operators,
tests and functions go through the very helpers the tree-walker calls (``camp.runtime.
values``, the stdlib implementations, ``Interpreter.coerce``/``qualifies``/``snapshot``),
and the less frequent steps (e-mails, lists, moments, ``stop`` ...) call the
tree-walker's own step methods. Errors carry the Camp spans of the AST nodes the code
came from (each node the generated code refers to is passed in as a constant), so
diagnostics and campaign stacks are the tree-walker's. What the compiler does not know
(a node class it has no rule for, any ``wait``, a program nested too deeply for Python's
compiler) makes :func:`compile_program` return ``None``: the whole program then runs on
the tree-walker.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from camp.checker.checker import walk_steps
from camp.checker.symbols import CampaignInfo
from camp.grammar import ast as A
from camp.runtime import values as V
from camp.runtime.evaluator import _BINARY, Frame, Interpreter, StopFlow
from camp.runtime.values import CampaignError
from camp.runtime.world import Lead
from camp.stdlib.registry import FunctionError
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
_COMPILED_STEPS = (A.Set, A.CallStep, A.If, A.Retry)
_EXPRS = (
    A.Literal,
    A.Str,
    A.FieldRef,
    A.TokenRef,
    A.FuncCall,
    A.ListExpr,
    A.Not,
    A.Negate,
    A.Binary,
    A.Between,
    A.IsEmpty,
    A.InPast,
)


# Field types whose values are exactly one Python type (what Interpreter.coerce accepts
# unchanged), by the name generated code knows it by.
_EXACT: dict[Type, str] = {
    Type.TEXT: "str",
    Type.NUMBER: "Decimal",
    Type.BOOLEAN: "bool",
    Type.DATE: "_date",
    Type.DATETIME: "_datetime",
}


# Operands that raise no error without a span (and set no ``_o``).
_PURE = (A.Literal, A.FieldRef, A.TokenRef)


def _pure(e: A.Expr) -> bool:
    if isinstance(e, _PURE):
        return True
    if isinstance(e, A.Str):
        return e.is_plain
    if isinstance(e, A.ListExpr):
        return all(
            isinstance(i, A.Literal) or (isinstance(i, A.Str) and i.is_plain) for i in e.items
        )
    return False


def _tracked_expr(e: A.Expr) -> bool:
    """Every error without a span that ``e`` can raise comes from one of its operators,
    each with pure operands: then the step's handler may take the span from ``_o``."""
    if _pure(e):
        return True
    if isinstance(e, A.Binary):
        if e.op is A.BinOp.AND or e.op is A.BinOp.OR:  # _cond raises with a span
            return _tracked_expr(e.left) and _tracked_expr(e.right)
        return _pure(e.left) and _pure(e.right)
    if isinstance(e, A.Not):
        return _tracked_expr(e.operand)
    if isinstance(e, A.IsEmpty):
        return _pure(e.value)
    return False  # functions, negation, between, tokens in text, ...: through _op


def _trackable(s: A.Step) -> bool:
    """Steps whose own expressions are evaluated once, in the step, with every operator
    tracked (a retry's 'until' is not: its error is kept and raised later)."""
    if isinstance(s, A.If):
        return all(_tracked_expr(cond) for cond, _ in s.branches)
    if isinstance(s, A.Set):
        return s.op != "-=" and _tracked_expr(s.value)
    return False


class Unsupported(Exception):
    """A node the compiler has no rule for: the program runs on the tree-walker."""


def compile_program(interp: Interpreter) -> dict[str, CompiledCampaign] | None:
    """Every campaign of ``interp``'s program as a Python function ``(frame, lead)``, or
    ``None`` when the program must run on the tree-walker."""
    symbols = interp.symbols
    for c in symbols.campaigns.values():
        for s in walk_steps(c.steps):
            if isinstance(s, A.Wait):
                return None  # suspension needs the tree-walker's continuations
    try:
        gen = _Generator(interp)
        source = gen.program()
        code = compile(source, "<camp compiled>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    namespace = gen.namespace
    exec(code, namespace)
    return {name: namespace[fn] for name, fn in gen.functions.items()}


def _runtime_helpers(interp: Interpreter) -> dict[str, Any]:
    """The functions generated code calls besides ``camp.runtime.values``."""
    log = interp.log

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

    def too_many(frame: Frame, lead: Lead, step: Any) -> CampaignError:
        max_steps = interp.limits.max_steps
        return CampaignError(
            "R204",
            f"lead {lead.describe()} ran more than {max_steps} steps in this run "
            f"(in campaign '{frame.campaign.name}')",
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

    return {
        "interp": interp,
        "log_add": log.add,
        "count": log.count,
        "_cond": cond,
        "_op": op,
        "_call": call,
        "_too_many": too_many,
        "_too_deep": too_deep,
        "_score_error": score_error,
        "_coerce": interp.coerce,
        "_qualifies": interp.qualifies,
        "_snapshot": interp.snapshot,
        "Frame": Frame,
        "Decimal": Decimal,
        "_date": _dt.date,
        "_datetime": _dt.datetime,
        "CampaignError": CampaignError,
        "StopFlow": StopFlow,
        "_CHANGE": A.TriggerKind.CHANGE,
        "V": V,
    }


class _Generator:
    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self.symbols = interp.symbols
        self.namespace: dict[str, Any] = _runtime_helpers(interp)
        self.functions: dict[str, str] = {}  # campaign name -> function name
        self.consts: dict[int, str] = {}  # id(object) -> name in the namespace
        self.keep: list[Any] = []  # keeps the constants' ids unique
        self.lines: list[str] = []
        self.counter = 0
        self.record = not interp.log.counting_only
        self.track = False  # the step being compiled names its operators in _o

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

    def activity(self, depth: int, campaign: str, type_: str, attrs: str) -> None:
        """An activity of the campaign being compiled (Interpreter.activity)."""
        if self.record:
            sep = ", " if attrs else ""
            self.emit(depth, f"log_add(lead, interp.now, {type_!r}, {campaign!r}{sep}{attrs})")
        else:
            self.emit(depth, f"count({type_!r})")

    # ---- the program ------------------------------------------------------------------

    def program(self) -> str:
        for i, name in enumerate(self.symbols.campaigns):
            self.functions[name] = f"campaign_{i}"
        for c in self.symbols.campaigns.values():
            self.campaign(c)
        return "\n".join(self.lines) + "\n"

    def campaign(self, c: CampaignInfo) -> None:
        span = c.decl.span
        self.emit(0, f"# campaign {c.name} ({span.file}:{span.line})")
        self.emit(0, f"def {self.functions[c.name]}(frame, lead):")
        self.emit(1, "fields = lead.fields")
        self.emit(1, f"max_steps = {self.interp.limits.max_steps!r}")
        self.block(c.steps, c, 1)
        self.emit(1, "return None")
        self.emit(0, "")

    def block(self, steps: tuple[A.Step, ...], c: CampaignInfo, depth: int) -> None:
        if not steps:
            self.emit(depth, "pass")
        outer = self.track
        for step in steps:
            self.step(step, c, depth)
        self.track = outer

    def step(self, s: A.Step, c: CampaignInfo, depth: int) -> None:
        kind = type(s)
        if kind not in _DELEGATED and kind not in _COMPILED_STEPS:
            raise Unsupported(kind.__name__)
        node = self.const(s, "s")
        self.emit(depth, f"# {s.span.file}:{s.span.line}:{s.span.column}")
        # Interpreter.run_block, per step.
        self.emit(depth, f"frame.step = {node}")
        self.emit(depth, "lead.steps += 1")
        self.emit(depth, "if lead.steps > max_steps:")
        self.emit(depth + 1, f"raise _too_many(frame, lead, {node})")
        # Tracked steps name the operator that may raise in ``_o`` instead of calling
        # it through ``_op`` (see _trackable).
        self.track = _trackable(s)
        if self.track:
            self.emit(depth, "_o = None")
        tracked = self.track
        self.emit(depth, "try:")
        inner = depth + 1
        if kind in _DELEGATED:
            self.emit(inner, f"interp.{_DELEGATED[kind]}({node}, frame, lead)")
        elif isinstance(s, A.Set):
            self.set_step(s, node, c, inner)
        elif isinstance(s, A.CallStep):
            self.call_step(s, node, c, inner)
        elif isinstance(s, A.If):
            self.if_step(s, c, inner)
        else:
            assert isinstance(s, A.Retry)
            self.retry_step(s, c, inner)
        self.emit(depth, "except CampaignError as err:")
        self.emit(depth + 1, "if err.span is None:")
        if tracked:
            self.emit(depth + 2, f"err.span = _o if _o is not None else {node}.span")
        else:
            self.emit(depth + 2, f"err.span = {node}.span")
        self.emit(depth + 1, "raise")

    def set_step(self, s: A.Set, node: str, c: CampaignInfo, d: int) -> None:
        name = s.field.name
        triggers = name in self.interp.change_triggers
        self.emit(d, f"value = {self.expr(s.value)}")
        self.emit(d, f"old = fields.get({name!r})")
        if s.op == "=":
            if name in self.interp.field_types:
                wanted = self.interp.field_types[name]
                exact = _EXACT.get(wanted)
                if exact is not None:
                    # Interpreter.coerce returns a value of exactly the wanted type as is.
                    self.emit(d, f"if value is not None and type(value) is not {exact}:")
                    self.emit(d + 1, f"value = _coerce({name!r}, value, {node})")
                elif wanted is not Type.ANY:
                    self.emit(d, f"value = _coerce({name!r}, value, {node})")
            self.emit(d, "if not (type(old) is type(value) and old == value):")
            self.emit(d + 1, f"fields[{name!r}] = value")
            self.activity(d + 1, c.name, "Change Data Value", f"field={name!r}, old=old, new=value")
            if triggers:
                self.raise_change(name, d + 1, "value")
            return
        self.emit(d, "if value is not None:")
        d += 1
        if s.op == "+=":
            self.emit(d, "change = value")
        else:
            self.emit(d, "change = V.neg(value)")
        self.emit(d, "base = old if old is not None else Decimal(0)")
        self.emit(d, "new = V.add(base, change) if isinstance(base, Decimal) else None")
        self.emit(d, "if not isinstance(new, Decimal) or not isinstance(change, Decimal):")
        self.emit(d + 1, f"raise _score_error({node}, old)")
        self.emit(d, f"fields[{name!r}] = new")
        self.activity(d, c.name, "Change Score", f"field={name!r}, old=old, new=new, change=change")
        if triggers:
            self.emit(d, "if change:")
            self.raise_change(name, d + 1, "new")

    def raise_change(self, name: str, d: int, new: str) -> None:
        # Interpreter.s_set: the event carries (old, new) for 'on change' constraints.
        self.emit(d, "if interp.scheduler is not None:")
        self.emit(
            d + 1, f"interp.scheduler.raise_event(lead, _CHANGE, {name!r}, values=(old, {new}))"
        )

    def call_step(self, s: A.CallStep, node: str, c: CampaignInfo, d: int) -> None:
        if s.parent_tokens:
            # Parent token context with the callee's program as fallback (M): the
            # tree-walker's Frame chains; not compiled.
            raise Unsupported("call with parent tokens")
        target = self.symbols.campaigns[s.target]
        info = self.const(target, "c")
        tokens = f"{info}.program"
        self.emit(d, f"callee = Frame({info}, {tokens}, frame, {node}.span)")
        self.emit(d, f"if callee.depth > {self.symbols.max_depth!r}:")
        self.emit(d + 1, f"raise _too_deep({node}.span)")
        if target.qualify is A.QualifyRule.EVERY_TIME and not target.filters:
            qualified = "True"
        else:
            self.emit(d, f"qualified = _qualifies({info}, callee, lead)")
            qualified = "qualified"
        self.activity(
            d, c.name, "Execute Campaign", f"target={target.name!r}, qualified={qualified}"
        )
        if qualified != "True":
            self.emit(d, "if qualified:")
            d += 1
        self.emit(d, f"lead.runs[{target.name!r}] = interp.now")
        self.emit(d, "try:")
        self.emit(d + 1, f"{self.functions[target.name]}(callee, lead)")
        self.emit(d, "except CampaignError as err:")
        self.emit(d + 1, "if err.span is None:")
        self.emit(d + 2, f"err.span = callee.step.span if callee.step else {node}.span")
        self.emit(d + 1, "err.stack = (*err.stack, _snapshot(callee))")
        self.emit(d + 1, "raise")

    def cond(self, e: A.Expr) -> str:
        """Interpreter.condition: true and false as they are, null as false, else R202.
        (``_v`` is only read right after it is set.)"""
        return (
            f"((_v := {self.expr(e)}) is True "
            f"or (_v is not False and _cond(_v, {self.const(e, 'e')}.span)))"
        )

    def if_step(self, s: A.If, c: CampaignInfo, d: int) -> None:
        # Interpreter.s_if / condition: true runs the branch, false or null the next.
        for cond, body in s.branches:
            var = self.fresh("c")
            self.emit(d, f"{var} = {self.expr(cond)}")
            self.emit(d, f"if {var} is True:")
            self.block(body, c, d + 1)
            self.emit(d, f"elif {var} is not False and {var} is not None:")
            self.emit(d + 1, f"_cond({var}, {self.const(cond, 'e')}.span)")
            self.emit(d, "else:")
            d += 1
        if s.else_body is not None:
            self.block(s.else_body, c, d)
        else:
            self.emit(d, "pass")

    def retry_step(self, s: A.Retry, c: CampaignInfo, d: int) -> None:
        # Interpreter.retry_from without suspension (no wait in compiled programs).
        attempt, ok, last = self.fresh("attempt"), self.fresh("ok"), self.fresh("last")
        node = self.const(s, "s")
        self.emit(d, f"{last} = None")
        self.emit(d, f"for {attempt} in range(1, {s.times + 1!r}):")
        if not s.body:  # no step would count: each attempt counts, so R204 bounds it
            self.emit(d + 1, "lead.steps += 1")
            self.emit(d + 1, "if lead.steps > max_steps:")
            self.emit(d + 2, f"raise _too_many(frame, lead, {node})")
        self.emit(d + 1, "try:")
        self.block(s.body, c, d + 2)
        if s.until is None:
            self.emit(d + 2, f"{ok} = True")
        else:
            self.emit(d + 2, f"{ok} = _cond({self.expr(s.until)}, {self.const(s.until, 'e')}.span)")
        self.emit(d + 1, "except StopFlow:")
        # 'stop;' ends the flow mid-attempt: the attempt still shows in the log.
        self.activity(d + 2, c.name, "Retry Attempt", f"attempt={attempt}, succeeded=False")
        self.emit(d + 2, "raise")
        self.emit(d + 1, "except CampaignError as err:")
        self.emit(d + 2, 'if err.code in ("R203", "R204", "R205"):')
        self.emit(d + 3, "raise")
        self.emit(d + 2, f"{last}, {ok} = err, False")
        self.emit(d + 1, "else:")
        self.emit(d + 2, f"if not {ok}:")
        self.emit(d + 3, f"{last} = None")
        self.activity(d + 1, c.name, "Retry Attempt", f"attempt={attempt}, succeeded={ok}")
        self.emit(d + 1, f"if {ok}:")
        self.emit(d + 2, "break")
        self.emit(d, "else:")
        if s.else_body is not None:
            self.block(s.else_body, c, d + 1)
        else:
            self.emit(d + 1, f"if {last} is not None:")
            self.emit(d + 2, f"raise {last}")

    # ---- expressions ------------------------------------------------------------------

    def expr(self, e: A.Expr) -> str:
        kind = type(e)
        if kind not in _EXPRS:
            raise Unsupported(kind.__name__)
        if isinstance(e, A.Literal):
            return self.const(e.value) if e.value is not None else "None"
        if isinstance(e, A.Str):
            if len(e.parts) == 1 and isinstance(e.parts[0], str):
                return repr(e.parts[0])
            return f"interp.e_str({self.const(e, 'e')}, frame, lead)"
        if isinstance(e, A.FieldRef):
            if e.name == "id":
                return "Decimal(lead.id)"
            if e.name in self.interp.implicit:
                # Interpreter.e_field: an absent blocking flag reads as its default (false).
                default = self.const(self.interp.implicit[e.name], "k")
                return f"(_f if (_f := fields.get({e.name!r})) is not None else {default})"
            return f"fields.get({e.name!r})"
        if isinstance(e, A.TokenRef):
            node = self.const(e, "e")
            return f"interp.token_value({e.name!r}, frame, {node}.span)"
        if isinstance(e, A.FuncCall):
            fn = self.interp.functions[e.name]
            args = "".join(f", {self.expr(a)}" for a in e.args)
            return f"_call({self.const(e, 'e')}, {self.const(fn.impl, 'f')}{args})"
        if isinstance(e, A.ListExpr):
            if all(type(i) is A.Literal or (type(i) is A.Str and i.is_plain) for i in e.items):
                items = tuple(
                    i.value if isinstance(i, A.Literal) else i.plain  # type: ignore[union-attr]
                    for i in e.items
                )
                return self.const(V.ConstList.of(items), "l")
            inner = "".join(f"{self.expr(i)}, " for i in e.items)
            return f"({inner})"
        if isinstance(e, A.Not):
            return f"(not {self.cond(e.operand)})"
        if isinstance(e, A.Negate):
            return f"V.neg({self.expr(e.operand)})"
        if isinstance(e, A.Binary):
            if e.op is A.BinOp.AND or e.op is A.BinOp.OR:
                word = "and" if e.op is A.BinOp.AND else "or"
                return f"({self.cond(e.left)} {word} {self.cond(e.right)})"
            fn = self.const(_BINARY[e.op], "op")
            node = self.const(e, "e")
            if self.track:
                # Operands are pure here: setting _o before them equals setting it after.
                span = self.const(e.op_span, "sp")
                return f"((_o := {span}) and {fn}({self.expr(e.left)}, {self.expr(e.right)}))"
            return f"_op({fn}, {self.expr(e.left)}, {self.expr(e.right)}, {node}.op_span)"
        if isinstance(e, A.Between):
            return f"V.between({self.expr(e.value)}, {self.expr(e.low)}, {self.expr(e.high)})"
        if isinstance(e, A.IsEmpty):
            test = f"V.is_empty({self.expr(e.value)})"
            return f"(not {test})" if e.negated else test
        assert isinstance(e, A.InPast)
        delta = self.const(V.duration_delta(e.duration), "d")
        return f"V.in_past({self.expr(e.value)}, {delta}, interp.now)"
