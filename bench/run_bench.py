"""Interpreter benchmark (issue 3): `camp run` against the same flow written by hand in Python.

    python bench/run_bench.py                      # 100,000 leads, 3 rounds each
    python bench/run_bench.py --leads 20000 --rounds 1
    python bench/run_bench.py --million            # also the 1,000,000-lead memory run
    python bench/run_bench.py --million --memory-leads 300000

What it does, each step a whole process (start-up, parse and check included):

1. generates the leads with bench/run_bench/generate.py (fixed seed);
2. checks equivalence on --verify leads (1,000): `camp run` of
   bench/run_bench/reference.camp and bench/run_bench/handwritten.py must write
   byte-identical --out CSV and --activities JSONL, else it stops;
3. times both on --leads leads, alternated (camp, hand, camp, hand, ...) for
   --rounds rounds, and prints each run's wall time, CPU time (user + system)
   and peak RSS (ru_maxrss from os.wait4 on that child alone), then the medians,
   the ratio camp / hand (target <= 3.0, stretch <= 2.0) and camp's leads/s;
   the last round's outputs are compared too;
4. with --million, runs camp once more on --memory-leads leads (1,000,000) and
   prints its peak RSS beside the one at --leads: streaming runs must not grow
   with the number of leads.

The CPU-time ratio is printed too: on a busy machine wall times stretch with
the load, CPU times much less.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "run_bench"
REFERENCE = HERE / "reference.camp"
GENERATE = HERE / "generate.py"
HANDWRITTEN = HERE / "handwritten.py"
CAMPAIGN = "ProcessLeads"
START = "2026-12-01T00:00:00"
TARGET, STRETCH = 3.0, 2.0


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident set size, MiB


def run_child(cmd: list[str], quiet: bool = True) -> Sample:
    """Run one process to the end; its own wall time, CPU time and peak RSS."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if quiet else None, stderr=err)
        # wait4 on this pid: the usage of this child alone (RUSAGE_CHILDREN would
        # give the maximum over every child so far).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"run_bench: {' '.join(cmd)} exited {proc.returncode}\n{err.read()[-4000:]}")
    # Linux reports ru_maxrss in KiB.
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def camp_cmd(args: argparse.Namespace, leads: Path, out: Path, acts: Path) -> list[str]:
    return [
        *args.camp,
        "run",
        str(REFERENCE),
        "--campaign",
        CAMPAIGN,
        "--leads",
        str(leads),
        "--out",
        str(out),
        "--activities",
        str(acts),
        "--start",
        START,
    ]


def hand_cmd(leads: Path, out: Path, acts: Path) -> list[str]:
    return [
        sys.executable,
        str(HANDWRITTEN),
        "--leads",
        str(leads),
        "--out",
        str(out),
        "--activities",
        str(acts),
        "--start",
        START,
    ]


def generate(n: int, path: Path, seed: int) -> Path:
    if not path.exists():
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, str(GENERATE), str(n), str(path), "--seed", str(seed)], check=True
        )
        print(f"  generated {n:,} leads in {time.perf_counter() - began:.1f} s: {path}")
    return path


def first_difference(a: Path, b: Path) -> str:
    with a.open(encoding="utf-8") as fa, b.open(encoding="utf-8") as fb:
        for number, (la, lb) in enumerate(zip(fa, fb, strict=False), start=1):
            if la != lb:
                return f"line {number}:\n  camp: {la.rstrip()}\n  hand: {lb.rstrip()}"
    return "one file is a prefix of the other"


def same_outputs(pairs: list[tuple[Path, Path]]) -> bool:
    ok = True
    for camp_file, hand_file in pairs:
        if not filecmp.cmp(camp_file, hand_file, shallow=False):
            print(
                f"  DIFFERENT: {camp_file.name} vs {hand_file.name}: {first_difference(camp_file, hand_file)}"
            )
            ok = False
    return ok


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def code_version() -> str:
    """The commit, and a digest of the interpreter's and stdlib's sources as they are now
    (the figures belong to that code; a change during the run is reported)."""
    root = HERE.parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--",
                "interpreter",
                "stdlib",
                "grammar",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head, dirty = "unknown", ""
    h = hashlib.sha256()
    for name, data in sorted(source_digests().items()):
        h.update(name.encode() + b"\0" + data.encode())
    return f"{head}{' + uncommitted changes' if dirty else ''} (sources {h.hexdigest()[:12]})"


def source_digests() -> dict[str, str]:
    root = HERE.parent.parent
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("interpreter", "stdlib", "grammar")
        for path in sorted((root / folder).rglob("*"))
        if path.suffix in (".py", ".lark") and path.is_file()
    }


def fmt(sample: Sample) -> str:
    return (
        f"wall {sample.wall:8.2f} s   cpu {sample.cpu:8.2f} s   peak RSS {sample.rss_mb:7.1f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000, help="leads per timed run (100,000)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed runs of each program (3; 0: none, one camp run as the memory baseline)",
    )
    parser.add_argument(
        "--verify", type=int, default=1_000, help="leads for the equivalence check (1,000)"
    )
    parser.add_argument(
        "--million", action="store_true", help="also measure camp's peak RSS on --memory-leads"
    )
    parser.add_argument(
        "--memory-leads", type=int, default=1_000_000, help="leads for the memory run (1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workdir", type=Path, help="where data and outputs go (default: a temporary folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--camp",
        nargs="+",
        default=[sys.executable, "-m", "camp.cli"],
        help="the camp command (default: this Python's -m camp.cli, the `camp` script without its shims)",
    )
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="camp-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print("Camp interpreter benchmark (issue 3)")
    print(
        f"  machine   {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"  flow      {REFERENCE.relative_to(Path.cwd()) if REFERENCE.is_relative_to(Path.cwd()) else REFERENCE} --campaign {CAMPAIGN}"
    )
    print(f"  camp      {' '.join(args.camp)}")
    print(f"  hand      {sys.executable} {HANDWRITTEN.name}")
    print(f"  workdir   {workdir}")
    version, sources = code_version(), source_digests()
    print(f"  code      {version}")

    def outputs(tag: str, n: int) -> tuple[Path, Path]:
        return workdir / f"{tag}-{n}.out.csv", workdir / f"{tag}-{n}.activities.jsonl"

    # ---- 1. equivalence ---------------------------------------------------------------
    print(f"\n== equivalence on {args.verify:,} leads")
    small = generate(args.verify, workdir / f"leads-{args.verify}.csv", args.seed)
    c_out, c_act = outputs("camp", args.verify)
    h_out, h_act = outputs("hand", args.verify)
    small_camp = run_child(camp_cmd(args, small, c_out, c_act))
    small_hand = run_child(hand_cmd(small, h_out, h_act))
    if not same_outputs([(c_out, h_out), (c_act, h_act)]):
        print("  the hand-written program does not do the same work: fix it before timing")
        return 1
    lines = sum(1 for _ in c_act.open(encoding="utf-8"))
    print(f"  identical --out CSV and activities ({lines:,} activities)")
    print(f"  camp  {fmt(small_camp)}")
    print(f"  hand  {fmt(small_hand)}")

    # ---- 2. timing ----------------------------------------------------------------------
    n = args.leads
    identical = True
    if args.rounds == 0:  # no timing: one camp run at --leads, the memory run's baseline
        print(f"\n== camp on {n:,} leads (no timing rounds)")
        leads = generate(n, workdir / f"leads-{n}.csv", args.seed)
        c_out, c_act = outputs("camp", n)
        s = run_child(camp_cmd(args, leads, c_out, c_act))
        print(f"  camp  {fmt(s)}   {n / s.wall:8.0f} leads/s")
        camp_rss = s.rss_mb
    else:
        print(f"\n== timing on {n:,} leads, {args.rounds} round(s), alternated")
        leads = generate(n, workdir / f"leads-{n}.csv", args.seed)
        camp_runs: list[Sample] = []
        hand_runs: list[Sample] = []
        c_out, c_act = outputs("camp", n)
        h_out, h_act = outputs("hand", n)
        for r in range(1, args.rounds + 1):
            s = run_child(camp_cmd(args, leads, c_out, c_act))
            camp_runs.append(s)
            print(f"  round {r}  camp  {fmt(s)}   {n / s.wall:8.0f} leads/s", flush=True)
            s = run_child(hand_cmd(leads, h_out, h_act))
            hand_runs.append(s)
            print(f"  round {r}  hand  {fmt(s)}   {n / s.wall:8.0f} leads/s", flush=True)
        identical = same_outputs([(c_out, h_out), (c_act, h_act)])
        print(
            f"  last round's outputs {'identical' if identical else 'DIFFER'} "
            f"(out {digest(c_out)}, activities {digest(c_act)})"
        )

        camp_wall = statistics.median(s.wall for s in camp_runs)
        hand_wall = statistics.median(s.wall for s in hand_runs)
        camp_cpu = statistics.median(s.cpu for s in camp_runs)
        hand_cpu = statistics.median(s.cpu for s in hand_runs)
        camp_rss = max(s.rss_mb for s in camp_runs)
        hand_rss = max(s.rss_mb for s in hand_runs)
        ratio = camp_wall / hand_wall
        cpu_ratio = camp_cpu / hand_cpu
        verdict = (
            "meets the stretch goal"
            if ratio <= STRETCH
            else "meets the target"
            if ratio <= TARGET
            else "MISSES the target"
        )

        print(f"\n== results on {n:,} leads (medians of {args.rounds})")
        print(
            f"  camp run       wall {camp_wall:8.2f} s   cpu {camp_cpu:8.2f} s   {n / camp_wall:8.0f} leads/s (wall)   {n / camp_cpu:8.0f} leads/s (cpu)"
        )
        print(
            f"  hand-written   wall {hand_wall:8.2f} s   cpu {hand_cpu:8.2f} s   {n / hand_wall:8.0f} leads/s (wall)   {n / hand_cpu:8.0f} leads/s (cpu)"
        )
        print(
            f"  ratio camp/hand   wall {ratio:.2f}x   cpu {cpu_ratio:.2f}x   "
            f"(target <= {TARGET}, stretch <= {STRETCH}): {verdict}"
        )
        print(
            f"  peak RSS       camp {camp_rss:.1f} MiB   hand {hand_rss:.1f} MiB   "
            f"(camp at {args.verify:,} leads: {small_camp.rss_mb:.1f} MiB)"
        )

    # ---- 3. memory ----------------------------------------------------------------------
    if args.million:
        m = args.memory_leads
        print(f"\n== memory: camp on {m:,} leads")
        big = generate(m, workdir / f"leads-{m}.csv", args.seed)
        b_out, b_act = outputs("camp", m)
        s = run_child(camp_cmd(args, big, b_out, b_act))
        print(f"  camp  {fmt(s)}   {m / s.wall:8.0f} leads/s")
        growth = s.rss_mb / camp_rss
        per_100k = (s.rss_mb - camp_rss) / max((m - n) / 100_000, 1e-9)
        print(
            f"  peak RSS  {n:,} leads: {camp_rss:.1f} MiB   {m:,} leads: {s.rss_mb:.1f} MiB   "
            f"ratio {growth:.2f} for {m / n:.0f}x the leads, {per_100k:+.1f} MiB per 100,000 leads "
            f"({'flat' if s.rss_mb - camp_rss < 2.0 or per_100k < 1.0 else 'GROWS with the number of leads'})"
        )
        for path in (big, b_out, b_act):
            if not args.keep:
                path.unlink(missing_ok=True)

    now = source_digests()
    changed = sorted(k for k in now.keys() | sources.keys() if now.get(k) != sources.get(k))
    if changed:
        print(
            f"\nWARNING: sources changed during the run ({', '.join(changed)}): "
            "the figures may mix two versions"
        )

    if not args.keep and args.workdir is None:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
