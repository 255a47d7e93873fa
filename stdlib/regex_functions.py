"""matches(text, pattern): a regular expression (the ``regex`` module) with a time limit."""

from __future__ import annotations

from camp.stdlib._common import Example, define, fail, null_propagating, want_text
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value


@null_propagating
def _matches(ctx: CallContext, text: Value, pattern: Value) -> Value:
    import regex  # type: ignore[import-untyped]

    subject = want_text("matches", "text", text)
    source = want_text("matches", "pattern", pattern)
    try:
        compiled = regex.compile(source)
    except regex.error as error:
        fail("matches", f"invalid regular expression {source!r}: {error}")
    try:
        return compiled.search(subject, timeout=ctx.regex_timeout) is not None
    except TimeoutError:
        fail(
            "matches",
            f"regular expression {source!r} took longer than the time limit of "
            f"{ctx.regex_timeout:g} s on a text of {len(subject)} characters",
        )


FUNCTIONS: list[Function] = [
    define(
        "matches",
        (Param("text", Type.TEXT), Param("pattern", Type.TEXT)),
        Type.BOOLEAN,
        "Whether the regular expression matches somewhere in the text (case-sensitive; "
        "anchor with ^ and $, ignore case with (?i)); a slow pattern fails at the time limit.",
        _matches,
        Example(("Jane.Doe@ACME.com", "(?i)@acme\\.com$"), True),
    ),
]
