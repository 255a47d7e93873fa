"""No Camp construct performs I/O of its own: a run reads and writes only the files
named on the command line (and the program's sources), opens no socket and starts
no process. Webhooks are simulated: recorded as activities, never called."""

from __future__ import annotations

import builtins
import io
import itertools
import os
import re
import socket
import subprocess
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path

import camp
import pytest
from camp.cli import main
from camp.grammar import ast as A
from camp.runtime import evaluator, scheduler, values
from camp.runtime.evaluator import Interpreter
from camp.runtime.world import ActivityLog
from click.testing import CliRunner
from runtime_helpers import acts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GRAMMAR = Path(camp.grammar.__file__).with_name("camp.lark")
STDLIB = Path(camp.stdlib.__file__).parent
# Camp's own package data: the prelude (std/...) and the grammar the parser loads.
PACKAGE_DATA = (STDLIB.resolve(), GRAMMAR.parent.resolve())

# Each example with the run in its header comment (paths relative to the repository).
EXAMPLE_RUNS = {
    "lead_intake": [
        "examples/lead_intake.camp", "--leads", "examples/data/lead_intake.csv",
        "--events", "examples/data/lead_intake.events.jsonl", "--start", "2026-12-01T00:00:00",
    ],
    "moments": [
        "examples/moments.camp", "--leads", "examples/data/moments.jsonl",
        "--events", "examples/data/moments.events.jsonl", "--start", "2026-12-01T00:00:00",
    ],
    "normalize": [
        "examples/normalize.camp", "--campaign", "NormalizeAll",
        "--leads", "examples/data/normalize.csv", "--start", "2026-12-01T09:00:00",
    ],
    "nurture": [
        "examples/nurture.camp", "--leads", "examples/data/nurture.csv",
        "--events", "examples/data/nurture.events.jsonl",
        "--start", "2026-12-01T00:00:00", "--until", "2026-12-31T00:00:00",
    ],
    "orchestration": [
        "examples/orchestration.camp", "--campaign", "NightlyLeadPipeline",
        "--leads", "examples/data/orchestration.json", "--start", "2026-12-01T01:30:00",
    ],
    "scoring": [
        "examples/scoring.camp", "--leads", "examples/data/scoring.csv",
        "--events", "examples/data/scoring.events.jsonl",
        "--start", "2026-12-01T00:00:00", "--until", "2026-12-04T00:00:00",
    ],
    "webinar": [
        "examples/webinar.camp", "--leads", "examples/data/webinar.csv",
        "--events", "examples/data/webinar.events.jsonl",
        "--start", "2026-12-01T08:00:00", "--until", "2026-12-20T00:00:00",
    ],
}  # fmt: skip


class Sandbox:
    """Replaces open / socket / subprocess entry points; records what was attempted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, allowed: set[Path]) -> None:
        self.allowed = {p.resolve() for p in allowed}
        self.opened: list[Path] = []
        self.denied: list[str] = []
        real_open = io.open
        real_os_open = os.open

        def guarded_open(file, mode="r", *args, **kwargs):
            self._check(file, "open")
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path, flags, *args, **kwargs):
            self._check(path, "os.open")
            return real_os_open(path, flags, *args, **kwargs)

        def deny(what: str):
            def refuse(*args, **kwargs):
                self.denied.append(f"{what}{args!r}")
                raise PermissionError(f"sandbox: {what} is not allowed")

            return refuse

        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        monkeypatch.setattr(socket, "socket", deny("socket.socket"))
        monkeypatch.setattr(socket, "create_connection", deny("socket.create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", deny("socket.getaddrinfo"))
        monkeypatch.setattr(subprocess, "Popen", deny("subprocess.Popen"))
        monkeypatch.setattr(os, "system", deny("os.system"))
        monkeypatch.setattr(os, "popen", deny("os.popen"))

    def _check(self, file, how: str) -> None:
        if isinstance(file, int):
            self.denied.append(f"{how}(fd {file})")
            raise PermissionError("sandbox: opening a file descriptor is not allowed")
        path = Path(os.fsdecode(file)).resolve()
        if path in self.allowed or any(path.is_relative_to(d) for d in PACKAGE_DATA):
            self.opened.append(path)
            return
        if path.parent == Path(tempfile.gettempdir()).resolve() and path.name.startswith(
            ".lark_cache_"
        ):  # the parser's grammar cache
            self.opened.append(path)
            return
        self.denied.append(f"{how}({path})")
        raise PermissionError(f"sandbox: {path} is not a declared input or output")


def _warm_up_libraries() -> None:
    """Load the lazily-read data of the function libraries (country and phone tables)
    before the sandbox goes up: that is package data, not a campaign's I/O."""
    from camp.stdlib.functions import REGISTRY
    from camp.stdlib.registry import CallContext

    ctx = CallContext(__import__("datetime").datetime(2026, 12, 1))
    calls = {
        "country_code": ("Deutschland",),
        "country_name": ("DE",),
        "state_code": ("Bayern", "DE"),
        "phone_e164": ("(415) 555-0123", "US"),
        "is_valid_email": ("ana@example.com",),
        "email_domain": ("ana@example.com",),
        "matches": ("abc", "b"),
    }
    for name, args in calls.items():
        REGISTRY[name].impl(ctx, *args)
    for code in ("US", "CA", "GB", "DE", "ES", "FR", "AU"):
        REGISTRY["state_code"].impl(ctx, "x", code)
        REGISTRY["phone_e164"].impl(ctx, "+1 415 555 0123", code)


def declared_paths(args: list[str], cwd: Path) -> Iterator[Path]:
    """The FILE argument, its imports' folder, and every path given to an option."""
    yield cwd / args[0]
    # Imported sources: imports resolve relative to the importing file.
    yield from (cwd / args[0]).parent.glob("*.camp")
    for option, value in itertools.pairwise(args):
        if option in ("--leads", "--events", "--out", "--activities"):
            yield cwd / value
        if option in ("--out", "--activities"):  # written beside it, then renamed over it
            yield (cwd / value).with_name(f".{Path(value).name}.tmp")


@pytest.mark.parametrize("example", sorted(EXAMPLE_RUNS))
def test_examples_run_without_unexpected_io(example, tmp_path, monkeypatch):
    _warm_up_libraries()
    monkeypatch.chdir(ROOT)
    out = tmp_path / f"{example}.out.jsonl"
    activities = tmp_path / f"{example}.activities.jsonl"
    args = [*EXAMPLE_RUNS[example], "--out", str(out), "--activities", str(activities)]
    sandbox = Sandbox(monkeypatch, set(declared_paths(args, ROOT)))
    result = CliRunner().invoke(main, ["run", *args, "--format", "json"])
    monkeypatch.undo()
    assert sandbox.denied == [], sandbox.denied
    assert result.exit_code == 0, result.output
    assert out.exists() and activities.exists()
    webhooks = [line for line in activities.read_text().splitlines() if '"Call Webhook"' in line]
    if example in ("lead_intake", "orchestration"):
        assert webhooks, "the example calls a webhook: it must be recorded"


def test_the_sandbox_catches_undeclared_io(tmp_path, monkeypatch):
    declared = tmp_path / "declared.txt"
    declared.write_text("ok")
    sandbox = Sandbox(monkeypatch, {declared})
    assert declared.read_text() == "ok"
    with pytest.raises(PermissionError):
        (tmp_path / "other.txt").write_text("no")
    with pytest.raises(PermissionError):
        socket.socket()
    with pytest.raises(PermissionError):
        subprocess.run(["true"])
    with pytest.raises(PermissionError):
        os.system("true")
    monkeypatch.undo()
    assert len(sandbox.denied) == 4


def test_webhook_step_makes_no_network_call_but_is_recorded(camp, monkeypatch):
    src = """
    webhook Crm <
      url "https://crm.example/api/leads?email={{lead.email}}";
      method "POST";
      header "Authorization" = "Bearer {{my.key}}";
      body "{\\"email\\": \\"{{lead.email}}\\"}";
      response crm_id = "data.id";
    >
    program "Sync" <
      token key = "k-123";
      campaign Main < retry 2 times < webhook Crm; > until crm_id is not empty else < moment "no id"; > >
    >
    """
    calls: list[str] = []

    def no_network(*args, **kwargs):
        calls.append(repr(args))
        raise AssertionError("a webhook step opened a socket")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, no_network)
    s = camp(src, [{"id": 1, "email": "ana@example.com"}], campaign="Main")
    monkeypatch.undo()
    assert calls == []
    assert [a["url"] for a in acts(s, "Call Webhook")] == [
        "https://crm.example/api/leads?email=ana@example.com"
    ] * 2
    assert acts(s, "Interesting Moment")[0]["description"] == "no id"
    assert s.errors == []


# ---- static: the language has no I/O construct -------------------------------------------


def grammar_keywords() -> set[str]:
    text = re.sub(r"//[^\n]*", "", GRAMMAR.read_text(encoding="utf-8"))
    return {w for w in re.findall(r'"([a-z]+)"', text)}


def test_the_grammar_has_no_io_keyword():
    keywords = grammar_keywords()
    assert {"set", "call", "webhook", "wait", "retry"} <= keywords  # sanity: the scan works
    io_words = {
        "open", "read", "write", "file", "files", "exec", "execute", "eval", "shell", "system",
        "run", "http", "fetch", "get", "post", "socket", "connect", "spawn", "process", "env",
        "load", "save", "delete", "download", "upload", "print",
    }  # fmt: skip
    assert keywords & io_words == set()


def test_every_step_kind_is_interpreted_and_none_does_io():
    step_kinds = set(typing.get_args(A.Step))
    interp = Interpreter.__new__(Interpreter)
    Interpreter.__init__(interp, _empty_symbols(), ActivityLog(keep=False), None)  # type: ignore[arg-type]
    assert set(interp._step) == step_kinds
    # The modules that run steps import nothing that talks to the outside world.
    for module in (evaluator, scheduler, values):
        source = Path(module.__file__).read_text(encoding="utf-8")
        imports = set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, re.M))
        bad = {m for m in imports if m.split(".")[0] in _IO_MODULES}
        assert bad == set(), (module.__name__, bad)
        calls = re.findall(
            r"(?<![\w.])(?<!def )(open|exec|eval|compile|__import__)\(|\.(open|read_text|write_text)\(",
            source,
        )
        assert calls == [], (module.__name__, calls)


def test_stdlib_functions_do_no_io():
    for path in STDLIB.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        imports = set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, re.M))
        bad = {m for m in imports if m.split(".")[0] in _IO_MODULES}
        assert bad == set(), (path.name, bad)


_IO_MODULES = {
    "socket", "subprocess", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib",
    "smtplib", "telnetlib", "shutil", "asyncio", "multiprocessing", "ctypes", "pty",
}  # fmt: skip


def _empty_symbols():
    from camp.checker import check_sources

    return check_sources([("empty.camp", "")]).symbols
