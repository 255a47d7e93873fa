"""Logic-only benchmark (issue 9): `camp run` of a flow with no third-party normalisers and no
activity file, against the same flow written by hand in plain Python.

    python bench/logic_bench.py                    # 50,000 leads, 5 rounds each
    python bench/logic_bench.py --large            # also 500,000 leads (slow)
    python bench/logic_bench.py --engine tree      # the tree-walking engine instead

Each run is a whole process (start-up, parse and check included). The leads come
from bench/run_bench/generate.py (seed 42). First, on --verify leads (1,000), both
must write a byte-identical --out CSV, else it stops. Then camp and hand are run
alternately (camp, hand, camp, hand, ...) --rounds times at each size; it prints
each run's wall time, CPU time and peak RSS, the medians, the ratio of medians
camp / hand (target <= 3.0, stretch <= 2.0) and camp's leads/s, and compares the
last round's outputs too.
"""

from __future__ import annotations

import argparse
import filecmp
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import Sample, generate, run_child

HERE = Path(__file__).resolve().parent / "logic_bench"
FLOW = HERE / "logic.camp"
HANDWRITTEN = HERE / "handwritten.py"
START = "2026-12-01T00:00:00"
TARGET, STRETCH = 3.0, 2.0


def camp_cmd(args: argparse.Namespace, leads: Path, out: Path) -> list[str]:
    cmd = [*args.camp, "run", str(FLOW), "--campaign", "ProcessLeads", "--leads", str(leads)]
    cmd += ["--out", str(out), "--start", START]
    if args.engine:
        cmd += ["--engine", args.engine]
    return cmd


def hand_cmd(leads: Path, out: Path) -> list[str]:
    return [sys.executable, str(HANDWRITTEN), "--leads", str(leads), "--out", str(out)]


def check_same(a: Path, b: Path) -> None:
    if not filecmp.cmp(a, b, shallow=False):
        sys.exit(f"logic_bench: {a} and {b} differ: the two programs disagree")


def timed(args: argparse.Namespace, n: int, tmp: Path) -> tuple[float, float]:
    leads = generate(n, args.data / f"leads-{n}.csv", 42)
    camp, hand = [], []
    for r in range(1, args.rounds + 1):
        c = run_child(camp_cmd(args, leads, tmp / "camp.csv"))
        h = run_child(hand_cmd(leads, tmp / "hand.csv"))
        camp.append(c)
        hand.append(h)
        print(
            f"  {n:,} round {r}: camp {c.wall:.2f} s (cpu {c.cpu:.2f} s, {c.rss_mb:.1f} MiB)"
            f"  hand {h.wall:.2f} s (cpu {h.cpu:.2f} s, {h.rss_mb:.1f} MiB)",
            flush=True,
        )
    check_same(tmp / "camp.csv", tmp / "hand.csv")

    def med(xs: list[Sample], key: str) -> float:
        return statistics.median(getattr(x, key) for x in xs)

    cw, hw = med(camp, "wall"), med(hand, "wall")
    cc, hc = med(camp, "cpu"), med(hand, "cpu")
    ratio = cw / hw
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(
        f"  {n:,} leads: camp median {cw:.2f} s wall / {cc:.2f} s cpu ({n / cw:,.0f} leads/s, "
        f"peak RSS {max(x.rss_mb for x in camp):.1f} MiB); hand {hw:.2f} s / {hc:.2f} s "
        f"({n / hw:,.0f} leads/s, {max(x.rss_mb for x in hand):.1f} MiB)"
    )
    print(
        f"  ratio camp/hand: {ratio:.2f}x wall, {cc / hc:.2f}x cpu "
        f"(target <= {TARGET}: {verdict}; stretch <= {STRETCH}: "
        f"{'met' if ratio <= STRETCH else 'missed'})",
        flush=True,
    )
    return ratio, cc / hc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--leads", type=int, default=50_000)
    ap.add_argument("--large", action="store_true", help="also time 500,000 leads")
    ap.add_argument("--large-leads", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--verify", type=int, default=1000)
    ap.add_argument("--engine", choices=["tree", "compiled"], default=None)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "camp-logic-bench")
    ap.add_argument(
        "--camp",
        nargs="+",
        default=[sys.executable, "-m", "camp.cli"],
        help="how to start camp (default: this Python's camp.cli)",
    )
    args = ap.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        small = generate(args.verify, args.data / f"leads-{args.verify}.csv", 42)
        run_child(camp_cmd(args, small, tmp / "camp.csv"))
        run_child(hand_cmd(small, tmp / "hand.csv"))
        check_same(tmp / "camp.csv", tmp / "hand.csv")
        print(f"  {args.verify:,} leads: --out byte-identical", flush=True)
        timed(args, args.leads, tmp)
        if args.large:
            timed(args, args.large_leads, tmp)


if __name__ == "__main__":
    main()
