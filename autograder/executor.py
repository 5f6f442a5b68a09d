"""Executors run phase 1 (the student's notebook) for a batch of jobs; one small interface.

The local executor gives every submission a fresh child process with a wall-clock timeout, an
address-space cap and a private scratch folder; a fake in the tests stands in for it.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

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


@dataclass(frozen=True)
class Phase1Outcome:
    """How the run went, and the raw JSON it returned when it returned any."""

    status: str
    message: str
    data: dict[str, Any] | None
    seconds: float


class Executor(Protocol):
    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        """Run every job; yield each with its outcome as it finishes, in any order."""
        ...


def _limit_resources(memory_bytes: int) -> None:
    # Runs in the child between fork and exec: caps that the student's code cannot raise again.
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child_environment() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    # One BLAS thread per submission: the parallelism is across submissions, and a thread pool
    # would reserve address space against the memory cap.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    return env


def _last_cell_started(progress: Path, cells: tuple[str, ...]) -> str:
    try:
        index = int(progress.read_text())
    except (OSError, ValueError):
        return ""
    first = first_code_line(cells[index - 1]).strip()[:60] if 0 < index <= len(cells) else ""
    return f"; the last cell to start was cell {index}: `{first}`" if first else f"; the last cell to start was cell {index}"


def run_in_process(job: Job) -> Phase1Outcome:
    """Run one job in a fresh child process and classify how it ended."""
    scratch = Path(tempfile.mkdtemp(prefix="cnngrade-"))
    started = time.monotonic()
    try:
        job_path, result_path = scratch / "job.json", scratch / "result.json"
        work = scratch / "work"
        work.mkdir()
        job_path.write_text(json.dumps({"cells": list(job.cells), "values": list(job.values), "probes": job.probes}))
        with open(scratch / "stderr", "wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "autograder.runner", str(job_path), str(result_path)],
                cwd=work, env=_child_environment(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=stderr, start_new_session=True,
                preexec_fn=lambda: _limit_resources(job.memory_bytes))
            try:
                child.wait(timeout=job.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                where = _last_cell_started(Path(str(result_path) + ".progress"), job.cells)
                return Phase1Outcome(TIMEOUT, f"the notebook did not finish within {job.timeout:g} s{where}. "
                                     "Look for an endless loop or a very slow cell.", None, job.timeout)
            finally:
                _kill_group(child.pid)
        seconds = time.monotonic() - started
        return _read_result(result_path, child.returncode, (scratch / "stderr"), seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _kill_group(pid: int) -> None:
    # Whatever the student's code started (subprocesses, forks) ends with its notebook.
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_result(path: Path, returncode: int, stderr: Path, seconds: float) -> Phase1Outcome:
    if not path.exists():
        tail = stderr.read_bytes()[-2000:].decode("utf-8", "replace")
        if "MemoryError" in tail or returncode == -signal.SIGKILL:
            return Phase1Outcome(MEMORY, "the notebook ran out of memory and was stopped before its "
                                 "answers could be read.", None, seconds)
        how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
        return Phase1Outcome(CRASH, f"the notebook's process {how} before its answers could be read "
                             "(an exit() or os._exit() in a cell, or a crash).", None, seconds)
    if path.stat().st_size > RESULT_CAP:
        return Phase1Outcome(CRASH, "the notebook's answers are too large to read.", None, seconds)
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Phase1Outcome(CRASH, "the notebook's answers could not be read (malformed result).", None, seconds)
    return Phase1Outcome(OK, "", data, seconds)


class LocalExecutor:
    """Fresh child processes on this machine, `workers` at a time."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(run_in_process, job): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()
