"""Homework 1: 2-D convolution (cross-correlation) with zero padding and stride, and the lecture's grids."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions.lecture import FLAT_IMAGE, HORIZONTAL, IMAGE, SCHARR, SOBEL, VERTICAL

__all__ = [
    "conv2d",
    "flat_region_output",
    "horizontal_edges",
    "scharr_edges",
    "sobel_edges",
    "strided_edges",
    "vertical_edges",
]


def conv2d(x: np.ndarray, k: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlate a 2-D array with a square kernel; output floor((n + 2p - f) / s + 1) per axis."""
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (n_H, n_W), got shape {x.shape}")
    if k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise ValueError(f"k must be a square (f, f) kernel, got shape {k.shape}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if padding < 0:
        raise ValueError(f"padding must be non-negative, got {padding}")
    padded = np.pad(x, padding)
    f = k.shape[0]
    if f > min(padded.shape):
        raise ValueError(f"a {f}x{f} kernel does not fit in the padded input of shape {padded.shape}")
    # Every stride-1 window, then keep every s-th one: the count is floor((n + 2p - f) / s) + 1.
    windows = sliding_window_view(padded, (f, f))[::stride, ::stride]
    # No kernel flip: deep-learning "convolution" is cross-correlation.
    return np.einsum("ijkl,kl->ij", windows, k)


vertical_edges = conv2d(IMAGE, VERTICAL)
horizontal_edges = conv2d(IMAGE, HORIZONTAL)
sobel_edges = conv2d(IMAGE, SOBEL)
scharr_edges = conv2d(IMAGE, SCHARR)
strided_edges = conv2d(IMAGE, VERTICAL, stride=2, padding=1)
flat_region_output = conv2d(FLAT_IMAGE, VERTICAL)
