"""The fork server: a prepared process that forks one fresh child per submission.

Run as `python -m autograder.forkserver [SCRATCH]`, inside the sandbox when there is one. It imports the
costly modules once (autograder.preload), then reads one JSON request per line on stdin:
    {"id": 7, "job": {...}, "limits": {...}}     start a child for request 7
    {"kill": 7}                                   kill it (and its session) if it still runs
and writes lines on stdout that the grader parses:
    P 7 <pid>          the child for request 7 started
    M 7 <json line>    a line the child sent on its channel (relayed as is, never parsed here)
    E 7 <exit code>    the child ended (negative: killed by that signal); no M line follows
A child can write only to its own channel, so it cannot forge another submission's lines or a P
or E line. The server never runs student code itself, so no submission leaves state for the next.
When stdin closes (the grader ended, however it ended) it kills every child and exits.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

from . import preload  # noqa: F401  - the point of a fork server: import once, fork many
from .child import MESSAGE_CAP, Limits, child_main


@dataclass
class _Child:
    request_id: int
    channel: int
    pending: bytearray = field(default_factory=bytearray)


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _exit_code(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _start(request: dict[str, Any], scratch: str | None) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            os.close(read_end)
            child_main(request["job"], write_end, Limits(**request["limits"]), scratch)
        finally:
            os._exit(70)
    os.close(write_end)
    os.set_blocking(read_end, False)
    return pid, read_end


def _handle(request: dict[str, Any], children: dict[int, "_Child"], selector: selectors.BaseSelector,
            scratch: str | None) -> None:
    if "kill" in request:
        _kill(children, request["kill"])
        return
    pid, channel = _start(request, scratch)
    children[pid] = _Child(request["id"], channel)
    selector.register(channel, selectors.EVENT_READ, pid)
    _emit(f"P {request['id']} {pid}")


def _relay(child: _Child) -> bool:
    """Forward the child's complete lines; False once its channel is closed."""
    while True:
        try:
            chunk = os.read(child.channel, 1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        child.pending += chunk
        while b"\n" in child.pending:
            line, _, rest = bytes(child.pending).partition(b"\n")
            child.pending = bytearray(rest)
            _emit(f"M {child.request_id} {line.decode('utf-8', 'replace')}")
        if len(child.pending) > MESSAGE_CAP:
            child.pending.clear()  # an endless line is dropped, never buffered without bound


def serve(scratch: str | None = None) -> None:
    children: dict[int, _Child] = {}
    # A child's exit wakes the loop at once through this pipe.
    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    requests = sys.stdin.fileno()
    selector.register(requests, selectors.EVENT_READ, None)
    selector.register(wake_read, selectors.EVENT_READ, None)
    # Raw reads into our own buffer: a buffered readline() could hold a second request that
    # arrived in the same read, where select() would never report it.
    pending = b""
    try:
        while True:
            for key, _ in selector.select():
                if key.fileobj == requests:
                    chunk = os.read(requests, 1 << 20)
                    if not chunk:
                        return
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        _handle(json.loads(line), children, selector, scratch)
                elif key.fileobj == wake_read:
                    os.read(wake_read, 4096)
                elif not _relay(children[key.data]):
                    selector.unregister(key.fileobj)
            _reap(children, selector)
    finally:
        for pid in children:
            _signal_group(pid)


def _signal_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


def _kill(children: dict[int, _Child], request_id: int) -> None:
    """Kill a request's child (and its session) if it is still running; its E line follows."""
    for pid, child in children.items():
        if child.request_id == request_id:
            _signal_group(pid)


def _reap(children: dict[int, _Child], selector: selectors.BaseSelector) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        child = children.pop(pid, None)
        if child is None:
            continue
        # Whatever the student's code started in its session ends with it. The pid cannot have
        # been reused yet: only this loop forks, and it is here.
        _signal_group(pid)
        # Whatever the child wrote before it ended is relayed before its end is announced; a
        # grandchild still holding the channel cannot delay that.
        _relay(child)
        try:
            selector.unregister(child.channel)
        except (KeyError, ValueError):
            pass
        os.close(child.channel)
        _emit(f"E {child.request_id} {_exit_code(status)}")


if __name__ == "__main__":
    # Inside the sandbox the children mount their private folders on the one it provides.
    serve(sys.argv[1] if len(sys.argv) > 1 else None)
