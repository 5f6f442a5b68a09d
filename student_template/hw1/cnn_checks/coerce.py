"""Read a plain answer as the type a check needs, or say exactly what is wrong with it."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .core import CheckFailed


def describe(value: Any) -> str:
    """A short phrase for what the student gave, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)}"
    if isinstance(value, list):
        return f"a list of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value, key=str)[:8]}"  # keys of mixed types: 1, "a"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "None"
    return f"the {type(value).__name__} {value!r}"


def _holds_bool(value: Any) -> bool:
    """True when an array or nested list holds True/False: a comparison's result, never a number."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "b" or (value.dtype.kind == "O" and _holds_bool(value.tolist()))
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, (bool, np.bool_)) or _holds_bool(item) for item in value)
    return False


def _row_length(row: Any) -> int | None:
    """How many entries a row has; None for an entry that is no row (a number, a 0-d array, a string)."""
    if isinstance(row, np.ndarray):
        # A 0-d array (np.array(3.0), or a sum kept as an array) is a single number: len() fails on it.
        return len(row) if row.ndim else None
    return len(row) if isinstance(row, (list, tuple)) else None


def _unreadable(value: Any) -> str:
    """Why nested lists are no array: rows of different lengths (named), or an entry that is no number."""
    if isinstance(value, (list, tuple)) and value:
        lengths = [_row_length(row) for row in value]
        if None not in lengths and len(set(lengths)) > 1:
            return f"its rows have different lengths ({', '.join(map(str, lengths))})"
        single = [i for i, row in enumerate(value) if lengths[i] is None and _is_number(row)]
        rows = [i for i, length in enumerate(lengths) if length is not None]
        if single and rows:
            return (
                f"it mixes single numbers (entry {single[0]}) with rows (entry {rows[0]} has "
                f"{lengths[rows[0]]} entries); every row needs the same number of entries"
            )
    return "its rows have different lengths or it holds something that is not a number"


def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def as_float_array(value: Any, name: str) -> np.ndarray:
    """A numeric array from an ndarray, nested lists or tuples, or a number; finite only."""
    if isinstance(value, (str, dict)) or value is None or isinstance(value, bool):
        raise CheckFailed(
            f"`{name}` is {describe(value)}; expected an array of numbers (a numpy array or nested lists)."
        )
    if _holds_bool(value):
        # np.array(..., dtype=float) would quietly read True as 1.0.
        kind = (
            f"a boolean array of shape {tuple(value.shape)}" if isinstance(value, np.ndarray) else "True/False values"
        )
        raise CheckFailed(
            f"`{name}` holds {kind}; expected numbers (floats or ints). A comparison such as "
            "`out > 0` or `out == k` gives booleans: return the computed values themselves."
        )
    try:
        array = np.array(value, dtype=float)
    except OverflowError:
        # An int beyond float's range: no grid or output holds one.
        raise CheckFailed(f"`{name}` holds a number too large for a float; expected finite numbers.") from None
    except (TypeError, ValueError):
        raise CheckFailed(f"`{name}` could not be read as an array of numbers: {_unreadable(value)}.") from None
    if array.ndim == 0 and not np.isfinite(array):
        raise CheckFailed(f"`{name}` is {array.item()}; expected a finite number.")
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise CheckFailed(
            f"`{name}` contains {array[where]} at index {list(where)}; every entry "
            "must be a finite number (did a division by zero or an unfilled cell "
            "slip in?)."
        )
    return array


def axes_count(count: int) -> str:
    """Say "1 axis" or "3 axes"."""
    return f"{count} axis" if count == 1 else f"{count} axes"


def require_shape(array: np.ndarray, name: str, expected: Sequence[int], why: str = "") -> None:
    """Fail with the axis that differs and, when given, the lecture's reason for the size.

    A wrong number of axes is named as such (a single number, an axis missing, extra axes of
    length 1, a flattened array) before any reason about sizes, which would point elsewhere."""
    expected = tuple(int(n) for n in expected)
    if array.shape == expected:
        return
    wanted = f"an array of shape {expected} ({axes_count(len(expected))})"
    if array.ndim == 0:
        message = f"`{name}` is a single number ({array.item():g}), not an array; expected {wanted}"
    elif array.ndim == len(expected):
        axis = next(i for i, (got, want) in enumerate(zip(array.shape, expected)) if got != want)
        message = f"`{name}` has shape {array.shape}; expected {expected}"
        message += f" (axis {axis} has {array.shape[axis]}, not {expected[axis]})"
    else:
        message = (
            f"`{name}` has shape {array.shape}; expected {expected}, with {axes_count(len(expected))} "
            f"and not {array.ndim}"
        )
        if tuple(n for n in array.shape if n != 1) == tuple(n for n in expected if n != 1):
            message += ": only axes of length 1 differ (np.squeeze drops them, x[..., None] adds one)"
        elif array.size == math.prod(expected):
            message += ": the right number of entries, on the wrong number of axes (reshape it)"
        elif array.ndim < len(expected):
            message += f": {axes_count(len(expected) - array.ndim)} missing"
        else:
            message += f": {axes_count(array.ndim - len(expected))} too many"
    if why:
        message += f"; {why}" if array.ndim != len(expected) else f": {why}"
    raise CheckFailed(message + ".")


def as_int(value: Any, name: str) -> int:
    """A whole number from an int, a numpy int or an integral float (4.0 counts as 4)."""
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, np.ndarray) and value.size == 1:
            return as_int(value.item(), name)
        if isinstance(value, list) and len(value) == 1:
            return as_int(value[0], name)
        raise CheckFailed(f"`{name}` is {describe(value)}; expected a whole number.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CheckFailed(f"`{name}` is {value}; expected a finite whole number.")
        if value != int(value):
            raise CheckFailed(
                f"`{name}` is {value}, which is not a whole number; counts and sizes "
                "are integers (did you forget to round, or use / instead of //?)."
            )
        return int(value)
    return value


def as_count(value: Any, name: str) -> int:
    """A whole number that counts something (parameters, entries, a padding): never negative."""
    count = as_int(value, name)
    if count < 0:
        raise CheckFailed(f"`{name}` is {count:,}; a count or a size is never negative.")
    return count


def as_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of a few words, ignoring case and surrounding spaces."""
    if not isinstance(value, str):
        raise CheckFailed(
            f"`{name}` is {describe(value)}; expected one of " + ", ".join(repr(c) for c in choices) + " (a string)."
        )
    word = value.strip().lower()
    if word not in choices:
        raise CheckFailed(f"`{name}` is {value!r}; expected one of " + ", ".join(repr(c) for c in choices) + ".")
    return word


# A shape as the lecture's tables print it and students copy it: 28x28x8, 28X28X8, 28 × 28 × 8, 28*28*8,
# "28 by 28 by 8", 28, 28, 8; any spacing (a non-breaking space from a copied table too). Whole numbers only.
_SHAPE_TEXT = re.compile(r"[0-9]+(?:\s*(?:[,x×*]|by)\s*[0-9]+)*", re.IGNORECASE)
_BRACKETS = ("()", "[]")


def _shape_text(text: str) -> list[int] | None:
    """The sides written in `text` ("(28, 28, 8)", "[28x28x8]", "(120,)", "120"), or None."""
    inner = text.strip()
    if inner[:1] + inner[-1:] in _BRACKETS:
        inner = inner[1:-1].strip()
    inner = inner.removesuffix(",").rstrip()  # "(120,)", Python's one-tuple
    if not _SHAPE_TEXT.fullmatch(inner):
        return None
    return [int(side) for side in re.findall("[0-9]+", inner)]


def as_shape(value: Any, name: str) -> tuple[int, ...]:
    """A shape from a tuple, list or 1-D array of whole numbers, or from text such as "28x28x8"."""
    if isinstance(value, str):
        sides = _shape_text(value)
        if sides is None:
            raise CheckFailed(
                f"`{name}` is the string {value!r}; expected a shape such as (n_H, n_W, n_C) "
                "or (units,): a tuple of whole numbers."
            )
        value = sides
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise CheckFailed(f"`{name}` is {describe(value)}; expected a shape such as (n_H, n_W, n_C) or (units,).")
    shape = tuple(as_int(n, name) for n in value)
    if any(n < 1 for n in shape):
        raise CheckFailed(f"`{name}` is {shape}; every axis of a shape has a length of at least 1.")
    return shape


def same_vector_shape(got: tuple[int, ...], want: tuple[int, ...]) -> bool:
    """(120,), (120, 1) and (1, 120) all describe a vector of 120 units."""

    def units(shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(n for n in shape if n != 1) or (1,)

    vector_like = len(want) <= 2 and (len(want) == 1 or 1 in want)
    return got == want or (vector_like and len(got) <= 2 and units(got) == units(want))
