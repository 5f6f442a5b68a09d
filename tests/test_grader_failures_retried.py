"""A grading run's own failures (a notebook's process it could not start) cost time, not rows: each such
notebook is graded once more before the run ends, with its whole time."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.grading.executor import Job, LocalExecutor, Phase1Outcome
from autograder.grading.forkserver_client import ForkServerClient
from autograder.grading.run import grade
from autograder.grading.sandbox import detect
from autograder.model import Status

from .test_grade_per_submission import NOTHING_DEFINED

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw1"
TIMEOUT = 20.0


def _class(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted(EXAMPLES.glob("*.ipynb")):
        if path.stem != "infinite_loop_last_cell":  # the class must not take its time-out to grade, twice
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.mark.slow
def test_notebooks_whose_process_the_grader_could_not_start_get_the_rows_of_a_run_without_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submissions = _class(tmp_path / "in")
    clean = grade(assignment="hw1", submissions=submissions, out=tmp_path / "clean", seed=3, timeout=TIMEOUT)

    # The first half of the processes the grader asks its fork servers for are lost before their job is
    # handed over, as where a loaded machine failed to start them: each of those notebooks' first try fails.
    starts, lock = itertools.count(), threading.Lock()
    failing = len(clean.results) // 2
    real_channel = ForkServerClient.channel

    def channel(self: ForkServerClient, request_id: int, timeout: float) -> Any:
        with lock:
            start = next(starts)
        got = real_channel(self, request_id, timeout)
        if start >= failing or got is None:
            return got
        got.close()  # the process, left without its job, ends at once
        return None

    monkeypatch.setattr(ForkServerClient, "channel", channel)
    flaky = grade(
        assignment="hw1",
        submissions=submissions,
        out=tmp_path / "flaky",
        seed=3,
        timeout=TIMEOUT,
        executor=LocalExecutor(2, detect()),
    )

    jobs = sum(result.status != Status.INVALID for result in clean.results)  # an unreadable notebook has none
    assert next(starts) == jobs + failing  # each failed notebook was started once more
    assert list(flaky.results) == list(clean.results)  # every row as without the failures
    assert (tmp_path / "flaky" / "gradebook.csv").read_bytes() == (tmp_path / "clean" / "gradebook.csv").read_bytes()


class FailingFirst:
    """The grader's own failure on each notebook's first `failures` tries, each taking `seconds`; then its real row."""

    warning = ""

    def __init__(self, failures: int, seconds: float):
        self.failures, self.seconds, self.jobs = failures, seconds, []
        self.tries: dict[str, int] = {}

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job in jobs:
            self.jobs.append(job)
            self.tries[job.submission] = tried = self.tries.get(job.submission, 0) + 1
            if tried <= self.failures:
                yield job, Phase1Outcome(Status.CRASH, "lost", None, self.seconds, graders_fault=True)
            else:
                yield job, NOTHING_DEFINED


def _grade(tmp_path: Path, executor: FailingFirst) -> Any:
    return grade(
        assignment="hw1", submissions=_class(tmp_path / "in"), out=tmp_path / "out", seed=3, timeout=TIMEOUT,
        executor=executor,
    )  # fmt: skip


def test_a_second_try_has_the_whole_time_however_long_the_first_took(tmp_path: Path) -> None:
    # A first try lost late (a fork server gone in its last second) must not leave the second a second to
    # run in: it would end as a time-out of the grader's making, kept as the notebook's own.
    executor = FailingFirst(failures=1, seconds=TIMEOUT - 0.5)
    run = _grade(tmp_path, executor)
    first, second = executor.jobs[: len(executor.tries)], executor.jobs[len(executor.tries) :]
    assert [job.submission for job in second] == [job.submission for job in first]
    assert {job.timeout for job in executor.jobs} == {TIMEOUT}
    assert "lost" not in {result.message for result in run.results}


def test_a_notebook_the_grader_fails_twice_keeps_the_grader_s_message_and_is_not_reused(tmp_path: Path) -> None:
    executor = FailingFirst(failures=2, seconds=1.0)
    run = _grade(tmp_path, executor)
    assert set(executor.tries.values()) == {2} and len(executor.jobs) == 2 * len(executor.tries)  # twice, not more
    assert {(result.status, result.message) for result in run.results if result.submission in executor.tries} == {
        (Status.CRASH, "lost")
    }
    again = FailingFirst(failures=0, seconds=1.0)
    grade(assignment="hw1", submissions=tmp_path / "in", out=tmp_path / "out", seed=3, timeout=TIMEOUT, executor=again)
    assert again.tries.keys() == executor.tries.keys()  # a rerun grades each again


def test_a_notebook_that_turns_unreadable_before_its_second_try_has_one_row_saying_so(tmp_path: Path) -> None:
    class BreaksTheNotebook(FailingFirst):
        def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
            for job, outcome in super().run(jobs):
                if job.submission == "passes_all" and outcome.graders_fault:
                    (tmp_path / "in" / "passes_all.ipynb").write_text("{ not json")
                yield job, outcome

    executor = BreaksTheNotebook(failures=1, seconds=1.0)
    run = _grade(tmp_path, executor)
    assert executor.tries["passes_all"] == 1
    (row,) = [result for result in run.results if result.submission == "passes_all"]
    assert row.status == Status.INVALID  # what its second read found, not the first try's failure


def test_a_process_never_handed_its_job_is_killed_not_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its start was not heard in time (the socket is never handed over): it waits for a job that never comes.
    monkeypatch.setattr(ForkServerClient, "channel", lambda self, request_id, timeout: None)
    job = Job("never", ("x = 1",), ("x",), {}, TIMEOUT, 2**31)
    ((_, outcome),) = list(LocalExecutor(1, detect()).run([job]))
    assert outcome.graders_fault and outcome.data is None
    assert outcome.seconds < TIMEOUT / 4, outcome  # not its whole time, waited for nothing
