"""The prompt-toolkit front end driven headless: pipe input, dummy output, the real session."""

from __future__ import annotations

from pathlib import Path

import pytest
from camp.repl.completer import CampCompleter
from camp.repl.terminal import history_path, make_history, run_interactive
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from repl_helpers import EXAMPLES, Repl

ENTER = "\r"
CTRL_D = "\x04"
CTRL_C = "\x03"


def drive(repl: Repl, keys: str) -> str:
    """Type ``keys`` at the prompt (then Ctrl-D); return everything the session printed."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys + CTRL_D)
        status = run_interactive(repl.session, history=InMemoryHistory())
    assert status == 0
    return repl.take()


# ---- typing at the prompt ------------------------------------------------------------


def test_multiline_campaign_then_call(repl: Repl) -> None:
    keys = ENTER.join(
        [
            'set first_name = "ana";',
            "executable campaign Shout <",  # incomplete: Enter adds a line
            "set first_name = upper(first_name);",
            ">",  # now complete: Enter submits the declaration
            "call Shout;",
            "first_name",
            "",
        ]
    )
    assert drive(repl, keys).splitlines() == [
        '[<repl>] Change Data Value field=first_name old=null new="ana"',
        "defined executable campaign Shout",
        "[<repl>] Execute Campaign target=Shout qualified=true",
        '[Shout] Change Data Value field=first_name old="ana" new="ANA"',
        '"ANA"',
    ]


def test_incomplete_lines_wait_for_the_rest(repl: Repl) -> None:
    keys = ENTER.join(["1 +", "2", "set a =", "  3", ";", 'set b = "x', '";', ""])
    out = drive(repl, keys).splitlines()
    assert out[0] == "3"
    assert out[1] == "[<repl>] Change Data Value field=a old=null new=3"
    # the unterminated string waited for one more line, then reported the error
    assert out[2] == "<repl>:1:9: error[E001]: unterminated string"


def test_errors_keep_the_session_alive(repl: Repl) -> None:
    keys = ENTER.join(["1 / 0", "call Nope;", ":nope", "foo bar", "1 + 1", ""])
    out = drive(repl, keys)
    assert "error[R201]: division by zero" in out
    assert "error[E201]: call of undefined campaign 'Nope'" in out
    assert "unknown command ':nope'" in out
    assert "<repl>:1:5: error[E001]: unexpected name 'bar'" in out
    assert out.endswith("2\n")
    assert repl.session.failures == 4


def test_meta_commands_at_the_prompt(repl: Repl) -> None:
    normalize = EXAMPLES / "normalize.camp"
    leads = EXAMPLES / "data" / "normalize.csv"
    keys = ENTER.join([f":load {normalize}", f":leads {leads}", ":lead 2", ":show", ":quit", "1"])
    out = drive(repl, keys)
    assert "loaded " in out and "27 leads" in out
    assert "lead 2 (MIKE.OBRIEN@INITECH.EXAMPLE)" in out
    assert '  country       "usa"' in out
    assert not out.endswith("1\n")  # :quit ended the loop before '1'


def test_ctrl_c_drops_the_input(repl: Repl) -> None:
    out = drive(repl, "set a = " + CTRL_C + "2 + 2" + ENTER)
    assert out == "4\n"


# ---- completion --------------------------------------------------------------------


def completions(repl: Repl, text: str, requested: bool = False) -> list[Completion]:
    completer = CampCompleter(repl.session)
    event = CompleteEvent(completion_requested=requested)
    return list(completer.get_completions(Document(text, len(text)), event))


def names(found: list[Completion]) -> list[str]:
    return [c.text for c in found]


def meta(found: list[Completion], text: str) -> str:
    return next(c.display_meta_text for c in found if c.text == text)


def test_complete_keywords(repl: Repl) -> None:
    found = completions(repl, "exec")
    assert names(found) == ["executable"]
    assert meta(found, "executable") == "keyword"
    assert {"set", "send"} <= set(names(completions(repl, "se")))


def test_complete_campaign_names(repl: Repl) -> None:
    repl("executable campaign Shout < >")
    repl("campaign Later < on requested; >")
    found = completions(repl, "call Sh")
    assert names(found) == ["Shout"]
    assert meta(found, "Shout") == "executable campaign"
    assert names(completions(repl, "call ")) == ["Shout"]  # only executables after call
    assert names(completions(repl, "request ")) == ["Later"]
    assert "Shout" in names(completions(repl, "Sh"))


def test_complete_functions_with_their_signature(repl: Repl) -> None:
    found = completions(repl, "set x = upp")
    assert names(found) == ["upper"]
    assert meta(found, "upper") == "upper(text: text) -> text"
    assert meta(completions(repl, "country_c"), "country_code") == "country_code(x: text) -> text"


def test_complete_fields(repl: Repl) -> None:
    repl(f":leads {EXAMPLES / 'data' / 'normalize.csv'}")
    assert "first_name" in names(completions(repl, "set first_"))
    assert names(completions(repl, "lead.mobile")) == ["mobile_phone"]
    repl("fields < `Job Title`: text; score: number; >")
    found = completions(repl, "set Job")
    assert names(found) == ["`Job Title`"]
    assert meta(found, "`Job Title`") == "text field"
    assert names(completions(repl, "`Jo")) == ["`Job Title`"]


def test_complete_tokens_and_lists(repl: Repl) -> None:
    repl(
        'program "Webinar" <\n  token speaker = "Jane";\n  token points = 10;\n'
        '  campaign Reg < on requested; add to list "Attendees"; >\n>'
    )
    found = completions(repl, "set x = my.")
    assert names(found) == ["speaker", "points"]
    assert meta(found, "speaker") == "token of program 'Webinar' = \"Jane\""
    assert names(completions(repl, "my.sp")) == ["speaker"]
    assert "my.points" in names(completions(repl, "m"))
    found = completions(repl, 'remove from list "Att')
    assert names(found) == ['Attendees"']
    assert names(completions(repl, 'change status in "We')) == ['Webinar"']


def test_complete_meta_commands(repl: Repl) -> None:
    assert names(completions(repl, ":le")) == ["leads", "lead"]
    assert names(completions(repl, ":trace o")) == ["on", "off"]
    found = completions(repl, f":load {EXAMPLES}/norm")
    assert "normalize.camp" in {c.display_text for c in found}


def test_no_completion_menu_on_an_empty_word(repl: Repl) -> None:
    assert completions(repl, "set x = ") == []
    assert len(completions(repl, "set x = ", requested=True)) > 50  # Tab: everything


# ---- history ------------------------------------------------------------------------


def test_history_lives_under_the_data_directory(tmp_path: Path) -> None:
    assert history_path() == tmp_path / "xdg" / "camp" / "history"
    history = make_history()
    assert isinstance(history, FileHistory)
    assert history_path().exists()


def test_history_falls_back_to_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))  # camp/ cannot be made inside a file
    assert isinstance(make_history(), InMemoryHistory)


def test_block_lines_are_indented_and_dedented(repl: Repl) -> None:
    keys = ENTER.join(["executable campaign Shout <", "set a = 1;", ">", ""])
    assert drive(repl, keys) == "defined executable campaign Shout\n"
    assert repl.session.decls[-1][1] == "executable campaign Shout <\n  set a = 1;\n>"
