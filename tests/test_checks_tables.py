"""autograder.checks.tables: the LeNet table is read in every reasonable form, or its problem is named."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from autograder.checks.core import CheckFailed
from autograder.checks.plain import to_plain
from autograder.checks.public import LENET_ROWS
from autograder.checks.tables import COLUMNS, read_cell, read_row, read_table

# Shapes from the size formula; params are placeholders (each row its own), since tables.py checks form only.
SHAPES = {
    "Input": (32, 32, 3),
    "CONV1": (28, 28, 8),
    "POOL1": (14, 14, 8),
    "CONV2": (10, 10, 16),
    "POOL2": (5, 5, 16),
    "FC3": (120,),
    "FC4": (84,),
    "Softmax": (10,),
}
TABLE = {row: (shape, math.prod(shape), 100 * index) for index, (row, shape) in enumerate(SHAPES.items())}


def _message(action: Callable[[], Any]) -> str:
    with pytest.raises(CheckFailed) as info:
        action()
    return str(info.value)


def _dict_of_dicts() -> dict[str, dict[str, Any]]:
    return {row: dict(zip(COLUMNS, cells)) for row, cells in TABLE.items()}


def _dataframe() -> pd.DataFrame:
    return pd.DataFrame([list(cells) for cells in TABLE.values()], index=list(TABLE), columns=list(COLUMNS))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: TABLE, id="dict-of-tuples"),
        pytest.param(
            lambda: {row: [list(shape), size, params] for row, (shape, size, params) in TABLE.items()},
            id="dict-of-lists",
        ),
        pytest.param(_dict_of_dicts, id="dict-of-dicts"),
        pytest.param(_dataframe, id="dataframe"),
        pytest.param(lambda: _dataframe().transpose().to_dict(), id="dict-of-dicts-from-pandas"),
        pytest.param(
            lambda: {
                row: (np.array(shape), np.int64(size), float(params)) for row, (shape, size, params) in TABLE.items()
            },
            id="numpy-cells",
        ),
        pytest.param(
            lambda: {
                row: (shape[0] if len(shape) == 1 else shape, size, params)
                for row, (shape, size, params) in TABLE.items()
            },
            id="vector-shapes-as-ints",
        ),
        pytest.param(lambda: {row.lower(): cells for row, cells in TABLE.items()}, id="lower-case-rows"),
        pytest.param(lambda: {f" {row.upper()} ": cells for row, cells in TABLE.items()}, id="padded-upper-case-rows"),
        # Rows and columns swapped, as pd.DataFrame({row: {"shape": .., "size": .., "params": ..}}) builds it.
        pytest.param(
            lambda: pd.DataFrame({row: dict(zip(COLUMNS, cells)) for row, cells in TABLE.items()}),
            id="dataframe-rows-as-columns",
        ),
        pytest.param(lambda: _dataframe().transpose(), id="dataframe-transposed"),
        pytest.param(lambda: _dataframe().to_dict(), id="dict-of-columns"),
        pytest.param(
            lambda: {
                column.upper(): {row: cells[i] for row, cells in TABLE.items()} for i, column in enumerate(COLUMNS)
            },
            id="dict-of-columns-upper-case",
        ),
        # The row names in a column of their own, under the default index 0, 1, 2, ...
        pytest.param(lambda: _dataframe().reset_index(names="layer"), id="dataframe-layer-column"),
        pytest.param(
            lambda: (
                _dataframe()
                .reset_index(names="Layer")
                .assign(kind="x")
                .assign(kind=lambda df: [f"kind {i}" for i in range(len(df))])
            ),
            id="dataframe-two-text-columns",
        ),
        pytest.param(lambda: _dataframe().reset_index(names="layer").to_dict("records"), id="records"),
        # Numbered rows other than 0, 1, 2, ...: counted from 1, or every row 0 (pd.concat of one-row frames).
        pytest.param(lambda: _dataframe().reset_index(names="layer").set_axis(range(1, 9)), id="layer-column-from-1"),
        pytest.param(
            lambda: pd.concat(
                pd.DataFrame([[row, *cells]], columns=["layer", *COLUMNS]) for row, cells in TABLE.items()
            ),
            id="concat-of-rows-layer-column",
        ),
        # Built the other way round with a note beside the three cells: the note is one more row.
        pytest.param(
            lambda: pd.DataFrame({row: {**dict(zip(COLUMNS, cells)), "type": row[:2]} for row, cells in TABLE.items()}),
            id="dataframe-rows-as-columns-with-a-note",
        ),
        pytest.param(lambda: _dataframe().reset_index(names="layer").to_dict(), id="dict-of-columns-layer-column"),
        pytest.param(lambda: _dataframe().reset_index(names="layer").to_dict("list"), id="dict-of-lists-layer-column"),
        # Shapes written as text, as the lecture's table prints them.
        pytest.param(
            lambda: {row: (str(shape), size, params) for row, (shape, size, params) in TABLE.items()},
            id="shapes-as-tuple-text",
        ),
        pytest.param(
            lambda: {row: (" x ".join(map(str, shape)), size, params) for row, (shape, size, params) in TABLE.items()},
            id="shapes-as-x-text",
        ),
        pytest.param(
            lambda: {row: (str(list(shape)), size, params) for row, (shape, size, params) in TABLE.items()},
            id="shapes-as-list-text",
        ),
    ],
)
def test_read_table_reads_every_reasonable_form(make: Callable[[], Any]) -> None:
    # Answers always reach the checks through to_plain, as here.
    assert read_table(to_plain(make()), LENET_ROWS, "lenet_table") == {
        row: (tuple(shape), size, params) for row, (shape, size, params) in TABLE.items()
    }


def test_read_table_reads_raw_tuples() -> None:
    read_table(TABLE, LENET_ROWS, "lenet_table")


def test_read_cell_returns_a_tuple_for_the_shape_and_ints_for_the_counts() -> None:
    table = to_plain(_dataframe())
    for row, (shape, size, params) in TABLE.items():
        cells = {column: read_cell(table, row, column, "lenet_table") for column in COLUMNS}
        assert cells == {"shape": shape, "size": size, "params": params}
        assert type(cells["shape"]) is tuple
        assert type(cells["size"]) is int and type(cells["params"]) is int


def test_read_row_keeps_the_cells_as_given() -> None:
    row = "CONV1"
    assert read_row(to_plain(TABLE), row, "lenet_table") == dict(zip(COLUMNS, to_plain(TABLE[row])))


@pytest.mark.parametrize("missing", ["POOL2", "Softmax"])
def test_a_missing_row_is_named_and_the_rows_present_are_listed(missing: str) -> None:
    table = to_plain({row: cells for row, cells in TABLE.items() if row != missing})
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert f"`lenet_table` has no row {missing!r}" in message
    assert f"its rows are {list(table)}" in message


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        pytest.param(TABLE["CONV1"][:2], "is a list of length 2", id="two-cells"),
        pytest.param(TABLE["CONV1"] + (0,), "is a list of length 4", id="four-cells"),
        pytest.param(TABLE["CONV1"][1], "expected (shape, size, params)", id="a-number"),
        pytest.param(dict(zip(COLUMNS[:2], TABLE["CONV1"])), "has no params", id="dict-without-params"),
    ],
)
def test_a_malformed_row_is_named(cells: Any, said: str) -> None:
    table = to_plain({**TABLE, "CONV1": cells})
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert "Row 'CONV1' of `lenet_table`" in message
    assert said in message


@pytest.mark.parametrize(
    ("column", "cell", "said"),
    [
        pytest.param("size", TABLE["CONV1"][1] + 0.5, "not a whole number", id="fractional-size"),
        pytest.param("params", str(TABLE["CONV1"][2]), "expected a whole number", id="params-as-str"),
        pytest.param(
            "shape", "twenty-eight by twenty-eight", "expected a shape such as (n_H, n_W, n_C)", id="shape-as-words"
        ),
        pytest.param("shape", "(28, 28.5, 8)", "expected a shape such as (n_H, n_W, n_C)", id="shape-text-not-whole"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column(column: str, cell: Any, said: str) -> None:
    table = to_plain({**_dict_of_dicts(), "CONV1": {**_dict_of_dicts()["CONV1"], column: cell}})
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert f"`lenet_table['CONV1'] {column}`" in message
    assert said in message


@pytest.mark.parametrize(
    "table",
    [
        pytest.param(list(TABLE.values()), id="list-of-rows"),
        pytest.param(None, id="none"),
        pytest.param("Input, CONV1", id="str"),
    ],
)
def test_a_table_that_is_not_a_dict_is_refused(table: Any) -> None:
    message = _message(lambda: read_table(to_plain(table), LENET_ROWS, "lenet_table"))
    assert "`lenet_table` is" in message
    assert "expected a dict" in message


def test_a_table_with_its_rows_as_columns_but_a_column_missing_says_so() -> None:
    table = to_plain(pd.DataFrame({row: dict(zip(COLUMNS[:2], cells)) for row, cells in TABLE.items()}))
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert "`lenet_table` has no row 'Input'" in message
    assert "rows look like the columns" in message and ".T" in message


def test_a_table_with_numbered_rows_and_no_name_column_says_to_name_them() -> None:
    table = to_plain(_dataframe().reset_index(drop=True))
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert "`lenet_table` has no row 'Input'" in message
    assert "numbered, not named" in message


def test_a_default_index_with_a_name_column_missing_a_row_names_the_row() -> None:
    frame = _dataframe().reset_index(names="layer")
    table = to_plain(frame[frame["layer"] != "POOL2"].reset_index(drop=True))
    message = _message(lambda: read_table(table, LENET_ROWS, "lenet_table"))
    assert "`lenet_table` has no row 'POOL2'" in message


def _padded(rows: int) -> dict[str, Any]:
    """TABLE, with filler rows up to `rows` in all."""
    return TABLE | {f"extra{i}": ((1, 1, 1), 1, 0) for i in range(rows - len(TABLE))}


# Every layout a long table can come in, each as plain data (as phase 2 sees it): rows by name, a list of
# records, columns of cells (the other way round).
LONG_LAYOUTS = {
    "rows": lambda rows: _padded(rows),
    "records": lambda rows: [{"layer": row, **dict(zip(COLUMNS, cells))} for row, cells in _padded(rows).items()],
    "columns": lambda rows: to_plain(pd.DataFrame(_padded(rows), index=list(COLUMNS))),
}


@pytest.mark.parametrize("layout", LONG_LAYOUTS.values(), ids=LONG_LAYOUTS.keys())
def test_a_table_longer_than_any_network_is_refused_before_it_is_read(layout: Callable[[int], Any]) -> None:
    from autograder.checks.tables import MAX_ROWS

    assert read_row(to_plain(layout(MAX_ROWS)), "CONV1", "lenet_table")["shape"] == list(SHAPES["CONV1"])
    with pytest.raises(CheckFailed, match=f"has {MAX_ROWS + 1:,} rows"):
        read_row(to_plain(layout(MAX_ROWS + 1)), "CONV1", "lenet_table")
