"""`cnngrade grade`: phase 1 in forked children, phase 2 (the checks) here, one row per submission.

Results are written as each submission finishes; a rerun into the same folder reuses every
result whose inputs are unchanged, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, cast, overload

from autograder.checks.core import Case
from autograder.course import Assignment
from autograder.course import assignment as find_assignment
from autograder.errors import OutFolderError, SandboxRequired
from autograder.grading import sandbox
from autograder.grading.executor import Executor, Job, LocalExecutor, Phase1Outcome
from autograder.grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT, PROBE_SECONDS
from autograder.grading.phase2 import grade_outcome, invalid_result, shorten_message, ungraded_result
from autograder.grading.tally import Tally, facts
from autograder.grading.version import grader_version
from autograder.intake.collected import NOTEBOOK_SUFFIX, read_notes
from autograder.intake.folder import Survey, survey
from autograder.intake.notebook import InvalidNotebook, read_code_cells
from autograder.intake.submissions import Submissions, pack_mapping
from autograder.intake.uploads import Skipped
from autograder.model import Status, SubmissionResult
from autograder.outputs import records
from autograder.outputs.files import GroupCommit, atomic_stream, remove_temporaries
from autograder.outputs.folder import RUN_FILE
from autograder.outputs.gradebook import GRADEBOOK, gradebook_header, gradebook_line, gradebook_row
from autograder.outputs.inert import printable
from autograder.outputs.out_lock import holding
from autograder.outputs.record_index import SUMMARY, Entry, IndexReader, RecordKey, index_path, make_entry, record_key
from autograder.outputs.results_json import RESULTS, result_json_bytes, result_json_path, write_result_json
from autograder.outputs.skipped import write_skipped
from autograder.sandboxed.extraction import probe_to_json


class Rows(Sequence[SubmissionResult]):
    """A run's rows in gradebook order, each read from its record in OUT when asked for: not held in memory.

    Read after the run, they are what OUT holds then (a later run into OUT may have replaced them)."""

    def __init__(self, out: Path, names: Sequence[str], unsaved: Mapping[str, SubmissionResult]) -> None:
        self._out, self._names, self._unsaved = out, names, unsaved

    @property
    def names(self) -> Sequence[str]:
        return self._names

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> SubmissionResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SubmissionResult]: ...

    def __getitem__(self, index: int | slice) -> SubmissionResult | Sequence[SubmissionResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        name = self._names[index]
        if name in self._unsaved:
            return self._unsaved[name]
        return records.result_from_dict(records.read_record(self._out, name)["result"])


@dataclass(frozen=True)
class GradeRun:
    """What one `cnngrade grade` produced, for the CLI to summarise."""

    assignment: str
    seed: int
    results: Sequence[SubmissionResult]  # every row, in gradebook order, read from OUT as iterated (`Rows`)
    questions: tuple[str, ...]
    gradebook: Path
    reused: int
    sandbox_warning: str = ""
    skipped: tuple[Skipped, ...] = ()  # what the submissions folder holds that was not graded, and why
    skipped_file: Path | None = None  # OUT/skipped.csv, when something was skipped
    late: frozenset[str] = frozenset()  # the submissions a collect found late (the gradebook's late column)
    who: Mapping[str, str] = field(default_factory=dict)  # submission -> the LMS's name for the student, as collected
    tally: Tally = field(default_factory=Tally)  # what the summary says of the rows, added up

    @property
    def names(self) -> Sequence[str]:
        """Every row's name, in gradebook order."""
        return self.results.names if isinstance(self.results, Rows) else [r.submission for r in self.results]


def find_submissions(folder: Path) -> Mapping[str, Path]:
    """Each submission in `folder` (a .ipynb, or the .zip its export cell makes, at any depth) under the name its
    row gets, in name order; names are unique, printable and safe as file names (see `autograder.intake.folder`).
    The mapping is packed (`autograder.intake.submissions`): each `Path` is made as it is asked for."""
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
) -> tuple[records.Fingerprint | None, records.SourceKey | None]:
    """What a reusable result of PATH depends on, and PATH's key taken before it was hashed; None (graded every
    time, never reused) where it cannot be known.

    Never raises: a fingerprint only saves time, and one student's odd file must not stop the run."""
    try:
        if path.is_symlink() or not path.is_file():
            return None, None  # reading a pipe could wait forever; it is graded (as unreadable) every time
        source = records.source_key(path)
        fingerprint = records.Fingerprint(
            records.content_hash(path), seed, grader_version(), timeout, memory_bytes, sandboxed, assignment
        )
        return fingerprint, source
    except Exception:  # unreadable (a path too long, no permission): graded (as unreadable) every time
        return None, None


def _unchanged_as_indexed(entry: Entry | None, path: str, records_folder: str, settings: dict[str, Any]) -> bool:
    """Whether ENTRY shows, without reading the notebook or its record, that PATH's record is to be reused.

    The notebook must have the very key it had when it was hashed (any change to its bytes changes its ctime,
    which no user call can set back), the fingerprint the hash and these SETTINGS make must be the record's, and
    the record (in RECORDS_FOLDER) must be the file the entry was made from."""
    if entry is None or entry.fingerprint is None or entry.source is None or entry.sha256 is None:
        return False
    try:
        status = os.stat(path, follow_symlinks=False)  # a link is never followed (nor its target's key taken)
    except OSError:
        return False
    key = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)
    return (
        stat.S_ISREG(status.st_mode)
        and key == entry.source
        and entry.fingerprint == {**settings, "sha256": entry.sha256}
        and record_key(os.path.join(records_folder, f"{entry.name}.json")) == entry.record
    )


def _previous(out: Path, name: str, fingerprint: records.Fingerprint | None, force: bool) -> SubmissionResult | None:
    """The recorded result to reuse, if any; None whatever goes wrong reading it (it is then graded again)."""
    if force or fingerprint is None:
        return None
    try:
        return records.load(out, name, fingerprint)
    except Exception:
        return None


def _results_folder_as_summarised(out: Path) -> bool:
    """Whether OUT/results is the folder the last gradebook was written beside, no file added or removed since
    (its own key, as the summary has it): each reused row's results.json is then known to be there."""
    try:
        summary = json.loads((out / records.RECORDS / SUMMARY).read_text(encoding="utf-8"))
        return bool(summary["results"] == list(record_key(out / RESULTS) or ()))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _results_json_in_place(out: Path, name: str) -> bool:
    """Whether a reused row's results/<name>.json is on the disk, written again from its record where it is not
    (deleted by hand): a reused row is never without it. False when that cannot be done: the row is graded again."""
    if os.path.exists(os.path.join(out, RESULTS, f"{name}.json")):
        return True
    try:
        result = records.result_from_dict(records.read_record(out, name)["result"])
        write_result_json(out / RESULTS, result)
        return True
    except Exception:  # a record unreadable since, a disk that refuses the write: graded again, as unreused
        return False


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
    there is none (SandboxRequired otherwise). One run at a time per OUT (OutFolderBusy otherwise).

    Memory does not grow with the class but by the survey's names: notebooks are read as the executor asks for
    jobs, each row is saved as it finishes and not kept, and the gradebook is written at the end from the records
    (through their index), in name order."""
    homework = find_assignment(assignment)
    _refuse_out_as_submissions(out, submissions)
    # An OUT inside the submissions folder is ours, not a student's.
    found = survey(submissions, exclude=[out])
    executor = executor or LocalExecutor(sandbox=sandbox.detect())
    if executor.warning and not unsandboxed:
        raise SandboxRequired(executor.warning)
    with holding(out, " ".join(sys.argv) or "cnngrade"):
        _refuse_another_assignment(out, homework.name)
        return _grade_holding(
            homework,
            found,
            submissions,
            out,
            seed,
            timeout,
            memory_bytes,
            probe_seconds,
            force,
            executor,
            on_start,
            on_result,
        )


def _grade_holding(
    homework: Assignment,
    found: Survey,
    submissions: Path,
    out: Path,
    seed: int | None,
    timeout: float,
    memory_bytes: int,
    probe_seconds: float,
    force: bool,
    executor: Executor,
    on_start: Callable[[int, int], None] | None,
    on_result: Callable[[SubmissionResult], None] | None,
) -> GradeRun:
    notebooks = pack_mapping(found.submissions)
    seed = resolve_seed(out, homework.name, seed)
    sandboxed = not executor.warning
    with atomic_stream(out / RUN_FILE, unless_same=True) as stream:
        settings = {
            "assignment": homework.name,
            "seed": seed,
            "grader_version": grader_version(),
            "sandboxed": sandboxed,
            # Where the report finds the notes a collect left beside the notebooks (who each student is).
            "submissions": str(submissions.resolve()),
        }
        stream.write((json.dumps(settings, indent=2) + "\n").encode("utf-8"))
    # Written before grading, so that even a run stopped midway leaves no list from an earlier folder.
    skipped_file = write_skipped(out, [(item.name, item.reason) for item in found.skipped])
    cases = homework.cases(seed)
    job_for = _job_maker(homework, seed, timeout, memory_bytes, probe_seconds)
    # What a fingerprint holds besides the notebook's hash: the same for every row of this run.
    same_for_all = asdict(
        records.Fingerprint("", seed, grader_version(), timeout, memory_bytes, sandboxed, homework.name)
    )
    del same_for_all["sha256"]
    names = notebooks.names  # the gradebook's order, and the records' index's: made as read, not kept
    records_folder = str(out / records.RECORDS)
    unsaved: dict[str, SubmissionResult] = {}  # rows whose record could not be written (a full disk): few

    def committed(token: object, error: BaseException | None) -> None:
        # A row counts as graded (the progress, an interrupted run's count) once its record and results.json are on
        # the disk; called by the commit's thread.
        result = cast(SubmissionResult, token)
        if error is not None:
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
                unsaved[result.submission] = result
        if on_result:
            on_result(result)

    commit = GroupCommit(committed)

    def finish(
        result: SubmissionResult, fingerprint: records.Fingerprint | None, source: records.SourceKey | None = None
    ) -> None:
        # Every row gets a record (report, export and diff read each row's result from it); one that must not be
        # reused (no fingerprint, or the grader's own failure) is recorded without a fingerprint.
        try:
            # The record last: it is what a rerun reuses the row by, so it is never on the disk without its results.
            files = [
                (result_json_path(out / RESULTS, result), result_json_bytes(result)),
                (records.record_path(out, result.submission), records.record_bytes(fingerprint, result, source)),
            ]
            commit.submit(files, result)
        except (OSError, ValueError) as error:
            committed(result, error)

    # What killed runs left half-written: only this run writes here now.
    remove_temporaries(out / records.RECORDS)
    remove_temporaries(out / RESULTS)
    try:
        # Which rows are reused, before any job starts (the progress bar starts from them): by the records' index
        # where it vouches for a row, else by its record, as before; what is kept of the rest is their places.
        to_grade = array("I")  # their places in NAMES
        failed: list[tuple[str, Exception]] = []
        reused = indexed = 0
        # Each reused row's results.json is looked for, unless results/ is as the last summary saw it (no file added
        # or removed since): one stat a row saved.
        results_as_summarised = _results_folder_as_summarised(out)
        in_place = (lambda name: True) if results_as_summarised else partial(_results_json_in_place, out)
        with IndexReader(out) as index:
            for place, name in enumerate(names):
                # Each step below says what went wrong as this submission's row; none may end the run for the others.
                try:
                    entry = index.get(name)
                    path = notebooks.file(place)
                    if (
                        not force
                        and _unchanged_as_indexed(entry, path, records_folder, same_for_all)
                        and in_place(name)
                    ):
                        reused += 1
                        indexed += 1
                        continue
                    fingerprint, _ = _fingerprint(Path(path), homework.name, seed, timeout, memory_bytes, sandboxed)
                    if _previous(out, name, fingerprint, force) is not None and in_place(name):
                        reused += 1
                        continue
                    to_grade.append(place)
                except Exception as problem:
                    failed.append((name, problem))
            index.finish()
            # Every row as the index has it, and no other: the records are as the last gradebook was written from.
            # (and the summary says what results/ now is, so that the next run need not look at each of its files)
            as_indexed = indexed == len(names) and index.passed_over == 0 and results_as_summarised
        if on_start:
            on_start(len(notebooks), reused)
        for name, why in failed:  # never reused: graded again on the next run
            finish(_grader_failed(name, homework, seed, cases, why), None)
        in_flight: dict[str, tuple[records.Fingerprint | None, records.SourceKey | None, int]] = {}
        # The grader's own failures (a process it could not start on a loaded machine): each notebook is graded once
        # more at the end of the run, with its whole time, as the rerun their message asks for would. Only its place is
        # held meanwhile, and its first outcome (which has no answers), however many the run's failures are.
        again: dict[str, Phase1Outcome] = {}

        def jobs(places: Iterable[int]) -> Iterator[Job]:
            # Made as the executor asks: a notebook is read (and hashed, for the very bytes it is graded from) only when
            # a worker is about to need it, so grading starts at once and no more jobs are held than are in flight.
            for place in places:
                name, path = names[place], Path(notebooks.file(place))
                try:
                    fingerprint, source = _fingerprint(path, homework.name, seed, timeout, memory_bytes, sandboxed)
                    job = _read_job(name, path, homework, seed, cases, job_for(name))
                except Exception as error:
                    again.pop(name, None)  # its row is this, not a first try's
                    finish(_grader_failed(name, homework, seed, cases, error), None)
                    continue
                if isinstance(job, SubmissionResult):
                    again.pop(name, None)
                    finish(job, fingerprint, source)
                    continue
                in_flight[name] = (fingerprint, source, place)
                yield job

        def row(name: str, outcome: Phase1Outcome) -> None:
            fingerprint, source, _ = in_flight.pop(name, (None, None, 0))
            # A row the grader itself failed (not the notebook) is not kept for reuse: a rerun grades it again.
            result = grade_outcome(name, homework, seed, cases, outcome)
            finish(result, None if outcome.graders_fault else fingerprint, source)

        try:
            for job, outcome in executor.run(jobs(to_grade)):
                if outcome.graders_fault:
                    again[job.submission] = outcome
                else:
                    row(job.submission, outcome)
            retried = array("I", (in_flight.pop(name)[2] for name in list(again)))
            for job, outcome in executor.run(jobs(retried)):
                again.pop(job.submission, None)
                row(job.submission, outcome)
        finally:
            for name, first in again.items():  # the run was stopped before their second try ended
                row(name, first)
    finally:
        commit.close()  # everything graded is on the disk, even when the run was interrupted
    # A note describes <name>.ipynb at the top of the folder: a row of that name made from another file (a
    # `<name>.zip`, a nested `<name>.ipynb`) is not the notebook the collect wrote.
    notes = {
        name: note
        for name, note in read_notes(submissions).items()
        if name in notebooks and notebooks[name] == submissions / f"{name}{NOTEBOOK_SUFFIX}"
    }
    late = frozenset(name for name, note in notes.items() if note.late)
    tally = (as_indexed and _unchanged_gradebook(out, homework.questions(), late)) or _write_gradebook(
        out, notebooks, names, unsaved, homework, seed, cases, late
    )
    return GradeRun(
        homework.name,
        seed,
        Rows(out, names, unsaved),
        homework.questions(),
        out / GRADEBOOK,
        reused,
        executor.warning,
        found.skipped,
        skipped_file,
        late,
        {name: note.who for name, note in notes.items() if note.who},
        tally,
    )


def _write_gradebook(
    out: Path,
    notebooks: Submissions,
    names: Sequence[str],
    unsaved: Mapping[str, SubmissionResult],
    homework: Assignment,
    seed: int,
    cases: Sequence[Case],
    late: frozenset[str],
) -> Tally:
    """OUT/gradebook.csv and the records' index, one row at a time from the records (or the index where it vouches
    for one); each file left as it was when it would not change. What the summary says, added up."""
    questions = homework.questions()
    tally = Tally()
    with (
        IndexReader(out) as index,
        atomic_stream(out / GRADEBOOK, durable=True, unless_same=True) as gradebook,
        atomic_stream(index_path(out), unless_same=True) as new_index,
    ):
        gradebook.write(gradebook_header(questions).encode("utf-8"))
        for place, name in enumerate(names):
            entry = _with_source(_row_entry(out, name, index.get(name), unsaved), notebooks, place)
            if entry is None:  # its record went missing or bad since it was saved or reused: a crash, graded again
                result = _grader_failed(
                    name, homework, seed, cases, OSError(f"its record {records.record_path(out, name)} is unreadable")
                )
                row, row_facts = gradebook_row(result), facts(result)
            else:
                shown = entry.row
                row, row_facts = shown["gradebook"], shown["facts"]
                if entry.record != _UNSAVED:
                    new_index.write(entry.line().encode("ascii"))
            gradebook.write(gradebook_line(name, row, questions, name in late).encode("utf-8"))
            tally.add(name, row, row_facts)
    summary = {
        "gradebook": record_key(out / GRADEBOOK),
        "index": record_key(index_path(out)),
        "results": record_key(out / RESULTS),
        "questions": list(questions),
        "late": sorted(late),
        "tally": tally.to_json(),
    }
    with atomic_stream(out / records.RECORDS / SUMMARY, unless_same=True) as stream:
        stream.write(json.dumps(summary, sort_keys=True).encode("utf-8"))
    return tally


def _unchanged_gradebook(out: Path, questions: Sequence[str], late: frozenset[str]) -> Tally | None:
    """What the summary said of OUT's gradebook, when neither it, nor the index it was written with, nor its
    questions and late marks changed since: it is then the gradebook this run would write."""
    try:
        summary = json.loads((out / records.RECORDS / SUMMARY).read_text(encoding="utf-8"))
        if (
            summary["gradebook"] == list(record_key(out / GRADEBOOK) or ())
            and summary["index"] == list(record_key(index_path(out)) or ())
            and summary["questions"] == list(questions)
            and summary["late"] == sorted(late)
        ):
            return Tally.from_json(summary["tally"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


# The record key of a row kept only in memory: it has no line in the index.
_UNSAVED: RecordKey = (-1, -1, -1, -1)


def _row_entry(out: Path, name: str, indexed: Entry | None, unsaved: Mapping[str, SubmissionResult]) -> Entry | None:
    """NAME's line of the index: the old one when its record is still the file it was made from, else one made from
    the record; None when there is no record to make it from."""
    if name in unsaved:
        result = unsaved[name]
        return make_entry(
            name, None, None, None, _UNSAVED, {"gradebook": gradebook_row(result), "facts": facts(result)}
        )
    key = record_key(records.record_path(out, name))
    if key is None:
        return None
    if indexed is not None and indexed.record == key and _well_formed(indexed):
        return indexed
    try:
        record = records.read_record(out, name)
        result = records.result_from_dict(record["result"])
        fingerprint, source = record.get("fingerprint"), record.get("source")
        if not isinstance(fingerprint, dict) or not isinstance(fingerprint.get("sha256"), str):
            fingerprint = source = None
        return make_entry(
            name,
            tuple(int(each) for each in source) if isinstance(source, list) and len(source) == 5 else None,  # type: ignore[arg-type]
            fingerprint["sha256"] if fingerprint else None,
            fingerprint,
            key,
            {"gradebook": gradebook_row(result), "facts": facts(result)},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _with_source(entry: Entry | None, notebooks: Submissions, place: int) -> Entry | None:
    """ENTRY with its notebook's key (the file of NOTEBOOKS' row PLACE), where it has none yet (the file had changed
    just before it was hashed) and the file still has the bytes its record was made from: from the next run on, it is
    not hashed again."""
    if entry is None or entry.fingerprint is None or entry.source is not None or entry.sha256 is None:
        return entry
    path = Path(notebooks.file(place))
    try:
        if path.is_symlink() or not path.is_file():
            return entry
        source = records.source_key(path)
        if source is None or records.content_hash(path) != entry.sha256:
            return entry
    except Exception:  # only time is saved here; the row is as recorded either way
        return entry
    return replace(entry, source=source)


def _well_formed(entry: Entry) -> bool:
    try:
        row = entry.row
        gradebook, summary = row["gradebook"], row["facts"]
        return {"score", "max_score", "status", "message", "questions"} <= gradebook.keys() and {
            "seconds",
            "ran",
            "missing",
        } <= summary.keys()
    except (KeyError, TypeError, AttributeError, ValueError):
        return False


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
        if outcome.graders_fault:
            outcome = replace(outcome, message=LOST_TWICE)
    return grade_outcome(name, homework, seed, cases, outcome)


# Where the notebook runs without a PID namespace of its own (Gradescope's containers may have none), it can stop the
# grader's process itself: twice in a row is more likely its doing than the grader's, and "grade it again" would
# send the student to ask for a regrade that fails the same way.
LOST_TWICE = (
    "The grader lost this notebook's process on both tries, so nothing could be graded. A notebook that stops "
    "processes other than its own (os.kill, os.killpg, signals to other pids) does this; if yours does not, ask for "
    "it to be graded again."
)


__all__ = ["GradeRun", "Rows", "find_submissions", "grade", "grade_notebook", "resolve_seed"]
