"""Resuming: a killed run loses nothing already graded, and a rerun grades only what changed."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading import run as run_module
from autograder.grading.run import grade
from autograder.outputs import records
from autograder.outputs.record_index import index_path

from .factories import alive, as_from_a_terminal, descendants

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw2"
QUICK = sorted(p for p in EXAMPLES.glob("*.ipynb"))[:6]
pytestmark = pytest.mark.slow


@pytest.fixture
def submissions(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in QUICK:
        shutil.copy(path, folder / path.name)
    return folder


def add_sleeper(folder: Path) -> None:
    # Sorted last and slow: the run is killed while this one is being graded.
    notebook = json.loads((EXAMPLES / "passes_all.ipynb").read_text())
    notebook["cells"].append(
        {
            "cell_type": "code",
            "id": "sleep",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "import time\ntime.sleep(60)",
        }
    )
    (folder / "zz_sleeps.ipynb").write_text(json.dumps(notebook))


def recorded(out: Path) -> set[str]:
    return {p.stem for p in (out / "records").glob("*.json")} if (out / "records").exists() else set()


@pytest.mark.parametrize("how", [pytest.param(signal.SIGKILL, id="kill-9"), pytest.param(signal.SIGINT, id="ctrl-c")])
def test_a_killed_run_resumes_without_regrading(submissions: Path, tmp_path: Path, how: signal.Signals) -> None:
    add_sleeper(submissions)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "autograder.cli",
        "grade",
        "hw2",
        str(submissions),
        "--out",
        str(out),
        "--workers",
        "1",
        "--timeout",
        "3",
        "--quiet",
    ]
    grader = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=as_from_a_terminal
    )
    deadline = time.monotonic() + 60
    while len(recorded(out)) < len(QUICK) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(recorded(out)) == len(QUICK)
    grader.send_signal(how)
    grader.wait(timeout=30)
    assert "zz_sleeps" not in recorded(out)

    resumed = grade(assignment="hw2", submissions=submissions, out=out, timeout=3, memory_bytes=2 * 1024**3)
    assert resumed.reused == len(QUICK)
    assert [r.submission for r in resumed.results] == sorted(p.stem for p in submissions.glob("*.ipynb"))
    assert (out / "gradebook.csv").read_text().count("\n") == len(QUICK) + 2


def test_only_new_or_changed_submissions_are_graded_again(submissions: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = grade(assignment="hw2", submissions=submissions, out=out, seed=5)
    assert first.reused == 0
    changed = submissions / QUICK[0].name
    changed.write_text(
        changed.read_text().replace(
            '"cells": [',
            '"cells": [{"cell_type": "code", "id": "new", '
            '"metadata": {}, "outputs": [], "execution_count": null, '
            '"source": "x = 1"}, ',
            1,
        )
    )
    second = grade(assignment="hw2", submissions=submissions, out=out, seed=5)
    assert second.reused == len(QUICK) - 1
    assert second.gradebook.read_text() == first.gradebook.read_text()
    assert grade(assignment="hw2", submissions=submissions, out=out, seed=5, force=True).reused == 0
    assert grade(assignment="hw2", submissions=submissions, out=out, seed=6).reused == 0


@pytest.mark.parametrize("by_index", [True, False], ids=["reused-by-the-index", "reused-by-the-record"])
def test_a_results_file_deleted_by_hand_is_written_again_by_the_rerun_that_reuses_its_row(
    submissions: Path, tmp_path: Path, by_index: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    grade(assignment="hw2", submissions=submissions, out=out, seed=5)
    written = {path.name: path.read_bytes() for path in (out / "results").glob("*.json")}
    deleted = sorted(written)[:2]
    for name in deleted:
        (out / "results" / name).unlink()
    if not by_index:
        index_path(out).unlink()  # each row then reused by reading its record
    again = grade(assignment="hw2", submissions=submissions, out=out, seed=5)
    assert again.reused == len(QUICK)
    assert {path.name: path.read_bytes() for path in (out / "results").glob("*.json")} == written
    # With results/ as the last run left it, no file of it is looked at one by one.
    looked: list[str] = []
    monkeypatch.setattr(run_module, "_results_json_in_place", lambda out, name: looked.append(name) or True)
    assert grade(assignment="hw2", submissions=submissions, out=out, seed=5).reused == len(QUICK)
    assert looked == []
    monkeypatch.undo()

    # Its record unreadable as well: nothing to write it from, so the row is graded again, and has both.
    (out / "results" / deleted[0]).unlink()
    records.record_path(out, Path(deleted[0]).stem).write_text("{not a record")
    third = grade(assignment="hw2", submissions=submissions, out=out, seed=5)
    assert third.reused == len(QUICK) - 1
    assert (out / "results" / deleted[0]).is_file()
    assert records.read_record(out, Path(deleted[0]).stem)["fingerprint"] is not None
    assert third.gradebook.read_text() == again.gradebook.read_text()


def test_without_a_seed_a_rerun_keeps_the_seed_of_the_folder(submissions: Path, tmp_path: Path) -> None:
    first = grade(assignment="hw2", submissions=submissions, out=tmp_path / "out")
    again = grade(assignment="hw2", submissions=submissions, out=tmp_path / "out")
    assert again.seed == first.seed and again.reused == len(QUICK)


def test_no_grading_process_outlives_a_killed_run(submissions: Path, tmp_path: Path) -> None:
    add_sleeper(submissions)
    out = tmp_path / "out"
    grader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            "hw2",
            str(submissions),
            "--out",
            str(out),
            "--workers",
            "1",
            "--timeout",
            "30",
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(recorded(out)) < len(QUICK) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    below = descendants(grader.pid)
    assert below, "the grader should have a fork server and a child running"
    grader.kill()
    grader.wait()
    time.sleep(1.0)
    assert [pid for pid in below if alive(pid)] == []
