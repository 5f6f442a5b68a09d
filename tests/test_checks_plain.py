"""autograder.checks.plain: only known types become plain data (the built-in containers' subclasses as what they
hold); everything else is named, and where in the answer it is."""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from autograder.checks.plain import MAX_DEPTH, MAX_ELEMENTS, MAX_STRING, NotPlainData, to_plain

SHAPE = (28, 28, 8)
COLUMNS = ("shape", "size", "params")
TABLE_ROWS = {"Input": ((32, 32, 3), 3072, 0), "CONV1": (SHAPE, 6272, 608)}


def _nested_lists(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _nested_dicts(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = {"inner": value}
    return value


def _nested_object_arrays(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        holder = np.empty(1, dtype=object)
        holder[0] = value
        value = holder
    return value


# --- what passes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(True, id="bool"),
        pytest.param(0, id="zero"),
        pytest.param(-3, id="negative-int"),
        pytest.param(2**64 - 1, id="largest-uint64"),
        pytest.param(-(2**64) + 1, id="most-negative-allowed"),
        pytest.param(2.5, id="float"),
        pytest.param(float("nan"), id="nan"),
        pytest.param("ceil", id="str"),
        pytest.param("", id="empty-str"),
        pytest.param(None, id="none"),
    ],
)
def test_builtin_scalars_pass_unchanged(value: Any) -> None:
    assert to_plain(value) is value


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(2**64, "integer too large", id="int-past-64-bits"),
        pytest.param(-(10**400), "integer too large", id="huge-negative-int"),
        pytest.param("A" * (MAX_STRING + 1), "too long", id="long-string"),
        pytest.param({"k" * (MAX_STRING + 1): 1}, "too long", id="long-key"),
        pytest.param({2**70: 1}, "too large", id="huge-int-key"),
    ],
)
def test_values_past_the_bounds_are_refused_with_what_they_are(value: Any, said: str) -> None:
    # Beyond these an answer only costs the grader time and memory: no question's answer comes near.
    with pytest.raises(NotPlainData, match=said):
        to_plain(value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        pytest.param(np.int64(7), int, id="int64"),
        pytest.param(np.int32(-7), int, id="int32"),
        pytest.param(np.uint8(255), int, id="uint8"),
        pytest.param(np.float32(0.5), float, id="float32"),
        pytest.param(np.float64(2.5), float, id="float64"),
        pytest.param(np.bool_(True), bool, id="bool_"),
        pytest.param(np.str_("ceil"), str, id="str_"),
    ],
)
def test_numpy_scalars_become_python_values(value: np.generic, kind: type) -> None:
    result = to_plain(value)
    assert type(result) is kind
    assert result == value


def test_tuples_become_lists_at_every_level() -> None:
    assert to_plain((SHAPE, (SHAPE,))) == [list(SHAPE), [list(SHAPE)]]
    assert type(to_plain(SHAPE)) is list


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(3, id="int"),
        pytest.param(np.int64(3), id="np-int64"),
        pytest.param(np.int32(3), id="np-int32"),
        pytest.param(np.uint8(3), id="np-uint8"),
    ],
)
def test_integer_dict_keys_become_strings(key: Any) -> None:
    assert to_plain({key: SHAPE, "name": SHAPE}) == {str(int(key)): list(SHAPE), "name": list(SHAPE)}


def test_a_dataframe_becomes_a_dict_of_rows() -> None:
    frame = pd.DataFrame([list(cells) for cells in TABLE_ROWS.values()], index=list(TABLE_ROWS), columns=COLUMNS)
    result = to_plain(frame)
    assert result == {
        row: {"shape": list(shape), "size": size, "params": params} for row, (shape, size, params) in TABLE_ROWS.items()
    }
    assert all(type(cells["size"]) is int for cells in result.values())


def test_a_series_becomes_a_list() -> None:
    assert to_plain(pd.Series(SHAPE)) == list(SHAPE)


def test_an_object_array_of_ragged_rows_becomes_lists() -> None:
    rows = [[1, 2], [3]]
    ragged = np.empty(len(rows), dtype=object)
    ragged[:] = rows
    assert to_plain(ragged) == rows


@pytest.mark.parametrize(
    "array",
    [
        pytest.param(np.arange(6).reshape(2, 3), id="int"),
        pytest.param(np.linspace(0, 1, 6).reshape(3, 2), id="float"),
        pytest.param(np.arange(4) % 2 == 0, id="bool"),
    ],
)
def test_arrays_are_copied(array: np.ndarray) -> None:
    snapshot = array.copy()
    plain = to_plain(array)
    nested = to_plain([array])[0]
    array[...] = 0
    for copy in (plain, nested):
        assert type(copy) is np.ndarray
        assert copy.dtype == snapshot.dtype
        np.testing.assert_array_equal(copy, snapshot)


@pytest.mark.parametrize("nest", [pytest.param(_nested_lists, id="lists"), pytest.param(_nested_dicts, id="dicts")])
def test_nesting_up_to_max_depth_passes(nest: Callable[[int], Any]) -> None:
    value = nest(MAX_DEPTH)
    assert to_plain(value) == value


class Untouchable:
    """Mixed into a container subclass: every method of its own raises, so reading one proves none ran."""

    def _ran(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a method of the student's class ran")

    __iter__ = __len__ = __getitem__ = __contains__ = __eq__ = __hash__ = __reversed__ = _ran
    keys = items = values = get = _ran


class UntouchableList(Untouchable, list):  # type: ignore[misc]
    pass


class UntouchableTuple(Untouchable, tuple):  # type: ignore[misc]
    pass


class UntouchableDict(Untouchable, dict):  # type: ignore[misc]
    pass


Row = collections.namedtuple("Row", COLUMNS)
CONTAINERS = [
    [1, 2.5, "x"],
    [[1, 2], (3, 4)],
    list(TABLE_ROWS.values()),
    [],
]


@pytest.mark.parametrize("items", CONTAINERS)
@pytest.mark.parametrize("subclass", [UntouchableList, UntouchableTuple])
def test_a_subclass_of_list_or_tuple_is_what_it_holds_and_none_of_its_code_runs(
    items: list[Any], subclass: type
) -> None:
    assert to_plain(subclass(items)) == to_plain(list(items))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda rows: collections.OrderedDict(rows), id="OrderedDict"),
        pytest.param(lambda rows: collections.defaultdict(list, rows), id="defaultdict"),
        pytest.param(lambda rows: UntouchableDict(rows), id="untouchable-dict"),
        pytest.param(lambda rows: {label: Row(*row) for label, row in rows.items()}, id="namedtuple-rows"),
    ],
)
def test_a_table_in_a_subclass_of_dict_or_tuple_reads_as_the_plain_table(make: Callable[[dict], Any]) -> None:
    assert to_plain(make(TABLE_ROWS)) == to_plain(TABLE_ROWS)


class ClaimsToBeAList:
    __class__ = property(lambda self: list)  # type: ignore[assignment]


def test_an_object_that_only_says_it_is_a_list_is_refused() -> None:
    with pytest.raises(NotPlainData, match="ClaimsToBeAList"):
        to_plain(ClaimsToBeAList())


# --- what is refused --------------------------------------------------------------------------


class Point:
    pass


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class SneakyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class MyArray(np.ndarray):
    pass


def _matrix(entries: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix is deprecated, still exists
        return np.matrix(entries)


def _generator() -> Iterator[int]:
    return (n for n in SHAPE)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        pytest.param(Point, "Point", id="custom-class"),
        pytest.param(AlwaysEqual, "AlwaysEqual", id="eq-always-true"),
        pytest.param(lambda: SneakyInt(4), "SneakyInt", id="int-subclass"),
        pytest.param(lambda: np.arange(4).view(MyArray), "MyArray", id="ndarray-subclass"),
        pytest.param(lambda: np.ma.masked_array([1, 2], mask=[0, 1]), "MaskedArray", id="masked-array"),
        pytest.param(_generator, "generator", id="generator"),
        pytest.param(lambda: lambda x: x, "function", id="lambda"),
        pytest.param(lambda: set(SHAPE), "set", id="set"),
        pytest.param(lambda: 1j, "complex", id="complex"),
        pytest.param(lambda: np.complex128(1j), "complex128", id="np-complex"),
        pytest.param(lambda: np.array([1j]), "complex128", id="complex-array"),
        pytest.param(lambda: {2.5: "x"}, "float key", id="float-key"),
        pytest.param(lambda: {SHAPE: "x"}, "tuple key", id="tuple-key"),
        pytest.param(lambda: [1, Point()], "Point", id="inside-a-list"),
        pytest.param(lambda: {"row": {"cell": Point()}}, "Point", id="inside-a-dict"),
    ],
)
def test_refuses_and_names_the_type(make: Callable[[], Any], named: str) -> None:
    with pytest.raises(NotPlainData, match=named):
        to_plain(make())


@pytest.mark.parametrize("make", [lambda: np.fft.ifft2(np.fft.fft2(np.eye(2))), lambda: np.array([1j])])
def test_complex_numbers_are_refused_with_the_way_to_the_real_part(make: Callable[[], Any]) -> None:
    # An FFT convolution that forgot `.real` is the usual source: the message says what to take.
    with pytest.raises(NotPlainData, match=r"complex numbers .*`\.real`"):
        to_plain(make())


def test_refuses_an_array_over_max_elements() -> None:
    huge = np.broadcast_to(np.float64(0), (MAX_ELEMENTS + 1,))  # a view: no memory is allocated
    with pytest.raises(NotPlainData, match=f"{MAX_ELEMENTS + 1} elements"):
        to_plain(huge)


def test_refuses_a_list_over_max_elements() -> None:
    with pytest.raises(NotPlainData, match="too long"):
        to_plain([0] * (MAX_ELEMENTS + 1))


@pytest.mark.parametrize("nest", [pytest.param(_nested_lists, id="lists"), pytest.param(_nested_dicts, id="dicts")])
def test_refuses_nesting_deeper_than_max_depth(nest: Callable[[int], Any]) -> None:
    with pytest.raises(NotPlainData, match="nested too deeply"):
        to_plain(nest(MAX_DEPTH + 1))


def test_refuses_a_list_that_contains_itself() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(NotPlainData, match="nested too deeply"):
        to_plain(loop)


def test_refuses_object_arrays_nested_deeper_than_max_depth() -> None:
    with pytest.raises(NotPlainData, match="nested too deeply"):
        to_plain(_nested_object_arrays(MAX_DEPTH + 1))


def test_refuses_an_object_array_that_contains_itself() -> None:
    loop = np.empty(1, dtype=object)
    loop[0] = loop
    with pytest.raises(NotPlainData, match="nested too deeply"):
        to_plain(loop)


def test_refuses_a_dataframe_with_repeated_row_labels() -> None:
    row = next(iter(TABLE_ROWS))
    frame = pd.DataFrame([list(TABLE_ROWS[row])] * 2, index=[row, row], columns=COLUMNS)
    with pytest.raises(NotPlainData, match="repeated row labels"):
        to_plain(frame)


def test_a_dataframe_numbered_0_0_0_by_concat_becomes_its_records_in_order() -> None:
    frames = [pd.DataFrame([[row, *cells]], columns=["layer", *COLUMNS]) for row, cells in TABLE_ROWS.items()]
    joined = pd.concat(frames)
    assert list(joined.index) == [0] * len(TABLE_ROWS)
    assert to_plain(joined) == to_plain(joined.reset_index(drop=True).to_dict(orient="records"))


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        pytest.param([[1, 2], [3, Point()]], "[1][1]", id="list"),
        pytest.param({"CONV1": ((28, 28, 8), Point(), 608)}, "['CONV1'][1]", id="dict"),
        pytest.param({3: [Point()]}, "[3][0]", id="int-key"),
        pytest.param(np.array([[1, Point()]], dtype=object), "[0][1]", id="object-array"),
        pytest.param(pd.DataFrame({"size": [Point()]}, index=["CONV1"]), "['CONV1']['size']", id="dataframe"),
    ],
)
def test_a_refused_part_is_named_with_where_it_is(answer: Any, where: str) -> None:
    with pytest.raises(NotPlainData) as refused:
        to_plain(answer)
    assert (refused.value.what, refused.value.where) == ("an object of type Point", where)
    assert str(refused.value) == f"a value whose item {where} is an object of type Point"


def test_numpy_s_matrix_is_read_as_the_array_of_its_entries() -> None:
    grid = np.arange(6.0).reshape(2, 3)
    plain = to_plain(_matrix(grid))
    assert type(plain) is np.ndarray and np.array_equal(plain, grid)


def test_a_dataframe_of_a_grid_nobody_labelled_is_its_rows_and_a_labelled_one_its_named_rows() -> None:
    grid = np.arange(6.0).reshape(2, 3)
    assert to_plain(pd.DataFrame(grid)) == grid.tolist()
    # Labels other than 0, 1, 2, ... in order name something: kept, as a dict of rows.
    assert to_plain(pd.DataFrame(grid, columns=[2, 1, 0])) == {
        "0": {"2": 0.0, "1": 1.0, "0": 2.0},
        "1": {"2": 3.0, "1": 4.0, "0": 5.0},
    }
    assert to_plain(pd.DataFrame(grid, index=[1, 2])) == {
        "1": {"0": 0.0, "1": 1.0, "2": 2.0},
        "2": {"0": 3.0, "1": 4.0, "2": 5.0},
    }
