"""The grader's FrameReader reads a child's socket in chunks: however the child's bytes are cut into
writes, the frames read are the frames sent, and a stream cut inside a frame is a torn frame."""

from __future__ import annotations

import socket
import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.grading.executor import Job, _job_message, job_payload
from autograder.sandboxed import wire

FRAMES = st.lists(
    st.one_of(
        st.tuples(
            st.just(wire.PROGRESS), st.integers(min_value=0, max_value=2**32 - 1).map(wire.PROGRESS_PAYLOAD.pack)
        ),
        st.tuples(st.sampled_from([wire.SNAPSHOT, wire.FINAL, wire.TOO_LARGE]), st.binary(max_size=3000)),
        st.tuples(st.just(wire.SNAPSHOT), st.just(b"y" * (wire.READ_SIZE + 17))),
    ),
    max_size=12,
)


def read_all(data: bytes, cuts: list[int]) -> list[tuple[int, bytes]] | str:
    """Every frame read from `data` written in pieces at `cuts`, or the violation that stopped the reading."""
    grader, child = socket.socketpair()

    def write() -> None:
        start = 0
        for cut in [*sorted(cuts), len(data)]:
            child.sendall(data[start:cut])
            start = max(start, cut)
            time.sleep(0)
        child.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    reader, frames = wire.FrameReader(grader, time.monotonic() + 10), []
    try:
        while (frame := reader.next()) is not None:
            frames.append(frame)
    except wire.ProtocolViolation as violation:
        return str(violation)
    finally:
        grader.close()
        writer.join()
    return frames


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=FRAMES, data=st.data())
def test_frames_written_in_any_pieces_are_read_as_sent(frames: list[tuple[int, bytes]], data: st.DataObject) -> None:
    stream = b"".join(wire.frame(kind, payload) for kind, payload in frames)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=20))
    assert read_all(stream, cuts) == frames


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=FRAMES.filter(bool), data=st.data())
def test_a_stream_cut_inside_a_frame_is_a_torn_frame(frames: list[tuple[int, bytes]], data: st.DataObject) -> None:
    stream = b"".join(wire.frame(kind, payload) for kind, payload in frames)
    ends = {0}
    for _, payload in frames:
        ends.add(max(ends) + wire.HEADER.size + len(payload))
    # Anywhere but between two frames: inside a header, or after a header and before its payload's end.
    cut = data.draw(st.integers(min_value=1, max_value=len(stream) - 1).filter(lambda at: at not in ends))
    assert read_all(stream[:cut], []) == "the stream ended inside a frame"


def test_a_header_whose_payload_never_comes_is_a_torn_frame() -> None:
    assert read_all(wire.HEADER.pack(wire.FINAL, 10), []) == "the stream ended inside a frame"


def job_with(probes: dict, values: tuple[str, ...] = ("a", "b"), seconds: float = 2.0) -> Job:
    return Job("s", ("x = 1", 'print("é\\u2028")'), values, probes, 5.0, 2**30, seconds)


def test_the_job_payload_is_the_job_message_whatever_the_jobs_before_it() -> None:
    import json

    first = {"f": [{"id": "p1", "args": [1, 2]}]}
    same_content = {"f": [{"id": "p1", "args": [1, 2]}]}
    other = {"f": [{"id": "p2", "args": [3]}], "g": []}
    # The shared part is reused only for the same probes object, names and probe time.
    for job in [
        job_with(first),
        job_with(first),
        job_with(other),
        job_with(first),
        job_with(same_content),
        job_with(first, ("a",)),
        job_with(first, ("a",), 3.0),
        job_with(first),
    ]:
        assert json.loads(job_payload(job)) == _job_message(job)
