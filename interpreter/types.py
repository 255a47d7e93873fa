"""The value types of Camp, shared by the checker, the stdlib registry and the runtime.

Run-time representation of each type:

- ``TEXT``: ``str``
- ``NUMBER``: ``decimal.Decimal`` (never ``float``: ``0.1 + 0.2 == 0.3``)
- ``BOOLEAN``: ``bool``
- ``DATE``: ``datetime.date``
- ``DATETIME``: ``datetime.datetime`` (naive, simulation time)
- ``LIST``: ``tuple`` of values
- null: ``None`` (every type admits it)
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from enum import Enum
from typing import Union


class Type(Enum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"
    ANY = "any"  # unknown statically (open schema, untyped argument)
    NULL = "null"  # the literal null: compatible with every type

    def __str__(self) -> str:
        return self.value


Value = Union[str, Decimal, bool, _dt.date, _dt.datetime, tuple["Value", ...], None]

FIELD_TYPES: dict[str, Type] = {
    "text": Type.TEXT,
    "number": Type.NUMBER,
    "boolean": Type.BOOLEAN,
    "date": Type.DATE,
    "datetime": Type.DATETIME,
}


def compatible(expected: Type, actual: Type) -> bool:
    """Whether a value of static type ``actual`` may stand where ``expected`` is wanted."""
    if expected is Type.ANY or actual is Type.ANY or actual is Type.NULL:
        return True
    if expected is actual:
        return True
    # A date compares and assigns where a datetime is wanted (midnight), and back.
    return {expected, actual} == {Type.DATE, Type.DATETIME}


def type_of(value: Value) -> Type:
    """The run-time type of a value (``NULL`` for ``None``)."""
    if value is None:
        return Type.NULL
    if isinstance(value, bool):
        return Type.BOOLEAN
    if isinstance(value, str):
        return Type.TEXT
    if isinstance(value, Decimal):
        return Type.NUMBER
    if isinstance(value, _dt.datetime):
        return Type.DATETIME
    if isinstance(value, _dt.date):
        return Type.DATE
    return Type.LIST
