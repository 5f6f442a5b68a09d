"""The Dask executor: phase 1 on a Dask cluster, one fork server per worker process, one task per job."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from types import TracebackType
from typing import Any

from distributed import Client, Future, KilledWorker, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from autograder.grading.executor import Job, Phase1Outcome, guarded_run
from autograder.grading.forkserver_client import ServerPool
from autograder.grading.sandbox import Sandbox, detect
from autograder.model import Status

#: how long a grader joining a running scheduler waits for its first workers
WAIT_FOR_WORKERS = 120.0


class ForkServers(WorkerPlugin):
    """Keeps the fork servers of each Dask worker process (one per job running at once, as on one
    machine): started as jobs need them, closed with the worker."""

    # A second grader on the same cluster must share a running server, never tear it down mid-job.
    idempotent = True

    def __init__(self, sandbox: Sandbox | None):
        self.sandbox = sandbox  # None: each worker detects its own
        self.name = f"cnngrade-forkserver-{sandbox.kind if sandbox else 'detect'}"

    def setup(self, worker: Any) -> None:
        # Set here, not in __init__: the plugin is pickled to the workers, and a lock is not picklable.
        self._lock = threading.Lock()
        self._pools: dict[tuple[tuple[str, ...], int], ServerPool] = {}
        self._isolation: Sandbox | None = None

    def isolation(self) -> Sandbox:
        with self._lock:
            if self._isolation is None:
                # Detected on the worker: what matters is whether *this* host can run bubblewrap.
                self._isolation = self.sandbox or detect()
            return self._isolation

    def servers(self, job: Job) -> ServerPool:
        """This worker's servers for jobs like this one (the same preload and memory cap)."""
        isolation = self.isolation()
        with self._lock:
            key = (job.preload, job.memory_bytes)
            if key not in self._pools:
                self._pools[key] = ServerPool(isolation, job.preload, job.memory_bytes)
            return self._pools[key]

    def teardown(self, worker: Any) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()  # each server kills any child still running, then exits
            self._pools.clear()


def _job_fields(job: Job) -> dict[str, Any]:
    """The job as JSON-able data: what a task carries to its worker."""
    return {**asdict(job), "cells": list(job.cells), "values": list(job.values), "preload": list(job.preload)}


def _job_from_fields(fields: dict[str, Any]) -> Job:
    return Job(
        **{
            **fields,
            "cells": tuple(fields["cells"]),
            "values": tuple(fields["values"]),
            "preload": tuple(fields["preload"]),
        }
    )


def run_on_worker(fields: dict[str, Any], plugin: str) -> dict[str, Any]:
    """The Dask task: phase 1 for one job, forked from this worker's fork server."""
    forkservers = get_worker().plugins[plugin]
    assert isinstance(forkservers, ForkServers)
    job = _job_from_fields(fields)
    isolation = forkservers.isolation()
    # The same wait, kill and classification as on one machine, and the same guard around them.
    outcome = guarded_run(forkservers.servers(job), job)
    return {
        "status": outcome.status,
        "message": outcome.message,
        "data": outcome.data,
        "seconds": outcome.seconds,
        "warning": isolation.warning,
    }


def _worker_warning(plugin: str, dask_worker: Any) -> str:
    return str(dask_worker.plugins[plugin].isolation().warning)


def _no_retries(dask_scheduler: Any) -> None:
    # The scheduler reruns a task whose worker died up to three times by default; a notebook that
    # takes its worker down would take down the next ones too, and a rerun would be silent.
    dask_scheduler.allowed_failures = 0


def failed_outcome(error: BaseException, seconds: float) -> Phase1Outcome:
    """A task that did not come back: a crash row with a message, never an exception out of run()."""
    if isinstance(error, KilledWorker):
        message = (
            "The grading worker running this notebook was lost before it finished (its process or "
            "machine died); the notebook was not run again. Nothing could be graded."
        )
    else:
        detail = str(error).strip()[:200]
        message = (
            f"Grading on a Dask worker failed ({type(error).__name__}{': ' + detail if detail else ''}). "
            "Nothing could be graded."
        )
    return Phase1Outcome(Status.CRASH, message, None, seconds)


def protocol_not_set_up(address: str) -> str | None:
    """What the protocol of a scheduler's `address` lacks here, if anything, asked before connecting:
    without it distributed fails deep inside its connection with a TypeError (tls:// with no client
    certificates; ucx://, which needs distributed-ucxx)."""
    import importlib.util

    from distributed.security import Security

    scheme = address.partition("://")[0]
    if scheme == "tls" and Security().get_connection_args("client").get("ssl_context") is None:
        return (
            "Dask's TLS settings for a client (distributed.comm.tls.ca-file, .client.cert and .client.key, "
            "in ~/.config/dask/ or DASK_DISTRIBUTED__COMM__TLS__... variables)"
        )
    if scheme == "ucx" and importlib.util.find_spec("distributed_ucxx") is None:
        return "UCX for Dask: pip install distributed-ucxx-cu12"
    return None


class DaskExecutor:
    """Phase 1 on a Dask cluster: a local one (`workers` processes) or a running scheduler.

    With `scheduler` ("tcp://HOST:8786"), `workers` is how many workers to wait for before grading
    (default 1). `sandbox` forces one isolation on every worker; by default each worker detects its own.
    Use it as a context manager, or call close(): it owns a client, and maybe a cluster.
    """

    #: empty when every worker seen so far runs submissions sandboxed; grows if one joins without
    warning: str

    def __init__(self, scheduler: str | None = None, workers: int | None = None, sandbox: Sandbox | None = None):
        self._plugin = ForkServers(sandbox)
        self._cluster: LocalCluster | None = None
        if scheduler is None:
            # One thread per process, so `workers` notebooks run at once, as with LocalExecutor; loopback
            # only, and no dashboard: the grader opens no port to the network.
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                worker_dashboard_address=None,
            )
        try:
            # Not the default client: the grader keeps no global state that another run could pick up.
            self._client = Client(self._cluster or scheduler, set_as_default=False)
        except BaseException:
            self._close_cluster()
            raise
        try:
            self._client.run_on_scheduler(_no_retries)
            try:
                self._client.wait_for_workers(workers or 1, timeout=WAIT_FOR_WORKERS)
            except TimeoutError as error:
                where = scheduler or "the local cluster"
                raise TimeoutError(
                    f"fewer than {workers or 1} Dask workers joined {where} within "
                    f"{WAIT_FOR_WORKERS:g} s: start `dask worker {scheduler}` on the grading "
                    "hosts"
                ) from error
            self._client.register_plugin(self._plugin)
            self._warnings = set(self._client.run(_worker_warning, self._plugin.name).values())
        except BaseException:
            self.close()
            raise
        self.warning = self._summary()

    def _summary(self) -> str:
        return "; ".join(f"on a Dask worker: {warning}" for warning in sorted(self._warnings) if warning)

    def _slots(self) -> int:
        # Never more tasks out than threads: a task is only ever on a worker that is running it, so a
        # worker that dies takes no queued job with it.
        return max(1, sum(self._client.nthreads().values()))

    def _submit(self, job: Job) -> Future[dict[str, Any]]:
        return self._client.submit(
            run_on_worker,
            _job_fields(job),
            self._plugin.name,
            key=f"cnngrade-phase1-{uuid.uuid4().hex}",
            pure=False,
            retries=0,
        )

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        waiting = iter(jobs)
        running: dict[Future[dict[str, Any]], tuple[Job, float]] = {}
        done = as_completed(loop=self._client.loop)

        def top_up() -> None:
            slots = self._slots()
            while len(running) < slots:
                job = next(waiting, None)
                if job is None:
                    return
                future = self._submit(job)
                running[future] = (job, time.monotonic())
                done.add(future)

        try:
            top_up()
            for future in done:
                job, submitted = running.pop(future)
                outcome = self._collect(future, time.monotonic() - submitted)
                future.release()  # the scheduler forgets the result: nothing to recompute if a worker dies
                top_up()
                yield job, outcome
        finally:
            for future in running:
                future.cancel()

    def _collect(self, future: Future[dict[str, Any]], seconds: float) -> Phase1Outcome:
        # KilledWorker, CancelledError or whatever the task raised: one bad row, never the whole batch.
        try:
            result = future.result()
        except Exception as error:
            return failed_outcome(error, seconds)
        if result["warning"] not in self._warnings:
            self._warnings.add(result["warning"])  # a worker that joined late, without bubblewrap
            self.warning = self._summary()
        return Phase1Outcome(result["status"], result["message"], result["data"], result["seconds"])

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def close(self) -> None:
        """Disconnect; a cluster this executor started is shut down (its fork servers with it)."""
        self._client.close()
        self._close_cluster()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["DaskExecutor", "ForkServers", "failed_outcome", "run_on_worker"]
