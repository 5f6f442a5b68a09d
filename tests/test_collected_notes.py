"""A collect's notes (late, who) are believed only for notebooks that still hold the bytes the collect wrote."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.grading.run import grade
from autograder.intake.collected import NOTES, CollectedNote, read_notes, write_notes
from autograder.lms.canvas import collect_canvas_submissions
from autograder.outputs.gradebook import GRADEBOOK, LATE, gradebook_rows
from autograder.report.html import write_report

from .test_canvas import EXAMPLES, HOMEWORK, SEED, SUBMITTED, Student, make_download
from .test_report import late_marks

NOTES_OF_THE_CLASS = {s.user_id: CollectedNote(s.late, s.login) for s in SUBMITTED}


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    into = tmp_path / "into"
    collect_canvas_submissions(source=make_download(tmp_path / "download"), into=into)
    return into


def test_a_collect_is_believed(collected: Path) -> None:
    assert read_notes(collected) == NOTES_OF_THE_CLASS


def edit(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b'"cells"', b'"cells" ', 1))


def replace_with_another_sample(path: Path) -> None:
    others = sorted(p for p in EXAMPLES.glob("*.ipynb") if p.read_bytes() != path.read_bytes())
    shutil.copy(others[0], path)


def remove(path: Path) -> None:
    path.unlink()


def link_to_the_same_bytes(path: Path) -> None:
    # Same bytes, but through a link: whatever a link names could change under it, so it is not what was collected.
    kept = path.with_name("kept")
    path.rename(kept)
    path.symlink_to(kept)


@pytest.mark.parametrize("change", [edit, replace_with_another_sample, remove, link_to_the_same_bytes])
def test_a_notebook_changed_since_the_collect_loses_its_note_and_only_it(collected: Path, change) -> None:
    late = next(s.user_id for s in SUBMITTED if s.late)
    change(collected / f"{late}.ipynb")
    assert read_notes(collected) == {name: note for name, note in NOTES_OF_THE_CLASS.items() if name != late}


def planted(folder: Path, notes: dict[str, dict[str, object]], version: int = 2) -> None:
    (folder / NOTES).write_text(json.dumps({"version": version, "submissions": notes}))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_notes_file_for_other_bytes_is_ignored(tmp_path: Path) -> None:
    # A student's zip unzipped at the top of a folder a TA assembled: its notes describe the student's own copies.
    folder = tmp_path / "class"
    folder.mkdir()
    for student in SUBMITTED:
        shutil.copy(EXAMPLES / f"{student.sample}.ipynb", folder / f"{student.user_id}.ipynb")
    elsewhere = tmp_path / "elsewhere.ipynb"
    elsewhere.write_text("{}")
    notes = {s.user_id: {"late": True, "who": "planted", "sha256": sha256(elsewhere)} for s in SUBMITTED}
    planted(folder, notes)
    assert read_notes(folder) == {}
    # Without hashes (the notes a collect wrote before they had any): not believed either.
    planted(folder, {s.user_id: {"late": True, "who": "planted"} for s in SUBMITTED}, version=1)
    assert read_notes(folder) == {}


def test_notes_name_only_notebooks_beside_them(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    outside = tmp_path / "x.ipynb"
    outside.write_text("{}")
    (folder / "101.ipynb").write_text("{}")
    digest = sha256(outside)
    # A name that climbs out of the folder names no notebook of it, whatever the hash says.
    planted(folder, {"../x": {"late": True, "sha256": digest}, "101": {"late": True, "sha256": digest}})
    assert read_notes(folder) == {"101": CollectedNote(True)}


def test_write_notes_hashes_what_is_on_disk_and_leaves_out_notebooks_not_there(tmp_path: Path) -> None:
    (tmp_path / "101.ipynb").write_text("{}")
    write_notes(tmp_path, {"101": CollectedNote(True, "a"), "102": CollectedNote(True, "b")})
    written = json.loads((tmp_path / NOTES).read_text())["submissions"]
    assert written == {"101": {"late": True, "who": "a", "sha256": sha256(tmp_path / "101.ipynb")}}
    assert read_notes(tmp_path) == {"101": CollectedNote(True, "a")}


def test_a_collect_over_an_interrupted_one_is_believed_for_what_it_wrote(tmp_path: Path, collected: Path) -> None:
    # An earlier collect's notes, left while this one was writing other bytes: stale for the notebooks it changed.
    stale = (collected / NOTES).read_bytes()
    changed = SUBMITTED[0].user_id
    replace_with_another_sample(collected / f"{changed}.ipynb")
    (collected / NOTES).write_bytes(stale)
    assert changed not in read_notes(collected)
    # The same collect run again to the end: its notes match again.
    download = tmp_path / "again.zip"
    with zipfile.ZipFile(download, "w") as archive:
        for path in sorted((tmp_path / "download").iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    collect_canvas_submissions(source=download, into=collected)
    assert read_notes(collected) == NOTES_OF_THE_CLASS


def test_collect_grade_report_marks_the_late_students_a_changed_notebook_not(tmp_path: Path) -> None:
    students = (*SUBMITTED, Student("Late, Again", "301", "passes_all", late=True))
    collected = tmp_path / "into"
    collect_canvas_submissions(source=make_download(tmp_path / "download", students), into=collected)
    late = {s.user_id for s in students if s.late}
    # A TA replaces one late student's notebook by hand after the collect: Canvas's late mark was about another file.
    replaced = sorted(late)[0]
    replace_with_another_sample(collected / f"{replaced}.ipynb")
    grade(assignment=HOMEWORK, submissions=collected, out=tmp_path / "out", seed=SEED, timeout=30)
    with (tmp_path / "out" / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
        graded_late = {row["submission"] for row in gradebook_rows(handle) if row["late"] == LATE}
    assert graded_late == late - {replaced} and graded_late
    marks = late_marks(write_report(out=tmp_path / "out"))
    assert marks == {s.user_id: s.user_id in graded_late for s in students}
