"""Canvas both ways: a "Download Submissions" zip or folder becomes a gradable folder; scores become an import CSV."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import re
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.intake.uploads as uploads
import autograder.lms.canvas_zip as canvas_zip
from autograder.cli import main
from autograder.course import assignment
from autograder.errors import EXIT_FILES, CannotAccess, CnnGradeError
from autograder.grading.run import grade
from autograder.intake.collected import NOTES, CollectedNote, read_notes
from autograder.intake.notebook import read_code_cells
from autograder.intake.roster import POINTS_POSSIBLE
from autograder.lms.canvas import (
    INFO_COLUMNS,
    CanvasError,
    CanvasFile,
    collect_canvas_submissions,
    export_canvas,
    parse_canvas_name,
    render_collection,
    render_export,
)
from autograder.model import Status
from autograder.report.html import write_report

from .test_inert_outputs import assert_inert_on_screen

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw2"
HOMEWORK, SEED = "hw2", 3
HW2_COLUMN = f"{HOMEWORK} (5555)"
POINTS = f"{sum(case.points for case in assignment(HOMEWORK).cases(SEED)):g}"


@dataclass(frozen=True)
class Student:
    sortable_name: str  # as Canvas keeps it: "Last, First"
    user_id: str
    sample: str | None  # the examples/hw2 notebook the student hands in; None: nothing
    late: bool = False
    section: str = "A"

    @property
    def login(self) -> str:
        """The name part of Canvas's file names: lowercase, non-word characters dropped (underscores stay)."""
        return re.sub(r"\W", "", self.sortable_name).lower()


CLASS = (
    Student("Lovelace, Ada", "101", "passes_all"),
    Student("Hopper, Grace", "102", "missing_plus_one", late=True),
    Student("Berg_van der, Jan", "103", "floor_instead_of_ceil", section="B"),  # underscores in the name part
    Student("Turing, Alan", "104", "broken_json", section="B"),  # graded as invalid
    Student("Noether, Emmy", "105", None),  # no submission
)
SUBMITTED = tuple(student for student in CLASS if student.sample)
NOT_ON_ROSTER = "999"  # a student who dropped the course but still submitted


def canvas_name(student: str, user_id: str, attachment_id: int, filename: str, late: bool = False) -> str:
    return "_".join([student, *(["LATE"] if late else []), user_id, str(attachment_id), filename])


def make_download(folder: Path, students: tuple[Student, ...] = SUBMITTED, first_attachment: int = 9000) -> Path:
    """What Canvas's "Download Submissions" unzips to, plus the clutter a real one carries."""
    folder.mkdir(parents=True)
    for number, student in enumerate(students, first_attachment):
        assert student.sample is not None
        name = canvas_name(student.login, student.user_id, number, f"{HOMEWORK}.ipynb", student.late)
        shutil.copy(EXAMPLES / f"{student.sample}.ipynb", folder / name)
    (
        folder / canvas_name(students[0].login, students[0].user_id, first_attachment + len(students), "notes.pdf")
    ).write_bytes(b"%PDF-1.4")
    (folder / "README.txt").write_text("not from Canvas")
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._README.txt").write_bytes(b"\0")
    (folder / ".DS_Store").write_bytes(b"\0")
    return folder


def zip_folder(folder: Path, path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(folder).as_posix())
    return path


def write_roster(
    path: Path,
    students: tuple[Student, ...] = CLASS,
    columns: tuple[str, ...] = ("hw1 (5554)", HW2_COLUMN),
    points: str | None = POINTS,
    delimiter: str = ",",
    bom: bool = False,
    posting_row: bool = False,
    split_names: bool = False,
) -> Path:
    """A Canvas gradebook export: student columns, assignments, read-only totals, optionally Points Possible."""
    names = ["LastName", "FirstName"] if split_names else ["Student"]
    info = [*names, "ID", "SIS User ID", "SIS Login ID", "Section"]
    rows = [info + [*columns, "Current Score", "Final Score"]]
    if posting_row:
        rows.append([""] * len(info) + ["Manual Posting"] * len(columns) + ["", ""])
    if points is not None:
        rows.append(["    Points Possible"] + [""] * (len(info) - 1) + [points] * len(columns) + ["(read only)"] * 2)
    for student in students:
        name = student.sortable_name.split(", ") if split_names else [student.sortable_name]
        rows.append(
            [*name, student.user_id, f"sis{student.user_id}", student.login, student.section]
            + [""] * len(columns)
            + ["90", "90"]
        )
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";" if text.split("\n")[0].count(";") else ","))


# --- file names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("student", "late", "user_id", "attachment_id", "filename"),
    [
        pytest.param("lovelaceada", False, "101", 9001, "hw2.ipynb", id="plain"),
        pytest.param("hoppergrace", True, "102", 9002, "hw2-1.ipynb", id="late-duplicate"),
        pytest.param("berg_vanderjan", False, "103", 9003, "hw2.ipynb", id="underscores-in-name"),
        pytest.param("turingalan", False, "104", 9004, "hw2_final_2_v3.ipynb", id="digits-in-filename"),
        pytest.param("", False, "105", 9005, "hw2.ipynb", id="empty-name"),
        pytest.param("müllerjürgen", True, "106", 9006, "my hw2 (copy).ipynb", id="unicode-and-spaces"),
    ],
)
def test_canvas_names_are_taken_apart(
    student: str, late: bool, user_id: str, attachment_id: int, filename: str
) -> None:
    name = canvas_name(student, user_id, attachment_id, filename, late)
    assert parse_canvas_name(name) == CanvasFile(name, student, late, user_id, attachment_id, filename)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("hw2.ipynb", id="plain-file"),
        pytest.param("lovelaceada_hw2.ipynb", id="no-ids"),
        pytest.param("lovelaceada_101_hw2.ipynb", id="one-id"),
        pytest.param("love lace_101_9001_hw2.ipynb", id="space-in-name"),
        pytest.param("anon_12345_9001_hw2.ipynb", id="anonymous-digits"),
        pytest.param("LATE_anon_x1y2z_9001_hw2.ipynb", id="anonymous-late"),
    ],
)
def test_other_names_do_not_parse(name: str) -> None:
    assert parse_canvas_name(name) is None


def otter_export_name(stem: str, when: datetime.datetime) -> str:
    """The name a notebook's export cell (Otter) gives the zip it makes."""
    return f"{stem}_{when.strftime('%Y_%m_%dT%H_%M_%S_%f')}.zip"


EXPORT_TIMES = [
    datetime.datetime(2026, 11, 26, 20, 26, 42, 296812),
    datetime.datetime(2025, 1, 2, 3, 4, 5, 6),
    datetime.datetime(1999, 12, 31, 23, 59, 59, 999999),
]


@pytest.mark.parametrize("when", EXPORT_TIMES, ids=str)
@pytest.mark.parametrize("as_zip", [pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def test_a_notebooks_own_export_zip_is_not_taken_for_a_canvas_file(
    tmp_path: Path, when: datetime.datetime, as_zip: bool
) -> None:
    own = otter_export_name(HOMEWORK, when)
    assert parse_canvas_name(own) is None  # not user id <year>, attachment <month>
    download = make_download(tmp_path / "download")
    (download / own).write_bytes(in_zip(f"{HOMEWORK}.ipynb"))
    # The same zip uploaded to Canvas, which adds its own parts before the name: a Canvas file like any other.
    uploaded = canvas_name("newstudent", "777", 9999, own)
    (download / uploaded).write_bytes(in_zip(f"{HOMEWORK}.ipynb"))
    source = zip_folder(download, tmp_path / "submissions.zip") if as_zip else download
    collection = collect_canvas_submissions(source=source, into=tmp_path / "into")
    assert sorted(file.user_id for file in collection.collected) == sorted([*(s.user_id for s in SUBMITTED), "777"])
    (skip,) = [skip for skip in collection.skipped if skip.name == own]
    assert "looks like a notebook's own export zip" in skip.reason and "Canvas" in skip.reason


@pytest.mark.parametrize("as_zip", [pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def test_a_skipped_file_in_a_subfolder_is_shown_where_it_is(tmp_path: Path, as_zip: bool) -> None:
    download = make_download(tmp_path / "download")
    nested = {
        "extra/nested.ipynb": b"{}",  # not a Canvas name
        f"extra/deeper/{canvas_name('lovelaceada', '101', 8000, 'notes.pdf')}": b"%PDF-1.4",  # not a notebook
    }
    for relative, content in nested.items():
        (download / relative).parent.mkdir(parents=True, exist_ok=True)
        (download / relative).write_bytes(content)
    source = zip_folder(download, tmp_path / "submissions.zip") if as_zip else download
    collection = collect_canvas_submissions(source=source, into=tmp_path / "into")
    shown = {skip.name for skip in collection.skipped}
    assert set(nested) <= shown
    assert not {PurePosixPath(relative).name for relative in nested} & shown
    assert all(f"  {relative}: " in render_collection(collection) for relative in nested)


# --- collect ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_zip", [pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def test_each_student_gets_one_notebook_named_by_user_id(tmp_path: Path, as_zip: bool) -> None:
    download = make_download(tmp_path / "download")
    source = zip_folder(download, tmp_path / "submissions.zip") if as_zip else download
    collection = collect_canvas_submissions(source=source, into=tmp_path / "into")

    written = sorted(path.name for path in (tmp_path / "into").iterdir() if path.name != NOTES)
    assert written == sorted(f"{s.user_id}.ipynb" for s in SUBMITTED)
    # Beside them, for `grade`'s late column and the report: late as Canvas's file name says, and who.
    assert read_notes(tmp_path / "into") == {s.user_id: CollectedNote(s.late, s.login) for s in SUBMITTED}
    for student in SUBMITTED:
        assert (tmp_path / "into" / f"{student.user_id}.ipynb").read_bytes() == (
            EXAMPLES / f"{student.sample}.ipynb"
        ).read_bytes()
    assert sorted(file.user_id for file in collection.collected) == sorted(s.user_id for s in SUBMITTED)
    # The pdf and the README are reported; the OS's clutter is not.
    expected_skips = sorted(
        p.name for p in download.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix != ".ipynb"
    )
    assert [skip.name for skip in collection.skipped] == expected_skips
    assert collection.superseded == ()
    assert f"({sum(s.late for s in SUBMITTED)} late)" in render_collection(collection)


def test_of_several_files_the_latest_readable_one_is_kept(tmp_path: Path) -> None:
    ada = CLASS[0]
    files = {  # attachment id: (file name as uploaded, content)
        100: (f"{HOMEWORK}.ipynb", (EXAMPLES / "blank.ipynb").read_bytes()),
        200: (f"{HOMEWORK}-1.ipynb", (EXAMPLES / "passes_all.ipynb").read_bytes()),
        300: (f"{HOMEWORK}.zip", b"not a zip"),
    }
    download = tmp_path / "download"
    download.mkdir()
    for attachment, (filename, content) in files.items():
        name = canvas_name(ada.login, ada.user_id, attachment, filename, late=attachment > min(files))
        (download / name).write_bytes(content)
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")

    newest_readable = 200
    assert (tmp_path / "into" / f"{ada.user_id}.ipynb").read_bytes() == files[newest_readable][1]
    assert [file.attachment_id for file in collection.collected] == [newest_readable]
    assert [file.attachment_id for file in collection.superseded] == [a for a in files if a < newest_readable]
    assert [parse_canvas_name(skip.name).attachment_id for skip in collection.skipped] == [  # type: ignore[union-attr]
        a for a in files if a > newest_readable
    ]


@pytest.mark.parametrize(
    ("inner", "collected"),
    [
        pytest.param({f"{HOMEWORK}.ipynb": "passes_all", f"{HOMEWORK}.pdf": None}, True, id="otter-export"),
        pytest.param({f"{HOMEWORK}.ipynb": "passes_all", "scratch.ipynb": "blank"}, False, id="two-notebooks"),
        pytest.param({f"{HOMEWORK}.pdf": None}, False, id="no-notebook"),
    ],
)
def test_a_zip_the_student_uploaded_is_opened(tmp_path: Path, inner: dict[str, str | None], collected: bool) -> None:
    ada = CLASS[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, sample in inner.items():
            archive.writestr(name, (EXAMPLES / f"{sample}.ipynb").read_bytes() if sample else b"%PDF")
    download = tmp_path / "download"
    download.mkdir()
    (download / canvas_name(ada.login, ada.user_id, 9001, f"{HOMEWORK}.zip")).write_bytes(buffer.getvalue())
    (download / canvas_name(ada.login, "77", 9002, f"{HOMEWORK}.ipynb")).write_bytes(b"{}")  # so there is a notebook
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")
    notebook = (EXAMPLES / "passes_all.ipynb").read_bytes()
    assert (
        (tmp_path / "into" / f"{ada.user_id}.ipynb").exists()
        and (tmp_path / "into" / f"{ada.user_id}.ipynb").read_bytes() == notebook
    ) is collected
    assert any("notebook" in skip.reason for skip in collection.skipped) is not collected


def test_collecting_again_says_what_it_replaces(tmp_path: Path) -> None:
    into = tmp_path / "into"
    first = collect_canvas_submissions(source=make_download(tmp_path / "first"), into=into)
    assert (first.changed, first.unchanged, first.removed) == ((), (), ())
    # The second download: the first two students again, one of them with another notebook; the rest gone.
    again = (SUBMITTED[0], Student(SUBMITTED[1].sortable_name, SUBMITTED[1].user_id, "blank"))
    before = {path.name: path.read_bytes() for path in into.glob("*.ipynb")}
    second = collect_canvas_submissions(source=make_download(tmp_path / "second", again), into=into)

    assert sorted(path.name for path in into.glob("*.ipynb")) == sorted(f"{s.user_id}.ipynb" for s in again)
    after = {path.name: path.read_bytes() for path in into.glob("*.ipynb")}
    assert second.changed == tuple(sorted(name for name in after if before[name] != after[name]))
    assert second.unchanged == tuple(sorted(name for name in after if before[name] == after[name]))
    assert second.removed == tuple(sorted(set(before) - set(after)))
    assert len(second.changed) == len(second.unchanged) == 1 and len(second.removed) == len(SUBMITTED) - 2
    assert (
        f"replaced 2 notebooks an earlier collect wrote (1 changed, 1 the same); removed {len(second.removed)} "
        f"no longer in the download: {', '.join(second.removed)}"
    ) in render_collection(second)
    # The notes are rewritten for this download: nobody removed is still noted.
    assert set(read_notes(into)) == {s.user_id for s in again}


def test_collecting_again_with_only_removals_says_so(tmp_path: Path) -> None:
    into = tmp_path / "into"
    collect_canvas_submissions(source=make_download(tmp_path / "first", SUBMITTED[:1]), into=into)
    newcomer = Student("Shannon, Claude", "107", "passes_all")
    second = collect_canvas_submissions(source=make_download(tmp_path / "second", (newcomer,)), into=into)
    printed = render_collection(second)
    assert f"removed 1 notebook an earlier collect wrote, no longer in the download: {SUBMITTED[0].user_id}.ipynb" in (
        printed
    )
    assert "replaced" not in printed


def test_a_first_collect_says_nothing_of_replacing(tmp_path: Path) -> None:
    printed = render_collection(collect_canvas_submissions(source=make_download(tmp_path / "d"), into=tmp_path / "i"))
    assert "replaced" not in printed and "removed" not in printed


@pytest.mark.parametrize("count", [1, 2, len(SUBMITTED)])
def test_the_count_of_notebooks_reads_right(tmp_path: Path, count: int) -> None:
    collection = collect_canvas_submissions(
        source=make_download(tmp_path / "d", SUBMITTED[:count]), into=tmp_path / "i"
    )
    first_line = render_collection(collection).splitlines()[0]
    assert first_line.startswith(f"collected {count} {'notebook' if count == 1 else 'notebooks'} into ")


def test_late_students_are_named_and_noted(tmp_path: Path) -> None:
    late = tuple(Student(f"Late, Student{n}", str(300 + n), "passes_all", late=True) for n in range(2))
    students = (*SUBMITTED, *late)
    collection = collect_canvas_submissions(source=make_download(tmp_path / "d", students), into=tmp_path / "i")
    lines = render_collection(collection).splitlines()
    expected = [s for s in students if s.late]
    assert f"({len(expected)} late)" in lines[0]
    (named,) = [line for line in lines if line.startswith("late: ")]
    assert sorted(named.removeprefix("late: ").split("; ")) == sorted(f"{s.login} ({s.user_id})" for s in expected)
    notes = read_notes(tmp_path / "i")
    assert {user_id for user_id, note in notes.items() if note.late} == {s.user_id for s in expected}
    assert all(notes[s.user_id].who == s.login for s in students)


def test_no_late_line_when_nobody_is_late(tmp_path: Path) -> None:
    on_time = tuple(s for s in SUBMITTED if not s.late)
    collection = collect_canvas_submissions(source=make_download(tmp_path / "d", on_time), into=tmp_path / "i")
    assert not [line for line in render_collection(collection).splitlines() if line.startswith("late")]
    assert not any(note.late for note in read_notes(tmp_path / "i").values())


def into_holds_other_files(tmp: Path) -> None:
    (tmp / "into").mkdir()
    (tmp / "into" / "notes.txt").write_text("mine")


def download_is_a_text_file(tmp: Path) -> None:
    shutil.rmtree(tmp / "download")
    (tmp / "download").write_text("x")


def grading_was_anonymous(tmp: Path) -> None:
    # Canvas then writes "anon_<5 characters>" where the name and the user id were.
    for path in (tmp / "download").glob("*.ipynb"):
        parsed = parse_canvas_name(path.name)
        assert parsed is not None
        path.rename(path.with_name(f"anon_x1y2z_{parsed.attachment_id}_{parsed.filename}"))


def download_is_a_zip_cut_short(tmp: Path) -> None:
    data = zip_folder(tmp / "download", tmp / "whole.zip").read_bytes()
    shutil.rmtree(tmp / "download")
    (tmp / "download").write_bytes(data[: len(data) - 30])  # the end of the central directory lost


def download_zip_has_a_name_falsely_marked_utf8(tmp: Path) -> None:
    (tmp / "download" / "xREADME.md").write_text("x")
    data = zip_folder(tmp / "download", tmp / "whole.zip").read_bytes()
    shutil.rmtree(tmp / "download")
    name = b"\xffREADME.md"
    (tmp / "download").write_bytes(forged(data.replace(b"xREADME.md", name), name, flags=0x800))


def into_holds_a_folder_named_like_the_notes(tmp: Path) -> None:
    (tmp / "into" / NOTES).mkdir(parents=True)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(into_holds_other_files, "other files", id="into-holds-other-files"),
        pytest.param(into_holds_a_folder_named_like_the_notes, "other files", id="into-holds-a-notes-folder"),
        pytest.param(lambda tmp: shutil.rmtree(tmp / "download"), "No Canvas download", id="no-download"),
        pytest.param(download_is_a_text_file, "not a zip", id="not-a-zip"),
        pytest.param(download_is_a_zip_cut_short, "not a zip, or a damaged one", id="zip-cut-short"),
        pytest.param(download_zip_has_a_name_falsely_marked_utf8, "marked as UTF-8", id="zip-name-not-utf8"),
        pytest.param(grading_was_anonymous, "anonymous", id="anonymous-grading"),
    ],
)
def test_unusable_downloads_are_refused(tmp_path: Path, setup, message: str) -> None:
    make_download(tmp_path / "download")
    setup(tmp_path)
    with pytest.raises(CanvasError, match=message):
        collect_canvas_submissions(source=tmp_path / "download", into=tmp_path / "into")


# --- hostile uploads: one student's file never stops the class ----------------------------------------------

EVE = Student("Mallory, Eve", "666", None)
NOTEBOOK = (EXAMPLES / "passes_all.ipynb").read_bytes()
EVE_ZIP = canvas_name(EVE.login, EVE.user_id, 9999, f"{HOMEWORK}.zip")
EVE_NOTEBOOK = canvas_name(EVE.login, EVE.user_id, 9999, f"{HOMEWORK}.ipynb")
NB = f"{HOMEWORK}.ipynb"
# (offset in the local header, offset in the central directory record, format) of the fields a test forges.
_FIELDS = {"flags": (6, 8, "<H"), "method": (8, 10, "<H"), "size": (22, 24, "<I")}


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def forged(data: bytes, name: str | bytes, **fields: int) -> bytes:
    """DATA with NAME's header fields set to FIELDS, in its local header and its central directory record alike."""
    out = bytearray(data)
    end = data.rindex(b"PK\x05\x06")
    (count,), (offset,) = struct.unpack_from("<H", data, end + 10), struct.unpack_from("<I", data, end + 16)
    for _ in range(count):
        name_size, extra_size, comment_size = struct.unpack_from("<HHH", data, offset + 28)
        local = struct.unpack_from("<I", data, offset + 42)[0]
        if data[offset + 46 : offset + 46 + name_size] == (name.encode() if isinstance(name, str) else name):
            for field, value in fields.items():
                in_local, in_central, layout = _FIELDS[field]
                struct.pack_into(layout, out, local + in_local, value)
                struct.pack_into(layout, out, offset + in_central, value)
        offset += 46 + name_size + extra_size + comment_size
    return bytes(out)


def renamed(data: bytes, name: str, new: bytes) -> bytes:
    """DATA with an entry's name replaced by NEW, of the same length, where the headers hold it."""
    assert len(new) == len(name.encode()) and data.count(name.encode()) == 2
    return data.replace(name.encode(), new)


def corrupted(data: bytes, name: str) -> bytes:
    """DATA with one byte of NAME's content changed: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    at = info.header_offset + 30 + len(name.encode()) + len(info.extra) + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def in_zip(name: str, content: bytes = NOTEBOOK) -> bytes:
    return zip_of({name: content})


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        pytest.param(lambda: forged(in_zip(NB), NB, flags=0x1), "is encrypted", id="encrypted"),
        pytest.param(lambda: forged(in_zip(NB), NB, method=77), "compression method 77", id="unknown-method"),
        pytest.param(lambda: zip_of({NB: NOTEBOOK}, zipfile.ZIP_BZIP2), "compression method 12", id="bzip2"),
        pytest.param(lambda: zip_of({NB: NOTEBOOK}, zipfile.ZIP_LZMA), "compression method 14", id="lzma"),
        pytest.param(lambda: in_zip(NB, b" " * 8 * 2**20), "zip bomb", id="zip-bomb-ratio"),
        pytest.param(lambda: in_zip(NB, b" " * 21 * 2**20), "over 20 MiB", id="too-big"),
        pytest.param(
            lambda: forged(in_zip(NB, b" " * 30 * 2**20), NB, size=len(NOTEBOOK)),
            "damaged",
            id="declares-less-than-it-holds",
        ),
        pytest.param(lambda: corrupted(in_zip(NB), NB), "damaged", id="corrupt-data"),
        pytest.param(lambda: in_zip(NB)[: len(in_zip(NB)) // 2], "damaged", id="cut-short"),
        pytest.param(lambda: b"PK\x03\x04" + bytes(100), "damaged", id="not-a-zip"),
        pytest.param(lambda: in_zip("inner.zip", in_zip(NB)), "a .zip inside the .zip is not opened", id="nested-zip"),
        pytest.param(lambda: renamed(in_zip(f"x{NB}"), f"x{NB}", f"/{NB}".encode()), "absolute", id="absolute-path"),
        pytest.param(lambda: renamed(in_zip(f"xxx{NB}"), f"xxx{NB}", f"../{NB}".encode()), "climbs out", id="dot-dot"),
        pytest.param(
            lambda: renamed(in_zip(f"hw2x{NB}"), f"hw2x{NB}", f"hw2\x1b{NB}".encode()), "control", id="escape-in-name"
        ),
        pytest.param(
            lambda: forged(
                renamed(in_zip(f"x{NB}"), f"x{NB}", b"\xff" + NB.encode()), b"\xff" + NB.encode(), flags=0x800
            ),
            "marked as UTF-8",
            id="name-not-utf8",
        ),
    ],
)
@pytest.mark.parametrize("as_zip", [pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def test_a_hostile_zip_a_student_uploaded_is_skipped_with_why(
    tmp_path: Path, upload: Callable[[], bytes], reason: str, as_zip: bool
) -> None:
    download = make_download(tmp_path / "download")
    (download / EVE_ZIP).write_bytes(upload())
    source = zip_folder(download, tmp_path / "submissions.zip") if as_zip else download
    collection = collect_canvas_submissions(source=source, into=tmp_path / "into")

    assert sorted(file.user_id for file in collection.collected) == sorted(s.user_id for s in SUBMITTED)
    (skip,) = [skip for skip in collection.skipped if skip.name == EVE_ZIP]
    assert reason in skip.reason
    assert f"{EVE_ZIP}: " in render_collection(collection)


def eve_entry(tmp: Path, damage: Callable[[bytes, str], bytes]) -> Path:
    """The class's download zip with Eve's notebook in it, that entry then damaged."""
    download = make_download(tmp / "download")
    (download / EVE_NOTEBOOK).write_bytes(NOTEBOOK)
    path = zip_folder(download, tmp / "submissions.zip")
    path.write_bytes(damage(path.read_bytes(), EVE_NOTEBOOK))
    return path


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        pytest.param(lambda data, name: forged(data, name, flags=0x1), "is encrypted", id="encrypted"),
        pytest.param(lambda data, name: forged(data, name, method=99), "compression method 99", id="unknown-method"),
        pytest.param(corrupted, "Bad CRC-32", id="crc-error"),
        pytest.param(lambda data, name: renamed(data, name, b"/" + name[1:].encode()), "absolute", id="absolute-path"),
        pytest.param(lambda data, name: renamed(data, name, b"../" + name[3:].encode()), "climbs out", id="dot-dot"),
        pytest.param(
            lambda data, name: renamed(data, name, name.replace("hw2", "hw\x1b").encode()),
            "control",
            id="escape-in-name",
        ),
        pytest.param(
            lambda data, name: forged(
                renamed(data, name, name.replace("hw2", "\u202e").encode()), name.replace("hw2", "\u202e"), flags=0x800
            ),
            "text-direction",
            id="bidi-override-in-name",
        ),
    ],
)
def test_a_hostile_file_in_the_download_zip_is_skipped_with_why(
    tmp_path: Path, damage: Callable[[bytes, str], bytes], reason: str
) -> None:
    collection = collect_canvas_submissions(source=eve_entry(tmp_path, damage), into=tmp_path / "into")

    assert sorted(file.user_id for file in collection.collected) == sorted(s.user_id for s in SUBMITTED)
    (skip,) = [skip for skip in collection.skipped if EVE.user_id in skip.name]
    assert reason in skip.reason
    assert_inert_on_screen(render_collection(collection))


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(os.fsencode(EVE_NOTEBOOK).replace(b"hw2", b"hw\xff"), id="not-utf8"),
        pytest.param(EVE_NOTEBOOK.replace("hw2", "hw2\x1b[2J").encode(), id="escape-sequence"),
        pytest.param(EVE_NOTEBOOK.replace("hw2", "hw2\u202e").encode(), id="bidi-override"),
    ],
)
def test_a_badly_named_file_in_a_download_folder_is_skipped_and_shown_escaped(tmp_path: Path, name: bytes) -> None:
    download = make_download(tmp_path / "download")
    (Path(os.fsdecode(download)) / os.fsdecode(name)).write_bytes(NOTEBOOK)
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")

    assert EVE.user_id not in {file.user_id for file in collection.collected}
    (skip,) = [skip for skip in collection.skipped if EVE.user_id in skip.name]
    assert "rename the file" in skip.reason
    assert_inert_on_screen(render_collection(collection))


def test_the_unpacked_total_is_capped_and_the_rest_is_skipped_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(canvas_zip, "MAX_TOTAL_BYTES", 2 * len(NOTEBOOK) + 10)
    download = make_download(
        tmp_path / "download", tuple(Student(f"S, {n}", str(n), "passes_all") for n in range(200, 205))
    )
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")
    assert len(collection.collected) == 2
    assert sum("collect each part into its own folder" in skip.reason for skip in collection.skipped) == 3


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_a_notebook_grading_reads_in_any_encoding_is_collected_as_it_reads_it(tmp_path: Path, encoding: str) -> None:
    # An editor on Windows may save a notebook as UTF-16 or cp1252: `grade` reads those, so a collect must keep them.
    ada = CLASS[0]
    notebook = json.loads((EXAMPLES / "passes_all.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "markdown", "id": "accents", "metadata": {}, "source": "Café, naïve"})
    saved = json.dumps(notebook, ensure_ascii=False).encode(encoding)
    download = tmp_path / "download"
    download.mkdir()
    (download / canvas_name(ada.login, ada.user_id, 9001, f"{HOMEWORK}.ipynb")).write_bytes(saved)
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")
    assert not collection.skipped
    (tmp_path / "as-saved.ipynb").write_bytes(saved)
    collected = tmp_path / "into" / f"{ada.user_id}.ipynb"
    assert json.loads(collected.read_text(encoding="utf-8")) == notebook
    assert read_code_cells(collected) == read_code_cells(tmp_path / "as-saved.ipynb")


def collect_with(tmp: Path, name: str, content: bytes, as_zip: bool) -> None:
    """Collect the class plus one file of CONTENT: it never raises, and every other student is collected."""
    download = tmp / "download"
    download.mkdir()
    for student in SUBMITTED:
        (download / canvas_name(student.login, student.user_id, 9000, NB)).write_bytes(NOTEBOOK)
    (download / name).write_bytes(content)
    source = zip_folder(download, tmp / "submissions.zip") if as_zip else download
    collection = collect_canvas_submissions(source=source, into=tmp / "into")
    assert {s.user_id for s in SUBMITTED} <= {file.user_id for file in collection.collected}
    assert_inert_on_screen(render_collection(collection))


@settings(database=None, deadline=None, max_examples=150)
@given(content=st.binary(max_size=2000), filename=st.sampled_from([f"{HOMEWORK}.zip", NB]), as_zip=st.booleans())
def test_random_bytes_from_one_student_never_stop_the_collect(content: bytes, filename: str, as_zip: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        collect_with(Path(tmp), canvas_name(EVE.login, EVE.user_id, 9999, filename), content, as_zip)


@settings(database=None, deadline=None, max_examples=300)
@given(
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    keep=st.one_of(st.none(), st.integers(0, 10**6)),
    method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_a_damaged_student_zip_never_stops_the_collect(
    edits: list[tuple[int, int]], keep: int | None, method: int
) -> None:
    # Random bytes seldom get past a zip's first check; bytes changed in a real zip reach every later one.
    data = bytearray(zip_of({NB: NOTEBOOK, "notes.txt": b"x" * 100}, method))
    for at, value in edits:
        data[at % len(data)] = value
    with tempfile.TemporaryDirectory() as tmp:
        collect_with(Path(tmp), EVE_ZIP, bytes(data[:keep]), as_zip=False)


# --- export ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class's Canvas zip, collected, and graded; plus one submission from a student not on the roster."""
    root = tmp_path_factory.mktemp("canvas")
    download = zip_folder(make_download(root / "download"), root / "submissions.zip")
    collect_canvas_submissions(source=download, into=root / "collected")
    shutil.copy(EXAMPLES / "passes_all.ipynb", root / "collected" / f"{NOT_ON_ROSTER}.ipynb")
    grade(assignment=HOMEWORK, submissions=root / "collected", out=root / "out", seed=SEED, timeout=30)
    return root / "out"


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_export_fills_the_assignment_column_from_the_gradebook(out: Path, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv")
    export = export_canvas(out=out, roster=roster, assignment_column=None, into=tmp_path / "canvas.csv")

    header, points, *rows = read_csv(export.path)
    roster_header, _, *_ = read_csv(roster)
    assert header == [name for name in roster_header if name in INFO_COLUMNS] + [HW2_COLUMN]
    # What Canvas's importer checks: Student, then ID, and Section last of the student columns.
    assert "Student" in header[0] and "ID" in header[1] and header[-2] == "Section"
    assert POINTS_POSSIBLE in points[0] and points[-1] == POINTS
    rows_by_id = {row[1]: row for row in rows}
    book = gradebook(out)
    for student in CLASS:
        row = book.get(student.user_id)
        expected = row["score"] if row and row["status"] != Status.INVALID else ""
        assert rows_by_id[student.user_id][-1] == expected, student
    assert [s.id for s in export.no_submission] == [s.user_id for s in CLASS if not s.sample]
    invalid = [s.user_id for s in CLASS if book.get(s.user_id, {}).get("status") == Status.INVALID]
    assert invalid and [s.id for s in export.not_graded] == invalid
    assert export.unmatched == (NOT_ON_ROSTER,)
    assert (export.column, export.new_column, export.warnings) == (HW2_COLUMN, False, ())
    printed = render_export(export)
    assert f"{len(export.scored)} of {len(CLASS)} roster students" in printed and NOT_ON_ROSTER in printed


@pytest.mark.parametrize(
    ("columns", "wanted", "chosen"),
    [
        pytest.param(
            (HW2_COLUMN, f"{HOMEWORK} redo (5556)"), f"{HOMEWORK} redo (5556)", f"{HOMEWORK} redo (5556)", id="by-name"
        ),
        pytest.param(
            (f"{HOMEWORK}0 (5560)", f"{HOMEWORK.upper()}: same padding (5555)"),
            None,
            f"{HOMEWORK.upper()}: same padding (5555)",
            id="by-assignment-name-not-hw20",
        ),
        pytest.param(("hw1 (5554)",), None, HOMEWORK, id="new-column"),
    ],
)
def test_the_column_to_fill(
    out: Path, tmp_path: Path, columns: tuple[str, ...], wanted: str | None, chosen: str
) -> None:
    export = export_canvas(
        out=out,
        roster=write_roster(tmp_path / "roster.csv", columns=columns),
        assignment_column=wanted,
        into=tmp_path / "canvas.csv",
    )
    header, points, *_ = read_csv(export.path)
    assert export.column == header[-1] == chosen
    assert export.new_column is (chosen not in columns)
    max_score = max(float(row["max_score"]) for row in gradebook(out).values())
    assert float(points[-1]) == max_score  # the roster's, or for a new column the assignment's
    assert bool(export.warnings) is export.new_column


@pytest.mark.parametrize(
    ("columns", "wanted", "message"),
    [
        pytest.param((HW2_COLUMN, f"{HOMEWORK.upper()} late (5556)"), None, "--column", id="ambiguous"),
        pytest.param((HW2_COLUMN,), HW2_COLUMN[:-2] + ")", "did you mean", id="typo"),
        pytest.param((HW2_COLUMN,), "Current Score", "no assignment column", id="a-total"),
    ],
)
def test_a_column_that_cannot_be_chosen_is_a_message(
    out: Path, tmp_path: Path, columns: tuple[str, ...], wanted: str | None, message: str
) -> None:
    with pytest.raises(CanvasError, match=message):
        export_canvas(
            out=out,
            roster=write_roster(tmp_path / "roster.csv", columns=columns),
            assignment_column=wanted,
            into=tmp_path / "canvas.csv",
        )


@pytest.mark.parametrize(
    "style",
    [
        pytest.param({"points": None}, id="no-points-possible"),
        pytest.param({"delimiter": ";", "bom": True}, id="semicolons-and-bom"),
        pytest.param({"posting_row": True}, id="manual-posting-row"),
        pytest.param({"split_names": True}, id="last-and-first-name-columns"),
    ],
)
def test_roster_variants_canvas_exports(out: Path, tmp_path: Path, style: dict) -> None:
    roster = write_roster(tmp_path / "roster.csv", **style)
    export = export_canvas(out=out, roster=roster, assignment_column=None, into=tmp_path / "canvas.csv")
    text = export.path.read_text(encoding="utf-8")
    assert text.split("\n")[0].count(style.get("delimiter", ",")) == len(read_csv(export.path)[0]) - 1
    table = read_csv(export.path)
    assert (POINTS_POSSIBLE in table[1][0]) is (style.get("points", "") is not None)
    assert len(table) == 1 + (style.get("points", "") is not None) + len(CLASS)
    assert [student.name for student in export.no_submission] == [s.sortable_name for s in CLASS if not s.sample]


def test_points_possible_that_disagree_are_a_warning(out: Path, tmp_path: Path) -> None:
    max_score = max(float(row["max_score"]) for row in gradebook(out).values())
    export = export_canvas(
        out=out,
        roster=write_roster(tmp_path / "roster.csv", points=f"{max_score + 1:g}"),
        assignment_column=None,
        into=tmp_path / "canvas.csv",
    )
    assert any(f"out of {max_score:g}" in warning for warning in export.warnings)


def roster_without_our_ids(tmp: Path) -> Path:
    return write_roster(tmp / "r.csv", students=tuple(Student(s.sortable_name, s.user_id + "0", None) for s in CLASS))


def written(name: str, content: bytes) -> Callable[[Path], Path]:
    def write(tmp: Path) -> Path:
        (tmp / name).write_bytes(content)
        return tmp / name

    return write


@pytest.mark.parametrize(
    ("into", "error", "message"),
    [
        pytest.param(lambda tmp: tmp, CanvasError, "is a folder", id="into-is-a-folder"),
        # A place the system will not let us write: the README's exit code for files, not a usage error.
        pytest.param(
            lambda tmp: written("f.txt", b"x")(tmp) / "canvas.csv", CannotAccess, "cannot write", id="parent-is-a-file"
        ),
    ],
)
def test_an_into_that_cannot_be_written_is_a_message(
    out: Path, tmp_path: Path, into: Callable[[Path], Path], error: type[CnnGradeError], message: str
) -> None:
    roster = write_roster(tmp_path / "roster.csv")
    with pytest.raises(error, match=message):
        export_canvas(out=out, roster=roster, assignment_column=None, into=into(tmp_path))


def test_an_into_that_cannot_be_written_exits_with_the_files_code(
    out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    into = written("f.txt", b"x")(tmp_path) / "canvas.csv"
    roster = write_roster(tmp_path / "roster.csv")
    assert main(["export", "canvas", str(out), "--roster", str(roster), "--into", str(into)]) == EXIT_FILES
    assert "give --into a file in a folder you can write to" in capsys.readouterr().err


def test_export_never_writes_over_what_grade_wrote(out: Path, tmp_path: Path) -> None:
    graded = shutil.copytree(out, tmp_path / "out")
    write_report(out=graded)  # report/, where `report` writes by default
    roster = write_roster(tmp_path / "roster.csv")
    # Whatever is in OUT now, grade and report wrote: each, and a file inside each folder, is refused.
    targets = sorted(graded.iterdir())
    targets += [folder / f"{CLASS[0].user_id}.json" for folder in targets if folder.is_dir()]
    assert {"gradebook.csv", "run.json", "records", "results", "report"} <= {path.name for path in targets}
    before = {path: path.read_bytes() for path in graded.rglob("*") if path.is_file()}
    for target in targets:
        with pytest.raises(CanvasError, match="which `cnngrade grade` wrote"):
            export_canvas(out=graded, roster=roster, assignment_column=None, into=target)
    assert {path: path.read_bytes() for path in graded.rglob("*") if path.is_file()} == before
    # A new file in OUT is fine: only what grade wrote is refused.
    export = export_canvas(out=graded, roster=roster, assignment_column=None, into=graded / "canvas-import.csv")
    assert export.path.is_file()


@pytest.mark.parametrize(
    ("roster", "into", "message"),
    [
        pytest.param(roster_without_our_ids, "canvas.csv", "is a roster ID", id="no-id-matches"),
        pytest.param(lambda tmp: write_roster(tmp / "r.csv"), "r.csv", "roster itself", id="into-is-the-roster"),
        pytest.param(
            written("r.csv", b"Name,Email\nAda,ada@x\n"),
            "canvas.csv",
            "no Student, ID, Section column",
            id="not-a-gradebook-export",
        ),
        pytest.param(written("r.csv", b"Student,ID,Section\n\xe9,1,A\n"), "canvas.csv", "not UTF-8", id="not-utf8"),
        pytest.param(lambda tmp: tmp, "canvas.csv", "is a folder", id="roster-is-a-folder"),
    ],
)
def test_unusable_rosters_are_refused(
    out: Path, tmp_path: Path, roster: Callable[[Path], Path], into: str, message: str
) -> None:
    with pytest.raises(CanvasError, match=message):
        export_canvas(out=out, roster=roster(tmp_path), assignment_column=None, into=tmp_path / into)


def test_one_students_many_large_bad_files_take_no_other_students_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scaled down: the class may keep exactly its own notebooks; one student's files may unpack to a few bad files.
    download = make_download(tmp_path / "download")
    kept = sum((EXAMPLES / f"{student.sample}.ipynb").stat().st_size for student in SUBMITTED)
    bad = kept // 2  # two of them would have used up a budget the class shared
    monkeypatch.setattr(canvas_zip, "MAX_TOTAL_BYTES", kept)
    monkeypatch.setattr(uploads, "MAX_STUDENT_BYTES", 3 * bad + bad // 2)
    read = uploads.MAX_STUDENT_BYTES // bad  # what is read of the attacker's files before their share is spent
    attacker = Student("Aaa, Attacker", "111", None)  # listed, and so read, before everyone else
    uploaded = 10
    for attachment in range(uploaded):
        (download / canvas_name(attacker.login, attacker.user_id, 100 + attachment, NB)).write_bytes(b"\xff" * bad)

    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")

    assert {file.user_id for file in collection.collected} == {student.user_id for student in SUBMITTED}
    reasons = [skip.reason for skip in collection.skipped if attacker.login in skip.name]
    assert len(reasons) == uploaded
    assert sum("not text" in reason for reason in reasons) == read
    assert sum("this student's files together unpack to over" in reason for reason in reasons) == uploaded - read
