"""The Dask executor: phase 1 on a Dask cluster, one fork server per worker thread, a few jobs per task.

On the same terms as the local executor, and a cluster's faults cost time, not rows: a worker that
dies takes no row with it (the scheduler runs its notebook again elsewhere, once); a worker running
another grader version is refused; workers may join mid-run; a lost scheduler ends the run with
ClusterLost, every row graded by then kept, and the same command resumes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from types import TracebackType
from typing import Any

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from autograder.errors import ClusterLost, DaskUnavailable
from autograder.grading.executor import Job, Phase1Outcome, guarded_run
from autograder.grading.forkserver_client import ServerPool
from autograder.grading.sandbox import Sandbox, detect
from autograder.grading.version import grader_version
from autograder.model import Status

#: how long a grader joining a running scheduler waits for its first workers, and a run for a worker
#: when none is left
WAIT_FOR_WORKERS = 120.0
#: tasks out per worker thread: one running, the others queued on the scheduler, to start the moment
#: it ends (the scheduler queues a group of tasks only when it outnumbers the threads twice over)
IN_FLIGHT_PER_THREAD = 8
#: most jobs in one task: Dask's own work per task (the scheduler's and the worker's bookkeeping, the
#: messages) is a notebook's worth of CPU, paid once for several
MOST_PER_TASK = 8
#: most code in one task (characters of cells) unless it is one notebook, and read ahead per free slot: a class
#: of large notebooks (data pasted into cells) is one notebook a task, the grader holding about this much code a
#: slot (and one notebook more), never eight notebooks a slot
TASK_CODE = 1 << 20
#: a task starts no further notebook once it has run this long: the rest go back to be sent again, so a
#: finished row waits for its task-mates at most this and one notebook's run
TASK_SECONDS = 0.5
#: a notebook whose worker dies under it this many times, each time running alone, is a crash
DEATHS_TO_CRASH = 2
#: how often a run looks whether its cluster still has a worker it may use
WATCH_SECONDS = 1.0
#: how long a refused worker stays up after it said why, so that the grader hears it
REFUSED_LINGER_SECONDS = 2.0
REFUSED_TOPIC = "cnngrade-refused"

# Periodic work of Dask's own that a grading run has no use for, competing with the notebooks for the
# same cores (a LocalCluster's scheduler runs in the grader): the statistical profiler samples every
# thread every 10 ms, the GIL monitor every 1 ms, the event-loop monitor ticks every 20 ms, the
# system monitor (for a dashboard there is none of) samples every 0.5 s, and work stealing runs every
# 0.1 s (no task is ever queued on a worker to steal).
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.scheduler.work-stealing": False,
}

#: the same, on the workers of a running cluster, once the grader's plugin is set up on them
QUIET_WORKER = ("profile", "profile-cycle")


class ForkServers(WorkerPlugin):
    """Keeps the fork servers of each Dask worker process (one per job running at once, as on one
    machine): started as jobs need them, replaced when one dies, closed with the worker. A worker
    whose grader version is not the grader's is refused: it says why, runs nothing, and leaves."""

    # A second grader on the same cluster must share a running server, never tear it down mid-job.
    idempotent = True

    def __init__(self, sandbox: Sandbox | None, version: str):
        self.sandbox = sandbox  # None: each worker detects its own
        self.version = version
        self.name = f"cnngrade-forkserver-{sandbox.kind if sandbox else 'detect'}-{version}"

    def setup(self, worker: Any) -> None:
        # The statistical profiler samples every thread every 10 ms (and its stacks are kept) for a
        # dashboard: on a worker that runs notebooks in child processes it sees only a thread waiting.
        for name in QUIET_WORKER:
            callback = worker.periodic_callbacks.get(name)
            if callback is not None:
                callback.stop()
        # Set here, not in __init__: the plugin is pickled to the workers, and a lock is not picklable.
        self._lock = threading.Lock()
        self._pools: dict[tuple[tuple[str, ...], int], ServerPool] = {}
        self._isolation: Sandbox | None = None
        self.refused = ""
        mine = grader_version()
        if mine != self.version:
            self.refused = f"it runs grader version {mine}, the grader {self.version}"
            worker.log_event(REFUSED_TOPIC, {"worker": worker.address, "why": self.refused})
            loop = asyncio.get_running_loop()
            reason = f"cnngrade: refused: {self.refused}"
            # Not at once: the grader asks each worker why, right after this plugin is set up.
            loop.call_later(REFUSED_LINGER_SECONDS, lambda: loop.create_task(worker.close(nanny=True, reason=reason)))

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
    """The job as JSON-able data: what a task carries to its worker. All of it, probes included: a part
    shared through the cluster (a worker plugin, scattered data) would outlive the run on the
    scheduler, stop a worker of another version from joining, or be lost with the worker holding it."""
    return {field.name: _as_data(getattr(job, field.name)) for field in dataclass_fields(Job)}


def _as_data(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _job_from_fields(fields: dict[str, Any]) -> Job:
    return Job(
        **{
            **fields,
            "cells": tuple(fields["cells"]),
            "values": tuple(fields["values"]),
            "preload": tuple(fields["preload"]),
        }
    )


def _task_payload(jobs: list[Job]) -> bytes:
    """What a task carries to its worker: its jobs as plain data, in one pickle (which writes the probes the
    run's jobs share once): Dask walks a task's arguments to weigh and copy them, where bytes are measured at
    once."""
    return pickle.dumps([_job_fields(job) for job in jobs], protocol=pickle.HIGHEST_PROTOCOL)


def _jobs_from_payload(payload: bytes) -> Iterator[Job]:
    # Made by the grader (_task_payload), which the worker trusts as it trusts the task itself.
    for fields in pickle.loads(payload):
        yield _job_from_fields(fields)


def _plugin(name: str, kind: type[WorkerPlugin] = WorkerPlugin) -> Any:
    # A worker runs tasks as soon as it is registered, and sets its plugins up just after.
    worker = get_worker()
    deadline = time.monotonic() + 30.0
    while name not in worker.plugins and time.monotonic() < deadline:
        time.sleep(0.01)
    plugin = worker.plugins[name]
    assert isinstance(plugin, kind)
    return plugin


def run_on_worker(payload: bytes, plugin: str, seconds: float = TASK_SECONDS) -> dict[str, Any]:
    """The Dask task: phase 1 for a few jobs, one after another, each forked from this worker's fork
    server, starting none after `seconds` (the outcomes are of the first jobs: the others did not run);
    {"refused": why} on a worker that may not grade."""
    forkservers = _plugin(plugin, ForkServers)
    if forkservers.refused:
        return {"refused": forkservers.refused}
    isolation = forkservers.isolation()
    started = time.monotonic()
    outcomes: list[Phase1Outcome] = []
    for job in _jobs_from_payload(payload):
        if outcomes and time.monotonic() - started >= seconds:
            break
        # The same wait, kill and classification as on one machine, and the same guard around them.
        outcomes.append(guarded_run(forkservers.servers(job), job))
    # As one pickle, the same pickle Dask would make of them: Dask measures every task's result (and
    # every message it sends) by walking it, and a notebook's answers are thousands of small objects,
    # a few milliseconds of the worker's CPU a notebook, where bytes are measured at once.
    return {
        "outcomes": pickle.dumps(outcomes, protocol=pickle.HIGHEST_PROTOCOL),
        "warning": isolation.warning,
        "seconds": time.monotonic() - started,
    }


def _room_for_one_more(result: Any, ran: int, seconds: float) -> bool:
    """Whether a task that ran `ran` notebooks would have had the time for one more, at their average pace."""
    spent = result.get("seconds") if isinstance(result, dict) else None
    return isinstance(spent, float) and spent * (ran + 1) / ran < seconds


def _worker_report(plugin: str, dask_worker: Any) -> tuple[str, str]:
    """(why this worker is refused, or ""; its sandbox's warning)."""
    forkservers = dask_worker.plugins[plugin]
    if forkservers.refused:
        return forkservers.refused, ""
    return "", str(forkservers.isolation().warning)


def _retries_left_to_the_grader(dask_scheduler: Any) -> None:
    # A task whose worker died comes back to the grader as KilledWorker at once: the grader knows what
    # ran in it (several notebooks, or one alone) and so which to run again, and how often.
    dask_scheduler.allowed_failures = 0
    # A worker is sent only what it runs: the tasks beyond that wait on the scheduler, so a worker
    # that dies fails only the tasks it was running, never ones queued on it.
    dask_scheduler.WORKER_SATURATION = 1.0


def failed_outcome(error: BaseException, seconds: float) -> Phase1Outcome:
    """A task that did not come back: a crash row with a message, never an exception out of run().

    Kept only when the notebook is to blame: it took down two workers, one after the other. A task
    that failed any other way failed for the grader's reasons, and a rerun grades it again."""
    if isinstance(error, KilledWorker):
        return Phase1Outcome(
            Status.CRASH,
            "The notebook brought down the grading worker running it twice, on two workers (its process "
            "or machine died each time), so it was not run again. Nothing could be graded.",
            None,
            seconds,
        )
    detail = str(error).strip()[:200]
    return Phase1Outcome(
        Status.CRASH,
        f"Grading on a Dask worker failed ({type(error).__name__}{': ' + detail if detail else ''}). "
        "Nothing could be graded; grade it again.",
        None,
        seconds,
        graders_fault=True,
    )


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


def _to_stderr(notice: str) -> None:
    print(f"cnngrade: {notice}", file=sys.stderr, flush=True)


class DaskExecutor:
    """Phase 1 on a Dask cluster: a local one (`workers` processes) or a running scheduler.

    With `scheduler` ("tcp://HOST:8786"), `workers` is how many workers to wait for before grading
    (default 1). `sandbox` forces one isolation on every worker; by default each worker detects its own.
    `notify` is told, once per worker, why one was refused. `spawning` is entered while a local cluster's
    processes start (the command line's leaves Ctrl-C to the grader alone). Use it as a context manager, or
    call close(): it owns a client, and maybe a cluster.
    """

    #: empty when every worker seen so far runs submissions sandboxed; grows if one joins without
    warning: str
    #: see TASK_SECONDS (a test sets its own)
    task_seconds = TASK_SECONDS

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        sandbox: Sandbox | None = None,
        notify: Callable[[str], None] = _to_stderr,
        spawning: Callable[[], AbstractContextManager[None]] = nullcontext,
    ):
        # Dask logs a lost connection as a traceback; this executor says what happened in one line.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        self._plugin = ForkServers(sandbox, grader_version())
        self._notify = notify
        self._where = scheduler or "the local Dask cluster"
        self._refused: dict[str, str] = {}
        self._threads = 0
        self._graded = 0
        self._notices_lock = threading.Lock()
        self._cluster: LocalCluster | None = None
        if scheduler is None:
            # One thread per process, so `workers` notebooks run at once, as with LocalExecutor; loopback
            # only, and no dashboard: the grader opens no port to the network.
            with dask.config.set(QUIET_CLUSTER), spawning():
                self._cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    worker_dashboard_address=None,
                    # Its HTTP routes (health, metrics) on a free loopback port, not 8787: another
                    # cluster on this machine (a second grader) holds that one.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.CRITICAL,
                    # No memory monitor, every 0.1 s: a worker holds no notebook's memory (each runs in a
                    # child of its own, under its own cap), only the grader's few modules.
                    memory_limit=0,
                )
        try:
            # Not the default client: the grader keeps no global state that another run could pick up.
            # On one machine answers come straight from the worker, not through the scheduler as well.
            self._client = Client(
                self._cluster or scheduler, set_as_default=False, direct_to_workers=bool(self._cluster)
            )
        except BaseException:
            self._close_cluster()
            raise
        try:
            self._client.run_on_scheduler(_retries_left_to_the_grader)
            try:
                self._client.wait_for_workers(workers or 1, timeout=WAIT_FOR_WORKERS)
            except TimeoutError as error:
                raise TimeoutError(
                    f"fewer than {workers or 1} Dask workers joined {self._where} within "
                    f"{WAIT_FOR_WORKERS:g} s: start `dask worker {scheduler}` on the grading "
                    "hosts"
                ) from error
            self._client.subscribe_topic(REFUSED_TOPIC, self._heard_refusal)
            self._client.register_plugin(self._plugin)
            reports = self._client.run(_worker_report, self._plugin.name, on_error="ignore")
            for address, (refused, _) in sorted(reports.items()):
                if refused:
                    self._refuse(address, refused)
            if all(refused for refused, _ in reports.values()):
                raise DaskUnavailable(
                    f"no Dask worker of {self._where} may grade: each runs another version of the grader "
                    f"({next(iter(reports.values()))[0]}); install the same cnngrade on the workers"
                )
            self._warnings = {warning for refused, warning in reports.values() if not refused}
            self.count_threads()
        except BaseException:
            self.close()
            raise
        self.warning = self._summary()

    def _heard_refusal(self, event: tuple[float, dict[str, str]]) -> None:
        _, message = event
        self._refuse(str(message.get("worker")), str(message.get("why")))

    def _refuse(self, address: str, why: str) -> None:
        with self._notices_lock:
            if address in self._refused:
                return
            self._refused[address] = why
        self._notify(f"Dask worker {address} refused, it runs no notebook: {why}")

    def _summary(self) -> str:
        return "; ".join(f"on a Dask worker: {warning}" for warning in sorted(self._warnings) if warning)

    def _slots(self) -> int:
        # The threads as last counted (the watch counts them every second), so a worker that joins
        # mid-run gets work from then on, and no task that ends waits for a call to the scheduler.
        return IN_FLIGHT_PER_THREAD * max(1, self._threads)

    def count_threads(self) -> int:
        """The threads of the workers that may grade, asked of the scheduler."""
        self._threads = sum(n for address, n in self._client.nthreads().items() if address not in self._refused)
        return self._threads

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        # Read as they are graded: grade() makes each job (reading its notebook) only when asked for one.
        waiting = iter(jobs)
        running: dict[Future[dict[str, Any]], _Task] = {}
        done = as_completed(loop=self._client.loop, with_results=True, raise_errors=False)

        def submit(*tasks: _Task) -> None:
            # In one graph: the scheduler then sees them all at once, a group larger than the cluster's
            # threads, and queues what no thread is free for on itself, never on a busy worker.
            # A group of tasks carries its notebooks (tens of MiB where they are large), by design: not the mistake
            # Dask would warn the TA of ("Sending large graph ... Consider loading the data with Dask directly").
            with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1TiB"}):
                futures = self._client.map(
                    run_on_worker,
                    [_task_payload(task.jobs) for task in tasks],
                    [self._plugin.name] * len(tasks),
                    [self.task_seconds] * len(tasks),
                    key=[f"cnngrade-phase1-{uuid.uuid4().hex}" for _ in tasks],
                    pure=False,
                )
            for future, task in zip(futures, tasks, strict=True):
                running[future] = task
                done.add(future)

        held: deque[tuple[Job, int]] = deque()  # taken from `jobs`, not sent yet (see top_up), with their code's size
        held_code = 0
        exhausted = False
        # Notebooks a task: cut to what a task ran when it ran out of time before its last one (each it sent back is
        # sent again), one more after a task of that many ran them all with time left for one more at their pace.
        per_task = MOST_PER_TASK

        def hold(jobs: list[Job], at_front: bool = False) -> None:
            nonlocal held_code
            sized = [(job, sum(map(len, job.cells))) for job in jobs]
            if at_front:
                held.extendleft(reversed(sized))
            else:
                held.extend(sized)
            held_code += sum(code for _, code in sized)

        def task_from_held(size: int) -> _Task:
            nonlocal held_code
            jobs, code = list[Job](), 0
            while held and len(jobs) < size and (not jobs or code + held[0][1] <= TASK_CODE):
                job, job_code = held.popleft()
                held_code -= job_code
                jobs.append(job)
                code += job_code
            return _Task(jobs, time.monotonic())

        def top_up() -> None:
            nonlocal exhausted
            threads = max(1, self._threads)
            free = self._slots() - len(running)
            while not exhausted and len(held) < free * per_task and held_code < free * TASK_CODE:
                job = next(waiting, None)
                if job is None:
                    exhausted = True
                    break
                hold([job])
            # Full tasks while the class lasts, smaller as it runs out so that the last ones end together: a
            # class of no more notebooks than slots is one notebook a task, none of its rows waiting for another's.
            size = per_task if not exhausted else max(1, min(per_task, len(held) // self._slots()))
            ready = -(-len(held) // size)
            # More tasks out than threads only where the scheduler keeps the extra ones queued on itself, as it does
            # for a group of more than twice the threads: a smaller one it hands out at once, some of it behind a
            # running notebook on a busy worker, there to wait for that one however long it runs.
            out = len(running) + ready
            room = min(out if out > 2 * threads else threads, self._slots()) - len(running)
            if len(running) > 2 * threads and room < self._slots() // 2:
                # Sent in groups of half the slots: each submission is a message to the scheduler and a
                # graph it takes in (a few milliseconds of its CPU whatever its size), and meanwhile the
                # threads still have more than their own number of tasks queued behind them.
                return
            tasks: list[_Task] = []
            while held and len(tasks) < room:
                tasks.append(task_from_held(size))
            if tasks:
                submit(*tasks)

        watch = _Watch(self, running)
        try:
            top_up()
            watch.start()
            for future, result in done:
                task = running.pop(future)
                if watch.lost:
                    raise watch.lost
                rows, unstarted = self._rows(task, future, result, submit)
                if unstarted:
                    per_task = max(1, min(per_task, len(rows)))
                    hold(unstarted, at_front=True)  # first out again: they were read before those held
                elif len(rows) == len(task.jobs) >= per_task and _room_for_one_more(
                    result, len(rows), self.task_seconds
                ):
                    per_task = min(MOST_PER_TASK, per_task + 1)
                future.release()  # the scheduler forgets the result: nothing to recompute if a worker dies
                top_up()
                for row in rows:
                    yield row
                    self._graded += 1  # grade() asks for the next row only once this one is saved
        except OSError as error:  # a call to a scheduler that is gone
            if self._client.status == "running":
                raise
            raise ClusterLost(self._scheduler_lost()) from error
        finally:
            watch.stop()
            for future in running:
                future.cancel()

    def _rows(
        self, task: _Task, future: Future[dict[str, Any]], result: Any, submit: Callable[..., None]
    ) -> tuple[list[tuple[Job, Phase1Outcome]], list[Job]]:
        """The rows of a task that came back, and the jobs it did not start (its time ran out); a task to run
        again is submitted instead."""
        seconds = time.monotonic() - task.started
        if future.status == "finished" and isinstance(result, dict) and "refused" in result:
            # It never ran: another worker will (a refused one leaves within seconds; with none other
            # left, the watch ends the run).
            submit(replace(task, bounces=task.bounces + 1))
            return [], []
        if future.status == "finished" and isinstance(result, dict) and "outcomes" in result:
            if result["warning"] not in self._warnings:
                self._warnings.add(result["warning"])  # a worker that joined late, without bubblewrap
                self.warning = self._summary()
            # From the grader's own worker (the notebook ran in a child of it, trusted with nothing): what
            # Dask would have unpickled from it anyway.
            outcomes = pickle.loads(result["outcomes"])
            if not 0 < len(outcomes) <= len(task.jobs):
                raise RuntimeError(f"a Dask task of {len(task.jobs)} jobs sent back {len(outcomes)} outcomes")
            return list(zip(task.jobs, outcomes)), task.jobs[len(outcomes) :]
        if future.status == "cancelled" and self._client.status != "running":
            raise ClusterLost(self._scheduler_lost())
        error = result if isinstance(result, BaseException) else future.exception()
        if not isinstance(error, BaseException):
            error = RuntimeError(f"the task came back as {type(result).__name__}")
        if len(task.jobs) > 1:
            # Which of them failed it is not known: each runs again alone, and what it did as one of
            # several counts against none of them.
            submit(*(_Task([job], time.monotonic()) for job in task.jobs))
            return [], []
        if isinstance(error, KilledWorker) and task.deaths + 1 < DEATHS_TO_CRASH:
            submit(replace(task, deaths=task.deaths + 1))  # its worker died under it: once more, elsewhere
            return [], []
        if not isinstance(error, KilledWorker) and not task.failures:
            # Lost for the grader's reasons (a worker leaving as it came, a cancellation): once more.
            submit(replace(task, failures=1))
            return [], []
        return [(task.jobs[0], failed_outcome(error, seconds))], []

    def _kept(self) -> str:
        return f"the {self._graded} submissions it graded before that are kept (and any an earlier run kept)"

    def _scheduler_lost(self) -> str:
        return (
            f"the connection to the Dask scheduler ({self._where}) was lost mid-run; {self._kept()}: start the "
            "scheduler (and its workers) again and run the same command to grade the rest"
        )

    def _no_worker_left(self) -> str:
        return (
            f"no Dask worker that may grade was left in {self._where} for {WAIT_FOR_WORKERS:g} s; {self._kept()}: "
            "start workers and run the same command to grade the rest"
        )

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def close(self) -> None:
        """Disconnect; a cluster this executor started is shut down (its fork servers with it)."""
        try:
            self._client.close(timeout=10)
        except Exception:
            pass  # a scheduler already gone: nothing to say goodbye to
        self._close_cluster()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _Task:
    """Jobs sent as one Dask task, and what befell them."""

    jobs: list[Job]
    started: float
    #: workers that died running this task alone
    deaths: int = 0
    #: times a refused worker sent it back unrun
    bounces: int = 0
    #: times it failed otherwise, alone
    failures: int = 0


class _Watch:
    """Ends a run whose cluster lost its scheduler, or has had no usable worker for WAIT_FOR_WORKERS:
    its tasks are cancelled, so the run stops waiting for them and raises ClusterLost."""

    def __init__(self, executor: DaskExecutor, running: dict[Any, Any]):
        self._executor, self._running = executor, running
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="cnngrade-dask-watch")
        self.lost: ClusterLost | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        without = None
        client = self._executor._client
        while not self._stopped.wait(WATCH_SECONDS):
            try:
                usable = self._executor.count_threads() if client.status == "running" else 0
            except Exception:
                usable = 0
            if usable:
                without = None
                continue
            without = without or time.monotonic()
            if time.monotonic() - without < WAIT_FOR_WORKERS:
                continue
            self.lost = ClusterLost(self._executor._no_worker_left())
            for future in list(self._running):
                future.cancel()
            return


__all__ = ["DaskExecutor", "ForkServers", "failed_outcome", "run_on_worker"]
