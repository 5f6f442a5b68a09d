"""A plain-text gradebook for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from autograder.model import SubmissionResult
from autograder.outputs.inert import printable, screen


def render(results: Sequence[SubmissionResult], questions: Sequence[str], width: int = 60) -> str:
    header = ["submission", "score", "status", *questions, "message"]
    rows = [header]
    for result in results:
        scores = result.question_scores()
        rows.append(
            [
                printable(result.submission),
                f"{result.score:g}/{result.max_score:g}",
                result.status,
                *(f"{scores.get(q, 0):g}" for q in questions),
                one_line(result.message, width),
            ]
        )
    # Cells are escaped before widths are measured, so a student's escape sequence cannot skew the columns.
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return screen(lines)


def one_line(text: str, width: int) -> str:
    """`text` on one printable line of at most `width` characters, cut with an ellipsis."""
    text = printable(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["one_line", "render"]
