"""Fuzz harness (not CI): generated and mutated programs, lead files and event files
through ``camp check``, ``camp run`` and ``camp fmt`` (when the command exists).

Any exception that is not a Camp exit (a ``SystemExit`` with the spec's status
0-3) is a finding: the harness prints it with the case's seed and saves the
case's files under ``--save`` to reproduce it. It also checks the rules of
"bad input is never partial": a refused run (exit 2 or 3) leaves no ``--out``
or ``--activities`` file and no temporary file behind.

    python bench/fuzz_harness.py --cases 10000 --seed 1
    python bench/fuzz_harness.py --replay 1:4711     # one case again (seed:case)

CI runs a few hundred cases (tests/test_fuzz_harness.py).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(ROOT.glob("examples/*.camp"))
DATA = sorted(p for p in (ROOT / "examples" / "data").glob("*") if p.is_file())
START = "2026-12-01T09:00:00"

FIELDS = ["email", "country", "score", "stage", "`Job Title`", "mql_date", "visits", "ok", "x"]
TYPES = ["text", "number", "boolean", "date", "datetime"]
FIELD_TYPES = {"email": "text", "country": "text", "score": "number", "stage": "text",
               "`Job Title`": "text", "mql_date": "date", "visits": "number", "ok": "boolean",
               "x": "number"}  # fmt: skip
WANT = {"text": "text", "number": "num", "boolean": "bool", "date": "date", "datetime": "date"}
FUNCS = [
    ("lower", 1), ("upper", 1), ("trim", 1), ("length", 1), ("concat", 2), ("coalesce", 2),
    ("country_code", 1), ("email_domain", 1), ("is_valid_email", 1), ("round", 1), ("abs", 1),
    ("min", 2), ("max", 2), ("today", 0), ("now", 0), ("add_days", 2), ("days_between", 2),
    ("matches", 2), ("replace", 3), ("substring", 3), ("phone_e164", 2), ("nosuch", 1),
]  # fmt: skip
DEFAULTS = ["", " = 0", ' = "a"', " = false"]
NUMBERS = ["0", "1", "2.5", "-3", "100", "0.1", "99999999999999999999999999999", "1" * 60]
TEXTS = ['"US"', '"usa"', '""', '"a\\"b"', '"{{lead.email}}"', '"{{campaign.name}}"',
         '"\\u00e9t\\u00e9"', '"NULL"', '"{{lead.score}} pts"']  # fmt: skip
BAD_TEXTS = ['"{{my.x}}"', '"{{program.name}}"', '"{{lead.nosuch}}"', '"{{"']
CELLS = ["", "1", "-0", "2.50", "1e400", "1E5", "NaN", "Infinity", "-inf", "1" * 40, "0x10",
         "true", "FALSE", "yes", "2026-12-01", "2026-12-01T10:00:00", "2026-13-45", "ana@ex.com",
         "not an email", 'quo"te', "com,ma", "new\nline", " spaced ", "\u00e9t\u00e9", "NULL",
         "null", "[1, 2]", "\t"]  # fmt: skip


# ---- programs -------------------------------------------------------------------------------


class Programs:
    """Random Camp programs: mostly well-formed, with the language's every construct."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: list[str] = []
        self.kinds: dict[str, str] = {}
        self.current = ""
        self.bad = rng.random() < 0.25  # this program may contain check errors on purpose

    def texts(self) -> str:
        return self.pick(TEXTS + BAD_TEXTS if self.bad else TEXTS)

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def expr(self, depth: int = 0, want: str = "") -> str:
        """An expression, mostly of the type ``want`` (bool, num, text, date) so that most
        programs pass the checker and reach the interpreter; sometimes of any type."""
        if not want or (self.bad and self.rng.random() < 0.05):
            want = self.pick(["bool", "num", "text", "date"])
        text = self._expr(depth, want)
        return text if depth == 0 else f"({text})"

    def _expr(self, depth: int, want: str) -> str:
        rng = self.rng
        leaf = depth > 3 or rng.random() < 0.35
        e = self.expr
        if want == "num":
            if leaf:
                return self.pick([*NUMBERS, "score", "visits", "null", "x"])
            k = rng.randrange(4)
            if k == 0:
                return f"{e(depth + 1, 'num')} {self.pick(['+', '-', '*', '/', '%'])} {e(depth + 1, 'num')}"
            if k == 1:
                return f"-{e(depth + 1, 'num')}"
            if k == 2:
                if rng.random() < 0.3:
                    return f"length({e(depth + 1, 'text')})"
                return f"{self.pick(['round', 'abs'])}({e(depth + 1, 'num')})"
            return f"{self.pick(['min', 'max'])}({e(depth + 1, 'num')}, {e(depth + 1, 'num')})"
        if want == "text":
            if leaf:
                return self.pick(
                    [
                        *TEXTS,
                        *BAD_TEXTS[: 4 * self.bad],
                        "email",
                        "country",
                        "stage",
                        "`Job Title`",
                        "null",
                    ]
                )
            k = rng.randrange(3)
            if k == 0:
                return f"{e(depth + 1, 'text')} + {e(depth + 1, self.pick(['text', 'num']))}"
            if k == 1:
                name = self.pick(
                    ["lower", "upper", "trim", "country_code", "email_domain", "title"]
                )
                return f"{name}({e(depth + 1, 'text')})"
            return f"{self.pick(['concat', 'coalesce'])}({e(depth + 1, 'text')}, {e(depth + 1, 'text')})"
        if want == "date":
            if leaf:
                return self.pick(["today()", "now()", "mql_date", "null"])
            return f"add_days({e(depth + 1, 'date')}, {e(depth + 1, 'num')})"
        if leaf:
            return self.pick(["true", "false", "ok", "null", "unsubscribed"])
        k = rng.randrange(9)
        t = self.pick(["num", "text", "date"])
        a, b = e(depth + 1, t), e(depth + 1, t)
        if k == 0:
            return f"{a} {self.pick(['==', '!=', '<', '<=', '>', '>='])} {b}"
        if k == 1:
            t = "text"
            op = self.pick(["is", "is not", "contains", "not contains", "starts with", "ends with"])
            return f"{e(depth + 1, t)} {op} {e(depth + 1, t)}"
        if k == 2:
            items = ", ".join(e(depth + 2, t) for _ in range(rng.randrange(4)))
            return f"{a} {self.pick(['in', 'not in'])} [{items}]"
        if k == 3:
            return f"{a} between {b} and {e(depth + 1, t)}"
        if k == 4:
            return f"{a} is {self.pick(['empty', 'not empty'])}"
        if k == 5:
            unit = self.pick(["days", "weeks", "month"])
            return f"{e(depth + 1, 'date')} in past {rng.choice([0, 1, 7, 30, 99999999999])} {unit}"
        if k == 6:
            return f"{e(depth + 1, 'bool')} {self.pick(['and', 'or'])} {e(depth + 1, 'bool')}"
        if k == 7:
            return f"not {e(depth + 1, 'bool')}"
        if rng.random() < 0.5:
            return f"is_valid_email({e(depth + 1, 'text')})"
        return f'matches({e(depth + 1, "text")}, "^a")'

    def step(self, depth: int, executable: bool) -> str:
        r = self.rng.randrange(18)
        f = self.pick(FIELDS)
        here = self.current
        later = self.names[self.names.index(here) + 1 :] if here in self.names else []
        executables = [n for n in later if self.kinds[n] == "executable"]
        requestable = [n for n, k in self.kinds.items() if k == "trigger"]
        if self.bad:
            executables, requestable = self.names, self.names
        if r < 3:
            if self.bad:
                op = self.pick(["=", "=", "+=", "-="])
                return f"set {f} {op} {self.expr(0, 'num' if op != '=' else '')};"
            if FIELD_TYPES[f] == "number" and self.rng.random() < 0.5:
                return f"set {f} {self.pick(['+=', '-='])} {self.expr(0, 'num')};"
            return f"set {f} = {self.expr(0, WANT[FIELD_TYPES[f]])};"
        if r == 3:
            tokens = self.pick(["", " with parent tokens"])
            if executables:
                return f"call {self.pick(executables)}{tokens};"
        if r == 4 and requestable:
            return f"request {self.pick(requestable)};"
        if r == 5:
            return f"send {self.pick(['', 'operational '])}email {self.texts()};"
        if r == 6:
            return f"send alert {self.texts()} to {self.expr(0, 'text')};"
        if r == 7 and not executable:
            if self.rng.random() < 0.5:
                return f"wait {self.rng.choice([0, 1, 2, 3, 4, 99999999999])} {self.pick(['hours', 'days', 'minute'])};"
            until = self.pick(["add_days(now(), 1)", '"2026-12-03T00:00"', "mql_date"])
            return f"wait until {until};"
        if r == 8:
            return f"{self.pick(['add to', 'remove from'])} list {self.texts()};"
        if r == 9:
            where = self.pick(["", 'in "P" ', 'in "Nope" '] if self.bad else ['in "P" '])
            status = self.pick(['"A"', '"B"', '"Z"'] if self.bad else ['"A"', '"B"'])
            return f"change status {where}to {status};"
        if r == 10:
            return f"moment {self.texts()};"
        if r == 11:
            return self.pick(["stop;", 'fail "boom";', "webhook Hook;"])
        if r in (12, 13) and depth < 4:
            body = self.block(depth + 1, executable)
            elifs = "".join(
                f" elif {self.expr(0, 'bool')} then {self.block(depth + 1, executable)}"
                for _ in range(self.rng.randrange(2))
            )
            tail = f" else {self.block(depth + 1, executable)}" if self.rng.random() < 0.5 else ""
            return f"if {self.expr(0, 'bool')} then {body}{elifs}{tail}"
        if r in (14, 15) and depth < 4:
            until = f" until {self.expr(0, 'bool')}" if self.rng.random() < 0.6 else ""
            other = f" else {self.block(depth + 1, executable)}" if self.rng.random() < 0.4 else ""
            semi = ";" if until and not other else ""
            return f"retry {self.rng.choice([1, 2, 3, 3, 0] if self.bad else [1, 2, 3])} times {self.block(depth + 1, executable)}{until}{other}{semi}"
        return f"set {f} = {self.expr(0, WANT[FIELD_TYPES[f]])};"

    def block(self, depth: int, executable: bool) -> str:
        steps = " ".join(self.step(depth, executable) for _ in range(self.rng.randrange(4)))
        return f"< {steps} >"

    def clause(self, kind: str) -> str:
        rng = self.rng
        if kind == "trigger":
            return self.pick([
                f"on form {self.texts()};", 'on page "/p";', 'on click "Welcome";',
                f"on change {self.pick(FIELDS)};", "on created;", "on requested;",
                'on added to list "VIP";', 'on status change in "P";', 'on event "e";',
            ])  # fmt: skip
        if kind == "batch" and rng.random() < 0.4:
            return self.pick([
                'schedule at "2026-12-01T12:00";', 'schedule every day at "02:00";',
                *(['schedule at "not a time";', 'schedule every day at "25:00";'] * self.bad),
            ])  # fmt: skip
        if rng.random() < 0.5:
            return f"where {self.expr(0, 'bool')};"
        return self.pick(["qualify once;", "qualify every time;", "qualify once every 2 days;"])

    def campaign(self, name: str) -> str:
        kind = self.kinds[name]
        self.current = name
        clauses = " ".join(self.clause(kind) for _ in range(self.rng.randrange(3)))
        if kind == "trigger" and ("on " not in clauses or not self.bad):
            clauses = "on requested; " + clauses
        steps = " ".join(self.step(0, kind == "executable") for _ in range(self.rng.randrange(6)))
        prefix = "executable " if kind == "executable" else ""
        return f"{prefix}campaign {name} <\n  {clauses}\n  {steps}\n>\n"

    def program(self) -> str:
        rng = self.rng
        self.names = [f"C{i}" for i in range(rng.randint(1, 6))]
        parts = []
        closed = rng.random() < 0.15
        if rng.random() < 0.2 and not closed:
            parts.append('import "std/normalize";\n')
        if closed:
            decls = " ".join(
                f"{f}: {self.pick(TYPES) if self.bad else FIELD_TYPES[f]}{self.pick(DEFAULTS) if self.bad else ''};"
                for f in (rng.sample(FIELDS, rng.randint(1, len(FIELDS))) if self.bad else FIELDS)
            )
            parts.append(f"fields < {decls} >\n")
        if rng.random() < 0.4 or not self.bad:
            parts.append(
                'webhook Hook < url "https://x.example/?e={{lead.email}}"; method "GET"; >\n'
            )
        self.kinds = {n: self.pick(["executable", "trigger", "batch"]) for n in self.names}
        campaigns = [self.campaign(n) for n in self.names]
        if rng.random() < 0.5 or not self.bad:
            inside = rng.randint(0, len(campaigns)) if self.bad else len(campaigns)
            body = "".join(campaigns[:inside])
            token = self.pick(
                ['token x = "X";', "token x = 10;", "", "token y = true;"]
                if self.bad
                else ['token x = "X";', "token x = 10;"]
            )
            statuses = self.pick(
                ['statuses "A", "B";', 'statuses "A", "B", "A";', ""]
                if self.bad
                else ['statuses "A", "B";']
            )
            parts.append(f'program "P" <\n  {token}\n  {statuses}\n{body}>\n')
            campaigns = campaigns[inside:]
        parts.extend(campaigns)
        if rng.random() < 0.05:  # very deep: the nesting limit
            n = rng.randint(90, 400)
            which = rng.randrange(3)
            if which == 0:
                parts.append(
                    "campaign Deep <" + " if true then <" * n + " stop;" + " >" * n + " >\n"
                )
            elif which == 1:
                parts.append("campaign Deep < set x = " + "not " * n + "true; >\n")
            else:
                parts.append("campaign Deep < set x = " + "(" * n + "1" + ")" * n + "; >\n")
        text = "".join(parts)
        if rng.random() < 0.05:
            text = "\ufeff" + text
        return text


def mutate(rng: random.Random, text: str) -> str:
    """Delete, duplicate, swap or insert characters and tokens of ``text``."""
    pieces = [p for p in _split(text)]
    for _ in range(rng.randint(1, 6)):
        if not pieces:
            break
        i = rng.randrange(len(pieces))
        op = rng.randrange(6)
        if op == 0:
            del pieces[i]
        elif op == 1:
            pieces.insert(i, pieces[rng.randrange(len(pieces))])
        elif op == 2:
            j = rng.randrange(len(pieces))
            pieces[i], pieces[j] = pieces[j], pieces[i]
        elif op == 3:
            pieces.insert(
                i,
                rng.choice(
                    ["<", ">", ";", '"', "(", ")", "{{", "}}", "`", "\n", "\ufeff", "\x00", "#"]
                ),
            )
        elif op == 4:
            pieces[i] = pieces[i][: rng.randrange(len(pieces[i]) + 1)]
        else:
            pieces.insert(
                i,
                rng.choice(
                    [
                        "if true then <",
                        "retry 2 times <",
                        "call C0;",
                        "stop;",
                        "wait 1 day;",
                        "null",
                        "1e400",
                    ]
                ),
            )
    return "".join(pieces)


def _split(text: str) -> list[str]:
    import re

    return re.findall(r'\s+|\w+|"(?:[^"\\\n]|\\.)*"|`[^`\n]*`|#[^\n]*|.', text, re.S)


# ---- lead and event files -----------------------------------------------------------------


CLEAN_CELLS = ["", "1", "2.50", "100", "ana@ex.com", "US", "usa", "Deutschland", "true", "false",
               "2026-11-20", "Lead", "MQL"]  # fmt: skip


def lead_file(rng: random.Random, folder: Path) -> Path:
    """Half the time a clean file (the run goes ahead); else with every kind of damage."""
    fmt = rng.choice(["csv", "csv", "json", "jsonl"])
    if rng.random() < 0.5:
        return _clean_leads(rng, folder, fmt)
    n = rng.randrange(0, 8)
    columns = rng.sample(
        ["id", "email", "country", "score", "stage", "Job Title", "mql_date", "ok", "x"],
        rng.randint(1, 6),
    )
    rows = []
    for i in range(n):
        row = {}
        for c in columns:
            if c == "id":
                row[c] = rng.choice(
                    [str(i + 1), str(i + 1), "", "-1", "1.5", "x", str(rng.randrange(4))]
                )
            else:
                row[c] = rng.choice(CELLS)
        rows.append(row)
    path = folder / f"leads.{fmt}"
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(columns)
        for row in rows:
            w.writerow([row[c] for c in columns])
        text = out.getvalue()
        data = text.encode("utf-8")
        m = rng.randrange(12)
        if m == 0:
            data = b"\xef\xbb\xbf" + data
        elif m == 1:
            data += b"1,2,3,4,5,6,7,8,9\n"  # extra cells
        elif m == 2:
            data += b'9,"unclosed\n'
        elif m == 3:
            data = b""
        elif m == 4:
            data = b"id,,x\n1,2,3\n"
        elif m == 5:
            data += b"\xff\xfe bad bytes\n"
        elif m == 6:
            data = data.replace(b"\n", b"\r\n")
        elif m == 7:
            data = mutate(rng, text).encode("utf-8", errors="replace")
        path.write_bytes(data)
        return path

    def jval(v: str):
        choice = rng.randrange(6)
        if choice == 0:
            return v
        if choice == 1 and v.lstrip("-").replace(".", "", 1).isdigit():
            return float(v) if "." in v else int(v)
        if choice == 2:
            return rng.choice([True, False, None, 1e300, 10**30, [1, "a"], {"k": 1}, -0.0])
        return v

    objs = [{k: jval(v) for k, v in row.items()} for row in rows]
    if rng.random() < 0.1:
        objs.append(rng.choice([[1], "text", 3, None]))
    if fmt == "json":
        text = json.dumps(objs)
        if rng.random() < 0.1:
            text = text.replace("1e+300", "1e400")
        if rng.random() < 0.15:
            text = mutate(rng, text)
    else:
        text = "".join(json.dumps(o) + "\n" for o in objs)
        if rng.random() < 0.15:
            text = mutate(rng, text)
    path.write_text(text, encoding="utf-8")
    return path


def _clean_leads(rng: random.Random, folder: Path, fmt: str) -> Path:
    typed = {"score": ["", "1", "2.5", "40"], "visits": ["", "0", "3"], "ok": ["true", "false", ""],
             "mql_date": ["", "2026-11-20", "2026-12-01"], "email": ["ana@ex.com", "", "bad", "b@ex.org"],
             "country": ["US", "usa", "Deutschland", "", "Narnia"]}  # fmt: skip
    columns = ["id", *rng.sample(sorted(typed), rng.randint(1, len(typed)))]
    rows = [
        {"id": str(i + 1), **{c: rng.choice(typed[c]) for c in columns[1:]}}
        for i in range(rng.randrange(1, 6))
    ]
    path = folder / f"leads.{fmt}"
    if fmt == "csv":
        lines = [",".join(columns), *(",".join(r[c] for c in columns) for r in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def events_file(rng: random.Random, folder: Path) -> Path:
    lines = []
    if rng.random() < 0.5:
        for _ in range(rng.randrange(1, 5)):
            etype = rng.choice(["form", "page", "click", "event"])
            lines.append(json.dumps({
                "time": rng.choice(["2026-12-01T10:00:00", "2026-12-02T08:00:00"]),
                "lead": 1, "type": etype, "name": rng.choice(["Contact Us", "/p", "Welcome", "e"]),
            }))  # fmt: skip
        path = folder / "events.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    for _ in range(rng.randrange(0, 6)):
        etype = rng.choice(["form", "page", "click", "event", "created", "nosuch"])
        ev: dict[str, object] = {
            "time": rng.choice(
                [
                    "2026-12-01T10:00:00",
                    "2026-12-02T08:00",
                    "2026-11-30T00:00:00",
                    "bad",
                    "2026-12-01T09:00:00Z",
                ]
            ),
            "type": etype,
        }
        if etype == "created":
            ev["fields"] = rng.choice(
                [{"email": "n@ex.com"}, {"id": 1, "score": 3}, {"id": 50}, [], "x"]
            )
        else:
            ev["lead"] = rng.choice([1, 2, 3, 99, "1", None, 1.5])
            ev["name"] = rng.choice(["Contact Us", "/p", "Welcome", "e", 5])
        if rng.random() < 0.1:
            ev["extra"] = True
        if rng.random() < 0.2:
            ev.pop(rng.choice(list(ev)))
        lines.append(json.dumps(ev))
    text = "\n".join(lines) + ("\n" if lines else "")
    if rng.random() < 0.15:
        text = mutate(rng, text)
    path = folder / "events.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


# ---- running a case -------------------------------------------------------------------------


@dataclass
class Finding:
    case: str  # "seed:index"
    command: list[str]
    error: str


@dataclass
class Report:
    cases: int = 0
    commands: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    fmt: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        exits = ", ".join(f"{k}: {v}" for k, v in sorted(self.exits.items()))
        return (
            f"{self.cases} cases, {self.commands} commands in {self.seconds:.0f} s "
            f"(fmt {'included' if self.fmt else 'absent: skipped'}); exits by command: {exits}; "
            f"{len(self.findings)} finding(s)"
        )


def _invoke(args: list[str]) -> tuple[int | None, BaseException | None, str]:
    from camp.cli import main
    from click.testing import CliRunner

    result = CliRunner().invoke(main, args, catch_exceptions=True)
    exc = result.exception
    if isinstance(exc, SystemExit):
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        return code, None, result.output
    if exc is not None:
        return None, exc, "".join(traceback.format_exception(exc))
    return result.exit_code, None, result.output


def run_case(rng: random.Random, folder: Path, case: str, report: Report, has_fmt: bool) -> None:
    """One case: a program (generated, or a mutated example), leads, maybe events."""
    if EXAMPLES and rng.random() < 0.2:
        text = mutate(rng, rng.choice(EXAMPLES).read_text(encoding="utf-8"))
    else:
        gen = Programs(rng)
        text = gen.program()
        if rng.random() < 0.15:
            text = mutate(rng, text)
    program = folder / "main.camp"
    program.write_text(text, encoding="utf-8")
    leads = lead_file(rng, folder)
    import re

    names = re.findall(r"campaign\s+(\w+)", text) or ["Nobody"]
    commands = [["check", str(program), "--format", rng.choice(["text", "json"])]]
    run = ["run", str(program), "--leads", str(leads), "--start", START, "--max-steps", "2000"]
    if rng.random() < 0.6:
        run += ["--campaign", rng.choice(names)]
    if rng.random() < 0.5:
        run += ["--events", str(events_file(rng, folder))]
    if rng.random() < 0.4:
        run += ["--until", rng.choice(["3 days", "2026-12-02T00:00", "2026-11-01T00:00", "1 hour"])]
    out = folder / rng.choice(["out.csv", "out.json", "out.jsonl"])
    acts = folder / "acts.jsonl"
    run += ["--out", str(out), "--activities", str(acts), "--format", rng.choice(["text", "json"])]
    commands.append(run)
    if has_fmt:
        commands.append(["fmt", str(program)])
    for args in commands:
        out.unlink(missing_ok=True)
        acts.unlink(missing_ok=True)
        code, exc, output = _invoke(args)
        report.commands += 1
        report.exits[f"{args[0]} {code if exc is None else 'exception'}"] += 1
        if exc is not None:
            report.findings.append(Finding(case, args, output))
        elif code not in (0, 1, 2, 3):
            report.findings.append(Finding(case, args, f"exit status {code}"))
        elif "Traceback (most recent call last)" in output:
            report.findings.append(Finding(case, args, output))
        elif args[0] == "run":
            leftovers = [p.name for p in folder.glob(".*.tmp")]
            if leftovers:
                report.findings.append(Finding(case, args, f"temporary files left: {leftovers}"))
            if code in (2, 3) and (out.exists() or acts.exists()):
                report.findings.append(Finding(case, args, f"exit {code} but output written"))


def has_fmt_command() -> bool:
    from camp.cli import main

    return "fmt" in getattr(main, "commands", {})


def run_cases(
    cases: int,
    seed: int,
    save: Path | None = None,
    progress: Callable[[int], None] | None = None,
    only: int | None = None,
) -> Report:
    report = Report(fmt=has_fmt_command())
    started = time.perf_counter()
    base = Path(tempfile.mkdtemp(prefix="camp-fuzz-"))
    try:
        indices = [only] if only is not None else range(cases)
        for index in indices:
            rng = random.Random(f"{seed}:{index}")
            folder = base / str(index)
            folder.mkdir()
            before = len(report.findings)
            run_case(rng, folder, f"{seed}:{index}", report, report.fmt)
            report.cases += 1
            if len(report.findings) > before and save is not None:
                shutil.copytree(folder, save / f"{seed}-{index}", dirs_exist_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            if progress is not None:
                progress(report.cases)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--replay", metavar="SEED:CASE", help="Run one case again, verbosely.")
    args = parser.parse_args(argv)
    only = None
    if args.replay:
        seed_text, case_text = args.replay.split(":")
        args.seed, only = int(seed_text), int(case_text)

    def progress(n: int) -> None:
        if n % 500 == 0:
            print(f"  {n} cases…", file=sys.stderr, flush=True)

    report = run_cases(args.cases, args.seed, args.save, progress, only)
    for f in report.findings[:50]:
        print(f"--- case {f.case}: camp {' '.join(f.command)}\n{f.error}")
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
