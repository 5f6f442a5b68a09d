"""The zip the notebook's export cell makes is taken wherever a notebook is: graded as the one notebook in it."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from otter import Notebook

from autograder.grading.run import GradeRun, find_submissions, grade
from autograder.intake.notebook import InvalidNotebook, read_code_cells
from autograder.intake.uploads import (
    MAX_ZIP_BYTES,
    MAX_ZIP_DIRECTORY_BYTES,
    MAX_ZIP_ENTRIES,
    Budget,
    Entry,
    Unusable,
    entry_text,
)
from autograder.model import Status

from .test_canvas import corrupted, forged, renamed, zip_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw1"
SAMPLES = ("passes_all", "partial_first_half", "flipped_kernel", "raises_midway")
NB = "hw1.ipynb"
NOTEBOOK = (EXAMPLES / "passes_all.ipynb").read_bytes()


def otter_export(notebook: Path, work: Path) -> bytes:
    """The zip `grader.export()` makes of NOTEBOOK, by Otter itself: the notebook, `.OTTER_LOG`, `__zip_filename__`."""
    work.mkdir(parents=True)
    shutil.copy(notebook, work / NB)
    (work / "tests").mkdir()
    (work / ".OTTER_LOG").write_bytes(b"")  # what grader.check() leaves for export to pack
    # Otter exports from the working folder (os.chdir, not contextlib.chdir: that is Python 3.11+).
    home = Path.cwd()
    os.chdir(work)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            Notebook(tests_dir="tests").export(NB, export_path="hw1_export.zip", pdf=False, run_tests=False)
    finally:
        os.chdir(home)
    data = (work / "hw1_export.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {NB, ".OTTER_LOG", "__zip_filename__"} <= set(archive.namelist())
    return data


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    work = tmp_path_factory.mktemp("exports")
    return {sample: otter_export(EXAMPLES / f"{sample}.ipynb", work / sample) for sample in SAMPLES}


@pytest.fixture(scope="module")
def run(exports: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    """One folder holding each sample twice, as the notebook and as its export zip (a student of another name, since a
    zip beside its own notebook is not graded again), plus zips that are not gradable."""
    folder = tmp_path_factory.mktemp("submissions")
    for sample in SAMPLES:
        shutil.copy(EXAMPLES / f"{sample}.ipynb", folder / f"{sample}.ipynb")
        (folder / f"{sample}_export.zip").write_bytes(exports[sample])
    (folder / "two_notebooks.zip").write_bytes(zip_of({NB: NOTEBOOK, "scratch.ipynb": NOTEBOOK}))
    (folder / "not_a_zip.zip").write_bytes(b"PK\x03\x04 but nothing else")
    return grade(
        assignment="hw1", submissions=folder, out=tmp_path_factory.mktemp("out"), seed=1, timeout=10, unsandboxed=True
    )


def test_the_export_zip_reads_as_the_notebook_in_it(exports: dict[str, bytes], tmp_path: Path) -> None:
    for sample, data in exports.items():
        (tmp_path / f"{sample}.zip").write_bytes(data)
        assert read_code_cells(tmp_path / f"{sample}.zip") == read_code_cells(EXAMPLES / f"{sample}.ipynb")


def test_a_notebook_and_its_export_zip_get_a_row_each_and_the_same_score(run: GradeRun) -> None:
    rows = {result.submission: result for result in run.results}
    assert set(rows) == {*SAMPLES, *(f"{sample}_export" for sample in SAMPLES), "two_notebooks", "not_a_zip"}
    for sample in SAMPLES:
        notebook, export = rows[sample], rows[f"{sample}_export"]
        assert (export.status, export.score) == (notebook.status, notebook.score)
        assert [(case.id, case.score) for case in export.cases] == [(case.id, case.score) for case in notebook.cases]
    assert len({rows[sample].score for sample in SAMPLES}) > 1, "the samples should not all score alike"


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        pytest.param("two_notebooks", "holds 2 notebooks (hw1.ipynb, scratch.ipynb)", id="two-notebooks"),
        pytest.param("two_notebooks", "an LMS's download of the whole class", id="two-notebooks-lms-hint"),
        pytest.param("not_a_zip", "is not a zip", id="not-a-zip"),
    ],
)
def test_a_zip_that_is_not_one_notebook_is_a_row_saying_why(run: GradeRun, name: str, phrase: str) -> None:
    (row,) = [result for result in run.results if result.submission == name]
    assert row.status == Status.INVALID and phrase in row.message and row.score == 0


def test_zips_are_listed_beside_notebooks_at_any_depth_and_in_any_case(tmp_path: Path) -> None:
    for name in ("a.ipynb", "b.zip", "notes.pdf", "c.ZIP.txt", "sub/d.Zip", "sub/e.ipynb"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "folder.zip").mkdir()  # a folder, walked into whatever its name
    (tmp_path / "folder.zip" / "f.ipynb").write_bytes(b"")
    assert {name: path.relative_to(tmp_path).as_posix() for name, path in find_submissions(tmp_path).items()} == {
        "a": "a.ipynb",
        "b": "b.zip",
        "folder.zip--f": "folder.zip/f.ipynb",
        "sub--d": "sub/d.Zip",
        "sub--e": "sub/e.ipynb",
    }


def symlink_entry(target: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(NB)
        info.create_system = 3  # Unix, whose mode bits say "link"
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        pytest.param(
            lambda: zip_of({"notes.txt": b"x", "__zip_filename__": b"hw1.zip"}), "holds no notebook", id="no-notebook"
        ),
        pytest.param(
            lambda: zip_of({"inner.zip": zip_of({NB: NOTEBOOK})}),
            "a .zip inside the .zip is not opened",
            id="nested-zip",
        ),
        pytest.param(
            lambda: zip_of({NB: NOTEBOOK, "b.ipynb": NOTEBOOK, "c.ipynb": NOTEBOOK, "d.IPYNB": NOTEBOOK}),
            "holds 4 notebooks (hw1.ipynb, b.ipynb, c.ipynb and 1 more)",
            id="four-notebooks",
        ),
        pytest.param(lambda: b"not a zip at all", "is not a zip", id="not-a-zip"),
        pytest.param(lambda: zip_of({NB: NOTEBOOK})[:200], "is not a zip, or a damaged one", id="cut-short"),
        pytest.param(lambda: corrupted(zip_of({NB: NOTEBOOK}), NB), "damaged", id="crc-error"),
        pytest.param(lambda: zip_of({NB: b" " * 8 * 2**20}), "zip bomb", id="zip-bomb"),
        pytest.param(
            lambda: zip_of({NB: b" " * 21 * 2**20}, zipfile.ZIP_STORED),
            "over 20 MiB, more than is graded",
            id="too-big",
        ),
        pytest.param(
            lambda: forged(zip_of({NB: b" " * 30 * 2**20}), NB, size=len(NOTEBOOK)),
            "damaged",
            id="declares-less-than-it-holds",
        ),
        pytest.param(lambda: forged(zip_of({NB: NOTEBOOK}), NB, flags=0x1), "encrypted", id="encrypted"),
        pytest.param(lambda: zip_of({NB: NOTEBOOK}, zipfile.ZIP_LZMA), "compression method 14", id="lzma"),
        pytest.param(
            lambda: renamed(zip_of({f"xxx{NB}": NOTEBOOK}), f"xxx{NB}", f"../{NB}".encode()), "climbs out", id="dot-dot"
        ),
        pytest.param(
            lambda: renamed(zip_of({f"x{NB}": NOTEBOOK}), f"x{NB}", f"/{NB}".encode()), "absolute", id="absolute-path"
        ),
        pytest.param(lambda: symlink_entry("../../../etc/passwd"), "symbolic link", id="symlink"),
        pytest.param(lambda: zip_of({NB: b"\xff\xfe not text"}), "not text", id="notebook-not-text"),
        pytest.param(lambda: zip_of({NB: b'{"cells": ['}), "not valid notebook JSON", id="notebook-truncated"),
    ],
)
def test_a_bad_zip_is_refused_with_a_message_for_the_student(
    tmp_path: Path, content: Callable[[], bytes], phrase: str
) -> None:
    (tmp_path / "upload.zip").write_bytes(content())
    with pytest.raises(InvalidNotebook) as refused:
        read_code_cells(tmp_path / "upload.zip")
    assert phrase in str(refused.value)
    assert "ask the student" not in str(refused.value)
    # Only a zip of several notebooks may be a whole class's download: the TA's hint is there alone.
    several = "notebooks (" in phrase
    assert ("`cnngrade collect canvas` or `cnngrade collect gradescope` first" in str(refused.value)) == several


def test_a_zip_with_other_files_beside_the_notebook_is_read(tmp_path: Path) -> None:
    # The export may carry a PDF, data files, the log; junk an unzip-and-rezip adds is no second notebook.
    (tmp_path / "upload.zip").write_bytes(
        zip_of(
            {
                f"hw1/{NB}": NOTEBOOK,
                "hw1/hw1.pdf": b"%PDF",
                ".OTTER_LOG": b"",
                "__zip_filename__": b"hw1.zip",
                f"__MACOSX/hw1/._{NB}": b"\0",
                ".ipynb_checkpoints/hw1-checkpoint.ipynb": NOTEBOOK,
            }
        )
    )
    assert read_code_cells(tmp_path / "upload.zip") == read_code_cells(EXAMPLES / "passes_all.ipynb")


# --- a zip's size and its list of files, capped before zipfile reads that list (whole, in memory)


def many_files(count: int, **write: object) -> bytes:
    """A zip of the notebook and COUNT - 1 empty files beside it: COUNT entries in all."""
    return zip_of({NB: NOTEBOOK, **{f"e{index}": b"" for index in range(count - 1)}}, zipfile.ZIP_STORED)


def with_end_record(data: bytes, count: int, directory: int | None = None) -> bytes:
    """DATA with its end record declaring COUNT entries (and a central directory of DIRECTORY bytes)."""
    out = bytearray(data)
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", out, end + 8, count, count)
    if directory is not None:
        struct.pack_into("<I", out, end + 12, directory)
    return bytes(out)


def zip64_of(count: int) -> bytes:
    """A zip of COUNT entries whose counts are in a Zip64 end record, its plain end record saying only 3."""
    limit = zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP_FILECOUNT_LIMIT = 5  # so that zipfile writes the Zip64 record, as it does past 65,535 entries
    try:
        data = many_files(count)
    finally:
        zipfile.ZIP_FILECOUNT_LIMIT = limit
    assert b"PK\x06\x06" in data
    return with_end_record(data, 3)


def long_names(size: int) -> bytes:
    """A zip of a few files whose list of files (their names) takes over SIZE bytes."""
    names = 1 + size // 60_000
    return zip_of({NB: NOTEBOOK, **{f"{index}".ljust(60_000, "x"): b"" for index in range(names)}})


def after_padding(padding: int) -> bytes:
    """The notebook's zip after PADDING bytes, as a self-extracting archive has its program: still a zip to read."""
    return bytes(padding) + zip_of({NB: NOTEBOOK})


TOO_LARGE = [
    pytest.param(lambda: after_padding(MAX_ZIP_BYTES), f"a zip over {MAX_ZIP_BYTES // 2**20} MiB", id="file-size"),
    pytest.param(
        lambda: many_files(MAX_ZIP_ENTRIES + 1),
        f"lists {MAX_ZIP_ENTRIES + 1} files; a zip of over {MAX_ZIP_ENTRIES}",
        id="entries",
    ),
    pytest.param(
        lambda: zip64_of(MAX_ZIP_ENTRIES + 1), f"lists {MAX_ZIP_ENTRIES + 1} files", id="entries-in-zip64-record"
    ),
    pytest.param(
        lambda: with_end_record(long_names(MAX_ZIP_DIRECTORY_BYTES), 2), "list of files takes", id="directory-size"
    ),
]


@pytest.mark.parametrize(("content", "phrase"), TOO_LARGE)
def test_a_zip_too_large_to_be_an_export_is_refused_before_zipfile_lists_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: Callable[[], bytes], phrase: str
) -> None:
    (tmp_path / "upload.zip").write_bytes(content())
    opened: list[object] = []
    real = zipfile.ZipFile

    def listing(*args: object, **kwargs: object) -> zipfile.ZipFile:
        opened.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile, "ZipFile", listing)
    with pytest.raises(InvalidNotebook) as refused:
        read_code_cells(tmp_path / "upload.zip")
    assert phrase in str(refused.value)
    assert "submit" in str(refused.value)  # what the student does about it
    assert opened == []  # refused from its size and end record alone


def test_a_zip_whose_end_record_understates_its_files_is_refused_once_listed(tmp_path: Path) -> None:
    # Its list is within the size cap, so zipfile may read it; its length is then what counts.
    (tmp_path / "upload.zip").write_bytes(with_end_record(many_files(MAX_ZIP_ENTRIES + 1), 2))
    with pytest.raises(InvalidNotebook) as refused:
        read_code_cells(tmp_path / "upload.zip")
    assert f"lists {MAX_ZIP_ENTRIES + 1} files" in str(refused.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: after_padding(MAX_ZIP_BYTES - len(zip_of({NB: NOTEBOOK}))), id="file-size"),
        pytest.param(lambda: many_files(MAX_ZIP_ENTRIES), id="entries"),
        pytest.param(lambda: long_names(MAX_ZIP_DIRECTORY_BYTES // 2), id="directory-size"),
    ],
)
def test_a_zip_at_the_caps_is_read(tmp_path: Path, content: Callable[[], bytes]) -> None:
    (tmp_path / "upload.zip").write_bytes(content())
    assert read_code_cells(tmp_path / "upload.zip") == read_code_cells(EXAMPLES / "passes_all.ipynb")


@pytest.mark.parametrize(("content", "phrase"), TOO_LARGE[1:])  # an upload is read within 20 MiB before this
def test_a_collected_zip_too_large_to_be_an_export_is_skipped_saying_why(
    content: Callable[[], bytes], phrase: str
) -> None:
    data = content()
    entry = Entry("hw1.zip", len(data), lambda budget, limit=None: data)
    with pytest.raises(Unusable) as refused:
        entry_text(entry, Budget())
    assert phrase in str(refused.value)
