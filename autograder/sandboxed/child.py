"""The two processes of one submission: a watcher forked from the fork server, and the submission.

The watcher enters namespaces of the submission's own (isolation.py), forks the submission as
PID 1 there, and waits: when PID 1 ends the kernel kills everything it started, so by the time the
watcher exits (and the grader hears of it) nothing of the submission is left. The submission reads
its job (cells, names, probe inputs) from its own socket only after the fork, so no process it
descends from ever held another notebook, and answers go back on that socket as frames (wire.py).
"""

from __future__ import annotations

import json
import math
import os
import resource
import select
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass
from typing import Any, NoReturn

from . import isolation, wire
from .runner import run

EXIT_MEMORY, EXIT_NO_JOB, EXIT_CHANNEL_GONE, EXIT_INTERNAL = 71, 72, 75, 70


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_bytes: int
    file_bytes: int = 64 * 1024 * 1024
    processes: int = 32
    # Open files per process. Descriptors in flight on Unix sockets count per uid against the
    # *sender's* limit: this low, a notebook can never fill the count the fork server sends under.
    files: int = 1024


def _limit(limits: Limits) -> None:
    # Hard limits as well as soft, and capabilities go next: student code cannot raise them again.
    # The private tmpfs folders hold memory that RLIMIT_AS does not see, so they come out of its share.
    address_space = max(limits.memory_bytes - limits.file_bytes - isolation.SHM_BYTES, limits.memory_bytes // 2)
    caps = [
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, math.ceil(limits.seconds) + 2),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_NOFILE, limits.files),
    ]
    for kind, value in caps:
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # a cap above what the server itself may have stays at the server's


class Channel:
    """Frames to the grader; a write that fails (the grader is gone) ends the submission.

    A snapshot is taken after a cell and the next cell starts right after it, so the next cell's
    progress frame goes in the same write as the snapshot: one system call (and one wake-up of the
    grader) fewer per cell that changed an answer."""

    def __init__(self, sock: socket.socket, cells: int = 0):
        self._sock, self._cells = sock, cells
        self._announced: int | None = None

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError:
            os._exit(EXIT_CHANNEL_GONE)

    def progress(self, index: int) -> None:
        if index != self._announced:
            self._send(wire.frame(wire.PROGRESS, wire.PROGRESS_PAYLOAD.pack(index)))

    def answers(self, kind: int, result: dict[str, Any]) -> None:
        payload = json.dumps(result, separators=(",", ":")).encode()
        if len(payload) > wire.ANSWERS_CAP:
            data = wire.frame(wire.TOO_LARGE, json.dumps({"bytes": len(payload)}).encode())
        else:
            data = wire.frame(kind, payload)
        following = result.get("cells_run", 0) + 1
        if kind == wire.SNAPSHOT and following <= self._cells:
            data += wire.frame(wire.PROGRESS, wire.PROGRESS_PAYLOAD.pack(following))
            self._announced = following
        self._send(data)


def _keep_only(sock: socket.socket) -> None:
    """Close every inherited descriptor but this socket; stdio goes to /dev/null."""
    fd = sock.fileno()
    os.closerange(3, fd)
    os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
    null = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(null, std)
    if null > 2:
        os.close(null)


def _exit_like(status: int) -> NoReturn:
    """End the way the submission ended, so the fork server reports its exit code or signal."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if number not in (signal.SIGKILL, signal.SIGSTOP):  # those two cannot be handled anyway
            signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [number])
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status))


def watcher_main(sock: socket.socket, limits: Limits, scratch: str | None) -> NoReturn:
    """In the process the fork server forked: isolate, fork the submission, wait, mirror its end.

    SIGTERM (blocked by the server across the fork) means "time is up": the submission is killed."""
    _keep_only(sock)
    os.setsid()
    isolation.die_with_parent()
    isolated = isolation.own_namespaces()
    # Without a sandbox's /scratch: a folder in memory of our own mount namespace, which nothing
    # needs to remove; only where the kernel allows no mount namespace, one on the host, made here
    # so that it is removed here (which a kill of this process prevents).
    mounted = own_folder = False
    if scratch and os.path.isdir(scratch):
        folder = str(scratch)
    else:
        private = isolation.private_scratch(limits.file_bytes)
        mounted, own_folder = private is not None, private is None
        folder = private or tempfile.mkdtemp(prefix="cnngrade-work-")
    # The submission tells whether the watcher still lives by this pipe, whose write end only the
    # watcher holds: in its own PID namespace, getppid() says nothing.
    alive_read, alive_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(alive_write)
            submission_main(sock, limits, folder, isolated, alive_read, mounted)
        finally:
            os._exit(EXIT_INTERNAL)
    os.close(alive_read)
    sock.close()
    signal.signal(signal.SIGTERM, lambda signum, frame: isolation.kill_group(pid))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    _, status = os.waitpid(pid, 0)
    if not isolated:
        isolation.kill_group(pid)  # no PID namespace did it: whatever its process group still holds
    if own_folder:
        shutil.rmtree(folder, ignore_errors=True)
    _exit_like(status)


def submission_main(
    sock: socket.socket, limits: Limits, folder: str, isolated: bool, watcher_alive: int, mounted: bool = False
) -> NoReturn:
    isolation.die_with_parent()
    if select.select([watcher_alive], [], [], 0)[0]:
        os._exit(EXIT_INTERNAL)  # the watcher died before we could be tied to it
    os.close(watcher_alive)
    if not isolated:
        os.setsid()  # a process group of our own for the watcher to kill, in place of a PID namespace
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    os.chdir(isolation.private_mounts(limits.file_bytes, folder, mounted))
    _limit(limits)
    isolation.no_more_privileges()
    isolation.restrict_syscalls()
    # Last, as it makes our own /proc files root's. Every submission runs as the same uid: where
    # a PID namespace could not hide us, only this keeps a sibling out of our memory.
    isolation.not_dumpable()
    try:
        job = wire.receive_job(sock)
    except (OSError, ValueError):
        os._exit(EXIT_NO_JOB)
    channel = Channel(sock, len(job["cells"]) if isinstance(job, dict) and isinstance(job.get("cells"), list) else 0)
    try:
        result = run(job, record=lambda partial: channel.answers(wire.SNAPSHOT, partial), progress=channel.progress)
    except MemoryError:
        os._exit(EXIT_MEMORY)
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    channel.answers(wire.FINAL, result)
    # Skip interpreter shutdown: a student's atexit hooks or threads must not change the result.
    os._exit(0)
