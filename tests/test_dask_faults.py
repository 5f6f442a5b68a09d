# ruff: noqa: F811 (the scheduler fixture, imported, is named by the tests that use it)
"""A Dask cluster's faults cost time, not rows: lost workers, a lost scheduler, refused, joining and
fork-server-less workers, each on a real cluster (a LocalCluster, or `dask worker`s of a `dask scheduler`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from distributed import Client

from autograder.errors import EXIT_CLUSTER_LOST, EXIT_INTERRUPTED, ClusterLost, DaskUnavailable
from autograder.grading import dask_executor
from autograder.grading.dask_executor import DaskExecutor
from autograder.grading.executor import Job, Phase1Outcome
from autograder.grading.run import grade
from autograder.grading.sandbox import Sandbox, SandboxKind
from autograder.model import Status

from .test_cli_usage import CNNGRADE, ENDS_WITHIN, ended_within, interrupted_grader, wait_for
from .test_dask_executor import DASK, EXAMPLES, MEMORY, _fork_servers_under, _stop, scheduler  # noqa: F401

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
# Unsandboxed, so that a notebook can leave a mark where the test sees it.
UNSANDBOXED = Sandbox(SandboxKind.NONE, "test: the notebook writes a marker file for the test")

# Each run adds a line to the marker, then waits (to be killed) until the marker has `runs` lines, holding a
# lock on the marker: the kernel's list of locks is how the test finds the worker running it (a notebook's
# process is not dumpable: only root could look at its open files).
RUN_UNTIL = """import fcntl, time
holding = open({marker!r}, "a")
fcntl.flock(holding, fcntl.LOCK_SH)
holding.write("ran\\n")
holding.flush()
if open({marker!r}).read().count("ran") < {runs}:
    time.sleep(60)
x = 42"""


@pytest.fixture
def markers() -> Iterator[Path]:
    # Not under /tmp: each child gets a private tmpfs there, so the file would never be seen.
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        yield Path(folder)


def _runs(marker: Path) -> int:
    return marker.read_text().count("ran") if marker.exists() else 0


def _lockers(marker: Path) -> set[int]:
    """The processes holding a lock on `marker`, from /proc/locks ("1: FLOCK ADVISORY READ <pid> <maj>:<min>:<inode> ...")."""
    status = marker.stat()
    device = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    fields = (line.split() for line in Path("/proc/locks").read_text().splitlines())
    return {int(parts[4]) for parts in fields if len(parts) > 5 and parts[5] == device}


def _kill_worker_running_the_notebook_locking(marker: Path) -> int:
    """SIGKILL the Dask worker process under which the notebook holding a lock on `marker` runs; its pid.

    Found from that notebook's own process up, not by what else runs: under load a quick notebook on
    the other worker can live long enough to be taken for the waiting one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # Only this test's processes: one a killed worker left behind may hold its lock a moment longer.
        ours = {process.pid: process for process in psutil.Process().children(recursive=True)}
        for pid in _lockers(marker) & ours.keys():
            with contextlib.suppress(psutil.Error):
                # The notebook and the fork server it was forked from share the server's command line.
                worker = next(p for p in ours[pid].parents() if "sandboxed.forkserver" not in " ".join(p.cmdline()))
                worker.send_signal(signal.SIGKILL)
                return worker.pid
        time.sleep(0.05)
    raise AssertionError("no notebook of this test was holding a lock on the marker")


def _killer(marker: Path, kills: int, killed: list[int]) -> threading.Thread:
    def kill() -> None:
        for run in range(1, kills + 1):
            deadline = time.monotonic() + 120
            while _runs(marker) < run and time.monotonic() < deadline:
                time.sleep(0.05)
            killed.append(_kill_worker_running_the_notebook_locking(marker))

    return threading.Thread(target=kill, daemon=True)


def _jobs(marker: Path, runs: int, quick: int) -> list[Job]:
    waits = Job("waits", (RUN_UNTIL.format(marker=str(marker), runs=runs),), ("x",), {}, 90.0, MEMORY)
    return [waits] + [Job(f"quick{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(quick)]


def _run(executor: DaskExecutor, jobs: list[Job]) -> dict[str, Phase1Outcome]:
    return {job.submission: outcome for job, outcome in executor.run(jobs)}


def test_a_killed_worker_costs_time_only_and_a_notebook_that_kills_two_is_a_crash_kept(markers: Path) -> None:
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        # Killed once: run again on another worker, to its real answers.
        killed: list[int] = []
        killer = _killer(markers / "once", 1, killed)
        killer.start()
        once = _run(executor, _jobs(markers / "once", runs=2, quick=5))
        killer.join(60)
        # Killed every time it runs: after the second worker, a crash of its own.
        killer = _killer(markers / "always", 2, killed)
        killer.start()
        always = _run(executor, _jobs(markers / "always", runs=99, quick=0))
        killer.join(60)

    assert len(set(killed)) == 3, killed  # three worker processes died, each running the notebook
    assert _runs(markers / "once") == 2
    assert once["waits"].status == Status.OK, once["waits"]
    assert once["waits"].data is not None and once["waits"].data["values"]["x"] == 42
    assert {name: o.data["values"]["x"] for name, o in once.items() if name != "waits" and o.data} == {
        f"quick{i}": i for i in range(5)
    }
    assert _runs(markers / "always") == 2  # not a third time
    assert always["waits"].status == Status.CRASH
    assert "brought down the grading worker running it twice" in always["waits"].message
    assert not always["waits"].graders_fault  # the notebook's doing: its row is kept


def _tasks_sent(executor: DaskExecutor) -> list[list[str]]:
    """The submissions of each task the executor sends from now on, in the order sent (filled as it sends)."""
    sent: list[list[str]] = []
    submit = executor._client.map

    def counted(function: Any, *iterables: Any, **options: Any) -> Any:
        sent.extend([job.submission for job in dask_executor._jobs_from_payload(task)] for task in iterables[0])
        return submit(function, *iterables, **options)

    executor._client.map = counted  # type: ignore[method-assign]
    return sent


def test_a_worker_killed_under_a_task_of_several_notebooks_costs_time_only(markers: Path) -> None:
    # A class larger than the slots: tasks of several notebooks, the waiting one first in its task.
    jobs = _jobs(markers / "once", runs=2, quick=40)
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        tasks = _tasks_sent(executor)
        killed: list[int] = []
        killer = _killer(markers / "once", 1, killed)
        killer.start()
        outcomes = _run(executor, jobs)
        killer.join(60)

    assert len(killed) == 1 and _runs(markers / "once") == 2
    first = next(index for index, task in enumerate(tasks) if "waits" in task)
    assert len(tasks[first]) > 1, tasks  # it was killed in a task with others
    # and each of that task's notebooks was sent again, alone
    assert all([name] in tasks[first + 1 :] for name in tasks[first]), tasks
    assert {name: (o.status, o.data and o.data["values"]["x"]) for name, o in outcomes.items()} == {
        "waits": (Status.OK, 42),
        **{f"quick{i}": (Status.OK, i) for i in range(40)},
    }


def test_a_task_past_its_time_sends_back_what_it_did_not_start_and_each_notebook_is_graded_once() -> None:
    jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(100)]
    with DaskExecutor(workers=2, sandbox=UNSANDBOXED) as executor:
        executor.task_seconds = 0.0  # each task runs its first notebook only
        tasks = _tasks_sent(executor)
        rows = [
            (job.submission, outcome.status, outcome.data and outcome.data["values"]["x"])
            for job, outcome in executor.run(jobs)
        ]
    assert sorted(rows) == sorted((f"j{i}", Status.OK, i) for i in range(100))  # each once, to its answer
    assert len(tasks) == len(jobs)  # one task a row: each ran its first notebook and no other
    assert sum(map(len, tasks)) > len(jobs) and max(map(len, tasks)) > 1, tasks  # the others were sent again


def _class(folder: Path, copies: int) -> Path:
    folder.mkdir()
    for path in sorted(EXAMPLES.glob("*.ipynb")):
        if path.stem != "infinite_loop_last_cell":
            for copy in range(copies):
                shutil.copy(path, folder / f"{path.stem}_{copy}.ipynb")
    return folder


def test_a_lost_scheduler_ends_the_run_keeping_what_was_graded_and_a_rerun_resumes(tmp_path: Path) -> None:
    submissions, out = _class(tmp_path / "in", 3), tmp_path / "out"
    total = len(list(submissions.glob("*.ipynb")))
    finished: list[str] = []
    with DaskExecutor(workers=2) as executor:
        cluster = executor._cluster
        assert cluster is not None

        def lose_the_scheduler(result: object) -> None:
            finished.append(str(result))
            if len(finished) == 5:
                executor._client.loop.add_callback(cluster.scheduler.close)

        with pytest.raises(ClusterLost, match=r"scheduler .* was lost mid-run.*run the same command") as lost:
            grade(
                assignment="hw1",
                submissions=submissions,
                out=out,
                seed=3,
                timeout=10,
                executor=executor,
                on_result=lose_the_scheduler,
            )
    assert lost.value.exit_code == EXIT_CLUSTER_LOST
    kept = {path.stem for path in (out / "records").glob("[!.]*.json")}
    assert 5 <= len(kept) < total  # every row finished before the loss is kept, and the run stopped
    # What phase 1 ran is counted (the unreadable notebooks' rows were made without it).
    ran = {name for name in kept if not name.startswith("broken_json")}
    assert f"the {len(ran)} submissions it graded before that are kept" in str(lost.value)

    with DaskExecutor(workers=2) as executor:
        rerun = grade(assignment="hw1", submissions=submissions, out=out, seed=3, timeout=10, executor=executor)
    assert rerun.reused == len(kept)
    assert len(rerun.results) == total and all(r.status in (Status.OK, Status.INVALID) for r in rerun.results)


def _worker(address: str, nthreads: int = 1, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DASK), "worker", address, "--nthreads", str(nthreads), "--nworkers", "1", "--no-dashboard"]
        + ["--host", "127.0.0.1", "--name", f"w{time.monotonic_ns()}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def _another_grader(root: Path) -> dict[str, str]:
    """The environment of a worker that imports a copy of the grader with one file changed."""
    for name in ("autograder", "solutions"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    with (root / "autograder" / "model.py").open("a") as handle:
        handle.write("\n# a fix the grader does not have\n")
    return {"PYTHONPATH": str(root)}


def test_a_worker_of_another_grader_version_is_refused_and_runs_nothing(scheduler: str, tmp_path: Path) -> None:
    other = _another_grader(tmp_path / "other")
    alone = _worker(scheduler, env=other)
    try:
        with pytest.raises(DaskUnavailable, match="another version of the grader"):
            DaskExecutor(scheduler=scheduler)
        assert alone.wait(timeout=60) is not None  # it left the cluster
    finally:
        _stop(alone)

    good, refused = _worker(scheduler), _worker(scheduler, env=other)
    notices: list[str] = []
    try:
        with DaskExecutor(scheduler=scheduler, workers=2, notify=notices.append) as executor:
            outcomes = _run(executor, [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(12)])
            assert _fork_servers_under(refused.pid) == []
            assert len(_fork_servers_under(good.pid)) >= 1
    finally:
        _stop(good)
        _stop(refused)
    assert {name: (o.status, o.message) for name, o in outcomes.items()} == {
        f"j{i}": (Status.OK, "") for i in range(12)
    }
    assert len(notices) == 1, notices  # once, though it was asked and also said so itself
    assert "refused" in notices[0] and "grader version" in notices[0]
    address = notices[0].split("Dask worker ")[1].split(" ")[0]
    assert address.startswith("tcp://127.0.0.1:")


def test_a_worker_that_joins_mid_run_gets_work(scheduler: str, markers: Path) -> None:
    first = _worker(scheduler)
    second: subprocess.Popen[bytes] | None = None
    try:
        with DaskExecutor(scheduler=scheduler, sandbox=UNSANDBOXED) as executor:
            jobs = [
                Job(f"j{i}", ("import time; time.sleep(0.3)", "x = 1"), ("x",), {}, 20.0, MEMORY) for i in range(40)
            ]
            outcomes = {}
            for job, outcome in executor.run(jobs):
                outcomes[job.submission] = outcome
                if second is None:
                    second = _worker(scheduler)
            busy = [_fork_servers_under(first.pid), _fork_servers_under(second.pid if second else 0)]
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert all(o.status == Status.OK for o in outcomes.values()) and len(outcomes) == 40
    assert all(busy), busy  # each worker started a fork server: each ran notebooks


def test_a_fork_server_that_died_on_a_worker_is_replaced(scheduler: str) -> None:
    worker = _worker(scheduler)
    try:
        with DaskExecutor(scheduler=scheduler, sandbox=UNSANDBOXED) as executor:
            jobs = [Job(f"j{i}", (f"x = {i}",), ("x",), {}, 20.0, MEMORY) for i in range(3)]
            before = _run(executor, jobs)
            dead = _fork_servers_under(worker.pid)
            assert dead
            for pid in dead:
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in dead):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.5)
            after = _run(executor, jobs)
            replaced = _fork_servers_under(worker.pid)
    finally:
        _stop(worker)
    for outcomes in (before, after):
        assert {name: (o.status, o.data and o.data["values"]["x"]) for name, o in outcomes.items()} == {
            f"j{i}": (Status.OK, i) for i in range(3)
        }
    assert replaced and not set(replaced) & set(dead)


@pytest.mark.slow
def test_ctrl_c_while_the_grader_waits_for_workers_ends_the_run(scheduler: str, tmp_path: Path) -> None:
    # A scheduler with no worker: the grader waits for one (up to WAIT_FOR_WORKERS). A TA's Ctrl-C then ends the
    # run at once, as it does everywhere else, not when the wait runs out.
    out = tmp_path / "out"
    command = [str(CNNGRADE), "grade", "hw1", str(EXAMPLES / "hw1"), "--out", str(out), "--executor", "dask"]
    command += ["--scheduler", scheduler, "--workers", "1"]
    with Client(scheduler, set_as_default=False) as watching, interrupted_grader(command) as grader:

        def clients() -> int:
            return int(watching.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.clients)))

        # Ours, the scheduler's own ("fire-and-forget"), and the grader's once it connected and is waiting.
        before = clients()
        wait_for(lambda: clients() > before or grader.poll() is not None, 120)
        assert grader.poll() is None, grader.communicate()
        os.killpg(grader.pid, signal.SIGINT)
        interrupted = time.monotonic()
        _, stderr = ended_within(grader, 60)
        took = time.monotonic() - interrupted
    assert grader.returncode == EXIT_INTERRUPTED, stderr.decode()[-2000:]
    assert took < ENDS_WITHIN, f"{took:.1f} s"
    assert stderr.decode().strip().splitlines()[-1] == (
        "cnngrade: interrupted before grading began; run the same command again to grade."
    )
