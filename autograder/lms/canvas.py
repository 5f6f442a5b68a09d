"""Canvas both ways: collect a "Download Submissions" zip for grading; export scores as a gradebook import CSV."""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.errors import CanvasError
from autograder.intake.uploads import Entry, Skipped, Unusable, notebook_text
from autograder.lms.canvas_zip import Budget, entries
from autograder.model import Status
from autograder.outputs.files import write_atomic
from autograder.outputs.folder import read_out
from autograder.outputs.inert import inert_csv, printable, screen

# Canvas (lib/content_zipper.rb) names each file "<name>[_LATE]_<user id>_<attachment id>_<filename>".
# <name> is the sortable name lowercased with every non-word character dropped and any "_<digits>_"
# squeezed out, so the first "_<digits>_<digits>_" is the two ids: Canvas reads its own names back
# the same way. <filename> is what the student uploaded, "-1" added by Canvas to a repeated name.
# The ids are ASCII digits only (\d would take any script's digits, and a user id names the file collect writes).
_CANVAS_NAME = re.compile(r"(?P<name>\w*?)(?P<late>_LATE)?_(?P<user>[0-9]+)_(?P<attachment>[0-9]+)_(?P<filename>.+)")
# With anonymous grading the id is "anon_<5 characters>", which can be all digits: never a user id.
_ANONYMOUS = re.compile(r"(LATE_)?anon_")
_COLLECTED = re.compile(r"[0-9]+\.ipynb")
_GRADABLE = (".ipynb", ".zip")  # a .zip: the notebook's own export cell (Otter) makes one for upload

# The columns that say who a student is (GradebookImporter::GRADEBOOK_IMPORTER_RESERVED_NAMES).
INFO_COLUMNS = (
    "Student",
    "LastName",
    "FirstName",
    "ID",
    "SIS User ID",
    "SIS Login ID",
    "Integration ID",
    "Root Account",
    "Section",
)
# Canvas's computed totals (GradebookImporter::NON_ASSIGNMENT_COLUMN_HEADERS, "Unposted ..." too): never a target.
_TOTALS = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
    "Override Score|Override Grade|Override Status"
)
_POSTING_ROW = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.IGNORECASE)
POINTS_POSSIBLE = "Points Possible"


@dataclass(frozen=True)
class CanvasFile:
    """One file of a Canvas download, its name taken apart."""

    name: str  # the file's name in the download
    student: str  # the sortable name as Canvas wrote it: "lovelaceada"
    late: bool
    user_id: str
    attachment_id: int  # Canvas numbers uploads in order: the highest is the latest
    filename: str  # as uploaded, with Canvas's "-1" duplicate suffix


@dataclass(frozen=True)
class CanvasCollection:
    """What `collect canvas` wrote: one notebook per student, INTO/<user id>.ipynb, and what it left out."""

    into: Path
    collected: tuple[CanvasFile, ...]
    superseded: tuple[CanvasFile, ...]  # a student's older files, not graded
    skipped: tuple[Skipped, ...]  # not notebooks, bad or unparsable names, files that yield no notebook


@dataclass(frozen=True)
class RosterStudent:
    name: str
    id: str


@dataclass(frozen=True)
class CanvasExport:
    """What `export canvas` wrote, and who has no score in it."""

    path: Path
    assignment: str
    column: str
    new_column: bool  # Canvas creates a new assignment for it on import
    scored: tuple[RosterStudent, ...]
    no_submission: tuple[RosterStudent, ...]  # left empty: Canvas keeps what it has
    not_graded: tuple[RosterStudent, ...]  # invalid notebooks, left empty: "could not grade" is not 0
    unmatched: tuple[str, ...]  # graded submissions with no roster row
    warnings: tuple[str, ...]


def parse_canvas_name(name: str) -> CanvasFile | None:
    """The parts of a Canvas download's file name, or None when it is not one (or has no user id)."""
    match = None if _ANONYMOUS.match(name) else _CANVAS_NAME.fullmatch(name)
    if match is None:
        return None
    return CanvasFile(
        name, match["name"], bool(match["late"]), match["user"], int(match["attachment"]), match["filename"]
    )


def _check_into(into: Path, source: Path) -> None:
    if source.is_dir() and into.resolve().is_relative_to(source.resolve()):
        raise CanvasError(f"{into} is inside the download {source}; collect into a folder outside it.")
    if into.exists():
        if not into.is_dir():
            raise CanvasError(f"{into} is a file; give a folder to collect into.")
        # Only ever replace what an earlier collect wrote, so no file of the TA's is lost or graded.
        others = sorted(path.name for path in into.iterdir() if not _COLLECTED.fullmatch(path.name))
        if others:
            raise CanvasError(
                f"{into} holds other files ({', '.join(others[:3])}); collect into an empty or new folder."
            )


def collect_canvas_submissions(*, source: Path, into: Path) -> CanvasCollection:
    """Copy each student's latest notebook from a Canvas download (zip or folder) to INTO/<user id>.ipynb."""
    if not source.exists():
        raise CanvasError(f"No Canvas download at {source}.")
    _check_into(into, source)
    with ExitStack() as stack:
        notebooks, superseded, skipped = _gather(entries(source, stack))
    if not notebooks:
        reasons = printable("; ".join(f"{s.name}: {s.reason}" for s in skipped[:3])) or "it is empty"
        raise CanvasError(f"No student notebook in {source} ({reasons}).")
    if into.exists():
        for old in into.iterdir():
            if old.stem not in notebooks:
                old.unlink()
    for user_id, (_, text) in notebooks.items():
        write_atomic(into / f"{user_id}.ipynb", text)
    collected = sorted((parsed for parsed, _ in notebooks.values()), key=lambda f: f.name)
    return CanvasCollection(
        into,
        tuple(collected),
        tuple(sorted(superseded, key=lambda f: f.name)),
        tuple(sorted(skipped, key=lambda s: s.name)),
    )


def _gather(files: Iterator[Entry]) -> tuple[dict[str, tuple[CanvasFile, str]], list[CanvasFile], list[Skipped]]:
    """Each student's latest readable notebook by user id, their older files, and every file left out."""
    skipped: list[Skipped] = []
    candidates: dict[str, list[tuple[CanvasFile, Entry]]] = {}
    for entry in files:
        parsed = parse_canvas_name(entry.name)
        if entry.problem:
            skipped.append(Skipped(entry.name, entry.problem))
        elif parsed is None:
            reason = (
                "anonymous grading hides the Canvas user id; turn it off before downloading"
                if _ANONYMOUS.match(entry.name)
                else "the name is not Canvas's <name>[_LATE]_<user id>_<attachment id>_<file name>"
            )
            skipped.append(Skipped(entry.name, reason))
        elif not parsed.filename.lower().endswith(_GRADABLE):
            suffix = PurePosixPath(parsed.filename).suffix or "no extension"
            skipped.append(Skipped(entry.name, f"not a notebook ({suffix})"))
        else:
            candidates.setdefault(parsed.user_id, []).append((parsed, entry))
    notebooks: dict[str, tuple[CanvasFile, str]] = {}
    superseded: list[CanvasFile] = []
    budget = Budget()
    for user_id, uploads in candidates.items():
        # Latest first; a later file that holds no readable notebook does not hide an earlier one.
        for parsed, entry in sorted(uploads, key=lambda item: -item[0].attachment_id):
            if user_id in notebooks:
                superseded.append(parsed)
                continue
            try:  # one file: whatever is wrong with it skips it, not the class
                notebooks[user_id] = (parsed, notebook_text(entry, budget))
            except Unusable as problem:
                skipped.append(Skipped(entry.name, str(problem)))
    return notebooks, superseded, skipped


def _read_roster(path: Path) -> tuple[list[str], str, list[str] | None, list[list[str]]]:
    """Header, delimiter, the Points Possible row if any, and the student rows of a Canvas gradebook export."""
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Canvas may start the file with a byte-order mark
    except FileNotFoundError:
        raise CanvasError(f"No roster at {path}.") from None
    except UnicodeDecodeError:
        raise CanvasError(
            f'{path} is not UTF-8 text; export the gradebook from Canvas again (or save it as "CSV UTF-8").'
        ) from None
    first = text.splitlines()[0] if text else ""
    # Canvas writes ";" for users whose locale has decimal commas; its importer reads either.
    delimiter = max((",", ";"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
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
    return header, delimiter, points, students


def _choose_column(header: list[str], assignment: str, wanted: str | None) -> int | None:
    """The index of the column to fill: the one asked for, else the one named after the assignment."""
    candidates = {name: i for i, name in enumerate(header) if name not in INFO_COLUMNS and not _TOTALS.search(name)}
    if wanted is not None:
        if wanted.strip() in candidates:
            return candidates[wanted.strip()]
        hint = difflib.get_close_matches(wanted, list(candidates), n=1)
        raise CanvasError(
            f"The roster has no assignment column {wanted!r}; "
            + (f"did you mean {hint[0]!r}?" if hint else f"it has {', '.join(candidates) or 'none'}.")
        )
    # "hw1 (12345)" or "HW1: grids" but not "hw10 (12346)".
    starts = re.compile(rf"{re.escape(assignment)}(?![0-9A-Za-z])", re.IGNORECASE)
    matching = [name for name in candidates if starts.match(name)]
    if len(matching) > 1:
        raise CanvasError(f"Several roster columns are {assignment}: {', '.join(matching)}; choose one with --column.")
    return candidates[matching[0]] if matching else None


def export_canvas(*, out: Path, roster: Path, assignment_column: str | None, into: Path) -> CanvasExport:
    """Write INTO, a Canvas gradebook import: the roster's student columns and the assignment's scores from OUT."""
    graded = read_out(out)
    if into.resolve() == roster.resolve():
        raise CanvasError(f"--into {into} is the roster itself; write the import to another file.")
    header, delimiter, points, rows = _read_roster(roster)
    index = _choose_column(header, graded.assignment, assignment_column)
    column = header[index] if index is not None else graded.assignment
    info = [i for i, name in enumerate(header) if name in INFO_COLUMNS]
    name_of = (
        (lambda row: row[header.index("Student")])
        if "Student" in header
        else (lambda row: f"{row[header.index('LastName')]}, {row[header.index('FirstName')]}")
    )
    max_score = max((result.max_score for result in graded.results.values()), default=0.0)
    warnings: list[str] = []
    if index is None:
        warnings.append(
            f"the roster has no column for {graded.assignment}: added {column!r}; Canvas creates a "
            "new assignment for it on import (use --column to fill an existing one)"
        )
    points_cell = f"{max_score:g}" if index is None else (points[index] if points else "")
    if re.search(r"read\s+only", points_cell):
        raise CanvasError(f"{column!r} is read-only in Canvas (a computed column); choose another with --column.")
    try:
        if points_cell and abs(float(points_cell.replace(",", ".")) - max_score) > 1e-6:
            warnings.append(
                f"Canvas gives {column!r} {points_cell} points; {graded.assignment} is out of {max_score:g}"
            )
    except ValueError:
        warnings.append(f"the Points Possible of {column!r} is {points_cell!r}, not a number")

    id_index = header.index("ID")
    # Roster text (names a student may set) is echoed back inert by `inert_csv`, for the spreadsheet a TA may open
    # the file in; Canvas matches rows by ID, digits, which stay as they are. Scores, numbers, stay plain.
    table: list[list[str | float]] = [[*(header[i] for i in info), column]]
    if points:
        table.append([*(points[i] for i in info), points_cell])
    scored: list[RosterStudent] = []
    no_submission: list[RosterStudent] = []
    not_graded: list[RosterStudent] = []
    for row in rows:
        student = RosterStudent(name_of(row), row[id_index].strip())
        result = graded.results.get(student.id)
        cell: str | float = ""
        if result is None:
            no_submission.append(student)
        elif result.status == Status.INVALID:
            not_graded.append(student)
        else:
            scored.append(student)
            cell = round(result.score, 2)
        table.append([*(row[i] for i in info), cell])
    ids = {row[id_index].strip() for row in rows}
    unmatched = tuple(sorted(stem for stem in graded.results if stem not in ids))
    if graded.results and len(unmatched) == len(graded.results):
        raise CanvasError(
            f"None of the {len(unmatched)} submissions in {out} is a roster ID (e.g. "
            f"{unmatched[0]!r}); grade the folder `cnngrade collect canvas` wrote, "
            "named by Canvas user id."
        )
    write_atomic(into, inert_csv(table, delimiter))
    return CanvasExport(
        into,
        graded.assignment,
        column,
        index is None,
        tuple(scored),
        tuple(no_submission),
        tuple(not_graded),
        unmatched,
        tuple(warnings),
    )


def _students(students: tuple[RosterStudent, ...]) -> str:
    return "; ".join(f"{student.name} ({student.id})" for student in students)


def render_collection(collection: CanvasCollection) -> str:
    late = sum(file.late for file in collection.collected)
    lines = [
        f"collected {len(collection.collected)} notebooks into {collection.into}, one per student, "
        f"named by Canvas user id ({late} late)"
    ]
    if collection.superseded:
        lines.append("older files of the same student, not graded:")
        lines.extend(f"  {file.name}" for file in collection.superseded)
    if collection.skipped:
        lines.append("skipped:")
        lines.extend(f"  {skip.name}: {skip.reason}" for skip in collection.skipped)
    return screen(lines)  # file names and reasons are the students' (Canvas keeps the name they uploaded)


def render_export(export: CanvasExport) -> str:
    total = len(export.scored) + len(export.no_submission) + len(export.not_graded)
    lines = [
        f"wrote {export.path}: {export.assignment} scores in column {export.column!r} for "
        f"{len(export.scored)} of {total} roster students"
    ]
    if export.no_submission:
        lines.append(f"no submission (left empty): {_students(export.no_submission)}")
    if export.not_graded:
        lines.append(f"not gradable, left empty (see results/<ID>.json in OUT): {_students(export.not_graded)}")
    if export.unmatched:
        lines.append(f"graded but not on the roster (not exported): {', '.join(export.unmatched)}")
    lines.extend(f"warning: {warning}" for warning in export.warnings)
    lines.append(f"next: Canvas > Grades > Import, and upload {export.path.name}")
    return screen(lines)  # roster names, column names and submission names are not ours


__all__ = [
    "CanvasCollection",
    "CanvasExport",
    "CanvasFile",
    "RosterStudent",
    "collect_canvas_submissions",
    "export_canvas",
    "parse_canvas_name",
    "render_collection",
    "render_export",
]
