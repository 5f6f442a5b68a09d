"""The process that runs one submission: forked from the fork server, isolated, limited, phase 1.

The job arrives in memory (the fork carries it); everything goes back as JSON lines on one pipe,
which the fork server relays. The child writes no file the grader reads.
"""
from __future__ import annotations

import json
import math
import os
import resource
from dataclasses import dataclass
from typing import Any

from . import isolation
from .runner import run

MESSAGE_CAP = 32 * 1024 * 1024
EXIT_MEMORY = 71


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_bytes: int
    file_bytes: int = 64 * 1024 * 1024
    processes: int = 64


def _limit(limits: Limits) -> None:
    # Hard limits as well as soft: student code cannot raise them again.
    caps = [(resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_CPU, math.ceil(limits.seconds) + 2), (resource.RLIMIT_FSIZE, limits.file_bytes),
            (resource.RLIMIT_NPROC, limits.processes)]
    for kind, value in caps:
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # a cap above what the server itself may have stays at the server's


class Channel:
    """JSON lines to the fork server; a write that fails (the reader is gone) ends the child."""

    def __init__(self, fd: int):
        self._fd = fd

    def send(self, kind: str, payload: Any) -> None:
        line = (json.dumps({kind: payload}) + "\n").encode()
        if len(line) > MESSAGE_CAP:
            line = (json.dumps({"error": "answers too large to send"}) + "\n").encode()
        view = memoryview(line)
        while view:
            try:
                written = os.write(self._fd, view)
            except OSError:
                os._exit(75)
            view = view[written:]


def child_main(job: dict[str, Any], channel_fd: int, limits: Limits, scratch: str | None = None) -> None:
    """Entry point in the forked child; never returns. `scratch`: where to mount its private folder."""
    # Inherited descriptors include the server's protocol pipes: keep only our own channel.
    os.closerange(3, channel_fd)
    os.closerange(channel_fd + 1, os.sysconf("SC_OPEN_MAX"))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.setsid()
    os.chdir(isolation.private_scratch(limits.file_bytes, scratch))
    # After the namespaces: entering one may reset these process attributes.
    isolation.die_with_parent()
    isolation.not_dumpable()
    _limit(limits)
    channel = Channel(channel_fd)
    try:
        result = run(job, record=lambda partial: channel.send("snapshot", partial),
                     progress=lambda index: channel.send("progress", index))
    except MemoryError:
        os._exit(EXIT_MEMORY)
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    channel.send("final", result)
    # Skip interpreter shutdown: a student's atexit hooks or threads must not change the result.
    os._exit(0)
