"""Canvas's gradebook export (Grades > Export > Export Entire Gradebook), read as Canvas's importer reads it.

`export canvas` fills one of its columns; `report --roster` shows its names beside the submissions' user ids."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import CannotAccess, CanvasError

_POSTING_ROW = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.IGNORECASE)
POINTS_POSSIBLE = "Points Possible"


@dataclass(frozen=True)
class Roster:
    """The export's header, delimiter, Points Possible row (if any) and student rows, each as long as the header."""

    header: list[str]
    delimiter: str
    points: list[str] | None
    rows: list[list[str]]

    def name(self, row: list[str]) -> str:
        """The student's name as the roster writes it: its Student column, else "LastName, FirstName"."""
        if "Student" in self.header:
            return row[self.header.index("Student")]
        return f"{row[self.header.index('LastName')]}, {row[self.header.index('FirstName')]}"

    def user_id(self, row: list[str]) -> str:
        """The Canvas user id, which `collect canvas` names each notebook by."""
        return row[self.header.index("ID")].strip()

    def names(self) -> dict[str, str]:
        """Each user id's name; the first row of an id that appears twice."""
        found: dict[str, str] = {}
        for row in self.rows:
            found.setdefault(self.user_id(row), self.name(row).strip())
        return found


def read_roster(path: Path) -> Roster:
    """A Canvas gradebook export; raises CanvasError saying what to do when it is not one."""
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Canvas may start the file with a byte-order mark
    except FileNotFoundError:
        raise CanvasError(f"No roster at {path}.") from None
    except IsADirectoryError:
        raise CanvasError(f"{path} is a folder; give the roster's .csv file.") from None
    except UnicodeDecodeError:
        raise CanvasError(
            f'{path} is not UTF-8 text; export the gradebook from Canvas again (or save it as "CSV UTF-8").'
        ) from None
    except OSError as exc:
        # Permissions, say: the roster is fine, the system refuses it (exit 4, as any file that cannot be read).
        raise CannotAccess(
            f"cannot read the roster {path}: {exc.strerror or exc} (check the file's owner and permissions)"
        ) from None
    first = text.splitlines()[0] if text else ""
    # Canvas writes ";" for users whose locale has decimal commas; its importer reads either.
    delimiter = max((",", ";"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise CanvasError(f"{path} is not a CSV file Canvas wrote ({exc}).") from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    missing = [column for column in ("ID", "Section") if column not in header]
    if "Student" not in header and not {"LastName", "FirstName"} <= set(header):
        missing.insert(0, "Student")
    if missing:
        raise CanvasError(
            f"{path} is not a Canvas gradebook export: its header has no {', '.join(missing)} "
            "column. In Canvas: Grades > Export > Export Entire Gradebook."
        )
    points, students = None, []
    for row in rows[1:]:
        row = (row + [""] * len(header))[: len(header)]
        if not any(cell.strip() for cell in row) or all(_POSTING_ROW.fullmatch(cell) for cell in row):
            continue  # Canvas's importer skips these too
        if POINTS_POSSIBLE in row[0]:
            points = row
        else:
            students.append(row)
    return Roster(header, delimiter, points, students)


__all__ = ["POINTS_POSSIBLE", "Roster", "read_roster"]
