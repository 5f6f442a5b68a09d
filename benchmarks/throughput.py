"""Throughput of `cnngrade grade` against sequential `otter run`, measured side by side in one run.

    .venv/bin/python benchmarks/throughput.py [--n 1000] [--otter 5] [--workers N] [--baseline PYTHON]

Makes N submissions by cycling through the hw1 sample class (each copy made unique), grades them
with `cnngrade grade` sandboxed (bubblewrap required) and again without the sandbox, then grades a
few with `otter run -a` on Otter's own autograder zip (made here by `otter assign`), one after
the other, as Otter would without Docker. Prints submissions per second for each, the ratio, and
the peak memory (RSS) of any one grading child and of the fork server, sampled every 20 ms.
One submission on Gradescope, the zip against `otter run`: benchmarks/gradescope_one.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "hw1"
# An endless loop costs the full timeout whoever grades it, and otter run never returns from it.
LEFT_OUT = {"infinite_loop_last_cell"}


def make_class(folder: Path, n: int) -> list[Path]:
    samples = sorted(p for p in SAMPLES.glob("*.ipynb") if p.stem not in LEFT_OUT)
    made = []
    for index in range(n):
        source = samples[index % len(samples)]
        text = source.read_text()
        if source.stem != "broken_json":
            notebook = json.loads(text)
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
        path = folder / f"{index:05d}_{source.stem}.ipynb"
        path.write_text(text)
        made.append(path)
    return made


class PeakMemory:
    """Samples the RSS of every process under a root: the largest single child, and the server."""

    def __init__(self, root: int):
        self.root, self.child_peak, self.server_peak = psutil.Process(root), 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            try:
                for process in self.root.children(recursive=True):
                    if process.name() == "bwrap" or "autograder.sandboxed.forkserver" not in " ".join(
                        process.cmdline()
                    ):
                        continue
                    parent = process.parent()
                    # Grading children are forks of the server, so they share its command line.
                    forked = (
                        parent is not None
                        and parent.name() != "bwrap"
                        and "autograder.sandboxed.forkserver" in " ".join(parent.cmdline())
                    )
                    rss = process.memory_info().rss
                    if forked:
                        self.child_peak = max(self.child_peak, rss)
                    else:
                        self.server_peak = max(self.server_peak, rss)
            except psutil.Error:
                continue


def time_cnngrade(
    folder: Path, out: Path, workers: int | None, sandboxed: bool, python: Path = ROOT / ".venv" / "bin" / "python"
) -> tuple[float, PeakMemory]:
    """One `cnngrade grade` of the folder, by the cnngrade installed for `python`."""
    command = [
        str(python),
        "-m",
        "autograder.cli",
        "grade",
        "hw1",
        str(folder),
        "--out",
        str(out),
        "--force",
        "--quiet",
        "--seed",
        "1",
    ] + (["--workers", str(workers)] if workers else [])
    # --require-sandbox: refused unless sandboxed, in every version; --unsandboxed: allowed to run without.
    command += ["--require-sandbox"] if sandboxed else ["--unsandboxed"]
    environment = dict(os.environ)
    if not sandboxed:
        # Without the sandbox: a PATH on which bwrap cannot be found (everything else is called by full path).
        environment["PATH"] = str(out.parent / "no-bwrap")
    started = time.perf_counter()
    # Run from outside the repository: `-m` would otherwise import this checkout's package for any Python.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment, cwd=out.parent)
    with PeakMemory(process.pid) as memory:
        summary, _ = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"cnngrade grade failed:\n{summary}")
    print(summary.strip())
    return elapsed, memory


def otter_zip(work: Path) -> Path:
    """Otter's own autograder zip for hw1, as `otter assign` makes it (cnngrade's zip is not Otter's)."""
    from autograder.build.assign import otter_assign

    (made,) = (otter_assign(ROOT, "hw1", work / "otter-assign") / "autograder").glob("hw1-autograder_*.zip")
    return made


def time_otter(notebooks: list[Path], out: Path) -> float:
    zip_path = otter_zip(out.parent)
    started = time.perf_counter()
    for index, notebook in enumerate(notebooks):
        target = out / str(index)
        target.mkdir(parents=True)
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "otter"), "run", "-a", str(zip_path), "-o", str(target), str(notebook)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def compare_with_baseline(work: Path, baseline: Path, n: int, workers: int | None, repeat: int) -> None:
    """Sandboxed runs of the baseline and of this checkout, alternated so both see the same machine."""
    times: dict[str, list[float]] = {"baseline": [], "this": []}
    for index in range(repeat):
        for side, python in (("baseline", baseline), ("this", ROOT / ".venv" / "bin" / "python")):
            elapsed, _ = time_cnngrade(work / "class", work / f"out-{side}-{index}", workers, True, python)
            times[side].append(elapsed)
    medians = {side: sorted(values)[len(values) // 2] for side, values in times.items()}
    for side, values in times.items():
        print(
            f"{side:>8} ({'baseline, ' + str(baseline) if side == 'baseline' else 'this checkout'}): "
            f"{n / medians[side]:.1f} per second (median of {', '.join(f'{v:.2f}' for v in values)} s)"
        )
    print(f"this / baseline throughput: {medians['baseline'] / medians['this']:.2f}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="submissions for cnngrade (default 1000)")
    parser.add_argument("--otter", type=int, default=5, help="submissions for sequential otter run (default 5)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="PYTHON",
        help="also time the sandboxed run of the cnngrade installed for this Python (a venv with "
        "`pip install` of an earlier commit), alternating with this one, --repeat times each",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side with --baseline (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cnngrade-bench-") as temporary:
        work = Path(temporary)
        (work / "class").mkdir()
        notebooks = make_class(work / "class", args.n)
        if args.baseline:
            compare_with_baseline(work, args.baseline, args.n, args.workers, args.repeat)
        ours, memory = time_cnngrade(work / "class", work / "out", args.workers, sandboxed=True)
        bare, _ = time_cnngrade(work / "class", work / "out-bare", args.workers, sandboxed=False)
        gradable = [p for p in notebooks if "broken_json" not in p.name][: args.otter]
        theirs = time_otter(gradable, work / "otter")
    ours_rate, bare_rate, theirs_rate = args.n / ours, args.n / bare, len(gradable) / theirs
    print(f"\ncnngrade grade (sandboxed)   : {args.n} submissions in {ours:.1f} s = {ours_rate:.1f} per second")
    print(f"cnngrade grade (no sandbox)  : {args.n} submissions in {bare:.1f} s = {bare_rate:.1f} per second")
    print(
        f"otter run (sequential)       : {len(gradable)} submissions in {theirs:.1f} s = {theirs_rate:.2f} per second"
    )
    print(f"ratio, sandboxed / otter run : {ours_rate / theirs_rate:.0f}x")
    print(
        f"peak RSS (sandboxed run)     : {memory.child_peak / 2**20:.0f} MiB per grading child, "
        f"{memory.server_peak / 2**20:.0f} MiB fork server"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
