"""What grading produces and everyone else reads: small frozen records and the statuses of a row.

Imports nothing of the project, so reading a finished folder never loads the grader."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

# How many of the slowest submissions a summary names (the terminal's and the report's).
SLOWEST_SHOWN = 5


class Status(str, Enum):
    """Why a row has the score it has. The value is what the gradebook, the records and results.json hold."""

    OK = "ok"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASH = "crash"
    INVALID = "invalid"

    def __str__(self) -> str:
        # Written into CSV cells and messages: the value, on every Python (3.12 changed format() of mixins).
        return self.value


# What a case's message starts with when its question was not graded (the notebook stopped first); the
# report counts those apart from answers that were checked and failed.
NOT_GRADED = "Not graded: "


@dataclass(frozen=True)
class CaseResult:
    """The score of one case and the message the student sees for it."""

    id: str
    title: str
    question: str
    score: float
    max_score: float
    hidden: bool
    message: str
    mistake: str = ""  # the known wrong variant the answer matched, for reports


@dataclass(frozen=True)
class SubmissionResult:
    """One row of the gradebook: a score, a status, and why."""

    submission: str
    assignment: str
    status: Status
    message: str
    cases: tuple[CaseResult, ...]
    seed: int
    grader_version: str
    output: str = ""
    seconds: float = field(default=0.0, compare=False)

    @property
    def score(self) -> float:
        return round(sum(case.score for case in self.cases), 6)

    @property
    def max_score(self) -> float:
        return round(sum(case.max_score for case in self.cases), 6)

    def question_scores(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for case in self.cases:
            totals[case.question] = round(totals.get(case.question, 0.0) + case.score, 6)
        return totals


def slowest(results: Iterable[SubmissionResult]) -> list[SubmissionResult]:
    return sorted(results, key=lambda result: (-result.seconds, result.submission))[:SLOWEST_SHOWN]


__all__ = ["NOT_GRADED", "SLOWEST_SHOWN", "CaseResult", "Status", "SubmissionResult", "slowest"]
