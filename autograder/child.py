"""The process that runs one submission: forked from a prepared server, limited, then phase 1.

Why each line is here:
- a new session, so the whole process group (and whatever the student started) can be killed;
- parent-death signal, so nothing outlives a grader that was killed with kill -9;
- resource limits set as hard limits, so student code cannot raise them again;
- standard streams closed to the grader: the only way out is the result file, written atomically.
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import signal
from dataclasses import dataclass
from typing import Any

from .runner import run

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_bytes: int
    file_bytes: int = 64 * 1024 * 1024
    processes: int | None = None


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the CPU limit below still ends a runaway child


def _limit(limits: Limits) -> None:
    cpu = math.ceil(limits.seconds) + 2
    caps = [(resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_FSIZE, limits.file_bytes)]
    if limits.processes is not None:
        caps.append((resource.RLIMIT_NPROC, limits.processes))
    for kind, value in caps:
        resource.setrlimit(kind, (value, value))


def _write_json(path: str, data: dict[str, Any]) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def _quiet_standard_streams(stderr_path: str) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    errors = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(errors, 2)


def child_main(job_path: str, result_path: str, work_dir: str, limits: Limits) -> None:
    """Entry point in the forked child; never returns."""
    # Inherited descriptors include the fork server's keep-alive pipe: a child holding it would
    # keep the server, and so itself, alive after the grader dies.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.setsid()
    _die_with_parent()
    _quiet_standard_streams(result_path + ".stderr")
    os.chdir(work_dir)
    with open(job_path) as handle:
        job = json.load(handle)
    os.unlink(job_path)
    _limit(limits)
    progress_path = result_path + ".progress"

    def progress(index: int) -> None:
        with open(progress_path, "w") as handle:
            handle.write(str(index))

    result = run(job, record=lambda partial: _write_json(result_path, partial), progress=progress)
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _write_json(result_path, result)
    # Skip interpreter shutdown: a student's atexit hooks or threads must not change the result.
    os._exit(0)
