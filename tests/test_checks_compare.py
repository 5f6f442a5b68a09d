"""autograder.checks.compare: pass within tolerance, and say which mistake or which cells otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograder.checks.compare import check_array, check_count
from autograder.checks.core import EXACT, CheckFailed, Tolerance
from autograder.checks.plain import to_plain

TOL = Tolerance()
# Any grid with distinct, non-zero entries: a test value, not an answer.
EXPECTED = np.arange(1.0, 17.0).reshape(4, 4) * np.array([1, -1, 1, -1])
MISTAKES = {
    "the kernel is flipped (convolution instead of cross-correlation)": -EXPECTED[:, ::-1],
    "the padding is left out": EXPECTED[1:-1, 1:-1],
}
COUNT = 3_000_000_000
COUNT_MISTAKES = {"you count one bias for the whole layer": COUNT - 7, "you leave out the biases": COUNT - 8}


def _message(action: Callable[[], Any]) -> str:
    with pytest.raises(CheckFailed) as info:
        action()
    return str(info.value)


def _just_outside(value: float, tolerance: Tolerance) -> float:
    return value + 2 * (tolerance.atol + tolerance.rtol * abs(value))


# --- check_array ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(EXPECTED, id="itself"),
        pytest.param(EXPECTED.tolist(), id="nested-lists"),
        pytest.param(EXPECTED.astype(int), id="int-array"),
        pytest.param(EXPECTED.astype(np.float32), id="float32"),
        pytest.param(EXPECTED * (1 + TOL.rtol / 10), id="within-rtol"),
    ],
)
def test_check_array_passes_within_tolerance(value: Any) -> None:
    check_array(value, "vertical_edges", EXPECTED, TOL, MISTAKES)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param([(0, 0)], id="first-cell"),
        pytest.param([(2, 3)], id="one-inner-cell"),
        pytest.param([(3, 0), (1, 2)], id="two-cells-first-in-row-major-order"),
        pytest.param([(i, i) for i in range(4)], id="diagonal"),
    ],
)
def test_check_array_counts_the_cells_that_differ_and_names_the_first(wrong: list[tuple[int, int]]) -> None:
    value = EXPECTED.copy()
    for cell in wrong:
        value[cell] = _just_outside(value[cell], TOL)
    message = _message(lambda: check_array(value, "vertical_edges", EXPECTED, TOL, MISTAKES))
    assert f"`vertical_edges` has the right shape {EXPECTED.shape}" in message
    assert f"{len(wrong)} of {EXPECTED.size} entries differ" in message
    assert TOL.describe() in message
    assert f"the first is at index {list(min(wrong))}" in message


@pytest.mark.parametrize("mistake", list(MISTAKES))
@pytest.mark.parametrize("form", [pytest.param(np.asarray, id="array"), pytest.param(np.ndarray.tolist, id="lists")])
def test_check_array_names_a_matching_mistake(mistake: str, form: Callable[[np.ndarray], Any]) -> None:
    message = _message(lambda: check_array(form(MISTAKES[mistake]), "vertical_edges", EXPECTED, TOL, MISTAKES))
    assert message == f"`vertical_edges` matches what you get when {mistake}."


def test_check_array_says_where_the_answer_came_from() -> None:
    where = "a 4x6 image and the 1x1 kernel [[1]]"
    message = _message(lambda: check_array(np.zeros_like(EXPECTED), "conv2d(...)", EXPECTED, TOL, where=where))
    assert message.startswith(f"`conv2d(...)` on {where} has the right shape")


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param((3, 4), id="one-row-short"),
        pytest.param((16,), id="flattened"),
        pytest.param((6, 6), id="the-image-itself"),
    ],
)
def test_check_array_reports_the_shape_when_no_mistake_matches(shape: tuple[int, ...]) -> None:
    why = "the output of a 6x6 image and a 3x3 filter is n - f + 1 = 4 wide"
    message = _message(lambda: check_array(np.zeros(shape), "vertical_edges", EXPECTED, TOL, MISTAKES, shape_why=why))
    assert message.startswith(f"`vertical_edges` has shape {shape}; expected {EXPECTED.shape}")
    assert why in message
    assert "matches what you get" not in message


def test_check_array_reports_a_nan_by_index_before_comparing() -> None:
    value = EXPECTED.copy()
    value[1, 2] = np.nan
    assert "at index [1, 2]" in _message(lambda: check_array(value, "vertical_edges", EXPECTED, TOL, MISTAKES))


def test_check_array_with_exact_tolerance_refuses_the_smallest_difference() -> None:
    value = EXPECTED.copy()
    value[0, 0] = np.nextafter(value[0, 0], np.inf)
    assert "1 of" in _message(lambda: check_array(value, "vertical_edges", EXPECTED, EXACT))


# --- check_count ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(COUNT, id="int"),
        pytest.param(float(COUNT), id="integral-float"),
        pytest.param(to_plain(np.int64(COUNT)), id="numpy-int-after-to_plain"),
        pytest.param(np.array([COUNT]), id="one-element-array"),
        pytest.param([COUNT], id="one-element-list"),
    ],
)
def test_check_count_passes_on_the_exact_count(value: Any) -> None:
    check_count(value, "fc_weights_hr", COUNT, COUNT_MISTAKES)


def test_check_count_fails_where_allclose_would_pass() -> None:
    got = COUNT + 1_000
    assert np.allclose(got, COUNT)  # the trap an approximate comparison falls into
    assert "not the expected count" in _message(lambda: check_count(got, "fc_weights_hr", COUNT, COUNT_MISTAKES))


@pytest.mark.parametrize(
    "got",
    [
        pytest.param(COUNT + 1_000, id="within-allclose-default"),
        pytest.param(float(COUNT + 1_000), id="within-allclose-default-as-float"),
        pytest.param(COUNT + 1, id="one-more"),
        pytest.param(COUNT - 1, id="one-less"),
    ],
)
def test_check_count_is_exact_and_prints_thousands_separators(got: int | float) -> None:
    message = _message(lambda: check_count(got, "fc_weights_hr", COUNT, COUNT_MISTAKES))
    assert message == f"`fc_weights_hr` is {int(got):,}; that is not the expected count."


@pytest.mark.parametrize("mistake", list(COUNT_MISTAKES))
def test_check_count_names_a_matching_mistake_with_thousands_separators(mistake: str) -> None:
    got = COUNT_MISTAKES[mistake]
    message = _message(lambda: check_count(got, "fc_weights_hr", COUNT, COUNT_MISTAKES, where="n=1000"))
    assert message == f"`fc_weights_hr` on n=1000 is {got:,}, which is what you get when {mistake}."


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(COUNT + 0.5, "not a whole number", id="fraction"),
        pytest.param(str(COUNT), "expected a whole number", id="str"),
        pytest.param(True, "expected a whole number", id="bool"),
    ],
)
def test_check_count_refuses_what_is_not_a_whole_number(value: Any, said: str) -> None:
    message = _message(lambda: check_count(value, "fc_weights_hr", COUNT, COUNT_MISTAKES))
    assert "`fc_weights_hr`" in message
    assert said in message
