"""Checking ``test`` declarations (docs/testing.md): a test body is checked like a
campaign's flow, plus the test-only lines (lead values, the clock, mocks, expectations).

The activity types and their attributes are the table of the language reference's
tool contract (spec §7); ``expect activity`` is checked against it (E308, E309).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from camp.grammar import ast as A
from camp.grammar.ast import all_tests
from camp.types import Type, compatible, type_of

from .symbols import CampaignInfo, Kind, ProgramInfo

if TYPE_CHECKING:
    from .checker import Checker

# Every activity has these (the activity log's own columns).
COMMON_ATTRIBUTES = ("campaign", "time")

ACTIVITY_TYPES: dict[str, tuple[str, ...]] = {
    "Change Data Value": ("field", "old", "new"),
    "Change Score": ("field", "old", "new", "change"),
    "Execute Campaign": ("target", "qualified"),
    "Request Campaign": ("target",),
    "Campaign Run": ("trigger",),
    "Send Email": ("email",),
    "Email Blocked": ("email", "reason"),
    "Send Alert": ("alert", "to"),
    "Wait": ("until",),
    "Resume": ("until",),
    "Call Webhook": ("webhook", "url"),
    "Add to List": ("list",),
    "Remove from List": ("list",),
    "Change Program Status": ("program", "old", "new", "applied", "success"),
    "Interesting Moment": ("description",),
    "Remove from Flow": (),
    "Retry Attempt": ("attempt", "succeeded"),
    "Flow Error": ("code", "message", "stack"),
}

# Campaign errors a test can expect (spec §8).
ERROR_CODES = ("R201", "R202", "R203", "R204", "R205", "R206", "R207")

TEST_LINE_WORDS: dict[type, str] = {
    A.TestLead: "lead",
    A.TestAt: "at",
    A.Fire: "fire",
    A.Advance: "advance",
    A.MockWebhook: "mock webhook",
    A.ExpectCondition: "expect",
    A.ExpectActivity: "expect",
    A.ExpectError: "expect",
    A.ExpectInList: "expect",
    A.ExpectStatus: "expect",
}


def flow_name(test: A.TestDecl) -> str:
    """The name a test's flow has in activities and stacks; never a campaign's name."""
    return f'test "{test.name}"'


def flow_info(test: A.TestDecl, programs: dict[str, ProgramInfo]) -> CampaignInfo:
    """The test's body as a batch flow (tokens of its program, if any)."""
    decl = A.Campaign(flow_name(test), False, (), test.span, test.name_span, test.program)
    steps = tuple(i for i in test.body if not isinstance(i, A.TEST_LINES))
    program = programs.get(test.program) if test.program is not None else None
    return CampaignInfo(
        decl,
        Kind.BATCH,
        program,
        A.QualifyRule.EVERY_TIME,
        None,
        (),
        (),
        (),
        steps,
        [s for s in _walk(steps) if isinstance(s, A.CallStep)],
    )


def _walk(steps: tuple[A.Step, ...]) -> Iterator[A.Step]:
    from .checker import walk_steps

    return walk_steps(steps)


def parse_test_time(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None


class TestChecker:
    """The test rules, run by :class:`~camp.checker.checker.Checker` after the campaigns."""

    __test__ = False  # not a pytest test class

    def __init__(self, checker: Checker) -> None:
        self.c = checker

    def run(self, tests: list[A.TestDecl]) -> None:
        """Check ``tests``: every test of the loaded files (:func:`all_tests`)."""
        seen: dict[str, A.TestDecl] = {}
        for test in tests:
            first = seen.get(test.name)
            if first is not None:
                self.c.error(
                    "E305",
                    f"duplicate test name '{test.name}': already declared at {first.name_span}",
                    test.name_span,
                    "give each test its own name (camp test -k selects tests by name)",
                )
            else:
                seen[test.name] = test
            self.check_test(test)

    def check_test(self, test: A.TestDecl) -> None:
        c = self.c
        info = flow_info(test, c.programs)
        c._contexts[info.name] = [(info.program,) if info.program is not None else ()]
        seen_step = seen_lead = False
        for item in test.body:
            if isinstance(item, A.TestLead | A.TestAt):
                word = TEST_LINE_WORDS[type(item)]
                if seen_step:
                    c.error(
                        "E401",
                        f"'{word}' after a step: a test's lead and clock are set before its "
                        "first step",
                        item.span,
                        f"move the '{word}' line to the top of the test",
                    )
                if isinstance(item, A.TestLead):
                    if seen_lead:
                        c.error("E305", "a test has at most one 'lead' block", item.span)
                    seen_lead = True
                    self.check_lead(item)
                elif parse_test_time(item.at) is None:
                    c.error(
                        "E304",
                        f"'{item.at}' is not a valid date and time",
                        item.at_span,
                        'write it as "YYYY-MM-DDTHH:MM:SS"',
                    )
                continue
            if isinstance(item, A.TEST_LINES):
                self.check_line(info, item)
            elif not self.runs_batch(item):
                c.check_step(info, item, in_retry=False)
            seen_step = True

    def runs_batch(self, step: A.Step) -> bool:
        """``call BATCH;`` on a test's own line is "Run Now" for the test's lead."""
        if not isinstance(step, A.CallStep) or step.parent_tokens:
            return False
        target = self.c.campaigns.get(step.target)
        return target is not None and target.kind is Kind.BATCH

    def check_lead(self, lead: A.TestLead) -> None:
        c = self.c
        names: set[str] = set()
        for ref, const in lead.values:
            if ref.name in names:
                c.error("E305", f"field '{ref.name}' given twice in the lead block", ref.span)
            names.add(ref.name)
            if ref.name == "id":
                value = const.value
                if not isinstance(value, Decimal) or value != value.to_integral_value():
                    c.error("E304", "a lead's id is a whole number", const.span)
                continue
            ftype = c.field_type(ref)
            vtype = type_of(const.value)
            if ftype in (Type.DATE, Type.DATETIME) and vtype is Type.TEXT:
                assert isinstance(const.value, str)
                if parse_test_time(const.value) is None:
                    c.error(
                        "E304",
                        f"'{const.value}' is not a valid {ftype} for field '{ref.name}'",
                        const.span,
                        'write it as "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS"',
                    )
                continue
            if not compatible(ftype, vtype):
                c.error(
                    "E304",
                    f"cannot give {ftype} field '{ref.name}' a {vtype} value in a lead block",
                    const.span,
                )

    def check_line(self, info: CampaignInfo, line: A.TestLine) -> None:
        c = self.c
        if isinstance(line, A.Fire):
            c.check_str(info, line.name)
        elif isinstance(line, A.MockWebhook):
            if line.name not in c.webhooks:
                from .checker import suggest

                c.error(
                    "E306",
                    f"undefined webhook '{line.name}'",
                    line.name_span,
                    suggest(line.name, c.webhooks),
                )
            try:
                json.loads(line.response)
            except ValueError as e:
                c.error(
                    "E304",
                    f"the mock's answer is not valid JSON: {e}",
                    line.response_span,
                    'write the JSON in a string: returns "{\\"company\\": {\\"name\\": \\"Acme\\"}}"',
                )
        elif isinstance(line, A.ExpectCondition):
            c.expect_boolean(info, line.condition, "an 'expect' condition")
        elif isinstance(line, A.ExpectActivity):
            self.check_expect_activity(info, line)
        elif isinstance(line, A.ExpectError):
            if line.code not in ERROR_CODES:
                from .checker import suggest

                c.error(
                    "E308",
                    f"unknown campaign error code '{line.code}'",
                    line.code_span,
                    suggest(line.code, ERROR_CODES)
                    or "campaign errors are " + ", ".join(ERROR_CODES),
                )
        elif isinstance(line, A.ExpectInList):
            c.check_str(info, line.list_name)
        elif isinstance(line, A.ExpectStatus):
            self.check_expect_status(info, line)

    def check_expect_activity(self, info: CampaignInfo, line: A.ExpectActivity) -> None:
        from .checker import suggest

        c = self.c
        attributes = ACTIVITY_TYPES.get(line.type_name)
        if attributes is None:
            c.error(
                "E308",
                f"unknown activity type '{line.type_name}'",
                line.type_span,
                suggest(line.type_name, ACTIVITY_TYPES)
                or "the activity types are listed in docs/testing.md",
            )
            return
        known = (*attributes, *COMMON_ATTRIBUTES)
        for test in line.tests:
            subject, others = _subject(test)
            if not isinstance(subject, A.FieldRef):
                c.error(
                    "E309",
                    "after 'with', each test starts with an activity attribute",
                    test.span,
                    f'e.g. with {known[0]} is "..."',
                )
                continue
            if subject.name not in known:
                c.error(
                    "E309",
                    f"'{line.type_name}' activities have no attribute '{subject.name}'",
                    subject.span,
                    suggest(subject.name, known) or f"its attributes: {', '.join(known)}",
                )
            for other, list_ok in others:
                c.infer(info, other, list_ok=list_ok)

    def check_expect_status(self, info: CampaignInfo, line: A.ExpectStatus) -> None:
        c = self.c
        c.check_str(info, line.program)
        program = c.known_program(line.program.plain, line.program.span)
        if program is not None:
            c.check_status_of(program, line.status.plain, line.status.span)


def _subject(test: A.Expr) -> tuple[A.Expr | None, list[tuple[A.Expr, bool]]]:
    """The attribute a ``with`` test is about, and its other operands (with list_ok)."""
    if isinstance(test, A.Binary) and test.op not in A.LOGICAL and test.op not in A.ARITHMETIC:
        return test.left, [(test.right, test.op in (A.BinOp.IN, A.BinOp.NOT_IN))]
    if isinstance(test, A.IsEmpty):
        return test.value, []
    if isinstance(test, A.Between):
        return test.value, [(test.low, False), (test.high, False)]
    if isinstance(test, A.InPast):
        return test.value, []
    return None, []


__all__ = [
    "ACTIVITY_TYPES",
    "COMMON_ATTRIBUTES",
    "ERROR_CODES",
    "TestChecker",
    "all_tests",
    "flow_info",
    "flow_name",
    "parse_test_time",
]
