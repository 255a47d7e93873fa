"""``camp graph``: the program graph as Mermaid, Graphviz DOT, SVG, PNG or an HTML page.

Text formats never need anything installed; SVG and PNG run Graphviz's ``dot``.
Output is deterministic: nodes, entry points and edges are sorted by name.
"""

from __future__ import annotations

import html
import shutil
import subprocess

from camp.checker.graph import CALL, CASCADE, REQUEST, ProgramGraph
from camp.checker.symbols import Kind

FORMATS = ("mermaid", "dot", "svg", "png", "html")

MISSING_DOT = (
    "Graphviz's 'dot' program is not installed, so {fmt} output cannot be drawn: "
    "install the Debian package 'graphviz' (apt-get install graphviz) or Homebrew's "
    "'graphviz' (brew install graphviz); --format mermaid and --format dot need nothing"
)


class GraphvizMissing(Exception):
    """``dot`` is not on PATH."""


def _ids(graph: ProgramGraph) -> dict[str, str]:
    return {name: f"c{i}" for i, name in enumerate(graph.nodes)}


def _programs(graph: ProgramGraph) -> dict[str | None, list[str]]:
    groups: dict[str | None, list[str]] = {}
    for name, node in graph.nodes.items():
        groups.setdefault(node.program, []).append(name)
    return groups


# ---- Mermaid -------------------------------------------------------------------------


def _mq(text: str) -> str:
    """Text inside a Mermaid quoted label."""
    return '"' + text.replace('"', "#quot;") + '"'


_MERMAID_SHAPES = {
    Kind.EXECUTABLE: ("[[", "]]"),  # a subroutine
    Kind.TRIGGER: ("([", "])"),  # a stadium
    Kind.BATCH: ("[", "]"),
}


def to_mermaid(graph: ProgramGraph) -> str:
    ids = _ids(graph)
    out = ["flowchart LR"]

    def node(name: str, indent: str) -> None:
        left, right = _MERMAID_SHAPES[graph.nodes[name].kind]
        out.append(f"{indent}{ids[name]}{left}{_mq(name)}{right}:::{graph.nodes[name].kind}")

    groups = _programs(graph)
    for i, program in enumerate(sorted(p for p in groups if p is not None)):
        out.append(f"  subgraph p{i}[{_mq(program)}]")
        for name in groups[program]:
            node(name, "    ")
        out.append("  end")
    for name in groups.get(None, []):
        node(name, "  ")
    links: list[str] = []
    for i, entry in enumerate(graph.entries):
        out.append(f"  e{i}>{_mq(entry.label)}]:::entry")
        links.append("entry")
        out.append(f"  e{i} --> {ids[entry.campaign]}")
    for edge in graph.edges:
        a, b = ids[edge.source], ids[edge.target]
        label = f"|{_mq(edge.label)}|" if edge.label else ""
        arrow = "-->" if edge.kind == CALL else "-.->"
        out.append(f"  {a} {arrow}{label} {b}")
        links.append(edge.kind)
    out.append("  classDef executable fill:#eef4ff,stroke:#3b6fd8")
    out.append("  classDef trigger fill:#eefbea,stroke:#2f9a3a")
    out.append("  classDef batch fill:#fff5e6,stroke:#d8871f")
    out.append("  classDef entry fill:#f2f2f2,stroke:#777,color:#333")
    for kind, style in ((REQUEST, "stroke-dasharray:6 4"), (CASCADE, "stroke-dasharray:2 3")):
        numbers = [str(i) for i, k in enumerate(links) if k == kind]
        if numbers:
            out.append(f"  linkStyle {','.join(numbers)} {style}")
    return "\n".join(out) + "\n"


# ---- Graphviz DOT --------------------------------------------------------------------


def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_NODES = {
    Kind.EXECUTABLE: 'shape=box, peripheries=2, style=filled, fillcolor="#eef4ff", color="#3b6fd8"',
    Kind.TRIGGER: 'shape=box, style="rounded,filled", fillcolor="#eefbea", color="#2f9a3a"',
    Kind.BATCH: 'shape=box, style=filled, fillcolor="#fff5e6", color="#d8871f"',
}
_DOT_EDGES = {CALL: "solid", REQUEST: "dashed", CASCADE: "dotted"}


def to_dot(graph: ProgramGraph) -> str:
    ids = _ids(graph)
    out = [
        "digraph camp {",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica", fontsize=11];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]

    def node(name: str, indent: str) -> None:
        kind = graph.nodes[name].kind
        out.append(
            f"{indent}{ids[name]} [label={_dq(name)}, tooltip={_dq(f'{kind} campaign')}, "
            f"class={_dq('campaign ' + str(kind))}, {_DOT_NODES[kind]}];"
        )

    groups = _programs(graph)
    for i, program in enumerate(sorted(p for p in groups if p is not None)):
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f'    label={_dq(program)}; style="rounded,dashed"; color="#999999";')
        for name in groups[program]:
            node(name, "    ")
        out.append("  }")
    for name in groups.get(None, []):
        node(name, "  ")
    for i, entry in enumerate(graph.entries):
        out.append(
            f'  e{i} [label={_dq(entry.label)}, class="entry", shape=cds, style=filled, '
            'fillcolor="#f2f2f2", color="#777777", fontsize=9];'
        )
        out.append(f'  e{i} -> {ids[entry.campaign]} [color="#777777"];')
    for edge in graph.edges:
        attrs = [f"style={_DOT_EDGES[edge.kind]}", f"class={_dq(edge.kind)}"]
        if edge.label:
            attrs.append(f"label={_dq(edge.label)}")
        out.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ---- through Graphviz ----------------------------------------------------------------


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>``; raises :class:`GraphvizMissing` when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(MISSING_DOT.format(fmt=fmt))
    done = subprocess.run(
        [exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


def to_svg(graph: ProgramGraph) -> str:
    svg = render(to_dot(graph), "svg").decode("utf-8")
    start = svg.find("<svg")  # drop the XML prolog and DOCTYPE, so it can be inlined
    return svg[start:] if start >= 0 else svg


def to_html(graph: ProgramGraph, title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem;color:#222}"
        "svg{max-width:100%;height:auto}.legend{font-size:.85rem;color:#555}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>"
        f'<p class="legend">{LEGEND}</p>\n{to_svg(graph)}</body></html>\n'
    )


LEGEND = (
    "Boxes: batch campaigns; rounded: trigger campaigns; double border: executables; "
    "flags: entry points (triggers and schedules). Solid: call; dashed: request; "
    "dotted: trigger cascade (a step raises an event another campaign listens for)."
)


def draw(graph: ProgramGraph, fmt: str, title: str) -> bytes:
    if fmt == "mermaid":
        return to_mermaid(graph).encode("utf-8")
    if fmt == "dot":
        return to_dot(graph).encode("utf-8")
    if not dot_available():
        raise GraphvizMissing(MISSING_DOT.format(fmt=fmt))
    if fmt == "svg":
        return to_svg(graph).encode("utf-8")
    if fmt == "png":
        return render(to_dot(graph), "png")
    return to_html(graph, title).encode("utf-8")
