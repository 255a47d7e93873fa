"""The Pygments lexer: keyword coverage against the grammar, soft keywords, registration."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from camp.grammar.parser import grammar, parse
from camp.highlight.lexer import KEYWORD_TABLES, STDLIB_FUNCTIONS, CampLexer
from lark import Token as LarkToken
from lark import Tree
from pygments.lexers import (  # type: ignore[import-untyped, unused-ignore]
    find_lexer_class_for_filename,
    get_lexer_by_name,
    get_lexer_for_filename,
    get_lexer_for_mimetype,
)
from pygments.token import (  # type: ignore[import-untyped, unused-ignore]
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = (
    sorted((ROOT / "examples").glob("*.camp"))
    + sorted((ROOT / "examples" / "tests").glob("*.camp"))
    + sorted((ROOT / "stdlib").glob("*.camp"))
)

# A valid program that uses every keyword of the grammar, most of them where
# a field of the same name could also stand.
KEYWORD_PROGRAM = r"""
import "std/normalize";
fields <
  email: text;
  text: text;
  status: number = -1;
  list: boolean = true;
  `Job Title`: date;
  created: datetime = null;
  score: number = 2.5;
  flag: boolean = false;
>
webhook Enrich <
  url "https://x.example/?e={{lead.email}}";
  method "POST";
  header "Authorization" = "Bearer \"x\" \\ \n \t \u00e9";
  body "{\"email\": \"{{lead.email}}\"}";
  response url = "company.name";
  response `Job Title` = "title";
>
program "Webinar" <
  token speaker = "Jane";
  token points = 10;
  statuses "Invited", "Registered", "Attended";
  statuses ("Won", "Lost");
  success "Attended", "Won";
  campaign Registered <
    on status change in "Webinar";
    on change status;
    on change lead.`Job Title`;
    on change score from < 50 to >= 50;
    on change email from empty to not empty;
    on change status to in [1, 2] from not in [3];
    on added to list "VIP";
    on form "F"; on page "/p"; on click "C"; on event "E"; on created; on requested;
    where status is not empty and list contains "x" or not email starts with "a";
    where email ends with "b" and score between 1 and 2 and created in past 3 weeks;
    where text not contains "t" and text not in ["a", "b"] and text in ["c"] and text is "d";
    where email is empty or status is not 3 or my.points > 2 or lead.status <= 1;
    where member of list "VIP" and not member of program "Webinar";
    where status in "Webinar" is "Attended" and email not starts with "a";
    where email not ends with "z";
    qualify once;
    qualify every time;
    qualify once every 2 months;
    schedule at "2026-12-01T09:00";
    schedule every day at "02:00";
    schedule every monday at "08:00"; schedule every tuesday at "08:00";
    schedule every wednesday at "08:00"; schedule every thursday at "08:00";
    schedule every friday at "08:00"; schedule every saturday at "08:00";
    schedule every month on 1 at "06:00";
    set status = 1 + 2 * 3 / 4 % 5 - -6;
    set score += 1;
    set `Job Title` -= 1;
    set lead.email = lower(email) + x_unknown(1);
    set list = (status == 1) != (status >= 2);
    call Enrich2;
    call Enrich2 with parent tokens;
    request Other;
    send email "Welcome";
    send operational email "Ops";
    send alert "A" to "x@example.com";
    wait 1 minute; wait 2 minutes; wait 1 hour; wait 3 hours; wait 1 day; wait 2 days;
    wait 1 week; wait 1 month;
    wait until date(created) > today();
    wait until next sunday at "09:00";
    webhook Enrich;
    add to list "L";
    remove from list "L";
    change status to "Attended";
    change status in "Webinar" to "Attended";
    moment "Hello {{my.speaker}} {{lead.`Job Title`}} {{campaign.name}} {{program.name}}";
    if status < 3 then < stop; > elif status > 3 then < fail "no"; > else < >
    retry 3 times < call Enrich2; >
    retry 3 times < call Enrich2; > until status is not empty;
    retry 3 times < call Enrich2; > until status is empty else < stop; >
    retry 3 times < call Enrich2; > else < set email = null; >
  >
>
executable campaign Enrich2 < set status = datetime(now()); >
campaign Other < on requested; >
test "every test line" <
  lead < email = "a@example.com"; status = 2; >
  at "2026-12-01T09:00:00";
  mock webhook Enrich returns "{\"company\": {\"name\": \"Acme\"}}";
  fire form "F"; fire page "/p"; fire click "C"; fire event "E";
  request Other;
  advance 3 days;
  expect lead.status == 2;
  expect activity "Send Email" with email is "Welcome" and campaign contains "x";
  expect no activity "Email Blocked";
  expect 2 activity "Add to List" with list == "L";
  expect error R206;
  expect in list "L";
  expect not in list "M";
  expect status in "Webinar" is "Attended";
>
"""


def is_keyword_token(token: Any) -> bool:
    return token in Keyword or token in Operator.Word


def all_table_words() -> frozenset[str]:
    return frozenset().union(*KEYWORD_TABLES.values())


# ---- keywords come from the grammar -------------------------------------------


def test_keyword_tables_cover_the_grammar() -> None:
    missing = sorted(grammar().keywords - all_table_words())
    assert not missing, (
        f"the grammar has keywords the lexer does not know: {missing}; "
        "add them to a table in camp/highlight/lexer.py (and a rule that highlights them)"
    )


def test_keyword_tables_have_no_stale_words() -> None:
    stale = sorted(all_table_words() - grammar().keywords)
    assert not stale, f"the lexer highlights words that are no longer keywords: {stale}"


def test_keyword_program_is_valid() -> None:
    result = parse(KEYWORD_PROGRAM, "keywords.camp")
    assert result.ok, [d.message for d in result.diagnostics]


def test_every_grammar_keyword_is_highlighted_as_a_keyword() -> None:
    highlighted = {
        value for token, value in CampLexer().get_tokens(KEYWORD_PROGRAM) if is_keyword_token(token)
    }
    missing = sorted(grammar().keywords - highlighted)
    assert not missing, (
        f"keywords never lexed as Keyword/Operator.Word: {missing} "
        "(extend KEYWORD_PROGRAM with a use of each, and fix the lexer)"
    )
    # and each table's words are highlighted somewhere in the program
    assert all_table_words() <= highlighted


def parser_disagreements(text: str) -> list[str]:
    """Where the lexer and the parser disagree about what a token is.

    The parser (Lark's contextual lexer) knows exactly which words are
    keywords; the highlighter must agree on every token of a valid program.
    """
    g = grammar()
    tree = g.lark.parse(text, start="start")
    terminals = {t.name: t for t in g.lark.terminals}
    lexed = {pos: (token, value) for pos, token, value in CampLexer().get_tokens_unprocessed(text)}
    problems: list[str] = []

    def check(tok: LarkToken, parent: Tree[Any]) -> None:
        token, value = lexed.get(tok.start_pos or 0, (None, ""))
        term = terminals.get(tok.type)
        if term is not None and term.pattern.type == "str" and term.pattern.value.isalpha():
            ok = is_keyword_token(token) and value == tok.value
        elif tok.type == "NAME":
            ok = token in Name and value == tok.value
        elif tok.type == "BACKQUOTED":
            ok = token in Name.Variable and value == tok.value
        elif tok.type == "STRING":
            ok = token in String
        elif tok.type == "NUMBER":
            ok = token in Number and value == tok.value
        elif tok.value in ("<", ">"):
            # a comparison inside an expression, block punctuation otherwise
            ok = token is (Operator if parent.data == "comp_op" else Punctuation)
        else:
            ok = token is not None and (token in Operator or token in Punctuation)
        if not ok:
            problems.append(f"{tok.line}:{tok.column} {tok.type} {tok.value!r} lexed as {token}")

    def walk(node: Tree[Any]) -> None:
        for child in node.children:
            if isinstance(child, Tree):
                walk(child)
            elif isinstance(child, LarkToken):
                check(child, node)

    walk(tree)
    return problems


def test_lexer_agrees_with_parser_on_keyword_program() -> None:
    assert parser_disagreements(KEYWORD_PROGRAM) == []


@pytest.mark.parametrize("program", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_lexer_agrees_with_parser_on_examples(program: Path) -> None:
    text = program.read_text(encoding="utf-8")
    if not parse(text, str(program)).ok:
        pytest.skip("the example does not parse (yet)")
    assert parser_disagreements(text) == []


# ---- soft keywords and the other token classes ------------------------------


def lexed(source: str) -> list[tuple[str, Any]]:
    """Non-whitespace tokens, with the pieces of one string literal merged."""
    out: list[tuple[str, Any]] = []
    for token, value in CampLexer().get_tokens(source):
        if out and token is out[-1][1] and token is String.Double:
            out[-1] = (out[-1][0] + value, token)
        elif token is not Whitespace:
            out.append((value, token))
    return out


K, KD, KT, KC, KP = Keyword, Keyword.Declaration, Keyword.Type, Keyword.Constant, Keyword.Pseudo
OW, OP, P, N, NV, NF = Operator.Word, Operator, Punctuation, Name, Name.Variable, Name.Function
S, INT, FLOAT = String.Double, Number.Integer, Number.Float

CASES: list[tuple[str, list[tuple[str, Any]]]] = [
    ('set status = "Open";', [("set", K), ("status", N), ("=", OP), ('"Open"', S), (";", P)]),
    (
        "where email is not empty;",
        [("where", K), ("email", N), ("is", OW), ("not", OW), ("empty", OW), (";", P)],
    ),
    ('send email "Welcome";', [("send", K), ("email", K), ('"Welcome"', S), (";", P)]),
    (
        'send alert "A" to owner_email;',
        [("send", K), ("alert", K), ('"A"', S), ("to", K), ("owner_email", N), (";", P)],
    ),
    ("on change status;", [("on", K), ("change", K), ("status", N), (";", P)]),
    (
        "on change lead.`Job Title`;",
        [("on", K), ("change", K), ("lead", KP), (".", P), ("`Job Title`", NV), (";", P)],
    ),
    (
        'on status change in "Webinar";',
        [("on", K), ("status", K), ("change", K), ("in", K), ('"Webinar"', S), (";", P)],
    ),
    (
        'change status in "P" to "S";',
        [("change", K), ("status", K), ("in", K), ('"P"', S), ("to", K), ('"S"', S), (";", P)],
    ),
    ('add to list "VIP";', [("add", K), ("to", K), ("list", K), ('"VIP"', S), (";", P)]),
    (
        'where list contains "x" and status in ["a"];',
        [
            ("where", K),
            ("list", N),
            ("contains", OW),
            ('"x"', S),
            ("and", OW),
            ("status", N),
            ("in", OW),
            ("[", P),
            ('"a"', S),
            ("]", P),
            (";", P),
        ],
    ),
    (
        "fields < text: text; `Job Title`: date = null; n: number = -1.5; >",
        [
            ("fields", KD),
            ("<", P),
            ("text", N),
            (":", P),
            ("text", KT),
            (";", P),
            ("`Job Title`", NV),
            (":", P),
            ("date", KT),
            ("=", OP),
            ("null", KC),
            (";", P),
            ("n", N),
            (":", P),
            ("number", KT),
            ("=", OP),
            ("-", OP),
            ("1.5", FLOAT),
            (";", P),
            (">", P),
        ],
    ),
    (
        "set d = date(x) + days + custom(1);",
        [
            ("set", K),
            ("d", N),
            ("=", OP),
            ("date", Name.Builtin),
            ("(", P),
            ("x", N),
            (")", P),
            ("+", OP),
            ("days", N),
            ("+", OP),
            ("custom", NF),
            ("(", P),
            ("1", INT),
            (")", P),
            (";", P),
        ],
    ),
    (
        "if a > 1 then < stop; > else < >",
        [
            ("if", K),
            ("a", N),
            (">", OP),
            ("1", INT),
            ("then", K),
            ("<", P),
            ("stop", K),
            (";", P),
            (">", P),
            ("else", K),
            ("<", P),
            (">", P),
        ],
    ),
    ("wait 2 days;", [("wait", K), ("2", INT), ("days", KP), (";", P)]),
    (
        "where d in past 1.5 weeks;",
        [("where", K), ("d", N), ("in", OW), ("past", OW), ("1.5", FLOAT), ("weeks", KP), (";", P)],
    ),
    (
        r'moment "a {{my.x}} \" \u00e9 {{lead.`Job Title`}} {x}";',
        [
            ("moment", K),
            ('"a ', S),
            ("{{my.x}}", String.Interpol),
            (" ", S),
            ('\\"', String.Escape),
            (" ", S),
            ("\\u00e9", String.Escape),
            (" ", S),
            ("{{lead.`Job Title`}}", String.Interpol),
            (' {x}"', S),
            (";", P),
        ],
    ),
    (r'fail "bad \q";', [("fail", K), ('"bad ', S), ("\\q", Error), ('"', S), (";", P)]),
    (
        "call Foo with parent tokens;",
        [("call", K), ("Foo", NF), ("with", K), ("parent", K), ("tokens", K), (";", P)],
    ),
    ("request Foo;", [("request", K), ("Foo", NF), (";", P)]),
    ("webhook Hook;", [("webhook", K), ("Hook", NF), (";", P)]),
    (
        'webhook Hook < url "x"; response url = "y"; >',
        [
            ("webhook", KD),
            ("Hook", NF),
            ("<", P),
            ("url", K),
            ('"x"', S),
            (";", P),
            ("response", K),
            ("url", N),
            ("=", OP),
            ('"y"', S),
            (";", P),
            (">", P),
        ],
    ),
    (
        "executable campaign Foo < qualify once every 2 hours; >",
        [
            ("executable", KD),
            ("campaign", KD),
            ("Foo", NF),
            ("<", P),
            ("qualify", K),
            ("once", K),
            ("every", K),
            ("2", INT),
            ("hours", KP),
            (";", P),
            (">", P),
        ],
    ),
    (
        'program "P" < token points = 1; statuses "A", "B"; campaign C < > >',
        [
            ("program", KD),
            ('"P"', S),
            ("<", P),
            ("token", KD),
            ("points", NV),
            ("=", OP),
            ("1", INT),
            (";", P),
            ("statuses", KD),
            ('"A"', S),
            (",", P),
            ('"B"', S),
            (";", P),
            ("campaign", KD),
            ("C", NF),
            ("<", P),
            (">", P),
            (">", P),
        ],
    ),
    (
        "set x = my.points + lead.score - true;",
        [
            ("set", K),
            ("x", N),
            ("=", OP),
            ("my", KP),
            (".", P),
            ("points", NV),
            ("+", OP),
            ("lead", KP),
            (".", P),
            ("score", N),
            ("-", OP),
            ("true", KC),
            (";", P),
        ],
    ),
    (
        'import "std/normalize"; # the prelude',
        [
            ("import", Keyword.Namespace),
            ('"std/normalize"', S),
            (";", P),
            ("# the prelude", Comment.Single),
        ],
    ),
    (
        "retry 2 times < call X; > until ok else < stop; >",
        [
            ("retry", K),
            ("2", INT),
            ("times", K),
            ("<", P),
            ("call", K),
            ("X", NF),
            (";", P),
            (">", P),
            ("until", K),
            ("ok", N),
            ("else", K),
            ("<", P),
            ("stop", K),
            (";", P),
            (">", P),
        ],
    ),
    (
        'fields # the schema\n< a: text; >\nwebhook W # hook\n< method "GET"; >',
        [
            ("fields", KD),
            ("# the schema", Comment.Single),
            ("<", P),
            ("a", N),
            (":", P),
            ("text", KT),
            (";", P),
            (">", P),
            ("webhook", KD),
            ("W", NF),
            ("# hook", Comment.Single),
            ("<", P),
            ("method", K),
            ('"GET"', S),
            (";", P),
            (">", P),
        ],
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_token_classes(source: str, expected: list[tuple[str, Any]]) -> None:
    assert lexed(source) == expected


def test_stdlib_functions_match_the_registry() -> None:
    """Every function of the standard library registry is highlighted as a builtin."""
    names = _registry_names()
    if names is None:
        pytest.skip("camp.stdlib has no function registry yet")
    missing = sorted(names - STDLIB_FUNCTIONS)
    assert not missing, f"add these to camp.highlight.lexer.STDLIB_FUNCTIONS: {missing}"


def _registry_names() -> set[str] | None:
    for module_name in ("camp.stdlib", "camp.stdlib.registry"):
        try:
            module = importlib.import_module(module_name)
        except Exception:  # the registry is being written; nothing to compare with yet
            return None
        for attr in ("REGISTRY", "registry", "STDLIB", "FUNCTIONS", "default_registry"):
            obj = getattr(module, attr, None)
            if callable(obj) and not isinstance(obj, Mapping) and not isinstance(obj, type):
                try:
                    obj = obj()
                except Exception:
                    continue
            if isinstance(obj, Mapping) and obj:
                return {str(name) for name in obj}
    return None


# ---- registration and import hygiene ------------------------------------------


def test_registered_by_name_filename_and_mimetype() -> None:
    assert isinstance(get_lexer_by_name("camp"), CampLexer)
    assert find_lexer_class_for_filename("x.camp") is CampLexer
    assert isinstance(get_lexer_for_filename("campaigns/welcome.camp"), CampLexer)
    assert isinstance(get_lexer_for_mimetype("text/x-camp"), CampLexer)
    assert CampLexer.name == "Camp"
    assert CampLexer.aliases == ["camp"]
    assert CampLexer.filenames == ["*.camp"]
    assert CampLexer.mimetypes == ["text/x-camp"]


def _pygmentize() -> list[str]:
    beside = Path(sys.executable).with_name("pygmentize")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pygmentize")
    return [found] if found else [sys.executable, "-m", "pygments"]


def test_pygmentize_guesses_camp_files(tmp_path: Path) -> None:
    source = EXAMPLES[0] if EXAMPLES else tmp_path / "keywords.camp"
    if not EXAMPLES:
        source.write_text(KEYWORD_PROGRAM, encoding="utf-8")
    env = {**os.environ, "TERM": "xterm-256color"}
    done = subprocess.run(
        [*_pygmentize(), "-g", str(source)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b[" in done.stdout
    listed = subprocess.run(
        [*_pygmentize(), "-L", "lexers"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert "* camp:" in listed.stdout


def _run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_lexer_import_is_light() -> None:
    loaded = _run_python(
        "import sys, camp.highlight.lexer\n"
        "print(sorted(m for m in ('prompt_toolkit', 'lark', 'camp.grammar') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_render_imports_pygments_only_when_called() -> None:
    loaded = _run_python(
        "import sys, camp.highlight, camp.highlight.render\nprint('pygments' in sys.modules)"
    )
    assert loaded == "False"


def test_camp_check_does_not_import_pygments(tmp_path: Path) -> None:
    if importlib.util.find_spec("camp.cli") is None:
        pytest.skip("camp.cli does not exist yet")
    program = tmp_path / "ok.camp"
    program.write_text('campaign Welcome < on form "Contact Us"; send email "Hi"; >\n')
    verdict = tmp_path / "modules.txt"
    code = (
        "import sys\n"
        "from camp.cli import main\n"
        f"sys.argv = ['camp', 'check', {str(program)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"open({str(verdict)!r}, 'w').write(str('pygments' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert verdict.exists(), done.stderr
    assert verdict.read_text() == "False", "`camp check` imported pygments"
