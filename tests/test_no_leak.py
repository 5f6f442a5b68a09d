"""Nothing hidden reaches students: no hidden test, reference import or expected value in student_template/."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from autograder.course import ASSIGNMENTS, assignment
from solutions import hw1, hw3, hw4

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "student_template"
FORBIDDEN_TEXT = (
    "run_case",
    "autograder.course",
    "solutions",
    "reference.",
    "hidden=True",
    "hidden: true",
    "BEGIN SOLUTION",
    "END SOLUTION",
    "# SOLUTION",
)


def student_files() -> list[Path]:
    return sorted(path for path in TEMPLATE.rglob("*") if path.is_file() and "__pycache__" not in path.parts)


def student_text() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in student_files()}


def expected_counts() -> set[int]:
    """Every count a student is asked for that is not given in the question text."""
    table = hw3.lenet_table()
    counts = {params for _, _, params in table.values()}
    counts |= {size for row, (_, size, _) in table.items() if not row.startswith(("FC", "Softmax"))}
    counts |= {hw4.params_10_filters_3x3x3, hw4.fc_weights_hr, hw4.fc_weights_lenet_conv1, hw4.conv_params_lenet_conv1}
    return {count for count in counts if count >= 100}


def grid_rows() -> list[list[int]]:
    grids = (hw1.vertical_edges, hw1.horizontal_edges, hw1.sobel_edges, hw1.scharr_edges, hw1.strided_edges)
    return [[int(v) for v in row] for grid in grids for row in np.asarray(grid) if np.any(row)]


def test_student_template_holds_only_notebooks_tests_and_the_checks_bundle() -> None:
    assert sorted(p.name for p in TEMPLATE.iterdir()) == sorted(ASSIGNMENTS)
    for path in student_files():
        relative = path.relative_to(TEMPLATE)
        assert relative.parts[1] in {f"{relative.parts[0]}.ipynb", "tests", "cnn_checks"}, relative


def test_no_hidden_test_or_solution_code() -> None:
    leaks = {str(path.relative_to(TEMPLATE)): phrases_in(text) for path, text in student_text().items()}
    assert {path: found for path, found in leaks.items() if found} == {}


def counts_in(text: str) -> list[int]:
    return sorted(n for n in expected_counts() if re.search(rf"(?<![\d,]){n}(?![\d,])|{n:,}", text))


def grid_rows_in(text: str) -> list[list[int]]:
    found = []
    for row in grid_rows():
        pattern = r",\s*".join(rf"{v}(?:\.0*)?" for v in row)
        if re.search(rf"(?<![\d.-]){pattern}(?![\d.])", text):
            found.append(row)
    return found


def phrases_in(text: str) -> list[str]:
    return [phrase for phrase in FORBIDDEN_TEXT if phrase in text]


def test_no_hidden_case_id() -> None:
    hidden = {case.id for name in ASSIGNMENTS for case in assignment(name).cases(0) if case.hidden}
    text = "\n".join(student_text().values())
    assert sorted(case for case in hidden if case in text) == []


def test_no_expected_count() -> None:
    assert counts_in("\n".join(student_text().values())) == []


def test_no_expected_grid_row() -> None:
    assert grid_rows_in("\n".join(student_text().values())) == []


def test_the_scans_fire_on_planted_leaks() -> None:
    # A scan is only worth something if it fires: plant each kind of leak and look for it.
    count, row = sorted(expected_counts())[0], grid_rows()[0]
    assert counts_in(f"answer = {count}") == [count]
    assert counts_in(f"answer is {count:,} parameters") == [count]
    assert row in grid_rows_in(f"grid = np.array([{', '.join(f'{v}.0' for v in row)}])")
    assert phrases_in("from autograder.course import run_case") == ["run_case", "autograder.course"]
