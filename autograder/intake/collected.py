"""What a collect learned about each notebook it wrote (late or not, the LMS's name for the student), kept in a
file beside the notebooks so that `grade` (the gradebook's late column) and the report can read it.

Each note carries the sha256 of the notebook it describes, and is believed only while that file still has those
bytes: a notes file is plain JSON anyone can leave at the top of a folder (a student's zip unzipped there), and one
a collect wrote goes stale when a TA replaces a notebook by hand or a collect stops between notebooks and notes."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.outputs.files import write_atomic

# A dot file: never taken for a submission, and listed by no "skipped" report.
NOTES = ".cnngrade-collected.json"
NOTEBOOK_SUFFIX = ".ipynb"  # a note named N describes N.ipynb beside the notes
_VERSION = 2  # 2: each note has the sha256 of its notebook; version 1 had none, and is not believed
_MAX_NOTES_BYTES = 16 * 2**20
_CHUNK = 2**20


@dataclass(frozen=True)
class CollectedNote:
    """One collected submission, under the name its row gets (the notebook's file stem)."""

    late: bool
    who: str = ""  # as the LMS names the student; may be empty


def _notebook(folder: Path, name: str) -> Path | None:
    """FOLDER/NAME.ipynb, or None when NAME (read from a file anyone may have written) is not a plain file stem."""
    if not name or name in (".", "..") or "/" in name or "\0" in name or os.sep in name:
        return None
    return folder / f"{name}{NOTEBOOK_SUFFIX}"


def _sha256(path: Path) -> str | None:
    """The hex sha256 of a regular file (never through a link), or None when there is none to hash."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            digest = hashlib.sha256()
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        except OSError:
            return None
    return digest.hexdigest()


def write_notes(folder: Path, notes: Mapping[str, CollectedNote]) -> None:
    """Write the notes for the notebooks already written in FOLDER, each with its notebook's sha256 (hashed from
    the file itself, so the note matches what is on disk); a note whose notebook is not there is left out."""
    body = {}
    for name, note in sorted(notes.items()):
        path = _notebook(folder, name)
        digest = _sha256(path) if path is not None else None
        if digest is not None:
            body[name] = {"late": note.late, "who": note.who, "sha256": digest}
    text = json.dumps({"version": _VERSION, "submissions": body}, indent=1, ensure_ascii=False) + "\n"
    write_atomic(folder / NOTES, text)


def read_notes(folder: Path) -> dict[str, CollectedNote]:
    """The notes a collect left in `folder` that still describe its notebooks: each note whose notebook exists with
    the bytes the collect wrote. None when there are none, or they cannot be read (never an error: a folder a TA
    assembled by hand has no notes)."""
    path = folder / NOTES
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_NOTES_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        submissions = data["submissions"]
        found = {}
        for name, entry in submissions.items():
            notebook = _notebook(folder, str(name))
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or notebook is None:
                continue
            if _sha256(notebook) == entry["sha256"]:
                found[str(name)] = CollectedNote(entry.get("late") is True, str(entry.get("who", "")))
        return found
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


__all__ = ["NOTEBOOK_SUFFIX", "NOTES", "CollectedNote", "read_notes", "write_notes"]
