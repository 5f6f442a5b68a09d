"""What grading produces: small frozen records. Exporters live beside them, in exports.py."""
from __future__ import annotations

from dataclasses import dataclass, field

OK, TIMEOUT, MEMORY, CRASH, INVALID = "ok", "timeout", "memory", "crash", "invalid"
STATUSES = (OK, TIMEOUT, MEMORY, CRASH, INVALID)


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
    status: str
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
