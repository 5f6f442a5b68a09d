"""A row that must never be reused (a link, a pipe, an unreadable file, a row the grader failed) is still recorded,
so `report`, `export canvas` and `diff` read the whole class; and one assignment's results are never another's."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.cli import main
from autograder.diff import diff_runs
from autograder.errors import OutFolderError
from autograder.grading import run as run_module
from autograder.grading.executor import Job, Phase1Outcome
from autograder.grading.run import GradeRun, grade
from autograder.lms.canvas import export_canvas
from autograder.model import Status
from autograder.outputs import records
from autograder.outputs.folder import RUN_FILE, read_out
from autograder.outputs.gradebook import GRADEBOOK, gradebook_rows
from autograder.report.html import write_report

from .factories import write_notebook
from .test_canvas import Student, write_roster
from .test_grade_per_submission import NOTHING_DEFINED, build_beyond_path_max

GOOD, ODD = "101", "102"
GRADERS_FAULT = Phase1Outcome(Status.CRASH, "The grader could not run this notebook.", None, 0.1, graders_fault=True)


class PerJobExecutor:
    """Answers ODD's job with the grader's own failure, every other job with NOTHING_DEFINED."""

    warning = ""

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job in jobs:
            yield job, GRADERS_FAULT if job.submission == ODD else NOTHING_DEFINED


def link(folder: Path, patch: pytest.MonkeyPatch) -> None:
    (folder / f"{ODD}.ipynb").symlink_to(f"{GOOD}.ipynb")


def pipe(folder: Path, patch: pytest.MonkeyPatch) -> None:
    os.mkfifo(folder / f"{ODD}.ipynb")


def unreadable(folder: Path, patch: pytest.MonkeyPatch) -> None:
    # As a file without read permission is to anyone but root: neither hashed nor read.
    path = write_notebook(folder / f"{ODD}.ipynb", ["x = 2"])

    def refusing(real: Callable[..., Any]) -> Callable[..., Any]:
        def step(target: Path, *args: Any) -> Any:
            if Path(target) == path:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
            return real(target, *args)

        return step

    patch.setattr(records, "content_hash", refusing(records.content_hash))
    patch.setattr(run_module, "read_code_cells", refusing(run_module.read_code_cells))


def beyond_path_max(folder: Path, patch: pytest.MonkeyPatch) -> None:
    build_beyond_path_max(folder, (folder / f"{GOOD}.ipynb").read_bytes())


def grader_failed_before_running(folder: Path, patch: pytest.MonkeyPatch) -> None:
    write_notebook(folder / f"{ODD}.ipynb", ["x = 2"])
    real = run_module._previous

    def failing(out: Path, name: str, *args: Any) -> Any:
        if name == ODD:
            raise RuntimeError("the grader tripped")
        return real(out, name, *args)

    patch.setattr(run_module, "_previous", failing)


def grader_failed_running(folder: Path, patch: pytest.MonkeyPatch) -> None:
    write_notebook(folder / f"{ODD}.ipynb", ["x = 2"])


# Each kind of row that is never reused, and the status it gets.
KINDS: dict[str, tuple[Callable[[Path, pytest.MonkeyPatch], None], Status]] = {
    "link": (link, Status.INVALID),
    "pipe": (pipe, Status.INVALID),
    "unreadable": (unreadable, Status.INVALID),
    "beyond-path-max": (beyond_path_max, Status.INVALID),
    "grader-failed-before-running": (grader_failed_before_running, Status.CRASH),
    "grader-failed-running": (grader_failed_running, Status.CRASH),
}


def fake_grade(folder: Path, out: Path, name: str = "hw1") -> GradeRun:
    return grade(assignment=name, submissions=folder, out=out, seed=7, executor=PerJobExecutor())


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_row_that_is_never_reused_is_read_by_report_export_and_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    make, status = KINDS[kind]
    make(folder, monkeypatch)
    first = fake_grade(folder, out)
    again = fake_grade(folder, out)
    rows = {result.submission: result for result in again.results}
    (odd,) = set(rows) - {GOOD}
    assert rows[odd].status == status
    assert (first.reused, again.reused) == (0, 1), "only the good row is reused"

    # Every gradebook row has its record: the folder reads back whole.
    graded = read_out(out)
    assert graded.results == rows
    with (out / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
        assert sorted(row["submission"] for row in gradebook_rows(handle)) == sorted(rows)

    index = write_report(out=out, into=tmp_path / "report")
    pages = "".join(page.read_text(encoding="utf-8") for page in index.parent.rglob("*.html"))
    assert all(name in pages for name in rows)

    roster = write_roster(
        tmp_path / "roster.csv", tuple(Student(f"Student, {name}", name, None) for name in rows), ("hw1 (1)",)
    )
    export = export_canvas(out=out, roster=roster, assignment_column=None, into=tmp_path / "canvas.csv")
    assert export.no_submission == () and export.unmatched == ()
    assert {student.id for student in (*export.scored, *export.not_graded)} == set(rows)

    compared = diff_runs(old=out, new=out)
    assert (compared.changed, compared.unchanged) == ((), len(rows))


def test_the_cli_reports_a_class_with_a_linked_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    link(folder, pytest.MonkeyPatch())
    fake_grade(folder, out)
    assert main(["report", str(out)]) == 0, capsys.readouterr().err


def test_a_record_without_a_fingerprint_is_never_reused(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    (row,) = fake_grade(folder, out).results
    path = out / records.RECORDS / f"{GOOD}.json"
    fingerprint = records.Fingerprint(**json.loads(path.read_text())["fingerprint"])
    assert records.load(out, GOOD, fingerprint) == row
    records.save(out, None, row)
    assert records.load(out, GOOD, fingerprint) is None
    assert fake_grade(folder, out).reused == 0


# -- one assignment's results are never another's ------------------------------------------------------------------


def test_a_result_is_reused_only_for_the_assignment_it_was_graded_for(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    fake_grade(folder, out, "hw2")
    # Without run.json (lost, or from before it was written), nothing says which assignment OUT holds but the records.
    (out / RUN_FILE).unlink()
    run = fake_grade(folder, out, "hw1")
    assert run.reused == 0 and {result.assignment for result in run.results} == {"hw1"}
    assert fake_grade(folder, out, "hw1").reused == 1


@pytest.mark.parametrize("force", [False, True])
def test_grading_into_an_out_of_another_assignment_is_refused_and_leaves_it_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], force: bool
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    fake_grade(folder, out, "hw2")
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    with pytest.raises(OutFolderError, match=r"holds hw2's grades, not hw1's: give hw1 another --out"):
        grade(assignment="hw1", submissions=folder, out=out, seed=7, executor=PerJobExecutor(), force=force)
    command = ["grade", "hw1", str(folder), "--out", str(out), "--seed", "7", *(["--force"] if force else [])]
    assert main(command) == OutFolderError.exit_code
    assert "holds hw2's grades" in capsys.readouterr().err
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    # The same assignment again is a resume, as ever.
    assert fake_grade(folder, out, "hw2").reused == 1
