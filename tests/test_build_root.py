"""`cnngrade build` run outside the course repository says so first, not which file it failed to find."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("autograder.build")

import autograder.build as building
from autograder import cli
from autograder.errors import EXIT_BUILD, BuildError

REPO = Path(__file__).resolve().parent.parent
NEEDED = ["pyproject.toml", "assignments", "README.md", "autograder", "solutions"]


def missing(path: Path) -> Path:
    return path / "nowhere"


def a_file(path: Path) -> Path:
    (path / "notes.txt").write_text("not a repository\n")
    return path / "notes.txt"


def empty(path: Path) -> Path:
    return path


def a_python_project(path: Path) -> Path:
    (path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    return path


def the_course_without(name: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        for each in NEEDED:
            if each != name:
                (path / each).symlink_to(REPO / each)
        return path

    make.__name__ = f"the_course_without_{name}"
    return make


ROOTS = [missing, a_file, empty, a_python_project, *(the_course_without(name) for name in NEEDED)]


@pytest.mark.parametrize("make", ROOTS, ids=lambda make: make.__name__)
def test_a_folder_that_is_not_the_course_is_named_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path]
) -> None:
    root = make(tmp_path)
    monkeypatch.setattr(building.record, "shared_inputs", lambda _: pytest.fail("read the inputs first"))
    with pytest.raises(BuildError, match="is not a cnngrade course repository") as raised:
        building.build(root=root)
    assert str(root) in str(raised.value) and "--root" in str(raised.value)

    assert cli.main(["build", "--root", str(root)]) == EXIT_BUILD
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"cnngrade: {root} is not a cnngrade course repository") and "\n" not in line
    assert "cannot write" not in line


def test_what_is_missing_is_listed(tmp_path: Path) -> None:
    the_course_without("solutions")(tmp_path)
    with pytest.raises(BuildError, match=r"\(no solutions/\)"):
        building.build(root=tmp_path)


def test_the_course_itself_passes_the_check() -> None:
    building.check_course_root(REPO)
