"""The printer: an AST in the canonical layout, with the source's comments woven back in.

Printing dispatches on the node's class through :data:`PRINTERS`. To support a
new AST class, write one function and register it::

    @prints(A.NewStep)
    def _new_step(p: Printer, node: A.NewStep) -> None:
        p.emit("new")
        p.expr(node.value)
        p.emit(";", space=False)

``tests/format/test_printer_coverage.py`` fails while a class of
:mod:`camp.grammar.ast` has no printer.

With a source (``camp fmt``), the printer re-emits the source's tokens in the
source's order (it only decides the whitespace between them): strings,
numbers and names are copied as written, the author's parentheses are kept,
and every emitted token is checked against the next source token, so nothing
can be dropped or invented silently. Comments are attached to tokens: a
comment on the line of a token trails it, any other comment leads the next
token (or the end of the file). Without a source (a generated AST), leaves are
rendered from their values and parentheses are added only where precedence
needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from camp.format.scan import Lexeme, Scan
from camp.grammar import ast as A
from camp.grammar.builder import RESERVED, WEEKDAYS  # RESERVED: cannot be a bare name

__all__ = ["PRINTERS", "FormatterBug", "Printer", "Source", "prints"]

INDENT = "  "
CONTINUATION = 2  # extra levels for a line broken by a comment

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FormatterBug(Exception):
    """The formatter would have changed the program or lost a comment: a bug in Camp."""


class Source:
    """The source's tokens and comments, indexed for the printer."""

    def __init__(self, text: str, sc: Scan) -> None:
        self.text = text
        self.tokens = sc.tokens
        self.comments = sc.comments
        self.start_index = {(t.line, t.column): i for i, t in enumerate(sc.tokens)}
        self.end_index = {(t.end_line, t.end_column): i for i, t in enumerate(sc.tokens)}
        self.match: dict[int, int] = {}
        stack: list[int] = []
        for i, t in enumerate(sc.tokens):
            if t.text in "([":
                stack.append(i)
            elif t.text in ")]" and stack:
                self.match[stack.pop()] = i
        n = len(sc.tokens)
        self.leading: list[list[Lexeme]] = [[] for _ in range(n + 1)]  # index n: end of file
        self.trailing: list[Lexeme | None] = [None] * n
        self._blank: dict[int, bool] = {}
        last_tok = -1
        prev_end = 0
        for el in sc.elements:
            self._blank[el.start] = text.count("\n", prev_end, el.start) >= 2
            prev_end = el.end
            if el.kind != "comment":
                last_tok += 1
                continue
            prev = sc.tokens[last_tok] if last_tok >= 0 else None
            if prev is not None and prev.end_line == el.line and self.trailing[last_tok] is None:
                self.trailing[last_tok] = el
            else:
                self.leading[last_tok + 1].append(el)

    def blank_before(self, el: Lexeme) -> bool:
        """Whether the author left a blank line between ``el`` and what precedes it."""
        return self._blank.get(el.start, False)

    def range_of(self, span: A.Span) -> tuple[int, int]:
        """The token indexes [start, end) that ``span`` covers."""
        try:
            first = self.start_index[(span.line, span.column)]
            last = self.end_index[(span.end_line, span.end_column)]
        except KeyError:
            raise FormatterBug(f"{span}: a node's span does not fall on token boundaries") from None
        return first, last + 1

    def paren_layers(self, span: A.Span) -> int:
        """How many pairs of parentheses the author wrapped around the node at ``span``."""
        i, j = self.range_of(span)
        layers = 0
        while j - i >= 2 and self.tokens[i].text == "(" and self.match.get(i) == j - 1:
            layers += 1
            i, j = i + 1, j - 1
        return layers


Node = TypeVar("Node")
PrintFn = Callable[["Printer", Any], None]
PRINTERS: dict[type, PrintFn] = {}


def prints(cls: type[Node]) -> Callable[[Callable[[Printer, Node], None]], Callable[..., None]]:
    """Register the printer of one AST class."""

    def register(fn: Callable[[Printer, Node], None]) -> Callable[..., None]:
        PRINTERS[cls] = fn
        return fn

    return register


class Printer:
    """Writes one module. Lines are started lazily, so comments and blank lines found
    before a line's first token can be placed before it."""

    def __init__(self, source: Source | None) -> None:
        self.src = source
        self.out: list[str] = []
        self.indent = 0
        self.line_indent = 0
        self.cursor = 0  # the next source token
        self.pending: str | None = None  # kind of the line about to start
        self.glue = True  # no space before the next token
        self.break_next = False  # a trailing comment ended the physical line
        self.after_close = False  # the last token closed a block
        self.anything = False

    # ---- output ---------------------------------------------------------------------

    def newline(self, kind: str) -> None:
        """Start a new line: ``top`` (declaration), ``first``/``item`` (in a block),
        ``close``/``close_empty`` (a block's ``>``)."""
        self.pending = kind
        self.glue = True
        self.break_next = False

    def emit(self, text: str, space: bool = True) -> None:
        tok: Lexeme | None = None
        lead: list[Lexeme] = []
        trailing: Lexeme | None = None
        if self.src is not None:
            k = self.cursor
            tok = self.src.tokens[k] if k < len(self.src.tokens) else None
            if tok is None or tok.text != text:
                where = f"{tok.line}:{tok.column} {tok.text!r}" if tok else "the end of the file"
                raise FormatterBug(f"the printer wrote {text!r} where the source has {where}")
            lead = self.src.leading[k]
            trailing = self.src.trailing[k]
            self.cursor += 1
        if self.pending is not None:
            self._start_line(lead, tok)
        elif lead or self.break_next:
            # After a block's '>', `else`/`elif`/`until` go back to the opener's indent.
            levels = self.line_indent + (0 if self.after_close else CONTINUATION)
            cont = INDENT * levels
            self.out.append("\n")
            self.out.extend(cont + c.text + "\n" for c in lead)
            self.out.append(cont)
        elif space and not self.glue:
            self.out.append(" ")
        self.out.append(text)
        self.glue = False
        self.break_next = False
        self.after_close = False
        if trailing is not None:
            self.out.append("  " + trailing.text)
            self.break_next = True

    def glued(self) -> None:
        """No space before the next token (after ``(``, ``[``, ``.``, unary ``-``)."""
        self.glue = True

    def _blank(self, el: Lexeme | None) -> bool:
        return el is not None and self.src is not None and self.src.blank_before(el)

    def _start_line(self, lead: list[Lexeme], tok: Lexeme | None) -> None:
        kind = self.pending
        self.pending = None
        self.line_indent = self.indent
        closing = kind in ("close", "close_empty")
        comment_indent = INDENT * (self.indent + (1 if closing else 0))
        if self.anything:
            self.out.append("\n")
        elements: list[Lexeme | None] = [*lead, tok]
        for i, el in enumerate(elements):
            is_tok = i == len(lead)
            if i == 0:
                if kind == "top":
                    blank = self.anything
                elif kind in ("first", "close_empty"):
                    blank = False
                else:
                    blank = self.anything and not (closing and is_tok) and self._blank(el)
            else:
                blank = not (closing and is_tok) and self._blank(el)
            if blank:
                self.out.append("\n")
            if is_tok:
                self.out.append(INDENT * self.indent)
            elif el is not None:
                self.out.append(comment_indent + el.text + "\n")
        self.anything = True

    def finish(self) -> str:
        if self.src is not None:
            if self.cursor != len(self.src.tokens):
                t = self.src.tokens[self.cursor]
                raise FormatterBug(f"the printer stopped before {t.line}:{t.column} {t.text!r}")
            for c in self.src.leading[len(self.src.tokens)]:
                if self.anything:
                    self.out.append("\n")
                    if self._blank(c):
                        self.out.append("\n")
                self.out.append(c.text)
                self.anything = True
        if self.anything:
            self.out.append("\n")
        return "".join(self.out)

    # ---- structure ------------------------------------------------------------------

    def node(self, node: Any) -> None:
        fn = PRINTERS.get(type(node))
        if fn is None:
            raise FormatterBug(f"no printer for {type(node).__name__}")
        fn(self, node)

    def block(self, items: Sequence[Callable[[], None]]) -> None:
        """``< item... >``: one item per line, ``< >`` when empty (and without comments)."""
        src = self.src
        k = self.cursor
        inner_comments = src is not None and (
            src.trailing[k] is not None or bool(src.leading[k + 1])
        )
        self.emit("<")
        if not items and not inner_comments:
            self.emit(">")
            self.after_close = True
            return
        self.indent += 1
        for i, item in enumerate(items):
            self.newline("first" if i == 0 else "item")
            item()
        self.indent -= 1
        self.newline("close" if items else "close_empty")
        self.emit(">")
        self.after_close = True

    def nodes_block(self, nodes: Sequence[Any]) -> None:
        self.block([partial(self.node, n) for n in nodes])

    def end(self) -> None:
        self.emit(";", space=False)

    # ---- leaves ---------------------------------------------------------------------

    def source_leaf(self, *kinds: str) -> str | None:
        """The next source token's text when it is one of ``kinds`` (None without a source)."""
        if self.src is None:
            return None
        k = self.cursor
        tok = self.src.tokens[k] if k < len(self.src.tokens) else None
        if tok is None or tok.kind not in kinds:
            found = f"{tok.text!r} at {tok.line}:{tok.column}" if tok else "the end of the file"
            raise FormatterBug(f"expected a {' or '.join(kinds)} in the source, found {found}")
        return tok.text

    def string(self, text: str) -> None:
        """A string the AST keeps decoded (a program's name, a schedule's time...)."""
        self.emit(self.source_leaf("string") or quote(text))

    def number(self, value: Decimal | int) -> None:
        self.emit(self.source_leaf("number") or _number(value))

    def name(self, name: str) -> None:
        """A field name: bare when it can be, else in backquotes."""
        self.emit(self.source_leaf("name", "backquoted") or _field_name(name))

    def expr(self, node: Any, min_prec: int = 1) -> None:
        """An expression, in parentheses where the author wrote them (with a source) or
        where precedence needs them (without)."""
        needed = precedence(node) < min_prec
        if self.src is not None:
            layers = self.src.paren_layers(node.span)
            if needed and not layers:
                raise FormatterBug(f"{node.span}: an operand needs parentheses it does not have")
        else:
            layers = 1 if needed else 0
        for _ in range(layers):
            self.emit("(")
            self.glued()
        self.node(node)
        for _ in range(layers):
            self.emit(")", space=False)


# ---- precedence (grammar/camp.lark, lowest first) ---------------------------------------

OR, AND, NOT, TEST, SUM, PRODUCT, UNARY, ATOM = range(1, 9)


def precedence(node: Any) -> int:
    if isinstance(node, A.Binary):
        if node.op is A.BinOp.OR:
            return OR
        if node.op is A.BinOp.AND:
            return AND
        if node.op in (A.BinOp.ADD, A.BinOp.SUB):
            return SUM
        if node.op in (A.BinOp.MUL, A.BinOp.DIV, A.BinOp.MOD):
            return PRODUCT
        return TEST
    if isinstance(node, A.Not):
        return NOT
    if isinstance(node, (A.Between, A.IsEmpty, A.InPast)):
        return TEST
    if isinstance(node, A.Membership) and node.kind == "status":
        return TEST
    if isinstance(node, A.Negate):
        return UNARY
    return ATOM


def _operands(op: A.BinOp) -> tuple[int, int]:
    """The least precedence of the left and right operands of ``op`` (left-associative)."""
    if op is A.BinOp.OR:
        return OR, AND
    if op is A.BinOp.AND:
        return AND, NOT
    if op in (A.BinOp.ADD, A.BinOp.SUB):
        return SUM, PRODUCT
    if op in (A.BinOp.MUL, A.BinOp.DIV, A.BinOp.MOD):
        return PRODUCT, UNARY
    return SUM, SUM  # tests do not chain


# ---- rendering values (no source) ---------------------------------------------------------

_ESCAPE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def _escape(text: str) -> str:
    out = []
    for i, c in enumerate(text):
        if c in _ESCAPE:
            out.append(_ESCAPE[c])
        elif ord(c) < 32 or (c == "{" and text[i + 1 : i + 2] == "{"):
            out.append(f"\\u{ord(c):04x}")  # '{{' would start a token
        else:
            out.append(c)
    return "".join(out)


def quote(text: str) -> str:
    return '"' + _escape(text) + '"'


def _interp_text(node: A.Interp) -> str:
    if not node.name:
        return "{{" + node.namespace + "}}"
    name = node.name if _IDENT.fullmatch(node.name) else f"`{node.name}`"
    return "{{" + node.namespace + "." + name + "}}"


def _number(value: Decimal | int) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _field_name(name: str) -> str:
    return name if _IDENT.fullmatch(name) and name not in RESERVED else f"`{name}`"


# ---- expressions -------------------------------------------------------------------------


@prints(A.Literal)
def _literal(p: Printer, node: A.Literal) -> None:
    if node.value is None:
        p.emit("null")
    elif isinstance(node.value, bool):
        p.emit("true" if node.value else "false")
    else:
        p.number(node.value)


@prints(A.Interp)
def _interp(p: Printer, node: A.Interp) -> None:
    p.emit(_interp_text(node))  # only ever part of a string; see _str


@prints(A.Str)
def _str(p: Printer, node: A.Str) -> None:
    p.emit(p.source_leaf("string") or _str_text(node))


@prints(A.FieldRef)
def _field_ref(p: Printer, node: A.FieldRef) -> None:
    if p.src is not None and p.src.tokens[p.cursor].text == "lead":
        p.emit("lead")
        p.emit(".", space=False)
        p.glued()
    p.name(node.name)


@prints(A.TokenRef)
def _token_ref(p: Printer, node: A.TokenRef) -> None:
    p.emit("my")
    p.emit(".", space=False)
    p.glued()
    p.emit(node.name)


@prints(A.FuncCall)
def _func_call(p: Printer, node: A.FuncCall) -> None:
    p.emit(node.name)
    p.emit("(", space=False)
    p.glued()
    _args(p, node.args)
    p.emit(")", space=False)


def _args(p: Printer, args: Sequence[Any]) -> None:
    for i, arg in enumerate(args):
        if i:
            p.emit(",", space=False)
        p.expr(arg)


@prints(A.ListExpr)
def _list(p: Printer, node: A.ListExpr) -> None:
    p.emit("[")
    p.glued()
    _args(p, node.items)
    p.emit("]", space=False)


@prints(A.Not)
def _not(p: Printer, node: A.Not) -> None:
    p.emit("not")
    p.expr(node.operand, NOT)


@prints(A.Negate)
def _negate(p: Printer, node: A.Negate) -> None:
    p.emit("-")
    p.glued()
    p.expr(node.operand, UNARY)


@prints(A.Binary)
def _binary(p: Printer, node: A.Binary) -> None:
    left, right = _operands(node.op)
    p.expr(node.left, left)
    for word in node.op.value.split():
        p.emit(word)
    p.expr(node.right, right)


@prints(A.Between)
def _between(p: Printer, node: A.Between) -> None:
    p.expr(node.value, SUM)
    p.emit("between")
    p.expr(node.low, SUM)
    p.emit("and")
    p.expr(node.high, SUM)


@prints(A.IsEmpty)
def _is_empty(p: Printer, node: A.IsEmpty) -> None:
    p.expr(node.value, SUM)
    p.emit("is")
    if node.negated:
        p.emit("not")
    p.emit("empty")


@prints(A.Duration)
def _duration(p: Printer, node: A.Duration) -> None:
    p.number(node.amount)
    p.emit(node.unit)


@prints(A.InPast)
def _in_past(p: Printer, node: A.InPast) -> None:
    p.expr(node.value, SUM)
    p.emit("in")
    p.emit("past")
    p.node(node.duration)


@prints(A.Membership)
def _membership(p: Printer, node: A.Membership) -> None:
    if node.kind == "status":
        # `status in "P" is "S"`: the left operand is the field `status` (maybe `lead.status`)
        _field_ref(p, A.FieldRef("status", node.span))
        p.emit("in")
        p.node(node.name)
        p.emit("is")
        if node.status is None:
            raise FormatterBug(f"{node.span}: a status test without a status")
        p.node(node.status)
        return
    p.emit("member")
    p.emit("of")
    p.emit(node.kind)
    p.node(node.name)


@prints(A.TriggerValue)
def _trigger_value(p: Printer, node: A.TriggerValue) -> None:
    p.emit("trigger")
    p.emit(".", space=False)
    p.glued()
    p.emit(node.name)


# ---- steps -------------------------------------------------------------------------------


@prints(A.Set)
def _set(p: Printer, node: A.Set) -> None:
    p.emit("set")
    p.node(node.field)
    p.emit(node.op)
    p.expr(node.value)
    p.end()


@prints(A.CallStep)
def _call(p: Printer, node: A.CallStep) -> None:
    p.emit("call")
    p.emit(node.target)
    if node.parent_tokens:
        for word in ("with", "parent", "tokens"):
            p.emit(word)
    p.end()


@prints(A.Request)
def _request(p: Printer, node: A.Request) -> None:
    p.emit("request")
    p.emit(node.target)
    p.end()


@prints(A.SendEmail)
def _send_email(p: Printer, node: A.SendEmail) -> None:
    p.emit("send")
    if node.operational:
        p.emit("operational")
    p.emit("email")
    p.node(node.email)
    p.end()


@prints(A.SendAlert)
def _send_alert(p: Printer, node: A.SendAlert) -> None:
    p.emit("send")
    p.emit("alert")
    p.node(node.alert)
    p.emit("to")
    p.expr(node.to)
    p.end()


@prints(A.Wait)
def _wait(p: Printer, node: A.Wait) -> None:
    p.emit("wait")
    if node.duration is not None:
        p.node(node.duration)
    elif node.weekday is not None:
        p.emit("until")
        p.emit("next")
        p.emit(WEEKDAYS[node.weekday])
        p.emit("at")
        p.string(node.at or "")
    else:
        p.emit("until")
        p.expr(node.until)
    p.end()


@prints(A.WebhookCall)
def _webhook_call(p: Printer, node: A.WebhookCall) -> None:
    p.emit("webhook")
    p.emit(node.name)
    p.end()


@prints(A.AddToList)
def _add_to_list(p: Printer, node: A.AddToList) -> None:
    for word in ("add", "to", "list") if node.add else ("remove", "from", "list"):
        p.emit(word)
    p.node(node.list_name)
    p.end()


@prints(A.ChangeStatus)
def _change_status(p: Printer, node: A.ChangeStatus) -> None:
    p.emit("change")
    p.emit("status")
    if node.program is not None:
        p.emit("in")
        p.node(node.program)
    p.emit("to")
    p.node(node.status)
    p.end()


@prints(A.Moment)
def _moment(p: Printer, node: A.Moment) -> None:
    p.emit("moment")
    p.node(node.description)
    p.end()


@prints(A.Stop)
def _stop(p: Printer, node: A.Stop) -> None:
    p.emit("stop")
    p.end()


@prints(A.FailStep)
def _fail(p: Printer, node: A.FailStep) -> None:
    p.emit("fail")
    p.node(node.message)
    p.end()


@prints(A.If)
def _if(p: Printer, node: A.If) -> None:
    for i, (condition, body) in enumerate(node.branches):
        p.emit("elif" if i else "if")
        p.expr(condition)
        p.emit("then")
        p.nodes_block(body)
    if node.else_body is not None:
        p.emit("else")
        p.nodes_block(node.else_body)


@prints(A.Retry)
def _retry(p: Printer, node: A.Retry) -> None:
    p.emit("retry")
    p.number(node.times)
    p.emit("times")
    p.nodes_block(node.body)
    if node.until is not None:
        p.emit("until")
        p.expr(node.until)
        if node.else_body is None:
            p.end()
    if node.else_body is not None:
        p.emit("else")
        p.nodes_block(node.else_body)


# ---- clauses -----------------------------------------------------------------------------


@prints(A.Trigger)
def _trigger(p: Printer, node: A.Trigger) -> None:
    for word in node.kind.value.split():
        p.emit(word)
    if node.argument is not None:
        p.node(node.argument)
    for constraint in node.constraints:
        p.node(constraint)


@prints(A.ChangeConstraint)
def _change_constraint(p: Printer, node: A.ChangeConstraint) -> None:
    p.emit(node.side)
    if node.op != "is":
        for word in node.op.split():
            p.emit(word)
    if node.value is not None:
        p.expr(node.value, SUM)


@prints(A.On)
def _on(p: Printer, node: A.On) -> None:
    p.emit("on")
    p.node(node.trigger)
    p.end()


@prints(A.Where)
def _where(p: Printer, node: A.Where) -> None:
    p.emit("where")
    p.expr(node.condition)
    p.end()


@prints(A.Qualify)
def _qualify(p: Printer, node: A.Qualify) -> None:
    p.emit("qualify")
    for word in node.rule.value.split():
        p.emit(word)
    if node.interval is not None:
        p.node(node.interval)
    p.end()


@prints(A.Schedule)
def _schedule(p: Printer, node: A.Schedule) -> None:
    p.emit("schedule")
    if node.weekday is not None:
        p.emit("every")
        p.emit(WEEKDAYS[node.weekday])
    elif node.monthday is not None:
        p.emit("every")
        p.emit("month")
        p.emit("on")
        p.number(node.monthday)
    elif node.daily:
        p.emit("every")
        p.emit("day")
    p.emit("at")
    p.string(node.at)
    p.end()


# ---- declarations ------------------------------------------------------------------------


@prints(A.Const)
def _const(p: Printer, node: A.Const) -> None:
    value = node.value
    if isinstance(value, bool):
        p.emit("true" if value else "false")
    elif value is None:
        p.emit("null")
    elif isinstance(value, str):
        p.string(value)
    else:
        negative = p.src.tokens[p.cursor].text == "-" if p.src is not None else value < 0
        if negative:
            p.emit("-")
            p.glued()
        p.number(abs(value))


@prints(A.Import)
def _import(p: Printer, node: A.Import) -> None:
    p.emit("import")
    p.string(node.path)
    p.end()


@prints(A.FieldDecl)
def _field_decl(p: Printer, node: A.FieldDecl) -> None:
    p.name(node.name)
    p.emit(":", space=False)
    p.emit(node.type_name)
    if node.default is not None:
        p.emit("=")
        p.node(node.default)
    p.end()


@prints(A.FieldsDecl)
def _fields(p: Printer, node: A.FieldsDecl) -> None:
    p.emit("fields")
    p.nodes_block(node.fields)


@prints(A.WebhookDecl)
def _webhook(p: Printer, node: A.WebhookDecl) -> None:
    p.emit("webhook")
    p.emit(node.name)
    if p.src is None:
        p.block(_webhook_items(p, node))
        return
    # The AST keeps a webhook's settings by kind (and only the last url, method or body),
    # so their order and any repeats come from the source: `keyword leaf... ;` each.
    src = p.src
    first, last = src.range_of(node.span)
    items: list[list[str]] = []
    for tok in src.tokens[first + 3 : last - 1]:
        if not items or items[-1][-1] == ";":
            items.append([])
        items[-1].append(tok.text)

    p.block([partial(_words, p, words) for words in items])


def _words(p: Printer, words: Sequence[str]) -> None:
    """A webhook setting: its tokens single-spaced, ``;`` attached."""
    for word in words:
        p.emit(word, space=word != ";")


def _webhook_items(p: Printer, node: A.WebhookDecl) -> list[Callable[[], None]]:
    items: list[Callable[[], None]] = []

    def setting(*words: str) -> None:
        items.append(lambda: _words(p, (*words, ";")))

    if node.url is not None:
        setting("url", _str_text(node.url))
    if node.method != "GET":
        setting("method", quote(node.method))
    for header, value in node.headers:
        setting("header", quote(header), "=", _str_text(value))
    if node.body is not None:
        setting("body", _str_text(node.body))
    for field, path in node.responses:
        setting("response", _field_name(field.name), "=", quote(path))
    return items


def _str_text(node: A.Str) -> str:
    pieces: list[str] = []
    for i, part in enumerate(node.parts):
        if isinstance(part, A.Interp):
            pieces.append(_interp_text(part))
            continue
        text = _escape(part)
        if text.endswith("{") and i + 1 < len(node.parts):
            text = text[:-1] + "\\u007b"  # '{' + '{{lead.x}}' would read as '{{{'
        pieces.append(text)
    return '"' + "".join(pieces) + '"'


@prints(A.Campaign)
def _campaign(p: Printer, node: A.Campaign) -> None:
    if node.executable:
        p.emit("executable")
    p.emit("campaign")
    p.emit(node.name)
    p.nodes_block(node.body)


@prints(A.TokenDecl)
def _token_decl(p: Printer, node: A.TokenDecl) -> None:
    p.emit("token")
    p.emit(node.name)
    p.emit("=")
    p.node(node.value)
    p.end()


@prints(A.Program)
def _program(p: Printer, node: A.Program) -> None:
    p.emit("program")
    p.string(node.name)
    # The AST keeps tokens, statuses, success statuses, campaigns and tests apart; put
    # them back in source order (without a source: that order, one declaration each).
    steps = node.steps or tuple(range(len(node.statuses)))
    if len(steps) != len(node.statuses):
        raise FormatterBug(f"{node.span}: a program's statuses and their steps do not match")
    entries: list[tuple[tuple[int, int], Callable[[], None]]] = []
    for token in node.tokens:
        entries.append(((token.span.line, token.span.column), partial(p.node, token)))
    for group in _declarations(p, list(zip(node.statuses, steps, strict=True))):
        where = (group[0][0].span.line, group[0][0].span.column)
        entries.append((where, partial(_statuses, p, group)))
    for group in _declarations(p, [(s, i) for i, s in enumerate(node.success)]):
        where = (group[0][0].span.line, group[0][0].span.column)
        entries.append((where, partial(_success, p, [s for s, _ in group])))
    for campaign in node.campaigns:
        entries.append(((campaign.span.line, campaign.span.column), partial(p.node, campaign)))
    for test in node.tests:
        entries.append(((test.span.line, test.span.column), partial(p.node, test)))
    if p.src is not None:
        entries.sort(key=lambda e: e[0])
    p.block([fn for _, fn in entries])


def _declarations(p: Printer, items: list[tuple[A.Str, int]]) -> list[list[tuple[A.Str, int]]]:
    """Statuses (with their step) split into the source's declarations: one continues the
    previous declaration when a comma (or a comma and a parenthesis) precedes it."""
    groups: list[list[tuple[A.Str, int]]] = []
    for item in items:
        same = False
        if p.src is not None and groups:
            first, _ = p.src.range_of(item[0].span)
            before = p.src.tokens[first - 1].text
            if before == "(":
                before = p.src.tokens[first - 2].text
            same = before == ","
        if same or (p.src is None and groups):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _statuses(p: Printer, statuses: list[tuple[A.Str, int]]) -> None:
    """``statuses "A", ("B", "C");``: statuses sharing a step in parentheses."""
    p.emit("statuses")
    steps: list[list[A.Str]] = []
    for i, (status, step) in enumerate(statuses):
        if i and step == statuses[i - 1][1]:
            steps[-1].append(status)
        else:
            steps.append([status])
    for i, group in enumerate(steps):
        if i:
            p.emit(",", space=False)
        paren = len(group) > 1
        if p.src is not None:
            paren = p.src.tokens[p.cursor].text == "("
        if paren:
            p.emit("(")
            p.glued()
        for j, status in enumerate(group):
            if j:
                p.emit(",", space=False)
            p.node(status)
        if paren:
            p.emit(")", space=False)
    p.end()


def _success(p: Printer, statuses: list[A.Str]) -> None:
    p.emit("success")
    for i, status in enumerate(statuses):
        if i:
            p.emit(",", space=False)
        p.node(status)
    p.end()


# ---- tests (docs/testing.md) -------------------------------------------------------------


@prints(A.TestDecl)
def _test_decl(p: Printer, node: A.TestDecl) -> None:
    p.emit("test")
    p.string(node.name)
    p.nodes_block(node.body)


LEAD_WIDTH = 100  # a test's `lead < ... >` stays on one line up to this many columns


@prints(A.TestLead)
def _test_lead(p: Printer, node: A.TestLead) -> None:
    # On one line, as testing.md writes it (`lead < email = "a@b.example"; score = 5; >`),
    # when that fits in LEAD_WIDTH columns and no comment is inside; else one value a line.
    items = [partial(_lead_value, p, field, value) for field, value in node.values]
    inline = _lead_inline_width(p, node) + INDENT_WIDTH * p.indent <= LEAD_WIDTH
    p.emit("lead")
    if not inline:
        p.block(items)
        return
    p.emit("<")
    for item in items:
        item()
    p.emit(">")


INDENT_WIDTH = len(INDENT)


def _lead_inline_width(p: Printer, node: A.TestLead) -> int:
    """The columns of the one-line form (more than LEAD_WIDTH when a comment is inside)."""
    if p.src is None:
        values = [_field_name(f.name) + " = " + _const_text(c) + ";" for f, c in node.values]
        return len(" ".join(["lead <", *values, ">"]))
    first, last = p.src.range_of(node.span)
    if any(p.src.trailing[k] is not None for k in range(first, last - 1)) or any(
        p.src.leading[k] for k in range(first + 1, last)
    ):
        return LEAD_WIDTH + 1
    width = len("lead <") + len(" >")
    for field, value in node.values:
        name = p.src.tokens[p.src.range_of(field.span)[0]].text
        a, b = p.src.range_of(value.span)
        const = "".join(t.text for t in p.src.tokens[a:b])
        width += len(" " + name + " = " + const + ";")
    return width


def _const_text(node: A.Const) -> str:
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote(value)
    return ("-" if value < 0 else "") + _number(abs(value))


def _lead_value(p: Printer, field: A.FieldRef, value: A.Const) -> None:
    p.name(field.name)
    p.emit("=")
    p.node(value)
    p.end()


@prints(A.TestAt)
def _test_at(p: Printer, node: A.TestAt) -> None:
    p.emit("at")
    p.string(node.at)
    p.end()


@prints(A.Fire)
def _fire(p: Printer, node: A.Fire) -> None:
    p.emit("fire")
    p.emit(node.kind.value)
    p.node(node.name)
    p.end()


@prints(A.Advance)
def _advance(p: Printer, node: A.Advance) -> None:
    p.emit("advance")
    p.node(node.duration)
    p.end()


@prints(A.MockWebhook)
def _mock_webhook(p: Printer, node: A.MockWebhook) -> None:
    for word in ("mock", "webhook", node.name, "returns"):
        p.emit(word)
    p.string(node.response)
    p.end()


def _starts_with_status_test(e: Any) -> bool:
    """Whether ``e`` printed without parentheses starts with ``status in "P" is "S"``."""
    while True:
        if isinstance(e, A.Membership):
            return e.kind == "status"
        if isinstance(e, A.Binary):
            if precedence(e.left) < _operands(e.op)[0]:
                return False  # the left operand is printed in parentheses
            e = e.left
        elif isinstance(e, (A.Between, A.IsEmpty, A.InPast)):
            if precedence(e.value) < SUM:
                return False
            e = e.value
        else:
            return False


@prints(A.ExpectCondition)
def _expect_condition(p: Printer, node: A.ExpectCondition) -> None:
    p.emit("expect")
    if p.src is None and _starts_with_status_test(node.condition):
        # `expect status in "P" is "S" ...` reads as the status expectation; a condition
        # that starts so needs parentheses to stay a condition.
        p.emit("(")
        p.glued()
        p.node(node.condition)
        p.emit(")", space=False)
    else:
        p.expr(node.condition)
    p.end()


@prints(A.ExpectActivity)
def _expect_activity(p: Printer, node: A.ExpectActivity) -> None:
    p.emit("expect")
    if node.count == 0:
        p.emit("no")
    elif node.count is not None:
        p.number(node.count)
    p.emit("activity")
    p.string(node.type_name)
    if node.tests:
        p.emit("with")
    # The AST keeps the `and` chain flattened: parentheses the author put around a part of
    # it (`with (a and b) and c`) come from the source.
    opened = 0
    for i, test in enumerate(node.tests):
        if i:
            p.emit("and")
        if p.src is not None:
            start, _ = p.src.range_of(test.span)
            for _ in range(start - p.cursor):
                p.emit("(")
                p.glued()
                opened += 1
        p.expr(test, NOT)
        while p.src is not None and opened and p.src.tokens[p.cursor].text == ")":
            p.emit(")", space=False)
            opened -= 1
    p.end()


@prints(A.ExpectError)
def _expect_error(p: Printer, node: A.ExpectError) -> None:
    p.emit("expect")
    p.emit("error")
    p.emit(node.code)
    p.end()


@prints(A.ExpectInList)
def _expect_in_list(p: Printer, node: A.ExpectInList) -> None:
    p.emit("expect")
    if node.negated:
        p.emit("not")
    p.emit("in")
    p.emit("list")
    p.node(node.list_name)
    p.end()


@prints(A.ExpectStatus)
def _expect_status(p: Printer, node: A.ExpectStatus) -> None:
    for word in ("expect", "status", "in"):
        p.emit(word)
    p.node(node.program)
    p.emit("is")
    p.node(node.status)
    p.end()


@prints(A.Module)
def _module(p: Printer, node: A.Module) -> None:
    for item in node.items:
        p.newline("top")
        p.node(item)
