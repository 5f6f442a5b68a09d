"""Every figure of `cnngrade grade`'s speed and memory, measured side by side in one run.

    .venv/bin/python benchmarks/throughput.py [--n 1000] [--assignments hw1,hw3,hw5] [--workers N]
        [--otter 5] [--repeat 3] [--big 100000] [--resume-big 10000] [--baseline PYTHON] [--quick]
        [--only memory]

For each assignment, a class of N submissions made by cycling through its samples in examples/ (each
copy made unique), graded with the same class and seed by:
- `cnngrade grade` sandboxed (bubblewrap required), without the sandbox, and with `--scheduler` on a
  Dask cluster already running on this machine with as many one-thread workers, each such run next to a
  local one (the cluster's start-up is timed apart: benchmarks/dask_cluster.py): notebooks per second;
- the floor (benchmarks/floor.py: a numpy-only parent forking one child per notebook, `--workers` at
  a time, each running the same cells with exec and calling the same probes): notebooks per second,
  and cnngrade's rate as a fraction of it;
- `otter run` on Otter's own autograder zip, one notebook after the other (as Otter does without
  Docker), on the first `--otter` readable notebooks: the rate, and cnngrade's over it;
- the same `cnngrade grade` again into its finished OUT: the time a resume takes when all is done.
For the first assignment also:
- one notebook end to end, `cnngrade grade HW ONE --out FRESH --require-sandbox` (median of 5),
  against `otter run` of the same notebook (median of 3): the Gradescope case;
- the grading parent's peak memory (ru_maxrss) with 1,000 and with `--big` notebooks, phase 1
  simulated at both sizes (benchmarks/simulated_grade.py: phase 2 and the files written are real);
- `cnngrade grade` into a finished OUT of `--resume-big` notebooks (each side's OUT made by a simulated
  run of its own install): a resume of a large class, CLI start-up included (median of 3).
`--only memory` measures these last two alone (minutes, where the whole benchmark takes an hour).
With `--baseline PYTHON` (the Python of a venv with an earlier commit installed) every cnngrade
figure is measured for that install too, runs of the two alternating, so one invocation gives the
before and the after. Rates are medians of `--repeat` runs. Everything is made under one temporary
folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BENCHMARKS = Path(__file__).resolve().parent
THIS = ROOT / ".venv" / "bin" / "python"
SEED = "1"
# An endless loop costs the full timeout whoever grades it, and otter run never returns from it.
LEFT_OUT = {"infinite_loop_last_cell"}


@dataclass(frozen=True)
class Sizes:
    """How much of everything one run measures."""

    n: int
    otter: int
    repeat: int
    small: int
    big: int
    latency: int = 5
    otter_latency: int = 3
    resume: int = 3
    resume_big: int = 10_000


QUICK = Sizes(n=6, otter=1, repeat=1, small=6, big=30, latency=1, otter_latency=1, resume=1, resume_big=30)


def samples(assignment: str) -> list[Path]:
    return sorted(p for p in (EXAMPLES / assignment).glob("*.ipynb") if p.stem not in LEFT_OUT)


def make_class(folder: Path, assignment: str, n: int) -> list[Path]:
    """N notebooks `<index>_<sample>.ipynb`, each a sample with a comment cell of its own (so no two are alike)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [(p, p.read_text()) for p in samples(assignment)]
    parsed = {p: json.loads(text) for p, text in sources if p.stem != "broken_json"}
    made = []
    for index in range(n):
        source, text = sources[index % len(sources)]
        if source in parsed:
            notebook = parsed[source]
            notebook["cells"].append(
                {
                    "cell_type": "code",
                    "id": f"student-{index}",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": f"# student {index}",
                }
            )
            text = json.dumps(notebook)
            notebook["cells"].pop()
        else:
            text += f"\n{index}"  # still not JSON, and still a file of its own
        path = folder / f"{index:06d}_{source.stem}.ipynb"
        path.write_text(text)
        made.append(path)
    return made


def cnngrade_command(python: Path) -> list[str]:
    """What a user types: the install's console script, or `-m autograder.cli` where there is none."""
    script = python.parent / "cnngrade"
    return [str(script)] if script.exists() else [str(python), "-m", "autograder.cli"]


def scratch(work: Path, side: str) -> Path:
    """TMPDIR for one side's `cnngrade grade` runs: what they leave there is counted, and removed with the rest.

    Open like /tmp (world-writable, sticky): as root the grader hands each submission's scratch folder to an
    unprivileged uid, which must be able to reach it."""
    folder = work / "tmp" / side
    if not folder.exists():
        folder.mkdir(parents=True)
        for made in (work, work / "tmp"):
            made.chmod(0o755)
        folder.chmod(0o1777)
    return folder


class RunFailed(Exception):
    """One run did not finish: its figure is left out (and said), the others are still measured."""


def run_grade(
    python: Path, assignment: str, folder: Path, out: Path, *extra: str, tmpdir: Path, sandboxed: bool = True
) -> float:
    """Seconds of one `cnngrade grade` of the folder into OUT by the install of `python`."""
    command = cnngrade_command(python) + ["grade", assignment, str(folder), "--out", str(out), "--quiet"]
    command += ["--seed", SEED, *extra]
    # --require-sandbox: refused unless sandboxed, in every version; --unsandboxed: allowed to run without.
    command += ["--require-sandbox"] if sandboxed else ["--unsandboxed"]
    environment = dict(os.environ, TMPDIR=str(tmpdir))
    if not sandboxed:
        # A PATH on which bwrap cannot be found (everything else is called by full path).
        environment["PATH"] = str(out.parent / "no-bwrap")
    started = time.perf_counter()
    # From outside the repository: `-m` would otherwise import this checkout's package for any Python.
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=out.parent.parent)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RunFailed(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


@dataclass
class Figures:
    """Each measurement's samples, by side (this, baseline)."""

    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, what: str, side: str, value: float) -> None:
        self.values.setdefault((what, side), []).append(value)

    def median(self, what: str, side: str) -> float | None:
        values = self.values.get((what, side))
        return statistics.median(values) if values else None


def interleaved(
    sides: dict[str, Path], times: int, measure: Callable[[str, Path, int], None], figures: Figures
) -> None:
    """Each side once per round, in turn, so that both see the same machine."""
    for round_ in range(times):
        for side, python in sides.items():
            attempt(figures, measure, side, python, round_)


def attempt(figures: Figures, measure: Callable[[str, Path, int], None], side: str, python: Path, round_: int) -> None:
    """One measurement; a run that fails is reported at the end, not the end of the benchmark."""
    try:
        measure(side, python, round_)
    except RunFailed as failure:
        figures.failures.append(f"{side}: {failure}")
        print(f"failed: {failure}", file=sys.stderr)


def prepare_floor(work: Path, assignment: str, notebooks: list[Path]) -> tuple[Callable[[int], float], str]:
    """The floor, ready to run (notebooks read, probes drawn: before its clock), and a note of what it runs.

    The callable runs it once over the whole class, `workers` at a time, and returns notebooks per second
    (an unreadable notebook costs it nothing)."""
    sys.path.insert(0, str(BENCHMARKS))
    import floor

    jobs = floor.prepare(assignment, notebooks, int(SEED))
    saved = work / f"floor-{assignment}.pickle"
    floor.save(jobs, saved)

    def run(workers: int) -> float:
        done = subprocess.run(
            [str(THIS), str(BENCHMARKS / "floor.py"), str(saved), "--workers", str(workers)],
            capture_output=True,
            text=True,
            check=True,
            cwd=work,
        )
        return len(notebooks) / float(json.loads(done.stdout)["seconds"])

    note = f"{len(jobs.notebooks)} run, {jobs.unreadable} unreadable"
    if jobs.cells_trimmed:
        note += f"; {jobs.cells_trimmed} of {jobs.cells} cells had IPython-only lines, dropped"
    return run, note


def otter_zip(work: Path, assignment: str) -> Path:
    """Otter's own autograder zip, as `otter assign` makes it (cnngrade's zip is not Otter's)."""
    from autograder.build.assign import otter_assign

    staging = work / f"otter-assign-{assignment}"
    (made,) = (otter_assign(ROOT, assignment, staging) / "autograder").glob(f"{assignment}-autograder_*.zip")
    return made


def otter_run(zip_path: Path, notebook: Path, out: Path) -> float:
    """Seconds `otter run` takes on NOTEBOOK (benchmarks/one_notebook.py times it the same way)."""
    sys.path.insert(0, str(BENCHMARKS))
    import one_notebook

    return one_notebook.otter_run(zip_path, notebook, out)


def measure_assignment(
    work: Path, assignment: str, sizes: Sizes, workers: int, sides: dict[str, Path], figures: Figures
) -> dict[str, str]:
    """The class's rates, floor, otter run and resume; returns notes to print beside them."""
    base = work / assignment
    notebooks = make_class(base / "class", assignment, sizes.n)
    folder = base / "class"
    jobs = ["--workers", str(workers)]
    finished: dict[str, Path] = {}  # by side, an OUT its sandboxed run completed

    def timed(what: str, *extra: str, sandboxed: bool = True) -> Callable[[str, Path, int], None]:
        def measure(side: str, python: Path, round_: int) -> None:
            out = base / "outs" / f"{what}-{side}-{round_}"
            out.parent.mkdir(exist_ok=True)
            seconds = run_grade(
                python, assignment, folder, out, *jobs, *extra, tmpdir=scratch(work, side), sandboxed=sandboxed
            )
            figures.add(f"{assignment} {what}", side, sizes.n / seconds)
            if what == "sandboxed":
                finished.setdefault(side, out)

        return measure

    floor_run, floor_note = prepare_floor(base, assignment, notebooks)
    sandboxed = timed("sandboxed")
    for round_ in range(sizes.repeat):
        # The floor in every round, next to the runs it is the floor of.
        figures.add(f"{assignment} floor", "this", floor_run(workers))
        for side, python in sides.items():
            attempt(figures, sandboxed, side, python, round_)
    interleaved(sides, sizes.repeat, timed("unsandboxed", sandboxed=False), figures)
    interleaved(sides, sizes.repeat, dask_beside_local(work, assignment, folder, sizes.n, workers, figures), figures)

    def resume(side: str, python: Path, round_: int) -> None:
        # A finished sandboxed run's OUT holds every row: the same command again reuses them all.
        if side not in finished:
            raise RunFailed("no sandboxed run finished, so there is no finished OUT to resume")
        out = finished[side]
        figures.add(
            f"{assignment} resume", side, run_grade(python, assignment, folder, out, *jobs, tmpdir=scratch(work, side))
        )

    interleaved(sides, sizes.resume, resume, figures)
    readable = [p for p in notebooks if "broken_json" not in p.name][: sizes.otter]
    zip_path = otter_zip(base, assignment)
    seconds = sum(otter_run(zip_path, p, base / "otter" / p.stem) for p in readable)
    figures.add(f"{assignment} otter", "this", len(readable) / seconds)
    return {"floor": floor_note, "otter": f"{len(readable)} notebooks", "zip": str(zip_path)}


def dask_beside_local(
    work: Path, assignment: str, folder: Path, n: int, workers: int, figures: Figures
) -> Callable[[str, Path, int], None]:
    """Dask against the local executor, each run next to its own local run (so the ratio is of one moment's
    machine): the local run, then a cluster started as a course starts one (its start-up timed apart), then
    `grade --scheduler` on it. On a running cluster because that is how Dask is used at scale: the cluster
    outlives many runs, and the rate is what one run gets from it (benchmarks/dask_cluster.py)."""
    sys.path.insert(0, str(BENCHMARKS))
    from dask_cluster import ClusterFailed, running_cluster

    def measure(side: str, python: Path, round_: int) -> None:
        where = work / assignment / "dask" / f"{side}-{round_}"
        where.mkdir(parents=True)
        jobs, tmpdir = ["--workers", str(workers)], scratch(work, side)
        local = run_grade(python, assignment, folder, where / "out-local", *jobs, tmpdir=tmpdir)
        try:
            with running_cluster(python, workers, where / "cluster") as cluster:
                seconds = run_grade(
                    python, assignment, folder, where / "out-dask", *jobs, "--scheduler", cluster.address, tmpdir=tmpdir
                )
        except ClusterFailed as failure:
            raise RunFailed(str(failure)) from failure
        figures.add(f"{assignment} dask local", side, n / local)
        figures.add(f"{assignment} dask", side, n / seconds)
        figures.add(f"{assignment} dask start", side, cluster.start)

    return measure


def measure_latency(
    work: Path, assignment: str, zip_path: Path, sizes: Sizes, sides: dict[str, Path], figures: Figures
) -> None:
    """One notebook end to end, by cnngrade (a fresh OUT each time, each side with its bytecode as an install
    has it: benchmarks/one_notebook.py, which measures this figure alone) and by otter run."""
    sys.path.insert(0, str(BENCHMARKS))
    import one_notebook

    notebook = EXAMPLES / assignment / "passes_all.ipynb"

    def failed(side: str, why: str) -> None:
        figures.failures.append(f"{side}: {why}")
        print(f"failed: {why}", file=sys.stderr)

    one_notebook.measure(
        work / "one",
        assignment,
        notebook,
        sides,
        sizes.latency,
        lambda side, seconds: figures.add("latency", side, seconds),
        failed,
        tmpdir=lambda side: scratch(work, side),
    )
    for round_ in range(sizes.otter_latency):
        figures.add("latency otter", "this", otter_run(zip_path, notebook, work / "one" / f"otter-{round_}"))


def measure_memory(work: Path, assignment: str, sizes: Sizes, sides: dict[str, Path], figures: Figures) -> None:
    """The grading parent's peak RSS at two class sizes, phase 1 replayed from one real run per sample."""
    base = work / "memory"
    kept = base / "samples"
    kept.mkdir(parents=True)
    for path in samples(assignment):
        shutil.copy(path, kept / path.name)
    script = str(BENCHMARKS / "simulated_grade.py")
    records: dict[str, Path] = {}

    def record(side: str, python: Path, round_: int) -> None:
        # Each install records its own outcomes: the record format is that install's.
        made = base / f"records-{side}.json"
        command = [str(python), script, "record", assignment, str(kept), str(made)]
        environment = dict(os.environ, TMPDIR=str(scratch(work, side)))
        done = subprocess.run(command, capture_output=True, text=True, cwd=base, env=environment)
        if done.returncode != 0:
            raise RunFailed(f"recording the samples' phase 1 failed:\n{done.stdout}{done.stderr}")
        records[side] = made

    interleaved(sides, 1, record, figures)

    def simulate(side: str, python: Path, size: int, folder: Path, out: Path) -> dict[str, float]:
        if side not in records:
            raise RunFailed(f"no recorded phase 1 to replay for {size} notebooks")
        command = [str(python), script, "grade", assignment, str(folder), str(out), str(records[side])]
        environment = dict(os.environ, TMPDIR=str(scratch(work, side)))
        done = subprocess.run(command, capture_output=True, text=True, cwd=base, env=environment)
        if done.returncode != 0:
            raise RunFailed(f"simulated grade of {size} notebooks failed:\n{done.stdout}{done.stderr}")
        said: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        if said["rows"] != size:
            raise RunFailed(f"simulated grade of {size} notebooks wrote {said['rows']} rows")
        return said

    def simulated(size: int, folder: Path) -> Callable[[str, Path, int], None]:
        def measure(side: str, python: Path, round_: int) -> None:
            out = base / f"out-{size}-{side}"
            said = simulate(side, python, size, folder, out)
            figures.add(f"memory {size}", side, said["peak_bytes"] / 2**20)
            print(f"{side}: peak RSS {said['peak_bytes'] / 2**20:.0f} MiB at {size:,} notebooks", file=sys.stderr)
            shutil.rmtree(out)

        return measure

    for size in (sizes.small, sizes.big):
        folder = base / f"class-{size}"
        make_class(folder, assignment, size)
        interleaved(sides, 1, simulated(size, folder), figures)
        shutil.rmtree(folder)
    measure_large_resume(work, assignment, sizes, sides, figures, simulate)


def measure_large_resume(
    work: Path,
    assignment: str,
    sizes: Sizes,
    sides: dict[str, Path],
    figures: Figures,
    simulate: Callable[[str, Path, int, Path, Path], dict[str, float]],
) -> None:
    """`cnngrade grade` into a finished OUT of `resume_big` notebooks: every row reused, nothing run.

    Each side's OUT is finished by a simulated run of its own install (its own grader version, which a resume
    compares), so that a class too large to grade for real here can still be resumed by the real CLI."""
    size, base = sizes.resume_big, work / "memory"
    folder = base / f"resume-class-{size}"
    make_class(folder, assignment, size)
    finished: dict[str, Path] = {}

    def finish(side: str, python: Path, round_: int) -> None:
        out = base / f"resume-out-{side}"
        simulate(side, python, size, folder, out)
        finished[side] = out

    def resume(side: str, python: Path, round_: int) -> None:
        if side not in finished:
            raise RunFailed(f"no finished OUT of {size} notebooks to resume")
        seconds = run_grade(python, assignment, folder, finished[side], tmpdir=scratch(work, side))
        figures.add(f"resume {size}", side, seconds)
        print(f"{side}: resume of a finished {size:,} in {seconds:.2f} s", file=sys.stderr)

    interleaved(sides, 1, finish, figures)
    interleaved(sides, sizes.resume, resume, figures)
    shutil.rmtree(folder)


def report(
    assignments: list[str],
    sizes: Sizes,
    workers: int,
    sides: dict[str, Path],
    figures: Figures,
    notes: dict[str, dict[str, str]],
    everything: bool = True,
) -> None:
    """The table; with EVERYTHING false, only memory and the large resume (`--only memory`)."""
    names = list(sides)
    header = "".join(f"{side:>14}" for side in names)

    def row(label: str, what: str, form: str, only_this: bool = False) -> None:
        cells = ""
        for side in names:
            # Measured once, with this checkout: shown in its column only.
            value = None if only_this and side != "this" else figures.median(what, side)
            cells += f"{format(value, form) if value is not None else '-':>14}"
        print(f"  {label:<44}{cells}")

    def ratio(label: str, top: str, bottom: str, form: str, top_this: bool = False, bottom_this: bool = True) -> None:
        """Each side's ratio; a figure measured once (the floor, otter run) is this checkout's for both sides."""
        cells = ""
        for side in names:
            upper = figures.median(top, "this" if top_this else side)
            lower = figures.median(bottom, "this" if bottom_this else side)
            cells += f"{format(upper / lower, form) if upper and lower else '-':>14}"
        print(f"  {label:<44}{cells}")

    print(
        f"\n{sizes.n} submissions a class, {workers} workers, seed {SEED}; medians of {sizes.repeat} runs, sides alternating"
    )
    if "baseline" in sides:
        print(f"  baseline: {sides['baseline']}")
    for assignment in assignments if everything else []:
        a = assignment
        print(f"\n{a:<46}{header}")
        row("cnngrade grade, sandboxed (per s)", f"{a} sandboxed", ".1f")
        row("floor: exec + probes (per s)", f"{a} floor", ".1f", only_this=True)
        ratio("cnngrade / floor", f"{a} sandboxed", f"{a} floor", ".2f")
        row("cnngrade grade, no sandbox (per s)", f"{a} unsandboxed", ".1f")
        row(f"otter run, sequential (per s; {notes[a]['otter']})", f"{a} otter", ".2f", only_this=True)
        ratio("cnngrade / otter run", f"{a} sandboxed", f"{a} otter", ".0f")
        row("grade --scheduler, running cluster (per s)", f"{a} dask", ".1f")
        row("  the local executor, run just before (per s)", f"{a} dask local", ".1f")
        ratio("dask / local", f"{a} dask", f"{a} dask local", ".2f", bottom_this=False)
        row("  the cluster's start, apart (s)", f"{a} dask start", ".2f")
        row(f"resume of the finished OUT (s, median of {sizes.resume})", f"{a} resume", ".2f")
        print(f"  floor: {notes[a]['floor']}; the floor and otter run are of this checkout's Python, for both sides")
    first = assignments[0]
    if everything:
        print(f"\n{first + ', one notebook end to end (s)':<46}{header}")
        row(f"cnngrade grade, sandboxed (median of {sizes.latency})", "latency", ".2f")
        row(f"otter run (median of {sizes.otter_latency})", "latency otter", ".2f", only_this=True)
        ratio("otter run / cnngrade", "latency otter", "latency", ".1f", top_this=True, bottom_this=False)
    title = f"{first}, parent's peak RSS (MiB), simulated"
    print(f"\n{title:<46}{header}")
    for size in (sizes.small, sizes.big):
        row(f"{size:,} notebooks", f"memory {size}", ".0f")
    cells = ""
    for side in names:
        small, big = figures.median(f"memory {sizes.small}", side), figures.median(f"memory {sizes.big}", side)
        cells += f"{format(big - small, '+.0f') if small and big else '-':>14}"
    print(f"  {'difference':<44}{cells}")
    title = f"{first}, resume of a finished {sizes.resume_big:,} (s)"
    print(f"\n{title:<46}{header}")
    row(f"cnngrade grade, end to end (median of {sizes.resume})", f"resume {sizes.resume_big}", ".2f")
    if figures.failures:
        print(f"\n{len(figures.failures)} runs failed, left out of the figures above:")
        for failure in figures.failures:
            print(f"  {failure.strip()}")
    print(f"\n{'every cnngrade run of this benchmark':<46}{header}")
    row("files and folders left in its TMPDIR", "left in TMPDIR", ".0f")
    for side, left in notes.get("left", {}).items():
        if left:
            print(f"  {side}: {left}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="submissions a class (default 1000)")
    parser.add_argument("--assignment", default=None, help="one assignment (default hw1)")
    parser.add_argument("--assignments", default=None, help="several, comma-separated: hw1,hw3,hw5")
    parser.add_argument("--otter", type=int, default=5, help="notebooks for sequential otter run (default 5)")
    parser.add_argument("--workers", type=int, default=None, help="parallel notebooks (default: all cores)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each rate, each side (default 3)")
    parser.add_argument(
        "--big", type=int, default=100_000, help="the large class size for peak memory (default 100000)"
    )
    parser.add_argument("--small", type=int, default=1000, help="the small class size for peak memory (default 1000)")
    parser.add_argument(
        "--resume-big",
        type=int,
        default=10_000,
        help="the class size whose finished OUT is resumed (made by a simulated run; default 10000)",
    )
    parser.add_argument(
        "--only", choices=["memory"], default=None, help="memory: only peak memory and the large resume"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="PYTHON",
        help="also measure the cnngrade installed for this Python (a venv with `pip install` of an earlier "
        "commit), its runs alternating with this checkout's",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run of each: a smoke test")
    args = parser.parse_args(argv)
    if not shutil.which("bwrap"):
        raise SystemExit(
            "throughput: bubblewrap (bwrap) is not on PATH, and the sandboxed runs need it "
            "(Debian/Ubuntu: apt-get install bubblewrap)."
        )
    assignments = (args.assignments or args.assignment or "hw1").split(",")
    for assignment in assignments:
        if not samples(assignment):
            raise SystemExit(f"throughput: no samples in {EXAMPLES / assignment}")
    sizes = (
        QUICK
        if args.quick
        else Sizes(args.n, args.otter, args.repeat, args.small, args.big, resume_big=args.resume_big)
    )
    everything = args.only is None
    workers = args.workers or os.cpu_count() or 1
    sides = {"this": THIS} | ({"baseline": args.baseline.absolute()} if args.baseline else {})
    figures, notes = Figures(), dict[str, dict[str, str]]()
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as temporary:
        work = Path(temporary)
        # Whatever else runs here (otter assign, otter run, the floor) keeps its temporary files in here too.
        saved = os.environ.get("TMPDIR")
        os.environ["TMPDIR"], tempfile.tempdir = str(scratch(work, "other")), None
        try:
            for assignment in assignments if everything else []:
                notes[assignment] = measure_assignment(work, assignment, sizes, workers, sides, figures)
                print(f"measured {assignment}", file=sys.stderr)
            if everything:
                measure_latency(work, assignments[0], Path(notes[assignments[0]]["zip"]), sizes, sides, figures)
            measure_memory(work, assignments[0], sizes, sides, figures)
            for side in sides:
                left = sorted(path.name for path in scratch(work, side).iterdir())
                figures.add("left in TMPDIR", side, len(left))
                notes.setdefault("left", {})[side] = ", ".join(left[:5]) + (", ..." if len(left) > 5 else "")
            # Before the temporary folder is removed: hundreds of thousands of files can take minutes.
            report(assignments, sizes, workers, sides, figures, notes, everything)
        finally:
            if saved is None:
                os.environ.pop("TMPDIR")
            else:
                os.environ["TMPDIR"] = saved
            tempfile.tempdir = None


if __name__ == "__main__":
    main(sys.argv[1:])
