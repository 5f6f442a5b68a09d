"""The Otter masters agree with the course registry: same cases, points, visibility and given data."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml

from autograder.course import ASSIGNMENTS, assignment
from solutions import lecture

ROOT = Path(__file__).resolve().parent.parent
CASE_CALL = re.compile(r'run_(?:public|case)\("([^"]+)", env\)')
TEST_CONFIG = re.compile(r'""" # BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG', re.S)


def master(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)


def master_cases(name: str) -> set[tuple[str, float, bool]]:
    found = set()
    for cell in master(name).cells:
        call = CASE_CALL.search(cell.source)
        if cell.cell_type == "code" and call:
            config = yaml.safe_load(TEST_CONFIG.search(cell.source).group(1))
            found.add((call.group(1), float(config["points"]), bool(config["hidden"])))
    return found


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_master_test_cells_are_the_registry_cases(name: str) -> None:
    registry = {(case.id, float(case.points), case.hidden) for case in assignment(name).cases(0)}
    assert master_cases(name) == registry


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_question_points_are_the_sum_of_their_cases(name: str) -> None:
    declared = {}
    for cell in master(name).cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source.removeprefix("# BEGIN QUESTION"))
            declared[config["name"]] = float(config["points"])
    assert declared == assignment(name).points()


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_public_tests_import_only_the_student_bundle(name: str) -> None:
    for cell in master(name).cells:
        if "run_public(" in cell.source:
            assert "hidden: false" in cell.source and "from cnn_checks import run_public" in cell.source
        if "run_case(" in cell.source:
            assert "hidden: true" in cell.source


def test_hw1_given_arrays_are_the_lecture_data() -> None:
    setup = next(cell.source for cell in master("hw1").cells if cell.cell_type == "code" and "image =" in cell.source)
    namespace: dict = {}
    exec(setup, namespace)  # noqa: S102 - our own master's setup cell
    for name, expected in [("image", lecture.IMAGE), ("vertical", lecture.VERTICAL), ("horizontal", lecture.HORIZONTAL),
                           ("sobel", lecture.SOBEL), ("scharr", lecture.SCHARR)]:
        np.testing.assert_array_equal(namespace[name], expected)
