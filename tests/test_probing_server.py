"""`cnngrade grade` starts one bubblewrap sandbox, not two, before its first notebook: the first fork
server asks detect()'s namespace probe's question itself and says the answer first on its control
socket. The verdict is still the probe's: a sandbox where a submission cannot have namespaces of its
own means no sandbox, and a bubblewrap that cannot start at all is judged by the probe run alone, in
its own words. No server is lent for a sandbox the probe refused."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest

from autograder.grading import early
from autograder.grading import sandbox as sandboxes
from autograder.grading.executor import Job, run_one
from autograder.grading.forkserver_client import ForkServerClient
from autograder.grading.limits import DEFAULT_MEMORY
from autograder.grading.sandbox import PROBING_SERVER, REFUSED_INSIDE, Sandbox, SandboxKind
from autograder.model import Status

needs_bubblewrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
BUBBLEWRAP = Sandbox(SandboxKind.BUBBLEWRAP)


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    sandboxes.detect.cache_clear()
    yield
    early.close_unused()
    sandboxes.detect.cache_clear()


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every command line started meanwhile, as one string each."""
    seen: list[str] = []
    real = subprocess.Popen.__init__

    def spy(self: subprocess.Popen[str], args: list[str], *rest: object, **options: object) -> None:
        seen.append(" ".join(map(str, args)))
        real(self, args, *rest, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    return seen


def _bwrap_arguments_with(monkeypatch: pytest.MonkeyPatch, *extra: str) -> None:
    arguments = sandboxes.bwrap_arguments

    def changed(uid: int = sandboxes.SANDBOX_UID) -> list[str]:
        bwrap, *rest = arguments(uid)
        return [bwrap, *extra, *rest]

    monkeypatch.setattr(sandboxes, "bwrap_arguments", changed)


@needs_bubblewrap
def test_the_first_server_answers_the_probe_and_then_grades(launched: list[str]) -> None:
    early.start_for_grading("hw1", DEFAULT_MEMORY, unsandboxed=False)
    assert sandboxes.detect() == BUBBLEWRAP
    # One sandbox started: the server's, and it asked the probe's question (no probe process of its own).
    assert len(launched) == 1 and PROBING_SERVER in launched[0]
    server = early.take(BUBBLEWRAP, (), DEFAULT_MEMORY)
    assert server is not None
    try:
        outcome = run_one(server, Job("probed", ("x = 6 * 7",), ("x",), {}, timeout=20, memory_bytes=DEFAULT_MEMORY))
        assert outcome.status == Status.OK, outcome.message
        assert outcome.data is not None and outcome.data["values"]["x"] == 42
    finally:
        server.close()


@needs_bubblewrap
def test_a_sandbox_refusing_namespaces_inside_is_no_sandbox_and_its_server_is_never_lent(
    monkeypatch: pytest.MonkeyPatch, launched: list[str]
) -> None:
    # A real refusal, from the kernel: bubblewrap starts, the server in it too, but no submission could
    # get namespaces of its own there.
    _bwrap_arguments_with(monkeypatch, "--unshare-user", "--disable-userns")
    early.start_for_grading("hw1", DEFAULT_MEMORY, unsandboxed=True)
    found = sandboxes.detect()
    assert found.kind == SandboxKind.NONE
    assert REFUSED_INSIDE in found.warning
    assert len(launched) == 1  # the server's answer decided: no second sandbox started
    assert early.take(found, (), DEFAULT_MEMORY) is None
    server = early.take(BUBBLEWRAP, (), DEFAULT_MEMORY)  # still there, but only for what it was started for
    assert server is not None
    server.close()


@needs_bubblewrap
def test_a_bubblewrap_that_cannot_start_is_judged_by_the_probe_in_its_own_words(
    monkeypatch: pytest.MonkeyPatch, launched: list[str]
) -> None:
    _bwrap_arguments_with(monkeypatch, "--no-such-option-anywhere")
    early.start_for_grading("hw1", DEFAULT_MEMORY, unsandboxed=True)
    found = sandboxes.detect()
    assert found.kind == SandboxKind.NONE
    assert "no-such-option-anywhere" in found.warning  # bubblewrap's own words, from the probe run alone
    assert len(launched) == 2 and "own_namespaces" in launched[1] and PROBING_SERVER not in launched[1]


def _bare_client(probing: bool) -> ForkServerClient:
    """The client's bookkeeping alone, fed messages by hand (no process)."""
    client = ForkServerClient.__new__(ForkServerClient)
    client._probing, client._probe, client._requests = probing, None, {}
    client._changed, client.closed = threading.Condition(), False
    return client


@pytest.mark.parametrize("first", [{"probe": True}, {"probe": False}, {"probe": "yes"}, {"ended": 1, "code": 0}])
def test_only_a_probing_server_s_first_message_is_its_answer(first: dict[str, object]) -> None:
    client = _bare_client(probing=True)
    client._note(first, [])
    client._note({"probe": not first.get("probe")}, [])  # anything later changes nothing
    assert client.probe_answer(0) is (first.get("probe") is True)


def test_a_server_started_without_probing_has_no_answer() -> None:
    client = _bare_client(probing=False)
    client._note({"probe": True}, [])
    assert client.probe_answer(0) is None


def test_a_probing_server_that_ended_before_answering_has_no_answer() -> None:
    client = _bare_client(probing=True)
    with client._changed:
        client.closed = True
        client._changed.notify_all()
    assert client.probe_answer(5) is None


WHAT_A_NOTEBOOK_SEES = (
    "import sys\nx = repr((sys.path, sys.argv, sys.flags, sorted(sys.modules), type(sys.modules['__main__']).__name__))"
)


@needs_bubblewrap
def test_a_notebook_sees_the_same_interpreter_in_a_probing_server_as_in_a_plain_one() -> None:
    seen = []
    for probe in (False, True):
        server = ForkServerClient(BUBBLEWRAP, (), DEFAULT_MEMORY, probe=probe)
        try:
            if probe:
                assert server.probe_answer(60) is True
            outcome = run_one(
                server, Job("seen", (WHAT_A_NOTEBOOK_SEES,), ("x",), {}, timeout=20, memory_bytes=DEFAULT_MEMORY)
            )
        finally:
            server.close()
        assert outcome.status == Status.OK, outcome.message
        assert outcome.data is not None
        seen.append(outcome.data["values"]["x"])
    plain, probing = seen
    assert probing == plain
