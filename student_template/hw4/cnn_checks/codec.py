"""Plain data to JSON and back, with a schema checked on the way in.

This is how answers cross the process boundary: the parent never unpickles or imports what a
student's process wrote; it accepts only these shapes of JSON.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .plain import ARRAY_TAG, ERROR_TAG, MAX_DEPTH, MAX_ELEMENTS, MAX_INT, MAX_STRING, PORTABLE_DTYPES


class MalformedData(ValueError):
    """JSON that does not follow the answer schema."""


def encode(value: Any) -> Any:
    """Plain data (see plain.to_plain) to JSON-able data."""
    if isinstance(value, np.ndarray):
        return {ARRAY_TAG: value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


def error(message: str) -> dict[str, str]:
    """The JSON stand-in for an answer that could not be taken (raised, missing, not plain)."""
    return {ERROR_TAG: message}


def error_message(encoded: Any) -> str | None:
    if isinstance(encoded, dict) and set(encoded) == {ERROR_TAG} and isinstance(encoded[ERROR_TAG], str):
        return encoded[ERROR_TAG]
    return None


def decode(data: Any, depth: int = 0) -> Any:
    """JSON-able data back to plain data; raise MalformedData for anything off-schema."""
    # The same bounds as plain.to_plain on the child's side, so only forged data is ever refused here.
    if depth > MAX_DEPTH + 2:
        raise MalformedData("nested too deeply")
    if data is None or type(data) in (bool, float):
        return data
    if type(data) is int:
        if abs(data) >= MAX_INT:
            raise MalformedData("an integer too large")
        return data
    if type(data) is str:
        if len(data) > MAX_STRING:
            raise MalformedData("a string too long")
        return data
    if type(data) is list:
        if len(data) > MAX_ELEMENTS:
            raise MalformedData("list too long")
        return [decode(item, depth + 1) for item in data]
    if type(data) is dict:
        if ARRAY_TAG in data:
            return _decode_array(data)
        if len(data) > MAX_ELEMENTS or not all(type(key) is str and len(key) <= MAX_STRING for key in data):
            raise MalformedData("dict too long, or with a bad key")
        return {key: decode(item, depth + 1) for key, item in data.items()}
    raise MalformedData(f"unexpected {type(data).__name__}")


def _decode_array(data: dict[str, Any]) -> np.ndarray:
    if (
        set(data) != {ARRAY_TAG, "dtype", "shape"}
        or type(data["dtype"]) is not str
        or data["dtype"] not in PORTABLE_DTYPES
    ):
        raise MalformedData("array record with unexpected fields or dtype")
    shape = data["shape"]
    if (
        type(shape) is not list
        or len(shape) > MAX_DEPTH
        or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)
    ):
        raise MalformedData("array record with a bad shape")
    if math.prod(shape) > MAX_ELEMENTS:
        raise MalformedData("array too large")
    if math.prod(shape) == 0:
        # [] carries no trailing axes: an empty array's shape comes from the record alone.
        try:
            empty = np.array(data[ARRAY_TAG], dtype=float).size == 0
        except Exception:
            empty = False
        if not empty:
            raise MalformedData("an empty array record with values")
        return np.empty(shape, dtype=data["dtype"])
    try:
        array = np.array(data[ARRAY_TAG], dtype=data["dtype"])
    except Exception as exc:
        raise MalformedData(f"array values do not fit ({type(exc).__name__})") from None
    if list(array.shape) != shape:
        raise MalformedData("array values do not match the shape")
    return array
