"""``camp test``: check each file, run the selected tests, print and write the reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from camp.checker.loader import InputError
from camp.testing import report
from camp.testing.runner import TestResult
from camp.testing.suite import Suite, load_suite, run_selected, select

if TYPE_CHECKING:
    from camp.testing.coverage import Recorder

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


def run_command(
    paths: list[Path],
    keyword: str | None,
    stop_first: bool,
    fmt: str,
    coverage: bool,
    coverage_format: str,
    out_coverage: Path | None,
    max_depth: int = 3,
) -> int:
    from camp.cli import print_diagnostics

    try:
        suite = load_suite(paths or [Path(".")], max_depth)
    except InputError as e:
        click.echo(f"camp: error: {e}", err=True)
        return EXIT_USAGE
    if not suite.ok:
        print_diagnostics(suite.diagnostics, suite.sources)
        errors = sum(d.is_error for d in suite.diagnostics)
        click.echo(f"camp test: the program fails the checks ({errors} errors); no test ran")
        return EXIT_REFUSED
    chosen = select(suite, keyword)
    recorder = None
    factory = None
    if coverage:
        from camp.testing.coverage import Recorder
        from camp.testing.coverage import factory as covering

        recorder = Recorder()
        factory = covering(recorder)

    def progress(r: TestResult) -> None:
        if fmt == "text":
            click.echo(report.result_line(r))

    if factory is None:
        results = run_selected(chosen, stop_first, progress=progress)
    else:
        results = run_selected(chosen, stop_first, factory, progress)
    if fmt == "text":
        failures = report.failures_text(results)
        if failures:
            click.echo("")
            click.echo(failures)
        click.echo("")
        if not chosen and keyword is not None:
            click.echo(f"no test name contains '{keyword}'")
        click.echo(report.summary_line(results))
    elif fmt == "json":
        click.echo(report.to_json(results))
    else:
        click.echo(report.to_junit(results), nl=False)
    if recorder is not None:
        code = write_coverage(suite, recorder, coverage_format, out_coverage, fmt)
        if code:
            return code
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAIL


def write_coverage(
    suite: Suite, recorder: Recorder, coverage_format: str, out: Path | None, fmt: str
) -> int:
    from camp.testing import coverage as C

    cov = C.report([f.check.symbols for f in suite.files], recorder)
    if coverage_format == "text":
        text = C.to_text(cov) + "\n"
    elif coverage_format == "json":
        text = C.to_json(cov) + "\n"
    else:
        text = C.to_html(cov, suite.sources)
        if out is None:
            out = Path("camp-coverage.html")
    if out is None:
        # Beside a machine-readable test report, coverage goes to stderr to keep stdout valid.
        click.echo(text, nl=False, err=fmt != "text")
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        click.echo(f"camp: error: {out}: cannot write: {e.strerror}", err=True)
        return EXIT_USAGE
    click.echo(f"coverage written to {out}", err=fmt != "text")
    return 0


__all__ = ["run_command"]
