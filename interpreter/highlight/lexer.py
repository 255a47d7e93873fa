"""The Pygments lexer for Camp (``*.camp``).

Registered through the ``pygments.lexers`` entry point in ``pyproject.toml``, so
``pygmentize -l camp FILE`` and ``pygmentize -g FILE.camp`` find it.

Camp's keywords are *soft*: ``email``, ``status``, ``list``, ``text`` ... are
keywords only where the grammar expects them and plain field names elsewhere.
The lexer follows the grammar's shape with states instead of treating every
keyword as reserved:

* inside a campaign body every statement starts with a keyword, so the first
  word of a statement selects a state for the rest of it (up to ``;`` or the
  ``<`` that opens a block);
* expressions know only the words that are reserved in every expression
  (``and or not is in ...``, ``true false null``, ``lead my``); every other
  word there is a field name (or a function name before ``(``);
* ``<`` and ``>`` are block punctuation right after ``then``/``else``/
  ``times`` or a declaration's name, comparison operators inside expressions.

The keyword tables below are hard-coded (importing the grammar would load
Lark on every ``pygmentize -L``); ``tests/highlight`` checks them against
``camp.grammar.parser.grammar().keywords``. This module imports nothing but
Pygments and the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from pygments.lexer import (  # type: ignore[import-untyped, unused-ignore]
    RegexLexer,
    bygroups,
    default,
    include,
    this,
    using,
    words,
)
from pygments.token import (  # type: ignore[import-untyped, unused-ignore]
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["KEYWORD_TABLES", "STDLIB_FUNCTIONS", "CampLexer"]

# ---- keyword tables (checked against the grammar by tests/highlight) --------

NAMESPACE_KEYWORDS = frozenset({"import"})
DECLARATION_KEYWORDS = frozenset(
    {
        "campaign",
        "executable",
        "fields",
        "webhook",
        "program",
        "token",
        "statuses",
        "success",
        "test",
    }
)
WEBHOOK_KEYWORDS = frozenset({"url", "method", "header", "body", "response"})
CLAUSE_KEYWORDS = frozenset({"on", "where", "qualify", "schedule", "once", "every", "time", "at"})
TRIGGER_KEYWORDS = frozenset(
    {"form", "page", "click", "event", "change", "created", "requested", "added", "status"}
)
STEP_KEYWORDS = frozenset(
    {
        "set",
        "call",
        "with",
        "parent",
        "tokens",
        "request",
        "send",
        "email",
        "operational",
        "alert",
        "to",
        "wait",
        "until",
        "webhook",
        "add",
        "remove",
        "from",
        "list",
        "in",
        "change",
        "status",
        "moment",
        "stop",
        "fail",
        "if",
        "then",
        "elif",
        "else",
        "retry",
        "times",
    }
)
TYPE_KEYWORDS = frozenset({"text", "number", "boolean", "date", "datetime"})
CONSTANT_KEYWORDS = frozenset({"true", "false", "null"})
UNIT_KEYWORDS = frozenset(
    {"minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months"}
)
OPERATOR_WORDS = frozenset(
    {"and", "or", "not", "is", "in", "contains", "starts", "ends", "with", "between"}
    | {"empty", "past"}
)
PSEUDO_KEYWORDS = frozenset({"lead", "my"})  # `lead.FIELD`, `my.TOKEN`
# The test-only lines (docs/testing.md); `lead <` and `at` reuse other tables' words.
TEST_KEYWORDS = frozenset(
    {"fire", "advance", "mock", "returns", "expect", "activity", "no", "error"}
)
WEEKDAY_KEYWORDS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
# `member of list "X"` / `member of program "P"` (`member` is a NAME to the parser,
# so it stays a Name here).
MEMBERSHIP_KEYWORDS = frozenset({"of"})

#: Every keyword the lexer knows, by category (category -> words).
KEYWORD_TABLES: dict[str, frozenset[str]] = {
    "namespace": NAMESPACE_KEYWORDS,
    "declaration": DECLARATION_KEYWORDS,
    "webhook": WEBHOOK_KEYWORDS,
    "clause": CLAUSE_KEYWORDS,
    "trigger": TRIGGER_KEYWORDS,
    "step": STEP_KEYWORDS,
    "type": TYPE_KEYWORDS,
    "constant": CONSTANT_KEYWORDS,
    "unit": UNIT_KEYWORDS,
    "operator": OPERATOR_WORDS,
    "pseudo": PSEUDO_KEYWORDS,
    "test": TEST_KEYWORDS,
    "membership": MEMBERSHIP_KEYWORDS,
    "weekday": WEEKDAY_KEYWORDS,
}

#: The standard library's functions (language design §4). A call of one of
#: these is Name.Builtin; a call of any other name is Name.Function.
STDLIB_FUNCTIONS = frozenset(
    {
        # text
        "lower",
        "upper",
        "trim",
        "title",
        "length",
        "replace",
        "substring",
        "split_part",
        "concat",
        "coalesce",
        # email
        "email_domain",
        "is_valid_email",
        # geography
        "country_code",
        "country_name",
        "state_code",
        # phone
        "phone_e164",
        # numbers
        "round",
        "abs",
        "min",
        "max",
        # dates
        "today",
        "now",
        "date",
        "datetime",
        "days_between",
        "add_days",
        # patterns
        "matches",
    }
)

# ---- regular expressions -----------------------------------------------------

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
BACKQUOTED = r"`[^`\n]+`"
_END = r"(?![A-Za-z0-9_])"  # a keyword is a whole word


def _kw(names: Iterable[str]) -> str:
    """A regex matching any of ``names`` as a whole word."""
    return r"(?:" + "|".join(sorted(names, key=lambda n: (-len(n), n))) + r")" + _END


def _w(*names: str) -> str:
    return _kw(names)


_GAP = r"(?:\s|#[^\n]*(?![^\n]))"  # whitespace and whole-line comments between two words
_gap = using(this, state="whitespace")
_SPACE = (r"\s+", Whitespace)
_COMMENT = (r"#[^\n]*", Comment.Single)


class CampLexer(RegexLexer):  # type: ignore[misc, unused-ignore]
    """Lexer for Camp, the marketing-automation campaign language."""

    name = "Camp"
    aliases: ClassVar[list[str]] = ["camp"]
    filenames: ClassVar[list[str]] = ["*.camp"]
    mimetypes: ClassVar[list[str]] = ["text/x-camp"]
    version_added = "0.1"

    flags = re.MULTILINE

    tokens: ClassVar[dict[str, list[object]]] = {
        # ---- shared pieces ------------------------------------------------
        "whitespace": [_SPACE, _COMMENT],
        "literals": [
            (r'"', String.Double, "string"),
            # durations: `2 days`, `1.5 hours` (only where the grammar asks for one)
            (
                rf"([0-9]+\.[0-9]+)(\s+)({_kw(UNIT_KEYWORDS)})",
                bygroups(Number.Float, Whitespace, Keyword.Pseudo),
            ),
            (
                rf"([0-9]+)(\s+)({_kw(UNIT_KEYWORDS)})",
                bygroups(Number.Integer, Whitespace, Keyword.Pseudo),
            ),
            (r"[0-9]+\.[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
        ],
        "expression": [
            include("whitespace"),
            include("literals"),
            (
                rf"(lead)(\s*)(\.)(\s*)({BACKQUOTED})",
                bygroups(Keyword.Pseudo, Whitespace, Punctuation, Whitespace, Name.Variable),
            ),
            (
                rf"(lead)(\s*)(\.)(\s*)({NAME})",
                bygroups(Keyword.Pseudo, Whitespace, Punctuation, Whitespace, Name),
            ),
            (
                rf"(my)(\s*)(\.)(\s*)({NAME})",
                bygroups(Keyword.Pseudo, Whitespace, Punctuation, Whitespace, Name.Variable),
            ),
            # trigger.old / trigger.new (`trigger` is a NAME to the parser)
            (
                rf"(trigger)(\s*)(\.)(\s*)(old|new){_END}",
                bygroups(
                    Name.Builtin.Pseudo, Whitespace, Punctuation, Whitespace, Name.Builtin.Pseudo
                ),
            ),
            (
                rf"(member)({_GAP}+)(of)({_GAP}+)(list|program){_END}",
                bygroups(Name, _gap, Operator.Word, _gap, Operator.Word),
            ),
            (_kw(CONSTANT_KEYWORDS), Keyword.Constant),
            (_kw(OPERATOR_WORDS), Operator.Word),
            (_kw(PSEUDO_KEYWORDS), Keyword.Pseudo),
            (words(sorted(STDLIB_FUNCTIONS), suffix=r"(?=\s*\()"), Name.Builtin),
            (rf"{NAME}(?=\s*\()", Name.Function),
            (NAME, Name),
            (BACKQUOTED, Name.Variable),
            (r"==|!=|<=|>=|\+=|-=|[-+*/%<>=]", Operator),
            (r"[(),\[\].:]", Punctuation),
        ],
        # The rest of a simple statement: an expression (or strings) up to `;`.
        "stmt-tail": [
            (r";", Punctuation, "#pop"),
            include("expression"),
        ],
        "string": [
            (r'"', String.Double, "#pop"),
            (r'\\(?:["\\nt]|u[0-9A-Fa-f]{4})', String.Escape),
            (r"\\.", Error),  # an unknown escape is a syntax error (E001)
            (r'\{\{(?:[^}"\\\n]|\}(?!\}))*\}\}', String.Interpol),
            (r'[^"\\{\n]+', String.Double),
            (r"\{", String.Double),
            default("#pop"),  # unterminated at the end of the line
        ],
        # One field reference: `country`, `Job Title` in backquotes, `lead.country`.
        "field-ref": [
            include("whitespace"),
            (
                rf"(lead)(\s*)(\.)(\s*)({BACKQUOTED})",
                bygroups(Keyword.Pseudo, Whitespace, Punctuation, Whitespace, Name.Variable),
                "#pop",
            ),
            (
                rf"(lead)(\s*)(\.)(\s*)({NAME})",
                bygroups(Keyword.Pseudo, Whitespace, Punctuation, Whitespace, Name),
                "#pop",
            ),
            (BACKQUOTED, Name.Variable, "#pop"),
            (NAME, Name, "#pop"),
            default("#pop"),
        ],
        # ---- top level ----------------------------------------------------
        "root": [
            include("whitespace"),
            (_w("import"), Keyword.Namespace, "stmt-tail"),
            (
                rf"(fields)({_GAP}*)(<)",
                bygroups(Keyword.Declaration, _gap, Punctuation),
                "fields",
            ),
            # `webhook NAME <` declares; `webhook NAME;` (a step) is in "statements"
            (
                rf"(webhook)({_GAP}+)({NAME})({_GAP}*)(<)",
                bygroups(Keyword.Declaration, _gap, Name.Function, _gap, Punctuation),
                "webhook",
            ),
            (_w("program"), Keyword.Declaration, "program-head"),
            include("campaign-decl"),
            (_w("test"), Keyword.Declaration, "campaign-head"),
            # A lone statement or expression (the REPL highlights its input too).
            include("statements"),
            (r";", Punctuation),
            include("expression"),
        ],
        "campaign-decl": [
            (
                r"(executable)(\s+)(campaign)" + _END,
                bygroups(Keyword.Declaration, Whitespace, Keyword.Declaration),
                "campaign-head",
            ),
            (_w("campaign"), Keyword.Declaration, "campaign-head"),
            (_w("executable"), Keyword.Declaration),
        ],
        "campaign-head": [
            include("whitespace"),
            (NAME, Name.Function),
            (r'"', String.Double, "string"),  # a test's name
            (r"<", Punctuation, ("#pop", "body")),
            default("#pop"),
        ],
        "fields": [
            include("whitespace"),
            (r">", Punctuation, "#pop"),
            (r":", Punctuation, "field-type"),
            (r";", Punctuation),
            include("expression"),
        ],
        "field-type": [
            include("whitespace"),
            (_kw(TYPE_KEYWORDS), Keyword.Type, "#pop"),
            default("#pop"),
        ],
        "webhook": [
            include("whitespace"),
            (r">", Punctuation, "#pop"),
            (_w("url", "method", "header", "body"), Keyword, "stmt-tail"),
            (_w("response"), Keyword, ("stmt-tail", "field-ref")),
            (r";", Punctuation),
            include("expression"),
        ],
        "program-head": [
            include("whitespace"),
            (r'"', String.Double, "string"),
            (r"<", Punctuation, ("#pop", "program")),
            default("#pop"),
        ],
        "program": [
            include("whitespace"),
            (r">", Punctuation, "#pop"),
            (
                rf"(token)(\s+)({NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Variable),
                "stmt-tail",
            ),
            (_w("token", "statuses", "success"), Keyword.Declaration, "stmt-tail"),
            include("campaign-decl"),
            (_w("test"), Keyword.Declaration, "campaign-head"),
            (r";", Punctuation),
            include("expression"),
        ],
        # ---- campaign bodies and blocks -------------------------------------
        "body": [
            include("whitespace"),
            (r">", Punctuation, "#pop"),
            include("statements"),
            (r";", Punctuation),
            include("expression"),
        ],
        # The first word of a clause or step (always a keyword).
        "statements": [
            (_w("on"), Keyword, "trigger"),
            (_w("where", "set"), Keyword, "stmt-tail"),
            (_w("qualify"), Keyword, "qualify"),
            (_w("schedule"), Keyword, "schedule"),
            (_w("call", "request", "webhook"), Keyword, "callee"),
            (_w("send"), Keyword, "send"),
            (_w("wait"), Keyword, "wait"),
            (_w("add", "remove"), Keyword, "list-step"),
            (_w("change"), Keyword, "change-step"),
            (_w("moment", "fail", "stop"), Keyword, "stmt-tail"),
            (_w("if", "elif"), Keyword, "condition"),
            (_w("else"), Keyword, "block-open"),
            (_w("until"), Keyword, "until"),
            (_w("retry"), Keyword, "retry"),
            # test-only lines
            (rf"(lead)({_GAP}*)(<)", bygroups(Keyword, _gap, Punctuation), "fields"),
            (_w("at", "advance"), Keyword, "stmt-tail"),
            (_w("fire"), Keyword, "fire"),
            (
                rf"(mock)({_GAP}+)(webhook)({_GAP}+)({NAME})",
                bygroups(Keyword, _gap, Keyword, _gap, Name.Function),
                "mock",
            ),
            (_w("expect"), Keyword, "expect"),
        ],
        "fire": [
            include("whitespace"),
            (_w("form", "page", "click", "event"), Keyword, ("#pop", "stmt-tail")),
            default(("#pop", "stmt-tail")),
        ],
        "mock": [
            (_w("returns"), Keyword),
            include("stmt-tail"),
        ],
        # Right after `expect`: which of the four forms (a condition otherwise).
        "expect": [
            include("whitespace"),
            (_w("no"), Keyword),
            (r"[0-9]+(?=\s+activity" + _END + ")", Number.Integer),
            (_w("activity"), Keyword, ("#pop", "stmt-tail")),
            (_w("error"), Keyword, ("#pop", "stmt-tail")),
            (
                r"(not)(\s+)(in)(\s+)(list)" + _END,
                bygroups(Operator.Word, Whitespace, Operator.Word, Whitespace, Keyword),
                ("#pop", "stmt-tail"),
            ),
            (
                r"(in)(\s+)(list)" + _END,
                bygroups(Operator.Word, Whitespace, Keyword),
                ("#pop", "stmt-tail"),
            ),
            (_w("status"), Keyword, ("#pop", "stmt-tail")),
            default(("#pop", "stmt-tail")),
        ],
        "trigger": [
            include("whitespace"),
            (
                r"(status)(\s+)(change)(\s+)(in)" + _END,
                bygroups(Keyword, Whitespace, Keyword, Whitespace, Keyword),
                ("#pop", "stmt-tail"),
            ),
            (
                r"(added)(\s+)(to)(\s+)(list)" + _END,
                bygroups(Keyword, Whitespace, Keyword, Whitespace, Keyword),
                ("#pop", "stmt-tail"),
            ),
            (
                _w("form", "page", "click", "event", "created", "requested"),
                Keyword,
                ("#pop", "stmt-tail"),
            ),
            (_w("change"), Keyword, ("#pop", "change-tail", "field-ref")),
            default(("#pop", "stmt-tail")),
        ],
        # `on change FIELD from TEST to TEST;`
        "change-tail": [
            (_w("from", "to"), Keyword),
            include("stmt-tail"),
        ],
        "qualify": [
            (_w("once", "every", "time"), Keyword),
            include("stmt-tail"),
        ],
        "schedule": [
            (_kw({"every", "day", "at", "month", "on"} | WEEKDAY_KEYWORDS), Keyword),
            include("stmt-tail"),
        ],
        "callee": [
            include("whitespace"),
            (NAME, Name.Function, ("#pop", "callee-tail")),
            default(("#pop", "stmt-tail")),
        ],
        "callee-tail": [
            (_w("with", "parent", "tokens"), Keyword),
            include("stmt-tail"),
        ],
        "send": [
            (_w("operational", "email", "alert"), Keyword),
            (_w("to"), Keyword, ("#pop", "stmt-tail")),
            include("stmt-tail"),
        ],
        "wait": [
            # `wait until next monday at "09:00";` (`next` is a NAME to the parser)
            (
                rf"(until)(\s+)(next)(\s+)({_kw(WEEKDAY_KEYWORDS)})(\s+)(at){_END}",
                bygroups(Keyword, Whitespace, Name, Whitespace, Keyword, Whitespace, Keyword),
                ("#pop", "stmt-tail"),
            ),
            (_w("until"), Keyword, ("#pop", "stmt-tail")),
            include("stmt-tail"),
        ],
        "list-step": [
            (_w("to", "from", "list"), Keyword),
            include("stmt-tail"),
        ],
        "change-step": [
            (_w("status", "in", "to"), Keyword),
            include("stmt-tail"),
        ],
        # `if`/`elif` condition up to `then`, then the block.
        "condition": [
            (_w("then"), Keyword, ("#pop", "block-open")),
            (r";", Punctuation, "#pop"),
            include("expression"),
        ],
        # After a retry block: `until C;` or `until C else < ... >`.
        "until": [
            (_w("else"), Keyword, ("#pop", "block-open")),
            include("stmt-tail"),
        ],
        "retry": [
            (_w("times"), Keyword, ("#pop", "block-open")),
            include("stmt-tail"),
        ],
        "block-open": [
            include("whitespace"),
            (r"<", Punctuation, ("#pop", "body")),
            default("#pop"),
        ],
    }

    @staticmethod
    def analyse_text(text: str) -> float:
        """A weak guess for ``pygmentize -g`` on input without a file name."""
        if re.search(rf"^\s*(?:executable\s+)?campaign\s+{NAME}\s*<", text, re.MULTILINE):
            return 0.3
        return 0.0
