"""Executors run phase 1 (the student's notebook) for a batch of jobs; one small interface.

The local executor forks every submission from a prepared fork server (numpy, IPython's
transformer and this package already imported), so each notebook gets a fresh process without
paying for interpreter start-up; a fake in the tests stands in for it.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

from .child import Limits, child_main
from .results import CRASH, MEMORY, OK, TIMEOUT
from .runner import first_code_line

RESULT_CAP = 64 * 1024 * 1024
PRELOAD = ["autograder.preload"]


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


class LocalExecutor:
    """Fresh child processes on this machine, forked from a prepared server, `workers` at a time."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(self.run_one, job): job for job in jobs}
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            finally:
                for future in futures:
                    future.cancel()

    def run_one(self, job: Job) -> Phase1Outcome:
        scratch = Path(tempfile.mkdtemp(prefix="cnngrade-"))
        started = time.monotonic()
        try:
            work, job_path, result_path = scratch / "work", scratch / "job.json", scratch / "result.json"
            work.mkdir()
            job_path.write_text(json.dumps({"cells": list(job.cells), "values": list(job.values),
                                            "probes": job.probes, "probe_seconds": job.probe_seconds}))
            limits = Limits(seconds=job.timeout, memory_bytes=job.memory_bytes)
            process = self._context.Process(target=child_main, daemon=True,
                                            args=(str(job_path), str(result_path), str(work), limits))
            process.start()
            process.join(job.timeout)
            killed_for_time = process.exitcode is None
            _kill_group(process)
            process.join()
            stderr = (scratch / "result.json.stderr")
            tail = stderr.read_bytes()[-4000:].decode("utf-8", "replace") if stderr.exists() else ""
            return classify(_read_json(result_path), killed_for_time, process.exitcode, tail, job.timeout,
                            _last_cell_started(scratch / "result.json.progress", job.cells),
                            time.monotonic() - started)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _kill_group(process: Any) -> None:
    # Whatever the student's code started (subprocesses, forks) ends with its notebook.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.exitcode is None:
        process.kill()
