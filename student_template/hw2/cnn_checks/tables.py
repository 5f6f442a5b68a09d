"""Read the LeNet table in any reasonable form: a dict of tuples, a dict of dicts, a DataFrame."""
from __future__ import annotations

from typing import Any, Sequence

from .coerce import as_int, as_shape, describe
from .core import CheckFailed

COLUMNS = ("shape", "size", "params")


def _find_row(table: dict[str, Any], row: str, name: str) -> Any:
    if row in table:
        return table[row]
    folded = {key.strip().lower(): value for key, value in table.items()}
    if row.lower() in folded:
        return folded[row.lower()]
    raise CheckFailed(f"`{name}` has no row {row!r}; its rows are {list(table)}. Use the row "
                      "names of the lecture's table exactly.")


def read_row(table: Any, row: str, name: str) -> dict[str, Any]:
    """The three cells of one row, still as given: {"shape": .., "size": .., "params": ..}."""
    if not isinstance(table, dict):
        raise CheckFailed(f"`{name}` is {describe(table)}; expected a dict {{row: (shape, size, "
                          "params)}} or a pandas DataFrame with columns shape, size, params.")
    cells = _find_row(table, row, name)
    if isinstance(cells, dict):
        missing = [column for column in COLUMNS if column not in cells]
        if missing:
            raise CheckFailed(f"Row {row!r} of `{name}` has no {', '.join(missing)}; the columns "
                              "are shape, size and params.")
        return {column: cells[column] for column in COLUMNS}
    if isinstance(cells, (list, tuple)) and len(cells) == 3:
        return dict(zip(COLUMNS, cells))
    raise CheckFailed(f"Row {row!r} of `{name}` is {describe(cells)}; expected "
                      "(shape, size, params), for example ((n_H, n_W, n_C), size, params).")


def read_cell(table: Any, row: str, column: str, name: str) -> Any:
    """One cell as a shape tuple or a whole number."""
    value = read_row(table, row, name)[column]
    label = f"{name}[{row!r}] {column}"
    return as_shape(value, label) if column == "shape" else as_int(value, label)


def read_table(table: Any, rows: Sequence[str], name: str) -> dict[str, tuple[Any, ...]]:
    """Every cell of every row, so one call proves the whole table is readable."""
    return {row: tuple(read_cell(table, row, column, name) for column in COLUMNS) for row in rows}
