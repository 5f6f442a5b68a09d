"""The local executor takes its jobs as it needs them: a few per worker ahead of the results read,
never the whole class, each job run once and yielded once, and nothing started once the run stops.

guarded_run is replaced by a stand-in that records what runs: what is tested is the executor's
feeding of its workers, not the fork server (tests/test_forkserver.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from autograder.grading import executor as executor_module
from autograder.grading.executor import IN_FLIGHT_PER_WORKER, Job, LocalExecutor, Phase1Outcome
from autograder.model import Status


def job(index: int) -> Job:
    return Job(f"s{index}", (f"x = {index}",), ("x",), {}, 5.0, 2**30)


class Feed:
    """A lazy class: counts how many jobs were taken, as grade() hands them over."""

    def __init__(self, count: int):
        self.count, self.taken = count, 0

    def __iter__(self) -> Iterator[Job]:
        for index in range(self.count):
            self.taken += 1
            yield job(index)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The submissions the stand-in ran, in order; each takes a little while, as a notebook does."""
    ran: list[str] = []
    lock = threading.Lock()

    def fake_run(servers: object, job: Job) -> Phase1Outcome:
        with lock:
            ran.append(job.submission)
        time.sleep(0.002)
        return Phase1Outcome(Status.OK, "", {"complete": True, "for": job.submission}, 0.002)

    monkeypatch.setattr(executor_module, "guarded_run", fake_run)
    return ran


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_jobs_are_taken_a_few_per_worker_ahead_never_all(workers: int, started: list[str]) -> None:
    feed = Feed(200)
    yielded = []
    for done, outcome in LocalExecutor(workers=workers).run(feed):
        yielded.append(done.submission)
        assert outcome.data == {"complete": True, "for": done.submission}  # each job with its own outcome
        assert feed.taken - len(yielded) < IN_FLIGHT_PER_WORKER * workers
    assert sorted(yielded) == sorted(f"s{i}" for i in range(200))
    assert sorted(started) == sorted(yielded)  # every job ran once


def test_workers_do_not_wait_for_the_caller_to_read(started: list[str]) -> None:
    # While the caller is busy with one result (phase 2, writing its row), the workers go on.
    run = LocalExecutor(workers=2).run(Feed(50))
    next(run)
    deadline = time.monotonic() + 10
    while len(started) < IN_FLIGHT_PER_WORKER * 2 - 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(started) >= IN_FLIGHT_PER_WORKER * 2 - 1
    run.close()


def test_no_job_starts_once_the_caller_stops_reading(started: list[str]) -> None:
    feed = Feed(100)
    run = LocalExecutor(workers=2).run(feed)
    for _ in range(5):
        next(run)
    run.close()
    time.sleep(0.2)  # a worker that was going to take a queued job would have by now
    count = len(started)
    time.sleep(0.2)
    assert len(started) == count
    assert count < feed.count
    assert feed.taken < feed.count


def test_an_empty_class_starts_nothing(started: list[str]) -> None:
    assert list(LocalExecutor(workers=2).run(iter(()))) == []
    assert started == []
