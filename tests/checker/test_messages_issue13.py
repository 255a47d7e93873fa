"""Check messages a new user met (issue 13): tokens outside a program, variadic arity,
and no false W102 after a duplicate campaign is dropped."""

from __future__ import annotations

from camp.checker import check_sources


def diagnostics(source: str) -> list[tuple[str, str]]:
    result = check_sources([("main.camp", source)])
    return [(d.code, d.message) for d in result.diagnostics]


def test_a_token_outside_a_program_says_tokens_exist_only_inside_one():
    assert diagnostics('campaign Main < set x = my.x; moment "{{my.y}}"; >\n') == [
        (
            "E302",
            "undefined token my.x: tokens exist only inside a program, and this campaign is not in one",
        ),
        (
            "E302",
            "undefined token {{my.y}}: tokens exist only inside a program, and this campaign is not in one",
        ),
    ]


def test_variadic_functions_take_at_least_1_argument():
    assert diagnostics("campaign Main < set x = concat(); >\n") == [
        ("E303", "'concat' takes at least 1 argument, got 0")
    ]


def test_a_dropped_duplicate_does_not_make_its_callees_never_called():
    source = """
    campaign Main < set x = 1; >
    campaign Main < call Helper; >
    executable campaign Helper < set y = 2; >
    executable campaign Unused < set z = 3; >
    """
    codes = diagnostics(source)
    assert [c for c, _ in codes] == ["E305", "W102"]
    assert codes[1] == ("W102", "executable campaign 'Unused' is never called")
