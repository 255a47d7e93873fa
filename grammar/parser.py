"""Source text → typed AST, with syntax errors (E001) in Camp's own words.

The Lark grammar is analysed once (and kept in a cache file, see
:mod:`camp.grammar.cache`) and loaded once per process, through :func:`grammar`. Each parse drives Lark's LALR machinery token by
token with fresh AST callbacks, so it can recover after an error (at ``;`` or
``>``) and report every independent syntax error of a file.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from camp.diagnostics import Diagnostic, sorted_diagnostics
from camp.grammar import ast as A
from camp.grammar.builder import AstBuilder
from camp.grammar.nesting import MAX_NESTING, too_deep
from camp.grammar.node import dataclass
from camp.grammar.span import Span
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerThread
from lark.parsers.lalr_parser_state import ParseConf, ParserState

StartRule = Literal["start", "statement", "expression"]
START_RULES: tuple[StartRule, ...] = ("start", "statement", "expression")

_NAMED_TERMINALS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "BACKQUOTED": "a `field`",
    "$END": "end of file",
}


@dataclass(frozen=True)
class Grammar:
    """The analysed grammar and what the error messages need to know about it."""

    lark: Lark
    display: dict[str, str]  # terminal name -> how a user would write it
    step_starts: frozenset[str]
    expr_starts: frozenset[str]
    item_starts: frozenset[str]
    clause_starts: frozenset[str]
    operators: frozenset[str]
    compare: frozenset[str]
    keywords: frozenset[str]  # every keyword of the language
    keyword_terminals: dict[str, str]  # keyword -> its terminal name
    sync_states: frozenset[Any]  # parser states where a new step/clause/declaration may begin

    def word(self, terminal: str) -> str:
        return self.display.get(terminal, terminal)


def grammar_text() -> str:
    # Beside this module in both regular and editable installs (package data).
    return (Path(__file__).parent / "camp.lark").read_text(encoding="utf-8")


class _WholeWords:
    """A no-op post-lexer whose only job is ``always_accept``.

    Keywords are soft, so most parser states do not accept ``NAME``. Letting
    every state's lexer also match ``NAME`` makes keywords whole words: ``sett``
    is the name ``sett`` (an error the parser explains), not ``set`` + ``t``.
    Lark still turns a ``NAME`` that spells an expected keyword into that keyword.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def build_lark(*, strict: bool = True, cache: bool = False) -> Lark:
    """Construct the Lark parser (LALR, contextual lexer, strict). ``cache=True`` would let
    Lark keep its own cache in the shared temporary folder; :func:`grammar` does not."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        strict=strict,
        keep_all_tokens=True,
        start=list(START_RULES),
        postlex=_WholeWords(),
        cache=cache,
    )


def compile_lexer_states(lark: Lark) -> None:
    """Build the scanner of each contextual-lexer state now, as Lark would on the state's
    first use, so that the cache file holds them compiled."""
    contextual: Any = lark.parser.lexer
    contextual = getattr(contextual, "lexer", contextual)  # behind the post-lexer
    root = getattr(contextual, "root_lexer", None)
    for lexer in [*getattr(contextual, "lexers", {}).values(), *([root] if root else [])]:
        getattr(lexer, "scanner", None)  # a lazily built property: builds it (Lark >= 1.1)


@functools.lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The process-wide grammar, built once (and cached on disk between processes)."""
    from camp.grammar.cache import load_or_build

    return load_or_build(grammar_text(), build_grammar, Grammar)


def build_grammar() -> Grammar:
    """The grammar analysed afresh, every contextual-lexer state's scanner compiled
    (:func:`grammar` keeps it in a cache file)."""
    lark = build_lark()
    compile_lexer_states(lark)
    # The grammar's definition trees (a third of the cache file) serve Lark's
    # Reconstructor only; a Lark loaded from Lark's own cache has none either.
    vars(lark).pop("grammar", None)
    display: dict[str, str] = dict(_NAMED_TERMINALS)
    keywords: dict[str, str] = {}
    for term in lark.terminals:
        if term.pattern.type == "str":
            value = term.pattern.value
            display[term.name] = f"'{value}'"
            if value.isalpha():
                keywords[value] = term.name
    table = lark.parser.parser.parser.parse_table
    states = table.states

    def firsts(start: str) -> frozenset[str]:
        return frozenset(k for k in states[table.start_states[start]] if k.isupper())

    step_starts = firsts("statement") - {"$END"}
    expr_starts = firsts("expression") - {"$END"}
    item_starts = firsts("start") - {"$END"}
    clause_keywords = {"on", "where", "qualify", "schedule"}
    clause_starts = frozenset(n for n, d in display.items() if d.strip("'") in clause_keywords)
    binary = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or"}
    binary |= {"is", "in", "not", "contains", "starts", "ends", "between"}
    operators = frozenset(n for n, d in display.items() if d.strip("'") in binary)
    compare = frozenset(
        n for n, d in display.items() if d.strip("'") in {"==", "!=", "<", "<=", ">", ">="}
    )
    fields_body = {"NAME", "BACKQUOTED", "MORETHAN"}
    sync = frozenset(
        s
        for s, actions in states.items()
        if actions.keys() & {"STOP", "CAMPAIGN", "URL"}
        or {k for k in actions if k.isupper()} == fields_body
    )
    return Grammar(
        lark,
        display,
        step_starts,
        expr_starts,
        item_starts,
        clause_starts,
        operators,
        compare,
        frozenset(keywords),
        keywords,
        sync,
    )


_TEST_WORDS = frozenset({"expect", "fire", "advance", "mock"})  # the test-only lines


class CampSyntaxError(Exception):
    """Raised by :func:`parse_module` and friends; carries every E001 found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class ParseResult:
    node: Any  # A.Module, A.Step or A.Expr; None when there were syntax errors
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not self.diagnostics


def parse(text: str, file: str = "<input>", start: StartRule = "start") -> ParseResult:
    """Parse ``text``; never raises for bad input (errors are in ``diagnostics``)."""
    g = grammar()
    fast = _parse_valid(g, text, file, start)
    if fast is not None:
        return _nesting_checked(fast, file)
    repairs: list[Diagnostic] = []
    for _ in range(20):
        driver = _Driver(g, text, file, start)
        try:
            result = driver.run()
        except _MissingSemicolon as m:
            # A statement lacking its ';' swallowed the block's closing '>' as a
            # comparison: report that, put the ';' in, and parse again.
            repairs.append(m.diagnostic)
            text = text[: m.offset] + ";" + text[m.offset :]
            continue
        if repairs:
            diagnostics = sorted_diagnostics(repairs + result.diagnostics)
            return ParseResult(None, diagnostics)
        return _nesting_checked(result, file)
    return ParseResult(None, sorted_diagnostics(repairs))


def _parse_valid(g: Grammar, text: str, file: str, start: StartRule) -> ParseResult | None:
    """The fast path for valid input: Lark's LALR loop with the AST callbacks and no
    error bookkeeping. Returns None at the first error; the driver then explains it."""
    builder = AstBuilder(file)
    state, lexer_thread = _new_state(g, text, start, _ast_callbacks(g, builder))
    feed = state.feed_token
    try:
        for token in lexer_thread.lex(state):  # type: ignore[no-untyped-call]
            feed(token)
        end = Token("$END", "", len(text), 1, 1)
        node = feed(end, True)
    except UnexpectedInput:
        return None
    if builder.problems:
        return ParseResult(None, sorted_diagnostics(builder.problems))
    return ParseResult(node, [])


def _nesting_checked(result: ParseResult, file: str) -> ParseResult:
    """Refuse a program nested too deeply for the recursive tools (see grammar/nesting.py)."""
    span = too_deep(result.node) if result.node is not None else None
    if span is None:
        return result
    at = Span(file, span.line, span.column, span.line, span.column + 1)
    message = f"nesting deeper than {MAX_NESTING} levels (blocks, conditions and operators)"
    hint = "split the campaign into executables, or a long expression into several steps"
    return ParseResult(None, [Diagnostic("E001", message, at, hint)])


class _MissingSemicolon(Exception):
    def __init__(self, offset: int, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.offset = offset
        self.diagnostic = diagnostic


def _parsed(text: str, file: str, start: StartRule) -> Any:
    result = parse(text, file, start)
    if result.diagnostics:
        raise CampSyntaxError(result.diagnostics)
    return result.node


def parse_module(text: str, file: str = "<input>") -> A.Module:
    module: A.Module = _parsed(text, file, "start")
    return module


def parse_expression(text: str, file: str = "<input>") -> A.Expr:
    expr: A.Expr = _parsed(text, file, "expression")
    return expr


def parse_statement(text: str, file: str = "<input>") -> A.Step:
    step: A.Step = _parsed(text, file, "statement")
    return step


def _new_state(
    g: Grammar, text: str, start: StartRule, callbacks: dict[Any, Any]
) -> tuple[ParserState[Any], LexerThread]:
    """A fresh LALR parser state over ``text`` with the given reduce callbacks."""
    lark = g.lark
    conf = ParseConf(lark.parser.parser.parser.parse_table, callbacks, start)
    lexer_thread = LexerThread.from_text(lark.parser.lexer, text)
    return ParserState(conf, lexer_thread), lexer_thread


def _ast_callbacks(g: Grammar, builder: AstBuilder) -> dict[Any, Any]:
    callbacks: dict[Any, Any] = g.lark._parse_tree_builder.create_callback(builder)  # type: ignore[no-untyped-call]
    return callbacks


def is_complete(text: str, start: StartRule = "start") -> bool:
    """For the REPL: False when more input could still make ``text`` valid.

    Input that ends inside a block, a statement without its ``;``, or an
    unterminated string is incomplete; input with an error before its end is
    complete (submitting it shows the error).
    """
    state, lexer_thread = _new_state(grammar(), text, start, {})
    try:
        for token in lexer_thread.lex(state):  # type: ignore[no-untyped-call]
            state.feed_token(token)
        state.feed_token(Token("$END", "", 0, 1, 1), True)
    except UnexpectedCharacters as e:
        rest = text[e.pos_in_stream or 0 :]
        return not (rest.startswith('"') and "\n" not in rest)
    except UnexpectedToken as e:
        return bool(e.token.type != "$END")
    except UnexpectedInput:
        return True
    return True


class _Driver:
    """One parse: feeds tokens, translates errors, recovers at ';' and '>'."""

    def __init__(self, g: Grammar, text: str, file: str, start: StartRule) -> None:
        self.g = g
        self.text = text
        self.file = file
        self.start = start
        self.builder = AstBuilder(file)
        self.state, self.lexer_thread = _new_state(g, text, start, _ast_callbacks(g, self.builder))
        self.conf = self.state.parse_conf
        self.errors: list[Diagnostic] = []
        self.prev: Token | None = None  # the last token fed
        self.statement: list[Token] = []  # tokens of the current statement
        self.outer: list[list[Token]] = []  # statements around the open blocks
        self.opened: list[tuple[Token, str]] = []  # unclosed block '<' and what they open
        self.resync = False  # set after a lexical error that ate the rest of a statement
        self.skipped_to_end = False  # recovery skipped to the end of the input

    # ---- token stream ------------------------------------------------------

    def tokens(self) -> Iterator[Token]:
        """Tokens, restarting the contextual lexer after each lexical error."""
        while True:
            try:
                yield from self.lexer_thread.lex(self.state)  # type: ignore[no-untyped-call]
                return
            except UnexpectedCharacters as e:
                self.lexical_error(e)
            except UnexpectedToken as e:
                # The contextual lexer found a token the parser cannot take here.
                yield e.token

    def lexical_error(self, e: UnexpectedCharacters) -> None:
        line_ctr = self.lexer_thread.state.line_ctr  # type: ignore[union-attr]
        pos = e.pos_in_stream or 0
        char = self.text[pos]
        if char == '"':
            end = self.text.find("\n", pos)
            end = len(self.text) if end < 0 else end
            span = Span(self.file, e.line, e.column, e.line, e.column + (end - pos))
            self.report(
                "unterminated string",
                span,
                "close the string with '\"' on the same line (write \\n for a line break)",
            )
            line_ctr.feed(self.text[pos:end])
            self.resync = True  # the statement's ';' was swallowed by the string
            return
        span = Span(self.file, e.line, e.column, e.line, e.column + 1)
        if char == "`":
            self.report(
                "unterminated backquoted field name",
                span,
                "close it with '`' on the same line: `Job Title`",
            )
            end = self.text.find("\n", pos)
            line_ctr.feed(self.text[pos : len(self.text) if end < 0 else end])
            return
        if char == "=" and self.prev is not None and self.prev.type in self.g.operators:
            self.report(f"unexpected character {char!r}", span)
        elif char == "'":
            self.report(
                "strings use double quotes",
                span,
                "write \"text\" instead of 'text'",
            )
        else:
            self.report(f"unexpected character {char!r}", span)
        line_ctr.feed(char)

    # ---- main loop ---------------------------------------------------------

    def feed_all(self) -> None:
        """Feed every token of the text, recovering from errors (not the end token)."""
        stream = self.tokens()
        pending: Token | None = None
        while True:
            token = pending if pending is not None else next(stream, None)
            pending = None
            if token is None:
                return
            if self.resync:
                self.resync = False
                self.unwind()
                self.statement = []
                token = self.retyped(token)
            try:
                self.feed(token)
                self.fed(token)
            except UnexpectedToken as e:
                self.failed()
                pending = self.recover(token, set(e.expected), stream)

    def fed(self, token: Token) -> None:
        """Called after each token the parser accepted (a hook for the completion driver)."""

    def failed(self) -> None:
        """Called when a token was refused, before recovery (a hook, as ``fed``)."""

    def run(self) -> ParseResult:
        node: Any = None
        self.feed_all()
        try:
            node = self.state.feed_token(self.end_token(), True)
        except UnexpectedToken as e:
            # After a recovery that skipped to the end, or unwound to the start of a
            # one-statement/expression parse, the error already reported says it all.
            unwound = self.errors and len(self.state.state_stack) == 1 and self.start != "start"
            if not (self.skipped_to_end or unwound):
                self.report_unexpected(self.end_token(), set(e.expected))
        diagnostics = sorted_diagnostics(self.errors + self.builder.problems)
        return ParseResult(None if diagnostics else node, diagnostics)

    def end_token(self) -> Token:
        lines = self.text.split("\n")
        tok = Token("$END", "", len(self.text), len(lines), len(lines[-1]) + 1)
        tok.end_line, tok.end_column = tok.line, tok.column
        return tok

    def feed(self, token: Token) -> None:
        before = self.prev
        self.state.feed_token(token)
        self.prev = token
        g = self.g
        if token.type == "LESSTHAN" and self.opens_block(before):
            self.opened.append((token, self.block_owner(before)))
            self.outer.append(self.statement)
            self.statement = []
        elif token.type == "MORETHAN" and self.opened and not self.statement:
            self.opened.pop()
            self.statement = self.outer.pop() if self.outer else []
        elif token.type == "SEMICOLON":
            self.statement = []
        elif token.type in g.step_starts or token.type in g.clause_starts:
            self.statement = [token]  # a new statement begins
        else:
            self.statement.append(token)

    def retyped(self, token: Token) -> Token:
        """A NAME lexed in another parser state, as the keyword the current state expects."""
        if token.type == "NAME":
            terminal = self.g.keyword_terminals.get(str(token))
            if terminal is not None and self.accepts_type(terminal):
                return Token.new_borrow_pos(terminal, str(token), token)
        return token

    def opens_block(self, before: Token | None) -> bool:
        # A block '<' follows a keyword or a declaration's name, never an operand.
        if before is None:
            return False
        if before.type in {"THEN", "ELSE", "TIMES", "FIELDS", "LEAD"}:
            return True
        return len(self.statement) >= 2 and self.statement[-2].type in {
            "CAMPAIGN",
            "WEBHOOK",
            "PROGRAM",
            "TEST",
        }

    def block_owner(self, before: Token | None) -> str:
        if before is None:
            return "block"
        if before.type in {"THEN", "ELSE", "TIMES", "FIELDS", "LEAD"}:
            return f"'{before}' block"
        kind = str(self.statement[-2])
        return f"{kind} {before}"

    # ---- recovery ----------------------------------------------------------

    def recover(self, token: Token, expected: set[str], stream: Iterator[Token]) -> Token | None:
        """Report the error at ``token``; return the token to continue with."""
        missing_semicolon = "SEMICOLON" in expected and self.prev is not None
        top_level = "CAMPAIGN" in expected
        kind = self.report_unexpected(token, expected)
        if (
            kind == "missing-semicolon"
            and missing_semicolon
            and token.type != "SEMICOLON"
            and self.try_insert(token)
        ):
            return None
        # Panic mode: skip to the next ';' or '>' (skipping whole blocks opened on the
        # way) and resume in a state where a step, clause or declaration may begin.
        depth = 0
        before: Token | None = self.prev
        current: Token | None = token
        if kind == "chain" and token.type == "MORETHAN":
            before, current = token, next(stream, None)  # a chained '>' is no block end
        block_skipped = False
        while current is not None:
            if (
                current.type == "LESSTHAN"
                and before is not None
                and (
                    before.type in {"THEN", "ELSE", "TIMES"}
                    or (top_level and before.type in {"NAME", "STRING"})
                )
            ):
                depth += 1
            elif current.type == "MORETHAN" and depth:
                depth -= 1
                if not depth:
                    block_skipped = True  # a whole block statement was skipped: resume after it
                    break
            elif current.type in {"SEMICOLON", "MORETHAN"} and not depth:
                break
            before = current
            current = next(stream, None)
        self.unwind()
        self.statement = []
        self.skipped_to_end = current is None
        if current is None or block_skipped or current.type == "SEMICOLON":
            return None
        current = self.retyped(current)
        return current if self.accepts_type(current.type) else None

    def try_insert(self, token: Token) -> bool:
        """Repair a missing ';': feed one, then ``token``, on a copy of the parser state."""
        trial = self.state.copy(deepcopy_values=False)
        semi = Token("SEMICOLON", ";", 0, token.line, token.column)
        try:
            trial.feed_token(semi)
            terminal = self.g.keyword_terminals.get(str(token))
            if token.type == "NAME" and terminal in self.conf.states[trial.position]:
                token = Token.new_borrow_pos(terminal, str(token), token)
            trial.feed_token(token)
        except UnexpectedToken:
            return False
        self.state.state_stack[:] = trial.state_stack
        self.state.value_stack[:] = trial.value_stack
        self.prev = token
        self.statement = [token]
        return True

    def unwind(self) -> None:
        """Pop parser states until one where a new step, clause or declaration may begin."""
        stack = self.state.state_stack
        values = self.state.value_stack
        while len(stack) > 1 and stack[-1] not in self.g.sync_states:
            stack.pop()
            values.pop()

    def accepts_type(self, terminal: str) -> bool:
        return terminal in self.conf.states[self.state.state_stack[-1]]

    # ---- messages ----------------------------------------------------------

    def report(self, message: str, span: Span, hint: str | None = None) -> None:
        self.errors.append(Diagnostic("E001", message, span, hint))

    def span(self, t: Token) -> Span:
        return Span(self.file, t.line or 1, t.column or 1, t.end_line or 1, t.end_column or 1)

    def after(self, t: Token) -> Span:
        """A one-column span just after token ``t`` (where a missing ';' belongs)."""
        line, col = t.end_line or 1, t.end_column or 1
        return Span(self.file, line, col, line, col + 1)

    def describe(self, t: Token) -> str:
        if t.type == "$END":
            return "end of file"
        if t.type == "NAME":
            return f"'{t}'" if str(t) in self.g.keywords else f"name '{t}'"
        if t.type == "STRING":
            return f"string {t}"
        if t.type == "NUMBER":
            return f"number {t}"
        if t.type == "BACKQUOTED":
            return f"field {t}"
        return f"'{t}'"

    def viable(self, expected: set[str]) -> set[str]:
        """The expected terminals that a copy of the parser state really shifts.

        LALR's default reductions make a state's table list terminals that fail
        one reduction later; trying each on a copy gives the honest list.
        """
        kept: set[str] = set()
        for name in expected:
            trial_tok = Token("$END", "") if name == "$END" else Token(name, "x")
            trial = self.state.copy(deepcopy_values=False)
            try:
                trial.feed_token(trial_tok, name == "$END")
            except UnexpectedToken:
                continue
            except Exception:  # a builder callback on a placeholder value: still viable
                pass
            kept.add(name)
        return kept or expected

    def expected_words(self, expected: set[str]) -> str:
        g = self.g
        words: list[str] = []
        rest = self.viable(set(expected))
        for group, word in (
            (g.item_starts, "a declaration"),
            (g.step_starts, "a step"),
            (g.clause_starts, "a clause"),
            (g.expr_starts, "an expression"),
        ):
            if group and group <= rest:
                words.append(word)
                rest -= group
        if {"NAME", "NUMBER", "STRING", "LPAR"} <= rest:  # an operand, 'not' or not
            words.append("an expression")
            rest -= g.expr_starts
        ops = rest & g.operators
        if len(ops) >= 3:
            rest -= ops
            op_word = "an operator"
        else:
            op_word = ""
        ordered = sorted(rest, key=lambda n: (n == "$END", n not in _NAMED_TERMINALS, g.word(n)))
        words = [g.word(n) for n in ordered if n != "$END"] + words
        if op_word:
            words.append(op_word)
        if "$END" in rest:
            words.append("end of file")
        if len(words) > 8:
            words = [*words[:7], "..."]
        if not words:
            return "nothing more"
        if len(words) == 1:
            return words[0]
        return ", ".join(words[:-1]) + " or " + words[-1]

    def report_unexpected(self, token: Token, expected: set[str]) -> str:
        """Report the error at ``token``; returns what kind of mistake it was."""
        self.check_swallowed_close()
        g = self.g
        prev = self.prev
        found = self.describe(token)
        span = self.span(token)
        if token.type == "$END" and self.opened:
            opener, owner = self.opened[-1]
            self.report(
                f"unclosed '<' of {owner} (opened at line {opener.line}, column {opener.column})",
                self.span(opener),
                "close the block with '>'",
            )
            return "unclosed"
        tests = g.compare | {"IS", "IN", "CONTAINS", "STARTS", "ENDS", "BETWEEN"}
        if token.type in tests and any(t.type in tests for t in self.statement):
            self.report(
                "comparisons do not chain",
                span,
                "compare twice and join with 'and': 'a < b and b < c'",
            )
            return "chain"
        if token.type == "EQUAL" and any(g.display.get(n) == "'=='" for n in expected):
            self.report(
                "'=' assigns; use '==' to compare",
                span,
                "write 'x == 1' in a condition ('=' only appears in 'set x = ...')",
            )
            return "assign"
        if token.type == "NAME" and expected & {"STOP", "CAMPAIGN"}:
            self.unknown_keyword(token, expected)
            return "keyword"
        if (
            "SEMICOLON" in expected
            and prev is not None
            and {t.type for t in self.statement} >= {"RETRY", "UNTIL"}
        ):
            self.report(
                f"expected ';' after the 'until' condition of 'retry', found {found}",
                self.after(prev),
                "a retry with 'until' and no 'else' ends with ';': retry 3 times < ... > until C;",
            )
            return "missing-semicolon"
        if (
            "SEMICOLON" in expected
            and prev is not None
            and token.type != "SEMICOLON"
            and (
                token.line != prev.end_line
                or token.type == "MORETHAN"
                or g.keyword_terminals.get(str(token)) in g.step_starts
            )
        ):
            self.report(
                f"missing ';' after {self.describe(prev)}",
                self.after(prev),
                "every simple statement ends with ';'",
            )
            return "missing-semicolon"
        if prev is not None and self.test_line_error(prev, token, found, span, expected):
            return "unexpected"
        if token.type in {"NAME", "BACKQUOTED"} or "NAME" in expected:
            word = str(token)
            if word in g.keywords and "NAME" in expected and token.type != "NAME":
                self.report(
                    f"'{word}' is a reserved word here, expected {self.expected_words(expected)}",
                    span,
                    f"write it in backquotes to use it as a field name: `{word}`",
                )
                return "reserved"
        self.report(f"unexpected {found}; expected {self.expected_words(expected)}", span)

        return "unexpected"

    def test_line_error(
        self, prev: Token, token: Token, found: str, span: Span, expected: set[str]
    ) -> bool:
        """Tailored messages for the test-only lines (testing.md); False when none fits."""
        if prev.type == "ACTIVITY" and token.type != "STRING":
            self.report(
                f"expected the activity type as a string after 'activity', found {found}",
                span,
                'write e.g. expect activity "Send Email";',
            )
        elif prev.type == "ERROR" and self.statement[:1] and token.type != "NAME":
            self.report(
                f"expected a campaign error code after 'expect error', found {found}",
                span,
                "write e.g. expect error R206;",
            )
        elif self.types()[-2:] in (["EXPECT", "STATUS"], ["EXPECT", "ERROR"]) or (
            self.types()[-2:] in (["EXPECT", "ACTIVITY"], ["EXPECT", "NO"])
            and token.type != "STRING"
        ):
            word = str(prev)
            self.report(
                f"after 'expect', '{word}' starts an expectation of its own, found {found}",
                span,
                f"to test the field '{word}', write lead.{word} or `{word}`",
            )
        elif prev.type == "ADVANCE" or (prev.type == "NUMBER" and "ADVANCE" in self.types()):
            self.report(
                f"expected a duration after 'advance', found {found}",
                span,
                "write e.g. advance 3 days;",
            )
        elif prev.type == "NAME" and "RETURNS" in expected:
            self.report(
                f"expected 'returns' after the webhook's name, found {found}",
                span,
                'write mock webhook NAME returns "{...}";',
            )
        else:
            return False
        return True

    def types(self) -> list[str]:
        return [t.type for t in self.statement]

    def check_swallowed_close(self) -> None:
        """Raise :class:`_MissingSemicolon` when a '>' opening a line was taken as '>'-comparison."""
        if not self.opened:
            return
        tokens = self.statement
        for i in range(1, len(tokens)):
            t = tokens[i]
            if t.type != "MORETHAN" or t.start_pos is None:
                continue
            line_start = self.text.rfind("\n", 0, t.start_pos) + 1
            if self.text[line_start : t.start_pos].strip():
                continue
            before = tokens[i - 1]
            offset = before.end_pos if before.end_pos is not None else t.start_pos
            diag = Diagnostic(
                "E001",
                f"missing ';' after {self.describe(before)}",
                self.after(before),
                "every simple statement ends with ';'",
            )
            raise _MissingSemicolon(offset, diag)

    def unknown_keyword(self, token: Token, expected: set[str]) -> None:
        g = self.g
        if str(token) in _TEST_WORDS and "STOP" in expected:
            self.report(
                f"'{token}' is a test line: it stands on a test's own lines, not in a block",
                self.span(token),
                'write it directly in test "NAME" < ... >, outside any if/retry block',
            )
            return
        candidates = sorted({g.word(n).strip("'") for n in expected if n in g.display})
        candidates = [c for c in candidates if c.isalpha()]
        import difflib  # only for an unknown word (start-up)

        close = difflib.get_close_matches(str(token), candidates, n=1, cutoff=0.6)
        if "STOP" in expected:
            what = "step" if not expected & g.clause_starts else "step or clause"
        else:
            what = "declaration"
        hint = f"did you mean '{close[0]}'?" if close else None
        if hint is None and what != "declaration":
            hint = "a step starts with a keyword such as 'set', 'call', 'send', 'if'"
        self.report(f"unknown {what} '{token}'", self.span(token), hint)
