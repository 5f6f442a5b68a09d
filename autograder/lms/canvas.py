"""Canvas both ways: collect a "Download Submissions" zip for grading; export scores as a gradebook import CSV."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.errors import CannotAccess, CanvasError
from autograder.intake.collected import NOTES, CollectedNote, write_notes
from autograder.intake.roster import read_roster
from autograder.intake.uploads import Entry, Skipped, StudentBudget, Unusable, entry_text
from autograder.lms.canvas_zip import Budget, entries
from autograder.model import Status
from autograder.outputs.files import write_atomic, write_bytes_atomic
from autograder.outputs.folder import grade_wrote, read_out
from autograder.outputs.inert import inert_csv, printable, screen

# Canvas (lib/content_zipper.rb) names each file "<name>[_LATE]_<user id>_<attachment id>_<filename>".
# <name> is the sortable name lowercased with every non-word character dropped and any "_<digits>_"
# squeezed out, so the first "_<digits>_<digits>_" is the two ids: Canvas reads its own names back
# the same way. <filename> is what the student uploaded, "-1" added by Canvas to a repeated name.
# The ids are ASCII digits only (\d would take any script's digits, and a user id names the file collect writes).
# The name is matched loosely and then checked (`_is_word`): the earliest split whose name is all word characters,
# as a lazy \w*? would find, because no later split can drop a character that is not one.
_CANVAS_NAME = re.compile(r"(?P<name>.*?)(?P<late>_LATE)?_(?P<user>[0-9]+)_(?P<attachment>[0-9]+)_(?P<filename>.+)")
# With anonymous grading the id is "anon_<5 characters>", which can be all digits: never a user id.
_ANONYMOUS = re.compile(r"(LATE_)?anon_")
# The zip a notebook's export cell (Otter) names "<stem>_YYYY_MM_DDTHH_MM_SS_ffffff.zip": the pattern above reads the
# year and month as user and attachment ids, leaving this for <filename>. Canvas adds its parts before the whole
# uploaded name, so a file a download holds never ends up with only this left.
_OTTER_STAMP_REST = re.compile(r"[0-9]{2}T[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{6}\.zip", re.IGNORECASE)
_WORD_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Pc"})
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
    # What an earlier collect had written into INTO, by file name: rewritten with other bytes, with the same
    # bytes, and removed (that student has no notebook in this download).
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


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


def _is_word(text: str) -> bool:
    """Whether every character is one Canvas keeps in a name: Ruby's [[:word:]], letters, marks, digits and connector
    punctuation. Python's \\w leaves out the marks, and Devanagari, Bengali or Thai names are written with them."""
    return all(char.isalnum() or unicodedata.category(char) in _WORD_CATEGORIES for char in text)


def _is_otter_export(match: re.Match[str]) -> bool:
    """Whether a name Canvas's pattern took apart is a notebook's own export zip, its time stamp read as ids."""
    return not match["late"] and _OTTER_STAMP_REST.fullmatch(match["filename"]) is not None


def parse_canvas_name(name: str) -> CanvasFile | None:
    """The parts of a Canvas download's file name, or None when it is not one (or has no user id)."""
    match = None if _ANONYMOUS.match(name) else _CANVAS_NAME.fullmatch(name)
    if match is None or not _is_word(match["name"]) or _is_otter_export(match):
        return None
    return CanvasFile(
        name, match["name"], bool(match["late"]), match["user"], int(match["attachment"]), match["filename"]
    )


def _check_into(into: Path, source: Path) -> list[str]:
    """The notebooks an earlier collect wrote into INTO, which this one replaces; raises if INTO holds anything
    else (the notes file, `intake.collected.NOTES`, is an earlier collect's too)."""
    if source.is_dir() and into.resolve().is_relative_to(source.resolve()):
        raise CanvasError(f"{into} is inside the download {source}; collect into a folder outside it.")
    if not into.exists():
        return []
    if not into.is_dir():
        raise CanvasError(f"{into} is a file; give a folder to collect into.")
    # Only ever replace what an earlier collect wrote, so no file of the TA's is lost or graded.
    others = sorted(
        path.name
        for path in into.iterdir()
        if not _COLLECTED.fullmatch(path.name) and not (path.name == NOTES and not path.is_dir())
    )
    if others:
        raise CanvasError(
            f"{into} holds other files ({', '.join(printable(name) for name in others[:3])}); collect into an "
            "empty or new folder, or one an earlier `collect canvas` wrote."
        )
    return sorted(path.name for path in into.iterdir() if _COLLECTED.fullmatch(path.name))


def _holds(path: Path, data: bytes) -> bool:
    """Whether PATH, a notebook an earlier collect wrote, holds exactly DATA (read one file at a time)."""
    try:
        return (
            path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
        )
    except OSError:
        return False


def collect_canvas_submissions(*, source: Path, into: Path) -> CanvasCollection:
    """Copy each student's latest notebook from a Canvas download (zip or folder) to INTO/<user id>.ipynb, and note
    beside them who each is and whether Canvas marked the file late (`intake.collected`)."""
    if not source.exists():
        raise CanvasError(f"No Canvas download at {source}.")
    previous = _check_into(into, source)
    with ExitStack() as stack:
        notebooks, superseded, skipped = _gather(entries(source, stack))
    if not notebooks:
        reasons = printable("; ".join(f"{s.name}: {s.reason}" for s in skipped[:3])) or "it is empty"
        raise CanvasError(f"No student notebook in {source} ({reasons}).")
    texts = {f"{user_id}.ipynb": text for user_id, (_, text) in notebooks.items()}
    removed = tuple(name for name in previous if name not in texts)
    for name in removed:
        (into / name).unlink()
    changed: list[str] = []
    unchanged: list[str] = []
    for name, text in sorted(texts.items()):
        data = text.encode("utf-8")
        if name in previous:
            (unchanged if _holds(into / name, data) else changed).append(name)
        write_bytes_atomic(into / name, data)
    # After the notebooks: each note records the sha256 of the file it describes, read back from disk.
    write_notes(
        into, {user_id: CollectedNote(parsed.late, parsed.student) for user_id, (parsed, _) in notebooks.items()}
    )
    collected = sorted((parsed for parsed, _ in notebooks.values()), key=lambda f: f.name)
    return CanvasCollection(
        into,
        tuple(collected),
        tuple(sorted(superseded, key=lambda f: f.name)),
        tuple(sorted(skipped, key=lambda s: s.name)),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        removed=removed,
    )


def _gather(files: Iterator[Entry]) -> tuple[dict[str, tuple[CanvasFile, str]], list[CanvasFile], list[Skipped]]:
    """Each student's latest readable notebook by user id, their older files, and every file left out."""
    skipped: list[Skipped] = []
    candidates: dict[str, list[tuple[CanvasFile, Entry]]] = {}
    for entry in files:
        parsed = parse_canvas_name(entry.name)
        where = entry.path or entry.name  # a file in a subfolder is shown where it is, for the TA to find
        if entry.problem:
            skipped.append(Skipped(where, entry.problem))
        elif parsed is None:
            skipped.append(Skipped(where, _why_not_canvas(entry.name)))
        elif not parsed.filename.lower().endswith(_GRADABLE):
            suffix = PurePosixPath(parsed.filename).suffix or "no extension"
            skipped.append(Skipped(where, f"not a notebook ({suffix})"))
        else:
            candidates.setdefault(parsed.user_id, []).append((parsed, entry))
    notebooks: dict[str, tuple[CanvasFile, str]] = {}
    superseded: list[CanvasFile] = []
    # What is kept, over the class: the notebooks held in memory until they are written.
    kept = Budget()
    for user_id, uploads in candidates.items():
        # What is read, per student, kept or refused: one student's many large bad files use up their own share
        # only, never the class's, so every student after them is still read.
        budget = StudentBudget()
        # Latest first; a later file that holds no readable notebook does not hide an earlier one.
        for parsed, entry in sorted(uploads, key=lambda item: -item[0].attachment_id):
            if user_id in notebooks:
                superseded.append(parsed)
                continue
            try:  # one file: whatever is wrong with it skips it, not the class
                if entry.size > budget.left:
                    raise Unusable(budget.spent())  # not even read: the size it declares is already too much
                text = entry_text(entry, budget)
                kept.take(len(text.encode("utf-8")))
                notebooks[user_id] = (parsed, text)
            except Unusable as problem:
                skipped.append(Skipped(entry.path or entry.name, str(problem)))
    return notebooks, superseded, skipped


def _why_not_canvas(name: str) -> str:
    if _ANONYMOUS.match(name):
        return "anonymous grading hides the Canvas user id; turn it off before downloading"
    match = _CANVAS_NAME.fullmatch(name)
    if match is not None and _is_otter_export(match):
        return (
            "looks like a notebook's own export zip (<name>_YYYY_MM_DDTHH_MM_SS_ffffff.zip), not a file from Canvas's "
            '"Download Submissions" (which adds <name>_<user id>_<attachment id>_ before it)'
        )
    return "the name is not Canvas's <name>[_LATE]_<user id>_<attachment id>_<file name>"


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


def _check_export_into(out: Path, into: Path) -> None:
    # OUT/gradebook.csv replaced by the import would lose the grades; a new OUT/run.json, the next run's seed.
    inside = grade_wrote(out, into)
    if inside is not None:
        what = "is" if into.resolve() == (out / inside).resolve() else "is inside"
        raise CanvasError(
            f"--into {into} {what} the graded folder's {inside}, which `cnngrade grade` wrote; give another "
            f"file, e.g. --into {out.parent / 'canvas-import.csv'}."
        )
    if into.is_dir():
        raise CanvasError(
            f"--into {into} is a folder; give the CSV file to write, e.g. --into {into / 'canvas-import.csv'}."
        )


def _write_export(into: Path, text: str) -> None:
    try:
        write_atomic(into, text)
    except OSError as exc:
        # A read-only folder, a parent that is a file, a full disk: the TA's to fix, in one line (exit 4).
        raise CannotAccess(
            f"cannot write {into} ({exc.strerror or type(exc).__name__}); give --into a file in a folder you can write to."
        ) from None


def export_canvas(*, out: Path, roster: Path, assignment_column: str | None, into: Path) -> CanvasExport:
    """Write INTO, a Canvas gradebook import: the roster's student columns and the assignment's scores from OUT."""
    graded = read_out(out)
    _check_export_into(out, into)
    if into.resolve() == roster.resolve():
        raise CanvasError(f"--into {into} is the roster itself; write the import to another file.")
    read = read_roster(roster)
    header, delimiter, points, rows = read.header, read.delimiter, read.points, read.rows
    index = _choose_column(header, graded.assignment, assignment_column)
    column = header[index] if index is not None else graded.assignment
    info = [i for i, name in enumerate(header) if name in INFO_COLUMNS]
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

    # Roster text (names a student may set) is echoed back inert by `inert_csv`, for the spreadsheet a TA may open
    # the file in; Canvas matches rows by ID, digits, which stay as they are. Scores, numbers, stay plain.
    table: list[list[str | float]] = [[*(header[i] for i in info), column]]
    if points:
        table.append([*(points[i] for i in info), points_cell])
    scored: list[RosterStudent] = []
    no_submission: list[RosterStudent] = []
    not_graded: list[RosterStudent] = []
    for row in rows:
        student = RosterStudent(read.name(row), read.user_id(row))
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
    ids = {read.user_id(row) for row in rows}
    unmatched = tuple(sorted(stem for stem in graded.results if stem not in ids))
    if graded.results and len(unmatched) == len(graded.results):
        raise CanvasError(
            f"None of the {len(unmatched)} submissions in {out} is a roster ID (e.g. "
            f"{unmatched[0]!r}); grade the folder `cnngrade collect canvas` wrote, "
            "named by Canvas user id."
        )
    _write_export(into, inert_csv(table, delimiter))
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


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' * (number != 1)}"


def _replacements(collection: CanvasCollection) -> list[str]:
    """What this collect did to the notebooks an earlier one wrote into the same folder: never silent."""
    replaced = len(collection.changed) + len(collection.unchanged)
    removed = collection.removed
    parts = []
    if replaced:
        parts.append(
            f"replaced {_count(replaced, 'notebook')} an earlier collect wrote "
            f"({len(collection.changed)} changed, {len(collection.unchanged)} the same)"
        )
    if removed:
        what = str(len(removed)) if replaced else f"{_count(len(removed), 'notebook')} an earlier collect wrote,"
        parts.append(f"removed {what} no longer in the download: {', '.join(removed)}")
    return ["; ".join(parts)] if parts else []


def render_collection(collection: CanvasCollection) -> str:
    late = [file for file in collection.collected if file.late]
    lines = [
        f"collected {_count(len(collection.collected), 'notebook')} into {collection.into}, one per student, "
        f"named by Canvas user id ({len(late)} late)"
    ]
    if late:
        # The name as Canvas's file name gives it (lowercased, punctuation dropped), then the user id.
        lines.append("late: " + "; ".join(f"{file.student or '(no name)'} ({file.user_id})" for file in late))
    lines.extend(_replacements(collection))
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
    "INFO_COLUMNS",
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
