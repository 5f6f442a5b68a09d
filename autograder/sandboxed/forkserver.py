"""The fork server: a prepared process that forks one fresh process tree per submission.

Run as `python -m autograder.sandboxed.forkserver --control FD [--scratch DIR] [--preload MODULE ...]`,
inside the sandbox when there is one. It imports the costly modules once, then takes requests on
the control socket FD (SOCK_SEQPACKET: one JSON message per packet, from the grader only):
    {"fork": 7, "limits": {...}}     start a submission for request 7
    {"kill": 7}                      its time is up: kill it (and everything it started)
and answers on the same socket:
    {"started": 7, "pid": 1234}      with the grader's end of the submission's own socket attached
                                     (SCM_RIGHTS); the job and the answers travel on that socket
    {"ended": 7, "code": -9}         the submission and every process it started are gone
The server never reads a byte a submission writes and never sees a notebook: the grader sends
each job straight to its child after the fork. So no submission can speak for another, and none
inherits memory that held another's work. When the control socket closes (the grader ended,
however it ended) it kills every submission and exits.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import resource
import selectors
import signal
import socket
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from . import isolation

if TYPE_CHECKING:
    # Not at run time: the grader imports this module for request() and must not import numpy and
    # IPython with it (child.py does) before it has started its first server (grading/early.py).
    from .child import Limits

CONTROL_PACKET = 64 * 1024
# The exit code reported for a request whose watcher could not be forked or handed over.
EXIT_COULD_NOT_START = 69


def _exit_code(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


class Server:
    def __init__(self, control: socket.socket, scratch: str | None):
        self.control, self.scratch = control, scratch
        self.children: dict[int, int] = {}  # watcher pid -> request id

    def start(self, request_id: int, limits: Limits) -> None:
        """Fork the submission's watcher and hand the grader its socket; a failure ends only this request."""
        try:
            grader_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError:
            self.ended(request_id, EXIT_COULD_NOT_START)
            return
        try:
            pid = self._fork(limits, grader_end, child_end)
        except OSError:
            grader_end.close()
            child_end.close()
            self.ended(request_id, EXIT_COULD_NOT_START)
            return
        child_end.close()
        self.children[pid] = request_id
        try:
            socket.send_fds(
                self.control, [json.dumps({"started": request_id, "pid": pid}).encode()], [grader_end.fileno()]
            )
        except OSError:
            os.kill(pid, signal.SIGKILL)  # never started for the grader: its end is reported as usual
        finally:
            grader_end.close()  # the server keeps no submission's socket

    def _fork(self, limits: Limits, grader_end: socket.socket, child_end: socket.socket) -> int:
        from .child import watcher_main  # imported by preload already: found, not loaded

        # SIGTERM is how a kill is asked for; blocked across the fork so it waits for the watcher's handler.
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
        try:
            pid = os.fork()
            if pid == 0:
                try:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    grader_end.close()
                    self.control.close()
                    watcher_main(child_end, limits, self.scratch)
                finally:
                    os._exit(70)
            return pid
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])

    def ended(self, request_id: int, code: int) -> None:
        self.control.send(json.dumps({"ended": request_id, "code": code}).encode())

    def kill(self, request_id: int) -> None:
        for pid, known in self.children.items():
            if known == request_id:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            request_id = self.children.pop(pid, None)
            if request_id is not None:
                self.ended(request_id, _exit_code(status))

    def handle(self, message: dict[str, Any]) -> None:
        if "fork" in message:
            from .child import Limits

            self.start(int(message["fork"]), Limits(**message["limits"]))
        elif "kill" in message:
            self.kill(int(message["kill"]))

    def serve(self) -> None:
        # A child's exit wakes the loop at once through this pipe.
        wake_read, wake_write = os.pipe()
        for fd in (wake_read, wake_write):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ)
        selector.register(wake_read, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self.control:
                        packet = self.control.recv(CONTROL_PACKET)
                        if not packet:
                            return
                        self.handle(json.loads(packet))
                    else:
                        os.read(wake_read, 4096)
                self.reap()
        finally:
            for pid in self.children:
                try:
                    os.kill(pid, signal.SIGKILL)  # each submission dies with its watcher (PDEATHSIG)
                except ProcessLookupError:
                    pass


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.sandboxed.forkserver")
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--scratch", default=None)
    parser.add_argument("--preload", nargs="*", default=[])
    args = parser.parse_args(argv)
    from . import preload  # noqa: F401  - the point of a fork server: import once, fork many

    for module in args.preload:
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # a student who needs it imports it (and pays for it) in the notebook
    # Everything imported so far is every child's, read-only: out of the collector's sight, a
    # child's garbage collection does not write to (and so copy) the pages that hold it.
    gc.collect()
    gc.freeze()
    # Here, while this process's /proc files are still its own to write: every submission forked from it inherits it.
    isolation.prefer_to_be_killed()
    # Every submission runs as our uid: none may read this process's memory either.
    isolation.not_dumpable()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # far above what a submission may hold
    Server(socket.socket(fileno=args.control), args.scratch).serve()
    # Every submission is gone (serve's last act) and the grader waits for this exit: skip the
    # interpreter's teardown of numpy and IPython, tens of milliseconds with nothing to save.
    os._exit(0)


def request(request_id: int, limits: Limits) -> bytes:
    """The grader's fork request, in the one format this module reads."""
    return json.dumps({"fork": request_id, "limits": asdict(limits)}).encode()


if __name__ == "__main__":
    main()
