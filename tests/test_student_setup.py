"""The student notebook's first cell and the public checks' time limit, as a student meets them.

Each broken set-up (no tests/, no cnn_checks/, another working directory, a missing package) is
run in a real Jupyter kernel on a copy of the committed bundle: the first cell and every
grader.check say one sentence, with no traceback. Graders (cnngrade's runner) run the same cell
without a word.
"""

from __future__ import annotations

import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder.build.setup_cell import needed_files, setup_cell_source
from autograder.checks import codec
from autograder.checks.core import CheckFailed, Probe
from autograder.checks.student import public_check
from autograder.checks.time_limit import PROBE_SECONDS, TimedAnswers, time_limit
from autograder.course import ASSIGNMENTS, assignment
from autograder.grading.limits import PROBE_SECONDS as GRADING_PROBE_SECONDS

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "student_template" / "hw1"
LOOPING_CONV2D = "def conv2d(x, k, stride=1, padding=0):\n    while True:\n        pass"


# --- the time limit ------------------------------------------------------------------------------


def test_the_check_limit_is_the_grading_limit() -> None:
    assert PROBE_SECONDS == GRADING_PROBE_SECONDS


class _Calls:
    """Answers whose functions are plain Python callables, called on the probe's arguments."""

    def __init__(self, **functions) -> None:
        self.functions = functions

    def value(self, name: str) -> object:
        raise AssertionError("not asked")

    def call(self, name: str, probe: Probe) -> object:
        return self.functions[name](*probe.args)


PROBE = Probe("conv2d.probe", (), {}, "a 6x6 image and a 3x3 kernel")


def _spin() -> None:
    while True:
        pass


def _spin_catching() -> None:
    while True:
        try:
            sum(range(1000))
        except Exception:
            pass


@pytest.mark.parametrize(
    "function",
    [
        pytest.param(_spin, id="while-true"),
        pytest.param(lambda: time.sleep(30), id="sleep"),
        pytest.param(
            _spin_catching,
            id="except-exception",
            marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 does not act on the alarm there"),
        ),
    ],
)
def test_a_function_that_does_not_return_is_stopped_and_named(function) -> None:
    started = time.monotonic()
    with pytest.raises(CheckFailed) as failure:
        TimedAnswers(_Calls(conv2d=function), seconds=0.2).call("conv2d", PROBE)
    assert time.monotonic() - started < 3
    assert str(failure.value) == (
        "`conv2d` did not return within 0.2 s on a 6x6 image and a 3x3 kernel: look for a loop that never ends."
    )


def test_the_callers_alarm_handler_and_timer_are_restored() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        assert TimedAnswers(_Calls(conv2d=lambda: 7), seconds=0.5).call("conv2d", PROBE) == 7
        with pytest.raises(CheckFailed):
            TimedAnswers(_Calls(conv2d=_spin), seconds=0.1).call("conv2d", PROBE)
        left, _ = signal.setitimer(signal.ITIMER_REAL, 0.05)
        assert 25 < left <= 30
        time.sleep(0.2)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_alarm_the_caller_set_first_keeps_its_own_handler() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with time_limit(5):
            time.sleep(0.2)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_there_is_no_limit_and_no_error() -> None:
    outcome: list[object] = []

    def slow() -> int:
        time.sleep(0.3)
        return 7

    def run() -> None:
        try:
            outcome.append(TimedAnswers(_Calls(conv2d=slow), seconds=0.05).call("conv2d", PROBE))
        except BaseException as exc:  # any error is the test's failure, reported below
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert outcome == [7]


# --- the failure as Otter prints it ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case_id", "function"),
    [("hw1.q3.shape", "conv2d"), ("hw2.q1.lecture", "output_size"), ("hw5.q3.shape", "pool_forward")],
)
def test_a_looping_function_fails_its_public_check_within_the_limit(case_id: str, function: str) -> None:
    env: dict = {"__name__": "__main__"}
    exec(f"def {function}(*args, **kwargs):\n    while True:\n        pass", env)
    started = time.monotonic()
    with pytest.raises(CheckFailed, match="did not return within 2 s"):
        public_check(case_id)(env)
    assert time.monotonic() - started < PROBE_SECONDS * 3


# --- the first cell --------------------------------------------------------------------------------


def test_the_committed_notebooks_start_with_the_set_up_cell() -> None:
    for name in ASSIGNMENTS:
        first = nbformat.read(ROOT / "student_template" / name / f"{name}.ipynb", as_version=4).cells[0]
        assert first.source == setup_cell_source(assignment(name))
        assert first.metadata["editable"] is False


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_cell_asks_for_exactly_what_the_bundle_holds(name: str) -> None:
    bundle = ROOT / "student_template" / name
    for path in needed_files(assignment(name)):
        assert (bundle / path).is_file(), path
    assert {p.name for p in (bundle / "tests").iterdir()} == {
        Path(p).name for p in needed_files(assignment(name)) if p.startswith("tests/")
    }


def test_a_master_that_sets_its_own_init_cell_is_refused() -> None:
    from autograder.build.master_cells import fill_from_registry
    from autograder.errors import BuildError

    notebook = nbformat.read(ROOT / "assignments" / "hw1" / "hw1.ipynb", as_version=4)
    notebook.cells[0].source += "init_cell: true\n"
    with pytest.raises(BuildError, match="init_cell"):
        fill_from_registry(notebook, assignment("hw1"))


def test_the_grading_runner_runs_the_student_notebook_without_an_error() -> None:
    # The runner's stand-in otter: the cell makes its grader and checks no folder.
    from autograder.sandboxed.runner import run

    cells = [c.source for c in nbformat.read(BUNDLE / "hw1.ipynb", as_version=4).cells if c.cell_type == "code"]
    cells.append("vertical_edges = [[1] * 4] * 4")  # after the template's `...`
    homework = assignment("hw1")
    result = run({"cells": cells, "values": list(homework.values), "probes": {}, "probe_seconds": 2.0})
    assert result["cell_errors"] == [] and result["output"] == ""
    assert codec.error_message(result["values"]["vertical_edges"]) is None


def _kernel_run(folder: Path, cells: list[str], prelude: str = "") -> list[list[dict]]:
    """Run the bundle's first cell (after `prelude`) and then `cells` in a fresh kernel in
    `folder`, as Jupyter does: each cell's outputs."""
    from nbclient import NotebookClient

    first = nbformat.read(BUNDLE / "hw1.ipynb", as_version=4).cells[0]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = ([nbformat.v4.new_code_cell(prelude)] if prelude else []) + [first]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    outputs = [cell.outputs for cell in notebook.cells]
    return outputs[1:] if prelude else outputs


def _only_error(outputs: list[dict]) -> str:
    """The one output of a cell that failed as the set-up cell fails: one line, no traceback."""
    assert [output["output_type"] for output in outputs] == ["error"], outputs
    (line,) = outputs[0]["traceback"]
    # A traceback's frames say `File "...", line n` or `File path:n`; the menu `File > Rename` is no frame.
    assert "Traceback" not in line and not re.search(r"File (?!> )", line)
    return line


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLE, tmp_path / "hw1")
    return tmp_path / "hw1"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("remove", "said"),
    [
        pytest.param(["tests"], "needs the folder tests/ beside it", id="no-tests"),
        pytest.param(["cnn_checks"], "needs the folder cnn_checks/ beside it", id="no-checks"),
        pytest.param(["tests", "cnn_checks"], "needs the folder cnn_checks/ and the folder tests/", id="neither"),
        pytest.param(["tests/q3.py"], "needs tests/q3.py beside it", id="one-test-file"),
    ],
)
def test_a_bundle_missing_a_part_is_told_what_and_how_to_fix_it(bundle: Path, remove: list[str], said: str) -> None:
    for part in remove:
        path = bundle / part
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    first, check = _kernel_run(bundle, ['grader.check("q1")'])
    message = _only_error(first)
    assert said in message and "unzip the whole hw1 bundle and open hw1.ipynb from inside" in message
    assert str(bundle) in message
    assert _only_error(check) == message  # every check says it again, instead of a NameError


@pytest.mark.slow
def test_another_working_directory_is_named_with_the_fix(bundle: Path) -> None:
    first, check = _kernel_run(bundle.parent, ['grader.check("q1")'])
    message = _only_error(first)
    assert f"running in the folder {bundle.parent}, which is not its own" in message
    assert "open hw1.ipynb from inside its unzipped hw1 folder" in message
    assert _only_error(check) == message


@pytest.mark.slow
def test_where_jupyter_names_the_notebook_the_fix_is_a_cd(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", str(bundle / "hw1.ipynb"))
    (first,) = _kernel_run(bundle.parent, [])
    assert f"run `%cd {bundle}` in a new cell" in _only_error(first)


RENAME = "must be named hw1.ipynb (Otter's checks and its export read that file): rename it (File > Rename)"
SECOND_DOWNLOAD = "hw1 (1).ipynb"  # what a browser names the notebook downloaded a second time


@pytest.mark.slow
def test_a_renamed_notebook_in_its_own_folder_is_told_to_take_its_name_back(bundle: Path) -> None:
    (bundle / "hw1.ipynb").rename(bundle / SECOND_DOWNLOAD)
    first, check = _kernel_run(bundle, ['grader.check("q1")'])
    message = _only_error(first)
    assert f"This notebook (this folder holds {SECOND_DOWNLOAD}) {RENAME} and run this cell again." == message
    assert "not its own" not in message
    assert _only_error(check) == message


@pytest.mark.slow
@pytest.mark.parametrize("keep_original", [False, True], ids=["renamed", "beside-the-original"])
@pytest.mark.parametrize("session", ["absolute", "from-the-server-root"])
def test_where_jupyter_names_a_copy_in_this_folder_it_is_told_to_rename_it(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, keep_original: bool, session: str
) -> None:
    # Beside the original, Otter would export hw1.ipynb, not the notebook the student worked in.
    shutil.copy(bundle / "hw1.ipynb", bundle / SECOND_DOWNLOAD)
    if not keep_original:
        (bundle / "hw1.ipynb").unlink()
    opened = bundle / SECOND_DOWNLOAD
    monkeypatch.setenv("JPY_SESSION_NAME", str(opened if session == "absolute" else opened.relative_to(bundle.parent)))
    (first,) = _kernel_run(bundle, [])
    message = _only_error(first)
    assert message.startswith(f"This notebook, {SECOND_DOWNLOAD}, {RENAME}")
    assert ("first rename or delete the other hw1.ipynb in this folder" in message) is keep_original


@pytest.mark.slow
def test_where_jupyter_names_the_notebook_itself_all_is_well(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(bundle / "hw1.ipynb", bundle.parent / SECOND_DOWNLOAD)  # a copy elsewhere is no concern
    monkeypatch.setenv("JPY_SESSION_NAME", str(bundle / "hw1.ipynb"))
    assert _kernel_run(bundle, []) == [[]]


@pytest.mark.slow
def test_missing_packages_are_named_with_the_install_command(bundle: Path) -> None:
    # As if not installed: an import of them fails the way a missing package's does.
    blocked = "import sys\nsys.modules['otter'] = None\nsys.modules['numpy'] = None"
    (first,) = _kernel_run(bundle, [], prelude=blocked)
    message = _only_error(first)
    assert "needs otter-grader and numpy" in message and "`%pip install otter-grader numpy`" in message


@pytest.mark.slow
def test_a_complete_bundle_starts_otter_and_checks_in_a_kernel(bundle: Path) -> None:
    first, wrong, looping = _kernel_run(
        bundle,
        [
            'vertical_edges = [[0] * 3] * 3\ngrader.check("q1")',
            f'{LOOPING_CONV2D}\nimport time\nstarted = time.monotonic()\nresult = grader.check("q3")\n'
            "print(round(time.monotonic() - started))\nresult",
        ],
    )
    assert first == []
    text = wrong[0]["data"]["text/plain"]
    assert "vertical_edges is a 4x4 grid of numbers" in text and "hw1.q1.form" not in text
    assert "hw1.q1.form" not in wrong[0]["data"]["text/html"]
    seconds = int(looping[0]["text"])
    assert seconds <= 3 * 2 * PROBE_SECONDS  # two cases, each stopped after PROBE_SECONDS
    assert "`conv2d` did not return within 2 s" in looping[1]["data"]["text/plain"]


def test_in_otters_grading_mode_the_cell_checks_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Otter's export(run_tests=True) runs the notebook from a temporary folder, in grading mode.
    import otter

    shutil.copy(BUNDLE / "hw1.ipynb", tmp_path)  # the notebook alone: no tests/, no cnn_checks/
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(otter.Notebook, "_grading_mode", True)
    monkeypatch.setattr(otter.Notebook, "_tests_dir_override", str(BUNDLE / "tests"))
    namespace: dict = {}
    exec(setup_cell_source(assignment("hw1")), namespace)
    assert isinstance(namespace["grader"], otter.Notebook) and namespace["_setup_problem"] is None
