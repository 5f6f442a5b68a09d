"""Gradescope's results.json for one submission: what `grade` writes per row and the zip's grader returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.model import Status, SubmissionResult
from autograder.outputs.files import write_bytes_atomic
from autograder.outputs.indented_json import indented_json

RESULTS = "results"


def gradescope_dict(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's results.json: score, tests with name/score/max_score/output/visibility."""
    tests = [
        {
            "name": f"{case.question}: {case.title}",
            "score": case.score,
            "max_score": case.max_score,
            "status": "passed" if case.score == case.max_score else "failed",
            "output": case.message,
            # Hidden cases reach the student once grades are published, with their feedback.
            "visibility": "after_published" if case.hidden else "visible",
        }
        for case in result.cases
    ]
    summary = result.message if result.status != Status.OK else (result.message or "Graded.")
    return {
        "score": result.score,
        "output": summary,
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            "submission": result.submission,
            "assignment": result.assignment,
            "status": result.status,
            "seed": result.seed,
            "grader_version": result.grader_version,
        },
    }


def result_json_path(directory: Path, result: SubmissionResult) -> Path:
    return directory / f"{result.submission}.json"


def result_json_bytes(result: SubmissionResult) -> bytes:
    return (indented_json(gradescope_dict(result)) + "\n").encode("utf-8")


def write_result_json(directory: Path, result: SubmissionResult) -> Path:
    path = result_json_path(directory, result)
    write_bytes_atomic(path, result_json_bytes(result), durable=True)
    return path


__all__ = ["RESULTS", "gradescope_dict", "result_json_bytes", "result_json_path", "write_result_json"]
