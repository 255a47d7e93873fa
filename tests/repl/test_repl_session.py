"""The session itself: what each kind of input does, meta-commands, errors that never end it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from camp.repl.display import format_value
from camp.repl.session import Session, run_piped
from repl_helpers import EXAMPLES, Repl

SHOUT = "executable campaign Shout <\n  set first_name = upper(first_name);\n>"


# ---- expressions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1 + 2", "3"),
        ("0.1 + 0.2 == 0.3", "true"),
        ("10 / 4", "2.5"),
        ("2.50 * 2", "5"),
        ('"a\\"b" + "c"', '"a\\"bc"'),
        ("null", "null"),
        ("1 > 2", "false"),
        ("missing_field", "null"),
        ('date("2026-12-01")', "2026-12-01"),
        ('upper("us")', '"US"'),
        ('["US", 1]', '["US", 1]'),
    ],
)
def test_expressions_print_camp_values(repl: Repl, text: str, shown: str) -> None:
    assert repl(text) == shown + "\n"


def test_format_value_datetime() -> None:
    assert format_value(dt.datetime(2026, 12, 1, 9, 30)) == "2026-12-01T09:30:00"
    assert format_value("tab\there\n") == '"tab\\there\\n"'


def test_expression_sees_the_current_lead(repl: Repl) -> None:
    repl('set first_name = "Ana";')
    assert repl('first_name + "!"') == '"Ana!"\n'
    assert repl("id") == "1\n"


def test_expression_errors_point_at_the_input(repl: Repl) -> None:
    out = repl("1 / 0")
    assert out.startswith("<repl>:1:3: error[R201]: division by zero")
    assert " 1 | 1 / 0" in out
    out = repl("lower(1, 2)")
    assert "<repl>:1:1: error[E303]" in out
    out = repl("my.points")
    assert "error[E302]" in out


# ---- steps -------------------------------------------------------------------------


def test_steps_run_on_the_current_lead(repl: Repl) -> None:
    out = repl('set first_name = "ana";\nadd to list "VIP";')
    assert out.splitlines() == [
        '[<repl>] Change Data Value field=first_name old=null new="ana"',
        '[<repl>] Add to List list="VIP"',
    ]
    assert repl.session.lead.fields == {"first_name": "ana"}
    assert repl.session.lead.lists == {"vip"}


def test_declared_executable_then_called(repl: Repl) -> None:
    repl('set first_name = "ana";')
    assert repl(SHOUT) == "defined executable campaign Shout\n"
    out = repl("call Shout;")
    assert out.splitlines() == [
        "[<repl>] Execute Campaign target=Shout qualified=true",
        '[Shout] Change Data Value field=first_name old="ana" new="ANA"',
    ]
    assert repl("first_name") == '"ANA"\n'


def test_step_check_errors_use_the_users_lines(repl: Repl) -> None:
    out = repl("set a = 1;\ncall Nope;")
    assert out.startswith("<repl>:2:6: error[E201]: call of undefined campaign 'Nope'")
    assert " 2 | call Nope;" in out
    assert repl.session.lead.fields == {}  # nothing ran


def test_runtime_error_shows_the_call_stack(repl: Repl) -> None:
    repl("executable campaign Boom <\n  set a = 1;\n  set b = 1 / 0;\n>")
    out = repl("set c = 0;\ncall Boom;")
    assert "error[R201]: division by zero" in out
    assert "<repl>:2:1    campaign <repl>  call Boom;" in out
    assert "<repl-1>:3:3  executable Boom  set b = 1 / 0;" in out
    assert "__repl__" not in out
    assert repl.session.lead.fields["a"] == 1  # steps are not transactional
    log = repl.session.log.items[-1]
    assert log["type"] == "Flow Error"
    assert log["stack"] == ["<repl>:2:1 <repl>", "<repl-1>:3:3 Boom"]


def test_no_synthetic_warnings(repl: Repl) -> None:
    # W101 (unreachable after stop) from the wrapper, W102 (executable never called).
    assert repl(SHOUT) == "defined executable campaign Shout\n"
    out = repl("stop;\nset x = 1;")
    assert out == "[<repl>] Remove from Flow\n"


def test_trace_shows_the_call_stack(repl: Repl) -> None:
    repl(SHOUT)
    assert repl(":trace on") == "trace on\n"
    traced = [line for line in repl("call Shout;").splitlines() if line.startswith("trace ")]
    assert len(traced) == 2
    assert "[lead 1]" in traced[0] and "<repl>" in traced[0] and "call Shout;" in traced[0]
    assert "Shout" in traced[1] and "set first_name = upper(first_name);" in traced[1]
    assert "__repl__" not in "".join(traced)
    repl(":trace off")
    assert "trace" not in repl("call Shout;")


def test_requests_and_triggers_run_until_the_queue_is_empty(repl: Repl) -> None:
    repl(
        "campaign OnScore <\n  on change score;\n  where score > 10;\n"
        '  request Later;\n>\ncampaign Later <\n  on requested;\n  moment "later";\n>'
    )
    out = repl("set score = 20;")
    assert out.splitlines() == [
        "[<repl>] Change Data Value field=score old=null new=20",
        "[OnScore] Campaign Run trigger=change score",
        "[OnScore] Request Campaign target=Later",
        "[Later] Campaign Run trigger=requested",
        '[Later] Interesting Moment description="later"',
    ]


def test_waits_stay_queued_and_resume(repl: Repl, clock: list[dt.datetime]) -> None:
    out = repl('wait 2 days;\nmoment "after";')
    assert out.splitlines() == [
        '[<repl>] Wait until="2026-12-03T09:00:00"',
        "flow waiting until 2026-12-03T09:00:00 (<repl>)",
    ]
    clock[0] += dt.timedelta(days=3)
    out = repl("set x = 1;")
    assert '[<repl>] Interesting Moment description="after"' in out


def test_program_tokens_and_statuses(repl: Repl) -> None:
    out = repl(
        'program "Webinar" <\n  token speaker = "Jane";\n  statuses "Invited", "Registered";\n'
        '  campaign Reg <\n    on requested;\n    change status to "Registered";\n'
        '    moment "Talk by {{my.speaker}}";\n  >\n>'
    )
    assert out == 'defined program "Webinar" (1 campaign)\n'
    out = repl("request Reg;")
    assert '[Reg] Interesting Moment description="Talk by Jane"' in out
    assert repl.session.lead.statuses == {"Webinar": "Registered"}


# ---- declarations ------------------------------------------------------------------


def test_declaration_with_an_error_leaves_the_session_unchanged(repl: Repl) -> None:
    out = repl("executable campaign Bad <\n  wait 2 days;\n>")
    assert out.startswith("<repl>:2:3: error[E101]: 'wait' is not allowed")
    assert repl(":campaigns") == "no campaigns yet\n"
    assert repl("executable campaign Bad < set a = 1; >") == "defined executable campaign Bad\n"


def test_duplicate_declaration_names_the_first(repl: Repl) -> None:
    repl(SHOUT)
    out = repl("executable campaign Shout < >")
    assert "error[E305]: duplicate name 'Shout': already declared at <repl-1>:1:21" in out


def test_fields_close_the_schema(repl: Repl) -> None:
    assert repl("fields <\n  score: number = 0;\n>") == "defined fields score\n"
    assert "error[E301]: undefined field 'scor'" in repl("set scor = 1;")
    assert "error[E304]" in repl('set score = "high";')
    assert "Change Data Value" in repl("set score = 5;")


def test_reserved_synthetic_name(repl: Repl) -> None:
    assert "'__repl__' is reserved" in repl("campaign __repl__ < >")


def test_import(repl: Repl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.camp").write_text("executable campaign Lib < set lib = true; >\n")
    assert repl('import "lib.camp";') == 'defined import "lib.camp"\n'
    assert "[Lib] Change Data Value field=lib old=null new=true" in repl("call Lib;")
    assert "error[E307]: import not found" in repl('import "nope.camp";')


# ---- meta-commands -----------------------------------------------------------------


def test_help_lists_every_command(repl: Repl) -> None:
    out = repl(":help")
    for command in (":load", ":leads", ":lead", ":show", ":campaigns", ":activities", ":trace"):
        assert command in out
    assert ":reset" in out and ":quit" in out


def test_load_leads_lead_show(repl: Repl) -> None:
    out = repl(f":load {EXAMPLES / 'normalize.camp'}")
    assert out.startswith("loaded ") and out.endswith("5 campaigns\n")
    out = repl(f":leads {EXAMPLES / 'data' / 'normalize.csv'}")
    assert out.startswith("27 leads; current lead 1 (")
    assert repl(":lead 3") == "current lead 3 (juergen.mueller@hooli.example)\n"
    assert repl(":lead SARAH.KIM@vandelay.example").startswith("current lead 4 ")
    show = repl(":show").splitlines()
    assert show[0] == "lead 4 (sarah.kim@vandelay.example)"
    assert '  first_name    "Sarah"' in show
    assert "  score         40" in show
    assert "  lists: (none)" in show
    assert "error: no lead 999" in repl(":lead 999")


def test_campaigns_lists_kinds_and_places(repl: Repl) -> None:
    repl(f":load {EXAMPLES / 'normalize.camp'}")
    repl(SHOUT)
    lines = repl(":campaigns").splitlines()
    assert lines[0].split()[:2] == ["batch", "NormalizeAll"]
    assert lines[-1].split() == ["executable", "Shout", "<repl-1>:1:21"]
    assert not any("__repl__" in line for line in lines)


def test_activities(repl: Repl) -> None:
    assert repl(":activities") == "no activities\n"
    repl("set a = 1; set b = 2; set c = 3;")
    assert repl(":activities 2").splitlines() == [
        "[<repl>] Change Data Value field=b old=null new=2",
        "[<repl>] Change Data Value field=c old=null new=3",
    ]
    assert "usage: :activities [N]" in repl(":activities many")


def test_load_with_errors_leaves_the_session_unchanged(repl: Repl) -> None:
    bad = EXAMPLES / "errors" / "E101_wait_in_executable.camp"
    out = repl(f":load {bad}")
    assert "error[E101]" in out and "not loaded: 1 error" in out
    assert repl(":campaigns") == "no campaigns yet\n"
    assert "no such file" in repl(":load nowhere.camp")


def test_reset_returns_to_the_start(repl: Repl) -> None:
    repl.session.start(EXAMPLES / "normalize.camp", EXAMPLES / "data" / "normalize.csv")
    repl(SHOUT)
    repl(":lead 2")
    repl("call Shout;")
    assert repl(":reset") == "session reset\n"
    assert "Shout" not in repl(":campaigns")
    assert repl.session.current == 1
    assert repl("first_name") == '"  ana "\n'
    assert repl(":activities") == "no activities\n"


def test_unknown_and_malformed_commands(repl: Repl) -> None:
    assert "unknown command ':shw'; did you mean :show?" in repl(":shw")
    assert "usage: :trace on|off" in repl(":trace maybe")
    assert "usage: :load FILE" in repl(":load")


def test_quit(repl: Repl) -> None:
    repl(":quit")
    assert repl.session.quit


# ---- robustness ------------------------------------------------------------------


def test_internal_errors_do_not_end_the_session(
    repl: Repl, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> bool:
        raise RuntimeError("boom")

    monkeypatch.setattr(Session, "evaluate", boom)
    assert repl("1 + 2") == "internal error: RuntimeError: boom\n"
    monkeypatch.undo()
    assert repl("1 + 2") == "3\n"
    assert repl.session.failures == 1


def test_piped_exit_status(repl: Repl) -> None:
    assert run_piped(repl.session, io.StringIO("1 + 2\nset a =\n  1;\n")) == 0
    assert repl.take() == "3\n[<repl>] Change Data Value field=a old=null new=1\n"
    assert run_piped(repl.session, io.StringIO("1 +\n")) == 1  # unfinished at the end
    assert "<repl>:1:4: error[E001]: unexpected end of file" in repl.take()
