"""`cnngrade build`: the committed student_template/ is exactly what a build makes (the zips: test_gradescope_zip)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.build import Built, build
from autograder.course import ASSIGNMENTS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_committed_student_template_matches_a_fresh_build(fresh_build: dict[str, Built], name: str) -> None:
    fresh, committed = tree(fresh_build[name].student_dir), tree(ROOT / "student_template" / name)
    assert sorted(fresh) == sorted(committed), "student_template/ drifted: run `cnngrade build` and commit"
    changed = [path for path in fresh if fresh[path] != committed[path]]
    assert changed == [], "student_template/ drifted: run `cnngrade build` and commit"


def test_building_again_keeps_every_assignment_and_is_quick(fresh_build: dict[str, Built]) -> None:
    # Real otter assign on every master: nothing the build does may change its own inputs or outputs.
    some = next(iter(fresh_build.values()))
    started = time.monotonic()
    again = build(root=ROOT, student_root=some.student_dir.parent, dist_root=some.zip_path.parent.parent)
    assert {built.name: built.why for built in again} == dict.fromkeys(sorted(ASSIGNMENTS), "")
    assert time.monotonic() - started < 10
