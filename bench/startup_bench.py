"""Start-up benchmark (issue 9): `camp check` and a tiny `camp run` against the bare imports.

    python bench/startup_bench.py [--runs 21] [--imports]

Three whole processes, alternated round by round (baseline, check, run, baseline, ...),
--runs rounds; medians and the ratios, side by side:

- baseline: `python -c "import lark, click"`;
- `camp check examples/moments.camp` (the smallest example; target <= 1.5x the baseline);
- `camp run bench/logic_bench/logic.camp` over the first 10 leads of the logic benchmark's
  data, with --out (target <= 2.0x the baseline).

The console script next to this interpreter is run directly (no pyenv shim). With
--imports it also lists the modules each camp command imports that the baseline does not
(from `python -X importtime`), largest first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "moments.camp"
FLOW = ROOT / "bench" / "logic_bench" / "logic.camp"
GENERATE = ROOT / "bench" / "run_bench" / "generate.py"


def camp() -> list[str]:
    script = Path(sys.executable).with_name("camp")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "camp.cli"]


def timed(cmd: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def imports(cmd: list[str]) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd],
        capture_output=True,
        text=True,
        check=False,
    )
    out: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            out[parts[2].strip()] = int(parts[0].split(":")[1])
        except ValueError:
            continue
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--imports", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        leads = tmp / "leads.csv"
        subprocess.run([sys.executable, str(GENERATE), "10", str(leads)], check=True)
        base = [sys.executable, "-c", "import lark, click"]
        check = [*camp(), "check", str(EXAMPLE)]
        run = [*camp(), "run", str(FLOW), "--campaign", "ProcessLeads", "--leads", str(leads)]
        run += ["--out", str(tmp / "out.csv"), "--start", "2026-12-01T00:00:00"]
        for cmd in (base, check, run):  # warm the OS caches and Camp's grammar cache
            timed(cmd)
        times: dict[str, list[float]] = {"base": [], "check": [], "run": []}
        for _ in range(args.runs):
            times["base"].append(timed(base))
            times["check"].append(timed(check))
            times["run"].append(timed(run))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"median of {args.runs} alternated runs:")
        print(f"  python -c 'import lark, click'  {med['base'] * 1000:7.1f} ms")
        for key, label, target in (
            ("check", "camp check moments.camp", 1.5),
            ("run", "camp run, 10 leads", 2.0),
        ):
            ratio = med[key] / med["base"]
            verdict = "met" if ratio <= target else "MISSED"
            print(
                f"  {label:<30} {med[key] * 1000:7.1f} ms  {ratio:.2f}x"
                f"  (target <= {target}x: {verdict})"
            )
        if args.imports:
            baseline = imports(["-c", "import lark, click"])
            for label, cmd in (("check", check), ("run", run)):
                own = imports(cmd[1:] if cmd[0] == sys.executable else ["-m", "camp.cli", *cmd[1:]])
                extra = sorted(
                    ((us, name) for name, us in own.items() if name not in baseline), reverse=True
                )
                print(f"\nmodules `camp {label}` imports beyond the baseline (self time, us):")
                for us, name in extra[:25]:
                    print(f"  {us:>8}  {name}")


if __name__ == "__main__":
    main()
