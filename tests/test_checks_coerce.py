"""autograder.checks.coerce: every reasonable answer form is read, and every other one is named."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks import coerce
from autograder.checks.coerce import (
    as_choice,
    as_count,
    as_float_array,
    as_int,
    as_shape,
    require_shape,
    same_vector_shape,
)
from autograder.checks.core import CheckFailed
from autograder.checks.plain import to_plain

from .test_honest_variants import WRITTEN_SHAPES

GRID = [[3, 0, 1], [1, 5, 8]]  # small and not square, so a transpose would show
WHOLE = 6272
CHOICES = ("floor", "ceil")
SHAPE = (28, 28, 8)


def _message(action: Callable[[], Any]) -> str:
    with pytest.raises(CheckFailed) as info:
        action()
    return str(info.value)


# --- as_float_array ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(np.array(GRID, dtype=np.int32), id="ndarray-int32"),
        pytest.param(np.array(GRID, dtype=np.int64), id="ndarray-int64"),
        pytest.param(np.array(GRID, dtype=np.float32), id="ndarray-float32"),
        pytest.param(np.array(GRID, dtype=np.float64), id="ndarray-float64"),
        pytest.param(GRID, id="nested-lists"),
        pytest.param(tuple(tuple(row) for row in GRID), id="tuple-of-tuples"),
        pytest.param([[np.int64(v) for v in row] for row in GRID], id="numpy-ints-in-lists"),
        pytest.param([[np.float32(v) for v in row] for row in GRID], id="numpy-floats-in-lists"),
        pytest.param([np.array(row) for row in GRID], id="list-of-row-arrays"),
    ],
)
def test_as_float_array_reads_every_array_form(value: Any) -> None:
    array = as_float_array(value, "grid")
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, np.array(GRID, dtype=float))


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(str(GRID), "the string", id="str"),
        pytest.param({"row": GRID[0]}, "a dict", id="dict"),
        pytest.param(None, "None", id="none"),
        pytest.param(True, "the bool True", id="bool"),
        pytest.param([GRID[0], GRID[1][:1]], "rows have different lengths", id="ragged"),
        pytest.param([GRID[0], ...], "not a number", id="ellipsis-row"),
    ],
)
def test_as_float_array_refuses_with_the_variable_name(value: Any, said: str) -> None:
    message = _message(lambda: as_float_array(value, "my_grid"))
    assert "`my_grid`" in message
    assert said in message


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(np.asarray, id="ndarray"),
        pytest.param(lambda array: array.tolist(), id="nested-lists"),
    ],
)
@pytest.mark.parametrize(
    ("bad", "index"),
    [
        pytest.param(np.nan, (1, 2), id="nan"),
        pytest.param(np.inf, (0, 1), id="inf"),
        pytest.param(-np.inf, (1, 0), id="minus-inf"),
    ],
)
def test_as_float_array_names_the_index_of_a_non_finite_entry(
    form: Callable[[np.ndarray], Any], bad: float, index: tuple[int, int]
) -> None:
    grid = np.array(GRID, dtype=float)
    grid[index] = bad
    message = _message(lambda: as_float_array(form(grid), "my_grid"))
    assert "`my_grid`" in message
    assert f"contains {bad} at index {list(index)}" in message


@pytest.mark.parametrize("bad", [pytest.param(np.nan, id="nan"), pytest.param(np.inf, id="inf")])
def test_as_float_array_refuses_a_lone_non_finite_number(bad: float) -> None:
    assert "`my_value`" in _message(lambda: as_float_array(bad, "my_value"))


# --- require_shape ----------------------------------------------------------------------------


def test_require_shape_is_silent_on_the_expected_shape() -> None:
    require_shape(np.zeros(SHAPE), "volume", SHAPE)


@pytest.mark.parametrize(
    ("got", "want", "axis"),
    [
        pytest.param((3, 3), (4, 4), 0, id="first-axis"),
        pytest.param((4, 3), (4, 4), 1, id="second-axis"),
        pytest.param((28, 28, 6), SHAPE, 2, id="channel-axis"),
    ],
)
def test_require_shape_names_the_axis_and_the_reason(got: tuple[int, ...], want: tuple[int, ...], axis: int) -> None:
    why = "a side of 6 with f=3 gives n - f + 1 = 4"
    message = _message(lambda: require_shape(np.zeros(got), "edges", want, why))
    assert f"`edges` has shape {got}; expected {want}" in message
    assert f"axis {axis} has {got[axis]}, not {want[axis]}" in message
    assert message.endswith(f": {why}.")


@pytest.mark.parametrize(
    ("got", "want", "said"),
    [
        pytest.param((16,), (4, 4), "the right number of entries", id="flattened"),
        pytest.param((1, 4, 4), (4, 4), "only axes of length 1 differ", id="extra-axis"),
        pytest.param((14, 14), (14, 14, 8), "1 axis missing", id="channel-axis-missing"),
        pytest.param((3, 4, 4), (4, 4), "1 axis too many", id="an-axis-too-many"),
    ],
)
def test_require_shape_counts_axes_when_their_number_differs(
    got: tuple[int, ...], want: tuple[int, ...], said: str
) -> None:
    message = _message(lambda: require_shape(np.zeros(got), "edges", want))
    assert f"`edges` has shape {got}; expected {want}, with {len(want)} axes and not {len(got)}: {said}" in message
    assert "axis 0 has" not in message  # no axis is compared with an axis of another meaning


@pytest.mark.parametrize("number", [pytest.param(3, id="int"), pytest.param(2.5, id="float")])
def test_require_shape_calls_a_single_number_one(number: float) -> None:
    why = "a side of 6 with f=3 gives 4"
    message = _message(lambda: require_shape(as_float_array(number, "edges"), "edges", (4, 4), why))
    assert message.startswith(f"`edges` is a single number ({number}), not an array; expected an array of shape (4, 4)")
    assert "shape ()" not in message and "0 axes" not in message
    assert message.endswith(f"{why}.")


# --- as_int -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(WHOLE, id="int"),
        pytest.param(to_plain(np.int64(WHOLE)), id="np-int64-after-to_plain"),
        pytest.param(float(WHOLE), id="integral-float"),
        pytest.param(np.float64(WHOLE), id="np-float64"),
        pytest.param(np.array([WHOLE]), id="one-element-array"),
        pytest.param(np.array(float(WHOLE)), id="0-d-array"),
        pytest.param([WHOLE], id="one-element-list"),
    ],
)
def test_as_int_reads_whole_numbers(value: Any) -> None:
    result = as_int(value, "size")
    assert type(result) is int
    assert result == WHOLE


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(WHOLE + 0.5, "not a whole number", id="fraction"),
        pytest.param(True, "the bool True", id="bool"),
        pytest.param(str(WHOLE), f"the string {str(WHOLE)!r}", id="str"),
        pytest.param(float("nan"), "finite", id="nan"),
        pytest.param(float("inf"), "finite", id="inf"),
        pytest.param(None, "None", id="none"),
        pytest.param([WHOLE, WHOLE], "a list of length 2", id="two-element-list"),
        pytest.param(np.array([[WHOLE, WHOLE]]), "an array of shape (1, 2)", id="two-element-array"),
        pytest.param(np.array([True]), "the bool True", id="one-bool-array"),
    ],
)
def test_as_int_refuses_with_the_variable_name(value: Any, said: str) -> None:
    message = _message(lambda: as_int(value, "size"))
    assert "`size`" in message
    assert said in message


# --- as_choice --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dress",
    [
        pytest.param(lambda word: word, id="as-is"),
        pytest.param(str.upper, id="upper-case"),
        pytest.param(lambda word: f"  {word.title()} ", id="spaces-and-title-case"),
        pytest.param(lambda word: f"\t{word}\n", id="tab-and-newline"),
    ],
)
@pytest.mark.parametrize("choice", CHOICES)
def test_as_choice_folds_case_and_surrounding_spaces(dress: Callable[[str], str], choice: str) -> None:
    assert as_choice(dress(choice), "rounding", CHOICES) == choice


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(CHOICES[1] + "ing", id="other-word"),
        pytest.param("", id="empty"),
        pytest.param(" ".join(CHOICES), id="both-words"),
    ],
)
def test_as_choice_refuses_other_words_and_lists_the_choices(value: str) -> None:
    message = _message(lambda: as_choice(value, "rounding", CHOICES))
    assert f"`rounding` is {value!r}" in message
    assert all(repr(choice) in message for choice in CHOICES)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(3.5, id="float"),
        pytest.param(None, id="none"),
        pytest.param([CHOICES[0]], id="list-of-the-word"),
        pytest.param(True, id="bool"),
    ],
)
def test_as_choice_refuses_non_strings(value: Any) -> None:
    message = _message(lambda: as_choice(value, "rounding", CHOICES))
    assert "`rounding`" in message
    assert "(a string)" in message


# --- as_shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(list(SHAPE), id="list"),
        pytest.param(to_plain(SHAPE), id="tuple-after-to_plain"),
        pytest.param(np.array(SHAPE), id="int-array"),
        pytest.param(np.array(SHAPE, dtype=float), id="float-array"),
        pytest.param([float(n) for n in SHAPE], id="list-of-integral-floats"),
    ],
)
def test_as_shape_reads_a_sequence_of_whole_numbers(value: Any) -> None:
    result = as_shape(value, "shape")
    assert result == SHAPE
    assert all(type(n) is int for n in result)


@pytest.mark.parametrize("shape", [SHAPE, (120,), (120, 1)])
@pytest.mark.parametrize("written", sorted(WRITTEN_SHAPES))
def test_as_shape_reads_every_written_form(written: str, shape: tuple[int, ...]) -> None:
    assert as_shape(WRITTEN_SHAPES[written](shape), "shape") == shape


def test_as_shape_reads_a_raw_tuple() -> None:
    assert as_shape(SHAPE, "shape") == SHAPE


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(SHAPE[0], id="int"),
        pytest.param(float(SHAPE[0]), id="integral-float"),
    ],
)
def test_as_shape_reads_a_single_number_as_a_vector(value: Any) -> None:
    assert as_shape(value, "shape") == (SHAPE[0],)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param([], "expected a shape", id="empty-list"),
        pytest.param("twenty-eight by twenty-eight", "expected a shape", id="words"),
        pytest.param("x".join(map(str, SHAPE)) + "x", "expected a shape", id="text-with-a-side-missing"),
        pytest.param(str(SHAPE)[:-1], "expected a shape", id="text-unclosed-parenthesis"),
        pytest.param(" ".join(map(str, SHAPE)), "expected a shape", id="text-without-separators"),
        pytest.param(str(SHAPE).replace(str(SHAPE[1]), f"{SHAPE[1]}.5"), "expected a shape", id="text-not-whole"),
        pytest.param("()", "expected a shape", id="text-empty-tuple"),
        pytest.param(None, "expected a shape", id="none"),
        pytest.param(True, "expected a shape", id="bool"),
        pytest.param([*SHAPE[:2], SHAPE[2] + 0.5], "not a whole number", id="fractional-entry"),
    ],
)
def test_as_shape_refuses_with_the_variable_name(value: Any, said: str) -> None:
    message = _message(lambda: as_shape(value, "vgg16_shapes[3]"))
    assert "`vgg16_shapes[3]`" in message
    assert said in message


# --- same_vector_shape ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "want", "same"),
    [
        pytest.param((120,), (120,), True, id="vector-vs-vector"),
        pytest.param((120, 1), (120,), True, id="column-vs-vector"),
        pytest.param((1, 120), (120,), True, id="row-vs-vector"),
        pytest.param((120,), (120, 1), True, id="vector-vs-column"),
        pytest.param((1, 120), (120, 1), True, id="row-vs-column"),
        pytest.param(SHAPE, SHAPE, True, id="equal-volumes"),
        pytest.param((120, 2), (120,), False, id="two-columns-vs-vector"),
        pytest.param((120,), (120, 2), False, id="vector-vs-two-columns"),
        pytest.param((84,), (120,), False, id="other-length"),
        pytest.param(SHAPE, SHAPE[:2] + (1,), False, id="volume-vs-one-channel"),
        pytest.param(SHAPE[:2] + (1,), SHAPE[:2], False, id="one-channel-vs-grid"),
        pytest.param(SHAPE[::-1], SHAPE, False, id="channels-first"),
    ],
)
def test_same_vector_shape(got: tuple[int, ...], want: tuple[int, ...], same: bool) -> None:
    assert same_vector_shape(got, want) is same


@pytest.mark.parametrize("short_row", range(len(GRID)))
def test_a_ragged_grid_is_told_the_length_of_each_row(short_row: int) -> None:
    rows = [list(row) if index != short_row else list(row[:-1]) for index, row in enumerate(GRID)]
    message = _message(lambda: as_float_array(rows, "my_grid"))
    assert f"its rows have different lengths ({', '.join(str(len(row)) for row in rows)})" in message


@pytest.mark.parametrize(
    "form", [pytest.param(int, id="int"), pytest.param(float, id="float"), pytest.param(np.int64, id="np-int64")]
)
def test_as_count_takes_zero_and_refuses_every_negative_form(form: Callable[[int], Any]) -> None:
    assert as_count(to_plain(form(0)), "pool_params") == 0
    message = _message(lambda: as_count(to_plain(form(-WHOLE)), "pool_params"))
    assert f"`pool_params` is {-WHOLE:,}; a count or a size is never negative." == message


@pytest.mark.parametrize("side", [0, -1])
def test_as_shape_refuses_a_side_below_one(side: int) -> None:
    message = _message(lambda: as_shape((28, side, 8), "vgg16_shapes[3]"))
    assert f"`vgg16_shapes[3]` is (28, {side}, 8)" in message and "at least 1" in message


@pytest.mark.parametrize("row", [pytest.param(np.array(3.0), id="0-d-float"), pytest.param(np.int64(3), id="np-int")])
def test_a_row_that_is_a_single_number_among_rows_is_named(row: Any) -> None:
    message = _message(lambda: as_float_array([row, GRID[1]], "my_grid"))
    assert f"it mixes single numbers (entry 0) with rows (entry 1 has {len(GRID[1])} entries)" in message


# --- every coercion, on anything nested: a value or CheckFailed, never another exception ---------------

# Each function that reads a student's value, called the way the checks call it.
COERCIONS: dict[str, Callable[[Any], Any]] = {
    "as_float_array": lambda value: as_float_array(value, "answer"),
    "as_int": lambda value: as_int(value, "answer"),
    "as_count": lambda value: as_count(value, "answer"),
    "as_choice": lambda value: as_choice(value, "answer", CHOICES),
    "as_shape": lambda value: as_shape(value, "answer"),
}


def test_every_coercion_of_the_module_is_exercised() -> None:
    readers = {name for name, _ in inspect.getmembers(coerce, inspect.isfunction) if name.startswith("as_")}
    assert readers == set(COERCIONS)


_ARRAY_DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.dtype("U3")])
# Of every ndim from 0 (np.array(3.0), what np.sum(..., keepdims=False) of an array can give) to 3.
_ARRAYS = hnp.arrays(_ARRAY_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
_LEAVES = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.sampled_from(["3", "nan", "28x28x8", "floor", " CEIL "]),
    _ARRAYS,
)
NESTED = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=4) | st.lists(children, max_size=4).map(tuple),
    max_leaves=16,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(value=NESTED)
def test_every_coercion_returns_or_says_what_is_wrong(value: Any) -> None:
    for name, coercion in COERCIONS.items():
        try:
            coercion(value)
        except CheckFailed as failure:
            assert "`answer`" in str(failure), name
        assert isinstance(coerce.describe(value), str)
