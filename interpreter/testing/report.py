"""The outputs of ``camp test``: text (a line per test, failures, ``N passed, N failed``),
JSON, and JUnit XML (read by GitLab, GitHub and Jenkins)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

from camp.testing.runner import TestResult

MARKS = {"passed": "ok", "failed": "FAILED", "error": "ERROR"}


def summary_line(results: list[TestResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def result_line(r: TestResult) -> str:
    return f"{MARKS[r.outcome]:<6}  {r.file}:{r.line}  {r.name}"


def failures_text(results: list[TestResult]) -> str:
    blocks = []
    for r in results:
        if r.passed:
            continue
        blocks.append(f'---- {MARKS[r.outcome]}: "{r.name}" ({r.file}:{r.line})\n{r.message}')
    return "\n\n".join(blocks)


def to_json(results: list[TestResult]) -> str:
    result = "OK" if all(r.passed for r in results) else "FAIL"
    return json.dumps({"result": result, "tests": [r.to_json() for r in results]}, indent=2)


def to_junit(results: list[TestResult]) -> str:
    """One ``<testsuite>`` per file (``classname`` the file), in the common JUnit schema."""
    suites = ET.Element("testsuites", name="camp test")
    by_file: dict[str, list[TestResult]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    counts: Counter[str] = Counter()
    for file, items in by_file.items():
        c = Counter(r.outcome for r in items)
        counts.update(c)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=file,
            tests=str(len(items)),
            failures=str(c["failed"]),
            errors=str(c["error"]),
            skipped="0",
            time=f"{sum(r.duration_ms for r in items) / 1000:.3f}",
        )
        for r in items:
            case = ET.SubElement(
                suite,
                "testcase",
                name=r.name,
                classname=file,
                file=file,
                line=str(r.line),
                time=f"{r.duration_ms / 1000:.3f}",
            )
            if not r.passed:
                tag = "failure" if r.outcome == "failed" else "error"
                first = r.message.split("\n", 1)[0]
                node = ET.SubElement(case, tag, message=first, type=tag)
                node.text = r.message
    suites.set("tests", str(len(results)))
    suites.set("failures", str(counts["failed"]))
    suites.set("errors", str(counts["error"]))
    suites.set("time", f"{sum(r.duration_ms for r in results) / 1000:.3f}")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
