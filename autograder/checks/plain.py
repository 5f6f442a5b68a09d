"""Turn a student's answer into plain data (numbers, strings, lists, dicts, numeric arrays).

Only exact, known types pass: an ndarray subclass, an object with its own __eq__ or a generator
is refused, so nothing a student wrote can run inside a check.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 8
# No question's answer comes near these; beyond them a value only costs the grader time and memory.
MAX_STRING = 10_000
MAX_INT = 2**64
PORTABLE_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"}
)
_WIDEST = {"b": "bool", "i": "int64", "u": "uint64", "f": "float64"}


class NotPlainData(ValueError):
    """An answer of a kind the checks cannot take; the message names the kind."""


def _is_pandas(value: Any, kind: str) -> bool:
    cls = type(value)
    return cls.__name__ == kind and cls.__module__.split(".")[0] == "pandas"


def to_plain(value: Any, depth: int = 0) -> Any:
    """Return `value` as plain data, or raise NotPlainData saying what it is."""
    if depth > MAX_DEPTH:
        raise NotPlainData("nested too deeply")
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is int:
        if abs(value) >= MAX_INT:
            raise NotPlainData("an integer too large to grade (more than 64 bits)")
        return value
    if kind is str:
        if len(value) > MAX_STRING:
            raise NotPlainData(f"a string of {len(value)} characters (too long)")
        return value
    if kind is float:
        return value
    if kind is np.ndarray:
        return _plain_array(value, depth)
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return _plain_numpy_scalar(value)
    if kind in (list, tuple):
        if len(value) > MAX_ELEMENTS:
            raise NotPlainData("too long")
        return [to_plain(item, depth + 1) for item in value]
    if kind is dict:
        return {_plain_key(key): to_plain(item, depth + 1) for key, item in value.items()}
    if _is_pandas(value, "DataFrame"):
        if not value.index.is_unique:
            raise NotPlainData("a DataFrame with repeated row labels")
        return {
            _plain_key(row): to_plain(dict(cells), depth + 1) for row, cells in value.to_dict(orient="index").items()
        }
    if _is_pandas(value, "Series"):
        return to_plain(value.to_list(), depth + 1)
    raise NotPlainData(f"an object of type {kind.__name__}")


# The codec's tags: a student's dict may not carry them, so it can never pass for an array record.
ARRAY_TAG, ERROR_TAG = "__ndarray__", "__error__"
RESERVED_KEYS = frozenset({ARRAY_TAG, ERROR_TAG})


def _plain_key(key: Any) -> str:
    if type(key) is str:
        if len(key) > MAX_STRING:
            raise NotPlainData(f"a dict with a key of {len(key)} characters (too long)")
        if key in RESERVED_KEYS:
            raise NotPlainData(f"a dict with the reserved key {key!r}")
        return key
    if type(key) in (int, bool) and abs(key) >= MAX_INT:
        raise NotPlainData("a dict with an integer key too large to grade")
    if type(key) in (int, bool) or (isinstance(key, np.generic) and type(key).__module__ == "numpy"):
        return str(key)
    raise NotPlainData(f"a dict with a {type(key).__name__} key")


def _plain_array(array: np.ndarray, depth: int) -> Any:
    if array.size > MAX_ELEMENTS:
        raise NotPlainData(f"an array of {array.size} elements (too large)")
    if array.dtype.kind == "O":
        # Usually a ragged list the student wrapped in np.array: keep it as lists.
        return to_plain(array.tolist(), depth + 1)
    if array.dtype.kind not in "biuf":
        raise NotPlainData(f"an array of dtype {array.dtype}")
    # Native byte order and a width JSON can carry: float128 becomes float64, '>f8' becomes '<f8'.
    name = array.dtype.name if array.dtype.name in PORTABLE_DTYPES else _WIDEST[array.dtype.kind]
    return np.array(array, dtype=name, copy=True)


def _plain_numpy_scalar(value: np.generic) -> Any:
    if value.dtype.kind in "biuf":
        return _plain_array(np.asarray(value), 0).item()
    if value.dtype.kind in "US":
        return str(value)
    raise NotPlainData(f"a numpy {value.dtype} value")
