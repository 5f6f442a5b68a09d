"""`cnngrade grade`: phase 1 in forked children, phase 2 (the checks) here, one row per submission.

Results are written as each submission finishes; a rerun into the same folder reuses every
result whose inputs are unchanged, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.checks.core import Case
from autograder.course import Assignment
from autograder.course import assignment as find_assignment
from autograder.errors import OutFolderError, SandboxRequired
from autograder.grading import sandbox
from autograder.grading.executor import Executor, Job, LocalExecutor
from autograder.grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT, PROBE_SECONDS
from autograder.grading.phase2 import grade_outcome, invalid_result, shorten_message, ungraded_result
from autograder.grading.version import grader_version
from autograder.intake.collected import NOTEBOOK_SUFFIX, read_notes
from autograder.intake.folder import survey
from autograder.intake.notebook import InvalidNotebook, read_code_cells
from autograder.intake.uploads import Skipped
from autograder.model import Status, SubmissionResult
from autograder.outputs import records
from autograder.outputs.files import write_atomic
from autograder.outputs.folder import RUN_FILE
from autograder.outputs.gradebook import GRADEBOOK, write_gradebook
from autograder.outputs.inert import printable
from autograder.outputs.results_json import RESULTS, write_result_json
from autograder.outputs.skipped import write_skipped
from autograder.sandboxed.extraction import probe_to_json


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
    skipped: tuple[Skipped, ...] = ()  # what the submissions folder holds that was not graded, and why
    skipped_file: Path | None = None  # OUT/skipped.csv, when something was skipped
    late: frozenset[str] = frozenset()  # the submissions a collect found late (the gradebook's late column)
    who: Mapping[str, str] = field(default_factory=dict)  # submission -> the LMS's name for the student, as collected


def find_submissions(folder: Path) -> dict[str, Path]:
    """Each submission in `folder` (a .ipynb, or the .zip its export cell makes, at any depth) under the name its
    row gets, in order; names are unique, printable and safe as file names (see `autograder.intake.folder`)."""
    return survey(folder).submissions


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


def _read_job(
    name: str, path: Path, homework: Assignment, seed: int, cases: Sequence[Case], job: Callable[[list[str]], Job]
) -> Job | SubmissionResult:
    """The job for one notebook file, or its row saying why it cannot be run; reading it never raises."""
    try:
        cells = read_code_cells(path)
    except InvalidNotebook as problem:
        return invalid_result(name, homework, seed, cases, str(problem))
    except RecursionError:
        return invalid_result(
            name,
            homework,
            seed,
            cases,
            "the file is JSON nested far too deeply to be a "
            "notebook. Re-download the notebook from Jupyter (File > Download).",
        )
    except Exception as error:
        # An OSError is the file's (a path too long, a folder without permission): what the system said helps.
        why = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        return invalid_result(
            name,
            homework,
            seed,
            cases,
            f"the file could not be read ({why}). "
            "Re-download the notebook from Jupyter (File > Download) and resubmit.",
        )
    # Outside the try: a failure here is the grader's, not the notebook's (`grade` makes it a crash row).
    return job(cells)


def _fingerprint(
    path: Path, assignment: str, seed: int, timeout: float, memory_bytes: int, sandboxed: bool
) -> records.Fingerprint | None:
    """What a reusable result of PATH depends on; None (graded every time, never reused) where it cannot be known.

    Never raises: a fingerprint only saves time, and one student's odd file must not stop the run."""
    try:
        if path.is_symlink() or not path.is_file():
            return None  # reading a pipe could wait forever; it is graded (as unreadable) every time
        return records.Fingerprint(
            records.content_hash(path), seed, grader_version(), timeout, memory_bytes, sandboxed, assignment
        )
    except Exception:  # unreadable (a path too long, no permission): graded (as unreadable) every time
        return None


def _previous(out: Path, name: str, fingerprint: records.Fingerprint | None, force: bool) -> SubmissionResult | None:
    """The recorded result to reuse, if any; None whatever goes wrong reading it (it is then graded again)."""
    if force or fingerprint is None:
        return None
    try:
        return records.load(out, name, fingerprint)
    except Exception:
        return None


def _grader_failed(
    name: str, homework: Assignment, seed: int, cases: Sequence[Case], error: Exception
) -> SubmissionResult:
    """The row of a submission the grader failed before running it: a crash, graded again on the next run."""
    message = shorten_message(
        printable(
            f"The grader failed on this submission before running it ({type(error).__name__}: {error}); "
            "it is graded again on the next run."
        )
    )
    return ungraded_result(name, homework, seed, cases, Status.CRASH, message)


def _refuse_out_as_submissions(out: Path, submissions: Path) -> None:
    """OUT must not be the submissions folder: its own files (gradebook, results) would be read as submissions."""
    try:
        same = out.resolve() == submissions.resolve()
    except (OSError, RuntimeError):  # a link loop: then they are not one folder anyone can use
        same = False
    if same:
        raise OutFolderError(
            f"--out {out} is the submissions folder itself: give --out a folder of its own (e.g. "
            f"{submissions.resolve().parent / 'graded'}), so that the grade's files are never taken for submissions."
        )


def _refuse_another_assignment(out: Path, assignment: str) -> None:
    """OUT graded for another assignment keeps that one's grades: its gradebook, results and records would mix."""
    try:
        previous = json.loads((out / RUN_FILE).read_text(encoding="utf-8")).get("assignment")
    except (OSError, ValueError, AttributeError):
        return  # no run.json (a new folder) or none readable: nothing there says which assignment it holds
    if isinstance(previous, str) and previous and previous != assignment:
        raise OutFolderError(
            f"--out {out} holds {printable(previous)}'s grades, not {assignment}'s: give {assignment} another "
            f"--out (e.g. {out.parent / f'{assignment}-graded'}), or delete {out} first to replace them."
        )


def _job_maker(
    homework: Assignment, seed: int, timeout: float, memory_bytes: int, probe_seconds: float
) -> Callable[[str], Callable[[list[str]], Job]]:
    """For a submission's name, what turns its code cells into its phase-1 job (probes drawn once per seed)."""
    probes = {name: [probe_to_json(p) for p in items] for name, items in homework.probes(seed).items()}

    def job_for(name: str) -> Callable[[list[str]], Job]:
        return lambda cells: Job(
            name, tuple(cells), homework.values, probes, timeout, memory_bytes, probe_seconds, homework.preload
        )

    return job_for


def grade(
    *,
    assignment: str,
    submissions: Path,
    out: Path,
    seed: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY,
    probe_seconds: float = PROBE_SECONDS,
    force: bool = False,
    executor: Executor | None = None,
    unsandboxed: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> GradeRun:
    """Grade every notebook in `submissions` into OUT/gradebook.csv and OUT/results/*.json.

    Student code runs only in a sandbox, unless `unsandboxed` says to run it without one where
    there is none (SandboxRequired otherwise)."""
    homework = find_assignment(assignment)
    _refuse_out_as_submissions(out, submissions)
    _refuse_another_assignment(out, homework.name)
    # An OUT inside the submissions folder is ours, not a student's.
    found = survey(submissions, exclude=[out])
    notebooks = found.submissions
    executor = executor or LocalExecutor(sandbox=sandbox.detect())
    if executor.warning and not unsandboxed:
        raise SandboxRequired(executor.warning)
    seed = resolve_seed(out, homework.name, seed)
    write_atomic(
        out / RUN_FILE,
        json.dumps(
            {
                "assignment": homework.name,
                "seed": seed,
                "grader_version": grader_version(),
                "sandboxed": not executor.warning,
                # Where the report finds the notes a collect left beside the notebooks (who each student is).
                "submissions": str(submissions.resolve()),
            },
            indent=2,
        )
        + "\n",
    )
    # Written before grading, so that even a run stopped midway leaves no list from an earlier folder.
    skipped_file = write_skipped(out, [(item.name, item.reason) for item in found.skipped])
    cases = homework.cases(seed)
    job_for = _job_maker(homework, seed, timeout, memory_bytes, probe_seconds)
    results: dict[str, SubmissionResult] = {}
    fingerprints: dict[str, records.Fingerprint | None] = {}

    def finish(result: SubmissionResult, reusable: bool = True) -> None:
        # Every row gets a record (report, export and diff read each row's result from it); one that must not be
        # reused (no fingerprint, or the grader's own failure) is recorded without a fingerprint.
        fingerprint = fingerprints[result.submission] if reusable else None
        try:
            records.save(out, fingerprint, result)
            write_result_json(out / RESULTS, result)
        except (OSError, ValueError) as error:
            result = replace(
                result,
                status=Status.CRASH,
                message=shorten_message(
                    f"{result.message} The result could not be saved ({type(error).__name__}: {error}).".strip()
                ),
            )
            try:  # the row as the gradebook will show it, when only results/ failed; never reused
                records.save(out, None, result)
            except (OSError, ValueError):
                pass
        results[result.submission] = result
        if on_result:
            on_result(result)

    sandboxed = not executor.warning
    jobs: list[Job | SubmissionResult] = []
    for name, path in notebooks.items():
        # Each step below says what went wrong as this submission's row; none may end the run for the others.
        try:
            fingerprint = fingerprints[name] = _fingerprint(path, homework.name, seed, timeout, memory_bytes, sandboxed)
            previous = _previous(out, name, fingerprint, force)
            if previous is not None:
                results[name] = previous
                continue
            jobs.append(_read_job(name, path, homework, seed, cases, job_for(name)))
        except Exception as error:
            fingerprints[name] = None  # never reused: graded again on the next run
            jobs.append(_grader_failed(name, homework, seed, cases, error))
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
    # A note describes <name>.ipynb at the top of the folder: a row of that name made from another file (a
    # `<name>.zip`, a nested `<name>.ipynb`) is not the notebook the collect wrote.
    notes = {
        name: note
        for name, note in read_notes(submissions).items()
        if name in notebooks and notebooks[name] == submissions / f"{name}{NOTEBOOK_SUFFIX}"
    }
    late = frozenset(name for name, note in notes.items() if note.late)
    gradebook = write_gradebook(out / GRADEBOOK, ordered, homework.questions(), late)
    return GradeRun(
        homework.name,
        seed,
        ordered,
        homework.questions(),
        gradebook,
        reused,
        executor.warning,
        found.skipped,
        skipped_file,
        late,
        {name: note.who for name, note in notes.items() if note.who},
    )


def grade_notebook(
    *,
    homework: Assignment,
    name: str,
    path: Path,
    seed: int,
    executor: Executor,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY,
    probe_seconds: float = PROBE_SECONDS,
    before_retry: Callable[[], None] | None = None,
) -> SubmissionResult:
    """Both phases for one notebook file (Gradescope's case): the same row `grade` would give it.

    Where the grader failed the notebook (not the notebook itself), it is graded once more after
    `before_retry`, as a rerun of `grade` would; without `before_retry`, not."""
    cases = homework.cases(seed)
    job = _read_job(
        name, path, homework, seed, cases, _job_maker(homework, seed, timeout, memory_bytes, probe_seconds)(name)
    )
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


__all__ = ["GradeRun", "find_submissions", "grade", "grade_notebook", "resolve_seed"]
