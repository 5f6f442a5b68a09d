"""The fork server: a prepared process that forks one fresh child per submission.

Run as `python -m autograder.forkserver`. It imports the costly modules once (autograder.preload),
then reads one JSON request per line on stdin and answers JSON lines on stdout:
  {"id": 7, "job": ..., "result": ..., "work": ..., "limits": {...}}  ->  {"id": 7, "pid": 1234}
  and when that child ends                                             ->  {"id": 7, "exit": -9}
It never runs student code itself, so no submission can leave state for the next. When stdin
closes (the grader ended, however it ended) it kills every child it started and exits.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from typing import Any

from . import preload  # noqa: F401  - the point of a fork server: import once, fork many
from .child import Limits, child_main


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _exit_code(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _start(request: dict[str, Any]) -> int:
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            child_main(request["job"], request["result"], request["work"], Limits(**request["limits"]))
        finally:
            os._exit(70)
    return pid


def _reap(children: dict[int, int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        request_id = children.pop(pid, None)
        if request_id is not None:
            _reply({"id": request_id, "exit": _exit_code(status)})


def serve() -> None:
    children: dict[int, int] = {}
    # A child's exit wakes the loop at once through this pipe, instead of a polling interval.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ, "request")
    selector.register(wake_read, selectors.EVENT_READ, "child")
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "child":
                    os.read(wake_read, 4096)
                    continue
                line = sys.stdin.readline()
                if not line:
                    return
                request = json.loads(line)
                pid = _start(request)
                children[pid] = request["id"]
                _reply({"id": request["id"], "pid": pid})
            _reap(children)
    finally:
        for pid in children:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


if __name__ == "__main__":
    serve()
