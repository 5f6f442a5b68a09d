"""Whatever goes wrong with one submission is that submission's row, never the end of the run; a result is reused
only under the same sandboxing; the summary's hints for a TA (a Canvas download graded as it is, the wrong
assignment)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograder.course import assignment
from autograder.grading import run as run_module
from autograder.grading.executor import Phase1Outcome
from autograder.grading.progress import summary
from autograder.grading.run import GradeRun, grade
from autograder.model import Status
from autograder.outputs import records

from .factories import write_notebook
from .test_bad_submissions import FakeExecutor
from .test_canvas import make_download

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BAD, GOOD = "bad", "good"
NOTHING_DEFINED = Phase1Outcome(Status.OK, "", {"complete": True, "values": {}, "calls": {}}, 0.1)


class UnsandboxedFake(FakeExecutor):
    """The fake, as it would be where there is no sandbox (`--unsandboxed` grading)."""

    warning = "there is no sandbox here"


def fake_grade(folder: Path, out: Path, executor: FakeExecutor | None = None, **options: Any) -> GradeRun:
    executor = executor or FakeExecutor(NOTHING_DEFINED)
    return grade(assignment="hw1", submissions=folder, out=out, seed=1, executor=executor, **options)


def two_notebooks(folder: Path) -> dict[str, Path]:
    return {name: write_notebook(folder / f"{name}.ipynb", [f"who = {name!r}"]) for name in (BAD, GOOD)}


# -- one submission's failure is its own row ---------------------------------------------------------------------

ERRNOS = [errno.EACCES, errno.ENAMETOOLONG, errno.EIO, errno.ELOOP, errno.ENOENT, errno.EPERM, errno.ENOTDIR]
ERRORS: list[Callable[[str], BaseException]] = [
    *(lambda path, number=number: OSError(number, os.strerror(number), path) for number in ERRNOS),
    lambda path: ValueError(f"odd {path}"),
    lambda path: RuntimeError("odd"),
    lambda path: RecursionError("deep"),
    lambda path: TypeError("odd"),
    lambda path: KeyError("odd"),
]
ERROR_IDS = [*(errno.errorcode[number] for number in ERRNOS), "ValueError", "RuntimeError", "Recursion", "Type", "Key"]


def failing_for(target: str, real: Callable[..., Any], error: Callable[[str], BaseException]) -> Callable[..., Any]:
    """REAL, but raising ERROR when any argument names TARGET (a path or a submission's name)."""

    def step(*args: Any, **kwargs: Any) -> Any:
        if any(str(arg) == target or Path(str(arg)).stem == target for arg in args):
            raise error(target)
        return real(*args, **kwargs)

    return step


# Each per-submission step of `grade`, what to patch for it, and the status the failing submission then gets:
# a file the system will not let us look at is invalid; a failed fingerprint or record only costs a regrade;
# anything else the grader trips on is a crash (graded again on the next run).
STEPS: dict[str, tuple[Callable[[pytest.MonkeyPatch, Callable[[str], BaseException]], None], Status]] = {
    "lstat": (
        lambda patch, error: patch.setattr(Path, "is_symlink", failing_for(BAD, Path.is_symlink, error)),
        Status.INVALID,
    ),
    "hash": (
        lambda patch, error: patch.setattr(records, "content_hash", failing_for(BAD, records.content_hash, error)),
        Status.OK,
    ),
    "record": (lambda patch, error: patch.setattr(records, "load", failing_for(BAD, records.load, error)), Status.OK),
    "read": (
        lambda patch, error: patch.setattr(
            run_module, "read_code_cells", failing_for(BAD, run_module.read_code_cells, error)
        ),
        Status.INVALID,
    ),
    "any-other-step": (
        lambda patch, error: patch.setattr(run_module, "_previous", failing_for(BAD, run_module._previous, error)),
        Status.CRASH,
    ),
}


@pytest.mark.parametrize("make_error", ERRORS, ids=ERROR_IDS)
@pytest.mark.parametrize("step", list(STEPS))
def test_a_failing_step_for_one_submission_is_its_row_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, make_error: Callable[[str], BaseException]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    two_notebooks(folder)
    if step == "record":
        fake_grade(folder, out)  # a first run, so that there are records to load
    patch, status = STEPS[step]
    with monkeypatch.context() as patched:
        patch(patched, make_error)
        run = fake_grade(folder, out)
    rows = {result.submission: result for result in run.results}
    assert set(rows) == {BAD, GOOD} and rows[GOOD].status == Status.OK
    assert rows[BAD].status == status
    error = make_error(BAD)
    if status == Status.INVALID and isinstance(error, OSError):
        assert f"({error.strerror})" in rows[BAD].message  # what the system said, for whoever reads the row
    if status == Status.CRASH:
        assert type(error).__name__ in rows[BAD].message and "graded again on the next run" in rows[BAD].message
        # Not kept for reuse: unpatched, the next run grades it again.
        assert fake_grade(folder, out).reused == 1


def build_beyond_path_max(base: Path, notebook: bytes) -> Path:
    """A notebook whose full path is longer than PATH_MAX, in a folder whose own path is not (so it is listed):
    made through folder descriptors, since no path to it can be opened."""
    limit = os.pathconf(base, "PC_PATH_MAX")
    part = "p" * 200
    depth = (limit - len(str(base)) - 2) // (len(part) + 1)  # the deepest folder's path: under the limit
    name = "n" * 244 + ".ipynb"
    assert len(str(base)) + depth * (len(part) + 1) < limit < len(str(base)) + depth * (len(part) + 1) + len(name)
    descriptor = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(part, dir_fd=descriptor)
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        file = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        with os.fdopen(file, "wb") as handle:
            handle.write(notebook)
    finally:
        os.close(descriptor)
    return base.joinpath(*[part] * depth, name)


def test_a_notebook_whose_path_is_longer_than_path_max_is_an_invalid_row(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    deep = build_beyond_path_max(folder, write_notebook(tmp_path / f"{BAD}.ipynb", ["x = 1"]).read_bytes())
    with pytest.raises(OSError) as too_long:
        deep.is_file()
    assert too_long.value.errno == errno.ENAMETOOLONG
    run = fake_grade(folder, out)
    rows = {result.submission: result for result in run.results}
    (long_name,) = set(rows) - {GOOD}
    assert rows[GOOD].status == Status.OK
    assert rows[long_name].status == Status.INVALID
    assert f"({os.strerror(errno.ENAMETOOLONG)})" in rows[long_name].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_notebook_in_a_folder_that_can_be_listed_but_not_entered_is_an_invalid_row(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / f"{GOOD}.ipynb", ["x = 1"])
    write_notebook(folder / "locked" / f"{BAD}.ipynb", ["x = 1"])
    (folder / "locked").chmod(0o444)  # r without x: the names are listed, the files cannot be reached
    try:
        rows = {result.submission: result for result in fake_grade(folder, tmp_path / "out").results}
    finally:
        (folder / "locked").chmod(0o755)
    assert rows[GOOD].status == Status.OK and rows[f"locked--{BAD}"].status == Status.INVALID


# -- sandboxed and unsandboxed results are never each other's ----------------------------------------------------


def test_a_result_is_reused_only_by_a_run_sandboxed_the_same_way(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    count = len(two_notebooks(folder))
    sandboxed = lambda: FakeExecutor(NOTHING_DEFINED)  # noqa: E731
    unsandboxed = lambda: UnsandboxedFake(NOTHING_DEFINED)  # noqa: E731
    assert fake_grade(folder, out, sandboxed()).reused == 0
    assert fake_grade(folder, out, sandboxed()).reused == count
    assert fake_grade(folder, out, unsandboxed(), unsandboxed=True).reused == 0
    assert fake_grade(folder, out, unsandboxed(), unsandboxed=True).reused == count
    assert fake_grade(folder, out, sandboxed()).reused == 0


def test_a_record_from_before_sandboxing_was_recorded_is_not_reused(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    count = len(two_notebooks(folder))
    fake_grade(folder, out)
    for path in (out / records.RECORDS).glob("*.json"):
        record = json.loads(path.read_text())
        del record["fingerprint"]["sandboxed"]
        path.write_text(json.dumps(record))
    assert fake_grade(folder, out).reused == 0
    assert fake_grade(folder, out).reused == count


# -- the summary's hints for the TA ------------------------------------------------------------------------------


def test_a_canvas_download_graded_as_it_is_gets_a_hint_to_collect_it(tmp_path: Path) -> None:
    download = make_download(tmp_path / "download")
    hint = "these look like Canvas's Download Submissions files: run `cnngrade collect canvas DIR --into FOLDER`"
    assert hint in summary(fake_grade(download, tmp_path / "out"))
    # A folder where Canvas's names are not most: no hint.
    canvas_names = [path for path in download.iterdir() if path.suffix == ".ipynb"]
    for number in range(len(canvas_names)):
        write_notebook(download / f"student{number}.ipynb", ["x = 1"])
    assert hint not in summary(fake_grade(download, tmp_path / "out2"))


def hint_of(run: GradeRun) -> list[str]:
    return [line for line in summary(run).splitlines() if "the right assignment?" in line]


def test_notebooks_of_another_assignment_get_a_hint_naming_this_one_s_answers(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in ("passes_all", "partial_first_half"):
        shutil.copy(EXAMPLES / "hw1" / f"{sample}.ipynb", folder / f"{sample}.ipynb")
    wrong = grade(assignment="hw2", submissions=folder, out=tmp_path / "out", seed=1, timeout=20, unsandboxed=True)
    (line,) = hint_of(wrong)
    assert line.startswith("none of the 2 notebooks defines any hw2 answer (e.g. ")
    assert line.endswith("): is hw2 the right assignment?")
    homework = assignment("hw2")
    named = line.split("(e.g. ")[1].split(")")[0].rstrip("…").split(", ")
    assert named and set(named) <= {*homework.values, *homework.functions}
    # The right assignment: no hint, though partial_first_half misses some answers.
    right = grade(assignment="hw1", submissions=folder, out=tmp_path / "out1", seed=1, timeout=20, unsandboxed=True)
    assert hint_of(right) == []


def test_no_wrong_assignment_hint_where_no_notebook_ran(tmp_path: Path) -> None:
    # Unreadable notebooks say why in their own rows; that is no sign of another assignment.
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.ipynb").write_bytes(b"")
    assert hint_of(fake_grade(folder, tmp_path / "out")) == []
