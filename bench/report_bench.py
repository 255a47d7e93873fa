"""Peak memory of `camp run --report` (issue 11): the report's counts are kept by one
more consumer of the activity stream, so peak RSS must not grow with the leads.

    python bench/report_bench.py                       # 20,000 and 200,000 leads
    python bench/report_bench.py --leads 100000 1000000

Each size: generate the leads (bench/run_bench/generate.py, fixed seed), then run
bench/run_bench/reference.camp's streaming batch (--out) twice, without and with
--report, each a whole process; print wall time and peak RSS (ru_maxrss from
os.wait4 on that child alone) and the report's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "run_bench" / "reference.camp"
GENERATE = HERE / "run_bench" / "generate.py"


def measure(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, nargs="+", default=[20_000, 200_000])
    args = parser.parse_args()
    print(f"{'leads':>10}  {'plain RSS':>10}  {'--report RSS':>12}  {'wall':>8}  {'report':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.leads:
            leads = Path(tmp) / f"{n}.csv"
            subprocess.run([sys.executable, str(GENERATE), str(n), str(leads)], check=True)
            base = [sys.executable, "-m", "camp.cli", "run", str(REFERENCE), "--campaign",
                    "ProcessLeads", "--leads", str(leads), "--out", str(Path(tmp) / "out.csv"),
                    "--start", "2026-12-01T02:00:00"]  # fmt: skip
            _, plain = measure(base)
            report = Path(tmp) / "r.html"
            wall, rss = measure([*base, "--report", str(report)])
            size = report.stat().st_size / 2**20
            print(
                f"{n:>10,}  {plain:>8.1f} MiB  {rss:>10.1f} MiB  {wall:>6.1f} s  {size:>5.1f} MiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
