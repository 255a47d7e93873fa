"""Partitioned-run benchmark (issue 12): the reference flow serially, with --workers 1,
--workers 2 and --dask local, alternated.

    python bench/parallel_bench.py                   # 200,000 leads, 1 round
    python bench/parallel_bench.py --leads 20000 --rounds 3
    python bench/parallel_bench.py --no-activities   # --out only
    python bench/parallel_bench.py --parquet         # the leads as one Parquet file

Each run is a whole `camp run` process (start-up, parse and check included) over
bench/run_bench/reference.camp with --out and --activities (the realistic nightly
batch: the leads and the activity log; --no-activities drops the log), as
bench/run_bench.py runs it. Per run it prints the wall time, the CPU time of the
process tree (user + system, from os.wait4), leads/s, the critical-path CPU (the
parent's own CPU plus its busiest worker's: the wall time a machine with a free
core per worker would take) and the peak RSS of the largest worker (VmHWM of each
descendant process, polled from /proc) beside the parent's; every run's --out and
activity log (sorted: the partitioned log is in (time, lead) order) must equal the
serial run's, else it stops. Then the medians, the speed-ups (workers 1 / workers 2,
the target >= 1.8x; serial / workers 2) by wall and by critical-path CPU, and the
projected time for 5,000,000 leads on 16 workers from the measured parts: the
parent's start-up (a 200-lead run), its share per lead, a worker's rate.

--parquet reads the same leads from one Parquet file (every column text, row groups
of 65,536 rows, as Camp writes Parquet; needs pyarrow), which the partitioned runs
cut at any row; --out stays CSV.
"""

from __future__ import annotations

import argparse
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
CAMPAIGN = "ProcessLeads"
START = "2026-12-01T00:00:00"
TARGET = 1.8
MODES = {
    "serial": [],
    "workers 1": ["--workers", "1"],
    "workers 2": ["--workers", "2"],
    "dask local": ["--dask", "local", "--workers", "2"],
}


@dataclass
class Sample:
    wall: float
    cpu: float
    parent_mb: float  # the camp process's own peak RSS
    worker_mb: float  # the largest descendant's peak RSS (0: no workers)
    worker_cpu: float = 0.0  # the busiest descendant's CPU seconds (polled: <= 0.2 s short)
    parent_cpu: float = 0.0  # the camp process's own CPU seconds (tree minus descendants)

    @property
    def critical(self) -> float:
        """CPU seconds on the critical path: the parent plus its busiest worker, the wall
        time a machine with a free core per worker would take (start-up aside)."""
        return self.parent_cpu + self.worker_cpu


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        kids: list[str] = []
        for task in Path(f"/proc/{p}/task").glob("*"):  # children are per thread
            try:
                kids += (task / "children").read_text().split()
            except OSError:
                continue
        for k in map(int, kids):
            found.append(k)
            todo.append(k)
    return found


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def run_child(cmd: list[str]) -> Sample:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        peaks: dict[int, float] = {}
        cpus: dict[int, float] = {}
        parent = 0.0
        while True:
            done, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if done:
                break
            parent = max(parent, _hwm_mb(proc.pid))
            for child in _descendants(proc.pid):
                peaks[child] = max(peaks.get(child, 0.0), _hwm_mb(child))
                cpus[child] = max(cpus.get(child, 0.0), _cpu_s(child))
            time.sleep(0.2)
        wall = time.perf_counter() - began
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            sys.exit(f"parallel_bench: {' '.join(cmd)} exited {code}\n{err.read()[-4000:]}")
    # The process tree's CPU: wait4 includes the children it waited for. Its ru_maxrss
    # is not used: a forked child inherits the bench's own high-water mark.
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(
        wall,
        cpu,
        parent,
        max(peaks.values(), default=0),
        max(cpus.values(), default=0.0),
        cpu - sum(cpus.values()),
    )


def digest(path: Path, sort: bool = False) -> str:
    h = hashlib.sha256()
    if sort:
        for line in sorted(path.read_bytes().splitlines()):
            h.update(line + b"\n")
        return h.hexdigest()
    h.update(path.read_bytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--leads", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "camp-parallel-bench"
    )
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    ap.add_argument("--camp", nargs="+", default=[sys.executable, "-m", "camp.cli"])
    ap.add_argument("--no-activities", action="store_true", help="run without --activities")
    ap.add_argument("--parquet", action="store_true", help="read the leads from Parquet")
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",")]
    args.workdir.mkdir(parents=True, exist_ok=True)
    leads = args.workdir / f"leads-{args.leads}-{args.seed}.csv"
    if not leads.exists():
        subprocess.run(
            [sys.executable, str(GENERATE), str(args.leads), str(leads), "--seed", str(args.seed)],
            check=True,
        )
    if args.parquet:
        leads = parquet_copy(leads)
    print(f"{args.leads:,} leads, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    samples: dict[str, list[Sample]] = {m: [] for m in modes}
    reference: tuple[str, str] | None = None
    for r in range(args.rounds):
        for mode in modes:
            out = args.workdir / f"out-{mode.replace(' ', '-')}.csv"
            acts = args.workdir / f"acts-{mode.replace(' ', '-')}.jsonl"
            cmd = [
                *args.camp, "run", str(REFERENCE), "--campaign", CAMPAIGN, "--leads", str(leads),
                "--out", str(out), "--start", START, *MODES[mode],
            ]  # fmt: skip
            if not args.no_activities:
                cmd += ["--activities", str(acts)]
            s = run_child(cmd)
            samples[mode].append(s)
            got = (digest(out), "" if args.no_activities else digest(acts, sort=True))
            if reference is None:
                reference = got
            elif got != reference:
                sys.exit(f"parallel_bench: {mode}: outputs differ from the first run's")
            print(
                f"  round {r + 1} {mode:<11} wall {s.wall:7.1f} s  cpu {s.cpu:7.1f} s  "
                f"{args.leads / s.wall:7,.0f} leads/s  parent {s.parent_mb:5.0f} MiB  "
                f"worker {s.worker_mb:5.0f} MiB  critical-path cpu {s.critical:6.1f} s "
                f"(parent {s.parent_cpu:.1f} + busiest worker {s.worker_cpu:.1f})  "
                f"(load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            out.unlink()
            acts.unlink(missing_ok=True)
    print("medians")
    wall = {m: statistics.median(s.wall for s in samples[m]) for m in modes}
    crit = {m: statistics.median(s.critical for s in samples[m]) for m in modes}
    for m in modes:
        worker = statistics.median(s.worker_mb for s in samples[m])
        parent = statistics.median(s.parent_mb for s in samples[m])
        print(
            f"  {m:<11} wall {wall[m]:7.1f} s  {args.leads / wall[m]:7,.0f} leads/s  "
            f"critical-path cpu {crit[m]:6.1f} s ({args.leads / crit[m]:,.0f} leads/s)  "
            f"peak RSS parent {parent:.0f} MiB, per worker {worker:.0f} MiB"
        )
    if "workers 1" in wall and "workers 2" in wall:
        speedup = wall["workers 1"] / wall["workers 2"]
        verdict = "met" if speedup >= TARGET else "MISSED"
        print(
            f"  speed-up workers 1 / workers 2: {speedup:.2f}x wall (target >= {TARGET}x: {verdict})"
        )
        ratio = crit["workers 1"] / crit["workers 2"]
        verdict = "met" if ratio >= TARGET else "MISSED"
        print(
            f"  critical-path CPU speed-up workers 1 / workers 2: {ratio:.2f}x "
            f"(what a free core per worker would give; target: {verdict})"
        )
        project(args, leads, samples["workers 2"])
    if "serial" in wall and "workers 2" in wall:
        print(f"  speed-up serial / workers 2: {wall['serial'] / wall['workers 2']:.2f}x wall")


def parquet_copy(leads: Path) -> Path:
    """The CSV leads as one Parquet file of text columns, in row groups of 65,536 rows."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = leads.with_suffix(".parquet")
    if not path.exists():
        names = leads.open(encoding="utf-8").readline().rstrip("\r\n").split(",")
        table = pacsv.read_csv(
            leads, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, "string"))
        )
        pq.write_table(table, path, row_group_size=65_536)
    return path


def project(args: argparse.Namespace, leads: Path, runs: list[Sample]) -> None:
    """5,000,000 leads on 16 workers (a free core each) from this run's parts: the parent's
    start-up, its share that grows with the leads (planning, joining --out, merging the
    log), and the busiest worker's rate."""
    small = args.workdir / "leads-200-startup.csv"
    csv_leads = leads.with_suffix(".csv")
    small.write_text("".join(csv_leads.open(encoding="utf-8").readlines()[:201]), encoding="utf-8")
    out, acts = args.workdir / "startup-out.csv", args.workdir / "startup-acts.jsonl"
    cmd = [
        *args.camp, "run", str(REFERENCE), "--campaign", CAMPAIGN, "--leads", str(small),
        "--out", str(out), "--start", START, "--workers", "2",
    ]  # fmt: skip
    if not args.no_activities:
        cmd += ["--activities", str(acts)]
    startup = statistics.median(run_child(cmd).parent_cpu for _ in range(3))
    parent = statistics.median(s.parent_cpu for s in runs)
    worker = statistics.median(s.worker_cpu for s in runs)
    per_lead = max(parent - startup, 0.0) / args.leads
    rate = (args.leads / 2) / worker
    total = startup + per_lead * 5_000_000 + 312_500 / rate
    print(
        f"  projected 5,000,000 leads on 16 workers: {total / 60:.1f} min = parent start-up "
        f"{startup:.1f} s + parent share {per_lead * 1e6:.1f} us/lead x 5 M "
        f"({per_lead * 5_000_000:.0f} s) + 312,500 leads per worker at {rate:,.0f} leads/s "
        f"({312_500 / rate:.0f} s); serially at the workers-1 rate: "
        f"{5_000_000 / rate / 60:.0f} min"
    )
    out.unlink(missing_ok=True)
    acts.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
