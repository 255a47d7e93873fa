#!/usr/bin/env python
"""Front-end benchmark (issue 2): parse throughput and `camp check` start-up latency.

    python bench/parse_bench.py [--lines 10000] [--repeat 7] [--runs 15] [--profile]

1. Generates a deterministic, realistic Camp program of about 10,000 lines
   (programs with tokens and statuses, trigger, batch and executable campaigns,
   clauses, nested if/retry blocks, expressions, comments, strings with tokens).
2. Times, best of N and interleaved in the same run:
   (a) Lark's raw lexing of the text: a BasicLexer over the very same terminals
       (`Lark._build_lexer()`, built once, outside the timing), its token stream
       consumed fully. The contextual lexer the parser uses cannot run without
       a parser driving it; it is a set of per-state basic lexers over the same
       terminals, so a basic lexer is its honest stand-alone equivalent. For
       reference the public `grammar().lark.lex(text)` is timed too: it builds
       a fresh BasicLexer on every call (Lark only keeps one when lexer='basic').
   (b) `camp.grammar.parser.parse(text)`: contextual lexing, LALR parsing with
       error tracking, and the typed AST.
   Also, for context, Lark's own `lark.parse(text)` (a Lark Tree, no AST).
   Target: (b) / (a) <= 4x.
3. `camp check` on a small example, as a whole subprocess, against
   `python -c "import lark, click"`: median of --runs alternated runs each.
   Target: ratio <= 1.5x.
With --profile (or when a target is missed) a cProfile summary says where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from camp.grammar.parser import grammar, parse
from lark.lexer import LexerThread

ROOT = Path(__file__).resolve().parents[1]
PARSE_TARGET = 4.0
LATENCY_TARGET = 1.5

# ---- the generated program ------------------------------------------------------------------

COUNTRIES = ["US", "CA", "GB", "DE", "FR", "ES", "IE", "NL", "AU", "JP"]
INDUSTRIES = ["Software", "Retail", "Healthcare", "Finance", "Manufacturing", "Education"]
FORMS = ["Contact Us", "Demo Request", "Pricing", "Newsletter", "Webinar Registration"]
PAGES = ["/pricing", "/demo", "/product/tour", "/careers", "/blog/roi-calculator"]
EMAILS = ["Welcome", "Nurture 1", "Nurture 2", "Product Update", "Case Study", "Event Invite"]
STATUSES = ["Invited", "Registered", "Attended", "No Show", "Follow Up"]
FIELDS = [
    ("email", "text"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("company", "text"),
    ("country", "text"),
    ("state", "text"),
    ("phone", "text"),
    ("industry", "text"),
    ("lead_status", "text"),
    ("lead_source", "text"),
    ("`Job Title`", "text"),
    ("score", "number"),
    ("behavior_score", "number"),
    ("visits", "number"),
    ("employees", "number"),
    ("unsubscribed", "boolean"),
    ("is_customer", "boolean"),
    ("mql_date", "date"),
    ("last_visit", "datetime"),
]


class Generator:
    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.out: list[str] = []
        self.executables: list[str] = []

    def emit(self, line: str, depth: int = 0) -> None:
        self.out.append("  " * depth + line)

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def s(self, items: list[str]) -> str:
        return '"' + self.pick(items) + '"'

    # expressions

    def number_expr(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return f"score + {self.rng.randint(1, 50)}"
        if r < 0.5:
            return f"coalesce(behavior_score, 0) * {self.rng.randint(2, 5)} - visits % 7"
        if r < 0.7:
            return f"round((score + behavior_score) / {self.rng.randint(2, 9)}.5)"
        if r < 0.85:
            return f"-visits + max(employees, {self.rng.randint(10, 500)})"
        return f"abs(score - {self.rng.randint(1, 99)}) + days_between(mql_date, today())"

    def condition(self) -> str:
        atoms = [
            f"score >= {self.rng.randint(10, 150)}",
            f"country in [{', '.join(self.s(COUNTRIES) for _ in range(3))}]",
            "email is not empty",
            "not unsubscribed",
            f'industry is "{self.pick(INDUSTRIES)}"',
            '`Job Title` contains "VP"',
            'lower(email_domain(email)) ends with ".edu"',
            f"employees between {self.rng.randint(1, 50)} and {self.rng.randint(100, 5000)}",
            f"mql_date in past {self.rng.randint(7, 90)} days",
            'lead_status not in ["Customer", "Disqualified"]',
            "phone_e164(phone, country) is empty",
            f"visits * 2 + behavior_score > score - {self.rng.randint(1, 20)}",
            'lead.company starts with "ACME" or company == "Initech"',
        ]
        parts = self.rng.sample(atoms, self.rng.randint(1, 3))
        joined = parts[0]
        for p in parts[1:]:
            joined += f" {self.pick(['and', 'or'])} {p}"
        if self.rng.random() < 0.2:
            joined = f"({joined}) and is_customer == false"
        return joined

    # steps

    def step(self, depth: int, executable: bool, nest: int) -> None:
        r = self.rng.random()
        if r < 0.22:
            self.emit(f"set score += {self.rng.randint(1, 25)};", depth)
        elif r < 0.34:
            self.emit(f"set behavior_score = {self.number_expr()};", depth)
        elif r < 0.42:
            self.emit(
                f"set country = coalesce(country_code(trim(country)), {self.s(COUNTRIES)});", depth
            )
        elif r < 0.48:
            self.emit(f"send email {self.s(EMAILS)};", depth)
        elif r < 0.53:
            moment = 'moment "Scored {{lead.score}} for {{lead.first_name}} ({{campaign.name}})";'
            self.emit(moment, depth)
        elif r < 0.58:
            self.emit(f'add to list "Segment {self.rng.randint(1, 40)}";', depth)
        elif r < 0.61:
            self.emit('remove from list "Cold Leads";', depth)
        elif r < 0.66 and not executable:
            self.emit(
                f"wait {self.rng.randint(1, 14)} {self.pick(['days', 'hours', 'weeks'])};", depth
            )
        elif r < 0.70 and self.executables:
            suffix = " with parent tokens" if self.rng.random() < 0.2 else ""
            self.emit(f"call {self.pick(self.executables)}{suffix};", depth)
        elif r < 0.73:
            self.emit(
                'send alert "Hot lead: {{lead.email}}" to coalesce(lead_source, "sdr@example.com");',
                depth,
            )
        elif r < 0.86 and nest < 2:
            self.emit(f"if {self.condition()} then <", depth)
            for _ in range(self.rng.randint(1, 3)):
                self.step(depth + 1, executable, nest + 1)
            if self.rng.random() < 0.5:
                self.emit(f"> elif {self.condition()} then <", depth)
                self.step(depth + 1, executable, nest + 1)
            if self.rng.random() < 0.6:
                self.emit("> else <", depth)
                self.step(depth + 1, executable, nest + 1)
            self.emit(">", depth)
        elif r < 0.92 and nest < 2 and self.executables:
            self.emit(f"retry {self.rng.randint(2, 4)} times <", depth)
            self.emit(f"call {self.pick(self.executables)};", depth + 1)
            if self.rng.random() < 0.5:
                self.emit("> until country is not empty else <", depth)
                self.emit('add to list "Needs manual review";', depth + 1)
                self.emit(">", depth)
            else:
                self.emit("> until length(country) == 2;", depth)
        else:
            self.emit(f"set lead_status = {self.s(['MQL', 'SAL', 'Nurture', 'Open'])};", depth)

    def campaign(self, name: str, kind: str, depth: int = 0) -> None:
        self.emit(f"# {name}: {kind} campaign, generated", depth)
        prefix = "executable " if kind == "executable" else ""
        self.emit(f"{prefix}campaign {name} <", depth)
        d = depth + 1
        if kind == "trigger":
            trigger = self.pick(
                [
                    f"on form {self.s(FORMS)};",
                    f"on page {self.s(PAGES)};",
                    f"on click {self.s(EMAILS)};",
                    "on change score;",
                    "on created;",
                    'on added to list "VIP";',
                ]
            )
            self.emit(trigger, d)
            if self.rng.random() < 0.3:
                self.emit("on requested;", d)
        if kind == "batch":
            self.emit(f'schedule every day at "0{self.rng.randint(1, 9)}:30";', d)
        for _ in range(self.rng.randint(1, 2)):
            self.emit(f"where {self.condition()};", d)
        self.emit(
            self.pick(["qualify once;", "qualify every time;", "qualify once every 7 days;"]), d
        )
        for _ in range(self.rng.randint(4, 9)):
            self.step(d, kind == "executable", 0)
        self.emit(">", depth)
        self.emit("")

    def program(self, index: int) -> None:
        name = f"Program {index:04d}"
        self.emit(f'program "{name}" <')
        self.emit(f'token speaker = "Speaker {index}";', 1)
        self.emit(f"token points = {self.rng.randint(5, 50)};", 1)
        self.emit(f"statuses {', '.join(chr(34) + s + chr(34) for s in STATUSES)};", 1)
        for j in range(3):
            self.campaign(f"P{index:04d}Campaign{j}", self.pick(["trigger", "batch"]), 1)
            self.out.insert(len(self.out) - 2, f'    change status to "{self.pick(STATUSES)}";')
            self.out.insert(len(self.out) - 2, "    set score += my.points;")
        self.emit(">")
        self.emit("")

    def generate(self, target_lines: int) -> str:
        self.emit("# Generated by bench/parse_bench.py: a large, realistic Camp program.")
        self.emit("fields <")
        for name, type_name in FIELDS:
            default = " = 0" if type_name == "number" else ""
            self.emit(f"{name}: {type_name}{default};", 1)
        self.emit(">")
        self.emit("")
        self.emit("webhook Enrich <")
        self.emit('url "https://enrich.example.com/v1?email={{lead.email}}";', 1)
        self.emit('method "GET";', 1)
        self.emit('response company = "company.name";', 1)
        self.emit(">")
        self.emit("")
        i = 0
        while len(self.out) < target_lines:
            if i % 10 == 9:
                self.program(i)
            else:
                exe = f"Exec{i:04d}"
                self.campaign(exe, "executable")
                self.executables.append(exe)
                self.executables = self.executables[-20:]
                self.campaign(f"Flow{i:04d}", self.pick(["trigger", "trigger", "batch"]))
            i += 1
        return "\n".join(self.out) + "\n"


def generate(target_lines: int = 10_000) -> str:
    return Generator().generate(target_lines)


# ---- timing helpers ---------------------------------------------------------------------------------


def best_of(functions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best time of each function, the functions interleaved round by round."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def profile(fn: Callable[[], object], title: str, limit: int = 18) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    return f"--- cProfile: {title} (sorted by own time) ---\n" + out.getvalue()


PHASES = """
import sys, time
t0 = time.perf_counter()
import lark, click
t1 = time.perf_counter()
import camp.grammar.span, camp.diagnostics
ta = time.perf_counter()
import camp.grammar.ast
tb = time.perf_counter()
import camp.cli, camp.checker
t2 = time.perf_counter()
from camp.grammar.parser import grammar, parse
grammar()
t3 = time.perf_counter()
text = open(sys.argv[1], encoding="utf-8").read()
parse(text, "x.camp")
t4 = time.perf_counter()
from camp.checker import check_sources
check_sources([("x.camp", text)])
t5 = time.perf_counter()
ms = [(t1 - t0), (t2 - t1), (tb - ta), (t3 - t2), (t4 - t3), (t5 - t4)]
print(" ".join(f"{x * 1000:.1f}" for x in ms))
"""


def camp_command() -> list[str]:
    # The console script next to this interpreter (not a pyenv shim, which would add a
    # shell start-up to every run); otherwise the module.
    script = Path(sys.executable).with_name("camp")
    if script.is_file():
        return [str(script)]
    found = shutil.which("camp")
    if found and "shims" not in found:
        return [found]
    return [sys.executable, "-m", "camp.cli"]


def run_timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')}")
    return elapsed


# ---- main -----------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7, help="best of N for the parse timings")
    ap.add_argument("--runs", type=int, default=15, help="subprocess runs of each command")
    ap.add_argument("--profile", action="store_true", help="always print cProfile summaries")
    ap.add_argument("--example", default=None, help="the file for the latency test")
    args = ap.parse_args()

    print("Camp front-end benchmark")
    print(f"  machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()}")
    print(f"  python:  {platform.python_version()} ({sys.executable})")
    import lark

    print(f"  lark:    {lark.__version__}")

    text = generate(args.lines)
    n_lines = text.count("\n")
    g = grammar()
    lark_obj = g.lark
    result = parse(text, "bench.camp")
    if result.diagnostics:
        first = result.diagnostics[0]
        raise SystemExit(f"generated program has syntax errors: {first.span}: {first.message}")
    basic = lark_obj._build_lexer()  # built once: its construction is not lexing
    n_tokens = sum(1 for _ in LexerThread.from_text(basic, text).lex(None))

    def lex_prebuilt() -> int:
        return sum(1 for _ in LexerThread.from_text(basic, text).lex(None))

    def lex_public() -> int:
        return sum(1 for _ in lark_obj.lex(text))

    def camp_parse() -> object:
        return parse(text, "bench.camp")

    def lark_tree() -> object:
        return lark_obj.parse(text, start="start")

    assert lex_public() == n_tokens
    print(
        f"\n1. Parsing a generated program: {n_lines} lines, {len(text)} chars, {n_tokens} tokens"
    )
    times = best_of(
        {
            "lex": lex_prebuilt,
            "lex_public": lex_public,
            "lark_tree": lark_tree,
            "parse": camp_parse,
        },
        args.repeat,
    )
    lex_t, parse_t = times["lex"], times["parse"]
    ratio = parse_t / lex_t

    def row(label: str, seconds: float) -> None:
        print(
            f"   {label:<52} {seconds * 1000:8.1f} ms  {n_lines / seconds:>10,.0f} lines/s"
            f"  {n_tokens / seconds:>10,.0f} tokens/s"
        )

    print(f"   best of {args.repeat}, interleaved:")
    row("(a) Lark raw lexing (BasicLexer, prebuilt)", lex_t)
    row("    Lark lark.lex(text) (builds a BasicLexer per call)", times["lex_public"])
    row("    Lark lark.parse(text) (Lark Tree, for reference)", times["lark_tree"])
    row("(b) camp.grammar.parser.parse (parse + AST)", parse_t)
    verdict = "OK" if ratio <= PARSE_TARGET else f"MISSED by {ratio / PARSE_TARGET:.2f}x"
    print(f"   ratio (b)/(a) = {ratio:.2f}x   (target <= {PARSE_TARGET:g}x: {verdict})")
    print(f"   ratio Lark tree parse/(a) = {times['lark_tree'] / lex_t:.2f}x (reference)")

    examples = sorted((ROOT / "examples").glob("*.camp"), key=lambda p: p.stat().st_size)
    example = Path(args.example) if args.example else examples[0]
    camp = [
        *camp_command(),
        "check",
        str(example.relative_to(ROOT) if example.is_absolute() else example),
    ]
    base = [sys.executable, "-c", "import lark, click"]
    for cmd in (camp, base):  # warm the OS cache, the .pyc files and Lark's grammar cache
        run_timed(cmd)
    camp_times: list[float] = []
    base_times: list[float] = []
    for _ in range(args.runs):
        camp_times.append(run_timed(camp))
        base_times.append(run_timed(base))
    camp_med, base_med = statistics.median(camp_times), statistics.median(base_times)
    latency_ratio = camp_med / base_med
    print(f"\n2. `camp check` latency, whole process, median of {args.runs} alternated runs")
    print(f"   {' '.join(camp)}")
    print(f"   {'camp check':<28} {camp_med * 1000:8.1f} ms  (min {min(camp_times) * 1000:.1f})")
    print(
        f"   {'python -c import lark,click':<28} {base_med * 1000:8.1f} ms  (min {min(base_times) * 1000:.1f})"
    )
    verdict = (
        "OK"
        if latency_ratio <= LATENCY_TARGET
        else (
            f"MISSED by {latency_ratio / LATENCY_TARGET:.2f}x "
            f"({(camp_med - LATENCY_TARGET * base_med) * 1000:.0f} ms over)"
        )
    )
    print(f"   ratio = {latency_ratio:.2f}x   (target <= {LATENCY_TARGET:g}x: {verdict})")

    if args.profile or ratio > PARSE_TARGET:
        print()
        print(profile(camp_parse, "camp.grammar.parser.parse on the generated program"))
    if args.profile or latency_ratio > LATENCY_TARGET:
        print()
        code = (
            "import cProfile, pstats, sys\n"
            "from camp.cli import main\n"
            "prof = cProfile.Profile(); prof.enable()\n"
            "try:\n"
            f"    main(['check', {str(example)!r}], standalone_mode=False)\n"
            "except SystemExit:\n"
            "    pass\n"
            "prof.disable()\n"
            "pstats.Stats(prof).sort_stats('cumulative').print_stats(25)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
        )
        phases = subprocess.run(
            [sys.executable, "-c", PHASES, str(example)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        print("--- phases of `camp check` in a fresh process (median of 5, ms) ---")
        runs = [
            [float(x) for x in line.split()] for line in phases.stdout.splitlines() if line.strip()
        ]
        for _ in range(4):
            more = subprocess.run(
                [sys.executable, "-c", PHASES, str(example)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            runs += [[float(x) for x in line.split()] for line in more.stdout.splitlines()]
        labels = [
            "import lark, click (as the baseline)",
            "import camp.cli + camp.checker (the rest)",
            "  of which camp.grammar.ast alone",
            "grammar(): load the Lark grammar cache",
            "first parse (lazy per-state lexer regexes)",
            "check_sources: parse again (warm) + check",
        ]
        for i, label in enumerate(labels):
            print(f"   {label:<45} {statistics.median(r[i] for r in runs):8.1f}")
        print()
        print("--- cProfile: camp check in a fresh process (cumulative) ---")
        print(proc.stdout[-6000:])
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "camp.cli", "check", str(example)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        parsed = []
        for r in imports.stderr.splitlines():
            if not r.startswith("import time:") or "self [us]" in r:
                continue
            own, cumulative, name = r[len("import time:") :].split("|", 2)
            parsed.append((int(cumulative), int(own), name.rstrip()))
        print("--- import time of `camp check` (top 20 by cumulative time, microseconds) ---")
        for cumulative, own, name in sorted(parsed, reverse=True)[:20]:
            print(f"   {cumulative:>9} cumulative {own:>9} self  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
