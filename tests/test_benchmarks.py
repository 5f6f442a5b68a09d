"""The benchmarks measure what they say: the floor runs every cell and every probe call, the simulated
grade writes real rows, and one quick run prints every figure the issue asks for. No timings are asserted."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import assignment as find_assignment
from autograder.grading.run import grade
from autograder.sandboxed.runner import WARM_UP

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import floor  # noqa: E402
import throughput  # noqa: E402

SEED = 1


def code_cells(path: Path) -> int:
    return sum(cell["cell_type"] == "code" for cell in json.loads(path.read_text())["cells"])


def function_raises(path: Path, folder: Path, names: tuple[str, ...]) -> Path:
    """The notebook with a last cell that rebinds each graded function to one that raises."""
    notebook = json.loads(path.read_text())
    source = "\n".join(f"def {name}(*args, **kwargs):\n    raise RuntimeError('no')" for name in names)
    notebook["cells"].append(
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    )
    made = folder / f"raising_{path.name}"
    made.write_text(json.dumps(notebook))
    return made


def run_floor(jobs: floor.FloorJobs, folder: Path, workers: int = 2) -> list[dict[str, int]]:
    """The floor as the benchmark runs it (its own process), each child writing what it did."""
    saved, trace = folder / "jobs.pickle", folder / "trace"
    trace.mkdir()
    floor.save(jobs, saved)
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "floor.py"), str(saved), "--workers", str(workers), "--trace", str(trace)],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["notebooks"] == len(jobs.notebooks)
    return [json.loads((trace / f"{index}.json").read_text()) for index in range(len(jobs.notebooks))]


@pytest.mark.parametrize("assignment", ["hw1", "hw3", "hw5"])
def test_floor_child_runs_every_cell_then_every_probe_call(assignment: str, tmp_path: Path) -> None:
    samples = ROOT / "examples" / assignment
    homework = find_assignment(assignment)
    passes, midway = samples / "passes_all.ipynb", samples / "raises_midway.ipynb"
    raising = function_raises(passes, tmp_path, homework.functions)
    notebooks = [passes, midway, samples / "broken_json.ipynb", raising]
    jobs = floor.prepare(assignment, notebooks, SEED)
    assert jobs.unreadable == 1  # broken_json: not run, as cnngrade runs none of it
    probe_calls = sum(len(probes) for probes in homework.probes(SEED).values())
    assert probe_calls > 0
    traces = run_floor(jobs, tmp_path)
    for path, trace in zip([passes, midway, raising], traces, strict=True):
        assert trace["cells"] == code_cells(path)
        assert trace["calls"] == probe_calls
    # The probe calls reach the student's own functions: working ones return, raising ones raise on every call.
    assert traces[0]["cells_raised"] == 0 and traces[0]["calls_raised"] == 0
    assert traces[2]["calls_raised"] == probe_calls
    # A cell that raises does not stop the ones after it.
    assert traces[1]["cells_raised"] >= 1


def test_floor_parent_refuses_to_run_with_the_grader_imported() -> None:
    # This test's own process has imported autograder: a floor started from it would not be numpy-only.
    with pytest.raises(SystemExit, match="must not have imported"):
        floor.run_floor(floor.FloorJobs([], {}, []), workers=1)


@pytest.mark.parametrize("cell", [cell for cell in WARM_UP if cell != "def f(:"])
def test_ipython_cells_become_plain_python(cell: str) -> None:
    plain = floor.plain_python(cell)
    compile(cell if plain is None else plain, "<cell>", "exec")


def test_python_cells_are_left_as_they_are() -> None:
    for path in (ROOT / "examples" / "hw1").glob("passes_all.ipynb"):
        jobs = floor.prepare("hw1", [path], SEED)
        assert jobs.cells_trimmed == 0
        assert jobs.cells == code_cells(path)


def test_class_notebooks_are_unique_and_named_after_their_sample(tmp_path: Path) -> None:
    samples = throughput.samples("hw1")
    made = throughput.make_class(tmp_path, "hw1", 2 * len(samples) + 1)
    assert len({path.read_bytes() for path in made}) == len(made)
    for index, path in enumerate(made):
        assert path.stem.split("_", 1)[1] == samples[index % len(samples)].stem


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="the benchmark's sandboxed runs need bubblewrap")
def test_quick_run_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    throughput.main(["--quick"])
    printed = capsys.readouterr().out
    figures = [
        "cnngrade grade, sandboxed (per s)",
        "floor: exec + probes (per s)",
        "cnngrade / floor",
        "cnngrade grade, no sandbox (per s)",
        "otter run, sequential",
        "cnngrade / otter run",
        "grade --scheduler, running cluster (per s)",
        "the local executor, run just before (per s)",
        "dask / local",
        "the cluster's start, apart (s)",
        "resume of the finished OUT",
        "cnngrade grade, sandboxed (median of",
        "otter run (median of",
        "otter run / cnngrade",
        f"{throughput.QUICK.small:,} notebooks",
        f"{throughput.QUICK.big:,} notebooks",
        "difference",
        "cnngrade grade, end to end (median of",
        "left in its TMPDIR",
    ]
    for label in figures:
        (line,) = [line for line in printed.splitlines() if label in line]
        assert re.search(r"[-+]?\d+(\.\d+)?\s*$", line), line


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="recording phase 1 runs the samples sandboxed")
def test_only_memory_prints_peak_memory_and_the_large_resume_and_nothing_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    throughput.main(["--quick", "--only", "memory"])
    lines = capsys.readouterr().out.splitlines()
    for label in (
        f"{throughput.QUICK.small:,} notebooks",
        f"{throughput.QUICK.big:,} notebooks",
        "difference",
        "cnngrade grade, end to end (median of",
    ):
        (line,) = [line for line in lines if label in line]
        assert re.search(r"[-+]?\d+(\.\d+)?\s*$", line), line
    assert not [line for line in lines if "per s" in line or "otter" in line]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="recording phase 1 runs the samples sandboxed")
def test_simulated_grade_writes_the_rows_a_real_grade_does(tmp_path: Path) -> None:
    script = str(BENCHMARKS / "simulated_grade.py")
    samples = tmp_path / "samples"
    samples.mkdir()
    for path in throughput.samples("hw1"):
        shutil.copy(path, samples / path.name)
    records = tmp_path / "records.json"
    subprocess.run([sys.executable, script, "record", "hw1", str(samples), str(records)], check=True, cwd=tmp_path)
    size = 2 * len(throughput.samples("hw1"))
    throughput.make_class(tmp_path / "class", "hw1", size)
    done = subprocess.run(
        [sys.executable, script, "grade", "hw1", str(tmp_path / "class"), str(tmp_path / "out"), str(records)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    said = json.loads(done.stdout)
    assert said["rows"] == size and said["peak_bytes"] > 0
    # Phase 2 is the real one: each replayed row scores as the real grading of its sample does.
    import simulated_grade

    real = grade(assignment="hw1", submissions=samples, out=tmp_path / "real", seed=simulated_grade.SEED)
    expected = {row.submission: (row.status, row.score) for row in real.results}
    replayed = grade(
        assignment="hw1",
        submissions=tmp_path / "class",
        out=tmp_path / "replayed",
        seed=simulated_grade.SEED,
        executor=simulated_grade.Replayed(simulated_grade.load(records)),
    )
    assert len(replayed.results) == size
    for row in replayed.results:
        assert (row.status, row.score) == expected[simulated_grade.sample_of(row.submission)]
