"""What may be typed at a cursor: the parser's own view of the text before it.

The text before the cursor (from the start of the enclosing top-level
declaration) is fed to the same LALR parser that checks files, with the same
error recovery; the terminals its final state accepts, and the last tokens,
say whether a step, an expression, a campaign name after ``call`` ... comes
next. Inside strings (where the parser sees one token) a look at the line
decides: ``expect activity "`` (tests), ``import "``, ``{{my.``, statuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from camp.grammar.parser import StartRule, _Driver, _new_state, grammar
from lark import Token

# What comes next, besides the keywords the parser accepts.
EXECUTABLES = "executables"  # after `call`
REQUESTABLE = "requestable"  # after `request`
WEBHOOKS = "webhooks"  # after the step `webhook`
TOKENS = "tokens"  # after `my.` (and `{{my.` in strings)
FIELDS = "fields"  # after `lead.`, `set`, `on change`, `{{lead.`, in backquotes
EXPRESSION = "expression"  # fields, functions, literals, tokens
ACTIVITY = "activity"  # in `expect activity "`
IMPORT_PATH = "import"  # in `import "`
STATUSES = "statuses"  # in `change status to "`
PROGRAMS = "programs"  # in `status change in "` / `change status in "`
NOTHING = "nothing"  # a new name, a comment, a string without meaning

_TOP = re.compile(r"^(?:campaign|executable|program|fields|webhook|import)\b", re.MULTILINE)
_CAMPAIGN = re.compile(r"^[ \t]*(?:executable[ \t]+)?campaign\b", re.MULTILINE)
_WORD_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ACTIVITY = re.compile(r"\bexpect\s+(?:no\s+|\d+\s+)?activity\s+\"([^\"\n]*)\Z")
_IMPORT = re.compile(r"\bimport\s+\"([^\"\n]*)\Z")
_IN_TOKEN = re.compile(r"\{\{\s*(my|lead)\s*\.\s*([A-Za-z0-9_]*)\Z")
_STATUS_TO = re.compile(r"\bchange\s+status\s+(?:in\s+\"[^\"\n]*\"\s+)?to\s+\"([^\"\n]*)\Z")
_PROGRAM_IN = re.compile(
    r"\bstatus\s+change\s+in\s+\"([^\"\n]*)\Z|\bchange\s+status\s+in\s+\"([^\"\n]*)\Z"
)


@dataclass
class Context:
    kind: str  # one of the constants above
    prefix: str  # the part of the word already typed (replaced by the completion)
    keywords: list[str] = field(default_factory=list)  # keywords the parser accepts here
    step: bool = False  # a step may start here
    clause: bool = False  # a clause may start here
    declaration: bool = False  # a top-level declaration may start here


def _string_state(line: str) -> tuple[bool, bool]:
    """(inside a string, inside a comment) at the end of ``line``."""
    inside = escaped = False
    for ch in line:
        if inside and escaped:
            escaped = False
        elif inside and ch == "\\":
            escaped = True
        elif ch == '"':
            inside = not inside
        elif ch == "#" and not inside:
            return False, True
    return inside, False


def _in_string(line: str) -> Context:
    m = _ACTIVITY.search(line)
    if m:
        return Context(ACTIVITY, m.group(1))
    m = _IMPORT.search(line)
    if m:
        return Context(IMPORT_PATH, m.group(1))
    m = _IN_TOKEN.search(line)
    if m:
        return Context(TOKENS if m.group(1) == "my" else FIELDS, m.group(2))
    m = _STATUS_TO.search(line)
    if m:
        return Context(STATUSES, m.group(1))
    m = _PROGRAM_IN.search(line)
    if m:
        return Context(PROGRAMS, m.group(1) or m.group(2) or "")
    return Context(NOTHING, "")


class _PrefixDriver(_Driver):
    """The parser's driver, without AST callbacks, stopping at the end of the text."""

    def __init__(self, text: str, start: StartRule = "start") -> None:
        g = grammar()
        super().__init__(g, text, "<completion>", start)
        self.state, self.lexer_thread = _new_state(g, text, start, {})
        self.conf = self.state.parse_conf
        self.last: list[Token] = []

    def fed(self, token: Token) -> None:
        self.last = [*self.last[-2:], token]

    def failed(self) -> None:
        self.last = []

    def expected(self) -> set[str]:
        return {k for k in self.conf.states[self.state.state_stack[-1]] if k.isupper()}


def completion_context(text: str, offset: int, start: StartRule = "start") -> Context:
    """What may be typed at character ``offset`` of ``text``.

    ``start`` is the grammar's start rule: ``"start"`` for a file (the language
    server), ``"statement"`` or ``"expression"`` for a line typed at the REPL.
    """
    before = text[:offset]
    line_start = before.rfind("\n") + 1
    line = before[line_start:]
    in_string, in_comment = _string_state(line)
    if in_comment:
        return Context(NOTHING, "")
    if in_string:
        return _in_string(line)
    if line.count("`") % 2 == 1:
        return Context(FIELDS, line[line.rfind("`") + 1 :])
    m = _WORD_TAIL.search(line)
    prefix = m.group(0) if m else ""
    if m and m.start() > 0 and line[m.start() - 1].isdigit():
        return Context(NOTHING, "")  # a number being typed
    cut = offset - len(prefix)
    if start != "start":
        return _classify(_run(text[:cut], start), prefix)
    begin = 0
    for top in _TOP.finditer(text, 0, cut):
        begin = top.start()
    # Inside a program the nearest campaign is a shorter start (a campaign parses at
    # the top level too), unless the cursor is past its end, between campaigns.
    starts = [begin]
    for c in _CAMPAIGN.finditer(text, begin, cut):
        starts[1:] = [c.start()]
    attempts = [text[begin:cut]]
    if len(starts) > 1:
        attempts.insert(0, text[starts[1] : cut])
        if text.startswith("program", begin):
            # Past the campaign's end, in the program's body: what a program accepts
            # after a campaign, without parsing the whole program again.
            attempts.insert(1, 'program "" <\n' + text[starts[1] : cut])
    driver = None
    for i, attempt in enumerate(attempts):
        driver = _run(attempt, "start")
        if driver is None or i == len(attempts) - 1 or driver.opened:
            break
    return _classify(driver, prefix)


def _run(text: str, start: StartRule) -> _PrefixDriver | None:
    driver = _PrefixDriver(text, start)
    try:
        driver.feed_all()
    except Exception:  # the driver's invariants broke on odd input: no context
        return None
    return driver


def _classify(driver: _PrefixDriver | None, prefix: str) -> Context:
    if driver is None:
        return Context(NOTHING, prefix)
    g = driver.g
    expected = driver.viable(driver.expected())
    words = sorted(
        w for w, term in g.keyword_terminals.items() if term in expected and w not in ("lead", "my")
    )
    ctx = Context(NOTHING, prefix, words)
    ctx.step = bool(g.step_starts) and g.step_starts <= expected
    ctx.clause = bool(g.clause_starts) and g.clause_starts <= expected
    ctx.declaration = bool(g.item_starts) and g.item_starts <= expected
    last = [t.type for t in driver.last]
    prev = last[-1] if last else None
    if prev == "CALL" and "NAME" in expected:
        ctx.kind = EXECUTABLES
    elif prev == "REQUEST" and "NAME" in expected:
        ctx.kind = REQUESTABLE
    elif prev == "WEBHOOK" and "NAME" in expected and (driver.opened or driver.start != "start"):
        ctx.kind = WEBHOOKS
    elif prev == "DOT" and len(last) >= 2 and last[-2] == "MY":
        ctx.kind = TOKENS
    elif (prev == "DOT" and len(last) >= 2 and last[-2] == "LEAD") or (
        prev in ("SET", "CHANGE", "RESPONSE") and "NAME" in expected
    ):
        ctx.kind = FIELDS
    elif "NAME" in expected and {"NUMBER", "STRING"} <= expected:
        ctx.kind = EXPRESSION
        ctx.keywords = [w for w in words if w not in ("true", "false", "null")]
    elif (
        "NAME" in expected
        and "BACKQUOTED" in expected
        and (prev == "LESSTHAN" or prev == "SEMICOLON")
        and not ctx.step
    ):
        ctx.kind = NOTHING  # a new field's name in a `fields` block
    return ctx
