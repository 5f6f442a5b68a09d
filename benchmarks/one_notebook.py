"""One notebook end to end, as a TA's script or one Gradescope container grades it, side by side in one run.

    .venv/bin/python benchmarks/one_notebook.py [--baseline PYTHON] [--repeat 5] [--otter 3]
                                                [--assignment hw1] [--notebook PATH]

Times `cnngrade grade HW ONE --out FRESH --require-sandbox` (a fresh OUT each run, bubblewrap
required) for this checkout and, with --baseline, for the cnngrade another Python imports (a venv
of an earlier commit, or a wrapper setting PYTHONPATH to its source), runs of the two alternating;
then `otter run` of the same notebook on Otter's own zip (`otter assign` of the master). Prints
the median, min and max of each and the ratios of the medians. benchmarks/throughput.py prints the
same figure with the rest (measure_latency calls `measure` below).

Both cnngrade sides run as installed: with bytecode. An install compiles its modules (pip does),
while a checkout run with PYTHONDONTWRITEBYTECODE, or a source tree the grader cannot write, would
compile them at every start and measure that instead. So each side gets a bytecode cache of its
own (PYTHONPYCACHEPREFIX, under the benchmark's temporary folder: nothing is written beside any
source), its package and solutions/ compiled into it first, and one untimed run to fill it with
the rest (the standard library, the installed packages).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS = ROOT / ".venv" / "bin" / "python"
SEED = "1"
COMPILE = (
    "import compileall, os, sys, autograder, solutions\n"
    "folders = [os.path.dirname(m.__file__) for m in (autograder, solutions)]\n"
    "sys.exit(0 if all(compileall.compile_dir(f, quiet=1) for f in folders) else 1)\n"
)


class Failed(Exception):
    """One run did not finish."""


def cnngrade_command(python: Path) -> list[str]:
    """What a user types: the install's console script, or `-m autograder.cli` where there is none."""
    script = python.parent / "cnngrade"
    return [str(script)] if script.exists() else [str(python), "-m", "autograder.cli"]


def installed_environment(python: Path, cache: Path, tmpdir: Path) -> dict[str, str]:
    """The environment a side runs in, its bytecode cache made: see the module's doc."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(PYTHONPYCACHEPREFIX=str(cache), TMPDIR=str(tmpdir))
    cache.mkdir(parents=True, exist_ok=True)
    # From outside the repository: `-m` or `-c` would otherwise import this checkout's package for any Python.
    done = subprocess.run(
        [str(python), "-c", COMPILE], capture_output=True, text=True, env=environment, cwd=cache, check=False
    )
    if done.returncode != 0:
        raise Failed(f"compiling {python}'s cnngrade failed:\n{done.stdout}{done.stderr}")
    return environment


def grade_one(python: Path, assignment: str, folder: Path, out: Path, environment: dict[str, str]) -> float:
    """Seconds of one `cnngrade grade` of the one-notebook folder into a fresh OUT."""
    command = cnngrade_command(python) + ["grade", assignment, str(folder), "--out", str(out), "--quiet"]
    command += ["--seed", SEED, "--require-sandbox"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=out.parent, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise Failed(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def tmpdir_for(work: Path, side: str) -> Path:
    """TMPDIR for a side: open like /tmp (as root, the grader hands scratch folders to another uid)."""
    folder = work / "tmp" / side
    folder.mkdir(parents=True, exist_ok=True)
    for made in (work, work / "tmp"):
        made.chmod(0o755)
    folder.chmod(0o1777)
    return folder


def measure(
    work: Path,
    assignment: str,
    notebook: Path,
    sides: dict[str, Path],
    repeat: int,
    record: Callable[[str, float], None],
    failed: Callable[[str, str], None],
    tmpdir: Callable[[str], Path] | None = None,
) -> None:
    """`repeat` runs of each side, alternating, each time recorded as record(side, seconds); `tmpdir`: each
    side's TMPDIR (by default one of its own under `work`)."""
    folder = work / "one-notebook" / "class"
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / notebook.name)
    environments: dict[str, dict[str, str]] = {}
    for side, python in sides.items():
        try:
            environments[side] = installed_environment(
                python, work / "one-notebook" / "bytecode" / side, (tmpdir or partial(tmpdir_for, work))(side)
            )
            grade_one(python, assignment, folder, work / "one-notebook" / f"warm-{side}", environments[side])
        except Failed as failure:
            failed(side, str(failure))
    for round_ in range(repeat):
        for side, python in sides.items():
            if side not in environments:
                continue
            out = work / "one-notebook" / f"out-{side}-{round_}"
            try:
                record(side, grade_one(python, assignment, folder, out, environments[side]))
            except Failed as failure:
                failed(side, str(failure))


def otter_run(zip_path: Path, notebook: Path, out: Path) -> float:
    out.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "otter"), "run", "-a", str(zip_path), "-o", str(out), str(notebook)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="hw1")
    parser.add_argument("--notebook", type=Path, default=None, help="default: examples/HW/passes_all.ipynb")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each cnngrade side (default 5)")
    parser.add_argument("--otter", type=int, default=3, help="runs of otter run (default 3; 0: none)")
    parser.add_argument("--baseline", type=Path, default=None, metavar="PYTHON")
    args = parser.parse_args(argv)
    if not shutil.which("bwrap"):
        raise SystemExit("one_notebook: bubblewrap (bwrap) is not on PATH, and --require-sandbox needs it.")
    notebook = (args.notebook or ROOT / "examples" / args.assignment / "passes_all.ipynb").resolve()
    sides = {"this": THIS} | ({"baseline": args.baseline.absolute()} if args.baseline else {})
    times: dict[str, list[float]] = {side: [] for side in [*sides, "otter run"]}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-one-") as temporary:
        work = Path(temporary)
        measure(
            work,
            args.assignment,
            notebook,
            sides,
            args.repeat,
            lambda side, seconds: times[side].append(seconds),
            lambda side, why: failures.append(f"{side}: {why}"),
        )
        if args.otter:
            sys.path.insert(0, str(ROOT))
            from autograder.build.assign import otter_assign

            made = otter_assign(ROOT, args.assignment, work / "otter-assign") / "autograder"
            (zip_path,) = made.glob(f"{args.assignment}-autograder_*.zip")
            for round_ in range(args.otter):
                times["otter run"].append(otter_run(zip_path, notebook, work / f"otter-{round_}"))
    print(f"\n{notebook.name}, {args.assignment}: seconds end to end, sides alternating")
    for side, values in times.items():
        if values:
            print(
                f"  {side:<10} median {statistics.median(values):.3f}  (min {min(values):.3f}, max {max(values):.3f}, "
                f"{len(values)} runs: {' '.join(f'{v:.3f}' for v in values)})"
            )
    medians = {side: statistics.median(values) for side, values in times.items() if values}
    for side in sides:
        for other in ("baseline", "otter run"):
            if side != other and side in medians and other in medians:
                print(f"  {other} / {side}: {medians[other] / medians[side]:.2f}x")
    if "baseline" in sides:
        print(f"  baseline: {sides['baseline']}")
    for failure in failures:
        print(f"failed: {failure.strip()}")


if __name__ == "__main__":
    main(sys.argv[1:])
