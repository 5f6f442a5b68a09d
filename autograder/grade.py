"""`cnngrade grade`: phase 1 in child processes, phase 2 (the checks) here, one row per submission."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Sequence

from .checks import codec
from .checks.answers import RecordedAnswers
from .checks.core import Case, CheckFailed
from .course import Assignment, assignment as find_assignment
from .errors import SubmissionsNotFound
from .executor import Executor, Job, LocalExecutor, Phase1Outcome
from .exports import write_gradebook, write_result_json
from .notebook import InvalidNotebook, read_code_cells
from .results import INVALID, MEMORY, OK, CaseResult, SubmissionResult
from .runner import probe_to_json

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3


@dataclass(frozen=True)
class GradeRun:
    """What one `cnngrade grade` produced, for the CLI to summarise."""

    assignment: str
    seed: int
    results: tuple[SubmissionResult, ...]
    questions: tuple[str, ...]
    gradebook: Path


def grader_version() -> str:
    return version("cnngrade")


def find_submissions(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SubmissionsNotFound(f"No submissions folder at {folder}.")
    notebooks = sorted(path for path in folder.iterdir() if path.suffix == ".ipynb" and path.is_file())
    if not notebooks:
        raise SubmissionsNotFound(f"No .ipynb files in {folder}.")
    return notebooks


def score_cases(cases: Sequence[Case], answers: Any, unavailable: str = "") -> tuple[CaseResult, ...]:
    """Phase 2: run each case on recorded answers; a case that fails scores 0 with its message."""
    results = []
    for case in cases:
        if unavailable:
            score, message = 0.0, unavailable
        else:
            try:
                case.check(answers)
                score, message = case.points, case.success or "Passed."
            except CheckFailed as failure:
                score, message = 0.0, str(failure)
        results.append(CaseResult(case.id, case.title, case.question, score, case.points, case.hidden, message))
    return tuple(results)


def _answers_from(data: dict[str, Any]) -> RecordedAnswers:
    return RecordedAnswers(data.get("values"), data.get("calls"))  # type: ignore[arg-type]


def _row_message(outcome: Phase1Outcome, data: dict[str, Any] | None) -> tuple[str, str]:
    if outcome.status != OK or data is None:
        return outcome.status, outcome.message[:1].upper() + outcome.message[1:] + " Nothing could be graded."
    errors = data.get("cell_errors") or []
    if not isinstance(errors, list):
        errors = []
    memory = [e for e in errors if isinstance(e, dict) and e.get("error") == "MemoryError"]
    notes = [f"cell {e.get('cell')} raised {e.get('error')}: {str(e.get('message'))[:120]}"
             for e in errors[:3] if isinstance(e, dict)]
    if len(errors) > 3:
        notes.append(f"and {len(errors) - 3} more cells raised errors")
    if memory:
        return MEMORY, ("A cell ran out of memory (" + "; ".join(notes) + "). The answers the notebook "
                        "defined were still graded.")
    if notes:
        return OK, "Some cells raised errors (" + "; ".join(notes) + "); the other cells still ran."
    return OK, ""


def grade_outcome(submission: str, homework: Assignment, seed: int, outcome: Phase1Outcome) -> SubmissionResult:
    """Phase 2 for one submission: validate what phase 1 returned, then score every case."""
    cases = homework.cases(seed)
    status, message = _row_message(outcome, outcome.data)
    answers, unavailable = None, ""
    if outcome.data is None:
        unavailable = "Not graded: " + outcome.message
    else:
        try:
            answers = _answers_from(outcome.data)
        except codec.MalformedData:
            status, message = "crash", "Your notebook's answers could not be read (malformed result)."
            unavailable = message
    scored = score_cases(cases, answers, unavailable)
    output = outcome.data.get("output", "") if outcome.data and isinstance(outcome.data.get("output"), str) else ""
    return SubmissionResult(submission, homework.name, status, message, scored, seed, grader_version(),
                            output[:4000], outcome.seconds)


def invalid_result(submission: str, homework: Assignment, seed: int, problem: str) -> SubmissionResult:
    message = f"Your notebook could not be read: {problem}"
    cases = score_cases(homework.cases(seed), None, "Not graded: " + message)
    return SubmissionResult(submission, homework.name, INVALID, message, cases, seed, grader_version())


def grade(*, assignment: str, submissions: Path, out: Path, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY,
          executor: Executor | None = None,
          on_result: Callable[[SubmissionResult], None] | None = None) -> GradeRun:
    """Grade every notebook in `submissions`, writing OUT/results/*.json and OUT/gradebook.csv."""
    homework = find_assignment(assignment)
    seed = secrets.randbits(32) if seed is None else seed
    notebooks = find_submissions(submissions)
    probes = {name: [probe_to_json(p) for p in items] for name, items in homework.probes(seed).items()}
    results: list[SubmissionResult] = []

    def finish(result: SubmissionResult) -> None:
        write_result_json(out / "results", result)
        results.append(result)
        if on_result:
            on_result(result)

    jobs = []
    for path in notebooks:
        try:
            cells = read_code_cells(path)
        except InvalidNotebook as problem:
            finish(invalid_result(path.stem, homework, seed, str(problem)))
            continue
        jobs.append(Job(path.stem, tuple(cells), homework.values, probes, timeout, memory_bytes))
    for job, outcome in (executor or LocalExecutor()).run(jobs):
        finish(grade_outcome(job.submission, homework, seed, outcome))
    questions = homework.questions()
    gradebook = write_gradebook(out / "gradebook.csv", results, questions)
    return GradeRun(homework.name, seed, tuple(sorted(results, key=lambda r: r.submission)), questions, gradebook)
