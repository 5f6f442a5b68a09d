"""`cnngrade grade` on the bundled sample class: one row each, the right statuses and feedback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autograder.course import ASSIGNMENTS, assignment
from autograder.grading.run import GradeRun, grade

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = 11
FULL_MARKS = {
    "hw1": {"passes_all", "lists_by_hand", "int32_arrays", "tuples_of_tuples"},
    "hw2": {"passes_all", "float_returns", "numpy_ints", "rounding_capitalised"},
    "hw3": {"passes_all", "dataframe_table", "shapes_as_lists"},
    "hw4": {"passes_all", "float_counts", "vgg_fc_as_column"},
    "hw5": {"passes_all"},
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GradeRun]:
    out = tmp_path_factory.mktemp("graded")
    return {
        name: grade(assignment=name, submissions=EXAMPLES / name, out=out / name, seed=SEED, timeout=4)
        for name in sorted(ASSIGNMENTS)
    }


def by_name(run: GradeRun) -> dict:
    return {result.submission: result for result in run.results}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_every_notebook_gets_exactly_one_row(runs: dict[str, GradeRun], name: str) -> None:
    stems = sorted(path.stem for path in (EXAMPLES / name).glob("*.ipynb"))
    with runs[name].gradebook.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["submission"] for row in rows] == stems
    assert list(rows[0])[:6] == ["submission", "score", "max_score", "status", "message", "late"]
    assert list(rows[0])[6:] == list(assignment(name).questions())
    assert sorted(p.stem for p in (runs[name].gradebook.parent / "results").glob("*.json")) == stems


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_correct_answers_in_any_reasonable_form_get_full_marks(runs: dict[str, GradeRun], name: str) -> None:
    results = by_name(runs[name])
    for submission in FULL_MARKS[name]:
        result = results[submission]
        assert result.status == "ok"
        assert result.score == result.max_score == sum(assignment(name).points().values()), [
            c.message for c in result.cases if c.score < c.max_score
        ]


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_broken_and_blank_notebooks_are_rows_with_a_message(runs: dict[str, GradeRun], name: str) -> None:
    results = by_name(runs[name])
    broken = results["broken_json"]
    assert broken.status == "invalid" and broken.score == 0 and "not valid notebook JSON" in broken.message
    blank = results["blank"]
    assert blank.status == "ok" and blank.score < blank.max_score
    # An unfilled value is still `...`; an unfilled function body returns None.
    assert all(
        "still `...`" in case.message or "returned None" in case.message for case in blank.cases if case.score == 0
    )


def test_a_notebook_that_loops_forever_times_out_with_the_cell_named(runs: dict[str, GradeRun]) -> None:
    looping = by_name(runs["hw1"])["infinite_loop_last_cell"]
    assert looping.status == "timeout"
    assert "within 4 s" in looping.message and "while True" in looping.message


def test_a_raising_cell_keeps_the_credit_of_the_others(runs: dict[str, GradeRun]) -> None:
    result = by_name(runs["hw1"])["raises_midway"]
    assert result.status == "ok" and "raised" in result.message
    assert 0 < result.score < result.max_score
    assert result.question_scores()["q1"] == assignment("hw1").points()["q1"]


def test_lecture_lenet_values_get_partial_credit_naming_both_mistakes(runs: dict[str, GradeRun]) -> None:
    result = by_name(runs["hw3"])["lecture_values"]
    messages = {case.id: case.message for case in result.cases if case.score < case.max_score}
    assert 0 < result.score < result.max_score
    assert "one channel" in messages["hw3.q1.CONV1.params"]
    assert "single bias" in messages["hw3.q1.FC3.params"]


def test_results_json_follows_gradescope_format(runs: dict[str, GradeRun]) -> None:
    path = runs["hw1"].gradebook.parent / "results" / "flipped_kernel.json"
    data = json.loads(path.read_text())
    assert set(data) >= {"score", "tests", "output"}
    assert data["score"] == sum(test["score"] for test in data["tests"])
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}
    assert any("flipped" in test["output"] for test in data["tests"])
    assert data["extra_data"]["seed"] == SEED


def test_same_seed_gives_a_byte_identical_gradebook(runs: dict[str, GradeRun], tmp_path: Path) -> None:
    again = grade(assignment="hw2", submissions=EXAMPLES / "hw2", out=tmp_path, seed=SEED)
    assert again.gradebook.read_bytes() == runs["hw2"].gradebook.read_bytes()


def test_known_mistakes_are_recorded_by_name_for_reports(runs: dict[str, GradeRun]) -> None:
    result = by_name(runs["hw3"])["lecture_values"]
    mistakes = {case.id: case.mistake for case in result.cases if case.mistake}
    assert set(mistakes) == {f"hw3.q1.{row}.params" for row in ("CONV1", "CONV2", "FC3", "FC4", "Softmax")}
    assert all(
        mistake in message
        for case in result.cases
        if case.mistake
        for mistake, message in [(case.mistake, case.message)]
    )
