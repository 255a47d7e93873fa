"""Text functions: lower upper trim title length replace substring split_part concat coalesce."""

from __future__ import annotations

from decimal import Decimal

from camp.stdlib._common import (
    MISSING,
    Example,
    Missing,
    define,
    fail,
    null_propagating,
    to_text,
    want_int,
    want_text,
)
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value

TEXT = Param("text", Type.TEXT)

# Characters after which ``title`` starts a new word.
_WORD_BREAKS = frozenset(" \t\n\r\f\v-/(")


@null_propagating
def _lower(ctx: CallContext, text: Value) -> Value:
    return want_text("lower", "text", text).lower()


@null_propagating
def _upper(ctx: CallContext, text: Value) -> Value:
    return want_text("upper", "text", text).upper()


@null_propagating
def _trim(ctx: CallContext, text: Value) -> Value:
    return want_text("trim", "text", text).strip()


def title_case(text: str) -> str:
    """Capitalise each word, lower-case the rest: ``mary-jane o'neil`` → ``Mary-Jane O'Neil``.

    A word starts after whitespace, ``-``, ``/`` or ``(``, and after an apostrophe
    that follows a one-letter word start (``O'Neil``, ``D'Angelo``; but ``It's``).
    """
    out: list[str] = []
    word_start = True
    letters_in_word = 0
    for ch in text:
        if ch in _WORD_BREAKS:
            word_start, letters_in_word = True, 0
            out.append(ch)
            continue
        if ch in "'’" and letters_in_word == 1:
            word_start, letters_in_word = True, 0
            out.append(ch)
            continue
        out.append(ch.upper() if word_start else ch.lower())
        if ch.isalnum():
            word_start = False
            letters_in_word += 1
    return "".join(out)


@null_propagating
def _title(ctx: CallContext, text: Value) -> Value:
    return title_case(want_text("title", "text", text))


@null_propagating
def _length(ctx: CallContext, text: Value) -> Value:
    return Decimal(len(want_text("length", "text", text)))


@null_propagating
def _replace(ctx: CallContext, text: Value, search: Value, replacement: Value) -> Value:
    subject = want_text("replace", "text", text)
    old = want_text("replace", "search", search)
    new = want_text("replace", "replacement", replacement)
    if old == "":
        return subject
    return subject.replace(old, new)


@null_propagating
def _substring(
    ctx: CallContext, text: Value, start: Value, length: Value | Missing = MISSING
) -> Value:
    subject = want_text("substring", "text", text)
    first = want_int("substring", "start", start)
    # PostgreSQL semantics: the window [start, start + length) clipped to the text.
    begin = max(first, 1)
    if length is MISSING:
        return subject[begin - 1 :]
    count = want_int("substring", "length", length)
    if count < 0:
        fail("substring", f"'length' must not be negative, got {count}")
    end = first + count
    if end <= begin:
        return ""
    return subject[begin - 1 : end - 1]


@null_propagating
def _split_part(ctx: CallContext, text: Value, delimiter: Value, n: Value) -> Value:
    subject = want_text("split_part", "text", text)
    separator = want_text("split_part", "delimiter", delimiter)
    index = want_int("split_part", "n", n)
    if index == 0:
        fail("split_part", "'n' must not be 0 (1 is the first part, -1 the last)")
    parts = subject.split(separator) if separator else [subject]
    position = index - 1 if index > 0 else len(parts) + index
    return parts[position] if 0 <= position < len(parts) else ""


def _concat(ctx: CallContext, *values: Value) -> Value:
    return "".join(to_text(value) for value in values)


def _coalesce(ctx: CallContext, *values: Value) -> Value:
    for value in values:
        if value is not None and value != "":
            return value
    return None


FUNCTIONS: list[Function] = [
    define(
        "lower",
        (TEXT,),
        Type.TEXT,
        "The text in lower case.",
        _lower,
        Example(("Ana@Example.COM",), "ana@example.com"),
    ),
    define(
        "upper",
        (TEXT,),
        Type.TEXT,
        "The text in upper case.",
        _upper,
        Example(("us",), "US"),
    ),
    define(
        "trim",
        (TEXT,),
        Type.TEXT,
        "The text without leading and trailing whitespace (inner spaces are kept).",
        _trim,
        Example(("  Acme Inc ",), "Acme Inc"),
    ),
    define(
        "title",
        (TEXT,),
        Type.TEXT,
        "Each word capitalised and the rest lower-cased; words also start after '-' and "
        "after an initial like O'.",
        _title,
        Example(("mary-jane O'NEIL",), "Mary-Jane O'Neil"),
    ),
    define(
        "length",
        (TEXT,),
        Type.NUMBER,
        "The number of characters (Unicode code points) in the text.",
        _length,
        Example(("Zoë",), Decimal(3)),
    ),
    define(
        "replace",
        (TEXT, Param("search", Type.TEXT), Param("replacement", Type.TEXT)),
        Type.TEXT,
        "The text with every occurrence of search (exact, case-sensitive) replaced; "
        "an empty search changes nothing.",
        _replace,
        Example(("+1 415-555-0123", "-", ""), "+1 4155550123"),
    ),
    define(
        "substring",
        (TEXT, Param("start", Type.NUMBER), Param("length", Type.NUMBER, optional=True)),
        Type.TEXT,
        "The part of the text from position start (the first character is 1) of at most "
        "length characters, or to the end, as in SQL.",
        _substring,
        Example(("Marketo", Decimal(1), Decimal(6)), "Market"),
    ),
    define(
        "split_part",
        (TEXT, Param("delimiter", Type.TEXT), Param("n", Type.NUMBER)),
        Type.TEXT,
        'The n-th field of the text split at delimiter (1 is the first, -1 the last; "" '
        "when there is no such field), as in PostgreSQL.",
        _split_part,
        Example(("ana@example.com", "@", Decimal(2)), "example.com"),
    ),
    define(
        "concat",
        (Param("value", Type.ANY),),
        Type.TEXT,
        'The values joined as text, null counting as "" (numbers as 2.5, dates as '
        "2026-03-14, datetimes as 2026-03-14 09:30:00, booleans as true/false, lists as "
        '"a, b"), as + does.',
        _concat,
        Example(("Jane", " ", None, "Doe"), "Jane Doe"),
        variadic=True,
    ),
    define(
        "coalesce",
        (Param("value", Type.ANY),),
        Type.ANY,
        'The first value that is neither null nor "", or null if there is none.',
        _coalesce,
        Example((None, "", "Unknown"), "Unknown"),
        variadic=True,
    ),
]
