"""Typed JSON for stored values: a lead's fields, and times.

A lead's fields are stored as one JSON array of alternating names and values,
``["email", "ana@example.com", "score", 42, ...]``, so field order survives
and the top level is never mistaken for a tagged value. Values:

- text, booleans, null: themselves;
- numbers: a JSON integer when integral, else ``{"n": "2.5"}`` (exact decimal);
- dates ``{"d": "2026-12-01"}``, date-times ``{"t": "2026-12-01T09:00:00"}``;
- lists: JSON arrays of values.

Decoding gives back exactly the Python values of :mod:`camp.types`
(``Decimal``, ``bool``, ``date``, ``datetime``, ``tuple``...).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from camp.types import Value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return {"n": str(value)}
    if isinstance(value, _dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"d": value.isoformat()}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> Any:
    if "n" in obj:
        return Decimal(obj["n"])
    if "t" in obj:
        return _dt.datetime.fromisoformat(obj["t"])
    if "d" in obj:
        return _dt.date.fromisoformat(obj["d"])
    raise ValueError(f"unknown tagged value {obj!r}")


def _make_dumps(default: Any) -> Callable[[Any], str]:
    """A compact ``json.dumps`` made once: the per-call set-up of ``json.dumps`` costs more
    than encoding a small object."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        encoder = json.JSONEncoder(
            default=default, separators=(",", ":"), ensure_ascii=False, check_circular=False
        )
        return encoder.encode
    c_encode = make(
        None, default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )

    def dumps(obj: Any) -> str:
        return "".join(c_encode(obj, 0))

    return dumps


_dumps = _make_dumps(_default)
_decoder = json.JSONDecoder(object_hook=_hook, parse_int=Decimal, parse_float=Decimal)

#: Compact JSON of plain JSON data (activity attributes), UTF-8 kept.
dumps_json = _make_dumps(None)


def encode_fields(fields: dict[str, Value]) -> str:
    flat: list[Any] = []
    for name, value in fields.items():
        flat.append(name)
        flat.append(value)
    return _dumps(flat)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def decode_fields(text: str) -> dict[str, Value]:
    flat = _decoder.decode(text)
    it = iter(flat)
    fields: dict[str, Value] = dict(zip(it, it, strict=False))
    if text.count("[") > 1:  # a list value (rare): JSON arrays become tuples
        for name, value in fields.items():
            if isinstance(value, list):
                fields[name] = _tuples(value)
    return fields


def encode_value(value: Value) -> str:
    return _dumps(value)


def decode_value(text: str) -> Value:
    return _tuples(_decoder.decode(text))  # type: ignore[no-any-return]


def time_text(when: _dt.datetime) -> str:
    """How times are stored: ISO text to the second, which sorts in time order."""
    return when.isoformat(timespec="seconds")


def parse_time(text: str | None) -> _dt.datetime | None:
    return None if text is None else _dt.datetime.fromisoformat(text)


def email_key(value: Value) -> str | None:
    """The key leads are matched on by e-mail: trimmed, case-insensitive."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip().casefold()
    return text or None
