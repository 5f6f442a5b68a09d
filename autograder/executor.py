"""Executors run phase 1 (the student's notebook) for a batch of jobs; one small interface.

The local executor forks every submission from a prepared fork server (autograder.forkserver:
numpy, IPython's transformer and this package already imported), so each notebook gets a fresh
process without paying for interpreter start-up; a fake in the tests stands in for it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

from .child import Limits, child_main
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
    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        """Run every job; yield each with its outcome as it finishes, in any order."""
        ...


def _last_cell_started(progress: Path, cells: tuple[str, ...]) -> str:
    try:
        index = int(progress.read_text())
    except (OSError, ValueError):
        return ""
    first = first_code_line(cells[index - 1]).strip()[:60] if 0 < index <= len(cells) else ""
    return f"; the last cell to start was cell {index}: `{first}`" if first else f"; the last cell to start was cell {index}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > RESULT_CAP:
            return None
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def classify(data: dict[str, Any] | None, killed_for_time: bool, exitcode: int | None, stderr: str,
             timeout: float, last_cell: str, seconds: float) -> Phase1Outcome:
    """Name how phase 1 ended; partial answers recorded before a failure are kept."""
    complete = bool(data and data.get("complete") is True)
    kept = " The answers defined before that were graded." if data else " Nothing could be graded."
    if killed_for_time:
        return Phase1Outcome(TIMEOUT, f"The notebook did not finish within {timeout:g} s{last_cell}. "
                             "Look for an endless loop or a very slow cell." + kept, data, seconds)
    if complete:
        return Phase1Outcome(OK, "", data, seconds)
    if "MemoryError" in stderr or exitcode == -signal.SIGKILL:
        return Phase1Outcome(MEMORY, f"The notebook ran out of memory{last_cell}." + kept, data, seconds)
    if exitcode == -signal.SIGXCPU:
        return Phase1Outcome(TIMEOUT, f"The notebook used more CPU time than allowed{last_cell}." + kept, data, seconds)
    how = f"was killed by signal {-exitcode}" if exitcode and exitcode < 0 else f"exited with code {exitcode}"
    return Phase1Outcome(CRASH, f"The notebook's process {how} before it finished{last_cell} "
                         "(an exit() or os._exit() in a cell, or a crash)." + kept, data, seconds)


class ForkServer:
    """The grader's side of the fork server: start it, ask it for children, learn how they ended."""

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "autograder.forkserver"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self._lock = threading.Lock()
        self._next_id = 0
        self._pids: dict[int, int] = {}
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            message = json.loads(line)
            with self._changed:
                if "pid" in message:
                    self._pids[message["id"]] = message["pid"]
                else:
                    self._exits[message["id"]] = message["exit"]
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    _closed = False

    def start(self, job: str, result: str, work: str, limits: Limits) -> int:
        """Fork a child for one job; its request id."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps({"id": request_id, "job": job, "result": result, "work": work,
                                                  "limits": asdict(limits)}) + "\n")
            self._process.stdin.flush()
        return request_id

    def wait(self, request_id: int, timeout: float | None) -> int | None:
        """The child's exit code (negative: killed by that signal), or None if still running."""
        with self._changed:
            self._changed.wait_for(lambda: request_id in self._exits or self._closed, timeout)
            return self._exits.pop(request_id, -signal.SIGKILL if self._closed else None)

    def kill(self, request_id: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: request_id in self._pids or request_id in self._exits or self._closed, 5)
            pid = self._pids.pop(request_id, None)
        if pid is not None:
            _kill_group(pid)

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()


class LocalExecutor:
    """Fresh child processes on this machine, forked from a prepared server, `workers` at a time."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        server = ForkServer()
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
        scratch = Path(tempfile.mkdtemp(prefix="cnngrade-"))
        started = time.monotonic()
        try:
            work, job_path, result_path = scratch / "work", scratch / "job.json", scratch / "result.json"
            work.mkdir()
            job_path.write_text(json.dumps({"cells": list(job.cells), "values": list(job.values),
                                            "probes": job.probes, "probe_seconds": job.probe_seconds}))
            request = server.start(str(job_path), str(result_path), str(work),
                                   Limits(seconds=job.timeout, memory_bytes=job.memory_bytes))
            exitcode = server.wait(request, job.timeout)
            killed_for_time = exitcode is None
            server.kill(request)
            if exitcode is None:
                exitcode = server.wait(request, None)
            stderr = scratch / "result.json.stderr"
            tail = stderr.read_bytes()[-4000:].decode("utf-8", "replace") if stderr.exists() else ""
            return classify(_read_json(result_path), killed_for_time, exitcode, tail, job.timeout,
                            _last_cell_started(scratch / "result.json.progress", job.cells),
                            time.monotonic() - started)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _kill_group(pid: int) -> None:
    # Whatever the student's code started (subprocesses, forks) ends with its notebook; before the
    # child has made its own session, only the child itself can be named.
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue
