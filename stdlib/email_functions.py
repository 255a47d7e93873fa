"""Email functions: email_domain and is_valid_email (email-validator, syntax only)."""

from __future__ import annotations

from camp.stdlib._common import Example, define, null_propagating, want_text
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value

EMAIL = Param("email", Type.TEXT)


@null_propagating
def _email_domain(ctx: CallContext, email: Value) -> Value:
    text = want_text("email_domain", "email", email).strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return None
    return domain.lower()


def is_valid_email(text: str) -> bool:
    """Whether ``text`` is a valid address, by syntax only (never a DNS query)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _is_valid_email(ctx: CallContext, email: Value) -> Value:
    if email is None:
        return False
    return is_valid_email(want_text("is_valid_email", "email", email))


FUNCTIONS: list[Function] = [
    define(
        "email_domain",
        (EMAIL,),
        Type.TEXT,
        "The lower-cased part after the last @ of an address, or null when there is none.",
        _email_domain,
        Example(("Ana@Example.COM",), "example.com"),
    ),
    define(
        "is_valid_email",
        (EMAIL,),
        Type.BOOLEAN,
        "Whether the text is a syntactically valid email address (checked by "
        "email-validator without DNS; null and surrounding spaces are invalid).",
        _is_valid_email,
        Example(("ana@example",), False),
    ),
]
