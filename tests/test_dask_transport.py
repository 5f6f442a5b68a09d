# ruff: noqa: F811 (the scheduler fixture, imported, is named by the tests that use it)
"""What a Dask run costs per notebook besides the notebook: what its answers weigh for Dask, how often
the grader calls the scheduler, and the workers' own sampling."""

from __future__ import annotations

import math
import pickle
import random
from typing import Any

import pytest
from dask.sizeof import sizeof

from autograder.grading import dask_executor
from autograder.grading.dask_executor import (
    IN_FLIGHT_PER_THREAD,
    MOST_PER_TASK,
    QUIET_WORKER,
    TASK_CODE,
    DaskExecutor,
    run_on_worker,
)
from autograder.grading.executor import Job, Phase1Outcome
from autograder.model import Status

from .test_dask_executor import MEMORY, _stop, scheduler  # noqa: F401
from .test_dask_faults import UNSANDBOXED, _worker


class _Isolation:
    warning = ""


class _Servers:
    """Stands in for a worker's plugin: no fork server, every job's outcome made up."""

    refused = ""

    def isolation(self) -> _Isolation:
        return _Isolation()

    def servers(self, job: Job) -> None:
        return None


def _answers(width: int) -> dict[str, Any]:
    # Many small objects, as a notebook's recorded values and probe outputs are.
    return {"complete": True, "values": {f"v{i}": [[i, i + 0.5]] * 3 for i in range(width)}}


@pytest.mark.parametrize("width", [0, 10, 2000])
def test_a_task_s_answers_reach_dask_as_one_opaque_value_that_unpickles_to_the_outcomes(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 5.0, MEMORY) for i in range(3)]
    made = {job.submission: Phase1Outcome(Status.OK, "", _answers(width), 0.25) for job in jobs}
    monkeypatch.setattr(dask_executor, "_plugin", lambda name, kind: _Servers())
    monkeypatch.setattr(dask_executor, "guarded_run", lambda servers, job: made[job.submission])

    result = run_on_worker(dask_executor._task_payload(jobs), "plugin")

    # Dask measures a task's result by walking it: what it walks here is a bytes object, whatever the answers.
    assert isinstance(result["outcomes"], bytes)
    assert sizeof(result) < sizeof(result["outcomes"]) + 1024
    assert pickle.loads(result["outcomes"]) == [made[job.submission] for job in jobs]


def _probes(seed: int) -> dict[str, list[dict[str, Any]]]:
    return {"conv2d": [{"args": [[[seed, 2.5]] * 40], "kwargs": {"stride": seed}}] * 20, "relu": []}


@pytest.mark.slow
def test_a_large_class_is_sent_to_the_scheduler_in_groups_of_tasks_of_several_and_every_row_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(400)]
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        executor.task_seconds = 3600.0  # every task runs all its jobs, however loaded this machine
        calls: list[list[int]] = []  # per call to the scheduler, the jobs of each task sent
        submit = executor._client.map

        def counted(function: Any, *iterables: Any, **options: Any) -> Any:
            calls.append([sum(1 for _ in dask_executor._jobs_from_payload(task)) for task in iterables[0]])
            return submit(function, *iterables, **options)

        monkeypatch.setattr(executor._client, "map", counted)
        outcomes = {job.submission: outcome for job, outcome in executor.run(jobs)}
    assert {name: (o.status, o.data and o.data["values"]["x"]) for name, o in outcomes.items()} == {
        f"j{i}": (Status.OK, i) for i in range(400)
    }
    tasks = [size for call in calls for size in call]
    assert sum(tasks) == len(jobs)  # each job sent once: no task failed
    assert max(tasks) == MOST_PER_TASK and len(tasks) < len(jobs) / 2, tasks
    slots = IN_FLIGHT_PER_THREAD * 2
    assert max(len(call) for call in calls) <= slots
    # The first fill, then one call per half the slots freed (a one-task call per task before).
    assert len(calls) <= 1 + math.ceil((len(tasks) - slots) / (slots // 2)) + 2, [len(c) for c in calls] + [
        sum(c) for c in calls
    ]


def _pasted(characters: int) -> str:
    # Data as students paste it, which no compression on the way shrinks much.
    return random.Random(characters).randbytes(characters // 2 + 1).hex()[:characters]


@pytest.mark.slow
def test_a_class_of_large_notebooks_is_sent_a_few_at_a_time_and_every_row_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Data pasted into cells: every third notebook over half the code a task may carry, every ninth over all of it.
    jobs = [
        Job(
            f"j{i}",
            (f"x = {i}\n# " + _pasted(TASK_CODE + 1 if i % 9 == 0 else TASK_CODE // 2 + 1 if i % 3 == 0 else 0),),
            ("x",),
            {},
            20.0,
            MEMORY,
        )
        for i in range(90)
    ]
    code = {job.submission: sum(map(len, job.cells)) for job in jobs}
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        executor.task_seconds = 3600.0
        tasks: list[list[str]] = []
        submit = executor._client.map

        def counted(function: Any, *iterables: Any, **options: Any) -> Any:
            tasks.extend([job.submission for job in dask_executor._jobs_from_payload(task)] for task in iterables[0])
            return submit(function, *iterables, **options)

        monkeypatch.setattr(executor._client, "map", counted)
        outcomes = {job.submission: outcome for job, outcome in executor.run(jobs)}
    assert {name: o.data and o.data["values"]["x"] for name, o in outcomes.items()} == {f"j{i}": i for i in range(90)}
    assert sorted(name for task in tasks for name in task) == sorted(code)  # each sent once
    # No task carries more code than TASK_CODE, unless it is one notebook; the small ones still go several a task.
    assert all(len(task) == 1 or sum(code[name] for name in task) <= TASK_CODE for task in tasks), tasks
    assert max(len(task) for task in tasks) > 1


@pytest.mark.parametrize("seconds, ran", [(0.0, 1), (3600.0, 3)])
def test_a_task_starts_no_job_after_its_time_and_its_outcomes_are_of_the_jobs_it_ran(
    monkeypatch: pytest.MonkeyPatch, seconds: float, ran: int
) -> None:
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 5.0, MEMORY) for i in range(3)]
    started: list[str] = []

    def run(servers: Any, job: Job) -> Phase1Outcome:
        started.append(job.submission)
        return Phase1Outcome(Status.OK, "", _answers(1), 0.25)

    monkeypatch.setattr(dask_executor, "_plugin", lambda name, kind: _Servers())
    monkeypatch.setattr(dask_executor, "guarded_run", run)
    result = run_on_worker(dask_executor._task_payload(jobs), "plugin", seconds)
    assert started == [job.submission for job in jobs[:ran]]  # the first always runs: a task always gets somewhere
    assert len(pickle.loads(result["outcomes"])) == ran


# A lambda: pickled by value, so a worker that cannot import this test module can run it.
_profiling = lambda dask_worker: [dask_worker.periodic_callbacks[name].is_running() for name in QUIET_WORKER]  # noqa: E731


@pytest.mark.slow
def test_on_a_running_cluster_the_workers_profiler_is_stopped_and_answers_come_back(scheduler: str) -> None:
    worker = _worker(scheduler, nthreads=2)
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(12)]
    try:
        with DaskExecutor(scheduler=scheduler, sandbox=UNSANDBOXED) as executor:
            # The profiler of a `dask worker` started as the README says samples for a dashboard no grader has.
            states = executor._client.run(_profiling)
            assert states and not any(any(running) for running in states.values()), states
            answers = {job.submission: (o.status, o.data and o.data["values"]["x"]) for job, o in executor.run(jobs)}
    finally:
        _stop(worker)
    assert answers == {f"j{i}": (Status.OK, i) for i in range(12)}
