"""Write grading results out: Gradescope results.json per submission and the gradebook CSV."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from .files import write_atomic
from .outputs.inert import inert_csv
from .results import OK, SubmissionResult

GRADEBOOK_FIXED = ("submission", "score", "max_score", "status", "message")


def gradescope_dict(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's results.json: score, tests with name/score/max_score/output/visibility."""
    tests = [{
        "name": f"{case.question}: {case.title}",
        "score": case.score,
        "max_score": case.max_score,
        "status": "passed" if case.score == case.max_score else "failed",
        "output": case.message,
        # Hidden cases reach the student once grades are published, with their feedback.
        "visibility": "after_published" if case.hidden else "visible",
    } for case in result.cases]
    summary = result.message if result.status != OK else (result.message or "Graded.")
    return {
        "score": result.score,
        "output": summary,
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"submission": result.submission, "assignment": result.assignment,
                       "status": result.status, "seed": result.seed,
                       "grader_version": result.grader_version},
    }


def write_result_json(directory: Path, result: SubmissionResult) -> Path:
    path = directory / f"{result.submission}.json"
    write_atomic(path, json.dumps(gradescope_dict(result), indent=2, sort_keys=True) + "\n")
    return path


def gradebook_csv(results: Iterable[SubmissionResult], questions: Sequence[str]) -> str:
    """submission, score, max_score, status, message, then one column per question; sorted by name.

    Text is made inert for the spreadsheet a TA opens it in (`graded.read_out` undoes that); numbers stay plain."""
    rows: list[list[str | float]] = [[*GRADEBOOK_FIXED, *questions]]
    for result in sorted(results, key=lambda r: r.submission):
        per_question = result.question_scores()
        rows.append([result.submission, result.score, result.max_score, result.status, result.message,
                     *(per_question.get(q, 0.0) for q in questions)])
    return inert_csv(rows)


def write_gradebook(path: Path, results: Iterable[SubmissionResult], questions: Sequence[str]) -> Path:
    write_atomic(path, gradebook_csv(results, questions))
    return path
