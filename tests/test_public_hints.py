"""Form errors are caught by the public checks, before grading, and every message names the real mistake.

Each test covers a class of answers: every grid value, every array or count function, every shape
cell of every table, every count, derived from the course registry and solutions/, never typed here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from autograder.checks.answers import LiveAnswers
from autograder.checks.core import Case, CheckFailed
from autograder.checks.public import LENET_DENSE_ROWS, PUBLIC_PROBES, VGG16_DENSE_ROWS, VGG16_ROW_COUNT
from autograder.checks.tables import COLUMNS
from autograder.course import ASSIGNMENTS, assignment
from solutions import hw3, hw4

from .factories import reference_namespace


def messages(cases: Iterable[Case], namespace: dict[str, Any]) -> dict[str, str]:
    found = {}
    for case in cases:
        try:
            case.check(LiveAnswers(namespace))
        except CheckFailed as failure:
            found[case.id] = str(failure)
    return found


def public(name: str) -> list[Case]:
    return [case for case in assignment(name).cases(0) if not case.hidden]


def hidden(name: str) -> list[Case]:
    return [case for case in assignment(name).cases(0) if case.hidden]


def _values_of_kind(kind: Callable[[Any], bool]) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name in sorted(ASSIGNMENTS)
        for value, answer in reference_namespace(name).items()
        if value in assignment(name).values and kind(answer)
    ]


GRIDS = _values_of_kind(lambda answer: isinstance(answer, np.ndarray) and answer.ndim == 2)
COUNTS = _values_of_kind(lambda answer: isinstance(answer, int) and not isinstance(answer, bool))


def _public_outputs(kind: type) -> list[tuple[str, str]]:
    """The functions whose reference output on every public probe is of this kind (arrays, or ints)."""
    found = []
    for name in sorted(ASSIGNMENTS):
        reference = reference_namespace(name)
        for function, probes in PUBLIC_PROBES.get(name, {}).items():
            if all(isinstance(reference[function](*p.args, **p.kwargs), kind) for p in probes):
                found.append((name, function))
    return found


ARRAY_FUNCTIONS = _public_outputs(np.ndarray)
COUNT_FUNCTIONS = _public_outputs(int)


def with_output(name: str, function: str, change: Callable[[Any], Any]) -> dict[str, Any]:
    namespace = reference_namespace(name)
    right = namespace[function]
    namespace[function] = lambda *args, **kwargs: change(right(*args, **kwargs))
    return namespace


def test_the_classes_are_not_empty() -> None:
    # A registry change that empties a class would make every test below pass vacuously.
    assert len(GRIDS) >= 6 and len(COUNTS) >= 7
    assert len(ARRAY_FUNCTIONS) >= 4 and len(COUNT_FUNCTIONS) >= 4


# --- types: booleans and single numbers -----------------------------------------------------------------


@pytest.mark.parametrize("form", [pytest.param(np.asarray, id="ndarray"), pytest.param(np.ndarray.tolist, id="lists")])
@pytest.mark.parametrize(("name", "value"), GRIDS)
def test_a_boolean_grid_of_the_right_shape_is_refused_publicly(
    name: str, value: str, form: Callable[[np.ndarray], Any]
) -> None:
    namespace = reference_namespace(name)
    namespace[value] = form(np.asarray(namespace[value]) > 0)
    found = messages(public(name), namespace)
    assert found, f"{value} as booleans passes every public check"
    assert all(f"`{value}`" in text and ("boolean" in text or "True/False" in text) for text in found.values())
    assert messages(hidden(name), namespace), "the hidden checks pass it"


@pytest.mark.parametrize(("name", "function"), ARRAY_FUNCTIONS + COUNT_FUNCTIONS)
def test_a_function_returning_booleans_is_refused_publicly(name: str, function: str) -> None:
    namespace = with_output(name, function, lambda out: np.asarray(out) > 0 if isinstance(out, np.ndarray) else True)
    found = messages(public(name), namespace)
    assert found and all("bool" in text for text in found.values()), found


@pytest.mark.parametrize(("name", "value"), GRIDS)
def test_a_single_number_for_a_grid_is_called_one(name: str, value: str) -> None:
    namespace = reference_namespace(name) | {value: 3.0}
    for text in (messages(public(name), namespace) | messages(hidden(name), namespace)).values():
        assert f"`{value}` is a single number (3), not an array; expected an array of shape" in text
        assert "shape ()" not in text and "0 axes" not in text


@pytest.mark.parametrize(("name", "value"), GRIDS)
def test_a_grid_with_a_row_of_one_0d_array_is_told_so_publicly_and_hidden(name: str, value: str) -> None:
    # np.array(3.0) beside real rows: a message naming the mix, not a TypeError from len().
    namespace = reference_namespace(name)
    rows = np.asarray(namespace[value]).tolist()
    namespace[value] = [np.array(3.0), *rows[1:]]
    public_found, hidden_found = messages(public(name), namespace), messages(hidden(name), namespace)
    assert public_found and hidden_found
    for text in (public_found | hidden_found).values():
        assert f"`{value}` could not be read as an array of numbers: it mixes single numbers (entry 0)" in text


@pytest.mark.parametrize(("name", "function"), ARRAY_FUNCTIONS)
def test_a_function_returning_one_number_is_told_so(name: str, function: str) -> None:
    found = messages(public(name), with_output(name, function, lambda out: float(np.sum(out))))
    assert found and all("is a single number" in text and "shape ()" not in text for text in found.values())


# --- number of axes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "said"),
    [
        pytest.param(lambda out: out[..., 0], "1 axis missing", id="last-axis-dropped"),
        pytest.param(lambda out: out[..., None], "only axes of length 1 differ", id="axis-of-one-added"),
    ],
)
@pytest.mark.parametrize(("name", "function"), ARRAY_FUNCTIONS)
def test_a_wrong_number_of_axes_is_named_publicly_and_hidden(
    name: str, function: str, change: Callable[[np.ndarray], np.ndarray], said: str
) -> None:
    namespace = with_output(name, function, change)
    found_public = messages(public(name), namespace)
    found_hidden = {
        case_id: text for case_id, text in messages(hidden(name), namespace).items() if f".{function}-" in case_id
    }
    assert found_public and found_hidden
    for text in (found_public | found_hidden).values():
        assert said in text, text
        assert "(axis 0 has" not in text


VOLUME_ROWS = [row for row, layer in hw3.LENET if not isinstance(layer, hw3.Dense)]
DENSE_ROWS = [row for row, layer in hw3.LENET if isinstance(layer, hw3.Dense)]


def with_row(row: str, shape: tuple[int, ...] | None = None, size: int | None = None, params: int | None = None):
    """The reference table with one row's cells replaced; the size follows a new shape unless given."""
    table = dict(hw3.lenet_table())
    right_shape, right_size, right_params = table[row]
    shape = right_shape if shape is None else shape
    size = (right_size if shape == right_shape else math.prod(shape)) if size is None else size
    table[row] = (shape, size, right_params if params is None else params)
    return reference_namespace("hw3") | {"lenet_table": table}


@pytest.mark.parametrize("row", VOLUME_ROWS)
def test_a_table_volume_without_its_channel_axis_is_refused_publicly(row: str) -> None:
    namespace = with_row(row, shape=hw3.lenet_table()[row][0][:2])
    found = messages(public("hw3"), namespace)
    assert list(found) == ["hw3.q1.form"]
    assert f"`lenet_table[{row!r}] shape`" in found["hw3.q1.form"] and "channel axis" in found["hw3.q1.form"]
    shape_feedback = messages(hidden("hw3"), namespace)[f"hw3.q1.{row}.shape"]
    assert "channel axis" in shape_feedback and "floor" not in shape_feedback


@pytest.mark.parametrize("row", DENSE_ROWS)
def test_a_table_dense_row_given_as_a_volume_is_refused_publicly(row: str) -> None:
    units = math.prod(hw3.lenet_table()[row][0])
    namespace = with_row(row, shape=(1, 1, units))
    found = messages(public("hw3"), namespace)
    assert list(found) == ["hw3.q1.form"] and "a vector" in found["hw3.q1.form"]
    assert "a vector" in messages(hidden("hw3"), namespace)[f"hw3.q1.{row}.shape"]


@pytest.mark.parametrize("row", VOLUME_ROWS + DENSE_ROWS)
def test_a_size_that_is_not_the_product_of_its_shape_is_refused_publicly(row: str) -> None:
    shape, size, _ = hw3.lenet_table()[row]
    namespace = with_row(row, size=size + 1)
    found = messages(public("hw3"), namespace)
    assert list(found) == ["hw3.q1.form"]
    assert f"`lenet_table[{row!r}] size` is {size + 1:,}, but this row's shape {shape}" in found["hw3.q1.form"]
    assert "product of the shape's entries" in messages(hidden("hw3"), namespace)[f"hw3.q1.{row}.size"]


VGG_VOLUMES = [i for i, (_, layer) in enumerate(hw4.VGG16) if not isinstance(layer, hw3.Dense)]
VGG_DENSE = [i for i, (_, layer) in enumerate(hw4.VGG16) if isinstance(layer, hw3.Dense)]


def with_vgg_row(index: int, shape: Any) -> dict[str, Any]:
    shapes = list(hw4.vgg16_shapes)
    shapes[index] = shape
    return reference_namespace("hw4") | {"vgg16_shapes": shapes}


@pytest.mark.parametrize("index", VGG_VOLUMES)
def test_a_vgg_volume_without_its_channel_axis_is_refused_publicly(index: int) -> None:
    namespace = with_vgg_row(index, hw4.vgg16_shapes[index][:2])
    found = messages(public("hw4"), namespace)
    assert list(found) == ["hw4.q5.form"]
    assert f"`vgg16_shapes[{index}]`" in found["hw4.q5.form"] and "channel axis" in found["hw4.q5.form"]
    (feedback,) = messages(hidden("hw4"), namespace).values()
    assert "channel axis" in feedback and "halves" not in feedback


@pytest.mark.parametrize("index", VGG_DENSE)
def test_a_vgg_dense_row_given_as_a_volume_is_refused_publicly(index: int) -> None:
    namespace = with_vgg_row(index, (1, 1, *hw4.vgg16_shapes[index]))
    assert list(messages(public("hw4"), namespace)) == ["hw4.q5.form"]
    (feedback,) = messages(hidden("hw4"), namespace).values()
    assert "a vector" in feedback and "halves" not in feedback


@pytest.mark.parametrize(("row", "other"), [("POOL1", "CONV1"), ("CONV2", "POOL1"), ("FC4", "FC3")])
def test_a_shape_with_the_right_axes_but_wrong_values_is_told_what_its_layer_does(row: str, other: str) -> None:
    # The other row's shape: the right number of axes, and sides or channels of another layer.
    namespace = with_row(row, shape=hw3.lenet_table()[other][0])
    assert messages(public("hw3"), namespace) == {}  # form only: values are not public
    layer = dict(hw3.LENET)[row]
    feedback = messages(hidden("hw3"), namespace)[f"hw3.q1.{row}.shape"]
    said = {hw3.Conv: "floor", hw3.Pool: "floor", hw3.Dense: "one entry per unit"}[type(layer)]
    assert said in feedback


# --- counts are never negative ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), COUNTS)
def test_a_negative_count_is_refused_publicly(name: str, value: str) -> None:
    namespace = reference_namespace(name)
    namespace[value] = -1 - namespace[value]
    found = messages(public(name), namespace)
    assert found and all(f"`{value}`" in text and "never negative" in text for text in found.values())


@pytest.mark.parametrize(("name", "function"), COUNT_FUNCTIONS)
def test_a_function_returning_a_negative_count_is_refused_publicly(name: str, function: str) -> None:
    found = messages(public(name), with_output(name, function, lambda out: -1 - out))
    assert found and all("never negative" in text for text in found.values())


@pytest.mark.parametrize("row", VOLUME_ROWS + DENSE_ROWS)
def test_negative_params_in_the_table_are_refused_publicly(row: str) -> None:
    namespace = with_row(row, params=-1 - hw3.lenet_table()[row][2])
    found = messages(public("hw3"), namespace)
    assert list(found) == ["hw3.q1.form"]
    assert f"`lenet_table[{row!r}] params`" in found["hw3.q1.form"] and "never negative" in found["hw3.q1.form"]


@pytest.mark.parametrize("side", [0, -4])
@pytest.mark.parametrize("index", [VGG_VOLUMES[0], VGG_DENSE[0]])
def test_a_shape_with_a_side_below_one_is_refused_publicly(index: int, side: int) -> None:
    namespace = with_vgg_row(index, (side, *hw4.vgg16_shapes[index][1:]))
    found = messages(public("hw4"), namespace)
    assert list(found) == ["hw4.q5.form"] and "at least 1" in found["hw4.q5.form"]


# --- honest forms still pass ----------------------------------------------------------------------------


VECTOR_FORMS = {
    "units": lambda units: units,
    "(units,)": lambda units: (units,),
    "(units, 1)": lambda units: (units, 1),
    "(1, units)": lambda units: (1, units),
    "[units]": lambda units: [units],
    "np.array": lambda units: np.array([units, 1]),
}


@pytest.mark.parametrize("form", sorted(VECTOR_FORMS))
def test_dense_rows_in_every_vector_form_pass_every_check(form: str) -> None:
    make = VECTOR_FORMS[form]
    table = {
        row: (make(math.prod(shape)) if row in DENSE_ROWS else shape, size, params)
        for row, (shape, size, params) in hw3.lenet_table().items()
    }
    shapes = [make(math.prod(shape)) if i in VGG_DENSE else shape for i, shape in enumerate(hw4.vgg16_shapes)]
    assert messages(assignment("hw3").cases(0), reference_namespace("hw3") | {"lenet_table": table}) == {}
    assert messages(assignment("hw4").cases(0), reference_namespace("hw4") | {"vgg16_shapes": shapes}) == {}


def test_the_public_row_kinds_are_the_reference_s() -> None:
    # Typed in the student-safe checks, where solutions/ may not be imported: held to it here.
    assert set(LENET_DENSE_ROWS) == set(DENSE_ROWS)
    assert VGG16_ROW_COUNT == len(hw4.VGG16)
    assert VGG_DENSE == list(range(VGG16_ROW_COUNT - VGG16_DENSE_ROWS, VGG16_ROW_COUNT))


# --- messages ---------------------------------------------------------------------------------------------

RENAMED = {"shape": "Output shape", "size": "Activation size", "params": "Parameters"}


@pytest.mark.parametrize("column", COLUMNS)
def test_a_dataframe_missing_a_column_is_told_the_columns_it_has(column: str) -> None:
    table = hw3.lenet_table()
    # The other columns are capitalised: accepted as they are, and named as given.
    names = [RENAMED[c] if c == column else c.capitalize() for c in COLUMNS]
    frame = pd.DataFrame([list(cells) for cells in table.values()], index=list(table), columns=names)
    found = messages(public("hw3"), reference_namespace("hw3") | {"lenet_table": frame})
    text = found["hw3.q1.form"]
    assert f"has no {column}: its columns are {', '.join(repr(n) for n in names)}" in text
    assert f"Rename {RENAMED[column]!r} to {column!r}" in text


WRONG_ANSWERS = {
    "int": 5,
    "text": "abc",
    "none": None,
    "empty-list": [],
    "dict": {"a": 1},
    "ragged": [[1, 2], [3]],
    "flat-list": [1.0, 2.0, 3.0],
    "bool": True,
    "negative": -3,
}


@pytest.mark.parametrize("wrong", sorted(WRONG_ANSWERS))
@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_no_message_has_a_format_slip(name: str, wrong: str) -> None:
    """Every check, public and hidden, on a wrong answer of each kind for every name at once."""
    homework = assignment(name)
    bad = WRONG_ANSWERS[wrong]
    namespace = {value: bad for value in homework.values} | {
        function: (lambda *args, **kwargs: bad) for function in homework.functions
    }
    found = messages(homework.cases(0), namespace)
    assert found  # a whole number passes some form checks, and fails every hidden one
    for text in found.values():
        assert "{{" not in text and "}}" not in text and text.count("{") == text.count("}"), text
        assert "shape ()" not in text and "0 axes" not in text, text
