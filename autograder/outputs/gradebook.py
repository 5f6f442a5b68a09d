"""gradebook.csv: one row per submission, text made inert for the spreadsheet it is opened in, and read back."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from autograder.model import SubmissionResult
from autograder.outputs.files import write_atomic
from autograder.outputs.inert import inert_csv, read_inert_csv

GRADEBOOK = "gradebook.csv"
GRADEBOOK_FIXED = ("submission", "score", "max_score", "status", "message", "late")
LATE = "yes"  # the late column's value for a late submission; empty otherwise (and where no collect said)


def gradebook_csv(
    results: Iterable[SubmissionResult], questions: Sequence[str], late: Collection[str] = frozenset()
) -> str:
    """submission, score, max_score, status, message, late, then one column per question; sorted by name.

    `late` names the submissions a collect found late. Text is made inert for the spreadsheet a TA opens it in
    (`gradebook_rows` undoes that); numbers stay plain."""
    rows: list[list[str | float]] = [[*GRADEBOOK_FIXED, *questions]]
    for result in sorted(results, key=lambda r: r.submission):
        per_question = result.question_scores()
        rows.append(
            [
                result.submission,
                result.score,
                result.max_score,
                result.status,
                result.message,
                LATE if result.submission in late else "",
                *(per_question.get(q, 0.0) for q in questions),
            ]
        )
    return inert_csv(rows)


def gradebook_row(result: SubmissionResult) -> dict[str, Any]:
    """What the gradebook shows of RESULT but its name and late mark, as plain JSON (kept in the records' index)."""
    return {
        "score": result.score,
        "max_score": result.max_score,
        "status": str(result.status),
        "message": result.message,
        "questions": result.question_scores(),
    }


def gradebook_header(questions: Sequence[str]) -> str:
    return inert_csv([[*GRADEBOOK_FIXED, *questions]])


def gradebook_line(name: str, row: Mapping[str, Any], questions: Sequence[str], late: bool) -> str:
    """One row of the gradebook, as `gradebook_csv` writes it, from `gradebook_row`'s ROW."""
    per_question = row["questions"]
    return inert_csv(
        [
            [
                name,
                float(row["score"]),
                float(row["max_score"]),
                str(row["status"]),
                str(row["message"]),
                LATE if late else "",
                *(float(per_question.get(q, 0.0)) for q in questions),
            ]
        ]
    )


def write_gradebook(
    path: Path, results: Iterable[SubmissionResult], questions: Sequence[str], late: Collection[str] = frozenset()
) -> Path:
    write_atomic(path, gradebook_csv(results, questions, late))
    return path


def gradebook_rows(lines: Iterable[str]) -> list[dict[str, str]]:
    """The rows of a gradebook.csv, each text cell as it was before `gradebook_csv` made it inert."""
    header, *rows = read_inert_csv(lines) or [[]]
    return [dict(zip(header, row)) for row in rows]


__all__ = [
    "GRADEBOOK",
    "GRADEBOOK_FIXED",
    "LATE",
    "gradebook_csv",
    "gradebook_header",
    "gradebook_line",
    "gradebook_row",
    "gradebook_rows",
    "write_gradebook",
]
