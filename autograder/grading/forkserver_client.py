"""The grader's side of the fork server: start it (sandboxed or not), ask it for children, hear how they end.

Only the fork server writes on the control socket, and it runs no student code; still, anything
odd there ends this server (every child it had is reported gone) rather than the grading run: the
executor starts another for the next submission.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograder.grading import cgroups, early
from autograder.grading.sandbox import Sandbox
from autograder.sandboxed.forkserver import CONTROL_PACKET, request

if TYPE_CHECKING:
    # Not at run time: child.py imports numpy and IPython, which the grader need not have loaded to
    # start a server (grading/early.py starts one before its own imports).
    from autograder.sandboxed.child import Limits


@dataclass
class _Request:
    """What the grader has heard about one child."""

    channel: socket.socket | None = None
    started: bool = False
    exitcode: int | None = None
    ended: bool = False


class ForkServerClient:
    """One fork server process and the state of each child it started for us."""

    def __init__(
        self, sandbox: Sandbox, preload: Sequence[str] = (), memory_bytes: int | None = None, probe: bool = False
    ):
        """`memory_bytes`: what the one submission at a time this server is used for may hold in
        all, where the grader can make a memory cgroup for it (cgroups.py). `probe`: the server answers
        detect()'s namespace probe first (sandbox.PROBING_SERVER; bubblewrap only), see probe_answer."""
        self._control, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._cgroup = cgroups.memory_cgroup(memory_bytes) if sandbox.confined and memory_bytes else None
        self._probing = probe and sandbox.isolated
        self._probe: bool | None = None
        try:
            self._process = subprocess.Popen(
                sandbox.forkserver_command(server_end.fileno(), preload, self._cgroup, self._probing),
                pass_fds=[server_end.fileno()],
                # A session (so a process group) of its own: a terminal's Ctrl-C reaches the grader
                # alone, which then ends this server (close()), rather than killing it under a running
                # notebook, whose row the grader might then make, and keep, as the grader's failure.
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            server_end.close()
        self._next_id = 0
        self._requests: dict[int, _Request] = {}
        self._changed = threading.Condition()
        self.closed = False
        threading.Thread(target=self._read, daemon=True, name="cnngrade-forkserver-client").start()

    def _read(self) -> None:
        try:
            while True:
                message, fds, _, _ = socket.recv_fds(self._control, CONTROL_PACKET, 1)
                if not message:
                    break
                self._note(json.loads(message), fds)
        except Exception:
            pass
        finally:
            with self._changed:
                self.closed = True
                self._changed.notify_all()

    def _note(self, message: dict, fds: list[int]) -> None:
        channels = [socket.socket(fileno=fd) for fd in fds]
        with self._changed:
            if self._probing and self._probe is None:
                # The first message of a probing server, and only that one, is its probe's answer.
                self._probe = message.get("probe") is True
            if "started" in message:
                request = self._requests.get(int(message["started"]))
                if request is not None and len(channels) == 1:
                    request.channel, request.started = channels.pop(), True
            elif "ended" in message:
                request = self._requests.get(int(message["ended"]))
                if request is not None:
                    request.exitcode, request.ended = int(message["code"]), True
            self._changed.notify_all()
        for unclaimed in channels:
            unclaimed.close()

    def probe_answer(self, timeout: float) -> bool | None:
        """A probing server's answer to detect()'s namespace probe: whether each submission can have namespaces
        of its own in this sandbox; None if it ended (bubblewrap could not start it) or took `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._probe is not None or self.closed, timeout)
            return self._probe

    def settled(self) -> bool:
        """Whether the next submission would find this server's memory cgroup as a fresh one would be."""
        return cgroups.settles(self._cgroup)

    def oom_kills(self) -> int:
        return cgroups.oom_kills(self._cgroup)

    def start(self, limits: Limits) -> int:
        """Ask for a child; its channel comes with channel()."""
        with self._changed:
            self._next_id += 1
            request_id = self._next_id
            self._requests[request_id] = _Request()
        self._send(request(request_id, limits))
        return request_id

    def _send(self, packet: bytes) -> None:
        try:
            self._control.send(packet)
        except OSError:
            with self._changed:
                self.closed = True  # the server is gone: every child is reported ended
                self._changed.notify_all()

    def channel(self, request_id: int, timeout: float) -> socket.socket | None:
        """The grader's end of the child's socket, once it started; None if it could not be."""
        with self._changed:
            request = self._requests[request_id]
            self._changed.wait_for(lambda: request.started or request.ended or self.closed, timeout)
            return request.channel

    def wait(self, request_id: int, timeout: float | None) -> bool:
        """True once the child and everything it started are gone (or the server is)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._requests[request_id].ended or self.closed, timeout)

    def kill(self, request_id: int) -> None:
        # The server kills it: only the server knows whether that pid is still this child's.
        self._send(json.dumps({"kill": request_id}).encode())

    def finish(self, request_id: int) -> int | None:
        """Forget the child; its exit code (negative: the signal that killed it), None if its end was never heard."""
        with self._changed:
            request = self._requests.pop(request_id)
        if request.channel is not None:
            request.channel.close()
        return request.exitcode if request.ended else None

    def hang_up(self) -> None:
        """Tell the server to end, without waiting: it kills every child it still has, and exits."""
        # Shut down, not only closed: that also wakes the reader thread. The server then sees the
        # end of its control socket.
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        self.hang_up()
        self._control.close()
        with self._changed:
            unused = self._next_id == 0
        if unused:
            # It never started a child, so it has none to kill: not waited for while it may still be
            # importing its preload (seconds on a loaded machine), when a run is stopped.
            self._process.kill()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        cgroups.release(self._cgroup)


class PoolClosed(RuntimeError):
    """The pool was closed (the run was stopped): no submission starts any more."""


class ServerPool:
    """Fork servers lent out one submission at a time, made as needed, replaced when one dies.

    One submission per server, so that each server's memory cgroup bounds one submission."""

    def __init__(self, sandbox: Sandbox, preload: Sequence[str] = (), memory_bytes: int | None = None):
        self._sandbox, self._preload, self._memory_bytes = sandbox, tuple(preload), memory_bytes
        self._lock = threading.Lock()
        self._idle: list[ForkServerClient] = []
        self._all: list[ForkServerClient] = []
        self._closed = False

    @contextmanager
    def server(self) -> Iterator[ForkServerClient]:
        with self._lock:
            if self._closed:
                raise PoolClosed("the run was stopped")
            while self._idle and self._idle[-1].closed:
                self._idle.pop()  # died while idle; closed with the pool
            server = self._idle.pop() if self._idle else None
        if server is None:
            # One started before the run knew it would need it (early.py), if it was started for the
            # same sandbox, preload and cap: it has been importing meanwhile.
            server = early.take(self._sandbox, self._preload, self._memory_bytes) or ForkServerClient(
                self._sandbox, self._preload, self._memory_bytes
            )
            with self._lock:
                closed = self._closed
                if not closed:
                    self._all.append(server)
            if closed:
                # Closed while this one started: a server made now would run its notebook to the
                # end of its time, with nobody left to read it.
                server.close()
                raise PoolClosed("the run was stopped")
        try:
            yield server
        finally:
            # A server is lent again only once what the last submission left to the kernel is freed;
            # otherwise the next honest notebook would start short of memory. If it is not, soon, a
            # fresh server takes its place.
            if not server.closed and server.settled():
                with self._lock:
                    self._idle.append(server)
            else:
                self._retire(server)

    def _retire(self, server: ForkServerClient) -> None:
        with self._lock:
            if server in self._all:
                self._all.remove(server)
        server.close()

    def close(self) -> None:
        """Kill every submission still running and end every server; none starts after this."""
        with self._lock:
            servers, self._all, self._idle, self._closed = self._all, [], [], True
        # Every server told first, then each waited for: they end together, not one after another.
        for server in servers:
            server.hang_up()
        for server in servers:
            server.close()
