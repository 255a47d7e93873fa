"""Tab completion for the REPL: keywords, campaigns, fields, functions, tokens, lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from camp.checker import Kind
from camp.grammar import ast as A
from camp.grammar.parser import grammar
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from .display import format_value
from .session import COMMANDS

if TYPE_CHECKING:
    from .session import Session

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_AFTER = re.compile(r"\b(call|request|webhook)\s+([A-Za-z0-9_]*)\Z")
_MY = re.compile(r"\bmy\.([A-Za-z0-9_]*)\Z")
_LEAD = re.compile(r"\blead\.([A-Za-z0-9_]*)\Z")
_BACKQUOTE = re.compile(r"`([^`\n]*)\Z")
_STRING = re.compile(r'(\w+)\s+"([^"\n]*)\Z')  # the word before an open string, its text
_SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _open_string(line: str) -> bool:
    """Whether the line ends inside a string literal."""
    inside = False
    escaped = False
    for ch in line:
        if inside and escaped:
            escaped = False
        elif inside and ch == "\\":
            escaped = True
        elif ch == '"':
            inside = not inside
        elif ch == "#" and not inside:
            return False
    return inside


class CampCompleter(Completer):
    """Completes what the session knows, by context."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        try:
            yield from self._completions(document, complete_event)
        except Exception:  # a completion bug must never disturb typing
            return

    def _completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        line = document.current_line_before_cursor
        if text.lstrip().startswith(":") and "\n" not in text:
            yield from self._meta(text.lstrip(), document, complete_event)
            return
        if _open_string(line):
            yield from self._in_string(line)
            return
        m = _BACKQUOTE.search(line)
        if m and line.count("`") % 2 == 1:
            prefix = m.group(1)
            for name, meta in self.session.field_names().items():
                if name.casefold().startswith(prefix.casefold()):
                    yield Completion(_field_text(name), -len(prefix) - 1, display_meta=meta)
            return
        m = _MY.search(line)
        if m:
            yield from _matching(self._tokens(), m.group(1), lambda n: n)
            return
        m = _LEAD.search(line)
        if m:
            fields = [(n, meta) for n, meta in self.session.field_names().items()]
            yield from _matching(fields, m.group(1), _field_text)
            return
        m = _AFTER.search(line)
        if m:
            yield from _matching(self._targets(m.group(1)), m.group(2), lambda n: n)
            return
        m = _WORD.search(line)
        word = m.group(0) if m else ""
        if not word and not complete_event.completion_requested:
            return
        yield from _matching(self._everything(), word, lambda n: n)

    # ---- sources ---------------------------------------------------------------

    def _everything(self) -> list[tuple[str, str]]:
        """Keywords, campaign names, fields, functions and ``my.`` tokens."""
        items: list[tuple[str, str]] = [(k, "keyword") for k in sorted(grammar().keywords)]
        symbols = self.session.result.symbols
        items += [(name, f"{c.kind} campaign") for name, c in symbols.campaigns.items()]
        items += [(_field_text(name), meta) for name, meta in self.session.field_names().items()]
        items += [(name, fn.signature) for name, fn in sorted(symbols.functions.items())]
        items += [(f"my.{name}", meta) for name, meta in self._tokens()]
        return _unique(items)

    def _tokens(self) -> list[tuple[str, str]]:
        out = []
        for program in self.session.result.symbols.programs.values():
            for name, tok in program.tokens.items():
                value = format_value(tok.value.value)
                out.append((name, f"token of program {program.name!r} = {value}"))
        return _unique(out)

    def _targets(self, verb: str) -> list[tuple[str, str]]:
        symbols = self.session.result.symbols
        if verb == "webhook":
            return [(name, "webhook") for name in symbols.webhooks]
        if verb == "call":
            return [
                (name, "executable campaign")
                for name, c in symbols.campaigns.items()
                if c.kind is Kind.EXECUTABLE
            ]
        return [
            (name, "requestable campaign")
            for name, c in symbols.campaigns.items()
            if any(t.kind is A.TriggerKind.REQUESTED for t in c.triggers)
        ]

    def _in_string(self, line: str) -> Iterator[Completion]:
        m = _STRING.search(line)
        if m is None:
            return
        before, prefix = m.group(1), m.group(2)
        symbols = self.session.result.symbols
        items: list[tuple[str, str]]
        if before == "list":
            items = [(name, "list") for name in self.session.list_names()]
        elif before == "in" and re.search(r"\bstatus\s+(change\s+)?in\s+\"[^\"\n]*\Z", line):
            items = [(name, "program") for name in symbols.programs]
        elif before == "to" and re.search(r"\bchange\s+status\b", line):
            items = [
                (status, f"status in {program.name!r}")
                for program in symbols.programs.values()
                for status in program.statuses
            ]
        else:
            return
        for name, meta in _unique(items):
            if name.casefold().startswith(prefix.casefold()):
                yield Completion(name + '"', -len(prefix), display=name, display_meta=meta)

    def _meta(
        self, text: str, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        head, _, rest = text[1:].partition(" ")
        if not _:
            for name in COMMANDS:
                if name.startswith(head):
                    yield Completion(name, -len(head), display=f":{name}")
            return
        if head in ("load", "leads"):
            arg = rest.lstrip()
            yield from self.paths.get_completions(Document(arg, len(arg)), complete_event)
        elif head == "trace":
            yield from _matching([("on", ""), ("off", "")], rest.lstrip(), lambda n: n)
        elif head == "lead":
            leads = []
            for lead in list(self.session.leads.values())[:200]:
                email = lead.fields.get("email")
                leads.append((str(lead.id), str(email) if email else ""))
                if isinstance(email, str) and email.strip():
                    leads.append((email.strip(), f"lead {lead.id}"))
            yield from _matching(leads, rest.lstrip(), lambda n: n)


def _field_text(name: str) -> str:
    return name if _SIMPLE_NAME.match(name) else f"`{name}`"


def _unique(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for name, meta in items:
        seen.setdefault(name, meta)
    return list(seen.items())


def _matching(
    items: Iterable[tuple[str, str]], prefix: str, text_of: Callable[[str], str]
) -> Iterator[Completion]:
    folded = prefix.casefold()
    for name, meta in items:
        shown = text_of(name)
        if shown.lstrip("`").casefold().startswith(folded) or name.casefold().startswith(folded):
            yield Completion(shown, -len(prefix), display=shown, display_meta=meta)
