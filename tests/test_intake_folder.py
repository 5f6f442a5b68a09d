"""What `cnngrade grade` takes from a submissions folder: every student's notebook, at any depth and in any case,
one row each; everything else listed with why (summary and OUT/skipped.csv); notebooks a student's editor saved
in another encoding graded; files that are not notebooks named for what they are; the collect's late notes."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.cli import main
from autograder.diff import diff_runs
from autograder.errors import EXIT_FILES, CannotAccess, OutFolderError, SubmissionsNotFound
from autograder.grading import run as run_module
from autograder.grading.executor import Phase1Outcome
from autograder.grading.progress import SHOWN, summary
from autograder.grading.run import GradeRun, grade
from autograder.intake.collected import NOTES, CollectedNote, write_notes
from autograder.intake.folder import SEPARATOR, Survey, survey
from autograder.intake.notebook import InvalidNotebook, read_code_cells
from autograder.model import Status
from autograder.outputs.folder import RUN_FILE, read_out
from autograder.outputs.gradebook import GRADEBOOK, LATE, gradebook_rows
from autograder.outputs.inert import printable
from autograder.outputs.skipped import SKIPPED, read_skipped

from .factories import write_notebook
from .test_bad_submissions import FakeExecutor
from .test_canvas import zip_of
from .test_export_zip_intake import otter_export

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw1"
STAMP = "_2024_01_31T09_30_00_123456"  # what Otter's export appends to the notebook's stem
LATER = "_2024_02_01T08_00_00_000001"


def touch(folder: Path, *names: str, data: bytes = b"") -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def names_of(folder: Path) -> dict[str, str]:
    """Row name -> the graded file's path in FOLDER."""
    return {name: path.relative_to(folder).as_posix() for name, path in survey(folder).submissions.items()}


def skipped_of(folder: Path) -> dict[str, str]:
    return {item.name: item.reason for item in survey(folder).skipped}


def fake_grade(folder: Path, out: Path) -> GradeRun:
    fake = FakeExecutor(Phase1Outcome(Status.OK, "", {"complete": True, "values": {}, "calls": {}}, 0.1))
    return grade(assignment="hw1", submissions=folder, out=out, seed=1, executor=fake)


# -- the folder, through the real CLI ------------------------------------------------------------------


def test_export_zip_upper_case_nested_and_pdf_give_three_rows_and_one_skipped_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = {
        f"hw1{STAMP}": "passes_all",
        "GOOD STUDENT": "flipped_kernel",
        f"sub{SEPARATOR}nested": "partial_first_half",
    }
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"hw1{STAMP}.zip").write_bytes(otter_export(EXAMPLES / "passes_all.ipynb", tmp_path / "export"))
    shutil.copy(EXAMPLES / "flipped_kernel.ipynb", folder / "GOOD STUDENT.IPYNB")
    (folder / "sub").mkdir()
    shutil.copy(EXAMPLES / "partial_first_half.ipynb", folder / "sub" / "nested.ipynb")
    touch(folder, "report.pdf", data=b"%PDF-1.7\n")
    out = tmp_path / "out"
    assert main(["grade", "hw1", str(folder), "--out", str(out), "--seed", "5", "--timeout", "20", "--quiet"]) == 0
    printed = capsys.readouterr().out

    # The same notebooks as plain top-level files, the layout grade always read: the scores to match.
    plain = tmp_path / "plain"
    plain.mkdir()
    for sample in samples.values():
        shutil.copy(EXAMPLES / f"{sample}.ipynb", plain / f"{sample}.ipynb")
    expected = grade(assignment="hw1", submissions=plain, out=tmp_path / "plain-out", seed=5, timeout=20)
    scores = {result.submission: result.score for result in expected.results}

    with (out / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in gradebook_rows(handle)}
    assert {name: float(row["score"]) for name, row in rows.items()} == {
        name: scores[sample] for name, sample in samples.items()
    }
    assert len(set(scores.values())) == 3, "the three samples should score differently, or the check proves little"
    assert [line for line in printed.splitlines() if "skipped: not a notebook" in line] == [
        "  skipped: not a notebook (.pdf): report.pdf"
    ]
    with (out / SKIPPED).open(newline="", encoding="utf-8") as handle:
        assert read_skipped(handle) == [("report.pdf", "not a notebook (.pdf)")]


# -- finding submissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".ipynb", ".IPYNB", ".Ipynb", ".zip", ".ZIP", ".Zip"])
@pytest.mark.parametrize("where", ["", "a/", "a/b/c/"])
def test_a_notebook_or_zip_is_found_at_any_depth_in_any_case(tmp_path: Path, suffix: str, where: str) -> None:
    touch(tmp_path, f"{where}Ada Lovelace{suffix}")
    expected = SEPARATOR.join([*where.strip("/").split("/"), "Ada Lovelace"]) if where else "Ada Lovelace"
    assert names_of(tmp_path) == {expected: f"{where}Ada Lovelace{suffix}"}
    assert skipped_of(tmp_path) == {}


def test_what_is_never_a_submission_is_neither_graded_nor_listed(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "12345.ipynb",
        ".ipynb_checkpoints/12345-checkpoint.ipynb",
        "sub/.ipynb_checkpoints/x-checkpoint.ipynb",
        "__MACOSX/._12345.ipynb",
        "sub/__MACOSX/y.zip",
        NOTES,
        ".cnngrade-gradescope",
        "sub/.cnngrade-anything",
    )
    assert names_of(tmp_path) == {"12345": "12345.ipynb"}
    assert skipped_of(tmp_path) == {}


def test_hidden_files_and_folders_are_listed_and_a_hidden_folder_is_not_looked_into(tmp_path: Path) -> None:
    touch(tmp_path, "a.ipynb", ".DS_Store", "sub/.hidden.ipynb", ".git/objects/x.ipynb", ".git/HEAD")
    assert names_of(tmp_path) == {"a": "a.ipynb"}
    assert skipped_of(tmp_path) == {
        ".DS_Store": "a hidden file: its name starts with '.'",
        "sub/.hidden.ipynb": "a hidden file: its name starts with '.'",
        ".git": "a hidden folder (not looked into): its name starts with '.'",
    }


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("report.pdf", "not a notebook (.pdf)"),
        ("essay.DOCX", "not a notebook (.docx)"),
        ("hw1.ipynb.txt", "not a notebook (.txt)"),
        ("sub/README", "not a notebook (no extension)"),
        ("sub/deeper/plot.png", "not a notebook (.png)"),
    ],
)
def test_every_other_file_is_listed_with_what_it_is(tmp_path: Path, name: str, reason: str) -> None:
    touch(tmp_path, "graded.ipynb", name)
    assert names_of(tmp_path) == {"graded": "graded.ipynb"}
    assert skipped_of(tmp_path) == {name: reason}


def test_a_pipe_is_listed_as_not_a_file(tmp_path: Path) -> None:
    touch(tmp_path, "graded.ipynb")
    os.mkfifo(tmp_path / "pipe")
    assert skipped_of(tmp_path) == {"pipe": "not a file (a link to nothing, a pipe, a socket or a device)"}


def test_linked_folders_are_not_followed_out_of_the_tree_or_round_a_loop(tmp_path: Path) -> None:
    outside, folder = tmp_path / "outside", tmp_path / "in"
    touch(outside, "someone_else.ipynb")
    touch(folder, "sub/mine.ipynb")
    (folder / "escape").symlink_to(outside)
    (folder / "sub" / "loop").symlink_to(folder)
    assert names_of(folder) == {f"sub{SEPARATOR}mine": "sub/mine.ipynb"}
    assert skipped_of(folder) == {
        "escape": "a link to a folder: not followed",
        "sub/loop": "a link to a folder: not followed",
    }


def test_a_linked_notebook_is_a_row_that_reads_nothing_through_the_link(tmp_path: Path) -> None:
    # Unzipped by a TA, a student's link could name the solutions notebook or another student's.
    target = write_notebook(tmp_path / "elsewhere" / "solution.ipynb", ["x = 1"])
    folder = tmp_path / "in"
    write_notebook(folder / "honest.ipynb", ["x = 1"])
    (folder / "linked.ipynb").symlink_to(target)
    with pytest.raises(InvalidNotebook, match="symbolic link"):
        read_code_cells(folder / "linked.ipynb")
    run = fake_grade(folder, tmp_path / "out")
    rows = {result.submission: result for result in run.results}
    assert rows["linked"].status == Status.INVALID and "symbolic link" in rows["linked"].message
    assert rows["honest"].status == Status.OK


def test_a_tree_nested_deeper_than_the_call_stack_is_walked(tmp_path: Path) -> None:
    # An unzipped upload may nest folders past Python's recursion limit; a lower limit here stands in for that
    # (a real one would also defeat the clean-up of tmp_path, which recurses).
    deep = "/".join(["d"] * 400)
    for level in range(1, 401):  # pathlib's mkdir(parents=True) recurses too
        os.mkdir(tmp_path / "/".join(["d"] * level))
    touch(tmp_path, f"{deep}/hw1.ipynb", f"{deep}/notes.txt")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        found = survey(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    (name,) = found.submissions
    assert name.startswith(SEPARATOR.join(["d"] * 10)) and len(name.encode()) <= 200
    assert {item.name: item.reason for item in found.skipped} == {f"{deep}/notes.txt": "not a notebook (.txt)"}


def test_a_notebook_and_its_export_beside_it_are_one_row_graded_from_the_notebook(tmp_path: Path) -> None:
    for name in ("alice/hw1.ipynb", "12345.ipynb"):
        write_notebook(tmp_path / name, [f"who = {name!r}"])
    exports = {f"alice/hw1{STAMP}.zip": "alice/hw1.ipynb", "12345.ZIP": "12345.ipynb"}
    for export, notebook in exports.items():
        (tmp_path / export).write_bytes(zip_of({"hw1.ipynb": (tmp_path / notebook).read_bytes()}))
    assert names_of(tmp_path) == {"12345": "12345.ipynb", f"alice{SEPARATOR}hw1": "alice/hw1.ipynb"}
    assert skipped_of(tmp_path) == {
        export: f"the export of {Path(notebook).name} beside it (the same notebook), which is graded"
        for export, notebook in exports.items()
    }


def exported(cells: list[str]) -> bytes:
    """The zip an export cell makes of a notebook with these code cells."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    return zip_of({"hw1.ipynb": nbformat.writes(notebook).encode()})


@pytest.mark.parametrize("where", ["", "section/"])
def test_every_student_s_export_of_the_same_notebook_is_a_row_of_its_own(tmp_path: Path, where: str) -> None:
    # A flat folder of a class's exports: every student's export of hw1.ipynb is hw1_<stamp>.zip.
    stamps = [STAMP, LATER, "_2099_12_31T23_59_59_999999", ""]
    for number, stamp in enumerate(stamps):
        touch(tmp_path, f"{where}hw1{stamp}.zip", data=exported([f"student = {number}"]))
    prefix = where.strip("/") + SEPARATOR if where else ""
    assert names_of(tmp_path) == {f"{prefix}hw1{stamp}": f"{where}hw1{stamp}.zip" for stamp in sorted(stamps)}
    assert skipped_of(tmp_path) == {}


def test_a_zip_beside_a_notebook_of_its_stem_with_other_code_is_a_row_of_its_own(tmp_path: Path) -> None:
    # alice_2099_....zip, planted beside alice.ipynb, neither replaces it nor is taken for its export.
    write_notebook(tmp_path / "alice.ipynb", ["answer = 1"])
    stamped = {f"alice{STAMP}.zip", "alice_2099_12_31T23_59_59_999999.zip"}
    for name in (*stamped, "alice.zip"):
        touch(tmp_path, name, data=exported(["answer = 2"]))
    assert names_of(tmp_path) == {
        "alice": "alice.ipynb",
        "alice~2": "alice.zip",  # the unique-name rule: the notebook, sorted first, keeps the plain name
        **{Path(name).stem: name for name in stamped},
    }
    assert skipped_of(tmp_path) == {}


@pytest.mark.parametrize(
    ("notebook", "export"),
    [
        pytest.param(b"", None, id="notebook-empty"),
        pytest.param(b"{not json", None, id="notebook-not-json"),
        pytest.param(None, b"not a zip", id="zip-not-a-zip"),
        pytest.param(None, b"", id="zip-empty"),
    ],
)
def test_where_either_cannot_be_read_the_notebook_and_the_zip_are_both_rows(
    tmp_path: Path, notebook: bytes | None, export: bytes | None
) -> None:
    same = ["answer = 1"]
    write_notebook(tmp_path / "hw1.ipynb", same)
    if notebook is not None:
        (tmp_path / "hw1.ipynb").write_bytes(notebook)
    touch(tmp_path, f"hw1{STAMP}.zip", data=exported(same) if export is None else export)
    assert names_of(tmp_path) == {"hw1": "hw1.ipynb", f"hw1{STAMP}": f"hw1{STAMP}.zip"}


def test_zips_of_other_names_beside_a_notebook_keep_rows_of_their_own(tmp_path: Path) -> None:
    # Only a name that is the notebook's (or Otter's export of it) says two files are one student's.
    touch(tmp_path, "hw1.ipynb", "bob.zip", "hw1_final.zip")
    assert set(names_of(tmp_path)) == {"hw1", "bob", "hw1_final"}


def test_a_notebook_keeps_a_clashing_name_only_beside_its_own_export(tmp_path: Path) -> None:
    touch(tmp_path, "12345.ipynb", "12345.ZIP", "sec1/alice.zip", f"sec1{SEPARATOR}alice.ipynb", "bob.zip", "BOB.ipynb")
    assert names_of(tmp_path) == {
        "12345": "12345.ipynb",  # Canvas's collect: one student's notebook and export
        "12345~2": "12345.ZIP",
        # A classmate's export elsewhere, or of another stem: the notebook takes its name no more than any file.
        f"sec1{SEPARATOR}alice~2": f"sec1{SEPARATOR}alice.ipynb",
        f"sec1{SEPARATOR}alice~3": "sec1/alice.zip",
        "BOB~2": "BOB.ipynb",
        "bob~3": "bob.zip",
    }


def test_a_top_level_file_named_as_a_nested_path_is_named_takes_its_name_from_neither(tmp_path: Path) -> None:
    touch(tmp_path, f"a{SEPARATOR}b.ipynb", "a/b.ipynb", "123.ipynb", "1/23.ipynb")
    assert names_of(tmp_path) == {
        "123": "123.ipynb",
        f"1{SEPARATOR}23": "1/23.ipynb",
        # A student can name a file `a--b.ipynb` as easily as `a/b.ipynb` is named: neither keeps `a--b`.
        f"a{SEPARATOR}b~2": f"a{SEPARATOR}b.ipynb",
        f"a{SEPARATOR}b~3": "a/b.ipynb",
    }


TOP_LEVEL_FILES = st.lists(
    st.tuples(
        st.text(alphabet="aAbB~2", min_size=1, max_size=4),
        st.sampled_from([".ipynb", ".IPYNB", ".Ipynb", ".zip", ".ZIP", ".Zip"]),
    ).map("".join),
    min_size=1,
    max_size=8,
    unique=True,
)


def folded(name: str) -> str:
    return name.casefold()  # these names are ASCII: case is all a disk may ignore


@settings(database=None, deadline=None, max_examples=300)
@given(TOP_LEVEL_FILES)
def test_every_top_level_file_keeps_its_stem_unless_another_has_it_and_a_notebook_wins_it_over_a_zip(
    files: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        touch(folder, *files)  # empty: a zip is then never the export of the notebook beside it, both are rows
        named = names_of(folder)
    assert sorted(named.values()) == sorted(files)
    assert len({folded(name) for name in named}) == len(named)
    stems = [Path(file).stem for file in files]
    own = {folded(stem) for stem in stems}
    notebook_stems = {folded(Path(file).stem) for file in files if Path(file).suffix.lower() == ".ipynb"}
    for name, file in named.items():
        stem = Path(file).stem
        if [folded(other) for other in stems].count(folded(stem)) == 1:
            assert name == stem, "a stem no other file has is kept"
        if name != stem:
            # Its stem is another's; the suffix it gets is no file's own name.
            assert re.fullmatch(re.escape(stem) + r"~\d+", name) and folded(name) not in own
        if folded(name) in notebook_stems:
            assert Path(file).suffix.lower() == ".ipynb", "a .ipynb wins its stem over a .zip"
        if name == stem and Path(file).suffix.lower() == ".ipynb":
            sharing = [other for other in files if folded(Path(other).stem) == folded(stem)]
            assert [Path(other).suffix.lower() for other in sharing].count(".ipynb") == 1, (
                "no notebook keeps a name another notebook has, whoever sorts first"
            )


ANY_FILES = st.lists(
    st.tuples(
        st.sampled_from(["", "a/", "A/", f"a{SEPARATOR}"]),
        st.text(alphabet="aAbB~2", min_size=1, max_size=3),
        st.sampled_from([".ipynb", ".IPYNB", ".zip", ".ZIP"]),
    ).map("".join),
    min_size=1,
    max_size=6,
    unique=True,
)


# What a student who knows a classmate's file name can name theirs: the same but for case, or as its row is named.
LOOKALIKES: list[Callable[[str], str]] = [
    str.swapcase,
    str.upper,
    lambda file: file[: file.rfind(".")] + file[file.rfind(".") :].swapcase(),
    lambda file: file.replace("/", SEPARATOR),
]


@settings(database=None, deadline=None, max_examples=200)
@given(ANY_FILES, ANY_FILES, st.lists(st.tuples(st.integers(0, 5), st.sampled_from(LOOKALIKES)), max_size=4))
def test_no_file_added_to_a_class_takes_a_name_a_notebook_had(
    files: list[str], others: list[str], lookalikes: list[tuple[int, Callable[[str], str]]]
) -> None:
    """Whatever a student names their files, a classmate's notebook's row keeps its name or loses it to no one: the
    name never moves to the student's file (rows go to the LMS by name)."""
    made = [make(files[index % len(files)]) for index, make in lookalikes]
    added = list(dict.fromkeys(file for file in others + made if file not in files))
    with tempfile.TemporaryDirectory() as before, tempfile.TemporaryDirectory() as after:
        touch(Path(before), *files)
        touch(Path(after), *files, *added)
        named_before, named_after = names_of(Path(before)), names_of(Path(after))
    for name, file in named_before.items():
        if name == file[: -len(Path(file).suffix)].replace("/", SEPARATOR) and Path(file).suffix.lower() == ".ipynb":
            assert named_after.get(name, file) == file


def test_a_canvas_notebook_keeps_its_user_id_beside_a_zip_and_notebooks_alike_but_for_case_keep_theirs_from_none(
    tmp_path: Path,
) -> None:
    control = "a\x01b"  # shown as the literal name below
    literal = printable(control)
    assert literal != control
    touch(
        tmp_path, "12345.ZIP", "12345.ipynb", "A.ipynb", "a.ipynb", "a~2.ipynb", f"{control}.ipynb", f"{literal}.ipynb"
    )
    assert names_of(tmp_path) == {
        "12345": "12345.ipynb",
        "12345~2": "12345.ZIP",
        # Two notebooks alike but for case: whose the name is, nothing tells; `~2` is a file's own name.
        "A~3": "A.ipynb",
        "a~4": "a.ipynb",
        "a~2": "a~2.ipynb",
        # Neither the file literally named as the other's control character is shown keeps that name.
        f"{literal}~2": f"{literal}.ipynb",
        f"{literal}~3": f"{control}.ipynb",
    }


def test_a_real_folder_is_walked_into_whatever_its_name(tmp_path: Path) -> None:
    touch(tmp_path, "section2.zip/carol.ipynb", "section2.zip/dave.ipynb", "old.ipynb/erin.zip", "empty.zip/x.txt")
    assert names_of(tmp_path) == {
        f"old.ipynb{SEPARATOR}erin": "old.ipynb/erin.zip",
        f"section2.zip{SEPARATOR}carol": "section2.zip/carol.ipynb",
        f"section2.zip{SEPARATOR}dave": "section2.zip/dave.ipynb",
    }
    assert skipped_of(tmp_path) == {"empty.zip/x.txt": "not a notebook (.txt)"}


@pytest.mark.parametrize("suffix", [".ipynb", ".zip"])
def test_a_link_named_like_a_notebook_stays_a_row_and_is_not_walked_into(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / "in"
    touch(tmp_path, "outside/someone_else.ipynb")
    folder.mkdir()
    (folder / f"linked{suffix}").symlink_to(tmp_path / "outside")
    assert names_of(folder) == {"linked": f"linked{suffix}"}
    run = fake_grade(folder, tmp_path / "out")
    (row,) = run.results
    assert row.status == Status.INVALID and "symbolic link" in row.message


def test_names_are_unique_regardless_of_unicode_normalisation(tmp_path: Path) -> None:
    # macOS's disks take the composed and the decomposed spelling for one name: their results files would clash.
    import unicodedata

    spellings = [unicodedata.normalize(form, "Zoë Ångström") for form in ("NFC", "NFD")]
    assert spellings[0] != spellings[1]
    touch(tmp_path, *(f"{spelling}.ipynb" for spelling in spellings), f"{spellings[0].upper()}.zip")
    names = list(survey(tmp_path).submissions)
    assert len(names) == 3
    assert len({unicodedata.normalize("NFC", name).casefold() for name in names}) == 3


def test_out_may_not_be_the_submissions_folder_itself(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / "graded.ipynb", ["x = 1"])
    for out in (folder, tmp_path / "in" / ".." / "in"):
        with pytest.raises(OutFolderError, match="give --out a folder of its own") as refused:
            fake_grade(folder, out)
        assert str(tmp_path / "graded") in str(refused.value)
    assert sorted(path.name for path in folder.iterdir()) == ["graded.ipynb"], "nothing written before refusing"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_submissions_folder_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    touch(folder, "a.ipynb")
    folder.chmod(0o000)
    try:
        with pytest.raises(
            CannotAccess, match=re.escape(f"cannot read the submissions folder {folder}: permission denied")
        ):
            survey(folder)
    finally:
        folder.chmod(0o755)


def test_a_submissions_folder_that_cannot_be_listed_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a folder without read permission gives (root, who runs this suite in CI, reads any folder).
    folder = tmp_path / "in"
    touch(folder, "a.ipynb", "sub/b.ipynb")
    real = os.scandir

    def refusing(path: object) -> object:
        if Path(str(path)) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", refusing)
    with pytest.raises(CannotAccess) as refused:
        survey(folder)
    assert str(refused.value) == f"cannot read the submissions folder {folder}: permission denied"
    assert refused.value.exit_code == EXIT_FILES


HOSTILE_NAMES = [
    "A.ipynb",
    "a.ipynb",
    "a.IPYNB",
    "\x1b[2J=cmd|' /C calc'!A0.ipynb",
    "x" * 240 + ".ipynb",
    "é" * 120 + ".ipynb",
    "d" * 200 + "/" + "e" * 200 + ".ipynb",
    "con.ipynb",
    "back\\slash.ipynb",
]


def test_names_are_unique_regardless_of_case_stable_and_safe_as_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    touch(folder, *HOSTILE_NAMES)
    os.close(os.open(os.fsencode(folder) + b"/caf\xe9.ipynb", os.O_CREAT | os.O_WRONLY))  # not UTF-8
    names = list(survey(folder).submissions)
    assert len(names) == len(HOSTILE_NAMES) + 1
    assert len({name.casefold() for name in names}) == len(names)
    assert names == list(survey(folder).submissions), "the same folder must give the same names (resume)"
    results = tmp_path / "results"
    results.mkdir()
    for name in names:
        assert not name.startswith(".") and "/" not in name and name.isprintable()
        (results / f"{name}.json").write_text("{}")  # OUT/results/<name>.json
    assert len(list(results.iterdir())) == len(names)


def test_a_folder_with_no_notebook_says_what_it_holds_and_what_to_do(tmp_path: Path) -> None:
    touch(tmp_path, "a.pdf", "b.PDF", "sub/c.pdf", "essay.docx", ".DS_Store")
    with pytest.raises(SubmissionsNotFound) as caught:
        survey(tmp_path)
    message = str(caught.value)
    assert "holds 3 .pdf files, 1 .docx file and 1 hidden file" in message
    assert "grade needs the .ipynb files (or the .zip the notebook's export cell makes)" in message


def test_an_empty_folder_or_a_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(SubmissionsNotFound, match="is empty"):
        survey(tmp_path)
    touch(tmp_path, "download.zip")
    with pytest.raises(SubmissionsNotFound, match="is a file, not a folder"):
        survey(tmp_path / "download.zip")


# -- skipped.csv and the summary ---------------------------------------------------------------------------------


def test_skipped_csv_is_inert_and_rewritten_by_every_run(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / "graded.ipynb", ["x = 1"])
    formula = '=HYPERLINK("evil").pdf'
    touch(folder, formula, "notes.txt")
    fake_grade(folder, out)
    raw = (out / SKIPPED).read_text(encoding="utf-8")
    assert "\n=" not in raw and ",=" not in raw
    with (out / SKIPPED).open(newline="", encoding="utf-8") as handle:
        assert read_skipped(handle) == [(formula, "not a notebook (.pdf)"), ("notes.txt", "not a notebook (.txt)")]

    (folder / "notes.txt").unlink()
    fake_grade(folder, out)
    with (out / SKIPPED).open(newline="", encoding="utf-8") as handle:
        assert read_skipped(handle) == [(formula, "not a notebook (.pdf)")]

    (folder / formula).unlink()
    run = fake_grade(folder, out)
    assert not (out / SKIPPED).exists() and run.skipped == ()


def test_an_out_folder_inside_the_submissions_folder_is_not_taken_for_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / "graded.ipynb", ["x = 1"])
    fake_grade(folder, folder / "out")
    again = fake_grade(folder, folder / "out")
    assert [result.submission for result in again.results] == ["graded"] and again.skipped == ()


def test_the_summary_names_the_first_skipped_files_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / "graded.ipynb", ["x = 1"])
    touch(folder, *(f"page{n:02}.png" for n in range(SHOWN + 3)))
    text = summary(fake_grade(folder, tmp_path / "out"))
    listed = re.findall(r"^  skipped: not a notebook \(\.png\): (page\d+\.png)$", text, re.MULTILINE)
    assert listed == [f"page{n:02}.png" for n in range(SHOWN)]
    assert f"{SHOWN + 3} files in the submissions folder not graded" in text and "and 3 more" in text
    assert str(tmp_path / "out" / SKIPPED) in text


# -- what a file that is not a UTF-8 notebook is -----------------------------------------------------------------


def notebook_with(text: str) -> str:
    """passes_all with TEXT in a comment of its first code cell and in a markdown cell."""
    notebook = json.loads((EXAMPLES / "passes_all.ipynb").read_text(encoding="utf-8"))
    code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    code["source"] = f"# {text}\n" + "".join(code["source"])
    notebook["cells"].insert(0, {"cell_type": "markdown", "id": "note", "metadata": {}, "source": text})
    return json.dumps(notebook, ensure_ascii=False, indent=1)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param("Café, naïve façade: £5 · ½ × 2 ÷ 3", "latin-1", id="latin-1"),
        pytest.param("“smart quotes” – an en dash … and € 5", "cp1252", id="cp1252"),
        pytest.param("Zürich", "utf-8-sig", id="utf-8-with-bom"),
        pytest.param("Ελληνικά", "utf-16", id="utf-16"),
    ],
)
def test_a_notebook_saved_in_another_encoding_reads_as_its_text(tmp_path: Path, text: str, encoding: str) -> None:
    source = notebook_with(text)
    assert source.encode(encoding) != source.encode("utf-8")
    (tmp_path / "utf8.ipynb").write_text(source, encoding="utf-8")
    (tmp_path / "other.ipynb").write_bytes(source.encode(encoding))
    cells = read_code_cells(tmp_path / "other.ipynb")
    assert cells == read_code_cells(tmp_path / "utf8.ipynb") and text in cells[0]


def test_a_latin_1_notebook_scores_as_its_utf_8_twin(tmp_path: Path) -> None:
    source = notebook_with("Café, naïve façade")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "utf8.ipynb").write_text(source, encoding="utf-8")
    (folder / "latin1.ipynb").write_bytes(source.encode("latin-1"))
    run = grade(assignment="hw1", submissions=folder, out=tmp_path / "out", seed=2, timeout=20, unsandboxed=True)
    rows = {result.submission: result for result in run.results}
    assert rows["latin1"].status == Status.OK and rows["latin1"].score == rows["utf8"].score > 0


NOTEBOOK = (EXAMPLES / "passes_all.ipynb").read_bytes()


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        pytest.param(b"", "the file is empty (0 bytes)", id="empty"),
        pytest.param(b" \n\t\r\n", "the file is empty (only blank space)", id="blank"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "the file is a PDF", id="pdf"),
        pytest.param(zip_of({"hw1.ipynb": NOTEBOOK}), "the file is a zip archive", id="zip-named-ipynb"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is a PNG image", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "the file is a JPEG image", id="jpeg"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "the file is an old Microsoft Office file", id="doc"),
        pytest.param(bytes(range(256)) * 4, "the file is not text", id="binary"),
        pytest.param(b'{"cells": [{"source": "caf\xe9 ', "the file is not text", id="latin-1-truncated"),
    ],
)
def test_a_file_that_is_not_a_notebook_says_what_it_is_and_what_to_do(tmp_path: Path, data: bytes, phrase: str) -> None:
    (tmp_path / "hw1.ipynb").write_bytes(data)
    with pytest.raises(InvalidNotebook) as caught:
        read_code_cells(tmp_path / "hw1.ipynb")
    message = str(caught.value)
    assert message.startswith(phrase)
    # One sentence saying what the file is, one saying what to do.
    assert re.search(r"\. (Submit|Save|Download) ", message) and message.endswith(".")
    # The same file inside the export zip is named the same way.
    (tmp_path / "hw1.zip").write_bytes(zip_of({"hw1.ipynb": data}))
    with pytest.raises(InvalidNotebook, match=re.escape(phrase)):
        read_code_cells(tmp_path / "hw1.zip")


# -- the late column ---------------------------------------------------------------------------------------------


def test_the_late_column_says_yes_for_what_the_collect_found_late_and_every_reader_still_works(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    for name in ("101", "102", "103"):
        write_notebook(folder / f"{name}.ipynb", [f"x = {name}"])
    notes = {
        "101": CollectedNote(late=True, who="Lovelace, Ada"),
        "102": CollectedNote(late=False, who="Turing, Alan"),
        "999": CollectedNote(late=True, who="Not in the folder"),
    }
    write_notes(folder, notes)
    run = grade(assignment="hw1", submissions=folder, out=out, seed=1, timeout=20, unsandboxed=True)
    assert run.late == {"101"} and run.skipped == ()
    # Named by the row and by who the LMS says the student is.
    assert f"1 late, as collected (the gradebook's late column): 101 ({notes['101'].who})" in summary(run).splitlines()
    # The report finds the notes (who each student is) through the folder run.json names.
    assert json.loads((out / RUN_FILE).read_text(encoding="utf-8"))["submissions"] == str(folder.resolve())
    with (out / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in gradebook_rows(handle)}
    assert {name: row["late"] for name, row in rows.items()} == {"101": LATE, "102": "", "103": ""}

    # Readers of gradebook.csv: the output folder (report, Canvas export) and the regrade diff.
    graded = read_out(out)
    assert sorted(graded.results) == ["101", "102", "103"]
    assert {result.submission: result.score for result in run.results} == {
        name: result.score for name, result in graded.results.items()
    }
    compared = diff_runs(old=out, new=out)
    assert (compared.changed, compared.unchanged) == ((), 3)


def test_without_notes_no_row_is_late(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / "101.ipynb", ["x = 1"])
    (folder / NOTES).write_bytes(b"{not json")  # a damaged note file is no notes, not an error
    run = fake_grade(folder, tmp_path / "out")
    with run.gradebook.open(newline="", encoding="utf-8") as handle:
        assert [row["late"] for row in gradebook_rows(handle)] == [""]


def test_a_late_note_goes_to_the_notebook_the_collect_wrote_not_a_zip_of_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    notebook = write_notebook(folder / "12345.ipynb", ["x = 1"])
    zipped = folder / "12345.ZIP"  # sorts before 12345.ipynb; another notebook
    zipped.write_bytes(zip_of({"hw1.ipynb": write_notebook(tmp_path / "other.ipynb", ["x = 2"]).read_bytes()}))
    write_notes(folder, {"12345": CollectedNote(late=True, who="Lovelace, Ada")})
    run = fake_grade(folder, tmp_path / "out")
    assert run.late == {"12345"} and dict(run.who) == {"12345": "Lovelace, Ada"}
    assert survey(folder).submissions["12345"] == notebook


def test_a_note_marks_only_a_row_made_from_its_own_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # However names are given, a note describes <name>.ipynb at the top of the folder and nothing else.
    folder = tmp_path / "in"
    notebook = write_notebook(folder / "12345.ipynb", ["x = 1"])
    zipped = folder / "12345.zip"
    zipped.write_bytes(zip_of({"hw1.ipynb": write_notebook(tmp_path / "other.ipynb", ["x = 2"]).read_bytes()}))
    write_notes(folder, {"12345": CollectedNote(late=True, who="Lovelace, Ada")})
    swapped = Survey({"12345": zipped, "12345~2": notebook}, ())
    monkeypatch.setattr(run_module, "survey", lambda *args, **kwargs: swapped)
    run = fake_grade(folder, tmp_path / "out")
    assert run.late == frozenset() and dict(run.who) == {}
