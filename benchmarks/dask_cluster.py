"""A Dask cluster already running when `cnngrade grade --scheduler` starts, as a course runs one.

The scheduler and its workers are started as the README's Dask section says (`dask scheduler`, then
`dask worker ADDRESS --nworkers N --nthreads 1`, no dashboard), by the Python of the install under test
(so the workers run that install's grader), on loopback, each cluster in a session of its own so that
it is stopped as a whole. How long it took until every worker had joined is measured apart from the
grading: a course starts its cluster once, for many runs, and it is a LocalCluster's start-up that a
one-machine `--executor dask` pays on every run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: how long a scheduler or its workers may take to come up on a loaded machine
READY_SECONDS = 120.0


class ClusterFailed(Exception):
    """The cluster did not come up: the measurement that needed it is left out, and said."""


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the process's whole session (a worker's nanny, its workers and their fork servers)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def _started(command: list[str], folder: Path, log: str) -> subprocess.Popen[bytes]:
    with (folder / log).open("wb") as output:
        return subprocess.Popen(
            command,
            cwd=folder,  # outside the checkout: -m would import its package for any Python
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, TMPDIR=str(folder)),
            start_new_session=True,
        )


def _wait_for_workers(address: str, workers: int) -> None:
    from distributed import Client

    with Client(address, timeout=READY_SECONDS, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=READY_SECONDS)


@dataclass(frozen=True)
class Cluster:
    address: str
    #: seconds from starting the scheduler until every worker had joined
    start: float


@contextmanager
def running_cluster(python: Path, workers: int, folder: Path) -> Iterator[Cluster]:
    """The scheduler's address, with `workers` one-thread workers joined; stopped on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "scheduler.json"
    started = time.perf_counter()
    scheduler = _started(
        [str(python), "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
        + ["--no-dashboard", "--scheduler-file", str(info)],
        folder,
        "scheduler.log",
    )
    worker = None
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not info.exists() or not info.read_text().strip():
            if scheduler.poll() is not None or time.monotonic() > deadline:
                raise ClusterFailed(f"the scheduler did not start: {(folder / 'scheduler.log').read_text()[-2000:]}")
            time.sleep(0.05)
        address = json.loads(info.read_text())["address"]
        worker = _started(
            [str(python), "-m", "distributed.cli.dask_worker", address, "--nworkers", str(workers)]
            + ["--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            folder,
            "workers.log",
        )
        try:
            _wait_for_workers(address, workers)
        except (OSError, TimeoutError) as error:
            raise ClusterFailed(f"{workers} workers did not join {address}: {error}") from error
        yield Cluster(address, time.perf_counter() - started)
    finally:
        _stop(worker)
        _stop(scheduler)
