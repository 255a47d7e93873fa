"""Start-up benchmark (issue 9): `camp check` and a tiny `camp run` against the bare imports.

    python bench/startup_bench.py [--runs 21] [--imports] [--no-bytecode]

Three whole processes, alternated round by round (baseline, check, run, baseline, ...),
--runs rounds; medians of wall time and of CPU time (user + system of the child) and the
ratios, side by side:

- baseline: `python -c "import lark, click"`;
- `camp check examples/moments.camp` (the smallest example; target <= 1.5x the baseline);
- `camp run bench/logic_bench/logic.camp` over the first 10 leads of the logic benchmark's
  data, with --out (target <= 2.0x the baseline).

Before timing, Camp's own modules are byte-compiled into their __pycache__ (compileall,
which is what `pip install .` and a first run without PYTHONDONTWRITEBYTECODE do): an
editable install never compiles them, and with PYTHONDONTWRITEBYTECODE=1 every start
would compile Camp's sources again (lark and click, installed by pip, have their .pyc).
--no-bytecode adds the same series with Camp's modules compiled from source at every
start (the children read every other module's bytecode from a private PYTHONPYCACHEPREFIX
from which Camp's entries are removed), so that figure is not mistaken for the other.
--no-quick-exit adds the series with the commands run through `camp.cli.main()` instead
of the console script's `entry()`, whose `gc.freeze()` spares the interpreter's shutdown
from collecting and freeing everything the process built.

The console script next to this interpreter is run directly (no pyenv shim). With
--imports it also lists the modules each camp command imports that the baseline does not
(from `python -X importtime`), largest first; with --phases N, where the time of
`camp check` goes inside the process (medians of N fresh processes).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import resource
import shutil
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
TARGETS = (("check", "camp check moments.camp", 1.5), ("run", "camp run, 10 leads", 2.0))


def camp() -> list[str]:
    script = Path(sys.executable).with_name("camp")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "camp.cli"]


def camp_dirs() -> list[Path]:
    """The folders of Camp's packages, wherever they are installed (editable or not)."""
    dirs: list[Path] = []
    for name in ("camp", "camp.grammar", "camp.stdlib"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"startup_bench: cannot find the package {name}; install Camp first")
        dirs.extend(Path(p) for p in spec.submodule_search_locations)
    return dirs


def byte_compile(dirs: list[Path]) -> None:
    for d in dirs:
        if not compileall.compile_dir(str(d), quiet=1):
            sys.exit(f"startup_bench: compileall failed in {d}")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def series(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> None:
    for cmd in commands.values():  # warm the OS caches and Camp's grammar cache
        timed(cmd, env)
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for key, cmd in commands.items():
            w, c = timed(cmd, env)
            wall[key].append(w)
            cpu[key].append(c)
    med_wall = {k: statistics.median(v) for k, v in wall.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"  {'':<30} {'wall':>8}  {'ratio':>6}  {'CPU':>8}  {'ratio':>6}")
    print(
        f"  {'python -c import lark, click':<30} {med_wall['base'] * 1000:6.1f}ms  {'':>6}"
        f"  {med_cpu['base'] * 1000:6.1f}ms"
    )
    for key, label, target in TARGETS:
        ratio = med_wall[key] / med_wall["base"]
        cpu_ratio = med_cpu[key] / med_cpu["base"]
        verdict = "met" if ratio <= target else "MISSED"
        print(
            f"  {label:<30} {med_wall[key] * 1000:6.1f}ms  {ratio:5.2f}x"
            f"  {med_cpu[key] * 1000:6.1f}ms  {cpu_ratio:5.2f}x  (target <= {target}x: {verdict})"
        )


def without_camp_bytecode(
    commands: dict[str, list[str]], dirs: list[Path], prefix: Path, env: dict[str, str]
) -> dict[str, str]:
    """An environment whose children compile Camp's modules at every start and read
    every other module's bytecode from ``prefix`` (filled by one run of each command)."""
    fill = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    fill["PYTHONPYCACHEPREFIX"] = str(prefix)
    for cmd in commands.values():
        timed(cmd, fill)
    for d in dirs:
        shutil.rmtree(prefix / d.resolve().relative_to(d.resolve().anchor), ignore_errors=True)
    return {**fill, "PYTHONDONTWRITEBYTECODE": "1"}


# `camp check`'s steps one by one in a fresh process, each timed with perf_counter.
PHASES_CODE = """
import sys, time
from pathlib import Path
t = [time.perf_counter()]
import lark, click
t.append(time.perf_counter())
import camp.cli
t.append(time.perf_counter())
import camp.checker
t.append(time.perf_counter())
from camp.grammar.parser import grammar
grammar()
t.append(time.perf_counter())
from camp.checker.loader import load
program = load([Path(sys.argv[1])])
t.append(time.perf_counter())
camp.checker.check_loaded(program)
t.append(time.perf_counter())
print(" ".join(str(b - a) for a, b in zip(t, t[1:])))
"""
PHASES = (
    "import lark, click (the baseline's work)",
    "import camp.cli",
    "import camp.checker (AST, parser, stdlib registry, checker)",
    "grammar(): load the cache file",
    "read + first parse",
    "check",
)


def phases(runs: int, env: dict[str, str]) -> None:
    rows = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", PHASES_CODE, str(EXAMPLE)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        rows.append([float(x) for x in proc.stdout.split()])
    print(f"\n`camp check {EXAMPLE.name}` in one process, medians of {runs} processes (ms):")
    for i, label in enumerate(PHASES):
        print(f"  {statistics.median(r[i] for r in rows) * 1000:7.1f}  {label}")


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
    ap.add_argument("--phases", type=int, default=0, metavar="N")
    ap.add_argument(
        "--no-quick-exit",
        action="store_true",
        help="also time the commands through camp.cli.main() (no gc.freeze() at exit)",
    )
    ap.add_argument(
        "--no-bytecode",
        action="store_true",
        help="also time the series with Camp's modules compiled from source at every start",
    )
    args = ap.parse_args()
    dirs = camp_dirs()
    byte_compile(dirs)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        leads = tmp / "leads.csv"
        subprocess.run([sys.executable, str(GENERATE), "10", str(leads)], check=True)
        run = [*camp(), "run", str(FLOW), "--campaign", "ProcessLeads", "--leads", str(leads)]
        run += ["--out", str(tmp / "out.csv"), "--start", "2026-12-01T00:00:00"]
        commands = {
            "base": [sys.executable, "-c", "import lark, click"],
            "check": [*camp(), "check", str(EXAMPLE)],
            "run": run,
        }
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average before: {load} ({os.cpu_count()} CPUs)")
        print(
            f"median of {args.runs} alternated runs; Camp's modules byte-compiled first "
            "(compileall, as `pip install .` does):"
        )
        series(commands, args.runs, env)
        if args.no_bytecode:
            print(
                f"\nmedian of {args.runs} alternated runs, Camp's modules compiled from source "
                "at every start (no .pyc; other modules' .pyc as usual):"
            )
            series(commands, args.runs, without_camp_bytecode(commands, dirs, tmp / "pyc", env))
        if args.no_quick_exit:
            print(
                f"\nmedian of {args.runs} alternated runs through camp.cli.main() "
                "(no quick exit), with bytecode:"
            )
            main_only = [sys.executable, "-c", "from camp.cli import main; main()"]
            slow_exit = {
                key: cmd if key == "base" else [*main_only, *cmd[len(camp()) :]]
                for key, cmd in commands.items()
            }
            series(slow_exit, args.runs, env)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average after: {load}")
        if args.phases:
            phases(args.phases, env)
        if args.imports:
            baseline = imports(["-c", "import lark, click"])
            for label in ("check", "run"):
                cmd = commands[label]
                own = imports(cmd[1:] if cmd[0] == sys.executable else ["-m", "camp.cli", *cmd[1:]])
                extra = sorted(
                    ((us, name) for name, us in own.items() if name not in baseline), reverse=True
                )
                print(f"\nmodules `camp {label}` imports beyond the baseline (self time, us):")
                for us, name in extra[:25]:
                    print(f"  {us:>8}  {name}")


if __name__ == "__main__":
    main()
