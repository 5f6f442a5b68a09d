"""What a student sees from grader.check in the committed bundle: our message, not a transcript."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import otter
import pytest

from autograder.checks.environment import RULE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def grader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(ROOT / "student_template" / "hw1", tmp_path / "hw1")
    monkeypatch.chdir(tmp_path / "hw1")
    monkeypatch.syspath_prepend(str(tmp_path / "hw1"))
    return otter.Notebook("hw1.ipynb", tests_dir="tests")


def test_wrong_shape_shows_the_formula(grader) -> None:
    result = grader.check("q1", global_env={"vertical_edges": np.zeros((3, 3))})
    text = repr(result)
    assert not result.passed_all
    assert "`vertical_edges` has shape (3, 3); expected (4, 4)" in text and "floor((6 + 2*0 - 3) / 1 + 1)" in text
    assert "Traceback" not in text


def test_missing_name_suggests_the_typo(grader) -> None:
    text = repr(grader.check("q1", global_env={"vertical_edge": np.zeros((4, 4))}))
    assert "`vertical_edges` is not defined" in text and "rename it" in text


def test_a_right_form_passes_the_public_check(grader) -> None:
    assert grader.check("q1", global_env={"vertical_edges": [[0] * 4] * 4}).passed_all


def test_public_function_checks_run_on_the_students_function(grader) -> None:
    notebook = {"__name__": "__main__", "np": np}  # defined in a cell, as a notebook defines it
    exec("def conv2d(x, k, stride=1, padding=0):\n    return np.zeros((2, 2))", notebook)

    text = repr(grader.check("q3", global_env=notebook))
    assert "conv2d(...)` has shape (2, 2)" in text


def test_a_function_using_a_package_the_course_does_not_allow_is_told_so_before_submission(grader) -> None:
    # The bundle's own rule, as cnngrade grade applies it: the message names the package and the rule.
    notebook = {"__name__": "__main__"}
    exec(
        "import numpy as np\ndef conv2d(x, k, stride=1, padding=0):\n    import pytest\n    return np.zeros((2, 2))",
        notebook,
    )
    result = grader.check("q3", global_env=notebook)
    assert not result.passed_all
    assert f"`pytest` cannot be used: {RULE}" in repr(result)
