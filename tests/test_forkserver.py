"""The fork server protocol: requests however they arrive, answers framed per child."""
from __future__ import annotations

import json
from dataclasses import asdict

from autograder.child import Limits
from autograder.executor import ForkServer, _answers, _Request
from autograder.sandbox import Sandbox

JOB = {"cells": ["x = 41 + 1"], "values": ["x"], "probes": {}, "probe_seconds": 1.0}
LIMITS = Limits(seconds=10, memory_bytes=2 * 1024**3)


def test_requests_that_arrive_in_one_read_are_all_served() -> None:
    server = ForkServer(Sandbox("none", "unsandboxed on purpose: the protocol is under test"))
    try:
        # Two requests in a single write: a buffered readline() in the server would serve only one.
        ids = [101, 102]
        with server._changed:
            server._requests.update({i: _Request() for i in ids})
        lines = "".join(json.dumps({"id": i, "job": JOB, "limits": asdict(LIMITS)}) + "\n" for i in ids)
        assert server._process.stdin is not None
        server._process.stdin.write(lines)
        server._process.stdin.flush()
        assert all(server.wait(i, 10) for i in ids)
        answers = [_answers(server.finish(i).latest) for i in ids]
        assert [a["values"]["x"] for a in answers if a] == [42, 42]
    finally:
        server.close()
