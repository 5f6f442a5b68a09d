"""The fork server and its client: a channel per child, jobs sent after the fork, a server that dies is replaced."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from autograder.grading.executor import Job, run_one
from autograder.grading.forkserver_client import ServerPool
from autograder.grading.sandbox import Sandbox, SandboxKind
from autograder.model import Status

UNSANDBOXED = Sandbox(SandboxKind.NONE, "unsandboxed on purpose: the protocol is under test")


def job(name: str, cells: tuple[str, ...], values: tuple[str, ...] = ("x",), timeout: float = 10) -> Job:
    return Job(name, cells, values, {}, timeout=timeout, memory_bytes=2 * 1024**3)


def test_children_started_at_once_each_answer_on_their_own_channel() -> None:
    # One server for all eight at once: each child's channel is its own, whatever runs beside it.
    servers = ServerPool(UNSANDBOXED, ())
    try:
        jobs = [job(f"s{i}", (f"x = {i} * 1000",)) for i in range(8)]
        with servers.server() as server, ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda j: run_one(server, j), jobs))
        assert [o.status for o in outcomes] == [Status.OK] * 8
        assert [o.data["values"]["x"] for o in outcomes if o.data] == [i * 1000 for i in range(8)]
    finally:
        servers.close()


def test_a_server_that_dies_is_replaced_for_the_next_submission() -> None:
    servers = ServerPool(UNSANDBOXED, ())
    try:
        with servers.server() as first:
            pass
        first._process.kill()
        deadline = time.monotonic() + 10
        while not first.closed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.closed
        with servers.server() as second:
            outcome = run_one(second, job("after", ("x = 7",)))
        assert second is not first
        assert (outcome.status, outcome.data and outcome.data["values"]["x"]) == (Status.OK, 7)
    finally:
        servers.close()


def test_a_server_serves_one_submission_at_a_time() -> None:
    # Each server's memory cgroup bounds the one submission it runs: two at once get two servers.
    servers = ServerPool(UNSANDBOXED, ())
    try:
        with servers.server() as first, servers.server() as second:
            assert first is not second
        with servers.server() as again:
            assert again in (first, second)
    finally:
        servers.close()
