"""Compare an answer with an expected value, naming the known mistake it matches, if any.

The expected value and the variants are passed in by the caller; nothing here knows an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .coerce import as_float_array, as_int, require_shape
from .core import CheckFailed, Tolerance


def _matches(array: np.ndarray, candidate: np.ndarray, tolerance: Tolerance) -> bool:
    return array.shape == candidate.shape and bool(
        np.allclose(array, candidate, rtol=tolerance.rtol, atol=tolerance.atol)
    )


def check_array(
    value: Any,
    name: str,
    expected: np.ndarray,
    tolerance: Tolerance,
    mistakes: Mapping[str, np.ndarray] = {},
    shape_why: str = "",
    where: str = "",
) -> None:
    """Pass when `value` is close to `expected`; otherwise say which mistake or which cells."""
    array = as_float_array(value, name)
    suffix = f" on {where}" if where else ""
    if _matches(array, expected, tolerance):
        return
    for mistake, variant in mistakes.items():
        if _matches(array, np.asarray(variant, dtype=float), tolerance):
            raise CheckFailed(f"`{name}`{suffix} matches what you get when {mistake}.", mistake=mistake)
    require_shape(array, name, expected.shape, shape_why)
    wrong = np.argwhere(~np.isclose(array, expected, rtol=tolerance.rtol, atol=tolerance.atol))
    first = [int(i) for i in wrong[0]]
    raise CheckFailed(
        f"`{name}`{suffix} has the right shape {expected.shape} but {len(wrong)} of "
        f"{expected.size} entries differ (tolerance {tolerance.describe()}); the "
        f"first is at index {first}."
    )


def check_count(value: Any, name: str, expected: int, mistakes: Mapping[str, int] = {}, where: str = "") -> None:
    """Pass when `value` is exactly the whole number `expected`; otherwise name the mistake."""
    got = as_int(value, name)
    if got == expected:
        return
    suffix = f" on {where}" if where else ""
    for mistake, variant in mistakes.items():
        if got == variant:
            raise CheckFailed(f"`{name}`{suffix} is {got:,}, which is what you get when {mistake}.", mistake=mistake)
    if got < 0 <= expected:
        raise CheckFailed(f"`{name}`{suffix} is {got:,}; a count or a size is never negative.")
    raise CheckFailed(f"`{name}`{suffix} is {got:,}; that is not the expected count.")
