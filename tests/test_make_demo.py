"""`make demo` redoes only what changed and prints nothing the user need not act on.

`cnngrade build` keeps an assignment whose inputs and outputs match the record of its last build
(autograder/build/record.py). The fast tests swap otter assign and the wheel for stand-ins that
count their calls, on a copy of the course under tmp_path (the real tree is never edited); the
slow one runs the real `cnngrade build` twice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from nbformat.warnings import MissingIDFieldWarning

from autograder.build import Built, build, record
from autograder.build.gradescope_zip import pinned_requirements
from autograder.build.record import RECORD
from autograder.course import ASSIGNMENTS
from autograder.errors import BuildError
from autograder.intake.notebook import read_code_cells

ROOT = Path(__file__).resolve().parent.parent
COURSE = ("pyproject.toml", "README.md", "autograder", "solutions", "assignments")
NAMES = sorted(ASSIGNMENTS)


def copy_course(into: Path) -> Path:
    into.mkdir()
    for name in COURSE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, into / name)
    return into


def append(path: Path, text: bytes) -> None:
    path.write_bytes(path.read_bytes() + text)


def edit_master(course: Path, name: str, new: str) -> Path:
    """Change the first markdown cell's text: a change otter assign carries into the student notebook."""
    master = course / "assignments" / name / f"{name}.ipynb"
    notebook = json.loads(master.read_text())
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    text = "".join(cell["source"])
    cell["source"] = text + new
    master.write_text(json.dumps(notebook, indent=1))
    return master


class StandIns:
    """otter assign and the wheel, instant: the student notebook is the master's bytes."""

    def __init__(self) -> None:
        self.assigned: list[str] = []
        self.wheels = 0
        self.fail_on: str | None = None

    def otter_assign(self, root: Path, name: str, staging: Path) -> Path:
        if name == self.fail_on:
            raise BuildError(f"otter assign {name} failed (a stand-in)")
        self.assigned.append(name)
        made = staging / "dist"
        master = (root / "assignments" / name / f"{name}.ipynb").read_bytes()
        for side in ("student", "autograder"):
            (made / side).mkdir(parents=True)
            (made / side / f"{name}.ipynb").write_bytes(master)
        return made

    def build_wheel(self, root: Path, into: Path) -> Path:
        self.wheels += 1
        into.mkdir(parents=True)
        wheel = into / "cnngrade-0.1.0-py3-none-any.whl"
        wheel.write_bytes((root / "autograder" / "checks" / "core.py").read_bytes())
        return wheel


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> StandIns:
    fakes = StandIns()
    monkeypatch.setattr("autograder.build.otter_assign", fakes.otter_assign)
    monkeypatch.setattr("autograder.build.build_wheel", fakes.build_wheel)
    # Reading every installed package's metadata takes a few tenths of a second a build: once will do.
    installed = record._installed()
    monkeypatch.setattr("autograder.build.record._installed", lambda: installed)
    pins = pinned_requirements()
    monkeypatch.setattr("autograder.build.gradescope_zip.pinned_requirements", lambda: pins)
    return fakes


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return copy_course(tmp_path / "course")


def rebuilt(course: Path, force: bool = False) -> dict[str, str]:
    """Build every assignment of the copy; return those built now, each with why."""
    done: list[Built] = build(root=course, force=force)
    assert [built.name for built in done] == NAMES
    return {built.name: built.why for built in done if not built.up_to_date}


def test_a_second_build_builds_nothing(course: Path, stand_ins: StandIns) -> None:
    first = rebuilt(course)
    assert sorted(first) == NAMES and stand_ins.wheels == 1
    assert rebuilt(course) == {}
    assert sorted(stand_ins.assigned) == NAMES and stand_ins.wheels == 1, "nothing is built, not even the wheel"


def test_the_same_bytes_at_a_new_time_are_no_change(course: Path, stand_ins: StandIns) -> None:
    rebuilt(course)
    for path in (course / "assignments").rglob("*"):
        os.utime(path, (time.time() + 60, time.time() + 60))
    assert rebuilt(course) == {}


def edited(master: Path) -> None:
    edit_master(master.parent.parent.parent, master.stem, new=" (edited)")


@pytest.mark.parametrize(
    ("name", "change"),
    [(name, edited) for name in NAMES]
    + [
        ("hw3", lambda master: (master.parent / "data.csv").write_text("a,b\n1,2\n")),
        ("hw3", lambda master: master.rename(master.parent / "renamed.ipynb")),
    ],
    ids=[f"{name} edited" for name in NAMES] + ["file added", "file renamed"],
)
def test_a_changed_master_rebuilds_only_its_assignment(
    course: Path, stand_ins: StandIns, name: str, change: Callable[[Path], object]
) -> None:
    rebuilt(course)
    master = course / "assignments" / name / f"{name}.ipynb"
    change(master)
    if master.exists():
        assert rebuilt(course) == {name: f"assignments/{name}/ changed"}
    else:  # otter assign has no master to read: the build fails, and is not recorded as done
        with pytest.raises(FileNotFoundError):
            rebuilt(course)
        (master.parent / "renamed.ipynb").rename(master)
        assert list(rebuilt(course)) == [name]


@pytest.mark.parametrize(
    "path",
    [
        "autograder/checks/core.py",  # what the bundle's cnn_checks is copied from
        "autograder/course/hidden/hw2.py",  # one assignment's hidden checks: every zip's wheel holds them
        "autograder/build/gradescope/setup.sh",  # the build's own code
        "autograder/grading/run.py",  # the grader the zips carry
        "solutions/hw1.py",
        "pyproject.toml",
        "README.md",  # the wheel's description
    ],
)
def test_a_change_in_what_every_zip_carries_rebuilds_all(course: Path, stand_ins: StandIns, path: str) -> None:
    rebuilt(course)
    append(course / path, b"\n# changed\n")
    assert rebuilt(course) == dict.fromkeys(
        NAMES, "the package changed (pyproject.toml, README.md, autograder, solutions)"
    )


def test_new_packages_or_another_python_rebuild_all(
    course: Path, stand_ins: StandIns, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt(course)
    monkeypatch.setattr("autograder.build.record._installed", lambda: ["otter-grader==7.0.1"])
    assert rebuilt(course) == dict.fromkeys(NAMES, "the Python or its installed packages changed")
    monkeypatch.setattr("autograder.build.record._python", lambda: ["3.99.0 (a Python never built with)"])
    assert list(rebuilt(course)) == NAMES


@pytest.mark.parametrize("name", ["hw4"])
@pytest.mark.parametrize(
    "damage",
    [
        lambda course, name: shutil.rmtree(course / "student_template" / name),
        lambda course, name: (course / "dist" / name / "autograder.zip").unlink(),
        lambda course, name: (course / "dist" / name / f"{name}-solution.ipynb").unlink(),
        lambda course, name: append(course / "student_template" / name / f"{name}.ipynb", b" "),
        lambda course, name: (course / "student_template" / name / "notes.txt").write_text("mine"),
        lambda course, name: append(course / "dist" / name / "autograder.zip", b"\0"),
        lambda course, name: (course / "dist" / name / RECORD).unlink(),
        lambda course, name: (course / "dist" / name / RECORD).write_text("{not json"),
        lambda course, name: (course / "dist" / name / RECORD).write_text('{"format": 1}'),
    ],
    ids=[
        "student folder deleted",
        "zip deleted",
        "solution deleted",
        "student notebook edited",
        "file added to the bundle",
        "zip edited",
        "record deleted",
        "record corrupt",
        "record incomplete",
    ],
)
def test_missing_or_edited_outputs_rebuild_their_assignment(
    course: Path, stand_ins: StandIns, name: str, damage: Callable[[Path, str], object]
) -> None:
    rebuilt(course)
    expected = {path: path.read_bytes() for path in (course / "student_template" / name).rglob("*") if path.is_file()}
    damage(course, name)
    assert list(rebuilt(course)) == [name]
    after = {path: path.read_bytes() for path in (course / "student_template" / name).rglob("*") if path.is_file()}
    assert after == expected, "the rebuild put back what the build makes"
    assert rebuilt(course) == {}


def test_force_builds_everything(course: Path, stand_ins: StandIns) -> None:
    rebuilt(course)
    assert rebuilt(course, force=True) == dict.fromkeys(NAMES, "--force")


def test_a_build_that_stopped_half_way_is_done_again(course: Path, stand_ins: StandIns) -> None:
    rebuilt(course)
    master = course / "assignments" / "hw3" / "hw3.ipynb"
    original = master.read_bytes()
    edit_master(course, "hw3", new=" (edited)")
    stand_ins.fail_on = "hw3"
    with pytest.raises(BuildError):
        rebuilt(course)
    # The inputs are back to what the old record says, but the build was interrupted over its outputs.
    master.write_bytes(original)
    stand_ins.fail_on = None
    assert list(rebuilt(course)) == ["hw3"]


def test_only_the_named_assignments_are_looked_at(course: Path, stand_ins: StandIns) -> None:
    done = build(root=course, assignments=["hw2"])
    assert [(built.name, built.up_to_date) for built in done] == [("hw2", False)]
    assert stand_ins.assigned == ["hw2"] and not (course / "dist" / "hw1").exists()


def test_a_notebook_without_cell_ids_is_graded_without_a_warning(tmp_path: Path) -> None:
    # Jupyter before nbformat 4.5, and other editors, save no cell ids; nothing for the TA to act on.
    stripped = 0
    for example in sorted((ROOT / "examples").glob("*/*.ipynb")):
        try:
            notebook = json.loads(example.read_text())
        except ValueError:
            continue  # the samples that are not JSON on purpose
        notebook["nbformat_minor"] = 5
        for cell in notebook["cells"]:
            stripped += cell.pop("id", None) is not None
        path = tmp_path / f"{example.parent.name}-{example.name}"
        path.write_text(json.dumps(notebook))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cells = read_code_cells(path)
        assert cells and not [warning for warning in caught if issubclass(warning.category, MissingIDFieldWarning)]
    assert stripped > 100


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="no make")
@pytest.mark.parametrize("status", [0, 3])
def test_make_shows_a_commands_output_only_when_it_fails(tmp_path: Path, status: int) -> None:
    assert MAKE is not None
    probe = f"probe: ; @$(QUIETLY) sh -c 'echo a setuptools banner; echo to stderr >&2; exit {status}'"
    done = subprocess.run(
        [MAKE, "-s", "-f", str(ROOT / "Makefile"), "--eval", probe, "probe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    if status == 0:
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    else:
        assert done.returncode != 0 and "a setuptools banner\nto stderr" in done.stderr


@pytest.mark.skipif(MAKE is None, reason="no make")
def test_make_asks_pip_not_to_look_for_its_new_releases(tmp_path: Path) -> None:
    assert MAKE is not None
    environment = {key: value for key, value in os.environ.items() if key != "PIP_DISABLE_PIP_VERSION_CHECK"}
    done = subprocess.run(
        [MAKE, "-s", "-f", str(ROOT / "Makefile"), "--eval", "probe: ; @echo $$PIP_DISABLE_PIP_VERSION_CHECK", "probe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert done.stdout.strip() == "1"


def run_build(course: Path, *names: str) -> tuple[str, float]:
    # The copy's own package runs the build too (the real tree may be edited while this runs).
    environment = {**os.environ, "PYTHONPATH": str(course)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "build", "--root", str(course), *names],
        capture_output=True,
        text=True,
        cwd=course,
        env=environment,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr, time.monotonic() - started


@pytest.mark.slow
def test_cnngrade_build_twice_builds_once_and_quietly(course: Path) -> None:
    # A master saved without cell ids: nbformat warns when the build reads it, unless the build says nothing.
    master = course / "assignments" / "hw2" / "hw2.ipynb"
    notebook = json.loads(master.read_text())
    for cell in notebook["cells"]:
        del cell["id"]
    master.write_text(json.dumps(notebook, indent=1))

    first, first_time = run_build(course, "hw1", "hw2")
    lines = first.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "hw1 built (no earlier build is recorded)",
        "hw2 built (no earlier build is recorded)",
    ], "nothing but a line per assignment: no warnings, no setuptools or pip banner"

    second, second_time = run_build(course, "hw1", "hw2")
    assert [line.split(":")[0] for line in second.splitlines()] == ["hw1 up to date", "hw2 up to date"]
    assert second_time < min(first_time / 3, 10)

    edit_master(course, "hw2", new="\n\nA sentence the TA added.")
    third, _ = run_build(course, "hw1", "hw2")
    assert [line.split(":")[0] for line in third.splitlines()] == [
        "hw1 up to date",
        "hw2 built (assignments/hw2/ changed)",
    ]
    assert "A sentence the TA added." in (course / "student_template" / "hw2" / "hw2.ipynb").read_text()

    (course / "dist" / "hw1" / "autograder.zip").unlink()
    fourth, _ = run_build(course, "hw1", "hw2")
    assert [line.split(":")[0] for line in fourth.splitlines()] == [
        "hw1 built (its outputs are missing or were changed since)",
        "hw2 up to date",
    ]
    assert (course / "dist" / "hw1" / "autograder.zip").is_file()
