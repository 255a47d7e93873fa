"""Symbol tables produced by the checker and used by the interpreter."""

from __future__ import annotations

from enum import Enum

from camp.grammar import ast as A
from camp.grammar.node import dataclass, field
from camp.grammar.span import Span
from camp.stdlib.registry import Registry
from camp.types import Type, Value


class Kind(Enum):
    EXECUTABLE = "executable"
    TRIGGER = "trigger"
    BATCH = "batch"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    type: Type
    default: Value
    span: Span | None  # None for the built-in fields
    read_only: bool = False
    # An implicit field reads as its default when a lead has no value, but is not
    # stored (nor written to --out) until the input or a step gives it one.
    implicit: bool = False


# Marketo's e-mail blocking flags (M): every lead has them, false unless set.
BLOCKING_FIELDS = ("marketing_suspended", "email_invalid", "black_listed")

BUILTIN_FIELDS = (
    FieldInfo("id", Type.NUMBER, None, None, read_only=True),
    FieldInfo("email", Type.TEXT, None, None),
    FieldInfo("unsubscribed", Type.BOOLEAN, False, None),
    *(FieldInfo(name, Type.BOOLEAN, False, None, implicit=True) for name in BLOCKING_FIELDS),
)


@dataclass(eq=False)
class ProgramInfo:
    decl: A.Program
    tokens: dict[str, A.TokenDecl]
    statuses: list[str]  # progression order
    step: dict[str, int] = field(default_factory=dict)  # status -> progression step
    success: frozenset[str] = frozenset()  # the success statuses (M)

    @property
    def name(self) -> str:
        return self.decl.name


@dataclass(eq=False)
class CampaignInfo:
    decl: A.Campaign
    kind: Kind
    program: ProgramInfo | None
    qualify: A.QualifyRule
    qualify_interval: A.Duration | None
    triggers: tuple[A.Trigger, ...]
    filters: tuple[A.Expr, ...]
    schedules: tuple[A.Schedule, ...]
    steps: tuple[A.Step, ...]
    calls: list[A.CallStep] = field(default_factory=list)  # every call step, nested ones too

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def file(self) -> str:
        return self.decl.span.file


@dataclass
class Symbols:
    """Everything the interpreter needs to know about a checked program."""

    campaigns: dict[str, CampaignInfo]
    programs: dict[str, ProgramInfo]
    webhooks: dict[str, A.WebhookDecl]
    fields: dict[str, FieldInfo]  # declared + built-in fields, in schema order
    closed: bool  # a `fields` block exists: the schema is closed
    functions: Registry
    sources: dict[str, str]
    max_depth: int

    def field_type(self, name: str) -> Type:
        info = self.fields.get(name)
        return info.type if info is not None else Type.ANY
