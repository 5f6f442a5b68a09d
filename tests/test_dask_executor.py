"""The Dask executor: the same gradebook as the local one (its faults: tests/test_dask_faults.py)."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import KilledWorker

from autograder.grading import dask_executor
from autograder.grading.dask_executor import (
    DaskExecutor,
    _job_fields,
    _job_from_fields,
    _jobs_from_payload,
    _task_payload,
    failed_outcome,
)
from autograder.grading.executor import Job, LocalExecutor
from autograder.grading.run import grade
from autograder.grading.sandbox import detect
from autograder.model import Status

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw1"
TIMING = Path("/tmp/cnngrade-dask-timing.txt")
DASK = Path(sys.executable).parent / "dask"
MEMORY = 2 * 1024**3


def test_a_task_carries_only_json_and_rebuilds_the_same_job() -> None:
    job = Job("one", ("x = 1", "y = 2"), ("x", "y"), {"conv2d": [{"args": [[1, 2]], "kwargs": {}}]}, 5.0, MEMORY)
    assert _job_from_fields(json.loads(json.dumps(_job_fields(job)))) == job


def test_a_task_of_several_jobs_rebuilds_every_job_in_order_and_carries_the_run_s_probes_once() -> None:
    run_probes = {"conv2d": [{"args": [[[0.5] * 50] * 50], "kwargs": {"stride": 2}}] * 10}
    other = {"relu": [{"args": [[-1.0, 2.0]], "kwargs": {}}]}
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), run_probes, 5.0, MEMORY) for i in range(8)]
    jobs.insert(3, Job("odd", ("x = -1",), ("x",), other, 5.0, MEMORY))
    payload = _task_payload(jobs)
    assert list(_jobs_from_payload(payload)) == jobs
    # Eight jobs sharing the run's probes weigh about one: the probes are not repeated per job.
    assert len(payload) < len(pickle.dumps(run_probes)) + len(pickle.dumps(other)) + 150 * len(jobs)


@pytest.mark.parametrize(
    ("error", "says", "graders_fault"),
    [
        pytest.param(
            KilledWorker("cnngrade-phase1-x", None, 0),  # type: ignore[arg-type]
            "brought down the grading worker running it twice",
            False,
            id="killed-two-workers",
        ),
        pytest.param(
            RuntimeError("fork server would not start"),
            "RuntimeError: fork server would not start",
            True,
            id="task-raised",
        ),
    ],
)
def test_a_task_that_did_not_come_back_is_a_crash_kept_only_when_the_notebook_is_to_blame(
    error: BaseException, says: str, graders_fault: bool
) -> None:
    outcome = failed_outcome(error, 1.5)
    assert (outcome.status, outcome.data, outcome.seconds) == (Status.CRASH, None, 1.5)
    assert says in outcome.message and "Nothing could be graded" in outcome.message
    assert outcome.graders_fault is graders_fault


def _records(out: Path) -> dict[str, dict[str, Any]]:
    # Timing is the only field allowed to differ between two executors.
    found = {}
    for path in sorted((out / "records").glob("[!.]*.json")):  # not the run's own index files
        result = json.loads(path.read_text())["result"]
        result.pop("seconds")
        found[path.stem] = result
    return found


@pytest.mark.slow
def test_a_local_dask_cluster_grades_exactly_as_the_local_executor(tmp_path: Path) -> None:
    local_out, dask_out = tmp_path / "local", tmp_path / "dask"
    started = time.monotonic()
    grade(
        assignment="hw1", submissions=EXAMPLES, out=local_out, seed=1234, timeout=5, executor=LocalExecutor(2, detect())
    )
    local_seconds = time.monotonic() - started

    started = time.monotonic()
    with DaskExecutor(workers=2) as executor:
        cluster_up = time.monotonic()
        grade(assignment="hw1", submissions=EXAMPLES, out=dask_out, seed=1234, timeout=5, executor=executor)
        graded = time.monotonic()
        warning = executor.warning
    closed = time.monotonic()

    report = (
        f"hw1 sample class ({len(list(EXAMPLES.glob('*.ipynb')))} notebooks, --timeout 5, 2 workers):\n"
        f"  local executor  grade(): {local_seconds:.2f} s\n"
        f"  Dask executor   grade(): {graded - cluster_up:.2f} s "
        f"(+ LocalCluster start {cluster_up - started:.2f} s, close {closed - graded:.2f} s; "
        f"total {closed - started:.2f} s)\n"
    )
    print("\n" + report)
    TIMING.write_text(report)

    assert bool(warning) == bool(detect().warning)
    assert (dask_out / "gradebook.csv").read_bytes() == (local_out / "gradebook.csv").read_bytes()
    assert _records(dask_out) == _records(local_out)
    local_json = sorted(p.name for p in (local_out / "results").glob("*.json"))
    assert sorted(p.name for p in (dask_out / "results").glob("*.json")) == local_json
    for name in local_json:  # the Gradescope files hold no timing: byte-identical too
        assert (dask_out / "results" / name).read_bytes() == (local_out / "results" / name).read_bytes()


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` on loopback, as a course would run it on its scheduler host."""
    info = tmp_path / "scheduler.json"
    process = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        yield json.loads(info.read_text())["address"]
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _fork_servers_under(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        for child in [pid for pid, ppid in parents.items() if ppid == parent]:
            frontier.append(child)
            if Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[1:3] == [
                b"-m",
                b"autograder.sandboxed.forkserver",
            ]:
                found.append(child)
    return found


@pytest.mark.slow
def test_joining_a_running_scheduler_grades_as_the_local_executor(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_executor, "WAIT_FOR_WORKERS", 1.0)
    with pytest.raises(TimeoutError, match=f"start `dask worker {scheduler}`"):
        DaskExecutor(scheduler=scheduler)

    submissions = tmp_path / "in"
    submissions.mkdir()
    for path in sorted(EXAMPLES.glob("*.ipynb"))[:5]:
        shutil.copy(path, submissions / path.name)
    worker = subprocess.Popen(
        [str(DASK), "worker", scheduler, "--nthreads", "2", "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        monkeypatch.setattr(dask_executor, "WAIT_FOR_WORKERS", 60.0)
        with DaskExecutor(scheduler=scheduler) as executor:
            grade(
                assignment="hw1", submissions=submissions, out=tmp_path / "dask", seed=7, timeout=5, executor=executor
            )
        servers = _fork_servers_under(worker.pid)
        # One per job running at once on the worker (two threads): each serves one submission at a
        # time, in a memory cgroup of its own where the grader may make one; kept for the next run.
        assert 1 <= len(servers) <= 2
    finally:
        _stop(worker)
    assert not any(Path(f"/proc/{pid}").exists() for pid in servers)  # closed with its worker
    grade(
        assignment="hw1",
        submissions=submissions,
        out=tmp_path / "local",
        seed=7,
        timeout=5,
        executor=LocalExecutor(2, detect()),
    )
    assert (tmp_path / "dask" / "gradebook.csv").read_bytes() == (tmp_path / "local" / "gradebook.csv").read_bytes()
