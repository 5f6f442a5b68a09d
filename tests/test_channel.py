"""The grader's reading of one child, and phase 2 on what it read: any bytes, any data, one row, no exception.

These test the mechanism on every input hypothesis can think of; test_redteam_isolation.py runs
the same attacks from real children among honest classmates.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.checks.plain import ARRAY_TAG, ERROR_TAG
from autograder.course import assignment
from autograder.grading.channel import decode_answers, read_child
from autograder.grading.executor import Phase1Outcome
from autograder.grading.phase2 import MESSAGE_CAP, grade_outcome
from autograder.model import Status
from autograder.sandboxed import wire


def read_bytes(data: bytes, seconds: float = 5.0, close: bool = True):
    """What read_child makes of `data` arriving on a child's socket."""
    grader, child = socket.socketpair()
    writer = threading.Thread(target=lambda: (child.sendall(data), close and child.close()), daemon=True)
    writer.start()
    try:
        return read_child(grader, time.monotonic() + seconds)
    finally:
        grader.close()
        if not close:
            child.close()


def answers_frame(message: object, kind: int = wire.FINAL) -> bytes:
    return wire.frame(kind, json.dumps(message).encode())


GOOD = {"complete": True, "values": {"x": 1}, "calls": {}}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_on_the_channel_end_in_a_report_never_an_exception(data: bytes) -> None:
    report = read_bytes(data)
    assert report.latest is None or isinstance(report.latest, bytes)
    decode_answers(report.latest)  # never raises either


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_garbage_after_good_answers_keeps_them_or_stops_reading(garbage: bytes) -> None:
    report = read_bytes(answers_frame(GOOD, wire.SNAPSHOT) + garbage)
    # A child speaks only for itself: whatever follows, the report is about this stream alone.
    assert report.latest is not None
    assert decode_answers(report.latest) is None or isinstance(decode_answers(report.latest), dict)


@pytest.mark.parametrize(
    ("data", "violation"),
    [
        pytest.param(b"\r\nE 1 0\r\nM 2 {}\r\n", "unknown kind", id="text-protocol-lines"),
        pytest.param(b"\0" * 64, "unknown kind", id="nul-bytes"),
        pytest.param(wire.HEADER.pack(wire.FINAL, 2**32 - 1), "at most", id="huge-length"),
        pytest.param(wire.HEADER.pack(wire.FINAL, wire.ANSWERS_CAP + 1), "at most", id="just-over-the-cap"),
        pytest.param(wire.HEADER.pack(wire.FINAL, 100) + b"{", "ended inside a frame", id="truncated-frame"),
        pytest.param(wire.HEADER.pack(wire.PROGRESS, 9) + b"123456789", "wrong size", id="bad-progress"),
        pytest.param(wire.HEADER.pack(wire.JOB, 2) + b"{}", "unknown kind", id="a-job-frame-from-the-child"),
    ],
)
def test_a_frame_that_breaks_the_rules_stops_the_reading_with_a_reason(data: bytes, violation: str) -> None:
    report = read_bytes(data)
    assert violation in report.violation


def test_a_child_that_trickles_bytes_cannot_outlast_its_deadline() -> None:
    grader, child = socket.socketpair()

    def trickle() -> None:
        try:
            child.sendall(wire.HEADER.pack(wire.FINAL, 1000))
            for _ in range(100):
                child.send(b" ")
                time.sleep(0.05)
        except OSError:
            pass

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    report = read_child(grader, started + 0.5)
    assert report.timed_out and time.monotonic() - started < 1.5
    grader.close()
    child.close()


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"\xff\xfe not utf-8", id="invalid-utf8"),
        pytest.param(b"[" * 50_000 + b"]" * 50_000, id="nested-50000-deep"),
        pytest.param(b'{"values": {"x": ' + b"9" * 100_000 + b"}}", id="hundred-thousand-digit-int"),
        pytest.param(b'{"values": {"x": 1e999}, "calls": {}}', id="overflowing-float-is-inf"),
        pytest.param(b"\r\n", id="carriage-return"),
        pytest.param(b"[1, 2, 3]", id="not-an-object"),
    ],
)
def test_unreadable_answers_decode_to_nothing_never_an_exception(payload: bytes) -> None:
    decoded = decode_answers(payload)
    assert decoded is None or isinstance(decoded, dict)


# Any JSON a child could send as its answers, with the shapes the codec knows (array and error
# records) mixed in, and values past every bound: huge integers, long strings, deep nesting.
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.just("A" * 20_000),
)
ARRAY_RECORD = st.fixed_dictionaries(
    {
        ARRAY_TAG: st.recursive(
            st.lists(JSON_LEAF, max_size=4), lambda inner: st.lists(inner, max_size=3), max_leaves=20
        ),
        "dtype": st.sampled_from(["float64", "int64", "bool", "uint8", "object", "complex128"]),
        "shape": st.lists(st.one_of(st.integers(min_value=-1, max_value=6), st.just(2**62)), max_size=10),
    }
)
JSON_VALUE = st.recursive(
    st.one_of(JSON_LEAF, ARRAY_RECORD, st.fixed_dictionaries({ERROR_TAG: st.text(max_size=50)})),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30,
)


@pytest.mark.parametrize("name", ["hw1", "hw2", "hw3", "hw4", "hw5"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_phase2_gives_a_bounded_row_for_any_recorded_data(name: str, data: st.DataObject) -> None:
    homework = assignment(name)
    probes = homework.probes(3)
    values = {value: data.draw(JSON_VALUE) for value in homework.values}
    calls = {
        function: {probe.id: data.draw(JSON_VALUE) for probe in probes[function]} for function in homework.functions
    }
    recorded = data.draw(st.one_of(st.just({"complete": True, "values": values, "calls": calls}), JSON_VALUE))
    outcome = Phase1Outcome("ok", "", recorded if isinstance(recorded, dict) else None, 0.1)
    result = grade_outcome("fuzzed", homework, 3, homework.cases(3), outcome)
    assert result.status in tuple(Status)
    assert len(result.cases) == len(homework.cases(3))
    assert all(len(case.message) <= MESSAGE_CAP for case in result.cases)
    assert len(result.message) <= MESSAGE_CAP


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param([[10**19] * 4] * 4, id="ints-past-float-precision"),
        pytest.param({ARRAY_TAG: [], "dtype": "float64", "shape": [0, 2**62, 2**62]}, id="declared-huge-empty-shape"),
        pytest.param({ARRAY_TAG: [1.0], "dtype": "float64", "shape": [1] * 40}, id="forty-axes"),
        pytest.param("A" * 30_000_000, id="thirty-million-characters"),
        pytest.param([[[[[[[[[[1]]]]]]]]]], id="deeper-than-any-answer"),
    ],
)
def test_schema_edge_answers_lose_their_points_on_their_row_with_a_short_message(answer: object) -> None:
    homework = assignment("hw1")
    values = {name: answer for name in homework.values}
    outcome = Phase1Outcome("ok", "", {"complete": True, "values": values, "calls": {}}, 0.1)
    result = grade_outcome("edge", homework, 1, homework.cases(1), outcome)
    assert all(case.score == 0 for case in result.cases if "values" in case.id)
    assert all(len(case.message) <= MESSAGE_CAP for case in result.cases)
