"""Who each submission is, for the report: a Canvas roster's name beside the user id a notebook is named by, else
the name a collect noted beside the notebooks it wrote (`intake.collected`), else the submission's own name; and
which submissions were late."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from autograder.intake.collected import read_notes
from autograder.intake.roster import read_roster
from autograder.outputs.folder import RUN_FILE
from autograder.outputs.gradebook import GRADEBOOK, LATE, gradebook_rows
from autograder.outputs.inert import printable

_LATE_COLUMN = "late"  # one of gradebook.GRADEBOOK_FIXED since `grade` writes it; older gradebooks lack it


def _label(name: str, submission: str) -> str:
    # printable: a roster name or a file name is the student's; a bidi override would reorder the id beside it.
    name = " ".join(printable(name).split())
    return f"{name} ({submission})" if name else submission


def collected_folder(out: Path) -> Path | None:
    """The submissions folder run.json says OUT was graded from, if it says (where a collect left its notes)."""
    try:
        folder = json.loads((out / RUN_FILE).read_text(encoding="utf-8")).get("submissions")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(folder) if isinstance(folder, str) and folder else None


def submission_names(
    submissions: Iterable[str], *, roster: Path | None = None, out: Path | None = None
) -> dict[str, str]:
    """A label for each submission that a roster or a collect's notes name: "Lovelace, Ada (101)". The roster
    wins; raises CanvasError when ROSTER is not a Canvas gradebook export."""
    wanted = set(submissions)
    names: dict[str, str] = {}
    folder = collected_folder(out) if out is not None else None
    if folder is not None:
        for submission, note in read_notes(folder).items():
            if submission in wanted and note.who:
                names[submission] = _label(note.who, submission)
    if roster is not None:
        for user_id, name in read_roster(roster).names().items():
            if user_id in wanted and name:
                names[user_id] = _label(name, user_id)
    return names


def late_submissions(out: Path, submissions: Iterable[str]) -> frozenset[str]:
    """The submissions graded as late: gradebook.csv's late column (what was graded), else, for a folder graded
    before `grade` wrote that column, the late notes a collect left where run.json says OUT was graded from."""
    wanted = set(submissions)
    try:
        with (out / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
            rows = gradebook_rows(handle)
    except (OSError, ValueError, csv.Error):
        rows = []  # read_out has read it already; a file gone since is no late column
    if rows and _LATE_COLUMN in rows[0]:
        return frozenset(row["submission"] for row in rows if row.get(_LATE_COLUMN) == LATE) & wanted
    folder = collected_folder(out)
    if folder is None:
        return frozenset()
    return frozenset(name for name, note in read_notes(folder).items() if note.late) & wanted


__all__ = ["collected_folder", "late_submissions", "submission_names"]
