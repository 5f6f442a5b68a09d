"""`cnngrade build`: the committed student_template/ is exactly what a build makes, and the zips exist."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from autograder.build import Built
from autograder.course import ASSIGNMENTS, assignment

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
CASE_POINTS = re.compile(r"@test_case\(points=([\d.]+), hidden=(?:True|False)\)")


def tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_committed_student_template_matches_a_fresh_build(fresh_build: dict[str, Built], name: str) -> None:
    fresh, committed = tree(fresh_build[name].student_dir), tree(ROOT / "student_template" / name)
    assert sorted(fresh) == sorted(committed), "student_template/ drifted: run `cnngrade build` and commit"
    changed = [path for path in fresh if fresh[path] != committed[path]]
    assert changed == [], "student_template/ drifted: run `cnngrade build` and commit"


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_autograder_zip_has_hidden_tests_checks_and_the_wheel(fresh_build: dict[str, Built], name: str) -> None:
    with zipfile.ZipFile(fresh_build[name].zip_path) as archive:
        names = archive.namelist()
        tests = "".join(archive.read(n).decode() for n in names if n.startswith("tests/"))
    assert "run_autograder" in names and "otter_config.json" in names
    assert any(n.startswith("files/cnn_checks/") for n in names)
    assert any(n.startswith("files/wheels/cnngrade-") and n.endswith(".whl") for n in names)
    assert "hidden=True" in tests and "run_case(" in tests


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_zip_scores_out_of_what_cnngrade_grade_does(fresh_build: dict[str, Built], name: str) -> None:
    # Gradescope shows Otter's total; a TA's gradebook cnngrade's: one number, per question too.
    with zipfile.ZipFile(fresh_build[name].zip_path) as archive:
        config = json.loads(archive.read("otter_config.json"))
        per_question = {}
        for entry in archive.namelist():
            if entry.startswith("tests/") and entry.endswith(".py"):
                source = archive.read(entry).decode()
                per_question[Path(entry).stem] = sum(float(points) for points in CASE_POINTS.findall(source))
    registry = assignment(name).points()
    assert per_question == registry
    assert config["points_possible"] == sum(registry.values())
