"""One submission as Gradescope grades it: cnngrade's zip against `otter run`, side by side in one run.

    sudo .venv/bin/python benchmarks/gradescope_one.py [--notebook examples/hw1/passes_all.ipynb]
                                                       [--assignment hw1] [--repeat 5] [--seed 1]

Gradescope grades one notebook per container, so what counts is the time of one run_autograder.
Builds into a temporary folder cnngrade's autograder.zip (`cnngrade build` of the assignment) and
Otter's own zip (`otter assign` of the same master), then, --repeat times, interleaved so all three
see the same machine:

    cnngrade (docker)      the zip's run_autograder in try-zip's container as Docker makes it by
                           default (no namespaces: the notebook runs as the unprivileged user)
    cnngrade (permissive)  the same in a container that lets the grader use bubblewrap inside
    otter run              `otter run -a OTTER_ZIP -o OUT NOTEBOOK`, a subprocess, wall time

For cnngrade the time is run_autograder's, from its start to its end (results.json written); laying
out /autograder and unpacking the zip are left out. For otter run it is the whole command, which also
unpacks its zip (a few ms). Prints the median, min and max of each, the ratios of the medians, and
the scores each gave the notebook (printed, never failed on), and for cnngrade the median of
results.json's execution_time (main() alone: run_autograder less Python's start and the imports).
Must run as root (try-zip's container). Takes about a minute with --repeat 5.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.build import build
from autograder.build.assign import otter_assign
from autograder.build.try_zip import try_one
from autograder.course import SEED_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
OTTER = ROOT / ".venv" / "bin" / "otter"
SIDES = ("cnngrade (docker)", "cnngrade (permissive)", "otter run")


def build_zips(assignment: str, work: Path) -> tuple[Path, Path]:
    """cnngrade's autograder.zip and Otter's zip of the assignment, both built into `work`."""
    started = time.perf_counter()
    [built] = build(assignments=[assignment], root=ROOT, student_root=work / "student", dist_root=work / "dist")
    ours = time.perf_counter()
    made = otter_assign(ROOT, assignment, work / "otter-assign")
    [otter_zip] = glob.glob(str(made / "autograder" / f"{assignment}-autograder_*.zip"))
    print(f"built in {ours - started:.1f} s (cnngrade build) + {time.perf_counter() - ours:.1f} s (otter assign)")
    return built.zip_path, Path(otter_zip)


def run_ours(zip_path: Path, notebook: Path, out: Path, kind: str, seed: int) -> tuple[float, float, float, str]:
    """Seconds of run_autograder, its results.json's execution_time and score, and the sandbox it reported."""
    run = try_one(zip_path, notebook, out, seed=seed, kind=kind)
    if run.exit_code != 0:
        print(f"  ! {kind}: run_autograder exited {run.exit_code}:\n{run.log[-1500:]}")
    sandbox = run.results.get("extra_data", {}).get("sandbox", {}).get("kind", "?")
    return run.seconds, float(run.results.get("execution_time", 0.0)), float(run.results.get("score", 0.0)), sandbox


def run_otter(zip_path: Path, notebook: Path, out: Path, seed: int) -> tuple[float, float]:
    """Wall time of `otter run`, and the total of its results.json."""
    out.mkdir(parents=True)
    environment = {**os.environ, SEED_VARIABLE: str(seed)}
    started = time.perf_counter()
    done = subprocess.run(
        [str(OTTER), "run", "-a", str(zip_path), "-o", str(out), str(notebook)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        cwd=out,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"otter run failed (exit {done.returncode}):\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    results = json.loads((out / "results.json").read_text())
    score = results.get("score")
    if score is None:
        score = sum(float(test.get("score") or 0) for test in results.get("tests", []))
    return elapsed, float(score)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", type=Path, default=ROOT / "examples" / "hw1" / "passes_all.ipynb")
    parser.add_argument("--assignment", default="hw1")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--seed", type=int, default=1, help=f"{SEED_VARIABLE} for every run (default 1)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit(
            "gradescope_one.py runs the zip as Gradescope does, as root (try-zip's container): "
            "run it with sudo .venv/bin/python, or as root"
        )
    notebook = args.notebook.resolve()
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    scores: dict[str, set[float]] = {side: set() for side in SIDES}
    sandboxes: dict[str, set[str]] = {side: set() for side in SIDES[:2]}
    # run_autograder's time less the interpreter's start and the imports: main()'s own, in results.json.
    inner: dict[str, list[float]] = {side: [] for side in SIDES[:2]}
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-one-") as temporary:
        work = Path(temporary)
        ours_zip, otter_zip = build_zips(args.assignment, work)
        for index in range(args.repeat):
            for side, kind in zip(SIDES[:2], ("docker", "permissive")):
                seconds, within, score, sandbox = run_ours(
                    ours_zip, notebook, work / f"{kind}-{index}", kind, args.seed
                )
                times[side].append(seconds)
                inner[side].append(within)
                scores[side].add(score)
                sandboxes[side].add(sandbox)
            seconds, score = run_otter(otter_zip, notebook, work / f"otter-{index}", args.seed)
            times["otter run"].append(seconds)
            scores["otter run"].add(score)
            print(f"run {index + 1}/{args.repeat}: " + ", ".join(f"{side} {times[side][-1]:.2f} s" for side in SIDES))
    medians = {side: statistics.median(values) for side, values in times.items()}
    print(
        f"\n{notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook}, {args.assignment}, "
        f"{args.repeat} runs each, seed {args.seed}"
    )
    for side in SIDES:
        values = times[side]
        inside = (
            f", sandbox {'/'.join(sorted(sandboxes[side]))}, main() itself {statistics.median(inner[side]):.2f} s"
            if side in sandboxes
            else ""
        )
        print(
            f"{side:<22}: median {medians[side]:.2f} s (min {min(values):.2f}, max {max(values):.2f})"
            f", score {'/'.join(f'{s:g}' for s in sorted(scores[side]))}{inside}"
        )
    for side in SIDES[:2]:
        print(f"otter run / {side:<22}: {medians['otter run'] / medians[side]:.1f}x")
    agreed = len(set().union(*scores.values())) == 1
    print(
        "scores agree"
        if agreed
        else "scores DISAGREE: " + ", ".join(f"{side} {sorted(scores[side])}" for side in SIDES)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
