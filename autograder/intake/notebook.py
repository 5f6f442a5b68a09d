"""Read a submitted notebook into the code a student wrote, or say why it cannot be read."""

from __future__ import annotations

import json
import warnings
import zipfile
from contextlib import ExitStack
from pathlib import Path

from autograder.intake.notebook_schema import passes_as_is
from autograder.intake.uploads import (
    MAX_NOTEBOOK_BYTES,
    ZIP_ERRORS,
    Budget,
    Limit,
    NotOneNotebook,
    Unusable,
    check_zip_size,
    notebook_in_zip,
    notebook_text,
    unreadable,
)

_DOWNLOAD = "Download the notebook itself from Jupyter (File > Download)"
_IN_ZIP = Limit(MAX_NOTEBOOK_BYTES, "more than is graded: clear its outputs and export again")


class InvalidNotebook(ValueError):
    """The file is not a notebook we can run; the message is for the student."""


_SUBMIT_IPYNB = "Submit the .ipynb file itself (in Jupyter: File > Download, or Download as > Notebook)"
# What a file that is not a notebook most often is, by its first bytes; no notebook's JSON starts with any of them.
_MAGIC = (
    (b"%PDF", "a PDF, not a Jupyter notebook"),
    (b"PK\x03\x04", "a zip archive (or a Word or Excel file, which is one), not a Jupyter notebook"),
    (b"\x89PNG", "a PNG image, not a Jupyter notebook"),
    (b"\xff\xd8\xff", "a JPEG image, not a Jupyter notebook"),
    (b"GIF8", "a GIF image, not a Jupyter notebook"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc, .xls), not a Jupyter notebook"),
    (b"{\\rtf", "an RTF document, not a Jupyter notebook"),
    (b"\x1f\x8b", "a gzip archive, not a Jupyter notebook"),
    (b"Rar!", "a RAR archive, not a Jupyter notebook"),
    (b"7z\xbc\xaf", "a 7-Zip archive, not a Jupyter notebook"),
)


def read_code_cells(path: Path) -> list[str]:
    """The source of each code cell, in order, from a valid nbformat-4 notebook or the zip its export cell makes."""
    if path.is_symlink():
        # It may name any file of the TA's (the solutions, another student's notebook): never followed.
        raise InvalidNotebook(
            "it is a symbolic link, not a file. Submit the notebook file itself, downloaded from Jupyter "
            "(File > Download)."
        )
    if not path.is_file():
        raise InvalidNotebook(
            "it is not a file (a folder, a link to nothing, a device or a pipe). Submit the "
            "notebook file itself, downloaded from Jupyter (File > Download)."
        )
    if path.suffix.lower() == ".zip":
        raw = _notebook_in_zip(path)
    elif path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(
            f"the file is {path.stat().st_size // 2**20} MiB; a notebook over "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MiB is not graded (clear the outputs and resubmit)."
        )
    else:
        raw = path.read_bytes()
    return _code_cells(raw)


def _notebook_in_zip(path: Path) -> bytes:
    """The notebook in the zip the export cell makes, unpacked within the size cap whatever the zip declares."""
    again = "Run the notebook's export cell again and submit the zip it makes, or submit the notebook itself."
    with ExitStack() as stack:
        try:
            # Opened in place, not read whole: the export may carry a PDF or data files beside the notebook.
            stream = stack.enter_context(path.open("rb"))
            # Its size and the length of its list of files first: zipfile reads that list whole, however long.
            check_zip_size(stream)
            archive = stack.enter_context(zipfile.ZipFile(stream))
        except zipfile.BadZipFile:
            raise InvalidNotebook(
                f"the file is named .zip but is not a zip, or a damaged one (an upload that did not finish?). {again}"
            ) from None
        except Unusable as problem:
            raise InvalidNotebook(f"{problem}.") from None
        except ZIP_ERRORS as exc:
            raise InvalidNotebook(f"the .zip {unreadable(exc)}. {again}") from None
        try:
            return notebook_in_zip(archive, Budget(MAX_NOTEBOOK_BYTES), _IN_ZIP)
        except NotOneNotebook as problem:
            raise InvalidNotebook(_not_one_notebook(problem)) from None
        except Unusable as problem:
            raise InvalidNotebook(f"{problem}.") from None
        except ZIP_ERRORS as exc:
            raise InvalidNotebook(f"the .zip is damaged or cut short ({type(exc).__name__}: {exc}). {again}") from None
    raise AssertionError("unreachable")  # for mypy: the with block returns or raises


def _not_one_notebook(problem: NotOneNotebook) -> str:
    if not problem.names:
        nested = " (a .zip inside the .zip is not opened)" if problem.nested else ""
        return (
            f"the .zip holds no notebook (.ipynb){nested}. Submit the zip the notebook's export cell makes, "
            "or the notebook itself."
        )
    shown = ", ".join(problem.names[:3]) + (f" and {len(problem.names) - 3} more" if len(problem.names) > 3 else "")
    return (
        f"the .zip holds {len(problem.names)} notebooks ({shown}), so which one to grade is not clear. "
        "Submit a zip with only your homework notebook in it (the export cell makes one), or the notebook itself. "
        # The TA reads this row too: a whole class's download dropped into the folder lands here.
        "(If this is an LMS's download of the whole class, it goes through `cnngrade collect canvas` or "
        "`cnngrade collect gradescope` first.)"
    )


def _code_cells(raw: bytes) -> list[str]:
    data = _json(raw)
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (no cells).")
    version = data.get("nbformat")
    if version != 4:
        raise InvalidNotebook(
            f"the notebook is in nbformat {version}; save it with a current Jupyter (nbformat 4) and resubmit."
        )
    if not _valid_as_is(data):
        _validate(data)
    # On disk a cell's source may be one string or a list of lines.
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in data["cells"]
        if cell["cell_type"] == "code"
    ]


def _valid_as_is(data: dict) -> bool:
    """Whether the notebook's JSON follows its schema exactly as it is: then nbformat.validate accepts it too.

    nbformat.validate first gives cells without an id one and repairs repeated ids (which only makes a
    notebook more valid, and changes no cell's type or source), then checks the same schema, with the
    same validator. Checking the JSON directly (notebook_schema.py) skips the conversion to
    NotebookNode, that repair and the cells already seen; anything it does not pass goes through validate."""
    minor = data.get("nbformat_minor", 0)
    if type(data.get("nbformat")) is not int or type(minor) is not int:
        return False  # validate's own handling (4.0, "5", ...) stays what it was
    return passes_as_is(data, minor)


def _validate(data: dict) -> None:
    """nbformat.validate's verdict on the notebook, as InvalidNotebook when it refuses it."""
    # Imported only for a notebook the schema check did not pass (notebook_schema.py): slow to import.
    import nbformat
    from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

    try:
        notebook = nbformat.from_dict(data)
        with warnings.catch_warnings():
            # A notebook without cell ids (another editor saved it), or with one id twice, grades the same:
            # no warning for the TA.
            warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
            warnings.filterwarnings("ignore", category=DuplicateCellId)
            nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise InvalidNotebook(f"the notebook does not follow the notebook format: {exc.message}") from None


def _json(raw: bytes) -> object:
    """The file's JSON, or InvalidNotebook saying what the file is instead."""
    if not raw.strip():
        size = "0 bytes" if not raw else "only blank space"
        raise InvalidNotebook(
            f"the file is empty ({size}): it was not saved, or the upload did not finish. Save the notebook in "
            "Jupyter, download it again (File > Download) and resubmit it."
        )
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise InvalidNotebook(f"the file is {what}. {_SUBMIT_IPYNB}.")
    text = notebook_text(raw)
    if text is None:
        raise InvalidNotebook(f"the file is not text: it is not a Jupyter notebook (.ipynb). {_DOWNLOAD}.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(
            f"the file is not valid notebook JSON ({exc.msg} at line {exc.lineno}); "
            "it may be truncated or edited by hand. Re-download it from Jupyter."
        ) from None
