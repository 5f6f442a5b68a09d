"""Regrading from Gradescope: its "Export Submissions" zip or folder becomes notebooks named by student id."""

from __future__ import annotations

import json
import shutil
import stat
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from autograder.cli import main
from autograder.diff import diff_runs
from autograder.grading.run import GradeRun, grade
from autograder.lms.gradescope import (
    METADATA,
    GradescopeCollection,
    GradescopeError,
    collect_gradescope_submissions,
    render_collection,
)
from autograder.report.html import write_report

from .test_canvas import forged, renamed, zip_of
from .test_export_zip_intake import otter_export
from .test_inert_outputs import assert_inert_on_screen

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw1"
NB = "hw1.ipynb"
NOTEBOOK = (EXAMPLES / "passes_all.ipynb").read_bytes()
ROOT = "assignment_4242_export"


@dataclass(frozen=True)
class Upload:
    """One submission of the export: its folder, who made it (fields as Gradescope names them), what it holds."""

    folder: str
    submitters: tuple[dict[str, object], ...]
    files: dict[str, bytes] = field(default_factory=dict)


def person(name: str, sid: str | None = None, email: str | None = None) -> dict[str, object]:
    return {key: value for key, value in (("name", name), ("sid", sid), ("email", email)) if value is not None}


def ruby_yaml(uploads: tuple[Upload, ...]) -> str:
    """The metadata as Gradescope writes it: Ruby symbols as keys (`:sid:`), a timestamp, a score, a status."""
    lines = []
    for upload in uploads:
        lines += [f"{upload.folder}:", "  :submitters:"]
        for submitter in upload.submitters:
            for index, (key, value) in enumerate(submitter.items()):
                # Ruby quotes what would not read back as the same string; JSON's quoting is valid YAML too.
                text = json.dumps(value) if isinstance(value, str) else value
                lines.append(f"  {'- ' if index == 0 else '  '}:{key}: {text}")
        lines += [
            "  :created_at: 2024-02-01 10:00:00.000000000 -08:00",
            "  :score: 21.0",
            "  :status: processed",
            "  :results:",
            "    :score: 21.0",
            "    :tests: []",
        ]
    return "\n".join(lines) + "\n"


def make_export(folder: Path, uploads: tuple[Upload, ...], metadata: str | bytes | None = None) -> Path:
    """What "Export Submissions" unzips to, with the clutter an unzip-and-rezip on a Mac adds."""
    export = folder / ROOT
    export.mkdir(parents=True)
    text = ruby_yaml(uploads) if metadata is None else metadata
    (export / METADATA).write_bytes(text.encode() if isinstance(text, str) else text)
    for upload in uploads:
        for name, content in upload.files.items():
            (export / upload.folder / name).parent.mkdir(parents=True, exist_ok=True)
            (export / upload.folder / name).write_bytes(content)
    (export / ".DS_Store").write_bytes(b"\0")
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / f"._{ROOT}").write_bytes(b"\0")
    return folder


def zip_folder(folder: Path, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.rglob("*")):
            if item.is_file() and not item.is_symlink():
                archive.write(item, item.relative_to(folder).as_posix())
    return path


def sample(name: str) -> bytes:
    return (EXAMPLES / f"{name}.ipynb").read_bytes()


@pytest.fixture(scope="module")
def export_zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    work = tmp_path_factory.mktemp("otter")
    return {name: otter_export(EXAMPLES / f"{name}.ipynb", work / name) for name in ("partial_first_half",)}


def the_class(export_zips: dict[str, bytes]) -> tuple[tuple[Upload, ...], dict[str, str]]:
    """A class as Gradescope exports it, and which sample each collected file should hold."""
    uploads = (
        Upload("submission_1001", (person("Ada Lovelace", "101", "ada@uni.edu"),), {NB: sample("passes_all")}),
        # A pair: graded once, under its first member; uploaded as the zip the export cell makes.
        Upload(
            "submission_1002",
            (person("Grace Hopper", "102", "grace@uni.edu"), person("Alan Turing", "103")),
            {"hw1_2024_02_01T10_00_00.zip": export_zips["partial_first_half"]},
        ),
        # No SID: named by email; the notebook in a folder, its suffix in capitals, a checkpoint beside it.
        Upload(
            "submission_1003",
            (person("Emmy Noether", None, "emmy@uni.edu"),),
            {
                "work/HW1.IPYNB": sample("flipped_kernel"),
                "work/.ipynb_checkpoints/HW1-checkpoint.ipynb": b"{}",
                ".OTTER_LOG": b"",
                "__zip_filename__": b"hw1.zip",
            },
        ),
        # No submitter at all: named by its submission folder. It is graded as invalid, not skipped.
        Upload("submission_1004", (), {NB: sample("broken_json")}),
        Upload("submission_1005", (person("Kurt Goedel", "105"),), {"notes.pdf": b"%PDF-1.4"}),
        Upload("submission_1006", (person("Eve Mallory", "106"),), {NB: NOTEBOOK, "copy.ipynb": NOTEBOOK}),
    )
    expected = {
        "101.ipynb": "passes_all",
        "102.ipynb": "partial_first_half",
        "emmy@uni.edu.ipynb": "flipped_kernel",
        "submission_1004.ipynb": "broken_json",
    }
    return uploads, expected


@pytest.fixture(params=[pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def collected(
    request: pytest.FixtureRequest, tmp_path: Path, export_zips: dict[str, bytes]
) -> tuple[GradescopeCollection, dict[str, str]]:
    uploads, expected = the_class(export_zips)
    folder = make_export(tmp_path / "export", uploads)
    source = zip_folder(folder, tmp_path / "export.zip") if request.param else folder / ROOT
    return collect_gradescope_submissions(source=source, into=tmp_path / "into"), expected


def test_each_submission_becomes_one_notebook_named_by_a_stable_id(
    collected: tuple[GradescopeCollection, dict[str, str]],
) -> None:
    collection, expected = collected
    written = {path.name: path for path in collection.into.iterdir() if not path.name.startswith(".")}
    assert set(written) == set(expected)
    for name, path in written.items():
        assert path.read_bytes() == sample(expected[name])
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert {item.file: item.submission for item in collection.collected} == {
        "101.ipynb": "submission_1001",
        "102.ipynb": "submission_1002",
        "emmy@uni.edu.ipynb": "submission_1003",
        "submission_1004.ipynb": "submission_1004",
    }


def test_the_summary_says_who_is_in_each_group_how_files_are_named_and_what_was_skipped(
    collected: tuple[GradescopeCollection, dict[str, str]],
) -> None:
    collection, _ = collected
    text = render_collection(collection)
    assert text.startswith(f"collected 4 notebooks into {collection.into}")
    assert "102.ipynb: Grace Hopper (102, grace@uni.edu); Alan Turing (103)" in text
    assert "emmy@uni.edu.ipynb from submission_1003 (Emmy Noether): no SID in the metadata, so named by email" in text
    assert f"submission_1004.ipynb from submission_1004: no submitter in {METADATA}, so named by its submission" in text
    assert "submission_1005 (Kurt Goedel): no notebook in it (it holds notes.pdf)" in text
    assert "submission_1006 (Eve Mallory): 2 notebooks in it (copy.ipynb, hw1.ipynb)" in text
    assert_inert_on_screen(text)


@pytest.fixture(scope="module")
def regraded(
    tmp_path_factory: pytest.TempPathFactory, export_zips: dict[str, bytes]
) -> tuple[GradeRun, GradeRun, Path]:
    """The class's notebooks graded as handed in, and graded again from the collected export."""
    uploads, expected = the_class(export_zips)
    tmp = tmp_path_factory.mktemp("regrade")
    originals = tmp / "originals"
    originals.mkdir()
    for name in set(expected.values()):
        shutil.copy(EXAMPLES / f"{name}.ipynb", originals / f"{name}.ipynb")
    source = zip_folder(make_export(tmp / "export", uploads), tmp / "export.zip")
    collect_gradescope_submissions(source=source, into=tmp / "into")
    settings = {"assignment": "hw1", "seed": 1, "timeout": 10, "unsandboxed": True}
    before = grade(submissions=originals, out=tmp / "out-originals", **settings)
    after = grade(submissions=tmp / "into", out=tmp / "out", **settings)
    return before, after, tmp


def test_the_collected_folder_grades_as_the_notebooks_handed_in(
    regraded: tuple[GradeRun, GradeRun, Path], export_zips: dict[str, bytes]
) -> None:
    before, after, _ = regraded
    _, expected = the_class(export_zips)
    original = {result.submission: result for result in before.results}
    assert len(after.results) == len(expected)
    for result in after.results:
        handed_in = original[expected[f"{result.submission}.ipynb"]]
        assert (result.status, result.score, result.message) == (handed_in.status, handed_in.score, handed_in.message)
        assert [(c.id, c.score) for c in result.cases] == [(c.id, c.score) for c in handed_in.cases]
    assert len({result.score for result in after.results}) > 2, "the class should not all score alike"


def test_diff_and_report_work_on_the_regraded_folder(regraded: tuple[GradeRun, GradeRun, Path]) -> None:
    _, after, tmp = regraded
    same = diff_runs(old=tmp / "out", new=tmp / "out")
    assert (same.changed, same.added, same.removed, same.unchanged) == ((), (), (), len(after.results))
    index = write_report(out=tmp / "out", into=tmp / "report")
    page = index.read_text(encoding="utf-8")
    assert all(result.submission in page for result in after.results)


def test_plain_keys_are_read_as_ruby_symbols_are(tmp_path: Path) -> None:
    uploads = (Upload("submission_1", (person("Ada Lovelace", "101"),), {NB: NOTEBOOK}),)
    metadata = yaml.safe_dump(
        {
            "submission_1": {
                "submitters": [{"name": "Ada Lovelace", "sid": 101}],
                "created_at": "2024-02-01T10:00:00-08:00",
            }
        }
    )
    collection = collect_gradescope_submissions(
        source=make_export(tmp_path / "export", uploads, metadata) / ROOT, into=tmp_path / "into"
    )
    assert [item.file for item in collection.collected] == ["101.ipynb"]


def test_a_value_ruby_tagged_does_not_stop_the_collect(tmp_path: Path) -> None:
    uploads = (Upload("submission_1", (person("Ada Lovelace", "101"),), {NB: NOTEBOOK}),)
    metadata = ruby_yaml(uploads) + (
        "  :score_decimal: !ruby/object:BigDecimal 18:0.21e2\n"
        "  :owner: !ruby/object:User\n    id: 5\n  :raw: !binary |-\n    QWRh\n"
    )
    collection = collect_gradescope_submissions(
        source=make_export(tmp_path / "export", uploads, metadata), into=tmp_path / "into"
    )
    assert [item.file for item in collection.collected] == ["101.ipynb"]


# --- INTO ------------------------------------------------------------------------------------------------------


def test_collecting_again_replaces_only_what_the_last_collect_wrote(tmp_path: Path) -> None:
    both = (
        Upload("submission_1", (person("Ada", "101"),), {NB: NOTEBOOK}),
        Upload("submission_2", (person("Grace", "102"),), {NB: NOTEBOOK}),
    )
    into = tmp_path / "into"
    collect_gradescope_submissions(source=make_export(tmp_path / "first", both), into=into)
    collect_gradescope_submissions(source=make_export(tmp_path / "second", both[:1]), into=into)
    assert sorted(path.name for path in into.iterdir() if not path.name.startswith(".")) == ["101.ipynb"]

    (into / "notes.txt").write_text("the TA's")
    with pytest.raises(GradescopeError, match="holds other files"):
        collect_gradescope_submissions(source=tmp_path / "second", into=into)
    assert (into / "notes.txt").read_text() == "the TA's"


def a_file(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("the TA's")
    return tmp / "notes.txt"


@pytest.mark.parametrize(
    ("into", "message"),
    [
        pytest.param(lambda tmp: tmp / "export" / ROOT / "into", "inside the export", id="into-inside-export"),
        pytest.param(a_file, "is a file", id="into-is-a-file"),
    ],
)
def test_a_folder_to_collect_into_that_cannot_be_is_refused(tmp_path: Path, into, message: str) -> None:
    uploads = (Upload("submission_1", (person("Ada", "101"),), {NB: NOTEBOOK}),)
    make_export(tmp_path / "export", uploads)
    with pytest.raises(GradescopeError, match=message):
        collect_gradescope_submissions(source=tmp_path / "export", into=into(tmp_path))


# --- hostile exports: one bad file never stops the class ----------------------------------------------------------

ADA = Upload("submission_1", (person("Ada Lovelace", "101"),), {NB: NOTEBOOK})


def collect_with(
    tmp: Path,
    *uploads: Upload,
    as_zip: bool = False,
    metadata: str | bytes | None = None,
    extra: dict[str, bytes] | None = None,
) -> GradescopeCollection:
    """Ada's submission plus UPLOADS; EXTRA entries are added to the zip under the names given, verbatim."""
    folder = make_export(tmp / "export", (ADA, *uploads), metadata)
    source: Path = folder
    if as_zip or extra:
        source = zip_folder(folder, tmp / "export.zip")
        with zipfile.ZipFile(source, "a", zipfile.ZIP_DEFLATED) as archive:
            for name, content in (extra or {}).items():
                archive.writestr(name, content)
    return collect_gradescope_submissions(source=source, into=tmp / "into")


def skip_for(collection: GradescopeCollection, folder: str) -> str:
    (reason,) = [skip.reason for skip in collection.skipped if skip.name.startswith(folder)]
    return reason


@pytest.mark.parametrize(
    ("upload", "phrase"),
    [
        pytest.param({"hw1.zip": zip_of({NB: b" " * 8 * 2**20})}, "zip bomb", id="zip-bomb-in-export-zip"),
        pytest.param({"hw1.zip": zip_of({NB: NOTEBOOK, "b.ipynb": NOTEBOOK})}, "2 notebooks", id="zip-two-notebooks"),
        pytest.param(
            {"hw1.zip": zip_of({"inner.zip": zip_of({NB: NOTEBOOK})})}, "a .zip inside the .zip", id="zip-in-zip"
        ),
        pytest.param(
            {"hw1.zip": renamed(zip_of({f"xxx{NB}": NOTEBOOK}), f"xxx{NB}", f"../{NB}".encode())},
            "climbs out",
            id="dot-dot-in-export-zip",
        ),
        pytest.param({"hw1.zip": forged(zip_of({NB: NOTEBOOK}), NB, flags=0x1)}, "encrypted", id="encrypted"),
        pytest.param({NB: b" " * 21 * 2**20}, "over 20 MiB", id="too-big"),
        pytest.param({NB: b"\xff\xfe\x00"}, "not text", id="not-text"),  # UTF-16's mark, then half a character
        pytest.param({"a.zip": zip_of({NB: NOTEBOOK}), "b.zip": zip_of({NB: NOTEBOOK})}, "2 .zip files", id="two-zips"),
        pytest.param({}, "the export has no files for it", id="listed-without-files"),
    ],
)
@pytest.mark.parametrize("as_zip", [pytest.param(False, id="folder"), pytest.param(True, id="zip")])
def test_a_hostile_submission_is_skipped_with_why(
    tmp_path: Path, upload: dict[str, bytes], phrase: str, as_zip: bool
) -> None:
    collection = collect_with(tmp_path, Upload("submission_666", (person("Eve", "666"),), upload), as_zip=as_zip)
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert phrase in skip_for(collection, "submission_666")
    assert_inert_on_screen(render_collection(collection))


def test_a_zip_bomb_in_the_export_itself_is_skipped(tmp_path: Path) -> None:
    collection = collect_with(
        tmp_path,
        Upload("submission_666", (person("Eve", "666"),), {}),
        extra={f"{ROOT}/submission_666/{NB}": b" " * 8 * 2**20},
    )
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert "zip bomb" in skip_for(collection, "submission_666")


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        pytest.param(f"{ROOT}/submission_666/../../../outside.ipynb", "climbs out", id="dot-dot"),
        pytest.param(f"/{ROOT}/submission_666/{NB}", "absolute", id="absolute"),
        pytest.param(f"{ROOT}/submission_666/hw1\x1b[2J.ipynb", "control", id="escape-in-name"),
    ],
)
def test_path_traversal_in_the_export_zip_is_skipped_and_nothing_lands_outside_into(
    tmp_path: Path, name: str, phrase: str
) -> None:
    collection = collect_with(tmp_path, Upload("submission_666", (person("Eve", "666"),), {}), extra={name: NOTEBOOK})
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert any(phrase in skip.reason for skip in collection.skipped)
    assert not list(tmp_path.rglob("outside.ipynb"))
    assert_inert_on_screen(render_collection(collection))


def test_a_symlink_is_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.ipynb"  # another student's notebook, or any file of the TA's
    secret.write_bytes(sample("partial_first_half"))
    folder = make_export(tmp_path / "export", (ADA, Upload("submission_666", (person("Eve", "666"),), {})))
    (folder / ROOT / "submission_666").mkdir()
    (folder / ROOT / "submission_666" / NB).symlink_to(secret)
    (folder / ROOT / "submission_667").symlink_to(secret.parent, target_is_directory=True)
    collection = collect_gradescope_submissions(source=folder, into=tmp_path / "into")
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert "symbolic link" in skip_for(collection, "submission_666")


def test_a_symlink_stored_in_the_export_zip_is_skipped(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "export", (ADA, Upload("submission_666", (person("Eve", "666"),), {})))
    source = zip_folder(folder, tmp_path / "export.zip")
    with zipfile.ZipFile(source, "a") as archive:
        info = zipfile.ZipInfo(f"{ROOT}/submission_666/{NB}")
        info.create_system, info.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "../../../../etc/passwd")
    collection = collect_gradescope_submissions(source=source, into=tmp_path / "into")
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert "symbolic link" in skip_for(collection, "submission_666")


def test_the_notebook_nearest_the_top_is_taken_and_clutter_is_no_second_notebook(tmp_path: Path) -> None:
    collection = collect_with(
        tmp_path,
        Upload(
            "submission_2",
            (person("Grace", "102"),),
            {
                NB: sample("flipped_kernel"),
                "old/hw1.ipynb": NOTEBOOK,
                ".ipynb_checkpoints/hw1-checkpoint.ipynb": NOTEBOOK,
                "__MACOSX/._hw1.ipynb": b"\0",
                f"{METADATA}": b"submission_2: {':submitters': [{':sid': '999'}]}",
            },
        ),
    )
    assert (tmp_path / "into" / "102.ipynb").read_bytes() == sample("flipped_kernel")
    assert [item.source for item in collection.collected if item.file == "102.ipynb"] == [NB]


def test_ids_become_safe_file_names_and_a_shared_id_keeps_both_notebooks(tmp_path: Path) -> None:
    collection = collect_with(
        tmp_path,
        Upload("submission_2", (person("Eve", "../../-rf x\u202e"),), {NB: NOTEBOOK}),
        Upload("submission_3", (person("Ada again", "101"),), {NB: NOTEBOOK}),
        Upload("submission_4", (person("Flo", 106),), {NB: NOTEBOOK}),
    )
    files = sorted(item.file for item in collection.collected)
    assert files == ["101.ipynb", "101~submission_3.ipynb", "106.ipynb", "_.._-rf_x_.ipynb"]
    assert sorted(path.name for path in (tmp_path / "into").iterdir() if not path.name.startswith(".")) == files
    assert "another submission has the same id" in render_collection(collection)


def test_a_folder_the_metadata_does_not_list_is_skipped(tmp_path: Path) -> None:
    collection = collect_with(tmp_path, extra={f"{ROOT}/submission_9/{NB}": NOTEBOOK, f"{ROOT}/README.txt": b"x"})
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert f"not in {METADATA}" in skip_for(collection, "submission_9")
    assert f"not in {METADATA}" in skip_for(collection, "README.txt")


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        pytest.param("submission_1: [unclosed\n  :x: {", "not the YAML Gradescope writes (line", id="not-yaml"),
        pytest.param(b"\xff\xfe\x00s", "not UTF-8", id="not-text"),
        pytest.param("- submission_1\n- submission_2\n", "holds list", id="a-list"),
        pytest.param("just a sentence\n", "holds str", id="a-string"),
        pytest.param("", "holds NoneType", id="empty"),
        pytest.param(
            "submission_1:\n  :created_at: 2024-13-45 10:00:00\n", "not the YAML Gradescope writes", id="not-a-date"
        ),
        pytest.param("submission_1:\n  :sid: " + "9" * 5000 + "\n", "not the YAML Gradescope writes", id="huge-int"),
        pytest.param(
            "submission_1: " + "[" * 5000 + "]" * 5000 + "\n", "not the YAML Gradescope writes", id="deeply-nested"
        ),
        pytest.param(
            "submission_1: !!python/object/apply:os.system ['echo owned']\n",
            "not the YAML Gradescope writes",
            id="python-tag",
        ),
    ],
)
def test_metadata_that_is_not_gradescopes_is_refused(tmp_path: Path, metadata: str | bytes, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(GradescopeError, match=message.replace("(", r"\(")):
        collect_with(tmp_path, metadata=metadata)
    assert time.monotonic() - started < 10
    assert not (tmp_path / "into").exists()


def test_a_billion_laughs_in_the_metadata_is_read_in_no_time(tmp_path: Path) -> None:
    # Aliases are shared, not copied, and only each submission's submitters are looked at.
    levels = "".join(f"  :l{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}]\n" for n in range(1, 40))
    metadata = ruby_yaml((ADA,)) + "  :history:\n  :l0: &l0 [lol]\n" + levels + "  :more: *l39\n"
    started = time.monotonic()
    collection = collect_with(tmp_path, metadata=metadata)
    assert [item.file for item in collection.collected] == ["101.ipynb"]
    assert time.monotonic() - started < 10


def test_metadata_of_the_wrong_shape_inside_names_by_submission_folder(tmp_path: Path) -> None:
    metadata = (
        "submission_1:\n  :submitters: Ada Lovelace\nsubmission_2: 42\n"
        "submission_3:\n  :submitters:\n  - just a name\n  - :sid: [1, 2]\n    :email: {a: b}\n"
    )
    collection = collect_with(
        tmp_path,
        Upload("submission_2", (), {NB: NOTEBOOK}),
        Upload("submission_3", (), {NB: NOTEBOOK}),
        metadata=metadata,
    )
    assert sorted(item.file for item in collection.collected) == [
        "submission_1.ipynb",
        "submission_2.ipynb",
        "submission_3.ipynb",
    ]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(lambda path: path.write_bytes(b"not a zip"), "not a zip", id="not-a-zip"),
        pytest.param(
            lambda path: path.write_bytes(path.read_bytes()[:-30]), "not a zip, or a damaged one", id="cut-short"
        ),
        pytest.param(
            lambda path: path.write_bytes(zip_of({"hw1.ipynb": NOTEBOOK})), f"no {METADATA}", id="no-metadata"
        ),
    ],
)
def test_an_export_that_cannot_be_read_is_refused(tmp_path: Path, damage, message: str) -> None:
    source = zip_folder(make_export(tmp_path / "export", (ADA,)), tmp_path / "export.zip")
    damage(source)
    with pytest.raises(GradescopeError, match=message):
        collect_gradescope_submissions(source=source, into=tmp_path / "into")


def test_two_exports_in_one_zip_are_refused(tmp_path: Path) -> None:
    make_export(tmp_path / "export", (ADA,))
    shutil.copytree(tmp_path / "export" / ROOT, tmp_path / "export" / "assignment_1_export")
    with pytest.raises(GradescopeError, match="collect each into its own folder"):
        collect_gradescope_submissions(source=tmp_path / "export", into=tmp_path / "into")


def test_an_export_with_no_notebook_is_refused_saying_why(tmp_path: Path) -> None:
    uploads = (Upload("submission_1", (person("Ada", "101"),), {"notes.pdf": b"%PDF"}),)
    with pytest.raises(GradescopeError, match=r"No student notebook .*no notebook in it"):
        collect_gradescope_submissions(source=make_export(tmp_path / "export", uploads), into=tmp_path / "into")


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_prints_the_summary_and_errors_as_messages(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = zip_folder(make_export(tmp_path / "export", (ADA,)), tmp_path / "export.zip")
    assert main(["collect", "gradescope", str(source), "--into", str(tmp_path / "into")]) == 0
    assert capsys.readouterr().out.startswith(f"collected 1 notebook into {tmp_path / 'into'}")
    assert main(["collect", "gradescope", str(tmp_path / "nothing.zip"), "--into", str(tmp_path / "x")]) == 2
    assert "cnngrade: No Gradescope export at" in capsys.readouterr().err
