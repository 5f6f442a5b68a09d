"""Read a submitted notebook into the code a student wrote, or say why it cannot be read."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


class InvalidNotebook(ValueError):
    """The file is not a notebook we can run; the message is for the student."""


def read_code_cells(path: Path) -> list[str]:
    """The source of each code cell, in order, from a valid nbformat-4 notebook."""
    if not path.is_file():
        raise InvalidNotebook("it is not a file (a folder, a link to nothing, a device or a pipe). Submit the "
                              "notebook file itself, downloaded from Jupyter (File > Download).")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the file is {path.stat().st_size // 2**20} MiB; a notebook over "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MiB is not graded (clear the outputs and resubmit).")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidNotebook("the file is not text: it is not a Jupyter notebook (.ipynb). "
                              "Download the notebook itself from Jupyter (File > Download).") from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"the file is not valid notebook JSON ({exc.msg} at line {exc.lineno}); "
                              "it may be truncated or edited by hand. Re-download it from Jupyter.") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (no cells).")
    version = data.get("nbformat")
    if version != 4:
        raise InvalidNotebook(f"the notebook is in nbformat {version}; save it with a current Jupyter "
                              "(nbformat 4) and resubmit.")
    try:
        notebook = nbformat.from_dict(data)
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise InvalidNotebook(f"the notebook does not follow the notebook format: {exc.message}") from None
    # On disk a cell's source may be one string or a list of lines.
    return ["".join(cell.source) if isinstance(cell.source, list) else cell.source
            for cell in notebook.cells if cell.cell_type == "code"]
