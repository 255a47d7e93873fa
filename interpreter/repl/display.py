"""How the REPL shows values, activities and leads."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from camp.runtime.values import format_number
from camp.runtime.world import Lead
from camp.types import Value

from .parsing import SYNTHETIC, SYNTHETIC_DISPLAY

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def quote(text: str) -> str:
    """A Camp string literal for ``text``."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def format_value(value: Value) -> str:
    """A value as Camp writes it: ``"text"``, ``2.5``, ``true``, ``null``, ISO dates, ``[..]``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)  # pragma: no cover - no other value types exist


def format_json(value: Any) -> str:
    """An activity attribute (already JSON-shaped) in Camp's notation."""
    if isinstance(value, bool) or value is None:
        return format_value(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(Decimal(repr(value)))
    if isinstance(value, list):
        return "[" + ", ".join(format_json(v) for v in value) + "]"
    return quote(str(value))


_NAMES = frozenset({"field", "target", "webhook", "code", "trigger"})  # shown unquoted


def campaign_name(name: str) -> str:
    return SYNTHETIC_DISPLAY if name == SYNTHETIC else name


def format_activity(record: dict[str, Any], current: int | None = None) -> str:
    """``[Shout] Change Data Value field=first_name old="ana" new="ANA"``.

    The lead is named only when it is not the current lead.
    """
    head = f"[{campaign_name(str(record.get('campaign', '')))}] {record.get('type', '')}"
    if record.get("lead") != current:
        head = f"lead {record.get('lead')}  {head}"
    parts = []
    for key, value in record.items():
        if key in ("lead", "time", "campaign", "type"):
            continue
        shown = str(value) if key in _NAMES and isinstance(value, str) else format_json(value)
        parts.append(f"{key}={shown}")
    return " ".join([head, *parts])


def describe_lead(lead: Lead, order: list[str]) -> list[str]:
    """The lines of ``:show``: fields (schema order first), lists and program statuses."""
    email = lead.fields.get("email")
    lines = [f"lead {lead.id}" + (f" ({email})" if email else "")]
    names = [n for n in order if n in lead.fields and n != "id"]
    names += [n for n in lead.fields if n not in names and n != "id"]
    width = max((len(n) for n in names), default=0)
    for name in names:
        lines.append(f"  {name.ljust(width)}  {format_value(lead.fields[name])}")
    if not names:
        lines.append("  (no fields)")
    lists = ", ".join(quote(x) for x in sorted(lead.lists)) or "(none)"
    lines.append(f"  lists: {lists}")
    if lead.statuses:
        for program, status in lead.statuses.items():
            lines.append(f"  status in {quote(program)}: {quote(status)}")
    else:
        lines.append("  statuses: (none)")
    return lines
