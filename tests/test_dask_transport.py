# ruff: noqa: F811 (the scheduler fixture, imported, is named by the tests that use it)
"""What a Dask run costs per notebook besides the notebook: what a task carries (the probes once per
worker), what its answers weigh for Dask, how often the grader calls the scheduler, where answers are
fetched from, and the workers' own sampling."""

from __future__ import annotations

import json
import math
import pickle
from typing import Any

import pytest
from dask.sizeof import sizeof

from autograder.grading import dask_executor
from autograder.grading.dask_executor import (
    IN_FLIGHT_PER_THREAD,
    QUIET_WORKER,
    SHARED_FIELDS,
    DaskExecutor,
    SharedPart,
    _job_fields,
    _job_from_fields,
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

    result = run_on_worker([dask_executor._job_fields(job) for job in jobs], "plugin")

    # Dask measures a task's result by walking it: what it walks here is a bytes object, whatever the answers.
    assert isinstance(result["outcomes"], bytes)
    assert sizeof(result) < sizeof(result["outcomes"]) + 1024
    assert pickle.loads(result["outcomes"]) == [made[job.submission] for job in jobs]


def _probes(seed: int) -> dict[str, list[dict[str, Any]]]:
    return {"conv2d": [{"args": [[[seed, 2.5]] * 40], "kwargs": {"stride": seed}}] * 20, "relu": []}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_task_names_the_shared_part_instead_of_carrying_it_and_rebuilds_the_same_job(seed: int) -> None:
    job = Job("one", ("x = 1", "y = 2"), ("x", "y"), _probes(seed), 5.0, MEMORY, probe_seconds=3.0, preload=("pandas",))
    part = SharedPart(job)
    carried = json.loads(json.dumps(_job_fields(job, part.name)))
    assert not set(SHARED_FIELDS) & set(carried)
    # What the worker holds is what the plugin was pickled with; the job it makes is the grader's.
    held = pickle.loads(pickle.dumps(part))
    assert _job_from_fields(carried, {held.name: held.fields}.__getitem__) == job


def test_a_shared_part_is_named_by_its_content() -> None:
    base = Job("a", ("x = 1",), ("x",), _probes(1), 5.0, MEMORY)
    same = Job("b", ("y = 2",), ("x",), _probes(1), 9.0, MEMORY)  # another notebook, the same probes
    assert SharedPart(base).name == SharedPart(same).name
    for other in (
        Job("a", ("x = 1",), ("x",), _probes(2), 5.0, MEMORY),
        Job("a", ("x = 1",), ("x", "y"), _probes(1), 5.0, MEMORY),
        Job("a", ("x = 1",), ("x",), _probes(1), 5.0, MEMORY, probe_seconds=4.0),
    ):
        assert SharedPart(other).name != SharedPart(base).name


@pytest.mark.slow
def test_a_large_class_is_sent_to_the_scheduler_in_groups_its_probes_once_and_every_row_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(120)]
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        sent: list[int] = []
        submit = executor._client.map

        def counted(function: Any, *iterables: Any, **options: Any) -> Any:
            sent.append(len(iterables[0]))
            return submit(function, *iterables, **options)

        monkeypatch.setattr(executor._client, "map", counted)
        registered: list[str] = []
        register = executor._client.register_plugin

        def noted(plugin: Any, *args: Any, **options: Any) -> Any:
            registered.append(type(plugin).__name__)
            return register(plugin, *args, **options)

        monkeypatch.setattr(executor._client, "register_plugin", noted)
        outcomes = {job.submission: outcome for job, outcome in executor.run(jobs)}
    assert {name: (o.status, o.data and o.data["values"]["x"]) for name, o in outcomes.items()} == {
        f"j{i}": (Status.OK, i) for i in range(120)
    }
    assert sum(sent) == len(jobs)  # each job sent once: no task failed
    # Every job has a probes object of its own here, with the same content: one part, sent once.
    assert registered == ["SharedPart"]
    slots = IN_FLIGHT_PER_THREAD * 2
    # The first fill, then one call per half the slots freed (a one-task call per notebook before).
    assert len(sent) <= 1 + math.ceil((len(jobs) - slots) / (slots // 2)) + 2, sent


def _profiling(dask_worker: Any) -> list[bool]:
    return [dask_worker.periodic_callbacks[name].is_running() for name in QUIET_WORKER]


@pytest.mark.slow
def test_on_a_running_cluster_answers_come_straight_from_workers_the_grader_can_reach(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = _worker(scheduler, nthreads=2)
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(12)]
    expected = {f"j{i}": (Status.OK, i) for i in range(12)}
    try:
        with DaskExecutor(scheduler=scheduler, sandbox=UNSANDBOXED) as executor:
            assert executor._client.direct_to_workers is True
            # The profiler of a `dask worker` started as the README says samples for a dashboard no grader has.
            states = executor._client.run(_profiling)
            assert states and not any(any(running) for running in states.values()), states
            reached = {job.submission: (o.status, o.data and o.data["values"]["x"]) for job, o in executor.run(jobs)}

        # A worker that does not answer the grader (behind NAT): its answers come through the scheduler.
        monkeypatch.setattr(dask_executor, "DIRECT_PROBE_SECONDS", 0.0)
        with DaskExecutor(scheduler=scheduler, sandbox=UNSANDBOXED) as executor:
            assert executor._client.direct_to_workers is False
            relayed = {job.submission: (o.status, o.data and o.data["values"]["x"]) for job, o in executor.run(jobs)}
    finally:
        _stop(worker)
    assert reached == relayed == expected
