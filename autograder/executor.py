"""Executors run phase 1 (the student's notebook) for a batch of jobs; one small interface.

The local executor forks every submission from a prepared fork server (autograder.forkserver:
numpy, IPython's transformer and this package already imported), so each notebook gets a fresh
process without paying for interpreter start-up; a fake in the tests stands in for it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Iterator, Protocol

from .child import EXIT_MEMORY, Limits
from .sandbox import Sandbox
from .results import CRASH, MEMORY, OK, TIMEOUT
from .runner import first_code_line

RESULT_CAP = 64 * 1024 * 1024


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


@dataclass(frozen=True)
class Phase1Outcome:
    """How the run went, and the JSON it recorded (complete, or as of its last good cell)."""

    status: str
    message: str
    data: dict[str, Any] | None
    seconds: float


class Executor(Protocol):
    #: empty when student code runs sandboxed; otherwise what is missing, for the run's summary
    warning: str

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        """Run every job; yield each with its outcome as it finishes, in any order."""
        ...


def _last_cell_started(index: int | None, cells: tuple[str, ...]) -> str:
    if index is None or not 0 < index <= len(cells):
        return ""
    first = first_code_line(cells[index - 1]).strip()[:60]
    return f"; the last cell to start was cell {index}: `{first}`" if first else f"; the last cell to start was cell {index}"


def classify(data: dict[str, Any] | None, killed_for_time: bool, exitcode: int | None,
             timeout: float, last_cell: str, seconds: float) -> Phase1Outcome:
    """Name how phase 1 ended; partial answers recorded before a failure are kept."""
    complete = bool(data and data.get("complete") is True)
    kept = " The answers defined before that were graded." if data else " Nothing could be graded."
    if killed_for_time:
        return Phase1Outcome(TIMEOUT, f"The notebook did not finish within {timeout:g} s{last_cell}. "
                             "Look for an endless loop or a very slow cell." + kept, data, seconds)
    if complete:
        return Phase1Outcome(OK, "", data, seconds)
    if exitcode in (EXIT_MEMORY, -signal.SIGKILL, -signal.SIGSEGV):
        return Phase1Outcome(MEMORY, f"The notebook ran out of memory{last_cell}." + kept, data, seconds)
    if exitcode == -signal.SIGXCPU:
        return Phase1Outcome(TIMEOUT, f"The notebook used more CPU time than allowed{last_cell}." + kept, data, seconds)
    how = f"was killed by signal {-exitcode}" if exitcode and exitcode < 0 else f"exited with code {exitcode}"
    return Phase1Outcome(CRASH, f"The notebook's process {how} before it finished{last_cell} "
                         "(an exit() or os._exit() in a cell, or a crash)." + kept, data, seconds)


@dataclass
class _Request:
    """What the grader has heard about one child: kept small, only the latest answers."""

    pid: int | None = None
    exitcode: int | None = None
    ended: bool = False
    progress: int | None = None
    latest: str | None = None


class ForkServer:
    """The grader's side of autograder.forkserver: start it (sandboxed or not), ask it for
    children, and keep each child's latest answers and how it ended."""

    def __init__(self, sandbox: Sandbox):
        self._process = subprocess.Popen(sandbox.forkserver_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self._lock = threading.Lock()
        self._next_id = 0
        self._requests: dict[int, _Request] = {}
        self._changed = threading.Condition()
        self._closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            kind, request_id, payload = line.rstrip("\n").split(" ", 2)
            with self._changed:
                request = self._requests.get(int(request_id))
                if request is None:
                    continue
                if kind == "P":
                    request.pid = int(payload)
                elif kind == "E":
                    request.exitcode, request.ended = int(payload), True
                elif kind == "M":
                    self._note(request, payload)
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @staticmethod
    def _note(request: _Request, line: str) -> None:
        # Only the kind is peeked at here; the answers are parsed and validated once, at the end.
        if line.startswith('{"progress": '):
            try:
                request.progress = int(line[len('{"progress": '):-1])
            except ValueError:
                pass
        elif line.startswith(('{"snapshot": ', '{"final": ')):
            request.latest = line

    def _send(self, message: dict[str, Any]) -> None:
        with self._lock:
            assert self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps(message) + "\n")
                self._process.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # the server is gone; wait() reports every child as ended

    def start(self, job: dict[str, Any], limits: Limits) -> int:
        with self._changed:
            self._next_id += 1
            request_id = self._next_id
            self._requests[request_id] = _Request()
        self._send({"id": request_id, "job": job, "limits": asdict(limits)})
        return request_id

    def wait(self, request_id: int, timeout: float | None) -> bool:
        """True once the child has ended (or the server has gone)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._requests[request_id].ended or self._closed, timeout)

    def kill(self, request_id: int) -> None:
        # The server kills it: only the server knows whether that pid is still this child's.
        self._send({"kill": request_id})

    def finish(self, request_id: int) -> _Request:
        with self._changed:
            request = self._requests.pop(request_id)
            if not request.ended:
                request.exitcode = -signal.SIGKILL
            return request

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()


def _answers(latest: str | None) -> dict[str, Any] | None:
    if latest is None or len(latest) > RESULT_CAP:
        return None
    try:
        message = json.loads(latest)
    except ValueError:
        return None
    data = message.get("final") or message.get("snapshot") if isinstance(message, dict) else None
    return data if isinstance(data, dict) else None


class LocalExecutor:
    """Fresh child processes on this machine, forked from a prepared server, `workers` at a time."""

    def __init__(self, workers: int | None = None, sandbox: Sandbox | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.sandbox = sandbox or Sandbox("none", "the executor was made without a sandbox")
        self.warning = self.sandbox.warning

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        server = ForkServer(self.sandbox)
        try:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                futures = {pool.submit(self.run_one, server, job): job for job in jobs}
                try:
                    for future in as_completed(futures):
                        yield futures[future], future.result()
                finally:
                    for future in futures:
                        future.cancel()
        finally:
            server.close()

    def run_one(self, server: ForkServer, job: Job) -> Phase1Outcome:
        started = time.monotonic()
        request_id = server.start({"cells": list(job.cells), "values": list(job.values), "probes": job.probes,
                                   "probe_seconds": job.probe_seconds},
                                  Limits(seconds=job.timeout, memory_bytes=job.memory_bytes))
        ended = server.wait(request_id, job.timeout)
        if not ended:
            server.kill(request_id)
            server.wait(request_id, 10)
        request = server.finish(request_id)
        return classify(_answers(request.latest), not ended, request.exitcode, job.timeout,
                        _last_cell_started(request.progress, job.cells), time.monotonic() - started)
