#!/usr/bin/env python
"""Formatter benchmark: `format_source` on the parse benchmark's generated program.

    python bench/fmt_bench.py [--lines 10000] [--repeat 5]

Times, best of N: `parse(text)` alone, and `format_source(text)` (which parses
the source, scans it for comments, prints, then re-parses and re-scans the
result to check it). Also formats the generated program's text with its
indentation flattened and checks the result equals the formatted original.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from camp.format import format_source
from camp.grammar.parser import parse
from parse_bench import generate


def best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text = generate(args.lines)
    lines = text.count("\n")
    formatted = format_source(text, "bench.camp")
    flat = "\n".join(line.lstrip() for line in text.split("\n"))
    assert format_source(flat, "bench.camp") == formatted, "flattened text formats differently"
    assert format_source(formatted, "bench.camp") == formatted, "not idempotent"
    t_parse = best(lambda: parse(text, "bench.camp"), args.repeat)
    t_fmt = best(lambda: format_source(text, "bench.camp"), args.repeat)
    print(f"{lines} lines ({len(text)} characters), best of {args.repeat}")
    print(f"  parse          {t_parse * 1000:8.1f} ms")
    print(f"  format_source  {t_fmt * 1000:8.1f} ms  ({t_fmt / t_parse:.1f}x parse)")
    print(
        f"  changed lines  {sum(a != b for a, b in zip(text.split(chr(10)), formatted.split(chr(10)), strict=False))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
