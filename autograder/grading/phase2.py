"""Phase 2, in the trusted process: what phase 1 recorded, checked case by case into one gradebook row."""

from __future__ import annotations

import marshal
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from autograder.checks import codec
from autograder.checks.answers import RecordedAnswers
from autograder.checks.core import Case, CheckFailed
from autograder.course import Assignment
from autograder.grading.executor import Phase1Outcome
from autograder.grading.version import grader_version
from autograder.model import NOT_GRADED, CaseResult, Status, SubmissionResult
from autograder.outputs.inert import printable, readable

# A message the student reads for one case: enough for any real feedback, small whatever the answer.
MESSAGE_CAP = 2000
UNCHECKABLE = "This answer could not be checked (the check met "


def shorten_message(text: str, limit: int = MESSAGE_CAP) -> str:
    """At most `limit` characters: the head and the tail, and how much was cut between them."""
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    return f"{text[:keep]} [... {len(text) - 2 * keep} characters cut ...] {text[-keep:]}"


def score_cases(cases: Sequence[Case], answers: Any, unavailable: str = "") -> tuple[CaseResult, ...]:
    """Phase 2: run each case on recorded answers; a case that fails scores 0 with its message.

    A check that raises anything but CheckFailed met data it was not written for: that case
    scores 0 and says so, and the other cases still run."""
    results = []
    for case in cases:
        mistake = ""
        if unavailable:
            score, message = 0.0, unavailable
        else:
            try:
                case.check(answers)
                score, message = case.points, case.success or "Passed."
            except CheckFailed as failure:
                score, message, mistake = 0.0, str(failure), failure.mistake
            except Exception as error:
                score, message = (
                    0.0,
                    (
                        f"{UNCHECKABLE}{type(error).__name__}). Check that the answer is a "
                        "number, or numbers of the kind the question asks for, of a sensible size."
                    ),
                )
        # A message may quote the student's own text (an exception's): no control or bidi character
        # of it reaches results.json (it must stay encodable) or whoever prints it.
        results.append(
            CaseResult(
                case.id,
                case.title,
                case.question,
                score,
                case.points,
                case.hidden,
                shorten_message(readable(message)),
                shorten_message(readable(mistake), 200),
            )
        )
    return tuple(results)


MALFORMED = "Your notebook's answers could not be read (malformed result)."


def _score_recorded(cases: Sequence[Case], values: Any, calls: Any) -> tuple[CaseResult, ...] | None:
    """Every case scored on the recorded values and calls; None when the record is malformed."""
    try:
        answers = RecordedAnswers(values, calls)
    except (codec.MalformedData, RecursionError):
        return None
    return score_cases(cases, answers)


class _ScoreMemo:
    """The cases' results for answers already scored in this run, reused for the same answers.

    Scoring is a function of the cases and the recorded values and calls alone (the checks see
    nothing else, and their reference side is fixed for the run), and many notebooks of a class
    record exactly the same answers. The key is the answers' marshal bytes: the same bytes only for
    the same types, the same float bits and the same order, so a reused row is the row scoring would
    make. It holds one run's cases and at most LIMIT answer sets of at most KEY_BYTES each (an honest
    set is a few KB): memory stays small and flat in the class size, whatever a notebook records."""

    LIMIT = 256
    KEY_BYTES = 32 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cases: Sequence[Case] | None = None
        self._rows: OrderedDict[bytes, tuple[CaseResult, ...] | None] = OrderedDict()

    def scored(self, cases: Sequence[Case], values: Any, calls: Any) -> tuple[CaseResult, ...] | None:
        try:
            key = marshal.dumps((values, calls))
        except ValueError:  # nested too deep for marshal: scored without the memo
            return _score_recorded(cases, values, calls)
        if len(key) > self.KEY_BYTES:
            return _score_recorded(cases, values, calls)
        with self._lock:
            if self._cases is cases and key in self._rows:
                self._rows.move_to_end(key)
                return self._rows[key]
        scored = _score_recorded(cases, values, calls)
        with self._lock:
            if self._cases is not cases:
                self._cases, self._rows = cases, OrderedDict()
            self._rows[key] = scored
            if len(self._rows) > self.LIMIT:
                self._rows.popitem(last=False)
        return scored


_SCORES = _ScoreMemo()


def _cell_note(error: dict[str, Any]) -> str:
    message = str(error.get("message"))[:200]
    if error.get("refused") is True:  # a line grading does not run (a shell command, %pip, ...)
        return f"cell {error.get('cell')}: {message}"
    return f"cell {error.get('cell')} raised {error.get('error')}: {message}"


def _cell_error_notes(data: dict[str, Any]) -> tuple[list[str], bool, bool]:
    """The notes on the first cells that failed; whether one ran out of memory; whether all were refusals."""
    errors = data.get("cell_errors")
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    notes = [_cell_note(e) for e in errors[:3]]
    if len(errors) > 3:
        notes.append(f"and {len(errors) - 3} more cells raised errors")
    only_refusals = all(e.get("refused") is True for e in errors)
    return notes, any(e.get("error") == "MemoryError" for e in errors), only_refusals


def _row_status(outcome: Phase1Outcome) -> tuple[Status, str]:
    if outcome.status != Status.OK or outcome.data is None:
        return outcome.status, outcome.message
    notes, out_of_memory, only_refusals = _cell_error_notes(outcome.data)
    if out_of_memory:
        return Status.MEMORY, "A cell ran out of memory (" + "; ".join(
            notes
        ) + "). The other answers were still graded."
    if notes and only_refusals:
        return Status.OK, "Some lines were not run when graded (" + "; ".join(notes) + ")."
    if notes:
        return Status.OK, "Some cells raised errors (" + "; ".join(notes) + "); the other cells still ran."
    return Status.OK, ""


def grade_outcome(
    submission: str, homework: Assignment, seed: int, cases: Sequence[Case], outcome: Phase1Outcome
) -> SubmissionResult:
    """Phase 2 for one submission: validate what phase 1 recorded, then score every case."""
    try:
        return _grade_outcome(submission, homework, seed, cases, outcome)
    except Exception as error:
        message = f"Your notebook's answers could not be graded ({type(error).__name__})."
        return ungraded_result(submission, homework, seed, cases, Status.CRASH, message, outcome.seconds)


def _grade_outcome(
    submission: str, homework: Assignment, seed: int, cases: Sequence[Case], outcome: Phase1Outcome
) -> SubmissionResult:
    status, message = _row_status(outcome)
    if outcome.data is None:
        scored = score_cases(cases, None, NOT_GRADED + outcome.message)
    else:
        recorded = _SCORES.scored(cases, outcome.data.get("values"), outcome.data.get("calls"))
        if recorded is None:
            status, message = Status.CRASH, MALFORMED
            recorded = score_cases(cases, None, NOT_GRADED + message)
        scored = recorded
    output = outcome.data.get("output") if outcome.data else ""
    if status == Status.OK and any(case.message.startswith(UNCHECKABLE) for case in scored):
        status, message = Status.INVALID, "Some answers could not be checked: see the cases that say so."
    return SubmissionResult(
        submission,
        homework.name,
        status,
        shorten_message(printable(message)),
        scored,
        seed,
        grader_version(),
        # The notebook's own text, whatever it printed: a lone surrogate or an escape in it would make every file it
        # reaches unencodable (the class report, results.json) or steer whoever prints it.
        readable(output[:4000]) if isinstance(output, str) else "",
        round(outcome.seconds, 3),
    )


def ungraded_result(
    submission: str,
    homework: Assignment,
    seed: int,
    cases: Sequence[Case],
    status: Status,
    message: str,
    seconds: float = 0.0,
) -> SubmissionResult:
    """A row whose every case scores 0 and says why nothing was graded."""
    return SubmissionResult(
        submission,
        homework.name,
        status,
        message,
        score_cases(cases, None, NOT_GRADED + message),
        seed,
        grader_version(),
        "",
        round(seconds, 3),
    )


def invalid_result(
    submission: str, homework: Assignment, seed: int, cases: Sequence[Case], problem: str
) -> SubmissionResult:
    message = printable(f"Your notebook could not be read: {problem}")
    return ungraded_result(submission, homework, seed, cases, Status.INVALID, message)


__all__ = [
    "MESSAGE_CAP",
    "UNCHECKABLE",
    "grade_outcome",
    "invalid_result",
    "score_cases",
    "shorten_message",
    "ungraded_result",
]
