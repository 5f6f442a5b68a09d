"""`cnngrade grade`: phase 1 in forked children, phase 2 (the checks) here, one row per submission.

Results are written as each submission finishes; a rerun into the same folder reuses every
result whose inputs are unchanged, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Sequence

from . import records, sandbox
from .checks import codec
from .checks.answers import RecordedAnswers
from .checks.core import Case, CheckFailed
from .course import Assignment, assignment as find_assignment
from .errors import SubmissionsNotFound
from .executor import Executor, Job, LocalExecutor, Phase1Outcome
from .exports import write_gradebook, write_result_json
from .extraction import probe_to_json
from .files import write_atomic
from .notebook import InvalidNotebook, read_code_cells
from .results import CRASH, INVALID, MEMORY, OK, CaseResult, SubmissionResult

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3
RUN_FILE = "run.json"


@dataclass(frozen=True)
class GradeRun:
    """What one `cnngrade grade` produced, for the CLI to summarise."""

    assignment: str
    seed: int
    results: tuple[SubmissionResult, ...]
    questions: tuple[str, ...]
    gradebook: Path
    reused: int
    sandbox_warning: str = ""


@lru_cache(maxsize=1)
def grader_version() -> str:
    """The package version plus a hash of the checks and references: a fixed test changes it."""
    import autograder
    import solutions

    digest = hashlib.sha256()
    for package in (autograder, solutions):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return f"{version('cnngrade')}+{digest.hexdigest()[:10]}"


def find_submissions(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SubmissionsNotFound(f"No submissions folder at {folder}.")
    notebooks = sorted(path for path in folder.iterdir() if path.suffix == ".ipynb" and path.is_file())
    if not notebooks:
        raise SubmissionsNotFound(f"No .ipynb files in {folder}.")
    return notebooks


def resolve_seed(out: Path, assignment: str, seed: int | None) -> int:
    """An explicit seed; else the one this output folder was graded with; else a fresh one."""
    if seed is not None:
        return seed
    try:
        previous = json.loads((out / RUN_FILE).read_text())
        if previous.get("assignment") == assignment and isinstance(previous.get("seed"), int):
            return previous["seed"]
    except (OSError, ValueError):
        pass
    return secrets.randbits(32)


def score_cases(cases: Sequence[Case], answers: Any, unavailable: str = "") -> tuple[CaseResult, ...]:
    """Phase 2: run each case on recorded answers; a case that fails scores 0 with its message."""
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
        results.append(CaseResult(case.id, case.title, case.question, score, case.points, case.hidden, message,
                                  mistake))
    return tuple(results)


def _cell_error_notes(data: dict[str, Any]) -> tuple[list[str], bool]:
    errors = data.get("cell_errors")
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    notes = [f"cell {e.get('cell')} raised {e.get('error')}: {str(e.get('message'))[:120]}" for e in errors[:3]]
    if len(errors) > 3:
        notes.append(f"and {len(errors) - 3} more cells raised errors")
    return notes, any(e.get("error") == "MemoryError" for e in errors)


def _row_status(outcome: Phase1Outcome) -> tuple[str, str]:
    if outcome.status != OK or outcome.data is None:
        return outcome.status, outcome.message
    notes, out_of_memory = _cell_error_notes(outcome.data)
    if out_of_memory:
        return MEMORY, "A cell ran out of memory (" + "; ".join(notes) + "). The other answers were still graded."
    if notes:
        return OK, "Some cells raised errors (" + "; ".join(notes) + "); the other cells still ran."
    return OK, ""


def grade_outcome(submission: str, homework: Assignment, seed: int, cases: Sequence[Case],
                  outcome: Phase1Outcome) -> SubmissionResult:
    """Phase 2 for one submission: validate what phase 1 recorded, then score every case."""
    status, message = _row_status(outcome)
    answers, unavailable = None, ""
    if outcome.data is None:
        unavailable = "Not graded: " + outcome.message
    else:
        try:
            answers = RecordedAnswers(outcome.data.get("values"), outcome.data.get("calls"))  # type: ignore[arg-type]
        except codec.MalformedData:
            status, message = CRASH, "Your notebook's answers could not be read (malformed result)."
            unavailable = "Not graded: " + message
    output = outcome.data.get("output") if outcome.data else ""
    return SubmissionResult(submission, homework.name, status, message, score_cases(cases, answers, unavailable),
                            seed, grader_version(), output[:4000] if isinstance(output, str) else "",
                            round(outcome.seconds, 3))


def invalid_result(submission: str, homework: Assignment, seed: int, cases: Sequence[Case],
                   problem: str) -> SubmissionResult:
    message = f"Your notebook could not be read: {problem}"
    return SubmissionResult(submission, homework.name, INVALID, message,
                            score_cases(cases, None, "Not graded: " + message), seed, grader_version())


def grade(*, assignment: str, submissions: Path, out: Path, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY, probe_seconds: float = 2.0,
          force: bool = False, executor: Executor | None = None,
          on_start: Callable[[int, int], None] | None = None,
          on_result: Callable[[SubmissionResult], None] | None = None) -> GradeRun:
    """Grade every notebook in `submissions` into OUT/gradebook.csv and OUT/results/*.json."""
    homework = find_assignment(assignment)
    notebooks = find_submissions(submissions)
    seed = resolve_seed(out, homework.name, seed)
    executor = executor or LocalExecutor(sandbox=sandbox.detect())
    write_atomic(out / RUN_FILE, json.dumps({"assignment": homework.name, "seed": seed,
                                             "grader_version": grader_version(),
                                             "sandboxed": not executor.warning}, indent=2) + "\n")
    cases = homework.cases(seed)
    probes = {name: [probe_to_json(p) for p in items] for name, items in homework.probes(seed).items()}
    results: dict[str, SubmissionResult] = {}
    fingerprints: dict[str, records.Fingerprint] = {}

    def finish(result: SubmissionResult) -> None:
        records.save(out, fingerprints[result.submission], result)
        write_result_json(out / "results", result)
        results[result.submission] = result
        if on_result:
            on_result(result)

    jobs = []
    for path in notebooks:
        fingerprint = records.Fingerprint(records.content_hash(path), seed, grader_version(), timeout, memory_bytes)
        fingerprints[path.stem] = fingerprint
        previous = None if force else records.load(out, path.stem, fingerprint)
        if previous is not None:
            results[path.stem] = previous
            continue
        try:
            cells = read_code_cells(path)
        except InvalidNotebook as problem:
            jobs.append(invalid_result(path.stem, homework, seed, cases, str(problem)))
            continue
        jobs.append(Job(path.stem, tuple(cells), homework.values, probes, timeout, memory_bytes, probe_seconds))
    reused = len(results)
    if on_start:
        on_start(len(notebooks), reused)
    for item in [job for job in jobs if isinstance(job, SubmissionResult)]:
        finish(item)
    pending = [job for job in jobs if isinstance(job, Job)]
    for job, outcome in executor.run(pending):
        finish(grade_outcome(job.submission, homework, seed, cases, outcome))
    ordered = tuple(results[path.stem] for path in notebooks)
    gradebook = write_gradebook(out / "gradebook.csv", ordered, homework.questions())
    return GradeRun(homework.name, seed, ordered, homework.questions(), gradebook, reused, executor.warning)


__all__ = ["GradeRun", "grade", "grader_version"]
