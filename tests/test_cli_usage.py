"""What a TA's wrong usage or environment gives: one line `cnngrade: ...` and a documented exit code, never a traceback.

Mostly through the installed entry point, as a TA runs it; where the process must lack the
power to write a read-only folder and the tests run as root, it runs with that power dropped."""

from __future__ import annotations

import argparse
import errno
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import stat
import string
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import autograder.cli as cli
import autograder.errors as errors
from autograder.course import ASSIGNMENTS
from autograder.grading.sandbox import detect
from autograder.outputs.files import write_atomic

from .factories import alive, as_from_a_terminal, descendants
from .test_canvas import SUBMITTED, make_download, write_roster
from .test_collect_gradescope import ADA, ROOT, make_export

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CNNGRADE = Path(sys.executable).with_name("cnngrade")
# Root writes into a mode-555 folder anyway: these capabilities are what let it.
POWERLESS = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if os.geteuid() == 0 and shutil.which("setpriv")
    else []
)
DOCUMENTED = {
    0,
    1,
    errors.EXIT_USAGE,
    errors.EXIT_BUILD,
    errors.EXIT_FILES,
    errors.EXIT_MEMORY,
    errors.EXIT_BUG,
    errors.EXIT_CLUSTER_LOST,
    errors.EXIT_INTERRUPTED,
    errors.EXIT_CLOSED_PIPE,
}


def cnngrade(*args: str | Path, cwd: Path | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*POWERLESS, str(CNNGRADE), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        **options,  # type: ignore[call-overload]
    )


def one_line(stderr: str) -> str:
    """The one message line, and that there is only it."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cnngrade: ")
    return lines[0]


def hw2_folder(path: Path, *names: str) -> Path:
    path.mkdir(parents=True)
    for name in names or ("passes_all",):
        shutil.copy(EXAMPLES / "hw2" / f"{name}.ipynb", path)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graded folder and each input a verb reads, plus the three kinds of place nothing can be written."""
    world = tmp_path_factory.mktemp("world")
    make_download(world / "download", SUBMITTED[:1])
    # Named by Canvas user id, as export canvas needs.
    assert cli.main(["collect", "canvas", str(world / "download"), "--into", str(world / "subs")]) == 0
    assert cli.main(["grade", "hw2", str(world / "subs"), "--out", str(world / "good"), "--seed", "3", "--quiet"]) == 0
    write_roster(world / "roster.csv")
    make_export(world / "gradescope", (ADA,))
    (world / "a_file").write_text("not a folder\n")
    (world / "zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: try-zip finds the notebook missing first
    shutil.copy(EXAMPLES / "hw2" / "passes_all.ipynb", world / "nb.ipynb")
    (world / "read_only").mkdir()
    (world / "read_only").chmod(0o555)
    (world / "unreadable").mkdir()
    (world / "unreadable" / "run.json").write_text("{}")
    (world / "unreadable").chmod(0)
    (world / "unreadable_file").write_text("Student,ID\n")
    (world / "unreadable_file").chmod(0)
    return world


# Where a verb writes, each way a TA gets it wrong: a file where the folder goes, a folder it may not write, ...
BAD_OUT_FOLDERS = ("a_file", "a_file/inside", "read_only", "read_only/new")
BAD_OUT_FILES = ("a_file/inside.csv", "read_only/canvas.csv", "read_only")
BAD_IN = ("a_file", "missing/nothing", "unreadable")
BAD_IN_FILES = ("missing.csv", "unreadable_file", "read_only")

# (verb's arguments with {slot} to fill, the good value of every slot, the bad values of this one)
USAGES = [
    ("grade hw2 {subs} --out {out}", {"subs": "subs", "out": "new_out"}, "out", BAD_OUT_FOLDERS),
    ("grade hw2 {subs} --out {out}", {"subs": "subs", "out": "new_out"}, "subs", BAD_IN),
    ("report {out} --into {into}", {"out": "good", "into": "new_report"}, "into", BAD_OUT_FOLDERS),
    ("report {out} --into {into}", {"out": "good", "into": "new_report"}, "out", BAD_IN),
    ("collect canvas {download} --into {into}", {"download": "download", "into": "new_c"}, "into", BAD_OUT_FOLDERS),
    ("collect canvas {download} --into {into}", {"download": "download", "into": "new_c"}, "download", BAD_IN),
    (
        "collect gradescope {export} --into {into}",
        {"export": f"gradescope/{ROOT}", "into": "new_g"},
        "into",
        BAD_OUT_FOLDERS,
    ),
    ("collect gradescope {export} --into {into}", {"export": f"gradescope/{ROOT}", "into": "new_g"}, "export", BAD_IN),
    (
        "export canvas {out} --roster {roster} --into {into}",
        {"out": "good", "roster": "roster.csv", "into": "new.csv"},
        "into",
        BAD_OUT_FILES,
    ),
    (
        "export canvas {out} --roster {roster} --into {into}",
        {"out": "good", "roster": "roster.csv", "into": "new.csv"},
        "roster",
        BAD_IN_FILES,
    ),
    (
        "export canvas {out} --roster {roster} --into {into}",
        {"out": "good", "roster": "roster.csv", "into": "new.csv"},
        "out",
        BAD_IN,
    ),
    ("diff {old} {new}", {"old": "good", "new": "good"}, "old", BAD_IN),
    ("diff {old} {new}", {"old": "good", "new": "good"}, "new", BAD_IN),
    ("build --root {root} hw2", {"root": "."}, "root", BAD_IN),
]
if shutil.which("bwrap"):  # without it, try-zip stops at that before it looks at any path
    USAGES += [
        ("try-zip {zip} {nb} --out {into}", {"zip": "zip", "nb": "nb.ipynb", "into": "new_t"}, "zip", BAD_IN_FILES),
        # Any file may be a notebook (Gradescope runs what it is given): only a missing one or a folder is wrong.
        ("try-zip {zip} {nb} --out {into}", {"zip": "zip", "nb": "nb.ipynb", "into": "new_t"}, "nb", BAD_IN[1:]),
    ]
CASES = [
    pytest.param(
        template,
        {**good, slot: bad},
        bad,
        bads not in (BAD_OUT_FOLDERS, BAD_OUT_FILES),  # a path the verb only reads
        id=f"{template.split(' {')[0]}-{slot}={bad}",
    )
    for template, good, slot, bads in USAGES
    for bad in bads
]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0 and not POWERLESS, reason="as root, only setpriv makes a folder read-only")
@pytest.mark.parametrize(("template", "values", "bad", "read_only"), CASES)
def test_every_path_a_verb_cannot_use_is_one_line_naming_it(
    world: Path, template: str, values: dict[str, str], bad: str, read_only: bool
) -> None:
    try:
        done = cnngrade(*template.format(**values).split(), cwd=world)
    finally:
        for leftover in ("new_out", "new_report", "new_c", "new_g", "new.csv", "new_t"):
            shutil.rmtree(world / leftover, ignore_errors=True)
    line = one_line(done.stderr)
    assert done.returncode in (errors.EXIT_USAGE, errors.EXIT_FILES, errors.EXIT_BUILD), line
    assert any(part in line for part in Path(bad).parts if part != "inside"), line
    if read_only:
        assert "cannot write" not in line, line  # only read: a failure is never said to be a write


OS_ERRORS = [
    pytest.param(errno.EACCES, "write_atomic", "cannot write", id="permission-writing"),
    pytest.param(errno.EROFS, "anything", "cannot write", id="read-only-filesystem"),
    pytest.param(errno.ENOSPC, "anything", "cannot write", id="disk-full"),
    pytest.param(errno.EACCES, "read_text", "cannot read", id="permission-reading"),
    pytest.param(errno.EISDIR, "read_bytes", "it is a folder, not a file", id="is-a-folder"),
    pytest.param(errno.ENOENT, "anything", "cannot open", id="missing"),
]


@pytest.mark.parametrize(("number", "function", "said"), OS_ERRORS)
def test_any_os_error_out_of_a_verb_is_one_line_with_its_own_code(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    number: int,
    function: str,
    said: str,
) -> None:
    # A failing call named like the file operation it stands for: the line says what was being done.
    namespace: dict[str, Callable[..., None]] = {}
    error = OSError(number, os.strerror(number), str(tmp_path / "gradebook.csv"))
    exec(f"def {function}(**_):\n    raise error", {"error": error}, namespace)
    monkeypatch.setattr("autograder.diff.diff_runs", namespace[function])
    assert cli.main(["diff", str(tmp_path), str(tmp_path)]) == errors.EXIT_FILES
    line = one_line(capsys.readouterr().err)
    assert said in line and str(tmp_path / "gradebook.csv") in line


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        pytest.param(MemoryError(), errors.EXIT_MEMORY, "out of memory", id="memory"),
        pytest.param(KeyboardInterrupt(), errors.EXIT_INTERRUPTED, "interrupted", id="ctrl-c"),
    ],
)
def test_the_process_running_short_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: BaseException,
    code: int,
    said: str,
) -> None:
    def failing(**_: object) -> None:
        raise raised

    monkeypatch.setattr("autograder.diff.diff_runs", failing)
    assert cli.main(["diff", str(tmp_path), str(tmp_path)]) == code
    assert said in one_line(capsys.readouterr().err)


def test_a_bug_says_so_in_one_line_then_shows_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def buggy(**_: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("autograder.diff.diff_runs", buggy)
    assert cli.main(["diff", str(tmp_path), str(tmp_path)]) == errors.EXIT_BUG
    first, *rest = capsys.readouterr().err.splitlines()
    assert first.startswith("cnngrade: internal error (ZeroDivisionError)") and "report" in first
    assert rest[0].startswith("Traceback") and rest[-1] == "ZeroDivisionError: a bug"


COPIES = [shutil.copy, shutil.copy2, shutil.copyfile, shutil.copytree]


@pytest.mark.parametrize("copy", COPIES, ids=lambda copy: copy.__name__)
def test_a_copy_that_fails_says_which_end_it_could_not_use(tmp_path: Path, copy: Callable[..., object]) -> None:
    # A copy both reads and writes: a missing source is a failed read, a missing destination folder a write.
    source = tmp_path / "source"
    source.mkdir()
    (source / "inside").write_text("x")
    if copy is not shutil.copytree:
        source = source / "inside"
    for src, dst, said, named in [
        (tmp_path / "missing", tmp_path / "to", "cannot read", tmp_path / "missing"),
        (source, tmp_path / "source" / "inside" / "to", "cannot write", None),  # under a file
    ]:
        with pytest.raises(OSError) as raised:
            copy(src, dst)
        line = cli.cannot_access(raised.value)
        assert line.startswith(said), line
        assert named is None or str(named) in line


def test_an_output_that_cannot_be_written_is_named_not_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "gradebook.csv"

    def no_space(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError) as raised:
        write_atomic(target, "x")
    assert raised.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []  # no temporary left behind
    assert cli.cannot_access(raised.value).startswith("cannot write")


# --- Ctrl-C


@pytest.fixture(params=["sandboxed", "unsandboxed", "dask"])
def sandboxing(request: pytest.FixtureRequest) -> list[str]:
    if request.param != "unsandboxed" and detect().warning:
        pytest.skip(f"no sandbox here: {detect().warning}")
    if request.param == "dask":
        pytest.importorskip("distributed")
    return {"sandboxed": [], "unsandboxed": ["--unsandboxed"], "dask": ["--executor", "dask"]}[request.param]


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def saved_records(out: Path) -> list[Path]:
    """The records a run has saved: not a write's temporary (a dot file) still on its way."""
    return [path for path in (out / "records").glob("*.json") if not path.name.startswith(".")]


def finished_records(out: Path) -> int:
    return len(saved_records(out))


def sleeping_forever(source: Path, target: Path) -> None:
    """`source` with one more cell, last, that never ends and takes no CPU (so no CPU limit ends it)."""
    notebook = json.loads(source.read_text())
    notebook["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "sleeps-forever",
            "metadata": {},
            "outputs": [],
            "source": ["import time\n", "while True:\n", "    time.sleep(3600)"],
        }
    )
    target.write_text(json.dumps(notebook))


@contextmanager
def interrupted_grader(command: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """`command` started as a terminal starts it, in a process group of its own (signalled as a whole, as a
    terminal's Ctrl-C is; the fork servers have a group of their own: the grader ends them); killed and
    reaped on the way out if still running, so nothing is left for a later test to trip on."""
    grader = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
        # A grader that hangs can then be made to say where: SIGABRT prints every thread's stack (see ended_within).
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )
    try:
        yield grader
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.communicate()


def ended_within(grader: subprocess.Popen[bytes], seconds: float, cut_short: bool = False) -> tuple[bytes, bytes]:
    """What an interrupted grader printed once it ended; one still running after `seconds` fails the test
    with the stack of each of its threads, so that a hang seen once (on a loaded CI machine) says where it was.
    One whose closing was cut short (cli.CLOSING_SECONDS) passes, with its threads' stacks in a warning, unless
    the test made it so (`cut_short`)."""
    try:
        stdout, stderr = grader.communicate(timeout=seconds)
        if b"closing took over" in stderr and not cut_short:
            warnings.warn(f"the grader's closing was cut short after Ctrl-C:\n{stderr.decode()[-20000:]}", stacklevel=2)
        return stdout, stderr
    except subprocess.TimeoutExpired:
        os.kill(grader.pid, signal.SIGABRT)
        try:
            _, stderr = grader.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(grader.pid, signal.SIGKILL)
            _, stderr = grader.communicate()
        pytest.fail(f"the grader was still running {seconds:g} s after Ctrl-C; it printed:\n{stderr.decode()[-20000:]}")


@pytest.mark.slow
def test_ctrl_c_says_what_was_kept_and_a_rerun_resumes(tmp_path: Path, sandboxing: list[str]) -> None:
    out = tmp_path / "out"
    command = [str(CNNGRADE), "grade", "hw1", str(EXAMPLES / "hw1"), "--out", str(out), "--workers", "2"]
    command += ["--timeout", "8", *sandboxing]
    with interrupted_grader(command) as grader:
        # Bounded by what the grader does, not by a guess at how fast a loaded machine grades: it
        # either saves its second record or ends (and then says why).
        wait_for(lambda: finished_records(out) >= 2 or grader.poll() is not None, 600)
        assert grader.poll() is None, grader.communicate()
        os.killpg(grader.pid, signal.SIGINT)
        stdout, stderr = ended_within(grader, 60)
    assert grader.returncode == errors.EXIT_INTERRUPTED
    assert stdout == b""
    if "dask" in sandboxing:
        # Dask's workers log the task cancelled as the cluster closes; no traceback, and the last line is ours.
        assert b"Traceback" not in stderr
        line = stderr.decode().strip().splitlines()[-1]
    else:
        line = one_line(stderr.decode())
    found = re.fullmatch(
        r"cnngrade: interrupted; (\d+) of (\d+) submissions are graded in (.+) and kept; "
        r"run the same command again to grade the rest\.",
        line,
    )
    assert found, line
    kept, total = int(found.group(1)), int(found.group(2))
    assert total == len(list((EXAMPLES / "hw1").glob("*.ipynb")))
    assert Path(found.group(3)) == out
    records = finished_records(out)
    # One record may be saved in the instant between its save and its count: the line never claims more.
    assert records - 1 <= kept <= records < total
    for result in (out / "results").glob("*.json"):
        assert "KeyboardInterrupt" not in result.read_text()  # no row made of the interrupt itself
    # What the rerun reuses: each record made to be reused (a row the grader failed is recorded, but graded again).
    reusable = sum(json.loads(path.read_text())["fingerprint"] is not None for path in saved_records(out))

    graded_by = json.loads((out / "run.json").read_text())["grader_version"]
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    if json.loads((out / "run.json").read_text())["grader_version"] != graded_by:
        pytest.skip("the grader's source changed between the two runs (someone edited it): nothing is reused then")
    assert f"{total - reusable} graded now, {reusable} unchanged since the last run" in rerun.stdout, rerun.stdout[
        -600:
    ]


# How long an interrupted run may take to end, whatever its --timeout: its notebooks are killed, never waited for.
ENDS_WITHIN = 10.0


@pytest.mark.slow
@pytest.mark.parametrize("signalled", ["group", "grader"])
def test_ctrl_c_ends_at_once_and_keeps_every_finished_row(
    tmp_path: Path, sandboxing: list[str], signalled: str
) -> None:
    # "group": a terminal's Ctrl-C; "grader": `kill -INT` of the grader alone, so that its fork
    # servers and their notebooks are stopped by the grader, not by the signal reaching them too.
    submissions = tmp_path / "in"
    submissions.mkdir()
    sleeping_forever(EXAMPLES / "hw1" / "passes_all.ipynb", submissions / "a_sleeps.ipynb")
    finishing = ("passes_all", "lists_by_hand", "raises_midway")
    for name in finishing:
        shutil.copy(EXAMPLES / "hw1" / f"{name}.ipynb", submissions)
    out = tmp_path / "out"
    command = [str(CNNGRADE), "grade", "hw1", str(submissions), "--out", str(out), "--workers", "2"]
    command += ["--timeout", "600", *sandboxing]
    with interrupted_grader(command) as grader:
        # Every notebook but the sleeping one is graded and saved; that one sleeps on.
        wait_for(lambda: finished_records(out) == len(finishing) or grader.poll() is not None, 300)
        assert grader.poll() is None, grader.communicate()
        if signalled == "group":
            os.killpg(grader.pid, signal.SIGINT)
        else:
            os.kill(grader.pid, signal.SIGINT)
        interrupted = time.monotonic()
        stdout, stderr = ended_within(grader, 120)
        took = time.monotonic() - interrupted
    assert took < ENDS_WITHIN, f"{took:.1f} s"
    assert grader.returncode == errors.EXIT_INTERRUPTED, stderr.decode()[-2000:]
    assert stdout == b""
    line = stderr.decode().strip().splitlines()[-1]
    total = len(finishing) + 1
    assert line == (
        f"cnngrade: interrupted; {len(finishing)} of {total} submissions are graded in {out} and kept; "
        "run the same command again to grade the rest."
    ), stderr.decode()[-2000:]
    assert finished_records(out) == len(finishing)
    assert {path.stem for path in (out / "results").glob("*.json")} == set(finishing)


# What a grader's closing may wait on after Ctrl-C, made to wait forever: in the main thread (a library that
# swallows the interrupt and carries on; reached before Ctrl-C) or in the closing itself (the last records'
# commit never returns; reached only after it).
HANGS = {
    "swallows the interrupt": """
import autograder.grading.run as run
def grade_outcome(*args, **kwargs):
    open(REACHED, "w").close()
    while True:
        try:
            time.sleep(1)
        except KeyboardInterrupt:
            pass
run.grade_outcome = grade_outcome
""",
    "closing never returns": """
import autograder.grading.run as run
def close(self):
    open(REACHED, "w").close()
    threading.Event().wait()
run.GroupCommit.close = close
""",
}


def hanging_grader(tmp_path: Path, hang: str) -> tuple[list[str], Path, Path]:
    """A `cnngrade grade` command whose run hangs as `hang` says, the file it makes on reaching the hang, and OUT."""
    out, reached = tmp_path / "out", tmp_path / "reached"
    script = "\n".join(
        [
            "import sys, threading, time",
            "REACHED = sys.argv[1]",
            HANGS[hang],
            "from autograder.cli import main",
            "sys.argv[1:2] = []",
        ]
        + ["sys.exit(main())"]
    )
    grading = ["grade", "hw1", str(EXAMPLES / "hw1"), "--out", str(out), "--workers", "2", "--unsandboxed"]
    return [sys.executable, "-c", script, str(reached), *grading], reached, out


@pytest.mark.slow
@pytest.mark.parametrize("hang", sorted(HANGS))
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_ends_the_run_whatever_its_closing_waits_on(tmp_path: Path, hang: str, presses: int) -> None:
    command, reached, out = hanging_grader(tmp_path, hang)
    with interrupted_grader(command) as grader:
        underway = reached.exists if hang == "swallows the interrupt" else lambda: finished_records(out) >= 1
        wait_for(lambda: underway() or grader.poll() is not None, 300)
        assert grader.poll() is None, grader.communicate()
        started = descendants(grader.pid)
        assert started, "the grader runs its notebooks in processes of its own"
        os.kill(grader.pid, signal.SIGINT)
        interrupted = time.monotonic()
        if presses == 2:
            # Pressed again while the run hangs, and again, as a TA would: two signals that reach the grader
            # before it handles the first are one, so one more press is not sure to be a second.
            wait_for(lambda: reached.exists(), 60)
            while grader.poll() is None and time.monotonic() - interrupted < ENDS_WITHIN:
                os.kill(grader.pid, signal.SIGINT)
                time.sleep(0.5)
        stdout, stderr = ended_within(grader, cli.CLOSING_SECONDS + 60, cut_short=True)
        took = time.monotonic() - interrupted
    assert grader.returncode == errors.EXIT_INTERRUPTED, stderr.decode()[-2000:]
    assert took < (cli.CLOSING_SECONDS + ENDS_WITHIN if presses == 1 else ENDS_WITHIN), f"{took:.1f} s"
    lines = stderr.decode().strip().splitlines()
    if presses == 1:
        assert (
            lines[-2] == f"cnngrade: closing took over {cli.CLOSING_SECONDS:g} s after Ctrl-C; ended without waiting."
        )
        # Asked for (PYTHONFAULTHANDLER, set by interrupted_grader): where closing waited, for a bug report.
        waited_in = "grade_outcome" if hang == "swallows the interrupt" else "close"
        assert f"in {waited_in}" in stderr.decode(), stderr.decode()[-3000:]
    found = re.fullmatch(
        r"cnngrade: interrupted; (\d+) of (\d+) submissions are graded in (.+) and kept; "
        r"run the same command again to grade the rest\.",
        lines[-1],
    )
    assert found, lines[-1]
    # What it says it kept is on the disk: a record is counted only once it is durable.
    assert int(found.group(1)) <= finished_records(out)
    assert stdout == b""
    # Ended without waiting, it still leaves no process of its own running: each dies with its parent.
    wait_for(lambda: not any(alive(pid) for pid in started), ENDS_WITHIN)


PRESSED_WHILE_HANDLING = """
import os, signal, sys, threading, time
from pathlib import Path

class PressedAgainMeanwhile(threading.Event):
    # A second Ctrl-C reaches the grader while its handler of the first holds this event's lock: the
    # narrowest window of any press that lands during the handling of another.
    def set(self):
        with self._cond:
            if sys._getframe(1).f_code.co_name == "on_ctrl_c" and not getattr(self, "pressed", False):
                self.pressed = True
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)  # the pending signal's handler runs at the first instruction here
            self._flag = True
            self._cond.notify_all()

threading.Event = PressedAgainMeanwhile
from autograder import cli

tally = cli._Tally(Path(sys.argv[1]))
tally.start(3, 1)
with cli._ends_soon_after_ctrl_c(tally):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(60)
"""


def test_a_ctrl_c_pressed_while_the_last_one_is_being_handled_ends_the_run_at_once(tmp_path: Path) -> None:
    # The handler of a signal can itself be interrupted by the next one: if it took a lock that the nested handler
    # takes again, two quick presses would hang the grader for good, past even CLOSING_SECONDS.
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PRESSED_WHILE_HANDLING, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=cli.CLOSING_SECONDS + 30,
    )
    assert done.returncode == errors.EXIT_INTERRUPTED, done.stderr
    assert time.monotonic() - started < cli.CLOSING_SECONDS, "the second press ended the run at once"
    kept = cli._Tally(tmp_path)
    kept.start(3, 1)
    assert done.stderr.strip().splitlines()[-1] == f"cnngrade: {kept.interrupted()}"


# --- a closed pipe


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # as `| head -1` after its line
    try:
        done = subprocess.run(
            [str(CNNGRADE), "grade", "hw2", str(hw2_folder(tmp_path / "in")), "--out", str(tmp_path / "out")],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(writer)
    assert done.stderr == ""
    assert done.returncode == errors.EXIT_CLOSED_PIPE
    assert (tmp_path / "out" / "gradebook.csv").is_file()  # the work was done; only its printing was cut


def test_a_name_the_terminal_cannot_show_is_escaped(tmp_path: Path) -> None:
    submissions = hw2_folder(tmp_path / "in")
    (submissions / "passes_all.ipynb").rename(submissions / "élève.ipynb")
    done = subprocess.run(
        [str(CNNGRADE), "grade", "hw2", str(submissions), "--out", str(tmp_path / "out")],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=300,
    )
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert "élève".encode("ascii", "backslashreplace") in done.stdout


# --- numbers checked as the command line is read


NUMBERS = [
    ("grade hw2 SUBS --out OUT", "--timeout", ("0", "-1", "nan", "inf", "1e9", "soon", "0.0000001", "0.999")),
    ("grade hw2 SUBS --out OUT", "--memory", ("0", "1MiB", "63MiB", "lots", "-5")),
    ("grade hw2 SUBS --out OUT", "--workers", ("0", "-2", "1.5", "all")),
    ("grade hw2 SUBS --out OUT", "--seed", ("-1", str(2**32), "x")),
    ("try-zip ZIP NB", "--timeout", ("0", "-3", "nan", "0.0000001", "0.5")),
    ("try-zip ZIP NB", "--seed", ("-1", str(2**32))),
]


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [
        pytest.param(command, option, value, id=f"{command.split()[0]}{option}={value}")
        for command, option, values in NUMBERS
        for value in values
    ],
)
def test_a_number_out_of_range_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, option: str, value: str
) -> None:
    args = command.replace("OUT", str(tmp_path / "out")).split() + [f"{option}={value}"]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == errors.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    assert option in line and repr(value) in line and f"cnngrade {command.split()[0]} --help" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (cli.seconds, "1", cli.MIN_SECONDS),
        (cli.seconds, "86400", 86400.0),
        (cli.memory_size, "64MiB", 64 * 2**20),
        (cli.worker_count, "1", 1),
        (cli.seed_number, "0", 0),
        (cli.seed_number, str(2**32 - 1), 2**32 - 1),
    ],
)
def test_the_edges_of_each_range_are_accepted(parse: Callable[[str], object], text: str, value: object) -> None:
    assert parse(text) == value


# What `dask scheduler` prints and distributed connects to; bare HOST:PORT is tcp, as distributed reads it.
SCHEDULERS = [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("TCP://grader.example.edu:8786", "tcp://grader.example.edu:8786"),
    ("scheduler:8786", "tcp://scheduler:8786"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ("tls://10.0.0.5:8786", "tls://10.0.0.5:8786"),
    ("ws://host:8786", "ws://host:8786"),
    ("wss://host:8786", "wss://host:8786"),
    ("ucx://host:13337", "ucx://host:13337"),
]
NOT_SCHEDULERS = [
    "foo",
    "",
    "tcp://",
    "tcp://host",
    "host:",
    ":8786",
    "tcp://host:0",
    "tcp://host:65536",
    "tcp://host:port",
    "http://host:8786",
    "tcp://a host:8786",
    "tcp://host:8786/path",
    "tcp://::1:8786",
    "inproc://10.0.0.5/1234/1",
]


@pytest.mark.parametrize(("text", "address"), SCHEDULERS)
def test_a_dask_address_is_accepted_as_distributed_reads_it(text: str, address: str) -> None:
    assert cli.scheduler_address(text) == address
    addressing = pytest.importorskip("distributed.comm.addressing")
    scheme, location = addressing.parse_address(text.lower() if text.isupper() else text)
    assert f"{scheme}://{location}".lower() == address.lower()
    assert addressing.parse_host_port(location)[1] == int(address.rsplit(":", 1)[1])


@pytest.mark.parametrize("text", NOT_SCHEDULERS)
def test_a_scheduler_that_is_no_dask_address_is_refused_as_the_command_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["grade", "hw2", str(EXAMPLES / "hw2"), "--out", str(tmp_path / "out"), "--scheduler", text])
    assert exited.value.code == errors.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    assert "--scheduler" in line and repr(text) in line and "tcp://HOST:PORT" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("address", "needs"),
    [("tls://127.0.0.1:1", "TLS settings"), ("ucx://127.0.0.1:1", "distributed-ucxx")],
)
def test_a_protocol_not_set_up_here_is_one_line_before_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], address: str, needs: str
) -> None:
    pytest.importorskip("distributed")
    if address.startswith("ucx") and importlib.util.find_spec("distributed_ucxx"):
        pytest.skip("UCX for Dask is installed here")
    for variable in [name for name in os.environ if name.startswith("DASK_DISTRIBUTED__COMM__TLS")]:
        monkeypatch.delenv(variable)
    grading = pytest.importorskip("autograder.grading.dask_executor")
    monkeypatch.setattr(grading, "DaskExecutor", lambda *_: pytest.fail("connected without the protocol set up"))
    args = ["grade", "hw2", str(EXAMPLES / "hw2"), "--out", str(tmp_path / "out"), "--scheduler", address]
    assert cli.main(args) == errors.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    assert address in line and needs in line


def path_slots() -> Iterator[tuple[str, str]]:
    """Each path argument of every verb: (the verb's words, the option or metavar)."""
    for path, action in actions(cli.make_parser()):
        if action.type is cli.path_argument:
            yield path, action.option_strings[0] if action.option_strings else str(action.metavar)


def test_every_path_argument_refuses_an_empty_path() -> None:
    # An empty path is the current folder to Path(""): `--out ""` would grade into wherever one stands.
    slots = list(path_slots())
    assert len(slots) >= 17  # every verb's paths
    untyped = [f"{path}: {action.dest}" for path, action in actions(cli.make_parser()) if action.type is Path]
    assert untyped == []
    for text in ("", "  "):
        with pytest.raises(argparse.ArgumentTypeError, match="not a path"):
            cli.path_argument(text)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["grade", "hw2", "", "--out", "OUT"], id="grade-submissions"),
        pytest.param(["grade", "hw2", "SUBS", "--out", ""], id="grade-out"),
        pytest.param(["report", ""], id="report-out"),
        pytest.param(["export", "canvas", "OUT", "--roster", "", "--into", "x.csv"], id="export-roster"),
        pytest.param(["diff", "OUT", ""], id="diff-new"),
        pytest.param(["build", "--root", ""], id="build-root"),
        pytest.param(["try-zip", "", "NB"], id="try-zip-zip"),
    ],
)
def test_an_empty_path_is_refused_as_the_command_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == errors.EXIT_USAGE
    assert "'' is not a path" in one_line(capsys.readouterr().err)


def test_require_sandbox_is_documented_and_contradicting_unsandboxed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "--require-sandbox" in cli.make_parser()._subparsers._group_actions[0].choices["grade"].format_help()
    assert "--require-sandbox" in (REPO / "README.md").read_text()
    args = ["grade", "hw2", str(EXAMPLES / "hw2"), "--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as exited:
        cli.main([*args, "--unsandboxed", "--require-sandbox"])
    assert exited.value.code == errors.EXIT_USAGE
    assert "--unsandboxed" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_the_smallest_memory_allowed_still_grades_a_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["grade", "hw2", str(hw2_folder(tmp_path / "in")), "--out", str(tmp_path / "out"), "--quiet"]
    assert cli.main([*args, "--memory", f"{cli.MIN_MEMORY // 2**20}MiB"]) == 0
    assert "(1 ok)" in capsys.readouterr().out


# --- --version, help


def test_version_is_the_installed_distributions() -> None:
    done = subprocess.run([str(CNNGRADE), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"cnngrade {importlib.metadata.version('cnngrade')}"


def test_version_in_a_checkout_never_installed_is_pyprojects(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    tomllib = pytest.importorskip("tomllib")
    expected = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert cli.package_version().split()[0] == expected


def actions(parser: argparse.ArgumentParser, path: str = "cnngrade") -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield path, choice
            for name, sub in action.choices.items():
                yield from actions(sub, f"{path} {name}")


def test_every_argument_has_help() -> None:
    found = list(actions(cli.make_parser()))
    assert len(found) > 40  # every verb was walked
    missing = [f"{path}: {action.dest}" for path, action in found if not action.help]
    assert missing == []


def test_help_lists_every_exit_code() -> None:
    done = subprocess.run([str(CNNGRADE), "--help"], capture_output=True, text=True, timeout=60)
    table = done.stdout.split("exit codes:")[1]
    assert {int(line.split()[0]) for line in table.strip().splitlines()} == DOCUMENTED


def test_the_readme_lists_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Exit codes")[1].split("\n#")[0]
    assert {int(code) for code in re.findall(r"^\| `?(\d+)`? \|", section, re.MULTILINE)} == DOCUMENTED


# --- assignment names


def test_an_assignment_in_another_case_is_the_same_assignment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["grade", "HW2", str(hw2_folder(tmp_path / "in")), "--out", str(tmp_path / "out"), "--quiet"]
    assert cli.main(args) == 0
    assert json.loads((tmp_path / "out" / "run.json").read_text())["assignment"] == "hw2"


def test_build_takes_names_in_any_case(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    build = pytest.importorskip("autograder.build")
    asked: list[object] = []
    monkeypatch.setattr(build, "build", lambda assignments, **_: asked.append(assignments) or [])
    assert cli.main(["build", "Hw3", "HW1", "--root", str(tmp_path)]) == 0
    assert asked == [["hw3", "hw1"]]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        pytest.param("hw6", "one of those", id="no-such-number"),  # one typo from each
        pytest.param("homework", None, id="far-from-all"),
        pytest.param("hwl", "'hw1'", id="look-alike-letter"),
        pytest.param("hw11", "'hw1'", id="typo"),
        pytest.param("homework2", "'hw2'", id="spelled-out"),
        pytest.param("HW-03", "'hw3'", id="dash-and-zero"),
        pytest.param("hw", "one of those", id="prefix"),
        pytest.param("lab1", "'hw1'", id="other-word"),
    ],
)
@pytest.mark.parametrize("verb", ["grade", "build"])
def test_an_unknown_assignment_lists_the_course_and_suggests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str, typed: str, meant: str | None
) -> None:
    pytest.importorskip("autograder.build")
    args = {"grade": ["grade", typed, str(tmp_path), "--out", str(tmp_path / "out")], "build": ["build", typed]}[verb]
    assert cli.main(args) == errors.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    names = sorted(ASSIGNMENTS)
    assert f"no assignment {typed!r} (the course has {names[0]}..{names[-1]})" in line
    assert (f"did you mean {meant}?" in line) if meant else ("did you mean" not in line)


TYPO_ALPHABET = string.ascii_lowercase + string.digits + "IO|!-_ ."


def one_typo(name: str) -> set[str]:
    """Every spelling one keystroke from `name`: a character replaced, dropped, added, or two swapped."""
    cuts = [(name[:i], name[i:]) for i in range(len(name) + 1)]
    replaced = {head + c + tail[1:] for head, tail in cuts if tail for c in TYPO_ALPHABET}
    dropped = {head + tail[1:] for head, tail in cuts if tail}
    added = {head + c + tail for head, tail in cuts for c in TYPO_ALPHABET}
    swapped = {head + tail[1] + tail[0] + tail[2:] for head, tail in cuts if len(tail) > 1}
    return (replaced | dropped | added | swapped) - {name}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_every_one_typo_spelling_of_a_name_suggests_it(name: str) -> None:
    known = tuple(ASSIGNMENTS)
    missed = []
    for typed in sorted(one_typo(name)):
        if typed.casefold() in {each.casefold() for each in known}:
            continue  # another course name, or this one in another case: no typo to correct
        # A look-alike that reads as another course's name (hw1 with l for 1, typed for hw2) means that one.
        reads_as = typed.translate(errors._LOOK_ALIKE_DIGITS)
        if reads_as != typed and reads_as in known and reads_as != name:
            assert errors.close_names(typed, known) == [reads_as]
            continue
        if name not in errors.close_names(typed, known):
            missed.append(typed)
    assert missed == []


@pytest.mark.parametrize("name", [name for name in sorted(ASSIGNMENTS) if "1" in name])
@pytest.mark.parametrize("letter", ["l", "I", "|"])
def test_a_letter_that_looks_like_the_digit_suggests_only_that_name(name: str, letter: str) -> None:
    typed = name.replace("1", letter)
    assert errors.close_names(typed, tuple(ASSIGNMENTS)) == [name]
    with pytest.raises(errors.UnknownAssignment, match=f"did you mean {name!r}\\?"):
        cli.course_assignment(typed)


# --- a sandbox required and missing


def test_without_bubblewrap_the_refusal_says_nothing_was_graded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [str(CNNGRADE), "grade", "hw2", str(hw2_folder(tmp_path / "in")), "--out", str(out), "--require-sandbox"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(tmp_path / "no-programs-here")},
        timeout=120,
    )
    assert done.returncode == errors.EXIT_USAGE and done.stdout == ""
    first, *rest = done.stderr.splitlines()
    assert first.startswith("cnngrade: nothing was graded: ") and "bubblewrap" in first
    assert "submissions run" not in done.stderr and "--unsandboxed" in rest[-1]
    assert not out.exists()


# --- files as the umask says


def plain_modes(folder: Path, umask: int) -> tuple[int, int]:
    """What `touch` and `mkdir` make under this umask."""
    subprocess.run(["touch", str(folder / "touched")], check=True, preexec_fn=lambda: os.umask(umask))
    subprocess.run(["mkdir", str(folder / "made")], check=True, preexec_fn=lambda: os.umask(umask))
    return stat.S_IMODE((folder / "touched").stat().st_mode), stat.S_IMODE((folder / "made").stat().st_mode)


@pytest.mark.slow
@pytest.mark.parametrize("umask", [0o022, 0o002], ids=["022", "002"])
def test_every_output_has_the_mode_a_plain_file_would(tmp_path: Path, umask: int) -> None:
    file_mode, folder_mode = plain_modes(tmp_path, umask)
    download = make_download(tmp_path / "download", SUBMITTED[:2])
    steps = [
        ["collect", "canvas", download, "--into", tmp_path / "collected"],
        ["collect", "gradescope", make_export(tmp_path / "gs", (ADA,)) / ROOT, "--into", tmp_path / "gs_collected"],
        ["grade", "hw2", tmp_path / "collected", "--out", tmp_path / "out", "--quiet"],
        ["report", tmp_path / "out"],
        [
            "export",
            "canvas",
            tmp_path / "out",
            "--roster",
            write_roster(tmp_path / "r.csv"),
            "--into",
            tmp_path / "c.csv",
        ],
    ]
    for step in steps:
        done = subprocess.run(
            [str(CNNGRADE), *map(str, step)], capture_output=True, text=True, preexec_fn=lambda: os.umask(umask)
        )
        assert done.returncode == 0, done.stderr
    outputs = [tmp_path / "c.csv"]
    for root in ("collected", "gs_collected", "out"):
        outputs += [tmp_path / root, *(tmp_path / root).rglob("*")]
    assert len(outputs) > 12 and (tmp_path / "out" / "report" / "index.html") in outputs
    wrong = {
        str(path): oct(stat.S_IMODE(path.stat().st_mode))
        for path in outputs
        if stat.S_IMODE(path.stat().st_mode) != (folder_mode if path.is_dir() else file_mode)
    }
    assert wrong == {}
