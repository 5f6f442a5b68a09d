"""Executors run phase 1 (the student's notebook) for a batch of jobs; one small interface.

The local executor forks every submission from a prepared fork server (autograder.sandboxed.forkserver:
numpy, an IPython shell and the runner already made), so each notebook gets a fresh
process without paying for interpreter start-up; a pool of servers serves one submission each at
a time (so that each server's memory cgroup bounds one submission); a fake in the tests stands in.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from autograder.grading.channel import ChannelReport, decode_answers, read_child
from autograder.grading.forkserver_client import ForkServerClient, ServerPool
from autograder.grading.sandbox import Sandbox, SandboxKind
from autograder.model import Status
from autograder.sandboxed import wire
from autograder.sandboxed.child import EXIT_INTERNAL, EXIT_MEMORY, Limits
from autograder.sandboxed.forkserver import EXIT_COULD_NOT_START
from autograder.sandboxed.runner import first_code_line

# A fork takes milliseconds; a server that cannot start a child in this long is broken.
START_SECONDS = 60.0
# After a kill, the kernel removes the child's processes at once; this bounds a wait that should not be needed.
KILL_SECONDS = 10.0


@dataclass(frozen=True)
class Job:
    """What phase 1 needs for one submission: its cells, the names to read and the probes."""

    submission: str
    cells: tuple[str, ...]
    values: tuple[str, ...]
    probes: dict[str, list[dict[str, Any]]]
    timeout: float
    memory_bytes: int
    probe_seconds: float = 2.0
    #: modules the fork server imports once for every submission of the run (pandas for tables)
    preload: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phase1Outcome:
    """How the run went, and the JSON it recorded (complete, or as of its last good cell)."""

    status: Status
    message: str
    data: dict[str, Any] | None
    seconds: float
    #: the grader failed this job, not the notebook: its row is not kept for reuse
    graders_fault: bool = False


class Executor(Protocol):
    #: empty when student code runs sandboxed; otherwise what is missing, for the run's summary
    warning: str

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        """Run every job; yield each with its outcome as it finishes, in any order."""
        ...


def _last_cell_started(index: int | None, cells: tuple[str, ...]) -> str:
    if index == len(cells) + 1:  # runner.run announces its last re-run of the functions so
        return "; every cell had run, and its functions were being called on the hidden inputs a last time"
    if index is None or not 0 < index <= len(cells):
        return ""
    first = first_code_line(cells[index - 1]).strip()[:60]
    return (
        f"; the last cell to start was cell {index}: `{first}`"
        if first
        else f"; the last cell to start was cell {index}"
    )


def _kept(data: dict[str, Any] | None) -> str:
    return " The answers defined before that were graded." if data else " Nothing could be graded."


def classify(
    data: dict[str, Any] | None,
    killed_for_time: bool,
    exitcode: int | None,
    timeout: float,
    last_cell: str,
    seconds: float,
) -> Phase1Outcome:
    """Name how phase 1 ended; partial answers recorded before a failure are kept."""
    complete = bool(data and data.get("complete") is True)
    kept = _kept(data)
    if killed_for_time:
        return Phase1Outcome(
            Status.TIMEOUT,
            f"The notebook did not finish within {timeout:g} s{last_cell}. "
            "Look for an endless loop or a very slow cell." + kept,
            data,
            seconds,
        )
    if complete:
        return Phase1Outcome(Status.OK, "", data, seconds)
    if exitcode in (EXIT_MEMORY, -signal.SIGKILL):
        return Phase1Outcome(Status.MEMORY, f"The notebook ran out of memory{last_cell}." + kept, data, seconds)
    if exitcode == -signal.SIGSEGV:
        # Not `memory`: the kernel's OOM kill is SIGKILL and a failed allocation a MemoryError. A segfault is the
        # process's own: mostly a C stack overflowed by a recursion limit raised past what it holds.
        return Phase1Outcome(
            Status.CRASH,
            f"The notebook's process crashed with a segmentation fault{last_cell}: a recursion deeper than the stack "
            "holds (after sys.setrecursionlimit), or code that reads memory it does not own (ctypes)." + kept,
            data,
            seconds,
        )
    if exitcode == -signal.SIGXCPU:
        return Phase1Outcome(
            Status.TIMEOUT, f"The notebook used more CPU time than allowed{last_cell}." + kept, data, seconds
        )
    how = f"was killed by signal {-exitcode}" if exitcode and exitcode < 0 else f"exited with code {exitcode}"
    return Phase1Outcome(
        Status.CRASH,
        f"The notebook's process {how} before it finished{last_cell} "
        "(an exit() or os._exit() in a cell, or a crash)." + kept,
        data,
        seconds,
    )


class LocalExecutor:
    """Fresh child processes on this machine, forked from a prepared server, `workers` at a time."""

    def __init__(self, workers: int | None = None, sandbox: Sandbox | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.sandbox = sandbox or Sandbox(SandboxKind.NONE, "the executor was made without a sandbox")
        self.warning = self.sandbox.warning

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        pending = iter(jobs)
        first = next(pending, None)
        if first is None:
            return
        # Every job of a run has the same preload and memory cap.
        servers = ServerPool(self.sandbox, first.preload, first.memory_bytes)
        todo: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        done: queue.SimpleQueue[tuple[Job, Phase1Outcome]] = queue.SimpleQueue()

        def work() -> None:
            while (job := todo.get()) is not None:
                done.put((job, guarded_run(servers, job)))

        workers = [
            threading.Thread(target=work, daemon=True, name=f"cnngrade-worker-{index}") for index in range(self.workers)
        ]
        # `jobs` may read each notebook only when asked: a few jobs per worker are taken ahead (so a
        # worker that finishes finds the next one waiting), never the whole class, whose jobs and
        # answers would otherwise all be held at once.
        limit, in_flight, exhausted = IN_FLIGHT_PER_WORKER * self.workers, 1, False
        todo.put(first)
        try:
            for worker in workers:
                worker.start()
            while True:
                while not exhausted and in_flight < limit:
                    job = next(pending, None)
                    if job is None:
                        exhausted = True
                    else:
                        todo.put(job)
                        in_flight += 1
                if not in_flight:
                    return
                finished = done.get()
                in_flight -= 1
                yield finished
        finally:
            # Stopped early (Ctrl-C, or the caller stopped reading), the notebooks still running are
            # killed before anything waits for them: otherwise the run would wait out each one's
            # --timeout, then throw its row away. No job still queued starts: they are taken back
            # before the workers are told to end (a closed pool would refuse them anyway).
            servers.close()
            _drain(todo)
            for _ in workers:
                todo.put(None)


# How many jobs per worker are taken from `jobs` ahead of their results being read.
IN_FLIGHT_PER_WORKER = 4


def _drain(items: queue.SimpleQueue[Any]) -> None:
    while True:
        try:
            items.get_nowait()
        except queue.Empty:
            return


def guarded_run(servers: ServerPool, job: Job) -> Phase1Outcome:
    """run_one on a server of its own, and whatever goes wrong in the grader's handling of this job stays on its row."""
    started = time.monotonic()
    try:
        with servers.server() as server:
            return run_one(server, job)
    except Exception as error:
        return Phase1Outcome(
            Status.CRASH,
            f"The grader could not run this notebook ({type(error).__name__}). "
            "Nothing could be graded; grade it again.",
            None,
            time.monotonic() - started,
            graders_fault=True,
        )


class _SharedPart:
    """The JSON of what every job of a run shares (the names to read, the probes), encoded once.

    The probes of a run are one object handed to each of its jobs: while a job carries that same
    object (and the same names and probe time), the bytes made for the first are reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, tuple[str, ...], float] | None = None
        self._encoded = b""

    def of(self, job: Job) -> bytes:
        with self._lock:
            key = self._key
            if key is None or key[0] is not job.probes or key[1] != job.values or key[2] != job.probe_seconds:
                shared = {"values": list(job.values), "probes": job.probes, "probe_seconds": job.probe_seconds}
                # Without its braces, to be spliced into each job's object after its cells.
                self._encoded = _encode(shared)[1:-1]
                self._key = (job.probes, job.values, job.probe_seconds)
            return self._encoded


def _encode(message: Any) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


_SHARED = _SharedPart()


def _job_message(job: Job) -> dict[str, Any]:
    """The job as the child reads it (what job_payload encodes)."""
    return {
        "cells": list(job.cells),
        "values": list(job.values),
        "probes": job.probes,
        "probe_seconds": job.probe_seconds,
    }


def job_payload(job: Job) -> bytes:
    """The JOB frame's payload: _job_message(job) as JSON, only the cells encoded anew for each job."""
    return b'{"cells":' + _encode(list(job.cells)) + b"," + _SHARED.of(job) + b"}"


def _send_job(channel: socket.socket, job: Job, deadline: float) -> None:
    try:
        channel.settimeout(max(deadline - time.monotonic(), 0.001))
        wire.send_frame(channel, wire.JOB, job_payload(job))
    except OSError:
        pass  # it died before reading its job: how it ended says why


def run_one(server: ForkServerClient, job: Job) -> Phase1Outcome:
    """Phase 1 for one job: fork a child, hand it its job, read its channel, and say how it ended."""
    started = time.monotonic()
    deadline = started + job.timeout
    request_id = server.start(Limits(seconds=job.timeout, memory_bytes=job.memory_bytes))
    report, channel = ChannelReport(), None
    oom_kills = server.oom_kills()
    try:
        channel = server.channel(request_id, START_SECONDS)
        if channel is not None:
            _send_job(channel, job, deadline)
            report = read_child(channel, deadline)
            if not (report.timed_out or report.violation):
                # Its channel ended: wait for its processes to be gone, within its time.
                report.timed_out = not server.wait(request_id, max(deadline - time.monotonic(), 0.0))
        # (Never handed over, it has no job to end by: it is killed below, not waited out.)
    finally:
        # However this went, even by an exception here, the child and every process it started
        # are gone before its row is written.
        if not server.wait(request_id, 0):
            server.kill(request_id)
            server.wait(request_id, KILL_SECONDS)
        exitcode = server.finish(request_id)
    server_lost = exitcode is None and server.closed
    return _outcome(
        job, report, exitcode, server_lost, server.oom_kills() > oom_kills, channel is None, time.monotonic() - started
    )


def _outcome(
    job: Job,
    report: ChannelReport,
    exitcode: int | None,
    server_lost: bool,
    killed_for_memory: bool,
    never_started: bool,
    seconds: float,
) -> Phase1Outcome:
    """How phase 1 ended for this job, from what its channel said and how its processes ended."""
    last_cell = _last_cell_started(report.progress, job.cells)
    data = decode_answers(report.latest)
    if server_lost and killed_for_memory:
        # One submission per server and cgroup: the memory that took the server down was this notebook's.
        return Phase1Outcome(
            Status.MEMORY,
            "The notebook ran out of memory: it used so much that its grading process was "
            f"stopped{last_cell}." + _kept(data),
            data,
            seconds,
        )
    if (
        never_started
        or server_lost
        or (exitcode in (EXIT_INTERNAL, EXIT_COULD_NOT_START) and report.progress is None and report.latest is None)
    ):
        return Phase1Outcome(
            Status.CRASH,
            "The grader could not start this notebook's process. Nothing could be graded; grade it again.",
            None,
            seconds,
            graders_fault=True,
        )
    if report.violation:
        return Phase1Outcome(
            Status.CRASH,
            "The notebook's process wrote something on the grader's channel that is not "
            f"an answer ({report.violation}), so it was stopped{last_cell}." + _kept(data),
            data,
            seconds,
        )
    if report.too_large is not None and not (data and data.get("complete") is True):
        return Phase1Outcome(
            Status.CRASH,
            f"The notebook's answers came to {report.too_large / 2**20:.0f} MiB, more than "
            f"the grader reads ({wire.ANSWERS_CAP // 2**20} MiB): an answer is far larger than "
            "the question asks for." + _kept(data),
            data,
            seconds,
        )
    if report.latest is not None and data is None:
        return Phase1Outcome(
            Status.CRASH,
            "The notebook's answers could not be read (malformed record). Nothing could be graded.",
            None,
            seconds,
        )
    return classify(
        data, report.timed_out, -signal.SIGKILL if exitcode is None else exitcode, job.timeout, last_cell, seconds
    )
