"""A run's start-up: the first fork server started before the grader's own imports, the sandbox
probe beside it, and what both still refuse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.course import ASSIGNMENTS
from autograder.grading import early
from autograder.grading import sandbox as sandboxes
from autograder.grading.executor import Job, run_one
from autograder.grading.forkserver_client import ServerPool
from autograder.grading.sandbox import NoConfinement, Sandbox, SandboxKind
from autograder.model import Status
from autograder.sandboxed import imports

UNSANDBOXED = Sandbox(SandboxKind.NONE, "unsandboxed on purpose: the hand-over is under test")
MEMORY = 2 * 1024**3
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def nothing_left_waiting() -> Iterator[None]:
    yield
    early.close_unused()


@pytest.fixture
def fresh_detect() -> Iterator[None]:
    sandboxes.detect.cache_clear()
    yield
    sandboxes.detect.cache_clear()


def job(cells: tuple[str, ...]) -> Job:
    return Job("early", cells, ("x",), {}, timeout=20, memory_bytes=MEMORY)


def test_the_import_rule_reads_what_packages_distributions_says() -> None:
    # Independently: importlib.metadata's own map of every installed package. The fast reading must
    # give the same modules for every distribution, or a notebook could import something else.
    expected: dict[str, set[str]] = {}
    # From 3.11, the standard library's; before, its backport's where installed, as the rule reads it.
    for top, names in imports._metadata().packages_distributions().items():
        for name in names:
            expected.setdefault(imports._normalised(name), set()).add(top)
    assert imports._top_levels(set(expected)) == expected
    some = {"numpy", "ipython", "traitlets", "not-installed-anywhere"}
    assert imports._top_levels(some) == {name: tops for name, tops in expected.items() if name in some}
    # A wheel without top_level.txt (IPython's traitlets) has its modules known too, on every Python.
    assert expected["traitlets"] == {"traitlets"}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_preload_read_from_the_source_is_the_registry_s(name: str) -> None:
    assert early.preload_of(name) == ASSIGNMENTS[name].preload
    assert early.preload_of(name.upper()) == ASSIGNMENTS[name].preload


def test_a_preload_the_source_does_not_spell_out_is_not_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hw7.py").write_text("PRELOAD: tuple[str, ...] = ('pandas',)\n")
    (tmp_path / "hw8.py").write_text("X = 1\n")
    (tmp_path / "hw9.py").write_text("PRELOAD = tuple(['pandas'])\n")
    (tmp_path / "hw10.py").write_text("PRELOAD = 'pandas'\n")
    (tmp_path / "hw11.py").write_text("# no PRELOAD here\nif True:\n    PRELOAD = ('pandas',)\n")
    monkeypatch.setattr(early, "HIDDEN", tmp_path)
    assert early.preload_of("hw7") == ("pandas",)
    assert early.preload_of("hw8") == ()
    assert early.preload_of("hw9") is None
    assert early.preload_of("hw10") is None
    assert early.preload_of("hw11") == ()  # not at the top: a guess, and a wrong one costs only time
    assert early.preload_of("hw6") is None


def test_a_server_started_early_is_lent_once_and_only_for_what_it_was_started_for() -> None:
    early.start(UNSANDBOXED, (), MEMORY)
    (_, started), *_ = early._waiting
    assert early.take(UNSANDBOXED, ("pandas",), MEMORY) is None
    assert early.take(UNSANDBOXED, (), MEMORY // 2) is None
    assert early.take(Sandbox(SandboxKind.BUBBLEWRAP), (), MEMORY) is None
    assert early.take(Sandbox(SandboxKind.UNPRIVILEGED, uid=60001), (), MEMORY) is None
    taken = early.take(UNSANDBOXED, (), MEMORY)
    try:
        assert taken is started
        assert early.take(UNSANDBOXED, (), MEMORY) is None
    finally:
        taken.close()


def test_the_pool_runs_its_first_notebook_in_the_server_started_early() -> None:
    early.start(UNSANDBOXED, (), MEMORY)
    (_, started), *_ = early._waiting
    pool = ServerPool(UNSANDBOXED, (), MEMORY)
    try:
        with pool.server() as server:
            assert server is started
            outcome = run_one(server, job(("x = 6 * 7",)))
        assert outcome.status == Status.OK, outcome.message
        assert outcome.data is not None and outcome.data["values"]["x"] == 42
        with pool.server() as server:
            assert server is started  # back in the pool, lent as any other
    finally:
        pool.close()


def test_a_server_no_run_took_is_ended() -> None:
    early.start(UNSANDBOXED, (), None)
    (_, started), *_ = early._waiting
    early.close_unused()
    assert early._waiting == []
    assert started._process.poll() is not None


def _probe_says(monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    monkeypatch.setattr(sandboxes.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(sandboxes, "_namespace_probe_command", lambda uid=sandboxes.SANDBOX_UID: command)


@pytest.mark.usefixtures("fresh_detect")
@pytest.mark.parametrize("ahead", [True, False], ids=["started-ahead", "asked-then"])
def test_a_probe_that_fails_means_no_sandbox_however_it_was_started(
    monkeypatch: pytest.MonkeyPatch, ahead: bool
) -> None:
    _probe_says(monkeypatch, [sys.executable, "-c", "import sys; sys.exit('no user namespace in here')"])
    if ahead:
        sandboxes.detect_soon()
    found = sandboxes.detect()
    assert found.kind == SandboxKind.NONE and not found.confined
    assert "no user namespace in here" in found.warning
    assert not sandboxes._started_probe


@pytest.mark.usefixtures("fresh_detect")
def test_the_probe_started_ahead_is_what_detect_answers_from(monkeypatch: pytest.MonkeyPatch) -> None:
    _probe_says(monkeypatch, [sys.executable, "-c", "pass"])
    sandboxes.detect_soon()
    # Told now that the probe would fail: the answer is still the one started ahead, and only once.
    _probe_says(monkeypatch, [sys.executable, "-c", "import sys; sys.exit(1)"])
    assert sandboxes.detect().kind == SandboxKind.BUBBLEWRAP
    sandboxes.detect.cache_clear()
    assert sandboxes.detect().kind == SandboxKind.NONE


@pytest.mark.usefixtures("fresh_detect")
def test_without_bubblewrap_a_probe_started_ahead_is_not_left_running(monkeypatch: pytest.MonkeyPatch) -> None:
    _probe_says(monkeypatch, [sys.executable, "-c", "import time; time.sleep(60)"])
    sandboxes.detect_soon()
    (process,) = sandboxes._started_probe
    monkeypatch.setattr(sandboxes.shutil, "which", lambda name: None)
    assert sandboxes.detect().kind == SandboxKind.NONE
    assert process.poll() is not None and not sandboxes._started_probe


@pytest.mark.usefixtures("fresh_detect")
def test_a_probe_no_run_asked_for_is_ended_with_the_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    # E.g. an unknown assignment: refused after the probe was started, before detect() was called.
    _probe_says(monkeypatch, [sys.executable, "-c", "import time; time.sleep(60)"])
    sandboxes.detect_soon()
    (process,) = sandboxes._started_probe
    early.close_unused()
    assert process.poll() is not None and not sandboxes._started_probe


def _confinement_says(monkeypatch: pytest.MonkeyPatch, **seen: object) -> None:
    said = {"uid": 60001, "euid": 60001, "importable": [], "readable": [], "interfaces": ["lo"], **seen}
    monkeypatch.setattr(
        sandboxes, "_run_probe", lambda command: subprocess.CompletedProcess(command, 0, json.dumps(said) + "\n", "")
    )


@pytest.mark.parametrize("namespaces", [False, None], ids=["refused", "not-said"])
def test_bubblewrap_is_no_confinement_where_a_submission_cannot_have_namespaces(
    monkeypatch: pytest.MonkeyPatch, namespaces: bool | None
) -> None:
    _confinement_says(monkeypatch, **({} if namespaces is None else {"namespaces": namespaces}))
    with pytest.raises(NoConfinement, match="bubblewrap: the kernel refused it namespaces"):
        sandboxes._confinement(Sandbox(SandboxKind.BUBBLEWRAP, uid=60001), namespaces=True)
    # The unprivileged user needs none: its submissions fall back to a process group.
    assert sandboxes._confinement(Sandbox(SandboxKind.UNPRIVILEGED, uid=60001)).network == "cut"
    _confinement_says(monkeypatch, namespaces=True)
    assert sandboxes._confinement(Sandbox(SandboxKind.BUBBLEWRAP, uid=60001), namespaces=True).isolated


needs_bubblewrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandboxes.detect().kind != SandboxKind.BUBBLEWRAP,
    reason="bubblewrap cannot sandbox here",
)


def _no_user_namespaces_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    arguments = sandboxes.bwrap_arguments

    def refusing(uid: int = sandboxes.SANDBOX_UID) -> list[str]:
        bwrap, *rest = arguments(uid)
        return [bwrap, "--unshare-user", "--disable-userns", *rest]

    monkeypatch.setattr(sandboxes, "bwrap_arguments", refusing)


@needs_bubblewrap
@pytest.mark.usefixtures("fresh_detect")
def test_both_probes_see_a_bubblewrap_that_refuses_namespaces_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real refusal, from the kernel: bubblewrap itself starts, but no submission could get
    # namespaces of its own inside it.
    _no_user_namespaces_inside(monkeypatch)
    sandboxes.detect_soon()
    found = sandboxes.detect()
    assert found.kind == SandboxKind.NONE
    assert "the kernel refused a user namespace inside it" in found.warning  # bubblewrap did start
    with pytest.raises(NoConfinement, match="refused it namespaces"):
        sandboxes._confinement(Sandbox(SandboxKind.BUBBLEWRAP, uid=60001), namespaces=True)


@needs_bubblewrap
@pytest.mark.usefixtures("fresh_detect")
def test_the_probes_find_bubblewrap_sound_here() -> None:
    sandboxes.detect_soon()
    assert sandboxes.detect() == Sandbox(SandboxKind.BUBBLEWRAP)
    if os.geteuid() == 0:
        assert sandboxes.detect_confined(60001).kind == SandboxKind.BUBBLEWRAP


def test_grade_runs_its_notebook_in_the_server_it_started_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograder.cli import main

    lent: list[bool] = []
    take = early.take

    def watched(*key: object) -> object:
        server = take(*key)  # type: ignore[arg-type]
        lent.append(server is not None)
        return server

    monkeypatch.setattr(early, "take", watched)
    (tmp_path / "in").mkdir()
    shutil.copy(EXAMPLES / "hw1" / "passes_all.ipynb", tmp_path / "in")
    code = main(["grade", "hw1", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--quiet", "--unsandboxed"])
    assert code == 0, capsys.readouterr().err
    assert lent[:1] == [True]
    name, score, total, status = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()[1].split(",")[:4]
    full = sum(ASSIGNMENTS["hw1"].points().values())
    assert (name, float(score), float(total), status) == ("passes_all", full, full, "ok")
    assert early._waiting == []


def test_a_rerun_into_a_graded_out_starts_a_server_only_for_a_notebook_that_needs_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A resume usually reuses every row: a server started ahead would import for nothing. A notebook
    # changed since is still graded, in a server started when it is needed.
    from autograder.cli import main

    started: list[object] = []
    start = early.start
    monkeypatch.setattr(early, "start", lambda *a, **k: started.append(a) or start(*a, **k))
    (tmp_path / "in").mkdir()
    for name in ("passes_all", "typo_in_names"):
        shutil.copy(EXAMPLES / "hw1" / f"{name}.ipynb", tmp_path / "in")
    command = ["grade", "hw1", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--quiet", "--unsandboxed"]

    def gradebook() -> list[str]:
        return (tmp_path / "out" / "gradebook.csv").read_text().splitlines()

    assert main(command) == 0, capsys.readouterr().err
    assert len(started) == 1  # a fresh OUT: the server starts ahead
    first = gradebook()
    started.clear()
    assert main(command) == 0, capsys.readouterr().err
    assert started == [] and gradebook() == first
    shutil.copy(EXAMPLES / "hw1" / "passes_all.ipynb", tmp_path / "in" / "typo_in_names.ipynb")
    assert main(command) == 0, capsys.readouterr().err
    assert started == []
    rows = {line.split(",")[0]: line.split(",")[1] for line in gradebook()[1:]}
    assert (
        rows["typo_in_names"]
        == rows["passes_all"]
        != {r.split(",")[0]: r.split(",")[1] for r in first[1:]}["typo_in_names"]
    )
    assert main([*command, "--force"]) == 0, capsys.readouterr().err
    assert len(started) == 1  # --force regrades everything: ahead again


LAUNCHES = """
import json, subprocess, sys
launched = []
real = subprocess.Popen.__init__
def spy(self, args, *rest, **options):
    words = " ".join(map(str, args))
    what = "server" if "autograder.sandboxed.forkserver" in words else "probe" if "own_namespaces" in words else None
    if what:
        probes = "own_namespaces" in words
        launched.append([what, sorted({"numpy", "IPython", "pandas", "nbformat"} & set(sys.modules)), probes])
    return real(self, args, *rest, **options)
subprocess.Popen.__init__ = spy
from autograder.cli import main
code = main(["grade", "hw1", sys.argv[1], "--out", sys.argv[2], "--quiet", "--unsandboxed"])
print(json.dumps({"code": code, "launched": launched}))
"""


@pytest.mark.slow
def test_grade_starts_its_server_and_probe_before_importing_numpy(tmp_path: Path) -> None:
    # In a fresh interpreter: what the grader had imported when it launched each process.
    (tmp_path / "in").mkdir()
    shutil.copy(EXAMPLES / "hw1" / "passes_all.ipynb", tmp_path / "in")
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHES, str(tmp_path / "in"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["code"] == 0
    first, *_ = said["launched"]
    # In bubblewrap the first server asks the probe's question itself: one sandbox started, not two.
    isolated = sandboxes.detect().isolated
    assert first == ["server", [], isolated]
    if isolated:
        assert [what for what, *_ in said["launched"]] == ["server"]


IN_DOCKER = """
import ctypes, sys
from autograder.build.try_zip import docker_seccomp
from autograder.grading import early
program = ctypes.create_string_buffer(docker_seccomp())
class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[1] == "docker":
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    code = libc.prctl(22, 2, ctypes.byref(Program(len(program.raw) // 8, ctypes.cast(program, ctypes.c_void_p))), 0, 0)
    assert code == 0, ctypes.get_errno()
print(early.user_namespaces_likely(), early.expected_sandbox(60001).kind.value, early.expected_sandbox().kind.value)
"""


@needs_bubblewrap
@pytest.mark.parametrize(
    ("container", "guessed"), [("docker", "False unprivileged none"), ("host", "True bubblewrap bubblewrap")]
)
def test_the_server_started_early_is_the_one_a_container_will_allow(container: str, guessed: str) -> None:
    # try-zip's stand-in for Docker's defaults: every new namespace refused by seccomp, as on Gradescope.
    pytest.importorskip("otter")
    done = subprocess.run([sys.executable, "-c", IN_DOCKER, container], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == guessed.split()
