"""`cnngrade grade`: phase 1 in forked children, phase 2 (the checks) here, one row per submission.

Results are written as each submission finishes; a rerun into the same folder reuses every
result whose inputs are unchanged, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Sequence

from . import records
from .grading import sandbox
from .checks import codec
from .checks.answers import RecordedAnswers
from .checks.core import Case, CheckFailed
from .course import Assignment, assignment as find_assignment
from .errors import SandboxRequired, SubmissionsNotFound
from .grading.executor import Executor, Job, LocalExecutor, Phase1Outcome
from .exports import write_gradebook, write_result_json
from .sandboxed.extraction import probe_to_json
from .files import write_atomic
from .notebook import InvalidNotebook, read_code_cells
from .outputs.inert import printable, readable
from .results import CRASH, INVALID, MEMORY, OK, CaseResult, SubmissionResult

DEFAULT_TIMEOUT = 60.0
# A message the student reads for one case: enough for any real feedback, small whatever the answer.
MESSAGE_CAP = 2000
UNCHECKABLE = "This answer could not be checked (the check met "
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


def find_submissions(folder: Path) -> dict[str, Path]:
    """Each notebook in `folder` (a .ipynb, or the .zip its export cell makes) under the name its row gets, in order;
    names are unique and valid text."""
    if not folder.is_dir():
        raise SubmissionsNotFound(f"No submissions folder at {folder}.")
    # Not only regular files: a folder or a pipe named *.ipynb or *.zip gets a row saying what it is.
    notebooks = sorted(path for path in folder.iterdir() if path.suffix in (".ipynb", ".zip"))
    if not notebooks:
        raise SubmissionsNotFound(f"No .ipynb files (or .zip files from a notebook's export cell) in {folder}.")
    named: dict[str, Path] = {}
    for path in notebooks:
        # A name is shown with undecodable bytes and control characters escaped (it reaches CSV files
        # and terminals); should that (or anything, such as x.ipynb beside x.zip) make two names one, the
        # later file gets a suffix: every file keeps a row of its own.
        name = base = printable(path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
        copy = 1
        while name in named:
            copy += 1
            name = f"{base}~{copy}"
        named[name] = path
    return named


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


def shorten(text: str, limit: int = MESSAGE_CAP) -> str:
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
            except Exception as error:  # noqa: BLE001 - any answer, however odd, gets a row, never a crash
                score, message = 0.0, (f"{UNCHECKABLE}{type(error).__name__}). Check that the answer is a "
                                       "number, or numbers of the kind the question asks for, of a sensible size.")
        # A message may quote the student's own text (an exception's): no control or bidi character
        # of it reaches results.json (it must stay encodable) or whoever prints it.
        results.append(CaseResult(case.id, case.title, case.question, score, case.points, case.hidden,
                                  shorten(readable(message)), shorten(readable(mistake), 200)))
    return tuple(results)


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


def _row_status(outcome: Phase1Outcome) -> tuple[str, str]:
    if outcome.status != OK or outcome.data is None:
        return outcome.status, outcome.message
    notes, out_of_memory, only_refusals = _cell_error_notes(outcome.data)
    if out_of_memory:
        return MEMORY, "A cell ran out of memory (" + "; ".join(notes) + "). The other answers were still graded."
    if notes and only_refusals:
        return OK, "Some lines were not run when graded (" + "; ".join(notes) + ")."
    if notes:
        return OK, "Some cells raised errors (" + "; ".join(notes) + "); the other cells still ran."
    return OK, ""


def grade_outcome(submission: str, homework: Assignment, seed: int, cases: Sequence[Case],
                  outcome: Phase1Outcome) -> SubmissionResult:
    """Phase 2 for one submission: validate what phase 1 recorded, then score every case."""
    try:
        return _grade_outcome(submission, homework, seed, cases, outcome)
    except Exception as error:  # noqa: BLE001 - whatever a child recorded, this submission alone pays for it
        message = f"Your notebook's answers could not be graded ({type(error).__name__})."
        return SubmissionResult(submission, homework.name, CRASH, message,
                                score_cases(cases, None, "Not graded: " + message), seed, grader_version(), "",
                                round(outcome.seconds, 3))


def _grade_outcome(submission: str, homework: Assignment, seed: int, cases: Sequence[Case],
                   outcome: Phase1Outcome) -> SubmissionResult:
    status, message = _row_status(outcome)
    answers, unavailable = None, ""
    if outcome.data is None:
        unavailable = "Not graded: " + outcome.message
    else:
        try:
            answers = RecordedAnswers(outcome.data.get("values"), outcome.data.get("calls"))  # type: ignore[arg-type]
        except (codec.MalformedData, RecursionError):
            status, message = CRASH, "Your notebook's answers could not be read (malformed result)."
            unavailable = "Not graded: " + message
    output = outcome.data.get("output") if outcome.data else ""
    scored = score_cases(cases, answers, unavailable)
    if status == OK and any(case.message.startswith(UNCHECKABLE) for case in scored):
        status, message = INVALID, "Some answers could not be checked: see the cases that say so."
    return SubmissionResult(submission, homework.name, status, shorten(printable(message)), scored,
                            seed, grader_version(), output[:4000] if isinstance(output, str) else "",
                            round(outcome.seconds, 3))


def invalid_result(submission: str, homework: Assignment, seed: int, cases: Sequence[Case],
                   problem: str) -> SubmissionResult:
    message = printable(f"Your notebook could not be read: {problem}")
    return SubmissionResult(submission, homework.name, INVALID, message,
                            score_cases(cases, None, "Not graded: " + message), seed, grader_version())


def _read_job(name: str, path: Path, homework: Assignment, seed: int, cases: Sequence[Case],
              job: Callable[[list[str]], Job]) -> Job | SubmissionResult:
    """The job for one notebook file, or its row saying why it cannot be run; never an exception."""
    try:
        return job(read_code_cells(path))
    except InvalidNotebook as problem:
        return invalid_result(name, homework, seed, cases, str(problem))
    except RecursionError:
        return invalid_result(name, homework, seed, cases, "the file is JSON nested far too deeply to be a "
                              "notebook. Re-download the notebook from Jupyter (File > Download).")
    except Exception as error:  # noqa: BLE001 - an unreadable file is one row, never the run
        return invalid_result(name, homework, seed, cases, f"the file could not be read ({type(error).__name__}). "
                              "Re-download the notebook from Jupyter (File > Download) and resubmit.")


def _fingerprint(path: Path, seed: int, timeout: float, memory_bytes: int) -> records.Fingerprint | None:
    if not path.is_file():
        return None  # reading a pipe could wait forever; it is graded (as unreadable) every time
    try:
        return records.Fingerprint(records.content_hash(path), seed, grader_version(), timeout, memory_bytes)
    except OSError:
        return None  # unreadable: graded (as unreadable) every time, never reused


def grade(*, assignment: str, submissions: Path, out: Path, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY, probe_seconds: float = 2.0,
          force: bool = False, executor: Executor | None = None, unsandboxed: bool = False,
          on_start: Callable[[int, int], None] | None = None,
          on_result: Callable[[SubmissionResult], None] | None = None) -> GradeRun:
    """Grade every notebook in `submissions` into OUT/gradebook.csv and OUT/results/*.json.

    Student code runs only in a sandbox, unless `unsandboxed` says to run it without one where
    there is none (SandboxRequired otherwise)."""
    homework = find_assignment(assignment)
    notebooks = find_submissions(submissions)
    executor = executor or LocalExecutor(sandbox=sandbox.detect())
    if executor.warning and not unsandboxed:
        raise SandboxRequired(executor.warning)
    seed = resolve_seed(out, homework.name, seed)
    write_atomic(out / RUN_FILE, json.dumps({"assignment": homework.name, "seed": seed,
                                             "grader_version": grader_version(),
                                             "sandboxed": not executor.warning}, indent=2) + "\n")
    cases = homework.cases(seed)
    probes = {name: [probe_to_json(p) for p in items] for name, items in homework.probes(seed).items()}
    results: dict[str, SubmissionResult] = {}
    fingerprints: dict[str, records.Fingerprint | None] = {}

    def finish(result: SubmissionResult, reusable: bool = True) -> None:
        fingerprint = fingerprints[result.submission]
        try:
            if reusable and fingerprint is not None:
                records.save(out, fingerprint, result)
            write_result_json(out / "results", result)
        except (OSError, ValueError) as error:
            result = replace(result, status=CRASH, message=shorten(
                f"{result.message} The result could not be saved ({type(error).__name__}: {error}).".strip()))
        results[result.submission] = result
        if on_result:
            on_result(result)

    def job_for(name: str) -> Callable[[list[str]], Job]:
        return lambda cells: Job(name, tuple(cells), homework.values, probes, timeout, memory_bytes,
                                 probe_seconds, homework.preload)

    jobs = []
    for name, path in notebooks.items():
        fingerprint = fingerprints[name] = _fingerprint(path, seed, timeout, memory_bytes)
        previous = None if force or fingerprint is None else records.load(out, name, fingerprint)
        if previous is not None:
            results[name] = previous
            continue
        jobs.append(_read_job(name, path, homework, seed, cases, job_for(name)))
    reused = len(results)
    if on_start:
        on_start(len(notebooks), reused)
    for item in [job for job in jobs if isinstance(job, SubmissionResult)]:
        finish(item)
    pending = [job for job in jobs if isinstance(job, Job)]
    for job, outcome in executor.run(pending):
        # A row the grader itself failed (not the notebook) is not kept for reuse: a rerun grades it again.
        finish(grade_outcome(job.submission, homework, seed, cases, outcome), reusable=not outcome.graders_fault)
    ordered = tuple(results[name] for name in notebooks)
    gradebook = write_gradebook(out / "gradebook.csv", ordered, homework.questions())
    return GradeRun(homework.name, seed, ordered, homework.questions(), gradebook, reused, executor.warning)


def grade_notebook(*, homework: Assignment, name: str, path: Path, seed: int, executor: Executor,
                   timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY,
                   probe_seconds: float = 2.0, before_retry: Callable[[], None] | None = None) -> SubmissionResult:
    """Both phases for one notebook file (Gradescope's case): the same row `grade` would give it.

    Where the grader failed the notebook (not the notebook itself), it is graded once more after
    `before_retry`, as a rerun of `grade` would; without `before_retry`, not."""
    cases = homework.cases(seed)
    probes = {key: [probe_to_json(p) for p in items] for key, items in homework.probes(seed).items()}
    job = _read_job(name, path, homework, seed, cases, lambda cells: Job(
        name, tuple(cells), homework.values, probes, timeout, memory_bytes, probe_seconds, homework.preload))
    if isinstance(job, SubmissionResult):
        return job
    # Run to the end, not left half-way: the executor's servers are closed before the row is made.
    ((_, outcome),) = list(executor.run([job]))
    left = timeout - outcome.seconds
    if outcome.graders_fault and before_retry is not None and left >= 1:
        # Only the time the first try left: a notebook that killed its own fork server on purpose
        # (where no PID namespace hides it) gains no time by it.
        before_retry()
        ((_, outcome),) = list(executor.run([replace(job, timeout=left)]))
    return grade_outcome(name, homework, seed, cases, outcome)


__all__ = ["GradeRun", "grade", "grade_notebook", "grader_version"]
