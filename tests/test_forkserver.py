"""The fork server and its client: a channel per child, jobs sent after the fork, a server that dies is replaced."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from autograder.grading.executor import Job, Phase1Outcome, run_one
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


def test_a_server_s_first_child_records_what_its_later_children_do_even_under_a_small_memory_cap() -> None:
    # Whatever a cell's first run imports or compiles is done in the server before its first fork: a
    # first child that did it itself would need more memory than its siblings, and under a small cap
    # (128 MiB here) it alone ran out. What a child records must not depend on which one it was.
    from pathlib import Path

    from autograder.course import assignment
    from autograder.intake.notebook import read_code_cells
    from autograder.sandboxed.extraction import probe_to_json

    hw1 = assignment("hw1")
    probes = {name: [probe_to_json(p) for p in items] for name, items in hw1.probes(3).items()}
    magics = ("%who_ls\nx = 2", "%%capture out\nprint('hidden')\ndisplay(3)", "raise ValueError('warm')", "def f(:")
    notebooks = [
        read_code_cells(path)
        for path in sorted(Path(__file__).parent.parent.joinpath("examples", "hw1").glob("*.ipynb"))
        if path.stem in ("passes_all", "typo_in_names", "raises_midway", "nan_answers")
    ]
    jobs = [
        Job(f"s{i}", (*magics, *cells), tuple(hw1.values), probes, 20, 128 * 1024**2)
        for i, cells in enumerate(notebooks)
    ]

    def recorded(outcome: Phase1Outcome) -> tuple[Status, dict[str, object]]:
        data = dict(outcome.data or {})
        data.pop("peak_rss_kb", None)
        return outcome.status, data

    for first in range(len(jobs)):
        servers = ServerPool(UNSANDBOXED, ())
        try:
            with servers.server() as server:
                cold = recorded(run_one(server, jobs[first]))
                warm = [recorded(run_one(server, j)) for j in jobs]
            assert cold == warm[first]
            assert cold[0] == Status.OK
        finally:
            servers.close()
