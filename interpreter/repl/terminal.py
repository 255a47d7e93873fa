"""The interactive front end on prompt-toolkit: highlighting, completion, history, and
an Enter key that submits only complete input."""

from __future__ import annotations

import os
from pathlib import Path

from camp.highlight.lexer import CampLexer
from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.output import Output

from .completer import CampCompleter
from .parsing import input_complete
from .session import Session

PROMPT = "camp> "
CONTINUATION = "... "


def history_path() -> Path:
    """``$XDG_DATA_HOME/camp/history``, else ``~/.local/share/camp/history``."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "camp" / "history"


def make_history(path: Path | None = None) -> History:
    """A file history, or an in-memory one when the file cannot be used."""
    target = path if path is not None else history_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8"):
            pass
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(target))


def continuation(width: int, line_number: int, wrap_count: int) -> str:
    return CONTINUATION.rjust(width)


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        """Submit complete input; otherwise a new line, indented like the last."""
        buf = event.current_buffer
        state = buf.complete_state
        if state is not None and state.current_completion is not None:
            buf.complete_state = None  # Enter picks the highlighted completion
            return
        if input_complete(buf.text):
            buf.validate_and_handle()
            return
        line = buf.document.current_line_before_cursor
        indent = len(line) - len(line.lstrip(" "))
        if line.rstrip().endswith("<"):
            indent += 2
        buf.insert_text("\n" + " " * indent)

    @kb.add(">")
    def _close(event: KeyPressEvent) -> None:
        """A '>' typed at the start of a continuation line moves back out one level."""
        buf = event.current_buffer
        doc = buf.document
        line = doc.current_line_before_cursor
        if doc.cursor_position_row > 0 and line and not line.strip():
            buf.delete_before_cursor(min(2, len(line)))
        buf.insert_text(">")

    @kb.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        """Alt-Enter: a new line even when the input is complete."""
        event.current_buffer.insert_text("\n")

    return kb


def make_prompt(
    session: Session,
    *,
    history: History | None = None,
    input: Input | None = None,
    output: Output | None = None,
) -> PromptSession[str]:
    return PromptSession(
        PROMPT,
        multiline=True,
        prompt_continuation=continuation,
        lexer=PygmentsLexer(CampLexer),
        completer=CampCompleter(session),
        complete_while_typing=True,
        history=history if history is not None else make_history(),
        auto_suggest=AutoSuggestFromHistory(),
        key_bindings=key_bindings(),
        input=input,
        output=output,
    )


def run_interactive(
    session: Session,
    *,
    history: History | None = None,
    input: Input | None = None,
    output: Output | None = None,
) -> int:
    """Prompt until :quit or Ctrl-D. Ctrl-C drops the input being typed. Exit status 0."""
    prompt = make_prompt(session, history=history, input=input, output=output)
    failures = 0  # consecutive failures of the prompt itself
    while not session.quit:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        except Exception as e:  # the UI failed, not the input: report, retry a few times
            session.complain(f"internal error: {type(e).__name__}: {e}")
            failures += 1
            if failures >= 5:
                break
            continue
        failures = 0
        session.submit(text)
    return 0
