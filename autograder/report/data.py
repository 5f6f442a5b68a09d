"""What the class report shows, computed from graded results alone: summary, tallies, statuses; no I/O."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from autograder.model import NOT_GRADED, CaseResult, Status, SubmissionResult, slowest

# grade.score_cases gives every case of a notebook it could not grade this prefix: those cases are
# about the notebook's status (listed in their own section), not about an answer worth discussing.
TALLIES_SHOWN = 8
# Failure messages name the hidden input or the wrong value ("on a 8x7 image", "is 208"); without
# the numbers the same kind of failure from different students and probes falls into one group.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class RunInfo:
    """OUT/run.json: what the folder was graded with."""

    assignment: str
    seed: int
    grader_version: str
    sandboxed: bool


@dataclass(frozen=True)
class Tally:
    """One known wrong variant (or one kind of failure message) in one question, and who hit it."""

    text: str  # the mistake's name, or the first of the grouped messages
    students: tuple[str, ...]
    cases: int
    variants: int = 1  # distinct messages grouped under `text` (they differ only in numbers)


@dataclass(frozen=True)
class QuestionStats:
    name: str
    max_score: float
    scores: tuple[float, ...]  # one per submission
    mean: float
    full_marks: int
    zeros: int
    mistakes: tuple[Tally, ...]
    more_mistakes: int  # tallies left out of `mistakes` to keep the page short
    failures: tuple[Tally, ...]
    more_failures: int


@dataclass(frozen=True)
class StatusGroup:
    status: str
    submissions: tuple[tuple[str, str], ...]  # (submission, message), by name


@dataclass(frozen=True)
class ClassReport:
    run: RunInfo
    results: tuple[SubmissionResult, ...]  # by submission name
    max_score: float
    mean: float
    median: float
    highest: float
    lowest: float
    status_counts: tuple[tuple[str, int], ...]  # every status, in tuple(Status) order
    questions: tuple[QuestionStats, ...]
    not_ok: tuple[StatusGroup, ...]  # only the statuses some submission has, other than ok
    slowest: tuple[SubmissionResult, ...]
    # Who each submission is, where a roster or a collect said ("Lovelace, Ada (101)"); else its own name.
    names: Mapping[str, str] = field(default_factory=dict)
    late: frozenset[str] = frozenset()  # submissions graded as late (the gradebook's late column)

    def shown(self, submission: str) -> str:
        return self.names.get(submission, submission)


def name_key(name: str) -> tuple[str, str]:
    """Names in the order a person expects (case-insensitive), then exactly: a total order, so the same folder
    always gives the same page."""
    return (name.casefold(), name)


def question_names(results: Iterable[SubmissionResult]) -> tuple[str, ...]:
    """The questions in the order the grader lists its cases."""
    names: dict[str, None] = {}
    for result in results:
        for case in result.cases:
            names.setdefault(case.question, None)
    return tuple(names)


def failed(case: CaseResult) -> bool:
    return case.score < case.max_score


def _top(tallies: list[Tally]) -> tuple[tuple[Tally, ...], int]:
    ordered = sorted(tallies, key=lambda t: (-len(t.students), -t.cases, t.text))
    return tuple(ordered[:TALLIES_SHOWN]), max(0, len(ordered) - TALLIES_SHOWN)


def mistake_tallies(
    results: Sequence[SubmissionResult], question: str, order: Callable[[str], tuple[str, str]] = name_key
) -> list[Tally]:
    """How many students matched each known wrong variant in this question, most frequent first."""
    who: dict[str, set[str]] = defaultdict(set)
    cases: dict[str, int] = defaultdict(int)
    for result in results:
        for case in result.cases:
            if case.question == question and case.mistake and failed(case):
                who[case.mistake].add(result.submission)
                cases[case.mistake] += 1
    return [Tally(mistake, tuple(sorted(who[mistake], key=lambda s: (order(s), s))), cases[mistake]) for mistake in who]


def failure_tallies(
    results: Sequence[SubmissionResult], question: str, order: Callable[[str], tuple[str, str]] = name_key
) -> list[Tally]:
    """Failed cases with no named mistake, grouped by their message with the numbers taken out."""
    who: dict[str, set[str]] = defaultdict(set)
    cases: dict[str, int] = defaultdict(int)
    messages: dict[str, set[str]] = defaultdict(set)
    for result in results:
        for case in result.cases:
            if case.question != question or case.mistake or not failed(case) or case.message.startswith(NOT_GRADED):
                continue
            key = _NUMBER.sub("#", case.message)
            who[key].add(result.submission)
            cases[key] += 1
            messages[key].add(case.message)
    return [
        Tally(min(messages[key]), tuple(sorted(who[key], key=lambda s: (order(s), s))), cases[key], len(messages[key]))
        for key in who
    ]


def question_stats(
    results: Sequence[SubmissionResult], question: str, order: Callable[[str], tuple[str, str]] = name_key
) -> QuestionStats:
    max_score = max(
        (round(sum(c.max_score for c in r.cases if c.question == question), 6) for r in results), default=0.0
    )
    scores = tuple(r.question_scores().get(question, 0.0) for r in results)
    mistakes, more_mistakes = _top(mistake_tallies(results, question, order))
    failures, more_failures = _top(failure_tallies(results, question, order))
    return QuestionStats(
        question,
        max_score,
        scores,
        statistics.fmean(scores) if scores else 0.0,
        full_marks=sum(1 for s in scores if s >= max_score),
        zeros=sum(1 for s in scores if s <= 0),
        mistakes=mistakes,
        more_mistakes=more_mistakes,
        failures=failures,
        more_failures=more_failures,
    )


def summarize(
    run: RunInfo,
    results: Iterable[SubmissionResult],
    names: Mapping[str, str] | None = None,
    late: Iterable[str] = (),
) -> ClassReport:
    """The report's numbers; NAMES, who each submission is, orders every list of students by what it shows; LATE
    names the submissions graded as late."""
    names = dict(names or {})

    def order(submission: str) -> tuple[str, str]:
        return name_key(names.get(submission, submission))

    ordered = tuple(sorted(results, key=lambda r: (order(r.submission), r.submission)))
    totals = [r.score for r in ordered] or [0.0]
    not_ok = tuple(
        StatusGroup(status, tuple((r.submission, r.message) for r in ordered if r.status == status))
        for status in tuple(Status)
        if status != Status.OK and any(r.status == status for r in ordered)
    )
    # Ties broken by name, so the same folder always gives the same page.
    slowest_rows = tuple(slowest(ordered))
    return ClassReport(
        run=run,
        results=ordered,
        max_score=max((r.max_score for r in ordered), default=0.0),
        mean=statistics.fmean(totals),
        median=statistics.median(totals),
        highest=max(totals),
        lowest=min(totals),
        status_counts=tuple((status, sum(1 for r in ordered if r.status == status)) for status in tuple(Status)),
        questions=tuple(question_stats(ordered, q, order) for q in question_names(ordered)),
        not_ok=not_ok,
        slowest=slowest_rows,
        names=names,
        late=frozenset(late),
    )


__all__ = ["ClassReport", "QuestionStats", "RunInfo", "StatusGroup", "Tally", "name_key", "summarize"]
