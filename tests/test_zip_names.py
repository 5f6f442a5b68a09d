"""Zip member names in the encoding they were written in: UTF-8 without the UTF-8 flag (Canvas's zipper, macOS),
genuine CP437 (old Windows zippers), and flagged UTF-8, for every reader of uploads (Canvas, Gradescope, grade)."""

from __future__ import annotations

import io
import zipfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from autograder.intake import uploads
from autograder.intake.collected import read_notes
from autograder.intake.notebook import InvalidNotebook, read_code_cells
from autograder.lms.canvas import collect_canvas_submissions, render_collection

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw2"
NOTEBOOK = (EXAMPLES / "passes_all.ipynb").read_bytes()
_UTF8_FLAG = 0x800

# Students' sortable names as Canvas writes them into file names (lowercased, punctuation dropped), in many scripts.
SCRIPTS = {
    "latin": "gödelkurt",
    "greek": "παπαδόπουλοςγιώργος",
    "cyrillic": "ивановаанна",
    "cjk": "王小明",
    "arabic": "الخوارزميمحمد",
    "devanagari": "शर्माअनिल",  # vowel signs are combining marks: word characters to Canvas, not to Python's \w
    "hangul": "김민준",
    "emoji-in-file": "leeann",
}


def zip_with_raw_names(files: dict[bytes, bytes]) -> bytes:
    """A zip whose entries are named by exactly these bytes, the UTF-8 flag unset (as Canvas's zipper writes)."""
    placeholders = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, (raw, content) in enumerate(files.items()):
            # An ASCII name of the same length (written unflagged), swapped for the raw bytes afterwards.
            placeholder = f"~{number}~".ljust(len(raw), "~").encode()
            assert len(placeholder) == len(raw)
            placeholders[placeholder] = raw
            archive.writestr(placeholder.decode(), content)
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2  # its local header and its central directory record
        data = data.replace(placeholder, raw)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any(info.flag_bits & _UTF8_FLAG for info in archive.infolist())
    return data


def entry_names(path: Path) -> list[str]:
    with ExitStack() as stack:
        return [entry.name for entry in uploads.entries(path, stack)]


def canvas_file(login: str, user_id: str = "101", filename: str = "hw2.ipynb") -> str:
    return f"{login}_{user_id}_9001_{filename}"


@pytest.mark.parametrize("login", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_unflagged_utf8_names_read_as_utf8(tmp_path: Path, login: str) -> None:
    filename = "hw2 ✓ final.ipynb" if login == "leeann" else "hw2.ipynb"
    name = canvas_file(login, filename=filename)
    path = tmp_path / "download.zip"
    path.write_bytes(zip_with_raw_names({name.encode("utf-8"): NOTEBOOK}))
    assert entry_names(path) == [name]


@pytest.mark.parametrize("login", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_a_canvas_download_in_any_script_is_collected_under_the_user_id(tmp_path: Path, login: str) -> None:
    name = canvas_file(login, "4242")
    download = tmp_path / "download.zip"
    download.write_bytes(zip_with_raw_names({name.encode("utf-8"): NOTEBOOK, b"readme.txt": b"x"}))
    collection = collect_canvas_submissions(source=download, into=tmp_path / "into")
    assert (tmp_path / "into" / "4242.ipynb").read_bytes() == NOTEBOOK
    assert [file.student for file in collection.collected] == [login]
    assert read_notes(tmp_path / "into")["4242"].who == login
    assert "collected 1 notebook into" in render_collection(collection)


# Names an old Windows zipper wrote in CP437 (the zip standard's encoding without the flag): bytes that are not
# UTF-8, so they are read as CP437.
CP437_NAMES = ["gödelkurt", "müllerjürgen", "niñoana", "çelikemre", "ågårdlærke"]


@pytest.mark.parametrize("login", CP437_NAMES)
def test_genuine_cp437_names_read_as_cp437(tmp_path: Path, login: str) -> None:
    raw = canvas_file(login).encode("cp437")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # else it would be read as UTF-8, which is the point of the other tests
    path = tmp_path / "download.zip"
    path.write_bytes(zip_with_raw_names({raw: NOTEBOOK}))
    assert entry_names(path) == [canvas_file(login)]
    collection = collect_canvas_submissions(source=path, into=tmp_path / "into")
    assert [file.student for file in collection.collected] == [login]


def test_flagged_names_and_plain_ascii_are_unchanged(tmp_path: Path) -> None:
    names = ["plain_101_9001_hw2.ipynb", "flagged_ü_102_9002_hw2.ipynb"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, NOTEBOOK)  # zipfile flags the non-ASCII name as UTF-8
    path = tmp_path / "download.zip"
    path.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(path) as archive:
        assert [bool(info.flag_bits & _UTF8_FLAG) for info in archive.infolist()] == [False, True]
    assert entry_names(path) == names


def test_a_renamed_entry_still_opens_and_its_bytes_are_checked(tmp_path: Path) -> None:
    # zipfile compares each local header's name with the central directory's: the decoded name must not break it.
    name = canvas_file("gödelkurt")
    path = tmp_path / "download.zip"
    path.write_bytes(zip_with_raw_names({name.encode("utf-8"): NOTEBOOK}))
    with ExitStack() as stack:
        (entry,) = uploads.entries(path, stack)
        assert entry.read(uploads.Budget()) == NOTEBOOK


def test_the_notebook_in_an_export_zip_is_named_in_its_encoding(tmp_path: Path) -> None:
    # grade reads the export cell's zip: two notebooks in it are named in the message, as the student named them.
    names = ["übung 1.ipynb", "übung 2.ipynb"]
    path = tmp_path / "submission.zip"
    path.write_bytes(zip_with_raw_names({name.encode("utf-8"): NOTEBOOK for name in names}))
    with pytest.raises(InvalidNotebook) as raised:
        read_code_cells(path)
    assert all(name in str(raised.value) for name in names)
    with zipfile.ZipFile(path) as archive, pytest.raises(uploads.NotOneNotebook) as inner:
        uploads.notebook_in_zip(archive, uploads.Budget())
    assert inner.value.names == tuple(names)
