"""One child's channel as the grader reads it: frames in, the latest answers kept, every failure named.

Everything here reads bytes a student controls, so nothing here may raise past read_child or
decode_answers: a malformed frame, a torn one, a flood or a stall ends this child's reading with a
reason, and the reason becomes this child's row.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from autograder.sandboxed import wire


@dataclass
class ChannelReport:
    """What one child said before its channel ended, or why we stopped listening."""

    latest: bytes | None = None  # the payload of its last snapshot or final frame
    progress: int | None = None  # the last cell it started
    too_large: int | None = None  # it said its answers were this many bytes, over the cap
    violation: str = ""  # it broke the protocol; reading stopped here
    timed_out: bool = False


def read_child(sock: socket.socket, deadline: float) -> ChannelReport:
    """Read frames until the child's end closes, the deadline passes or a frame breaks the rules."""
    report = ChannelReport()
    reader = wire.FrameReader(sock, deadline)
    while True:
        try:
            frame = reader.next()
            if frame is None:
                return report
            _note(report, *frame)
        except TimeoutError:
            report.timed_out = True
            return report
        except wire.ProtocolViolation as violation:
            report.violation = str(violation)
            return report
        except OSError:
            return report  # reset by a dying peer: the same as its end
        except Exception as error:
            report.violation = f"an unreadable frame ({type(error).__name__})"
            return report


def _note(report: ChannelReport, kind: int, payload: bytes) -> None:
    if kind == wire.PROGRESS:
        report.progress = wire.PROGRESS_PAYLOAD.unpack(payload)[0]
    elif kind == wire.TOO_LARGE:
        said = wire.decode_json(payload)
        size = said.get("bytes") if type(said) is dict else None
        report.too_large = size if type(size) is int else len(payload)
    else:
        report.latest = payload


def decode_answers(payload: bytes | None) -> dict[str, Any] | None:
    """The child's last record as a JSON object, or None when there is none or it is unreadable."""
    if payload is None:
        return None
    try:
        data = wire.decode_json(payload)
    except wire.ProtocolViolation:
        return None
    return data if type(data) is dict else None
