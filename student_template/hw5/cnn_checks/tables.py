"""Read the LeNet table in any reasonable form: a dict of tuples, a dict of dicts, a DataFrame.

A DataFrame reaches the checks as a dict {row label: {column: cell}} (plain.to_plain), so the forms
a DataFrame takes are read here too, when their labels leave no doubt about the orientation:
- rows and columns swapped (pd.DataFrame({row: {"shape": .., "size": .., "params": ..}}), the
  natural construction, or df.to_dict()): the outer keys are exactly shape, size and params;
- the row names in a column of their own (a "layer" column) under numbered rows: the default index
  0, 1, 2, ..., one counted from 1 (df.index += 1), or the records of pd.concat without
  ignore_index, whose repeated 0, 0, 0, ... plain.to_plain turns into a list of records.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Any

from .coerce import as_count, as_shape, axes_count, describe
from .core import CheckFailed

COLUMNS = ("shape", "size", "params")
# Far more rows than any network of the course has. Every cell's check reads the table again: past this, a table
# would cost the grader time by its size alone.
MAX_ROWS = 100


def _fold(key: Any) -> Any:
    return key.strip().lower() if isinstance(key, str) else key


def _is_numbered(keys: Sequence[Any]) -> bool:
    """Row labels that are numbers (0, 1, 2, ... or counted from anywhere): they name no layer."""
    return bool(keys) and all(isinstance(key, str) and key.lstrip("-").isdecimal() for key in keys)


def _transposed(table: dict[str, Any]) -> dict[str, Any] | None:
    """{row: {column: cell}} from a table whose outer keys are the columns, or None if they are not.

    The outer keys must include shape, size and params (any case), every one holding a dict or a list
    of the cells. Other outer keys are columns too: a label column ("layer") or a note ("type"), as a
    DataFrame built the other way round holds them. No layer of the course is named shape, size or
    params, so these keys leave no doubt."""
    folded = {_fold(key) for key in table}
    if not folded >= set(COLUMNS) or not all(isinstance(cells, (dict, list)) for cells in table.values()):
        return None
    columns = {
        key: (cells if isinstance(cells, dict) else {str(i): v for i, v in enumerate(cells)})
        for key, cells in table.items()
    }
    rows: dict[str, dict[str, Any]] = {}
    for key, cells in columns.items():
        for label, cell in cells.items():
            rows.setdefault(label, {})[key] = cell
    return rows


def _label_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns other than shape, size and params that hold a distinct string in every row."""
    keys = [key for key in rows[0] if _fold(key) not in COLUMNS and all(key in row for row in rows)]
    return [
        key
        for key in keys
        if all(isinstance(row[key], str) for row in rows) and len({_fold(row[key]) for row in rows}) == len(rows)
    ]


def _relabelled(table: dict[str, Any], row: str) -> dict[str, Any]:
    """Under numbered rows, the rows named by their label column (a "layer" column)."""
    if not _is_numbered(list(table)) or not all(isinstance(cells, dict) for cells in table.values()):
        return table
    rows = list(table.values())
    labels = _label_columns(rows)
    if not labels:
        return table
    # Several text columns ("layer" and "type"): the one that names this row, if any.
    chosen = next((key for key in labels if any(_fold(r[key]) == _fold(row) for r in rows)), labels[0])
    return {r[chosen]: {key: cell for key, cell in r.items() if key != chosen} for r in rows}


def _rows(table: Any) -> int:
    """How many rows `table` has, or columns of cells (a table given the other way round) at most."""
    if not isinstance(table, (dict, list)) or len(table) > MAX_ROWS:
        return len(table) if isinstance(table, (dict, list)) else 0
    cells = table.values() if isinstance(table, dict) else table
    return max([len(table)] + [len(part) for part in cells if isinstance(part, (dict, list))])


def _normalised(table: Any, row: str, name: str) -> Any:
    rows = _rows(table)
    if rows > MAX_ROWS:
        raise CheckFailed(
            f"`{name}` has {rows:,} rows (or cells in a column); a table of the course's layers has far fewer "
            f"(at most {MAX_ROWS}): one row per layer."
        )
    if isinstance(table, list) and table and all(isinstance(record, dict) for record in table):
        table = {str(i): record for i, record in enumerate(table)}
    if not isinstance(table, dict):
        return table
    table = _transposed(table) or table
    return _relabelled(table, row)


def _find_row(table: dict[str, Any], row: str, name: str) -> Any:
    if row in table:
        return table[row]
    folded = {_fold(key): value for key, value in table.items()}
    if row.lower() in folded:
        return folded[row.lower()]
    hint = ""
    if any(_fold(key) in COLUMNS for key in table):
        hint = (
            " Its rows look like the columns: a table holds one row per layer, with columns shape, size "
            "and params (every one of the three; transpose a DataFrame built the other way with .T)."
        )
    elif _is_numbered(list(table)):
        hint = (
            " Its rows are numbered, not named: name them (df.set_index('layer'), or index=[...]), "
            "or keep the names in a column of their own."
        )
    raise CheckFailed(
        f"`{name}` has no row {row!r}; its rows are {list(table)}. Use the row "
        f"names of the lecture's table exactly.{hint}"
    )


def read_row(table: Any, row: str, name: str) -> dict[str, Any]:
    """The three cells of one row, still as given: {"shape": .., "size": .., "params": ..}."""
    table = _normalised(table, row, name)
    if not isinstance(table, dict):
        raise CheckFailed(
            f"`{name}` is {describe(table)}; expected a dict {{row: (shape, size, params)}} "
            "or a pandas DataFrame with columns shape, size, params."
        )
    cells = _find_row(table, row, name)
    if isinstance(cells, dict):
        by_column = {_fold(key): value for key, value in cells.items()}
        missing = [column for column in COLUMNS if column not in by_column]
        if missing:
            raise CheckFailed(_missing_columns(row, name, list(cells), missing))
        return {column: by_column[column] for column in COLUMNS}
    if isinstance(cells, (list, tuple)) and len(cells) == 3:
        return dict(zip(COLUMNS, cells))
    raise CheckFailed(
        f"Row {row!r} of `{name}` is {describe(cells)}; expected "
        "(shape, size, params), for example ((n_H, n_W, n_C), size, params)."
    )


def _missing_columns(row: str, name: str, has: list[Any], missing: list[str]) -> str:
    """Which columns a row lacks and which it has, with the one each missing column was likely meant as."""
    spare = [key for key in has if _fold(key) not in COLUMNS]
    renames = []
    for column in missing:
        folded = {str(_fold(key)): key for key in spare}
        close = [key for key in folded if column in key or key in column]
        close = close or difflib.get_close_matches(column, list(folded), n=1, cutoff=0.6)
        if close:
            renames.append(f"{folded[close[0]]!r} to {column!r}")
    hint = f" Rename {', '.join(renames)}." if renames else ""
    return (
        f"Row {row!r} of `{name}` has no {', '.join(missing)}: its columns are "
        f"{', '.join(repr(key) for key in has) or 'none'}, and the table needs shape, size and params "
        f"(in any case).{hint}"
    )


def read_cell(table: Any, row: str, column: str, name: str) -> Any:
    """One cell as a shape tuple (from text such as "28x28x8" too: as_shape) or a whole number."""
    value = read_row(table, row, name)[column]
    label = f"{name}[{row!r}] {column}"
    return as_shape(value, label) if column == "shape" else as_count(value, label)


def is_vector_shape(shape: tuple[int, ...]) -> bool:
    """(units,), (units, 1) or (1, units): the forms a dense layer's output is accepted in."""
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


def require_layer_axes(shape: tuple[int, ...], label: str, volume: bool) -> None:
    """A volume row has 3 axes (n_H, n_W, n_C), a dense row is a vector; the lecture states both."""
    if volume and len(shape) != 3:
        missing = " (the channel axis n_C is missing?)" if len(shape) == 2 else ""
        raise CheckFailed(
            f"`{label}` is {shape}, with {axes_count(len(shape))}; the input and "
            f"the output of a conv or pooling layer are volumes of 3 axes, (n_H, n_W, n_C){missing}."
        )
    if not volume and not is_vector_shape(shape):
        flattened = " (a volume is flattened before the first dense layer)" if len(shape) > 2 else ""
        raise CheckFailed(
            f"`{label}` is {shape}; a dense layer's output is a vector, one entry per unit: "
            f"(units,) or (units, 1){flattened}."
        )


def require_size_of_shape(shape: tuple[int, ...], size: int, label: str) -> None:
    """The size of an activation is the product of its shape's entries, whatever either should be."""
    entries = math.prod(shape)
    if size != entries:
        raise CheckFailed(
            f"`{label}` is {size:,}, but this row's shape {shape} has {entries:,} entries: "
            "the size is the product of the shape's entries."
        )


def read_table(table: Any, rows: Sequence[str], name: str) -> dict[str, tuple[Any, ...]]:
    """Every cell of every row, so one call proves the whole table is readable."""
    return {row: tuple(read_cell(table, row, column, name) for column in COLUMNS) for row in rows}
