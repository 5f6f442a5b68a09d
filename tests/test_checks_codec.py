"""autograder.checks.codec: plain data survives JSON, and off-schema JSON is refused."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograder.checks.codec import ARRAY_TAG, ERROR_TAG, MalformedData, decode, encode, error, error_message
from autograder.checks.plain import MAX_DEPTH, MAX_ELEMENTS, MAX_STRING, NotPlainData, to_plain

DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
)


def _through_json(value: Any) -> Any:
    return decode(json.loads(json.dumps(encode(value))))


def _assert_same(got: Any, want: Any) -> None:
    """Equal, with the same types, dtypes and shapes; NaN equals NaN."""
    if isinstance(want, np.ndarray):
        assert type(got) is np.ndarray
        assert (got.dtype, got.shape) == (want.dtype, want.shape)
        np.testing.assert_array_equal(got, want)
    elif isinstance(want, float) and math.isnan(want):
        assert type(got) is float and math.isnan(got)
    elif isinstance(want, list):
        assert type(got) is list and len(got) == len(want)
        for got_item, want_item in zip(got, want):
            _assert_same(got_item, want_item)
    elif isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want)
        for key in want:
            _assert_same(got[key], want[key])
    else:
        assert type(got) is type(want)
        assert got == want


def _array_record(**changes: Any) -> dict[str, Any]:
    record = encode(np.arange(6, dtype="float64").reshape(2, 3))
    record.update(changes)
    return record


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="zero"),
        pytest.param(-7, id="negative-int"),
        pytest.param(2**64 - 1, id="largest-uint64"),
        pytest.param(0.1, id="float"),
        pytest.param(1e300, id="huge-float"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="inf"),
        pytest.param(float("-inf"), id="minus-inf"),
        pytest.param(True, id="bool"),
        pytest.param(None, id="none"),
        pytest.param("ceil", id="str"),
        pytest.param([[1, [2.5, "x"]], [], [float("nan")]], id="nested-lists"),
        pytest.param({"Input": [[32, 32, 3], 3072, 0], "empty": {}}, id="dict"),
        pytest.param(np.array(3.5), id="0-d-array"),
        pytest.param(np.zeros(0), id="empty-vector"),
        pytest.param(np.zeros((3, 0)), id="empty-3x0"),
        pytest.param(np.array([np.nan, np.inf, -np.inf, 0.5]), id="non-finite-array"),
        pytest.param(np.arange(24, dtype="float32").reshape(2, 3, 4), id="float32-volume"),
        pytest.param(np.array([np.iinfo(np.uint64).max], dtype="uint64"), id="uint64-max"),
        pytest.param(np.array([np.iinfo(np.int64).min], dtype="int64"), id="int64-min"),
        pytest.param([np.eye(2), {"bias": np.zeros(3, dtype="int32")}], id="arrays-inside-containers"),
    ],
)
def test_plain_data_round_trips_through_json(value: Any) -> None:
    _assert_same(_through_json(value), value)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape", [pytest.param((6,), id="vector"), pytest.param((2, 3), id="grid"), pytest.param((), id="0-d")]
)
def test_arrays_of_every_schema_dtype_round_trip(dtype: str, shape: tuple[int, ...]) -> None:
    array = (np.arange(math.prod(shape)) % 5).astype(dtype).reshape(shape)
    _assert_same(_through_json(array), array)


def test_the_deepest_plain_value_round_trips() -> None:
    value: Any = np.zeros(2)
    for _ in range(MAX_DEPTH):
        value = [value]
    _assert_same(_through_json(to_plain(value)), value)


@pytest.mark.parametrize("shape", [pytest.param((0, 3), id="0x3"), pytest.param((2, 0, 3), id="2x0x3")])
def test_empty_arrays_with_trailing_axes_round_trip(shape: tuple[int, ...]) -> None:
    array = np.zeros(shape)
    _assert_same(_through_json(array), array)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: np.arange(3, dtype=np.longdouble), id="longdouble-array"),
        pytest.param(lambda: np.longdouble(1.5), id="longdouble-scalar"),
        pytest.param(lambda: np.arange(3, dtype=">f8"), id="big-endian-float64"),
    ],
)
def test_whatever_to_plain_accepts_round_trips(make: Callable[[], Any]) -> None:
    try:
        plain = to_plain(make())
    except NotPlainData:
        return  # refusing it up front would be a fine fix too
    _assert_same(_through_json(plain), plain)


# --- decode refuses off-schema data -----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_array_record(dtype="object"), id="dtype-object"),
        pytest.param(_array_record(dtype="complex128"), id="dtype-complex"),
        pytest.param(_array_record(dtype="<f8"), id="dtype-spelled-otherwise"),
        pytest.param(_array_record(extra=1), id="extra-field"),
        pytest.param({key: value for key, value in _array_record().items() if key != "shape"}, id="missing-shape"),
        pytest.param(_array_record(shape=[3, 2]), id="shape-not-matching-data"),
        pytest.param(_array_record(shape=[6]), id="shape-flattened"),
        pytest.param(_array_record(shape=[-2, -3]), id="negative-dimension"),
        pytest.param(_array_record(shape=[2.0, 3.0]), id="float-dimension"),
        pytest.param(_array_record(shape=[True, 3]), id="bool-dimension"),
        pytest.param(_array_record(shape=6), id="shape-not-a-list"),
        pytest.param({ARRAY_TAG: [], "dtype": "float64", "shape": [MAX_ELEMENTS + 1]}, id="oversize-shape"),
        pytest.param({ARRAY_TAG: [], "dtype": "float64", "shape": [2**32, 2**32]}, id="overflowing-shape"),
        pytest.param(_array_record(**{ARRAY_TAG: [[0, 1, 2], [3, 4]]}), id="ragged-data"),
        pytest.param(_array_record(**{ARRAY_TAG: [["a", "b", "c"], [0, 1, 2]]}), id="string-data"),
        pytest.param({ARRAY_TAG: [300], "dtype": "int8", "shape": [1]}, id="int-out-of-dtype-range"),
        pytest.param({ARRAY_TAG: [float("nan")], "dtype": "int64", "shape": [1]}, id="nan-in-int-array"),
        pytest.param([1, _array_record(dtype="object")], id="bad-record-inside-a-list"),
    ],
)
def test_decode_refuses_a_malformed_array_record(data: Any) -> None:
    with pytest.raises(MalformedData):
        decode(data)


@pytest.mark.parametrize("dtype", [pytest.param(["float64"], id="list"), pytest.param({}, id="dict")])
def test_decode_refuses_an_unhashable_dtype(dtype: Any) -> None:
    with pytest.raises(MalformedData):
        decode(_array_record(dtype=dtype))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({3: "x"}, id="int-key"),
        pytest.param({"row": {None: 1}}, id="none-key-inside"),
        pytest.param((1, 2), id="tuple"),
        pytest.param({1, 2}, id="set"),
        pytest.param(np.float64(1.5), id="numpy-scalar"),
        pytest.param(np.zeros(2), id="raw-array"),
    ],
)
def test_decode_refuses_what_json_cannot_hold(data: Any) -> None:
    with pytest.raises(MalformedData):
        decode(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(2**64, id="int-past-64-bits"),
        pytest.param([[10**400] * 4] * 4, id="ints-no-float-can-hold"),
        pytest.param("A" * (MAX_STRING + 1), id="long-string"),
        pytest.param({"k" * (MAX_STRING + 1): 1}, id="long-key"),
        pytest.param({ARRAY_TAG: [], "dtype": "float64", "shape": [0, 2**62, 2**62]}, id="empty-shape-with-huge-axes"),
        pytest.param({ARRAY_TAG: [1.0], "dtype": "float64", "shape": [1] * (MAX_DEPTH + 1)}, id="too-many-axes"),
    ],
)
def test_decode_refuses_data_past_the_bounds_plain_keeps(data: Any) -> None:
    with pytest.raises(MalformedData):
        decode(data)


def test_decode_refuses_nesting_deeper_than_plain_allows() -> None:
    deep: Any = 0
    for _ in range(MAX_DEPTH + 3):
        deep = [deep]
    with pytest.raises(MalformedData, match="nested too deeply"):
        decode(deep)


# --- error records ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("`conv2d` raised ZeroDivisionError: division by zero", id="ascii"),
        pytest.param("`x` is still `...` — replace it", id="non-ascii"),
        pytest.param("", id="empty"),
    ],
)
def test_error_round_trips_through_json(message: str) -> None:
    assert error_message(json.loads(json.dumps(error(message)))) == message


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param({"Input": [32, 32, 3]}, id="ordinary-dict"),
        pytest.param({}, id="empty-dict"),
        pytest.param({ERROR_TAG: 5}, id="non-string-message"),
        pytest.param({**error("boom"), "more": 1}, id="extra-key"),
        pytest.param([error("boom")], id="error-inside-a-list"),
        pytest.param(encode(np.zeros(2)), id="array-record"),
        pytest.param("boom", id="str"),
        pytest.param(None, id="none"),
    ],
)
def test_error_message_is_none_for_anything_else(encoded: Any) -> None:
    assert error_message(encoded) is None
