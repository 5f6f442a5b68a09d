"""What a collect learned about each notebook it wrote (late or not, the LMS's name for the student), kept in a
file beside the notebooks so that `grade` (the gradebook's late column) and the report can read it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.outputs.files import write_atomic

# A dot file: never taken for a submission, and listed by no "skipped" report.
NOTES = ".cnngrade-collected.json"
_MAX_NOTES_BYTES = 16 * 2**20


@dataclass(frozen=True)
class CollectedNote:
    """One collected submission, under the name its row gets (the notebook's file stem)."""

    late: bool
    who: str = ""  # as the LMS names the student; may be empty


def write_notes(folder: Path, notes: Mapping[str, CollectedNote]) -> None:
    body = {name: {"late": note.late, "who": note.who} for name, note in sorted(notes.items())}
    write_atomic(folder / NOTES, json.dumps({"version": 1, "submissions": body}, indent=1, ensure_ascii=False) + "\n")


def read_notes(folder: Path) -> dict[str, CollectedNote]:
    """The notes a collect left in `folder`; none when there are none, or they cannot be read (never an error:
    a folder a TA assembled by hand has no notes)."""
    path = folder / NOTES
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_NOTES_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        submissions = data["submissions"]
        return {
            str(name): CollectedNote(bool(entry.get("late", False)), str(entry.get("who", "")))
            for name, entry in submissions.items()
            if isinstance(entry, dict)
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


__all__ = ["NOTES", "CollectedNote", "read_notes", "write_notes"]
