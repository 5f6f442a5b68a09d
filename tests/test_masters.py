"""The Otter masters as build fills them from the registry: same cases, points, visibility and given data."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import nbformat
import numpy as np
import pytest
import yaml

from autograder.build.master_cells import fill_from_registry
from autograder.checks.given import GIVEN_NAMES
from autograder.course import ASSIGNMENTS, assignment
from autograder.errors import BuildError
from solutions import lecture

ROOT = Path(__file__).resolve().parent.parent
CASE_CALL = re.compile(r'(?:run_case|public_check)\("([^"]+)"')
TEST_CONFIG = re.compile(r'""" # BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG', re.S)


def raw_master(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)


def master(name: str) -> nbformat.NotebookNode:
    """The master as `otter assign` gets it from build."""
    notebook = raw_master(name)
    fill_from_registry(notebook, assignment(name))
    return notebook


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
def test_points_possible_is_the_registry_total(name: str) -> None:
    config = yaml.safe_load(master(name).cells[0].source.removeprefix("# ASSIGNMENT CONFIG"))
    assert config["generate"]["points_possible"] == sum(case.points for case in assignment(name).cases(0))


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_question_headings_state_the_registry_points(name: str) -> None:
    headings = {
        f"q{match.group(1)}": match.group(2)
        for cell in master(name).cells
        if cell.cell_type == "markdown"
        for match in [re.match(r"\*\*Question (\d+)\*\* \(([\d.]+) points?[:,]", cell.source)]
        if match
    }
    assert {question: float(points) for question, points in headings.items()} == assignment(name).points()


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_committed_master_holds_no_fact_of_the_registry(name: str) -> None:
    # Points and test cells typed into a master would be a second copy that can go stale.
    sources = [cell.source for cell in raw_master(name).cells]
    assert not any(source.startswith("# BEGIN TESTS") for source in sources)
    assert not any("points" in source for source in sources if source.startswith(("# BEGIN QUESTION", "# ASSIGNMENT")))


def test_a_master_with_its_own_points_or_tests_is_refused() -> None:
    for stale in ("# BEGIN QUESTION\nname: q1\npoints: 3", "# BEGIN TESTS"):
        notebook = raw_master("hw2")
        index = next(i for i, cell in enumerate(notebook.cells) if cell.source.startswith("# BEGIN QUESTION"))
        notebook.cells[index].source = stale
        with pytest.raises(BuildError, match="remove"):
            fill_from_registry(notebook, assignment("hw2"))


def test_a_master_question_the_registry_lacks_is_refused() -> None:
    notebook = raw_master("hw2")
    index = next(i for i, cell in enumerate(notebook.cells) if cell.source.startswith("# BEGIN QUESTION"))
    notebook.cells[index].source = "# BEGIN QUESTION\nname: q9"
    with pytest.raises(BuildError, match="q9"):
        fill_from_registry(notebook, assignment("hw2"))


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_public_tests_import_only_the_student_bundle(name: str) -> None:
    for cell in master(name).cells:
        if "public_check(" in cell.source:
            assert "hidden: false" in cell.source and "from cnn_checks.student import public_check" in cell.source
        if "run_case(" in cell.source:
            assert "hidden: true" in cell.source


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_given_names_are_what_the_notebook_defines_outside_its_questions(name: str) -> None:
    namespace: dict = {}
    inside = False
    for cell in raw_master(name).cells:
        inside = (inside or cell.source.startswith("# BEGIN QUESTION")) and not cell.source.startswith("# END QUESTION")
        if cell.cell_type == "code" and not inside:
            exec(cell.source, namespace)
    defined = {
        key for key, value in namespace.items() if not key.startswith("__") and not isinstance(value, ModuleType)
    }
    assert defined == set(GIVEN_NAMES[name])


def test_hw1_given_arrays_are_the_lecture_data() -> None:
    setup = next(cell.source for cell in master("hw1").cells if cell.cell_type == "code" and "image =" in cell.source)
    namespace: dict = {}
    exec(setup, namespace)
    for name, expected in [
        ("image", lecture.IMAGE),
        ("vertical", lecture.VERTICAL),
        ("horizontal", lecture.HORIZONTAL),
        ("sobel", lecture.SOBEL),
        ("scharr", lecture.SCHARR),
    ]:
        np.testing.assert_array_equal(namespace[name], expected)
