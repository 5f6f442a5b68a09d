"""Homework 2: the output-size formula and the smallest "same" padding for a given stride."""

import math

__all__ = ["hw2_output_other_rounding", "hw2_padding", "hw2_rounding", "output_size", "same_padding"]


def output_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """Output length floor((n + 2p - f) / s + 1) of a convolution or pooling along one axis."""
    if s < 1:
        raise ValueError(f"stride must be at least 1, got {s}")
    # Integer floor division: float division would round wrongly for very large n.
    return (n + 2 * p - f) // s + 1


def same_padding(n: int, f: int, s: int = 1) -> int:
    """Smallest padding p >= 0 with output_size(n, f, p, s) == n; ValueError when none exists."""
    # output == n  <=>  n*s - n + f - s <= 2p < n*s - n + f, so the least p is the ceiling of the
    # lower bound; it fails the upper bound only when s == 1 and that bound is odd (f even).
    lower = n * s - n + f - s
    p = max(0, -(-lower // 2))
    if output_size(n, f, p, s) != n:
        raise ValueError(f"no padding keeps n={n} with f={f}, s={s}: with stride 1 the filter size must be odd")
    return p


# The lecture's case: a 6x6 input, f=3, s=2, where p = (ns - n + f - s) / 2 = 3.5 is not an integer.
_N, _F, _S = 6, 3, 2
_RAW_PADDING = (_N * _S - _N + _F - _S) / 2

_ROUNDINGS = {"floor": math.floor, "ceil": math.ceil}

# The rounding whose padding keeps the input size; the other one shrinks the output.
hw2_rounding = next(name for name, rnd in _ROUNDINGS.items() if output_size(_N, _F, rnd(_RAW_PADDING), _S) == _N)
hw2_padding = _ROUNDINGS[hw2_rounding](_RAW_PADDING)
hw2_output_other_rounding = output_size(_N, _F, math.floor(_RAW_PADDING), _S)
