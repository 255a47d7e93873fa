"""The command-line ends of ``camp graph``, ``camp run --report`` and ``camp db report``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camp.cli import EXIT_OK, EXIT_REFUSED, fail_input, print_diagnostics

SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}
SUFFIXES.update({".svg": "svg", ".png": "png", ".html": "html", ".htm": "html"})


def graph_command(file: Path, fmt: str | None, campaign: str | None, out: Path | None) -> int:
    from camp.checker import InputError, check_files
    from camp.checker.loader import display_path
    from camp.pictures.graph import GraphvizMissing, draw

    if fmt is None:
        fmt = SUFFIXES.get(out.suffix.lower(), "mermaid") if out is not None else "mermaid"
    try:
        result = check_files([file])
    except InputError as e:
        fail_input(str(e))
    if result.errors:
        print_diagnostics(result.diagnostics, result.symbols.sources, err=True)
        click.echo(f"camp: refused to draw: {len(result.errors)} check error(s)", err=True)
        return EXIT_REFUSED
    graph = result.graph
    if campaign is not None:
        if campaign not in graph.nodes:
            names = ", ".join(graph.nodes) or "none"
            fail_input(f"--campaign: no campaign named '{campaign}' (campaigns: {names})")
        graph = graph.reached_from(campaign)
    title = display_path(file) + (f" — {campaign}" if campaign else "")
    try:
        data = draw(graph, fmt, title)
    except GraphvizMissing as e:
        fail_input(str(e))
    if out is None:
        if fmt == "png" and sys.stdout.isatty():
            fail_input("--format png writes binary data: give --out FILE.png")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        out.write_bytes(data)
    except OSError as e:
        fail_input(f"{display_path(out)}: cannot write: {e.strerror}")
    return EXIT_OK
