"""The wire format between the grader and one child: binary, length-prefixed frames on the child's own socket.

A frame is a 5-byte header (kind, payload length, big-endian) and the payload. Nothing is split on
newlines or decoded as text while reading, so no byte a child writes can end a frame early or
start one for another submission: the socket itself says whose frames they are. The reader stops
at the first frame that breaks the rules (unknown kind, length over the cap) and says why.

Standard library only: both sides import it, and one of them runs beside student code.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HEADER = struct.Struct(">BI")
JOB, PROGRESS, SNAPSHOT, FINAL, TOO_LARGE = 1, 2, 3, 4, 5
CHILD_KINDS = frozenset({PROGRESS, SNAPSHOT, FINAL, TOO_LARGE})
# The job (grader to child): a notebook is at most 20 MiB, its JSON a little more.
JOB_CAP = 64 * 1024 * 1024
# Far above any honest answer set (the largest is a few KB); small enough that decoding one costs little.
ANSWERS_CAP = 8 * 1024 * 1024
PROGRESS_PAYLOAD = struct.Struct(">I")
# Bounds on what the grader decodes: deeper or longer JSON than an answer can be is refused.
MAX_INT_DIGITS = 20


class ProtocolViolation(ValueError):
    """What a child sent is not a frame of this protocol; the message says how, for the row."""


def frame(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def send_frame(sock: socket.socket, kind: int, payload: bytes) -> None:
    sock.sendall(frame(kind, payload))


def send_json(sock: socket.socket, kind: int, message: Any) -> None:
    send_frame(sock, kind, json.dumps(message, separators=(",", ":")).encode())


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None = None) -> bytes | None:
    """`size` bytes, or None at a clean end of stream before the first; raises on a torn frame,
    and socket.timeout once `deadline` (time.monotonic) has passed, however slowly bytes trickle in."""
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline passed")
            sock.settimeout(remaining)
        count = sock.recv_into(view[got:])
        if count == 0:
            if got == 0:
                return None
            raise ProtocolViolation("the stream ended inside a frame")
        got += count
    return bytes(buffer)


def receive_job(sock: socket.socket) -> Any:
    """The child's side: its one job frame, from the grader (trusted)."""
    header = _recv_exactly(sock, HEADER.size)
    if header is None:
        raise ProtocolViolation("no job arrived")
    kind, length = HEADER.unpack(header)
    if kind != JOB or length > JOB_CAP:
        raise ProtocolViolation("not a job frame")
    payload = _recv_exactly(sock, length)
    return json.loads(payload or b"")


# How much the grader asks of a child's socket at once: many small frames in one call, and what it
# may hold beyond the frame it is reading stays small.
READ_SIZE = 64 * 1024


@dataclass
class FrameReader:
    """The grader's side: frames from one child, read from bytes the child controls entirely.

    Read in chunks, not a header then a payload per call: what is buffered beyond the current
    frame is at most READ_SIZE bytes, and a payload is read only once its header passed the rules."""

    sock: socket.socket
    deadline: float
    cap: int = ANSWERS_CAP
    _buffer: bytearray = field(default_factory=bytearray, init=False, repr=False)

    def next(self) -> tuple[int, bytes] | None:
        """The next frame, or None at the end of the stream. Raises ProtocolViolation, or
        socket.timeout (the deadline passed) / OSError from the socket."""
        if not self._fill(HEADER.size):
            return None
        kind, length = HEADER.unpack_from(self._buffer)
        if kind not in CHILD_KINDS:
            raise ProtocolViolation(f"a frame of unknown kind {kind}")
        if length > self.cap:
            raise ProtocolViolation(f"a frame of {length} bytes (at most {self.cap} are read)")
        if kind == PROGRESS and length != PROGRESS_PAYLOAD.size:
            raise ProtocolViolation("a progress frame of the wrong size")
        end = HEADER.size + length
        self._fill(end)
        payload = bytes(self._buffer[HEADER.size : end])
        del self._buffer[:end]
        return kind, payload

    def _fill(self, size: int) -> bool:
        """Until `size` bytes are buffered; False at a clean end of stream with none. Raises on a
        torn frame, and TimeoutError once the deadline has passed, however slowly bytes trickle in."""
        while len(self._buffer) < size:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline passed")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(max(size - len(self._buffer), READ_SIZE))
            if not chunk:
                if not self._buffer:
                    return False
                raise ProtocolViolation("the stream ended inside a frame")
            self._buffer += chunk
        return True


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise ProtocolViolation(f"an integer of {len(digits)} digits")
    return int(text)


def decode_json(payload: bytes, *, parse_int: Callable[[str], Any] = _bounded_int) -> Any:
    """JSON from a child, with bounds: any failure at all is a ProtocolViolation, never another exception.

    Integers are bounded while parsing (a million-digit integer costs quadratic time to read);
    nesting is bounded by the interpreter's recursion limit here and by the schema afterwards."""
    try:
        return json.loads(payload.decode("utf-8"), parse_int=parse_int)
    except ProtocolViolation:
        raise
    except (ValueError, RecursionError, MemoryError, TypeError) as exc:
        raise ProtocolViolation(f"unreadable JSON ({type(exc).__name__})") from None
